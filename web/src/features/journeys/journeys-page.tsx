import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { ErrorState, ProblemAlert as SharedProblemAlert } from '../../app/error-state'
import { currentLanguage } from '../../app/i18n'
import { reasonText } from '../../app/problem-text'
import { usePermissions } from '../auth/permissions'
import { segmentsQueryOptions } from '../segments/segments.api'
import { useRolePurposes } from '../subjects/contact-overview.api'
import {
  createJourney,
  deleteJourney,
  invalidateJourneys,
  type Journey,
  type JourneyStats,
  type JourneyStep,
  type JourneyTrigger,
  journeyStatsQueryOptions,
  journeysQueryOptions,
  type Lang,
  newStep,
  setJourneyStatus,
  TRIGGER_KINDS,
  type TriggerKind,
  updateJourney,
} from './journeys.api'

const LANGS: readonly Lang[] = ['de', 'en']

/** What the editor holds: a saved journey's id, version and status, or none for a new one. */
interface Draft {
  id?: string
  version?: number
  status?: Journey['status']
  name: string
  description: string
  trigger: JourneyTrigger
  segmentId: string | null
  defaultLang: Lang
  steps: JourneyStep[]
}

const newDraft = (): Draft => ({
  name: '',
  description: '',
  trigger: { kind: 'doi-confirmed', purposeKey: 'newsletter_email' },
  segmentId: null,
  defaultLang: currentLanguage() === 'en' ? 'en' : 'de',
  steps: [newStep('send')],
})

/** Journeys (issue #17, "Triggers"): the list, the editor (trigger, steps, content de/en), activate/pause, counts per step. */
export function JourneysPage() {
  const { t } = useTranslation()
  const { can } = usePermissions()
  const journeys = useQuery(journeysQueryOptions())
  const [draft, setDraft] = useState<Draft>(newDraft)
  const canManage = can('campaigns:manage')

  return (
    <Stack gap="md" maw={1200}>
      <Title order={1} size="h2">
        {t('journeys.title')}
      </Title>
      <Text size="sm" c="dimmed" maw={820}>
        {t('journeys.intro')}
      </Text>
      {journeys.isError ? (
        <ErrorState error={journeys.error} onRetry={() => void journeys.refetch()} testId="journeys-error" />
      ) : (
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <JourneyList
            journeys={journeys.data}
            loading={journeys.isPending}
            selected={draft.id}
            onOpen={(j) => setDraft({ ...j })}
            onNew={() => setDraft(newDraft())}
            canManage={canManage}
          />
          {draft.id ? (
            <JourneyStatsCard id={draft.id} steps={draft.steps} />
          ) : (
            <Card withBorder>
              <Text size="sm" c="dimmed">
                {t('journeys.statsHint')}
              </Text>
            </Card>
          )}
        </SimpleGrid>
      )}
      <JourneyEditor
        key={`${draft.id ?? 'new'}-${draft.version ?? 0}-${draft.status ?? ''}`}
        draft={draft}
        onSaved={(j) => setDraft({ ...j })}
        onDeleted={() => setDraft(newDraft())}
        canManage={canManage}
        canReadSegments={can('segments:read')}
      />
    </Stack>
  )
}

function StatusBadge({ status }: { status: Journey['status'] }) {
  const { t } = useTranslation()
  const color = status === 'active' ? 'teal' : status === 'paused' ? 'orange' : 'gray'
  return (
    <Badge size="sm" variant="light" color={color} data-testid="journey-status">
      {t(`journeys.status.${status}`)}
    </Badge>
  )
}

