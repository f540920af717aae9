import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type ReactNode, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, isProblem } from '../../app/api'
import { problemSummary } from '../../app/problem-text'
import { purposesQueryOptions } from '../subjects/contact-overview.api'
import type { DataSubjectRequest, RequestStep } from './requests.api'

/** Art. 18(1) grounds (permission.schemas.ts's RESTRICTION_GROUNDS; that module pulls in TypeBox). */
const RESTRICTION_GROUNDS = ['accuracy-contested', 'unlawful-processing', 'legal-claims', 'objection-pending']

/** The identifiers a rectification form offers (the field catalog's; attributes go by name). */
const IDENTIFIERS = ['firstName', 'lastName', 'email', 'phone', 'street', 'postalCode', 'city', 'country']

/** The kinds whose answer Tresor carries out from a per-kind part (docs/adr/0021). */
export const GENERATED_KINDS: readonly string[] = [
  'rectification',
  'erasure',
  'restriction',
  'objection',
  'human_review',
] satisfies readonly GeneratedKind[]
type GeneratedKind = 'rectification' | 'erasure' | 'restriction' | 'objection' | 'human_review'

/** The generated answer stored with a request (`answer` of GET /requests/{id}). */
export interface GeneratedAnswer {
  lang: 'de' | 'en'
  text: { de: string; en: string }
  recipients?: { id: string; name: string; country: string; how: 'webhook' | 'letter'; event: string }[]
}

export interface LetterTask {
  id: string
  recipientId: string
  event: string
  fields: string[]
  message: string
  status: 'open' | 'done'
  createdAt: string
  done: { at: string; note: string | null } | null
}

interface Props {
  request: DataSubjectRequest
  pending: boolean
  problem: ReactNode
  onSubmit: (step: RequestStep) => void
}

/** An answer given as a note of what was done (by hand, or a kind Tresor doesn't carry out). */
export function NoteAnswerForm({
  intro,
  pending,
  problem,
  onSubmit,
}: Omit<Props, 'request'> & { intro: string }) {
  const { t } = useTranslation()
  const [note, setNote] = useState('')
  return (
    <Stack gap="sm">
      <Text size="sm">{intro}</Text>
      <Textarea
        label={t('requests.steps.answerNote')}
        maxLength={2000}
        minRows={3}
        required
        value={note}
        onChange={(e) => setNote(e.currentTarget.value)}
        data-testid="request-answer-note"
      />
      {problem}
      <Button
        color="green"
        disabled={!note.trim()}
        loading={pending}
        onClick={() => onSubmit({ step: 'answer', note: note.trim() })}
        data-testid="request-answer-submit"
      >
        {t('requests.steps.answerSubmit')}
      </Button>
    </Stack>
  )
}

/**
 * The answer of a rectification, erasure, restriction, objection or human review: the form of the
 * kind, carried out by Tresor (the correction through the gate, the erasure with the holds, the
 * restriction, the DPO's decision) with the answer told to the person in their language; or, by
 * hand, a note of what was done.
 */
