import {
  Badge,
  Button,
  Center,
  Group,
  Loader,
  Modal,
  Stack,
  Table,
  Text,
  VisuallyHidden,
} from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ErrorState } from '../../app/error-state'
import { currentLanguage } from '../../app/i18n'
import { Toast } from '../../app/toast'
import { useContactFormat } from '../subjects/contact-format'
import { type PurposeSummary, purposesQueryOptions } from '../subjects/contact-overview.api'
import { PurposeScopeForm } from './purpose-scope-form'
import { type ScopeLabels, useScopeLabels } from './purpose-scope-labels'

/**
 * The purpose registry with each purpose's scope: legal basis (Art. 6(1), Art. 9(2)), channels,
 * the roles that may act under it, the kinds of contacts it reaches and the record they must have,
 * the data categories it uses (Art. 5(1)(c)), its Art. 18(2) ground and its version. Those who
 * manage the registry (`purposes:manage`) edit the scope; everyone else reads.
 */
export function PurposesPanel({ manage }: { manage: boolean }) {
  const { t } = useTranslation()
  const language = currentLanguage()
  const purposes = useQuery(purposesQueryOptions())
  const [editing, setEditing] = useState<PurposeSummary | null>(null)
  const [saved, setSaved] = useState<PurposeSummary | null>(null)

  if (purposes.isPending)
    return (
      <Center py="xl">
        <Loader size="sm" aria-label={t('common.loading')} />
      </Center>
    )
  if (purposes.isError)
    return (
      <ErrorState
        title={t('privacy.registry.error')}
        error={purposes.error}
        onRetry={() => void purposes.refetch()}
        testId="privacy-registry-error"
      />
    )
  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed" maw={760}>
        {t('privacy.registry.intro')}
      </Text>
      {!manage && (
        <Text size="sm" c="dimmed" data-testid="privacy-registry-read-only">
          {t('privacy.registry.readOnly')}
        </Text>
      )}
      <PurposesTable purposes={purposes.data} onEdit={manage ? setEditing : undefined} />
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing ? t('privacy.registry.form.title', { purpose: editing.name[language] }) : ''}
        size="xl"
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        {editing && (
          <PurposeScopeForm
            purpose={editing}
            onCancel={() => setEditing(null)}
            onSaved={(purpose) => {
              setEditing(null)
              setSaved(purpose)
            }}
          />
        )}
      </Modal>
      <Toast
        opened={saved !== null}
        onClose={() => setSaved(null)}
        title={t('privacy.registry.saved.title')}
        testId="purpose-scope-saved"
      >
        {saved && t('privacy.registry.saved.body', { purpose: saved.name[language], version: saved.version })}
      </Toast>
    </Stack>
  )
}

