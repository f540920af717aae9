import { BarChart } from '@mantine/charts'
import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core'
import { useDebouncedValue } from '@mantine/hooks'
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { ErrorState, ProblemAlert as SharedProblemAlert } from '../../app/error-state'

import { currentLanguage } from '../../app/i18n'
import { problemLine, reasonText } from '../../app/problem-text'
import { usePermissions } from '../auth/permissions'
import { useRolePurposes } from '../subjects/contact-overview.api'
import { fieldCatalogQueryOptions } from '../subjects/fields.api'
import { type BuilderOptions, RuleGroupEditor } from './rule-builder'
import {
  createSegment,
  deleteSegment,
  emptyRules,
  fetchMembers,
  invalidateSegments,
  type MembersPage,
  type Segment,
  type SegmentCounts,
  type SegmentGroup,
  segmentCountQueryOptions,
  segmentPreviewQueryOptions,
  segmentsQueryOptions,
  updateSegment,
} from './segments.api'

/** What the editor holds: a saved segment's id and version, or none for a new one. */
interface Draft {
  id?: string
  version?: number
  name: string
  description: string
  purpose: string
  rules: SegmentGroup
}

const newDraft = (): Draft => ({
  name: '',
  description: '',
  purpose: 'profiling_offers',
  rules: emptyRules(),
})

/** Segments: the saved ones with their live sizes, the rule builder with its live count, the members. */
export function SegmentsPage() {
  const { t } = useTranslation()
  const { can } = usePermissions()
  const segments = useQuery(segmentsQueryOptions())
  const [draft, setDraft] = useState<Draft>(newDraft)
  const [audiencePurpose, setAudiencePurpose] = useState<string | undefined>('newsletter_email')

  return (
    <Stack gap="md" maw={1200}>
      <Title order={1} size="h2">
        {t('segments.title')}
      </Title>
      <Text size="sm" c="dimmed" maw={820}>
        {t('segments.intro')}
      </Text>
      {segments.isError ? (
        <ErrorState error={segments.error} onRetry={() => void segments.refetch()} testId="segments-error" />
      ) : (
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <SegmentList
            segments={segments.data}
            loading={segments.isPending}
            selected={draft.id}
            audiencePurpose={audiencePurpose}
            onOpen={(s) => setDraft({ ...s })}
            onNew={() => setDraft(newDraft())}
            canManage={can('segments:manage')}
          />
          <SegmentSizes segments={segments.data ?? []} audiencePurpose={audiencePurpose} />
        </SimpleGrid>
      )}
      <SegmentEditor
        key={draft.id ?? 'new'}
        draft={draft}
        onSaved={(s) => setDraft({ ...s })}
        onDeleted={() => setDraft(newDraft())}
        audiencePurpose={audiencePurpose}
        onAudiencePurpose={setAudiencePurpose}
        canManage={can('segments:manage')}
      />
      {draft.id && <SegmentMembers id={draft.id} version={draft.version} purpose={audiencePurpose} />}
    </Stack>
  )
}

function SegmentList({
  segments,
  loading,
  selected,
  audiencePurpose,
  onOpen,
  onNew,
  canManage,
}: {
  segments: Segment[] | undefined
  loading: boolean
  selected: string | undefined
  audiencePurpose: string | undefined
  onOpen: (segment: Segment) => void
  onNew: () => void
  canManage: boolean
}) {
  const { t } = useTranslation()
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4">
          {t('segments.saved')}
        </Title>
        {canManage && (
          <Button size="xs" variant="light" onClick={onNew} data-testid="segment-new">
            {t('segments.new')}
          </Button>
        )}
      </Group>
      {loading ? (
        <Loader size="sm" />
      ) : (segments ?? []).length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('segments.none')}
        </Text>
      ) : (
        <Table data-testid="segment-list">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('segments.name')}</Table.Th>
              <Table.Th ta="right">{t('segments.members')}</Table.Th>
              <Table.Th ta="right">{t('segments.permitted')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(segments ?? []).map((s) => (
              <Table.Tr key={s.id} bg={s.id === selected ? 'var(--mantine-color-blue-light)' : undefined}>
                <Table.Td>
                  <Button variant="subtle" size="compact-sm" onClick={() => onOpen(s)}>
                    {s.name}
                  </Button>
                  <Badge size="xs" variant="light" ml={4}>
                    v{s.version}
                  </Badge>
                </Table.Td>
                <SegmentCountCells id={s.id} purpose={audiencePurpose} />
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  )
}

function SegmentCountCells({ id, purpose }: { id: string; purpose: string | undefined }) {
  const count = useQuery(segmentCountQueryOptions(id, purpose))
  const n = (v: number | undefined) => (v === undefined ? '–' : v.toLocaleString(currentLanguage()))
  const permitted = count.data?.audience.reduce((max, a) => Math.max(max, a.permitted), 0)
  return (
    <>
      <Table.Td ta="right">{count.isPending ? <Loader size="xs" /> : n(count.data?.total)}</Table.Td>
      <Table.Td ta="right">{count.isPending ? null : n(permitted)}</Table.Td>
    </>
  )
}

/** The saved segments' sizes and permitted audiences side by side. */
function SegmentSizes({
  segments,
  audiencePurpose,
}: {
  segments: Segment[]
  audiencePurpose: string | undefined
}) {
  const { t } = useTranslation()
  const counts = useQueries({ queries: segments.map((s) => segmentCountQueryOptions(s.id, audiencePurpose)) })
  const data = segments.map((s, i) => ({
    segment: s.name,
    members: counts[i]?.data?.total ?? 0,
    permitted: counts[i]?.data?.audience.reduce((max, a) => Math.max(max, a.permitted), 0) ?? 0,
  }))
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="xs">
        {t('segments.sizes')}
      </Title>
      {segments.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('segments.none')}
        </Text>
      ) : (
        <BarChart
          h={220}
          data={data}
          dataKey="segment"
          withLegend
          series={[
            { name: 'members', label: t('segments.members'), color: 'blue.6' },
            { name: 'permitted', label: t('segments.permitted'), color: 'teal.6' },
          ]}
          data-testid="segment-sizes-chart"
        />
      )}
    </Card>
  )
}