function JourneyList({
  journeys,
  loading,
  selected,
  onOpen,
  onNew,
  canManage,
}: {
  journeys: Journey[] | undefined
  loading: boolean
  selected: string | undefined
  onOpen: (journey: Journey) => void
  onNew: () => void
  canManage: boolean
}) {
  const { t } = useTranslation()
  return (
    <Card withBorder>
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4">
          {t('journeys.saved')}
        </Title>
        {canManage && (
          <Button size="xs" variant="light" onClick={onNew} data-testid="journey-new">
            {t('journeys.new')}
          </Button>
        )}
      </Group>
      {loading ? (
        <Loader size="sm" />
      ) : (journeys ?? []).length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('journeys.none')}
        </Text>
      ) : (
        <Table data-testid="journey-list">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('journeys.name')}</Table.Th>
              <Table.Th>{t('journeys.trigger')}</Table.Th>
              <Table.Th>{t('journeys.statusLabel')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(journeys ?? []).map((j) => (
              <Table.Tr key={j.id} bg={j.id === selected ? 'var(--mantine-color-blue-light)' : undefined}>
                <Table.Td>
                  <Button variant="subtle" size="compact-sm" onClick={() => onOpen(j)}>
                    {j.name}
                  </Button>
                  <Badge size="xs" variant="light" ml={4}>
                    v{j.version}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{t(`journeys.triggers.${j.trigger.kind}`)}</Text>
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={j.status} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  )
}

/** Counts per step: entered, waiting, sent, refused and stopped by reason; overall totals. */
function JourneyStatsCard({ id, steps }: { id: string; steps: JourneyStep[] }) {
  const { t } = useTranslation()
  const stats = useQuery({ ...journeyStatsQueryOptions(id), refetchInterval: 15_000 })
  const n = (v: number) => v.toLocaleString(currentLanguage())
  const reasons = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([rule, count]) => `${t(`journeys.reasons.${rule}`, { defaultValue: rule })} ${n(count)}`)
      .join(', ')
  if (stats.isError) return <ErrorState error={stats.error} testId="journey-stats-error" />
  const data: JourneyStats | undefined = stats.data
  return (
    <Card withBorder data-testid="journey-stats">
      <Title order={2} size="h4" mb="xs">
        {t('journeys.stats')}
      </Title>
      {!data ? (
        <Loader size="sm" />
      ) : (
        <Stack gap="xs">
          <Group gap="xl">
            {(['enrolled', 'active', 'completed'] as const).map((k) => (
              <Stack gap={0} key={k}>
                <Text size="xs" c="dimmed">
                  {t(`journeys.totals.${k}`)}
                </Text>
                <Text size="lg" fw={700} data-testid={`journey-total-${k}`}>
                  {n(data[k])}
                </Text>
              </Stack>
            ))}
          </Group>
          {Object.keys(data.stopped).length > 0 && (
            <Text size="sm">
              {t('journeys.totals.stopped')}: {reasons(data.stopped)}
            </Text>
          )}
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('journeys.step')}</Table.Th>
                <Table.Th ta="right">{t('journeys.counts.entered')}</Table.Th>
                <Table.Th ta="right">{t('journeys.counts.waiting')}</Table.Th>
                <Table.Th ta="right">{t('journeys.counts.sent')}</Table.Th>
                <Table.Th>{t('journeys.counts.stopped')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.steps.map((s) => (
                <Table.Tr key={s.index}>
                  <Table.Td>
                    {s.index + 1}. {t(`journeys.stepTypes.${s.type}`)}
                    {steps[s.index]?.type === 'wait' && steps[s.index]?.minutes
                      ? ` (${t('journeys.minutesShort', { count: steps[s.index]?.minutes })})`
                      : ''}
                  </Table.Td>
                  <Table.Td ta="right">{n(s.entered)}</Table.Td>
                  <Table.Td ta="right">{n(s.waiting)}</Table.Td>
                  <Table.Td ta="right">{s.type === 'send' ? n(s.sent) : '–'}</Table.Td>
                  <Table.Td>
                    <Text size="xs">{reasons({ ...s.stopped, ...s.failed }) || '–'}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
    </Card>
  )
}

function JourneyEditor({
  draft,
  onSaved,
  onDeleted,
  canManage,
  canReadSegments,
}: {
  draft: Draft
  onSaved: (journey: Journey) => void
  onDeleted: () => void
  canManage: boolean
  canReadSegments: boolean
}) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const language = currentLanguage()
  const purposes = useRolePurposes()
  const [name, setName] = useState(draft.name)
  const [description, setDescription] = useState(draft.description)
  const [trigger, setTrigger] = useState<JourneyTrigger>(draft.trigger)
  const [defaultLang, setDefaultLang] = useState<Lang>(draft.defaultLang)
  const [segmentId, setSegmentId] = useState<string | null>(draft.segmentId)
  const segments = useQuery({ ...segmentsQueryOptions(), enabled: canReadSegments })
  // Each step with a key of its own, so moving or removing one keeps the others' inputs.
  const [items, setItems] = useState(() => draft.steps.map((step) => ({ key: nextKey(), step })))
  const steps = items.map((item) => item.step)
  const active = draft.status === 'active'
  const editable = canManage && !active

  const marketingPurposes = (purposes.data ?? [])
    .filter((p) => p.directMarketing && p.channels.includes('email'))
    .map((p) => ({ value: p.key, label: p.name[language] }))
  const smsPurposes = (purposes.data ?? [])
    .filter((p) => p.directMarketing && p.channels.includes('sms'))
    .map((p) => ({ value: p.key, label: p.name[language] }))
  const doiPurposes = (purposes.data ?? [])
    .filter((p) => p.doubleOptIn)
    .map((p) => ({ value: p.key, label: p.name[language] }))

  const setStep = (i: number, step: JourneyStep) =>
    setItems(items.map((item, k) => (k === i ? { ...item, step } : item)))
  const moveStep = (i: number, by: -1 | 1) => {
    const next = [...items]
    const [item] = next.splice(i, 1)
    if (item) next.splice(i + by, 0, item)
    setItems(next)
  }
  const addStep = (type: 'wait' | 'send') => setItems([...items, { key: nextKey(), step: newStep(type) }])

  const save = useMutation({
    mutationFn: () => {
      const input = {
        name,
        description,
        trigger: cleanTrigger(trigger),
        segmentId,
        defaultLang,
        steps: steps.map(cleanStep),
      }
      return draft.id ? updateJourney(draft.id, { ...input, version: draft.version }) : createJourney(input)
    },
    onSuccess: async (journey) => {
      await invalidateJourneys(queryClient)
      onSaved(journey)
    },
  })
  const status = useMutation({
    mutationFn: (action: 'activate' | 'pause') => setJourneyStatus(draft.id as string, action),
    onSuccess: async (journey) => {
      await invalidateJourneys(queryClient)
      onSaved(journey)
    },
  })
  const remove = useMutation({
    mutationFn: () => deleteJourney(draft.id as string),
    onSuccess: async () => {
      await invalidateJourneys(queryClient)
      onDeleted()
    },
  })
  const fieldError = (field: string) => {
    const error = isProblem(save.error) ? save.error.errors.find((e) => e.field === field) : undefined
    return error && reasonText(t, error)
  }

  return (
    <Card withBorder data-testid="journey-editor">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4">
            {draft.id ? t('journeys.edit', { name: draft.name }) : t('journeys.new')}
          </Title>
          {draft.status && <StatusBadge status={draft.status} />}
        </Group>
        {active && canManage && (
          <Alert color="blue" variant="light" p="xs">
            {t('journeys.activeHint')}
          </Alert>
        )}
        <Group grow align="flex-start">
          <TextInput
            label={t('journeys.name')}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            required
            disabled={!editable}
            error={fieldError('name')}
            data-testid="journey-name"
          />
          <TextInput
            label={t('journeys.description')}
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            disabled={!editable}
          />
        </Group>
        <Group grow align="flex-start">
          <Select
            label={t('journeys.trigger')}
            description={t(`journeys.triggerHelp.${trigger.kind}`)}
            data={TRIGGER_KINDS.map((k) => ({ value: k, label: t(`journeys.triggers.${k}`) }))}
            value={trigger.kind}
            allowDeselect={false}
            disabled={!editable}
            onChange={(kind) => kind && setTrigger(defaultTrigger(kind as TriggerKind))}
            data-testid="journey-trigger-kind"
          />
          {trigger.kind === 'doi-confirmed' && (
            <Select
              label={t('journeys.triggerPurpose')}
              data={doiPurposes}
              value={trigger.purposeKey ?? null}
              allowDeselect={false}
              disabled={!editable}
              error={fieldError('trigger.purposeKey')}
              onChange={(key) => key && setTrigger({ ...trigger, purposeKey: key })}
              data-testid="journey-trigger-purpose"
            />
          )}
          {trigger.kind === 'p-alive-below' && (
            <NumberInput
              label={t('journeys.threshold')}
              description={t('journeys.thresholdHelp')}
              min={0.01}
              max={0.99}
              step={0.05}
              decimalScale={2}
              value={trigger.threshold ?? 0.3}
              disabled={!editable}
              error={fieldError('trigger.threshold')}
              onChange={(v) => setTrigger({ ...trigger, threshold: Number(v) })}
              data-testid="journey-trigger-threshold"
            />
          )}
          {trigger.kind === 'order-abandoned' && (
            <NumberInput
              label={t('journeys.hours')}
              min={1}
              max={720}
              allowDecimal={false}
              value={trigger.hours ?? 24}
              disabled={!editable}
              error={fieldError('trigger.hours')}
              onChange={(v) => setTrigger({ ...trigger, hours: Number(v) })}
              data-testid="journey-trigger-hours"
            />
          )}
          <Select
            label={t('journeys.language')}
            data={LANGS.map((l) => ({ value: l, label: t(`journeys.langs.${l}`) }))}
            value={defaultLang}
            allowDeselect={false}
            disabled={!editable}
            onChange={(l) => l && setDefaultLang(l as Lang)}
            data-testid="journey-lang"
          />
        </Group>

        {canReadSegments && (
          <Select
            label={t('journeys.segment')}
            description={t('journeys.segmentHelp')}
            placeholder={t('journeys.everyone')}
            data={(segments.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
            value={segmentId}
            clearable
            disabled={!editable}
            error={fieldError('segmentId')}
            onChange={setSegmentId}
            data-testid="journey-segment"
            maw={420}
          />
        )}
        <Title order={3} size="h5">
          {t('journeys.steps')}
        </Title>
        {items.map(({ key, step }, i) => (
          <Card withBorder key={key} data-testid={`journey-step-${i}`} p="sm">
            <Group justify="space-between" mb="xs">
              <Text fw={600} size="sm">
                {i + 1}. {t(`journeys.stepTypes.${step.type}`)}
              </Text>
              {editable && (
                <Group gap={4}>
                  <ActionIcon
                    variant="subtle"
                    disabled={i === 0}
                    onClick={() => moveStep(i, -1)}
                    aria-label={t('journeys.moveUp')}
                  >
                    ↑
                  </ActionIcon>
                  <ActionIcon
                    variant="subtle"
                    disabled={i === steps.length - 1}
                    onClick={() => moveStep(i, 1)}
                    aria-label={t('journeys.moveDown')}
                  >
                    ↓
                  </ActionIcon>
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    color="red"
                    onClick={() => setItems(items.filter((_, k) => k !== i))}
                  >
                    {t('journeys.removeStep')}
                  </Button>
                </Group>
              )}
            </Group>
            {step.type === 'wait' ? (
              <NumberInput
                label={t('journeys.waitMinutes')}
                description={t('journeys.waitHelp')}
                min={1}
                max={525600}
                allowDecimal={false}
                value={step.minutes ?? 60}
                disabled={!editable}
                error={fieldError(`steps.${i}.minutes`)}
                onChange={(v) => setStep(i, { ...step, minutes: Number(v) })}
                data-testid={`journey-step-${i}-minutes`}
                maw={320}
              />
            ) : (
              <Stack gap="xs">
                <Group grow align="flex-start" maw={720}>
                  <Select
                    label={t('journeys.channel')}
                    data={(['email', 'sms'] as const).map((c) => ({
                      value: c,
                      label: t(`journeys.channels.${c}`),
                    }))}
                    value={step.channel ?? 'email'}
                    allowDeselect={false}
                    disabled={!editable}
                    error={fieldError(`steps.${i}.channel`)}
                    onChange={(c) =>
                      c &&
                      setStep(i, {
                        ...step,
                        channel: c as 'email' | 'sms',
                        purposeKey: c === 'sms' ? 'sms_marketing' : 'newsletter_email',
                      })
                    }
                    data-testid={`journey-step-${i}-channel`}
                  />
                  <Select
                    label={t('journeys.sendPurpose')}
                    description={t('journeys.sendPurposeHelp')}
                    data={step.channel === 'sms' ? smsPurposes : marketingPurposes}
                    value={step.purposeKey ?? null}
                    allowDeselect={false}
                    disabled={!editable}
                    error={fieldError(`steps.${i}.purposeKey`)}
                    onChange={(key) => key && setStep(i, { ...step, purposeKey: key })}
                    data-testid={`journey-step-${i}-purpose`}
                  />
                </Group>
                <SimpleGrid cols={{ base: 1, md: 2 }}>
                  {LANGS.map((lang) => {
                    const content = step.content?.[lang] ?? { subject: '', text: '' }
                    const setContent = (part: 'subject' | 'text', value: string) =>
                      setStep(i, {
                        ...step,
                        content: { ...step.content, [lang]: { ...content, [part]: value } },
                      })
                    const langName = t(`journeys.langs.${lang}`)
                    return (
                      <Stack gap={4} key={lang}>
                        {step.channel !== 'sms' && (
                          <TextInput
                            label={t('journeys.subject', { lang: langName })}
                            value={content.subject}
                            required={lang === defaultLang}
                            disabled={!editable}
                            error={
                              fieldError(`steps.${i}.content.${lang}.subject`) ??
                              fieldError(`steps.${i}.content.${lang}`)
                            }
                            onChange={(e) => setContent('subject', e.currentTarget.value)}
                            data-testid={`journey-step-${i}-subject-${lang}`}
                          />
                        )}
                        <Textarea
                          label={t('journeys.text', { lang: langName })}
                          description={t(step.channel === 'sms' ? 'journeys.smsHelp' : 'journeys.mergeHelp')}
                          autosize
                          minRows={3}
                          value={content.text}
                          required={lang === defaultLang}
                          disabled={!editable}
                          error={fieldError(`steps.${i}.content.${lang}.text`)}
                          onChange={(e) => setContent('text', e.currentTarget.value)}
                          data-testid={`journey-step-${i}-text-${lang}`}
                        />
                      </Stack>
                    )
                  })}
                </SimpleGrid>
              </Stack>
            )}
          </Card>
        ))}
        {editable && (
          <Group gap="xs">
            <Button size="xs" variant="light" onClick={() => addStep('wait')} data-testid="journey-add-wait">
              {t('journeys.addWait')}
            </Button>
            <Button size="xs" variant="light" onClick={() => addStep('send')} data-testid="journey-add-send">
              {t('journeys.addSend')}
            </Button>
          </Group>
        )}
        {canManage && (
          <Group>
            {editable && (
              <Button
                onClick={() => save.mutate()}
                loading={save.isPending}
                disabled={name.trim() === '' || steps.length === 0}
                data-testid="journey-save"
              >
                {t('journeys.save')}
              </Button>
            )}
            {draft.id && !active && (
              <Button
                color="teal"
                variant="light"
                onClick={() => status.mutate('activate')}
                loading={status.isPending}
                data-testid="journey-activate"
              >
                {t('journeys.activate')}
              </Button>
            )}
            {draft.id && active && (
              <Button
                color="orange"
                variant="light"
                onClick={() => status.mutate('pause')}
                loading={status.isPending}
                data-testid="journey-pause"
              >
                {t('journeys.pause')}
              </Button>
            )}
            {draft.id && draft.status === 'draft' && (
              <Button variant="subtle" color="red" onClick={() => remove.mutate()} loading={remove.isPending}>
                {t('journeys.delete')}
              </Button>
            )}
          </Group>
        )}
        {save.isError && <ProblemAlert error={save.error} testId="journey-save-error" />}
        {status.isError && <ProblemAlert error={status.error} testId="journey-status-error" />}
        {remove.isError && <ProblemAlert error={remove.error} testId="journey-delete-error" />}
      </Stack>
    </Card>
  )
}

let keys = 0
const nextKey = () => ++keys

function defaultTrigger(kind: TriggerKind): JourneyTrigger {
  if (kind === 'doi-confirmed') return { kind, purposeKey: 'newsletter_email' }
  if (kind === 'p-alive-below') return { kind, threshold: 0.3 }
  return { kind, hours: 24 }
}

/** Only the field the trigger's kind uses. */
function cleanTrigger(trigger: JourneyTrigger): JourneyTrigger {
  if (trigger.kind === 'doi-confirmed') return { kind: trigger.kind, purposeKey: trigger.purposeKey ?? '' }
  if (trigger.kind === 'p-alive-below') return { kind: trigger.kind, threshold: trigger.threshold ?? 0.3 }
  return { kind: trigger.kind, hours: trigger.hours ?? 24 }
}

/** A step as the API takes it: a wait's minutes; a send's languages that have content. */
function cleanStep(step: JourneyStep): JourneyStep {
  if (step.type === 'wait') return { type: 'wait', minutes: step.minutes ?? 60 }
  const channel = step.channel ?? 'email'
  const content: Partial<Record<Lang, { subject?: string; text: string }>> = {}
  for (const lang of LANGS) {
    const c = step.content?.[lang]
    if (!c || (c.subject.trim() === '' && c.text.trim() === '')) continue
    // An SMS has no subject line.
    content[lang] = channel === 'sms' ? { text: c.text } : c
  }
  return {
    type: 'send',
    channel,
    purposeKey: step.purposeKey ?? '',
    content: content as JourneyStep['content'],
  }
}

function ProblemAlert({ error, testId }: { error: unknown; testId: string }) {
  const { t } = useTranslation()
  return <SharedProblemAlert error={error} testId={testId} fallback={t('journeys.failed')} />
}
