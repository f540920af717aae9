import {
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Loader,
  Modal,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type ReactNode, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { problemSummary } from '../../app/problem-text'
import { sessionQueryOptions } from '../auth/auth.api'
import { GENERATED_KINDS, GivenAnswer, KindAnswerForm, NoteAnswerForm } from './request-answer-forms'
import {
  type DataSubjectRequest,
  isOpen,
  REFUSAL_GROUNDS,
  REPORT_KINDS,
  type RequestStep,
  reportQueryOptions,
  reportUrl,
  requestKeys,
  takeStep,
  VERIFICATION_METHODS,
} from './requests.api'

const STATUS_COLORS: Record<string, string> = {
  received: 'gray',
  identity_verified: 'blue',
  in_progress: 'indigo',
  extended: 'orange',
  answered: 'green',
  refused: 'red',
}

/** Where a request stands (Art. 12), as a coloured badge. */
export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation()
  return (
    <Badge
      size="sm"
      variant="light"
      color={STATUS_COLORS[status] ?? 'gray'}
      tt="none"
      miw="max-content"
      data-testid="request-status"
      data-status={status}
    >
      {t(`requests.statuses.${status}`, { defaultValue: status })}
    </Badge>
  )
}

/** Who handles the request: "you", "someone else", or nobody. */
export function AssigneeText({ assigneeId }: { assigneeId: string | null }) {
  const { t } = useTranslation()
  const session = useQuery(sessionQueryOptions)
  return (
    <Text size="xs" c="dimmed" data-testid="request-assignee">
      {assigneeId === null
        ? t('requests.steps.unassigned')
        : assigneeId === session.data?.id
          ? t('requests.steps.assignedToYou')
          : t('requests.steps.assignedToOther')}
    </Text>
  )
}

type Dialog = 'verify' | 'answer' | 'refuse' | 'extend' | null

/**
 * The steps of a request (Art. 12) as buttons: verify the identity (with how), start, answer (for
 * access and copy: generate and preview the report, then send it), refuse with reasons, extend
 * with a reason, and take it over. Only what the state allows is offered; the server checks again.
 */
export function RequestActions({ request }: { request: DataSubjectRequest }) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const session = useQuery(sessionQueryOptions)
  const [dialog, setDialog] = useState<Dialog>(null)
  const mutation = useMutation({
    mutationFn: (step: RequestStep) => takeStep(request.id, step),
    onSuccess: async () => {
      setDialog(null)
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: requestKeys.all() }),
        queryClient.invalidateQueries({ queryKey: ['subjects', 'history', request.subjectId] }),
      ])
    },
  })
  const take = (step: RequestStep) => mutation.mutate(step)
  const open = (d: Dialog) => {
    mutation.reset()
    setDialog(d)
  }
  const problem = mutation.error ? (
    <Alert color="red" data-testid="request-step-error">
      {isProblem(mutation.error) ? problemSummary(t, mutation.error) : t('requests.steps.failed')}
    </Alert>
  ) : null
  if (!isOpen(request.status))
    return (
      <Stack gap={4} data-testid="request-actions">
        {request.status === 'answered' && REPORT_KINDS.includes(request.kind) && (
          <Group gap="xs">
            <Anchor
              size="sm"
              href={reportUrl(request.id, 'pdf', 'de', false)}
              data-testid="request-report-given"
            >
              {t('requests.steps.reportGiven')}
            </Anchor>
            {request.kind === 'copy' && (
              <Anchor
                size="sm"
                href={reportUrl(request.id, 'zip', 'de', false)}
                data-testid="request-copy-zip"
              >
                {t('requestAnswers.copyZip')}
              </Anchor>
            )}
          </Group>
        )}
        {request.status === 'answered' && <GivenAnswer request={request} />}
        {request.channel === 'letter' && (
          <Anchor
            size="sm"
            href={`/api/v1/requests/${encodeURIComponent(request.id)}/letter?lang=de`}
            data-testid="request-letter-pdf"
          >
            {t('requestAnswers.letterPdf')}
          </Anchor>
        )}
      </Stack>
    )
  const me = session.data?.id
  return (
    <>
      <Group gap="xs" wrap="wrap" data-testid="request-actions">
        {!request.verification && (
          <Button size="xs" onClick={() => open('verify')} data-testid="request-verify">
            {t('requests.steps.verify')}
          </Button>
        )}
        {request.verification && !request.startedAt && (
          <Button
            size="xs"
            variant="light"
            loading={mutation.isPending}
            onClick={() => take({ step: 'start' })}
            data-testid="request-start"
          >
            {t('requests.steps.start')}
          </Button>
        )}
        {request.verification && (
          <Button size="xs" color="green" onClick={() => open('answer')} data-testid="request-answer">
            {REPORT_KINDS.includes(request.kind)
              ? t('requests.steps.answerReport')
              : t('requests.steps.answer')}
          </Button>
        )}
        {!request.extension && (
          <Button size="xs" variant="default" onClick={() => open('extend')} data-testid="request-extend">
            {t('requests.steps.extend')}
          </Button>
        )}
        <Button
          size="xs"
          variant="default"
          color="red"
          onClick={() => open('refuse')}
          data-testid="request-refuse"
        >
          {t('requests.steps.refuse')}
        </Button>
        {me && request.assigneeId !== me && (
          <Button
            size="xs"
            variant="subtle"
            onClick={() => take({ step: 'assign', assigneeId: me })}
            data-testid="request-assign-me"
          >
            {t('requests.steps.assignMe')}
          </Button>
        )}
      </Group>
      {dialog === null && problem}
      <StepModal
        opened={dialog === 'verify'}
        onClose={() => setDialog(null)}
        title={t('requests.steps.verifyTitle')}
      >
        <VerifyForm pending={mutation.isPending} problem={problem} onSubmit={take} />
      </StepModal>
      <StepModal
        opened={dialog === 'refuse'}
        onClose={() => setDialog(null)}
        title={t('requests.steps.refuseTitle')}
      >
        <RefuseForm pending={mutation.isPending} problem={problem} onSubmit={take} />
      </StepModal>
      <StepModal
        opened={dialog === 'extend'}
        onClose={() => setDialog(null)}
        title={t('requests.steps.extendTitle')}
      >
        <ExtendForm pending={mutation.isPending} problem={problem} onSubmit={take} />
      </StepModal>
      <StepModal
        opened={dialog === 'answer'}
        onClose={() => setDialog(null)}
        title={t('requests.steps.answerTitle')}
        size="xl"
      >
        <AnswerForm request={request} pending={mutation.isPending} problem={problem} onSubmit={take} />
      </StepModal>
    </>
  )
}