function SegmentEditor({
  draft,
  onSaved,
  onDeleted,
  audiencePurpose,
  onAudiencePurpose,
  canManage,
}: {
  draft: Draft
  onSaved: (segment: Segment) => void
  onDeleted: () => void
  audiencePurpose: string | undefined
  onAudiencePurpose: (key: string | undefined) => void
  canManage: boolean
}) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const language = currentLanguage()
  const purposes = useRolePurposes()
  const catalog = useQuery(fieldCatalogQueryOptions())
  const [name, setName] = useState(draft.name)
  const [description, setDescription] = useState(draft.description)
  const [purpose, setPurpose] = useState(draft.purpose)
  const [rules, setRules] = useState<SegmentGroup>(draft.rules)
  // The live count follows the edits, asked for once the typing pauses.
  const [debounced] = useDebouncedValue({ purpose, audiencePurpose, rules }, 400)
  const preview = useQuery(segmentPreviewQueryOptions(debounced, purpose !== ''))

  const options: BuilderOptions = useMemo(
    () => ({
      attributes: (catalog.data ?? [])
        .filter((f) => !f.identifier && f.special === null)
        .map((f) => ({ value: f.key, label: f.label[language] })),
      purposes: (purposes.data ?? []).map((p) => ({
        value: p.key,
        label: p.name[language],
        channels: p.channels,
      })),
    }),
    [catalog.data, purposes.data, language],
  )
  const purposeData = options.purposes.map(({ value, label }) => ({ value, label }))
  const problemPaths = useMemo(() => {
    const map = new Map<string, string>()
    if (isProblem(preview.error)) for (const e of preview.error.errors) map.set(e.field, reasonText(t, e))
    return map
  }, [t, preview.error])

  const save = useMutation({
    mutationFn: () => {
      const input = { name, description, purpose, rules }
      return draft.id ? updateSegment(draft.id, { ...input, version: draft.version }) : createSegment(input)
    },
    onSuccess: async (segment) => {
      await invalidateSegments(queryClient)
      onSaved(segment)
    },
  })
  const remove = useMutation({
    mutationFn: () => deleteSegment(draft.id as string),
    onSuccess: async () => {
      await invalidateSegments(queryClient)
      onDeleted()
    },
  })

  return (
    <Card withBorder data-testid="segment-editor">
      <Stack gap="sm">
        <Title order={2} size="h4">
          {draft.id ? t('segments.edit', { name: draft.name }) : t('segments.new')}
        </Title>
        <Group grow align="flex-start">
          <TextInput
            label={t('segments.name')}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            required
            data-testid="segment-name"
          />
          <TextInput
            label={t('segments.description')}
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
          />
        </Group>
        <Group grow align="flex-start">
          <Select
            label={t('segments.purpose')}
            description={t('segments.purposeHelp')}
            data={purposeData}
            value={purpose}
            onChange={(key) => key && setPurpose(key)}
            data-testid="segment-purpose"
          />
          <Select
            label={t('segments.audiencePurpose')}
            description={t('segments.audiencePurposeHelp')}
            data={purposeData}
            value={audiencePurpose ?? null}
            clearable
            onChange={(key) => onAudiencePurpose(key ?? undefined)}
            data-testid="segment-audience-purpose"
          />
        </Group>
        <RuleGroupEditor group={rules} onChange={setRules} options={options} errors={problemPaths} />
        <LiveCount
          counts={preview.data}
          fetching={preview.isFetching}
          error={preview.error}
          purposeName={(key) => options.purposes.find((p) => p.value === key)?.label ?? key}
        />
        {canManage && (
          <Group>
            <Button
              onClick={() => save.mutate()}
              loading={save.isPending}
              disabled={name.trim() === ''}
              data-testid="segment-save"
            >
              {t('segments.save')}
            </Button>
            {draft.id && (
              <Button variant="subtle" color="red" onClick={() => remove.mutate()} loading={remove.isPending}>
                {t('segments.delete')}
              </Button>
            )}
          </Group>
        )}
        {save.isError && <ProblemAlert error={save.error} testId="segment-save-error" />}
        {remove.isError && <ProblemAlert error={remove.error} testId="segment-delete-error" />}
      </Stack>
    </Card>
  )
}

