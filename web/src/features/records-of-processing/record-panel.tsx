import { Alert, Badge, Button, Center, Group, List, Loader, Paper, Stack, Table, Text } from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { ErrorState } from '../../app/error-state'
import { currentLanguage, LANGUAGES } from '../../app/i18n'
import { useContactFormat } from '../subjects/contact-format'
import {
  adoptRecord,
  RECORD_FORMATS,
  recordDocumentUrl,
  recordKeys,
  recordVersionsQueryOptions,
  recordViewQueryOptions,
} from './records-of-processing.api'

/**
 * The record of processing activities (Art. 30(1)): generated from the configuration, never typed.
 * Downloads as PDF, XLSX and HTML in German and English; the changes since the last adopted
 * version; the DPO (`purposes:manage`) adopts the record as it stands as the next version.
 */
export function RecordPanel({ manage }: { manage: boolean }) {
  const { t } = useTranslation()
  const format = useContactFormat()
  const queryClient = useQueryClient()
  const view = useQuery(recordViewQueryOptions())
  const versions = useQuery(recordVersionsQueryOptions())
  const adopt = useMutation({
    mutationFn: adoptRecord,
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: recordKeys.view() }),
  })
  const language = currentLanguage()

  if (view.isPending)
    return (
      <Center py="xl">
        <Loader size="sm" aria-label={t('common.loading')} />
      </Center>
    )
  if (view.isError)
    return <ErrorState error={view.error} onRetry={() => void view.refetch()} testId="record-error" />
  const v = view.data
  const counts = [
    ['purposes', v.record.purposes.length],
    ['subjectCategories', v.record.subjectCategories.length],
    ['dataCategories', v.record.dataCategories.length],
    ['recipients', v.record.recipients.length],
    ['erasureLimits', v.record.erasureLimits.length],
    ['measures', v.record.measures.length],
  ] as const
  return (
    <Stack gap="md" data-testid="record-panel">
      <Text size="sm" c="dimmed" maw={760}>
        {t('processingRecord.intro')}
      </Text>
      <Paper withBorder p="sm" data-testid="record-downloads">
        <Stack gap="xs">
          <Text size="sm" fw={500}>
            {t('processingRecord.download.title')}
          </Text>
          <Group gap="xs">
            {RECORD_FORMATS.flatMap((f) =>
              LANGUAGES.map((lang) => (
                <Button
                  key={`${f}-${lang}`}
                  component="a"
                  href={recordDocumentUrl(lang, f)}
                  download
                  size="xs"
                  variant={f === 'pdf' ? 'filled' : 'default'}
                  data-testid={`record-download-${f}-${lang}`}
                >
                  {t('processingRecord.download.button', {
                    format: f.toUpperCase(),
                    language: t(`language.${lang}Name`),
                  })}
                </Button>
              )),
            )}
          </Group>
        </Stack>
      </Paper>
      <Paper withBorder p="sm" data-testid="record-status">
        <Stack gap="xs">
          <Group gap="xs">
            {v.adopted ? (
              <Badge color="teal" data-testid="record-adopted">
                {t('processingRecord.adopted', { version: v.adopted.version })}
              </Badge>
            ) : (
              <Badge color="orange" data-testid="record-not-adopted">
                {v.latest
                  ? t('processingRecord.changedSince', { version: v.latest.version })
                  : t('processingRecord.noVersion')}
              </Badge>
            )}
            <Text size="xs" c="dimmed" ff="monospace" title={v.sha256}>
              SHA-256 {v.sha256.slice(0, 16)}…
            </Text>
          </Group>
          <Group gap="md">
            {counts.map(([key, n]) => (
              <Text key={key} size="sm" data-testid={`record-count-${key}`}>
                {t(`processingRecord.sections.${key}`)}: <b>{n}</b>
              </Text>
            ))}
          </Group>
          {v.record.recipients.length === 0 && (
            <Text size="sm" c="dimmed" data-testid="record-no-recipients">
              {t('processingRecord.noRecipients')}
            </Text>
          )}
          <Text size="sm" fw={500}>
            {v.changesSince === null
              ? t('processingRecord.changes.none')
              : t('processingRecord.changes.since', { version: v.changesSince })}
          </Text>
          {v.changes.length > 0 && (
            <List size="sm" data-testid="record-changes">
              {v.changes.map((c) => (
                <List.Item key={`${c.section}-${c.key}`} data-section={c.section} data-key={c.key}>
                  {t(`processingRecord.sections.${c.section}`)}: {c.key} —{' '}
                  {t(`processingRecord.changes.${c.change}`)}
                  {c.properties.length > 0 && c.change === 'changed' ? ` (${c.properties.join(', ')})` : ''}
                </List.Item>
              ))}
            </List>
          )}
          {manage && (
            <Group>
              <Button
                size="xs"
                disabled={v.adopted !== null}
                loading={adopt.isPending}
                onClick={() => adopt.mutate()}
                data-testid="record-adopt"
              >
                {t('processingRecord.adopt', { version: (v.latest?.version ?? 0) + 1 })}
              </Button>
            </Group>
          )}
          {adopt.isError && (
            <Alert color="red" variant="light" p="xs">
              {t('processingRecord.adoptFailed')}
            </Alert>
          )}
        </Stack>
      </Paper>
      {versions.data && versions.data.length > 0 && (
        <Table striped data-testid="record-versions">
          <Table.Caption>{t('processingRecord.versions.caption')}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('processingRecord.versions.version')}</Table.Th>
              <Table.Th>{t('processingRecord.versions.adoptedAt')}</Table.Th>
              <Table.Th>{t('processingRecord.versions.adoptedBy')}</Table.Th>
              <Table.Th>SHA-256</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {versions.data.map((r) => (
              <Table.Tr key={r.version}>
                <Table.Td>v{r.version}</Table.Td>
                <Table.Td>{format.dateTime(r.adoptedAt)}</Table.Td>
                <Table.Td>
                  {r.adoptedBy.type} {r.adoptedBy.id.slice(0, 8)}
                </Table.Td>
                <Table.Td>
                  <Text size="xs" ff="monospace">
                    {r.sha256.slice(0, 16)}…
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Text size="xs" c="dimmed">
        {t('processingRecord.purposesShown', {
          names: v.record.purposes.map((p) => p.name[language]).join(', '),
        })}
      </Text>
    </Stack>
  )
}