function StepModal(props: {
  opened: boolean
  onClose: () => void
  title: string
  size?: string
  children: ReactNode
}) {
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={props.title} size={props.size ?? 'md'}>
      {props.opened && props.children}
    </Modal>
  )
}

interface FormProps {
  pending: boolean
  problem: ReactNode
  onSubmit: (step: RequestStep) => void
}

function VerifyForm({ pending, problem, onSubmit }: FormProps) {
  const { t } = useTranslation()
  const [method, setMethod] = useState<string | null>(null)
  const [note, setNote] = useState('')
  return (
    <Stack gap="sm">
      <Text size="sm">{t('requests.steps.verifyIntro')}</Text>
      <Select
        label={t('requests.steps.method')}
        data={VERIFICATION_METHODS.filter((m) => m !== 'portal_sign_in').map((m) => ({
          value: m,
          label: t(`requests.methods.${m}`),
        }))}
        value={method}
        onChange={setMethod}
        required
        data-testid="request-verify-method"
      />
      <Textarea
        label={t('requests.steps.verifyNote')}
        description={t('requests.steps.verifyNoteHint')}
        maxLength={500}
        value={note}
        onChange={(e) => setNote(e.currentTarget.value)}
        data-testid="request-verify-note"
      />
      {problem}
      <Button
        disabled={!method}
        loading={pending}
        onClick={() =>
          method && onSubmit({ step: 'verify', method, ...(note.trim() ? { note: note.trim() } : {}) })
        }
        data-testid="request-verify-submit"
      >
        {t('requests.steps.verifySubmit')}
      </Button>
    </Stack>
  )
}

function RefuseForm({ pending, problem, onSubmit }: FormProps) {
  const { t } = useTranslation()
  const [ground, setGround] = useState<string | null>(null)
  const [reason, setReason] = useState('')
  return (
    <Stack gap="sm">
      <Text size="sm">{t('requests.steps.refuseIntro')}</Text>
      <Select
        label={t('requests.steps.ground')}
        data={REFUSAL_GROUNDS.map((g) => ({ value: g, label: t(`requests.grounds.${g}`) }))}
        value={ground}
        onChange={setGround}
        required
        data-testid="request-refuse-ground"
      />
      <Textarea
        label={t('requests.steps.reason')}
        description={t('requests.steps.refuseReasonHint')}
        maxLength={2000}
        minRows={3}
        required
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value)}
        data-testid="request-refuse-reason"
      />
      {problem}
      <Button
        color="red"
        disabled={!ground || !reason.trim()}
        loading={pending}
        onClick={() => ground && onSubmit({ step: 'refuse', ground, reason: reason.trim() })}
        data-testid="request-refuse-submit"
      >
        {t('requests.steps.refuseSubmit')}
      </Button>
    </Stack>
  )
}