export function KindAnswerForm({ request, pending, problem, onSubmit }: Props) {
  const { t, i18n } = useTranslation()
  const purposes = useQuery({ ...purposesQueryOptions(), enabled: request.kind === 'objection' })
  const [lang, setLang] = useState<'de' | 'en'>('de')
  const [byHand, setByHand] = useState(false)
  const [field, setField] = useState<string | null>(null)
  const [value, setValue] = useState('')
  const [reason, setReason] = useState('')
  const [ground, setGround] = useState<string | null>('accuracy-contested')
  const [purposeKey, setPurposeKey] = useState('')
  const [decision, setDecision] = useState<string>('upheld')
  const [outcome, setOutcome] = useState<string>('confirmed')
  const [newDecision, setNewDecision] = useState('')
  if (byHand)
    return (
      <NoteAnswerForm
        intro={t('requestAnswers.byHandIntro')}
        pending={pending}
        problem={problem}
        onSubmit={onSubmit}
      />
    )
  const langControl = (
    <SegmentedControl
      value={lang}
      onChange={(v) => setLang(v === 'en' ? 'en' : 'de')}
      data={[
        { value: 'de', label: 'Deutsch' },
        { value: 'en', label: 'English' },
      ]}
      data-testid="request-answer-lang"
    />
  )
  let body: ReactNode
  let step: RequestStep | null = null
  switch (request.kind) {
    case 'rectification':
      body = (
        <>
          <Group grow>
            <Select
              label={t('requestAnswers.field')}
              data={IDENTIFIERS.map((f) => ({
                value: f,
                label: t(`contact.fields.${f}`, { defaultValue: f }),
              }))}
              value={field}
              onChange={setField}
              searchable
              data-testid="answer-rectify-field"
            />
            <TextInput
              label={t('requestAnswers.newValue')}
              value={value}
              onChange={(e) => setValue(e.currentTarget.value)}
              data-testid="answer-rectify-value"
            />
          </Group>
          <Textarea
            label={t('requestAnswers.rectifyReason')}
            maxLength={2000}
            required
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            data-testid="answer-rectify-reason"
          />
        </>
      )
      if (field && reason.trim())
        step = {
          step: 'answer',
          lang,
          rectification: { identifiers: { [field]: value.trim() || null }, reason: reason.trim() },
        }
      break
    case 'erasure':
      body = <Alert color="orange">{t('requestAnswers.eraseWarning')}</Alert>
      step = { step: 'answer', lang, erasure: {} }
      break
    case 'restriction':
      body = (
        <Select
          label={t('requestAnswers.ground')}
          data={RESTRICTION_GROUNDS.map((g) => ({
            value: g,
            label: t(`contact.permissions.grounds.${g}`, { defaultValue: g }),
          }))}
          value={ground}
          onChange={setGround}
          data-testid="answer-restrict-ground"
        />
      )
      if (ground) step = { step: 'answer', lang, restriction: { ground } }
      break
    case 'objection':
      body = (
        <>
          <Select
            label={t('requestAnswers.purposeKey')}
            data={(purposes.data ?? [])
              .filter((p) => p.legalBasis === 'legitimate_interest' || p.legalBasis === 'public_task')
              .map((p) => ({ value: p.key, label: p.name[i18n.language.startsWith('en') ? 'en' : 'de'] }))}
            value={purposeKey || null}
            onChange={(v) => setPurposeKey(v ?? '')}
            searchable
            data-testid="answer-objection-purpose"
          />
          <SegmentedControl
            value={decision}
            onChange={setDecision}
            data={[
              { value: 'upheld', label: t('requestAnswers.upheld') },
              { value: 'rejected', label: t('requestAnswers.rejected') },
            ]}
            data-testid="answer-objection-decision"
          />
          {decision === 'rejected' && (
            <Textarea
              label={t('requestAnswers.compellingGrounds')}
              description={t('requestAnswers.compellingGroundsHint')}
              maxLength={2000}
              minRows={3}
              required
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              data-testid="answer-objection-reasons"
            />
          )}
        </>
      )
      if (purposeKey.trim())
        step = {
          step: 'answer',
          lang,
          objection: {
            purposeKey: purposeKey.trim(),
            decision: decision === 'rejected' ? 'rejected' : 'upheld',
            ...(reason.trim() && decision === 'rejected' ? { reasons: reason.trim() } : {}),
          },
        }
      break
    case 'human_review':
      body = (
        <>
          <SegmentedControl
            value={outcome}
            onChange={setOutcome}
            data={[
              { value: 'confirmed', label: t('requestAnswers.confirmed') },
              { value: 'changed', label: t('requestAnswers.changed') },
            ]}
            data-testid="answer-review-outcome"
          />
          {outcome === 'changed' && (
            <TextInput
              label={t('requestAnswers.newDecision')}
              maxLength={500}
              value={newDecision}
              onChange={(e) => setNewDecision(e.currentTarget.value)}
              data-testid="answer-review-decision"
            />
          )}
          <Textarea
            label={t('requestAnswers.reviewReasons')}
            maxLength={2000}
            minRows={3}
            required
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            data-testid="answer-review-reasons"
          />
        </>
      )
      if (reason.trim() && (outcome === 'confirmed' || newDecision.trim()))
        step = {
          step: 'answer',
          lang,
          humanReview: {
            outcome: outcome === 'changed' ? 'changed' : 'confirmed',
            ...(outcome === 'changed' ? { decision: newDecision.trim() } : {}),
            reasons: reason.trim(),
          },
        }
      break
  }
  const kind = request.kind as GeneratedKind
  return (
    <Stack gap="sm" data-testid="kind-answer-form" data-kind={request.kind}>
      <Text size="sm">{t(`requestAnswers.intro.${kind}`)}</Text>
      {langControl}
      {body}
      {problem}
      <Group justify="space-between">
        <Anchor component="button" size="sm" onClick={() => setByHand(true)} data-testid="answer-by-hand">
          {t('requestAnswers.byHand')}
        </Anchor>
        <Button
          color={request.kind === 'erasure' ? 'red' : 'green'}
          disabled={!step}
          loading={pending}
          onClick={() => step && onSubmit(step)}
          data-testid="request-answer-submit"
        >
          {t(`requestAnswers.submit.${kind}`)}
        </Button>
      </Group>
    </Stack>
  )
}

