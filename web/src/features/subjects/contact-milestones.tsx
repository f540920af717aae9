import {
  ActionIcon,
  Button,
  Center,
  Group,
  Loader,
  Select,
  Stack,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core'
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, apiRequest, isProblem } from '../../app/api'
import { SubmitErrorAlert } from '../../app/error-state'
import { problemSummary, reasonText } from '../../app/problem-text'
import type { ContactFormat } from './contact-format'
import { isOneOf } from './contact-overview.api'
import { SectionCard } from './contact-section'

/** The server's milestone kinds (`MILESTONE_KINDS`). */
export const MILESTONE_KINDS = [
  'application_rejected',
  'application_accepted',
  'application_withdrawn',
  'contract_ended',
] as const

export interface Milestone {
  id: string
  subjectId: string
  kind: (typeof MILESTONE_KINDS)[number]
  occurredAt: string
  recordedAt: string
  recordedBy: { type: string; id: string }
}

const milestoneKeys = { of: (subjectId: string) => ['subjects', 'milestones', subjectId] as const }

const milestonesQueryOptions = (subjectId: string) =>
  queryOptions({
    queryKey: milestoneKeys.of(subjectId),
    queryFn: ({ signal }) =>
      api.get<{ items: Milestone[] }>(`/api/v1/subjects/${subjectId}/milestones`, {}, signal),
    retry: false,
  })

/**
 * Decisions on an application and the end of a contract: the dates the deletion concept's clocks
 * start from (a rejected applicant's data goes 6 months after the rejection). Listed for anyone who
 * sees the contact; recorded and removed by roles that may change contacts.
 */
export function MilestonesCard({
  subjectId,
  format,
  canWrite,
}: {
  subjectId: string
  format: ContactFormat
  canWrite: boolean
}) {
  const { t } = useTranslation()
  const client = useQueryClient()
  const query = useQuery(milestonesQueryOptions(subjectId))
  const [kind, setKind] = useState<string | null>(null)
  const [date, setDate] = useState('')
  const add = useMutation({
    mutationFn: () =>
      api.post<Milestone>(`/api/v1/subjects/${subjectId}/milestones`, {
        kind,
        occurredAt: new Date(`${date}T12:00:00Z`).toISOString(),
      }),
    onSuccess: async () => {
      setKind(null)
      setDate('')
      await client.invalidateQueries({ queryKey: milestoneKeys.of(subjectId) })
    },
  })
  const remove = useMutation({
    mutationFn: (id: string) =>
      apiRequest<null>(`/api/v1/subjects/${subjectId}/milestones/${id}`, { method: 'DELETE' }),
    onSuccess: () => client.invalidateQueries({ queryKey: milestoneKeys.of(subjectId) }),
  })
  const kindLabel = (k: string) => (isOneOf(MILESTONE_KINDS, k) ? t(`milestones.kinds.${k}`) : k)
  const fieldError = (field: string) => {
    const error = isProblem(add.error) ? add.error.errors.find((e) => e.field === field) : undefined
    return error && reasonText(t, error)
  }
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (kind && date) add.mutate()
  }
  const items = query.data?.items ?? []
  return (
    <SectionCard title={t('milestones.title')} testId="contact-milestones">
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          {t('milestones.explanation')}
        </Text>
        {query.isPending ? (
          <Center py="sm">
            <Loader size="sm" aria-label={t('common.loading')} />
          </Center>
        ) : query.isError ? (
          <Text size="sm" c="red">
            {t('milestones.error')}
          </Text>
        ) : items.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="milestones-none">
            {t('milestones.none')}
          </Text>
        ) : (
          <Stack gap={4} data-testid="milestones-list">
            {items.map((m) => (
              <Group key={m.id} justify="space-between" wrap="nowrap">
                <Text size="sm">
                  {format.date(m.occurredAt)} · {kindLabel(m.kind)}
                </Text>
                {canWrite && (
                  <Tooltip label={t('milestones.remove')}>
                    <ActionIcon
                      variant="subtle"
                      color="gray"
                      aria-label={t('milestones.remove')}
                      onClick={() => remove.mutate(m.id)}
                      loading={remove.isPending && remove.variables === m.id}
                    >
                      ×
                    </ActionIcon>
                  </Tooltip>
                )}
              </Group>
            ))}
          </Stack>
        )}
        {canWrite && (
          <form onSubmit={submit}>
            <Group align="flex-end" gap="xs">
              <Select
                label={t('milestones.kind')}
                data={MILESTONE_KINDS.map((k) => ({ value: k, label: kindLabel(k) }))}
                value={kind}
                onChange={setKind}
                data-testid="milestone-kind"
                error={fieldError('kind')}
                size="xs"
                w={220}
              />
              <TextInput
                type="date"
                label={t('milestones.date')}
                value={date}
                onChange={(e) => setDate(e.currentTarget.value)}
                data-testid="milestone-date"
                error={fieldError('occurredAt')}
                size="xs"
              />
              <Button type="submit" size="xs" disabled={!kind || !date} loading={add.isPending}>
                {t('milestones.add')}
              </Button>
            </Group>
            {add.isError && !fieldError('kind') && !fieldError('occurredAt') && (
              <SubmitErrorAlert
                message={t('milestones.failed')}
                lines={
                  isProblem(add.error) && (add.error.errors.length > 0 || add.error.detail)
                    ? [problemSummary(t, add.error)]
                    : []
                }
                testId="milestone-error"
              />
            )}
          </form>
        )}
      </Stack>
    </SectionCard>
  )
}