function ExtendForm({ pending, problem, onSubmit }: FormProps) {
  const { t } = useTranslation()
  const [months, setMonths] = useState<1 | 2>(2)
  const [reason, setReason] = useState('')
  return (
    <Stack gap="sm">
      <Text size="sm">{t('requests.steps.extendIntro')}</Text>
      <NumberInput
        label={t('requests.steps.months')}
        min={1}
        max={2}
        value={months}
        onChange={(v) => setMonths(v === 1 ? 1 : 2)}
        data-testid="request-extend-months"
      />
      <Textarea
        label={t('requests.steps.reason')}
        description={t('requests.steps.extendReasonHint')}
        maxLength={2000}
        minRows={3}
        required
        value={reason}
        onChange={(e) => setReason(e.currentTarget.value)}
        data-testid="request-extend-reason"
      />
      {problem}
      <Button
        disabled={!reason.trim()}
        loading={pending}
        onClick={() => onSubmit({ step: 'extend', months, reason: reason.trim() })}
        data-testid="request-extend-submit"
      >
        {t('requests.steps.extendSubmit')}
      </Button>
    </Stack>
  )
}

function AnswerForm({ request, pending, problem, onSubmit }: FormProps & { request: DataSubjectRequest }) {
  const { t } = useTranslation()
  const [lang, setLang] = useState<'de' | 'en'>('de')
  const [withhold, setWithhold] = useState(false)
  const withReport = REPORT_KINDS.includes(request.kind)
  const preview = useQuery(reportQueryOptions(request.id, lang, withhold, withReport))
  if (GENERATED_KINDS.includes(request.kind))
    return <KindAnswerForm request={request} pending={pending} problem={problem} onSubmit={onSubmit} />
  if (!withReport)
    return (
      <NoteAnswerForm
        intro={t('requests.steps.answerOtherIntro')}
        pending={pending}
        problem={problem}
        onSubmit={onSubmit}
      />
    )
  return (
    <Stack gap="sm">
      <Text size="sm">{t('requests.steps.answerIntro')}</Text>
      <Group>
        <SegmentedControl
          value={lang}
          onChange={(v) => setLang(v === 'en' ? 'en' : 'de')}
          data={[
            { value: 'de', label: 'Deutsch' },
            { value: 'en', label: 'English' },
          ]}
          data-testid="request-answer-lang"
        />
        <Checkbox
          label={t('requests.steps.withholdNotes')}
          checked={withhold}
          onChange={(e) => setWithhold(e.currentTarget.checked)}
          data-testid="request-answer-withhold"
        />
      </Group>
      {preview.isPending ? (
        <Loader size="sm" aria-label={t('common.loading')} />
      ) : preview.isError ? (
        <Alert color="red" data-testid="request-report-error">
          {isProblem(preview.error) ? problemSummary(t, preview.error) : t('requests.steps.failed')}
        </Alert>
      ) : (
        <Stack gap={4} data-testid="request-report-preview">
          <Text size="sm" fw={600}>
            {t('requests.steps.previewTitle')}
          </Text>
          <Table withTableBorder verticalSpacing={4}>
            <Table.Tbody>
              <Table.Tr>
                <Table.Td>{t('requests.steps.identifiers')}</Table.Td>
                <Table.Td data-testid="request-report-identifiers">
                  {Object.entries(preview.data.subject.identifiers)
                    .map(([k, v]) => `${k}: ${v}`)
                    .join(' · ')}
                </Table.Td>
              </Table.Tr>
              {preview.data.sections
                .filter((s) => s.rows.length > 0 || s.withheld)
                .map((s) => (
                  <Table.Tr key={s.table} data-testid="request-report-section" data-table={s.table}>
                    <Table.Td>{s.title[lang]}</Table.Td>
                    <Table.Td>
                      {t('requests.steps.entries', { count: s.rows.length })}
                      {s.withheld ? ` · ${t('requests.steps.withheld', { count: s.withheld.count })}` : ''}
                    </Table.Td>
                  </Table.Tr>
                ))}
            </Table.Tbody>
          </Table>
          <Text size="xs" c="dimmed">
            {preview.data.recipients.statement[lang]} {preview.data.profiling.statement[lang]}
          </Text>
          <Group gap="md">
            <Anchor
              size="sm"
              href={reportUrl(request.id, 'html', lang, withhold)}
              target="_blank"
              data-testid="request-report-html"
            >
              {t('requests.steps.openHtml')}
            </Anchor>
            <Anchor
              size="sm"
              href={reportUrl(request.id, 'pdf', lang, withhold)}
              data-testid="request-report-pdf"
            >
              {t('requests.steps.openPdf')}
            </Anchor>
          </Group>
        </Stack>
      )}
      {problem}
      <Button
        color="green"
        disabled={!preview.isSuccess}
        loading={pending}
        onClick={() =>
          onSubmit({ step: 'answer', lang, ...(withhold ? { withheldNotes: 'all' as const } : {}) })
        }
        data-testid="request-answer-submit"
      >
        {t('requests.steps.answerReportSubmit')}
      </Button>
    </Stack>
  )
}