/** The answer told to the person, the recipients told (Art. 19) and the open letter tasks. */
export function GivenAnswer({ request }: { request: DataSubjectRequest & { answer?: unknown } }) {
  const { t, i18n } = useTranslation()
  const queryClient = useQueryClient()
  const answer = request.answer as GeneratedAnswer | null | undefined
  const tasks = useQuery({
    queryKey: ['requests', 'letter-tasks', request.id],
    queryFn: ({ signal }) =>
      api.get<LetterTask[]>(`/api/v1/requests/${encodeURIComponent(request.id)}/letter-tasks`, {}, signal),
    enabled: Boolean(answer?.recipients?.length),
  })
  const done = useMutation({
    mutationFn: (id: string) =>
      api.post<LetterTask>(`/api/v1/letter-tasks/${encodeURIComponent(id)}/done`, {}),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['requests', 'letter-tasks', request.id] }),
  })
  if (!answer?.text) return null
  const lang = i18n.language.startsWith('en') ? 'en' : 'de'
  const names = new Map((answer.recipients ?? []).map((r) => [r.id, r.name]))
  return (
    <Stack gap={4} data-testid="request-given-answer">
      <Text size="xs" style={{ whiteSpace: 'pre-line' }}>
        {answer.text[lang]}
      </Text>
      {(tasks.data ?? []).length > 0 && (
        <Table withTableBorder verticalSpacing={2} data-testid="request-letter-tasks">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('requestAnswers.letterRecipient')}</Table.Th>
              <Table.Th>{t('requestAnswers.letterWhat')}</Table.Th>
              <Table.Th>{t('requestAnswers.letterStatus')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(tasks.data ?? []).map((task) => (
              <Table.Tr key={task.id} data-testid="request-letter-task" data-status={task.status}>
                <Table.Td>{names.get(task.recipientId) ?? task.recipientId}</Table.Td>
                <Table.Td>
                  <Text size="xs">{task.message}</Text>
                </Table.Td>
                <Table.Td>
                  {task.status === 'done' ? (
                    <Badge color="green" size="sm" variant="light">
                      {t('requestAnswers.letterDone')}
                    </Badge>
                  ) : (
                    <Button
                      size="compact-xs"
                      variant="light"
                      loading={done.isPending && done.variables === task.id}
                      onClick={() => done.mutate(task.id)}
                      data-testid="request-letter-done"
                    >
                      {t('requestAnswers.markSent')}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {done.error && (
        <Alert color="red">
          {isProblem(done.error) ? problemSummary(t, done.error) : t('requests.steps.failed')}
        </Alert>
      )}
    </Stack>
  )
}

/**
 * Art. 19: every open letter task of every request, oldest first — the recipients still to be told
 * of a rectification, erasure or restriction by letter or mail (no webhook delivers it to them).
 */
export function OpenLetterTasks() {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const tasks = useQuery({
    queryKey: ['requests', 'letter-tasks', 'open'],
    queryFn: ({ signal }) => api.get<LetterTask[]>('/api/v1/letter-tasks', { status: 'open' }, signal),
  })
  const done = useMutation({
    mutationFn: (id: string) =>
      api.post<LetterTask>(`/api/v1/letter-tasks/${encodeURIComponent(id)}/done`, {}),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['requests', 'letter-tasks'] }),
  })
  if (!tasks.data || tasks.data.length === 0) return null
  return (
    <Stack gap={4} data-testid="open-letter-tasks">
      <Text size="sm" fw={600}>
        {t('requestAnswers.openLetters', { count: tasks.data.length })}
      </Text>
      <Table withTableBorder verticalSpacing={2}>
        <Table.Tbody>
          {tasks.data.map((task) => (
            <Table.Tr key={task.id} data-testid="open-letter-task">
              <Table.Td>
                <Text size="xs">{task.message}</Text>
              </Table.Td>
              <Table.Td>
                <Button
                  size="compact-xs"
                  variant="light"
                  loading={done.isPending && done.variables === task.id}
                  onClick={() => done.mutate(task.id)}
                >
                  {t('requestAnswers.markSent')}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  )
}