/** The editor's live count: size and permitted audience per channel, excluded by reason. */
function LiveCount({
  counts,
  fetching,
  error,
  purposeName,
}: {
  counts: SegmentCounts | undefined
  fetching: boolean
  error: unknown
  purposeName: (key: string) => string
}) {
  const { t } = useTranslation()
  const n = (v: number) => v.toLocaleString(currentLanguage())
  if (error)
    return (
      <Alert color="red" data-testid="segment-live-error" title={t('segments.countFailed')}>
        {isProblem(error)
          ? error.errors.length > 0
            ? error.errors.map((e) => problemLine(t, e)).join('; ')
            : (error.detail ?? error.title)
          : String(error)}
      </Alert>
    )
  if (!counts) return <Loader size="sm" />
  return (
    <Card withBorder bg="var(--mantine-color-gray-light)" data-testid="segment-live-count">
      <Group gap="xl" align="flex-start">
        <Stack gap={0}>
          <Text size="xs" c="dimmed">
            {t('segments.members')}
          </Text>
          <Text size="xl" fw={700} data-testid="segment-live-total">
            {n(counts.total)}
          </Text>
          {fetching && <Loader size="xs" />}
        </Stack>
        {counts.audience.map((a) => (
          <Stack gap={0} key={a.channel} data-testid={`segment-audience-${a.channel}`}>
            <Text size="xs" c="dimmed">
              {t('segments.audienceOn', {
                purpose: purposeName(counts.audiencePurpose),
                channel: t(`contact.channels.${a.channel}`, { defaultValue: a.channel }),
              })}
            </Text>
            <Text size="xl" fw={700}>
              {n(a.permitted)}
            </Text>
            <Text size="xs" c="dimmed">
              {t('segments.excluded', { count: a.excluded })}
              {Object.entries(a.excludedBy ?? {}).length > 0 &&
                `: ${Object.entries(a.excludedBy ?? {})
                  .map(
                    ([rule, count]) => `${t(`segments.rules.${rule}`, { defaultValue: rule })} ${n(count)}`,
                  )
                  .join(', ')}`}
            </Text>
          </Stack>
        ))}
      </Group>
    </Card>
  )
}

/** The permitted audience, page by page, read through the gate (each page is audited). */
function SegmentMembers({
  id,
  version,
  purpose,
}: {
  id: string
  version: number | undefined
  purpose: string | undefined
}) {
  const { t } = useTranslation()
  const [pages, setPages] = useState<MembersPage[]>([])
  const [error, setError] = useState<unknown>()
  const [loading, setLoading] = useState(false)
  const load = async (after?: string) => {
    setLoading(true)
    try {
      const page = await fetchMembers(id, { purpose, after })
      setPages((before) => (after ? [...before, page] : [page]))
      setError(undefined)
    } catch (e) {
      setError(e)
    } finally {
      setLoading(false)
    }
  }
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload when the segment, its version or the purpose changes
  useEffect(() => {
    setPages([])
  }, [id, version, purpose])
  const items = pages.flatMap((p) => p.items)
  const next = pages.at(-1)?.nextCursor
  return (
    <Card withBorder data-testid="segment-members">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4">
          {t('segments.membersTitle')}
        </Title>
        {pages.length === 0 && (
          <Button
            size="xs"
            variant="light"
            onClick={() => void load()}
            loading={loading}
            data-testid="segment-members-load"
          >
            {t('segments.showMembers')}
          </Button>
        )}
      </Group>
      <Text size="xs" c="dimmed" mb="xs">
        {t('segments.membersHelp')}
      </Text>
      {error !== undefined && <ProblemAlert error={error} testId="segment-members-error" />}
      {pages.length > 0 && (
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('segments.member')}</Table.Th>
              <Table.Th>{t('segments.attributes')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((m) => (
              <Table.Tr key={m.id}>
                <Table.Td>
                  <a href={`/contacts/${m.id}`}>{m.id.slice(0, 8)}</a>
                </Table.Td>
                <Table.Td>
                  {Object.entries(m.attributes)
                    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
                    .join(' · ')}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {next && (
        <Button mt="xs" size="xs" variant="subtle" onClick={() => void load(next)} loading={loading}>
          {t('segments.more')}
        </Button>
      )}
    </Card>
  )
}

/** A refused call: its headline, then each field it names. */
function ProblemAlert({ error, testId }: { error: unknown; testId: string }) {
  const { t } = useTranslation()
  return <SharedProblemAlert error={error} testId={testId} fallback={t('segments.failed')} />
}
