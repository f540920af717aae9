import { Button, Code, Paper, Stack, Text, Title } from '@mantine/core'
import { useTranslation } from 'react-i18next'
import { useKindLabel } from './subject-kind-badges'
import type { SubjectKind } from './subjects.api'

/** The CLI command that fills an empty installation with demo subjects. */
export const DEMO_DATA_COMMAND = 'npx tresor demo --subjects 1000'

/**
 * No contacts at all (explains how to get demo data), none matching the attribute filters, or none
 * for the chosen kind (each offers to clear what narrowed the list).
 */
export function ContactsEmptyState({
  kind,
  onClearKind,
  withAttributeFilters = false,
  onClearAttributes,
}: {
  kind?: SubjectKind
  onClearKind: () => void
  withAttributeFilters?: boolean
  onClearAttributes?: () => void
}) {
  const { t } = useTranslation()
  const kindLabel = useKindLabel()
  return (
    <Paper withBorder radius="md" p="xl" data-testid="contacts-empty">
      <Stack align="center" gap="sm" ta="center">
        {withAttributeFilters ? (
          <>
            <Title order={3}>{t('subjects.empty.attributesTitle')}</Title>
            <Text c="dimmed">{t('subjects.empty.attributesBody')}</Text>
            <Button variant="light" onClick={onClearAttributes} data-testid="contacts-empty-clear-attributes">
              {t('subjects.empty.clearAttributes')}
            </Button>
          </>
        ) : kind ? (
          <>
            <Title order={3}>{t('subjects.empty.filteredTitle')}</Title>
            <Text c="dimmed">{t('subjects.empty.filteredBody', { kind: kindLabel(kind) })}</Text>
            <Button variant="light" onClick={onClearKind}>
              {t('subjects.empty.clearFilter')}
            </Button>
          </>
        ) : (
          <>
            <Title order={3}>{t('subjects.empty.title')}</Title>
            <Text c="dimmed" maw={520}>
              {t('subjects.empty.body')}
            </Text>
            <Code block data-testid="contacts-demo-command">
              {DEMO_DATA_COMMAND}
            </Code>
          </>
        )}
      </Stack>
    </Paper>
  )
}