function PurposesTable({
  purposes,
  onEdit,
}: {
  purposes: PurposeSummary[]
  onEdit: ((purpose: PurposeSummary) => void) | undefined
}) {
  const { t } = useTranslation()
  const labels = useScopeLabels()
  const language = currentLanguage()
  // By name in the language shown, so a purpose is found where the reader expects it.
  const sorted = [...purposes].sort((a, b) => a.name[language].localeCompare(b.name[language], language))
  return (
    <Table.ScrollContainer minWidth={1120}>
      <Table verticalSpacing="sm" striped data-testid="privacy-registry">
        <Table.Caption>{t('privacy.registry.caption')}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th w="14%">{t('privacy.registry.columns.purpose')}</Table.Th>
            <Table.Th w="11%">{t('privacy.registry.columns.legalBasis')}</Table.Th>
            <Table.Th w="13%">{t('privacy.registry.columns.roles')}</Table.Th>
            <Table.Th w="10%">{t('privacy.registry.columns.reaches')}</Table.Th>
            <Table.Th>{t('privacy.registry.columns.categories')}</Table.Th>
            <Table.Th w="14%">{t('privacy.registry.columns.restriction')}</Table.Th>
            <Table.Th w={90}>{t('privacy.registry.columns.version')}</Table.Th>
            {onEdit && (
              <Table.Th w={100}>
                <VisuallyHidden>{t('privacy.registry.columns.actions')}</VisuallyHidden>
              </Table.Th>
            )}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sorted.map((purpose) => (
            <PurposeRow key={purpose.key} purpose={purpose} labels={labels} onEdit={onEdit} />
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  )
}

function PurposeRow({
  purpose,
  labels,
  onEdit,
}: {
  purpose: PurposeSummary
  labels: ScopeLabels
  onEdit: ((purpose: PurposeSummary) => void) | undefined
}) {
  const { t } = useTranslation()
  const format = useContactFormat()
  const language = format.language
  const { scope } = purpose
  const basis = labels.legalBasis(purpose)
  const art9 = labels.art9Basis(purpose)
  const record = labels.requiredRecord(scope.requiresRecord)
  const restriction = labels.restriction(scope.restrictionException)
  return (
    <Table.Tr data-testid="privacy-registry-row" data-key={purpose.key} data-version={purpose.version}>
      <Table.Td>
        <Stack gap={6}>
          <Text size="sm" fw={500} data-testid="registry-name">
            {purpose.name[language]}
          </Text>
          <Group gap={4} data-testid="registry-channels">
            {purpose.channels.map((channel) => (
              <Badge key={channel} size="xs" variant="outline" color="gray" tt="none">
                {format.channel(channel)}
              </Badge>
            ))}
          </Group>
        </Stack>
      </Table.Td>
      <Table.Td>
        <Text size="sm" data-testid="registry-legal-basis">
          {basis.label}
        </Text>
        <Text size="xs" c="dimmed" data-testid="registry-article">
          {basis.article}
        </Text>
        {art9 && (
          <Text size="xs" c="red.8" mt={4} data-testid="registry-art9">
            {art9}
          </Text>
        )}
      </Table.Td>
      <Table.Td data-testid="registry-roles" data-value={scope.roles.join(',')}>
        {scope.roles.length > 0 ? (
          <Text size="sm">{scope.roles.map(labels.role).join(', ')}</Text>
        ) : (
          <Text size="sm" c="dimmed">
            {t('privacy.registry.noRoles')}
          </Text>
        )}
      </Table.Td>
      <Table.Td data-testid="registry-reaches" data-value={scope.subjectKinds.join(',')}>
        <Stack gap={4}>
          <Text size="sm" fw={scope.subjectKinds.length > 0 ? 500 : undefined} data-testid="registry-kinds">
            {scope.subjectKinds.length > 0
              ? scope.subjectKinds.map(labels.kind).join(', ')
              : t('privacy.registry.allKinds')}
          </Text>
          {record && (
            <Text
              size="xs"
              fw={500}
              c="orange.9"
              data-testid="registry-record"
              data-value={scope.requiresRecord}
            >
              {record}
            </Text>
          )}
        </Stack>
      </Table.Td>
      <Table.Td data-testid="registry-categories" data-value={scope.fieldCategories.join(',')}>
        {scope.fieldCategories.length > 0 ? (
          <Text size="sm">{scope.fieldCategories.map(labels.category).join(', ')}</Text>
        ) : (
          <Text size="sm" c="dimmed">
            {t('privacy.registry.noCategories')}
          </Text>
        )}
      </Table.Td>
      <Table.Td data-testid="registry-restriction" data-value={scope.restrictionException ?? ''}>
        {/* Most purposes have no ground: said quietly; a ground stands out, with what it means. */}
        <Text
          size="sm"
          fw={scope.restrictionException ? 500 : undefined}
          c={scope.restrictionException ? undefined : 'dimmed'}
        >
          {restriction.label}
        </Text>
        {scope.restrictionException && restriction.hint && (
          <Text size="xs" c="dimmed">
            {restriction.hint}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm" data-testid="registry-version">
          {t('privacy.registry.version', { version: purpose.version })}
        </Text>
        <Text size="xs" c="dimmed">
          {t('privacy.registry.changed', { date: format.date(purpose.updatedAt) })}
        </Text>
      </Table.Td>
      {onEdit && (
        <Table.Td>
          <Button
            size="xs"
            variant="light"
            onClick={() => onEdit(purpose)}
            aria-haspopup="dialog"
            aria-label={t('privacy.registry.editLabel', { purpose: purpose.name[language] })}
            data-testid="registry-edit"
          >
            {t('privacy.registry.edit')}
          </Button>
        </Table.Td>
      )}
    </Table.Tr>
  )
}
