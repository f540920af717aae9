import { Button, Code, Paper, Stack, Text, Title } from '@mantine/core'
import { useTranslation } from 'react-i18next'
import { useKindLabel } from './subject-kind-badges'
import type { SubjectKind } from './subjects.api'

/** The CLI command that fills an empty installation with demo subjects. */
export const DEMO_DATA_COMMAND = 'npx tresor demo --subjects 1000'

/** No contacts at all (explains how to get demo data), or none for the chosen kind (offers to clear it). */
export function ContactsEmptyState({ kind, onClearKind }: { kind?: SubjectKind; onClearKind: () => void }) {
  const { t } = useTranslation()
  const kindLabel = useKindLabel()
  return (
    <Paper withBorder radius="md" p="xl" data-testid="contacts-empty">
      <Stack align="center" gap="sm" ta="center">
        {kind ? (
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
