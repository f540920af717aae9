import {
  Button,
  Center,
  Group,
  Loader,
  Modal,
  Radio,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, type ReactNode, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { ErrorState, SubmitErrorAlert } from '../../app/error-state'
import { problemLine, reasonText } from '../../app/problem-text'
import { Toast } from '../../app/toast'
import { usePermissions } from '../auth/permissions'
import { DueCell, KindCell, useRequestLabels } from '../requests/request-labels'
import { AssigneeText, RequestActions, StatusBadge } from '../requests/request-steps'
import {
  type DataSubjectRequest,
  DETAILS_MAX_LENGTH,
  DSR_KINDS,
  type DsrKind,
  invalidateAfterRequest,
  type NewRequest,
  REFERENCE_MAX,
  REQUEST_KIND_INFO,
  recordRequest,
  requestKindsQueryOptions,
  STAFF_CHANNELS,
  type StaffChannel,
  subjectRequestsQueryOptions,
} from '../requests/requests.api'
import { collectedAtOf, localInputValue } from './consent-actions'
import type { ContactFormat } from './contact-format'
import { isOneOf } from './contact-overview.api'
import { LockIcon, SectionCard } from './contact-section'

/**
 * The data subject requests of the contact (Art. 12-22 GDPR): what was asked, how it reached us,
 * when, and when the answer is due (Art. 12(3)). Roles that manage requests (`requests:manage`)
 * read them with what the person wrote; roles that record permissions (`permissions:write`) record
 * a request that came by letter, phone, e-mail or in person. Shown to neither otherwise.
 */
export function RequestsCard({ subjectId, format }: { subjectId: string; format: ContactFormat }) {
  const { t } = useTranslation()
  const labels = useRequestLabels()
  const { can } = usePermissions()
  const read = can('requests:manage')
  const write = can('permissions:write')
  const [recording, setRecording] = useState(false)
  const [recorded, setRecorded] = useState<DataSubjectRequest | null>(null)
  if (!read && !write) return null
  return (
    <SectionCard
      title={t('requests.card.title')}
      testId="contact-requests"
      action={
        write ? (
          <Button
            size="xs"
            variant="light"
            onClick={() => setRecording(true)}
            aria-haspopup="dialog"
            data-testid="request-record"
          >
            {t('requests.card.record')}
          </Button>
        ) : undefined
      }
    >
      {read ? (
        <SubjectRequests subjectId={subjectId} format={format} />
      ) : (
        <Group gap="xs" wrap="nowrap" align="flex-start" data-testid="contact-requests-not-readable">
          <LockIcon />
          <Text size="sm" c="dimmed">
            {t('requests.card.notReadable')}
          </Text>
        </Group>
      )}
      <RecordRequestModal
        subjectId={subjectId}
        opened={recording}
        onClose={() => setRecording(false)}
        onDone={(request) => {
          setRecording(false)
          setRecorded(request)
        }}
      />
      <Toast
        opened={recorded !== null}
        onClose={() => setRecorded(null)}
        title={t('requests.record.done.title')}
        testId="request-saved"
      >
        {recorded &&
          t('requests.record.done.body', {
            kind: labels.kind(recorded.kind),
            due: format.date(recorded.dueAt),
          })}
      </Toast>
    </SectionCard>
  )
}

function SubjectRequests({ subjectId, format }: { subjectId: string; format: ContactFormat }) {
  const { t } = useTranslation()
  const labels = useRequestLabels()
  const query = useQuery(subjectRequestsQueryOptions(subjectId))
  if (query.isPending)
    return (
      <Center py="md">
        <Loader size="sm" aria-label={t('common.loading')} />
      </Center>
    )
  if (query.isError)
    return (
      <ErrorState
        title={t('requests.card.error')}
        error={query.error}
        onRetry={() => void query.refetch()}
        testId="contact-requests-error"
      />
    )
  if (query.data.length === 0)
    return (
      <Text size="sm" c="dimmed" data-testid="contact-requests-empty">
        {t('requests.card.empty')}
      </Text>
    )
  return (
    <Table.ScrollContainer minWidth={680}>
      <Table verticalSpacing={6} data-testid="contact-requests-table">
        <Table.Caption>{t('requests.card.caption')}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('requests.columns.kind')}</Table.Th>
            <Table.Th>{t('requests.columns.channel')}</Table.Th>
            <Table.Th>{t('requests.columns.receivedAt')}</Table.Th>
            <Table.Th>{t('requests.columns.dueAt')}</Table.Th>
            <Table.Th>{t('requests.columns.status')}</Table.Th>
            <Table.Th>{t('requests.columns.steps')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {query.data.map((request) => (
            <Table.Tr
              key={request.id}
              data-testid="contact-request"
              data-id={request.id}
              data-kind={request.kind}
              data-channel={request.channel}
              data-status={request.status}
            >
              <Table.Td>
                <Stack gap={2}>
                  <KindCell kind={request.kind} />
                  <RequestText request={request} />
                </Stack>
              </Table.Td>
              <Table.Td>
                <Text size="sm" data-testid="request-channel">
                  {labels.channel(request.channel)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" style={{ whiteSpace: 'nowrap' }} data-testid="request-received">
                  <time dateTime={request.receivedAt}>{format.dateTime(request.receivedAt)}</time>
                </Text>
              </Table.Td>
              <Table.Td>
                <DueCell request={request} format={format} stacked />
              </Table.Td>
              <Table.Td>
                <StatusBadge status={request.status} />
                <AssigneeText assigneeId={request.assigneeId} />
                <RequestStateText request={request} />
              </Table.Td>
              <Table.Td>
                <RequestActions request={request} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  )
}

/** How the identity was verified, why it was extended or refused, what was done (Art. 12). */
function RequestStateText({ request }: { request: DataSubjectRequest }) {
  const { t } = useTranslation()
  const lines = [
    request.verification &&
      t('requests.steps.verifiedBy', {
        method: t(`requests.methods.${request.verification.method}`, {
          defaultValue: request.verification.method,
        }),
      }) + (request.verification.note ? ` (${request.verification.note})` : ''),
    request.extension && t('requests.steps.extendedBecause', { reason: request.extension.reason }),
    request.refusal &&
      `${t(`requests.grounds.${request.refusal.ground}`, { defaultValue: request.refusal.ground })}: ${request.refusal.reason}`,
    request.answerNote,
  ].filter(Boolean)
  return lines.map((line) => (
    <Text key={String(line)} size="xs" c="dimmed" data-testid="request-state-text">
      {line}
    </Text>
  ))
}

/** What the person wrote, and where the original is kept. */
function RequestText({ request }: { request: DataSubjectRequest }) {
  const { t } = useTranslation()
  return (
    <>
      {request.details ? (
        <Text
          size="xs"
          lineClamp={3}
          title={request.details}
          style={{ whiteSpace: 'pre-line' }}
          data-testid="request-details"
        >
          {request.details}
        </Text>
      ) : (
        request.hasDetails &&
        request.details === null && (
          <Text size="xs" c="dimmed" data-testid="request-details-erased">
            {t('requests.details.erased')}
          </Text>
        )
      )}
      {request.kind === 'human_review' && (
        <Text size="xs" c="dimmed" data-testid="request-human-review">
          {t('requests.card.humanReview')}
        </Text>
      )}
      {request.reference && (
        <Text size="xs" c="dimmed" data-testid="request-reference">
          {t('requests.card.reference', { reference: request.reference })}
        </Text>
      )}
    </>
  )
}

type RequestInput = 'kind' | 'channel' | 'receivedAt' | 'details' | 'reference'
type Errors = Partial<Record<RequestInput, string>>

const REQUEST_INPUTS: readonly RequestInput[] = ['kind', 'channel', 'receivedAt', 'details', 'reference']

/**
 * "Record request": a request that reached a user by letter, phone, e-mail or in person, with the
 * time of receipt (the deadline runs from it) and what the person asked for.
 */
export function RecordRequestModal({
  subjectId,
  opened,
  onClose,
  onDone,
}: {
  subjectId: string
  opened: boolean
  onClose: () => void
  onDone: (request: DataSubjectRequest) => void
}) {
  const { t } = useTranslation()
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={t('requests.record.title')}
      size="lg"
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      {opened && <RecordRequestForm subjectId={subjectId} onCancel={onClose} onDone={onDone} />}
    </Modal>
  )
}

function RecordRequestForm({
  subjectId,
  onCancel,
  onDone,
}: {
  subjectId: string
  onCancel: () => void
  onDone: (request: DataSubjectRequest) => void
}) {
  const { t } = useTranslation()
  const labels = useRequestLabels()
  const queryClient = useQueryClient()
  const kinds = useQuery(requestKindsQueryOptions())
  const [kind, setKind] = useState<DsrKind | null>(null)
  const [channel, setChannel] = useState<StaffChannel | null>(null)
  const [receivedAt, setReceivedAt] = useState('')
  const [details, setDetails] = useState('')
  const [reference, setReference] = useState('')
  const [clientErrors, setClientErrors] = useState<Errors>({})
  const detailsRequired = kind !== null && REQUEST_KIND_INFO[kind].detailsRequired

  const save = useMutation({
    mutationFn: (request: NewRequest) => recordRequest(subjectId, request),
    onSuccess: async (request) => {
      await invalidateAfterRequest(queryClient, subjectId)
      onDone(request)
    },
  })
  const problem = useRequestProblem(save.error)
  const errors: Errors = { ...problem.fieldErrors, ...clientErrors }
  const clear = (input: RequestInput) => setClientErrors(({ [input]: _dropped, ...rest }) => rest)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (save.isPending) return
    const next: Errors = {}
    if (!kind) next.kind = t('requests.record.kindRequired')
    if (!channel) next.channel = t('requests.record.channelRequired')
    const at = collectedAtOf(receivedAt)
    if (at.error) next.receivedAt = t(`requests.record.receivedAtErrors.${at.error}`)
    const text = details.trim()
    if (detailsRequired && text === '') next.details = t('requests.record.detailsRequired')
    if (text.length > DETAILS_MAX_LENGTH)
      next.details = t('requests.record.detailsTooLong', { max: DETAILS_MAX_LENGTH })
    setClientErrors(next)
    if (Object.keys(next).length > 0 || !kind || !channel) return
    save.reset()
    save.mutate({
      kind,
      channel,
      ...(at.iso ? { receivedAt: at.iso } : {}),
      ...(text ? { details: text } : {}),
      ...(reference.trim() ? { reference: reference.trim() } : {}),
    })
  }

  return (
    <form
      onSubmit={submit}
      noValidate
      data-testid="request-record-form"
      aria-label={t('requests.record.title')}
    >
      <Stack gap="md">
        <Text size="sm" c="dimmed" data-testid="request-form-intro">
          {kinds.data
            ? t('requests.record.introDeadline', { deadline: labels.deadline(kinds.data.deadline) })
            : t('requests.record.intro')}
        </Text>
        <Select
          label={t('requests.record.kind')}
          required
          data={DSR_KINDS.map((k) => ({
            value: k,
            label: `${labels.kind(k)} (${REQUEST_KIND_INFO[k].article})`,
          }))}
          value={kind}
          onChange={(value) => {
            setKind(isOneOf(DSR_KINDS, value) ? value : null)
            clear('kind')
            clear('details')
          }}
          error={errors.kind}
          placeholder={t('requests.record.choose')}
          comboboxProps={{ withinPortal: true }}
          data-testid="request-form-kind"
        />
        <Radio.Group
          label={t('requests.record.channel')}
          required
          value={channel}
          onChange={(value) => {
            if (isOneOf(STAFF_CHANNELS, value)) setChannel(value)
            clear('channel')
          }}
          error={errors.channel}
          data-testid="request-form-channel"
        >
          <Group gap="md" mt={6}>
            {STAFF_CHANNELS.map((c) => (
              <Radio key={c} value={c} label={labels.channel(c)} data-testid={`request-form-channel-${c}`} />
            ))}
          </Group>
        </Radio.Group>
        <TextInput
          type="datetime-local"
          label={t('requests.record.receivedAt')}
          description={t('requests.record.receivedAtHint')}
          max={localInputValue(new Date())}
          value={receivedAt}
          error={errors.receivedAt}
          onChange={(event) => {
            setReceivedAt(event.currentTarget.value)
            clear('receivedAt')
          }}
          w={260}
          data-testid="request-form-received-at"
        />
        <Textarea
          label={t('requests.record.details')}
          description={
            kind === 'rectification'
              ? t('requests.record.detailsHintRectification')
              : t('requests.record.detailsHint')
          }
          required={detailsRequired}
          autosize
          minRows={3}
          maxRows={10}
          maxLength={DETAILS_MAX_LENGTH}
          value={details}
          error={errors.details}
          onChange={(event) => {
            setDetails(event.currentTarget.value)
            clear('details')
          }}
          data-testid="request-form-details"
        />
        <TextInput
          label={t('requests.record.reference')}
          description={t('requests.record.referenceHint')}
          placeholder={t('requests.record.referencePlaceholder')}
          maxLength={REFERENCE_MAX}
          value={reference}
          error={errors.reference}
          onChange={(event) => {
            setReference(event.currentTarget.value)
            clear('reference')
          }}
          autoComplete="off"
          data-testid="request-form-reference"
        />
        {save.isError && problem.alert}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onCancel} data-testid="request-form-cancel">
            {t('requests.record.cancel')}
          </Button>
          <Button type="submit" loading={save.isPending} data-testid="request-form-submit">
            {t('requests.record.submit')}
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

/**
 * The server's refusal, split: complaints about an input go next to it, the rest under the form
 * with a translated message (RFC 9457 problem with `errors[]`).
 */
function useRequestProblem(error: Error | null): { fieldErrors: Errors; alert: ReactNode } {
  const { t } = useTranslation()
  const fieldErrors: Errors = {}
  const lines: string[] = []
  if (!error) return { fieldErrors, alert: null }
  if (isProblem(error)) {
    for (const e of error.errors) {
      const input = isOneOf(REQUEST_INPUTS, e.field) ? e.field : undefined
      // The first complaint about an input is the specific one.
      if (input) fieldErrors[input] ??= t('requests.record.serverInvalid', { reason: reasonText(t, e) })
      else lines.push(problemLine(t, e))
    }
  }
  const status = isProblem(error) ? error.status : undefined
  const message =
    status === 400
      ? t('requests.record.invalid')
      : status === 403
        ? t('requests.record.forbidden')
        : status === 404
          ? t('contact.notFound.body')
          : status === 409
            ? t('requests.record.erased')
            : t('requests.record.failed')
  return {
    fieldErrors,
    alert: <SubmitErrorAlert message={message} lines={lines} testId="request-form-error" />,
  }
}
