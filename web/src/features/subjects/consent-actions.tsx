import {
  Alert,
  Blockquote,
  Button,
  Group,
  Modal,
  Paper,
  Radio,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, type ReactNode, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { SubmitErrorAlert } from '../../app/error-state'
import { currentLanguage } from '../../app/i18n'
import { problemLine, reasonText } from '../../app/problem-text'
import {
  consentPurposes,
  consentTextsQueryOptions,
  invalidateAfterPermissionChange,
  MANUAL_SOURCES,
  type ManualSource,
  marketingChannels,
  type NewConsentEvent,
  type NewObjectionEvent,
  OBJECTION_SCOPES,
  type ObjectionInForce,
  type ObjectionScope,
  objectablePurposes,
  REFERENCE_MAX,
  REFERENCE_REQUIRED,
  recordConsent,
  recordObjection,
  textsOf,
} from './consent.api'
import { useObjectionScopeLabel, useSourceLabel } from './consent-labels'
import type { ConsentRow } from './consent-rows'
import { type ContactFormat, useContactFormat } from './contact-format'
import { isOneOf, purposesQueryOptions } from './contact-overview.api'

type Errors<K extends string> = Partial<Record<K, string>>

/** "2026-03-01T14:05" in local time, what a datetime-local input shows. */
export function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`
}

/**
 * The server's refusal, split: complaints about an input go next to it, the rest under the form
 * with a translated message (RFC 9457 problem with `errors[]`).
 */
function useSubmitProblem<K extends string>(
  error: Error | null,
  inputOf: (field: string) => K | undefined,
): { fieldErrors: Errors<K>; alert: ReactNode } {
  const { t } = useTranslation()
  const fieldErrors: Errors<K> = {}
  const lines: string[] = []
  if (!error) return { fieldErrors, alert: null }
  if (isProblem(error)) {
    for (const e of error.errors) {
      const input = inputOf(e.field)
      // The first complaint about an input is the specific one.
      if (input) fieldErrors[input] ??= t('consents.form.serverInvalid', { reason: reasonText(t, e) })
      else lines.push(problemLine(t, e))
    }
    if (error.errors.length === 0 && error.detail && error.status === 409) lines.push(error.detail)
  }
  const status = isProblem(error) ? error.status : undefined
  const message =
    status === 400
      ? t('consents.form.invalid')
      : status === 403
        ? t('consents.form.forbidden')
        : status === 404
          ? t('contact.notFound.body')
          : status === 409
            ? t('consents.form.conflict')
            : t('consents.form.failed')
  return {
    fieldErrors,
    alert: <SubmitErrorAlert message={message} lines={lines} testId="consent-form-error" />,
  }
}

/** How it reached you: phone, letter, in person or e-mail. */
function SourceInput({
  value,
  onChange,
  error,
  label,
}: {
  value: ManualSource | null
  onChange: (value: ManualSource) => void
  error: string | undefined
  label: string
}) {
  const sourceLabel = useSourceLabel()
  return (
    <Radio.Group
      label={label}
      required
      value={value}
      onChange={(next) => {
        if (isOneOf(MANUAL_SOURCES, next)) onChange(next)
      }}
      error={error}
      data-testid="consent-form-source"
    >
      <Group gap="md" mt={6}>
        {MANUAL_SOURCES.map((source) => (
          <Radio
            key={source}
            value={source}
            label={sourceLabel(source)}
            data-testid={`consent-form-source-${source}`}
          />
        ))}
      </Group>
    </Radio.Group>
  )
}

function ReferenceInput({
  value,
  onChange,
  error,
  required,
  description,
}: {
  value: string
  onChange: (value: string) => void
  error: string | undefined
  required: boolean
  description: string
}) {
  const { t } = useTranslation()
  return (
    <TextInput
      label={t('consents.form.reference')}
      description={description}
      placeholder={t('consents.form.referencePlaceholder')}
      required={required}
      maxLength={REFERENCE_MAX}
      value={value}
      error={error}
      onChange={(event) => onChange(event.currentTarget.value)}
      autoComplete="off"
      data-testid="consent-form-reference"
    />
  )
}

function CollectedAtInput({
  value,
  onChange,
  error,
  label,
}: {
  value: string
  onChange: (value: string) => void
  error: string | undefined
  label: string
}) {
  const { t } = useTranslation()
  return (
    <TextInput
      type="datetime-local"
      label={label}
      description={t('consents.form.collectedAtHint')}
      max={localInputValue(new Date())}
      value={value}
      error={error}
      onChange={(event) => onChange(event.currentTarget.value)}
      w={260}
      data-testid="consent-form-collected-at"
    />
  )
}

/** The time typed in local time as ISO, an error key when it is no time or in the future, or nothing. */
export function collectedAtOf(value: string): { iso?: string; error?: 'invalid' | 'future' } {
  if (value.trim() === '') return {}
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return { error: 'invalid' }
  // A minute's grace: the clock of the form and of the server may differ a little.
  if (date.getTime() > Date.now() + 60_000) return { error: 'future' }
  return { iso: date.toISOString() }
}

function FormButtons({
  pending,
  onCancel,
  submitLabel,
  color,
}: {
  pending: boolean
  onCancel: () => void
  submitLabel: string
  color?: string
}) {
  const { t } = useTranslation()
  return (
    <Group justify="flex-end" gap="sm">
      <Button variant="default" onClick={onCancel} data-testid="consent-form-cancel">
        {t('consents.form.cancel')}
      </Button>
      <Button type="submit" loading={pending} color={color} data-testid="consent-form-submit">
        {submitLabel}
      </Button>
    </Group>
  )
}

type ConsentInput = 'purposeKey' | 'channel' | 'source' | 'textVersion' | 'reference' | 'collectedAt'

const consentInputOf = (field: string): ConsentInput | undefined => {
  if (field === 'purposeKey' || field === 'channel') return field
  const proofField = field.startsWith('proof.') ? field.slice('proof.'.length) : undefined
  if (proofField === 'source' || proofField === 'textVersion' || proofField === 'reference') return proofField
  if (proofField === 'collectedAt') return 'collectedAt'
  return undefined
}

/**
 * "Record consent": a consent that reached a user by phone, letter, in person or e-mail, with the
 * consent text the person agreed to and a reference to the evidence kept elsewhere (the call
 * note, the scanned letter) — Art. 7(1), and for phone advertising § 7a UWG.
 */
export function RecordConsentModal({
  subjectId,
  opened,
  initial,
  onClose,
  onDone,
}: {
  subjectId: string
  opened: boolean
  initial: { purposeKey?: string; channel?: string }
  onClose: () => void
  onDone: () => void
}) {
  const { t } = useTranslation()
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={t('consents.record.title')}
      size="lg"
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      {opened && (
        <RecordConsentForm subjectId={subjectId} initial={initial} onCancel={onClose} onDone={onDone} />
      )}
    </Modal>
  )
}

function RecordConsentForm({
  subjectId,
  initial,
  onCancel,
  onDone,
}: {
  subjectId: string
  initial: { purposeKey?: string; channel?: string }
  onCancel: () => void
  onDone: () => void
}) {
  const { t } = useTranslation()
  const language = currentLanguage()
  const queryClient = useQueryClient()
  const purposes = useQuery(purposesQueryOptions())
  const texts = useQuery(consentTextsQueryOptions())
  const sourceLabel = useSourceLabel()
  const format = useContactFormat()
  const [purposeKey, setPurposeKey] = useState<string | null>(initial.purposeKey ?? null)
  const [channel, setChannel] = useState<string | null>(initial.channel ?? null)
  const [source, setSource] = useState<ManualSource | null>(null)
  const [chosenVersion, setChosenVersion] = useState<string | null>(null)
  const [reference, setReference] = useState('')
  const [collectedAt, setCollectedAt] = useState('')
  const [clientErrors, setClientErrors] = useState<Errors<ConsentInput>>({})

  const offered = consentPurposes(purposes.data)
  const purpose = offered.find((p) => p.key === purposeKey)
  const channels = purpose?.channels ?? []
  const versions = purposeKey ? textsOf(texts.data, purposeKey) : []
  const version = versions.find((v) => v.textVersion === chosenVersion) ?? versions[0]
  const referenceRequired = source !== null && REFERENCE_REQUIRED.includes(source)

  const save = useMutation({
    mutationFn: (event: NewConsentEvent) => recordConsent(subjectId, event),
    onSuccess: async () => {
      await invalidateAfterPermissionChange(queryClient, subjectId)
      onDone()
    },
  })
  const problem = useSubmitProblem(save.error, consentInputOf)
  const errors: Errors<ConsentInput> = { ...problem.fieldErrors, ...clientErrors }
  const clear = (input: ConsentInput) => setClientErrors(({ [input]: _dropped, ...rest }) => rest)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (save.isPending) return
    const next: Errors<ConsentInput> = {}
    if (!purpose) next.purposeKey = t('consents.form.purposeRequired')
    if (!channel || !channels.includes(channel)) next.channel = t('consents.form.channelRequired')
    if (!source) next.source = t('consents.form.sourceRequired')
    if (purpose && !version) next.textVersion = t('consents.form.noText')
    if (referenceRequired && reference.trim() === '')
      next.reference = t('consents.form.referenceRequired', { source: sourceLabel(source) })
    const at = collectedAtOf(collectedAt)
    if (at.error) next.collectedAt = t(`consents.form.collectedAtErrors.${at.error}`)
    setClientErrors(next)
    if (Object.keys(next).length > 0 || !purpose || !channel || !source || !version) return
    save.reset()
    save.mutate({
      purposeKey: purpose.key,
      channel,
      kind: 'granted',
      proof: {
        source,
        textVersion: version.textVersion,
        ...(reference.trim() ? { reference: reference.trim() } : {}),
        ...(at.iso ? { collectedAt: at.iso } : {}),
      },
    })
  }

  return (
    <form
      onSubmit={submit}
      noValidate
      data-testid="consent-record-form"
      aria-label={t('consents.record.title')}
    >
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {t('consents.record.intro')}
        </Text>
        <Select
          label={t('consents.form.purpose')}
          required
          data={offered.map((p) => ({ value: p.key, label: p.name[language] }))}
          value={purposeKey}
          onChange={(value) => {
            setPurposeKey(value)
            const next = offered.find((p) => p.key === value)
            setChannel(next?.channels.length === 1 ? (next.channels[0] ?? null) : null)
            setChosenVersion(null)
            clear('purposeKey')
            clear('textVersion')
          }}
          error={errors.purposeKey}
          placeholder={t('consents.form.choose')}
          comboboxProps={{ withinPortal: true }}
          data-testid="consent-form-purpose"
        />
        <Select
          label={t('consents.form.channel')}
          required
          data={channels.map((c) => ({ value: c, label: format.channel(c) }))}
          value={channel}
          onChange={(value) => {
            setChannel(value)
            clear('channel')
          }}
          disabled={!purpose}
          error={errors.channel}
          placeholder={t('consents.form.choose')}
          comboboxProps={{ withinPortal: true }}
          data-testid="consent-form-channel"
        />
        {purpose?.doubleOptIn && (
          <Alert color="blue" variant="light" p="xs" data-testid="consent-form-doi-hint">
            <Text size="sm">{t('consents.record.doiHint')}</Text>
          </Alert>
        )}
        {purpose && (
          <Stack gap={6}>
            <Select
              label={t('consents.form.textVersion')}
              description={t('consents.form.textVersionHint')}
              required
              data={versions.map((v, index) => ({
                value: v.textVersion,
                label: t(index === 0 ? 'consents.form.versionNewest' : 'consents.form.version', {
                  version: v.textVersion,
                  date: format.date(v.createdAt),
                }),
              }))}
              value={version?.textVersion ?? null}
              onChange={(value) => {
                setChosenVersion(value)
                clear('textVersion')
              }}
              allowDeselect={false}
              disabled={versions.length === 0}
              error={
                errors.textVersion ??
                (texts.isSuccess && versions.length === 0 ? t('consents.form.noText') : undefined)
              }
              comboboxProps={{ withinPortal: true }}
              data-testid="consent-form-text-version"
            />
            {version && (
              <Blockquote p="sm" color="blue" data-testid="consent-form-text">
                <Text size="sm">{version.text[language]}</Text>
              </Blockquote>
            )}
          </Stack>
        )}
        <SourceInput
          label={t('consents.form.sourceConsent')}
          value={source}
          onChange={(value) => {
            setSource(value)
            clear('source')
            clear('reference')
          }}
          error={errors.source}
        />
        <ReferenceInput
          value={reference}
          onChange={(value) => {
            setReference(value)
            clear('reference')
          }}
          error={errors.reference}
          required={referenceRequired}
          description={
            channel === 'phone' ? t('consents.form.referenceHintPhone') : t('consents.form.referenceHint')
          }
        />
        <CollectedAtInput
          label={t('consents.form.collectedAt')}
          value={collectedAt}
          onChange={(value) => {
            setCollectedAt(value)
            clear('collectedAt')
          }}
          error={errors.collectedAt}
        />
        {save.isError && problem.alert}
        <FormButtons pending={save.isPending} onCancel={onCancel} submitLabel={t('consents.record.submit')} />
      </Stack>
    </form>
  )
}

/** "Withdraw": Art. 7(3), as easy as giving it; effective for the future. */
export function WithdrawConsentModal({
  subjectId,
  row,
  format,
  onClose,
  onDone,
}: {
  subjectId: string
  row: ConsentRow | null
  format: ContactFormat
  onClose: () => void
  onDone: () => void
}) {
  const { t } = useTranslation()
  return (
    <Modal
      opened={row !== null}
      onClose={onClose}
      title={t('consents.withdraw.title')}
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      {row && (
        <WithdrawForm subjectId={subjectId} row={row} format={format} onCancel={onClose} onDone={onDone} />
      )}
    </Modal>
  )
}

function WithdrawForm({
  subjectId,
  row,
  format,
  onCancel,
  onDone,
}: {
  subjectId: string
  row: ConsentRow
  format: ContactFormat
  onCancel: () => void
  onDone: () => void
}) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const [source, setSource] = useState<ManualSource | null>(null)
  const [reference, setReference] = useState('')
  const [collectedAt, setCollectedAt] = useState('')
  const [clientErrors, setClientErrors] = useState<Errors<ConsentInput>>({})
  const save = useMutation({
    mutationFn: (event: NewConsentEvent) => recordConsent(subjectId, event),
    onSuccess: async () => {
      await invalidateAfterPermissionChange(queryClient, subjectId)
      onDone()
    },
  })
  const problem = useSubmitProblem(save.error, consentInputOf)
  const errors: Errors<ConsentInput> = { ...problem.fieldErrors, ...clientErrors }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (save.isPending) return
    const next: Errors<ConsentInput> = {}
    if (!source) next.source = t('consents.form.sourceRequired')
    const at = collectedAtOf(collectedAt)
    if (at.error) next.collectedAt = t(`consents.form.collectedAtErrors.${at.error}`)
    setClientErrors(next)
    if (Object.keys(next).length > 0 || !source) return
    save.reset()
    save.mutate({
      purposeKey: row.purposeKey,
      channel: row.channel,
      kind: 'withdrawn',
      proof: {
        source,
        ...(reference.trim() ? { reference: reference.trim() } : {}),
        ...(at.iso ? { collectedAt: at.iso } : {}),
      },
    })
  }

  return (
    <form
      onSubmit={submit}
      noValidate
      data-testid="consent-withdraw-form"
      aria-label={t('consents.withdraw.title')}
    >
      <Stack gap="md">
        <Paper withBorder radius="md" p="sm">
          <Text size="sm" fw={500} data-testid="consent-withdraw-what">
            {t('consents.withdraw.what', {
              purpose: format.purpose(row.purposeKey),
              channel: format.channel(row.channel),
            })}
          </Text>
          <Text size="xs" c="dimmed">
            {t('consents.withdraw.intro')}
          </Text>
        </Paper>
        <SourceInput
          label={t('consents.form.sourceWithdrawal')}
          value={source}
          onChange={(value) => {
            setSource(value)
            setClientErrors(({ source: _dropped, ...rest }) => rest)
          }}
          error={errors.source}
        />
        <ReferenceInput
          value={reference}
          onChange={setReference}
          error={errors.reference}
          required={false}
          description={t('consents.form.referenceHintWithdrawal')}
        />
        <CollectedAtInput
          label={t('consents.form.receivedAt')}
          value={collectedAt}
          onChange={(value) => {
            setCollectedAt(value)
            setClientErrors(({ collectedAt: _dropped, ...rest }) => rest)
          }}
          error={errors.collectedAt}
        />
        {save.isError && problem.alert}
        <FormButtons
          pending={save.isPending}
          onCancel={onCancel}
          submitLabel={t('consents.withdraw.submit')}
          color="red"
        />
      </Stack>
    </form>
  )
}

type ObjectionInput = 'scope' | 'purposeKey' | 'channel' | 'source' | 'reference'

const objectionInputOf = (field: string): ObjectionInput | undefined =>
  isOneOf(['scope', 'purposeKey', 'channel', 'source', 'reference'] as const, field) ? field : undefined

/** "Record objection" (Art. 21): to one channel, one purpose, or all direct marketing (Werbewiderspruch). */
export function RecordObjectionModal({
  subjectId,
  opened,
  onClose,
  onDone,
}: {
  subjectId: string
  opened: boolean
  onClose: () => void
  onDone: () => void
}) {
  const { t } = useTranslation()
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={t('consents.object.title')}
      size="lg"
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      {opened && <ObjectionForm subjectId={subjectId} onCancel={onClose} onDone={onDone} />}
    </Modal>
  )
}

function ObjectionForm({
  subjectId,
  onCancel,
  onDone,
}: {
  subjectId: string
  onCancel: () => void
  onDone: () => void
}) {
  const { t } = useTranslation()
  const language = currentLanguage()
  const queryClient = useQueryClient()
  const purposes = useQuery(purposesQueryOptions())
  const format = useContactFormat()
  const [scope, setScope] = useState<ObjectionScope | null>(null)
  const [channel, setChannel] = useState<string | null>(null)
  const [purposeKey, setPurposeKey] = useState<string | null>(null)
  const [source, setSource] = useState<ManualSource | null>(null)
  const [reference, setReference] = useState('')
  const [clientErrors, setClientErrors] = useState<Errors<ObjectionInput>>({})
  const save = useMutation({
    mutationFn: (event: NewObjectionEvent) => recordObjection(subjectId, event),
    onSuccess: async () => {
      await invalidateAfterPermissionChange(queryClient, subjectId)
      onDone()
    },
  })
  const problem = useSubmitProblem(save.error, objectionInputOf)
  const errors: Errors<ObjectionInput> = { ...problem.fieldErrors, ...clientErrors }
  const clear = (input: ObjectionInput) => setClientErrors(({ [input]: _dropped, ...rest }) => rest)
  const channels = marketingChannels(purposes.data)
  const objectable = objectablePurposes(purposes.data)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (save.isPending) return
    const next: Errors<ObjectionInput> = {}
    if (!scope) next.scope = t('consents.form.scopeRequired')
    if (scope === 'channel' && !channel) next.channel = t('consents.form.channelRequired')
    if (scope === 'purpose' && !purposeKey) next.purposeKey = t('consents.form.purposeRequired')
    if (!source) next.source = t('consents.form.sourceRequired')
    setClientErrors(next)
    if (Object.keys(next).length > 0 || !scope || !source) return
    save.reset()
    save.mutate({
      scope,
      action: 'raised',
      source,
      ...(scope === 'channel' && channel ? { channel } : {}),
      ...(scope === 'purpose' && purposeKey ? { purposeKey } : {}),
      ...(reference.trim() ? { reference: reference.trim() } : {}),
    })
  }

  return (
    <form onSubmit={submit} noValidate data-testid="objection-form" aria-label={t('consents.object.title')}>
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {t('consents.object.intro')}
        </Text>
        <Radio.Group
          label={t('consents.form.scope')}
          required
          value={scope}
          onChange={(value) => {
            if (isOneOf(OBJECTION_SCOPES, value)) setScope(value)
            clear('scope')
          }}
          error={errors.scope}
          data-testid="objection-form-scope"
        >
          <Stack gap="xs" mt={6}>
            {(['all_marketing', 'channel', 'purpose'] as const).map((value) => (
              <Radio
                key={value}
                value={value}
                label={t(`consents.object.scopes.${value}.label`)}
                description={t(`consents.object.scopes.${value}.hint`)}
                data-testid={`objection-form-scope-${value}`}
              />
            ))}
          </Stack>
        </Radio.Group>
        {scope === 'channel' && (
          <Select
            label={t('consents.form.channel')}
            required
            data={channels.map((c) => ({ value: c, label: format.channel(c) }))}
            value={channel}
            onChange={(value) => {
              setChannel(value)
              clear('channel')
            }}
            error={errors.channel}
            placeholder={t('consents.form.choose')}
            comboboxProps={{ withinPortal: true }}
            data-testid="objection-form-channel"
          />
        )}
        {scope === 'purpose' && (
          <Select
            label={t('consents.form.purpose')}
            required
            data={objectable.map((p) => ({ value: p.key, label: p.name[language] }))}
            value={purposeKey}
            onChange={(value) => {
              setPurposeKey(value)
              clear('purposeKey')
            }}
            error={errors.purposeKey}
            placeholder={t('consents.form.choose')}
            comboboxProps={{ withinPortal: true }}
            data-testid="objection-form-purpose"
          />
        )}
        {scope === 'all_marketing' && (
          <Alert color="red" variant="light" p="xs" data-testid="objection-form-dnc-hint">
            <Text size="sm">{t('consents.object.dncHint')}</Text>
          </Alert>
        )}
        <SourceInput
          label={t('consents.form.sourceObjection')}
          value={source}
          onChange={(value) => {
            setSource(value)
            clear('source')
          }}
          error={errors.source}
        />
        <ReferenceInput
          value={reference}
          onChange={(value) => {
            setReference(value)
            clear('reference')
          }}
          error={errors.reference}
          required={false}
          description={t('consents.form.referenceHintObjection')}
        />
        {save.isError && problem.alert}
        <FormButtons
          pending={save.isPending}
          onCancel={onCancel}
          submitLabel={t('consents.object.submit')}
          color="orange"
        />
      </Stack>
    </form>
  )
}

/** "Lift objection": only when the person asks for it (e.g. subscribes again); recorded like the objection. */
export function LiftObjectionModal({
  subjectId,
  objection,
  format,
  onClose,
  onDone,
}: {
  subjectId: string
  objection: ObjectionInForce | null
  format: ContactFormat
  onClose: () => void
  onDone: () => void
}) {
  const { t } = useTranslation()
  return (
    <Modal
      opened={objection !== null}
      onClose={onClose}
      title={t('consents.lift.title')}
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      {objection && (
        <LiftForm
          subjectId={subjectId}
          objection={objection}
          format={format}
          onCancel={onClose}
          onDone={onDone}
        />
      )}
    </Modal>
  )
}

function LiftForm({
  subjectId,
  objection,
  format,
  onCancel,
  onDone,
}: {
  subjectId: string
  objection: ObjectionInForce
  format: ContactFormat
  onCancel: () => void
  onDone: () => void
}) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const scopeLabel = useObjectionScopeLabel(format)
  const [source, setSource] = useState<ManualSource | null>(null)
  const [reference, setReference] = useState('')
  const [clientErrors, setClientErrors] = useState<Errors<ObjectionInput>>({})
  const save = useMutation({
    mutationFn: (event: NewObjectionEvent) => recordObjection(subjectId, event),
    onSuccess: async () => {
      await invalidateAfterPermissionChange(queryClient, subjectId)
      onDone()
    },
  })
  const problem = useSubmitProblem(save.error, objectionInputOf)
  const errors: Errors<ObjectionInput> = { ...problem.fieldErrors, ...clientErrors }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (save.isPending) return
    if (!source) {
      setClientErrors({ source: t('consents.form.sourceRequired') })
      return
    }
    if (!isOneOf(OBJECTION_SCOPES, objection.scope)) return
    save.reset()
    save.mutate({
      scope: objection.scope,
      action: 'lifted',
      source,
      ...(objection.scope === 'channel' && objection.channel ? { channel: objection.channel } : {}),
      ...(objection.scope === 'purpose' && objection.purposeKey ? { purposeKey: objection.purposeKey } : {}),
      ...(reference.trim() ? { reference: reference.trim() } : {}),
    })
  }

  return (
    <form
      onSubmit={submit}
      noValidate
      data-testid="objection-lift-form"
      aria-label={t('consents.lift.title')}
    >
      <Stack gap="md">
        <Paper withBorder radius="md" p="sm">
          <Text size="sm" fw={500}>
            {t('consents.lift.what', {
              scope: scopeLabel(objection),
              since: format.date(objection.raisedAt),
            })}
          </Text>
        </Paper>
        <Alert color="yellow" variant="light" p="xs">
          <Text size="sm">{t('consents.lift.warning')}</Text>
        </Alert>
        <SourceInput
          label={t('consents.form.sourceLift')}
          value={source}
          onChange={(value) => {
            setSource(value)
            setClientErrors({})
          }}
          error={errors.source}
        />
        <ReferenceInput
          value={reference}
          onChange={setReference}
          error={errors.reference}
          required={false}
          description={t('consents.form.referenceHintLift')}
        />
        {save.isError && problem.alert}
        <FormButtons pending={save.isPending} onCancel={onCancel} submitLabel={t('consents.lift.submit')} />
      </Stack>
    </form>
  )
}
