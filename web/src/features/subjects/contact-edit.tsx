import {
  Alert,
  Button,
  Group,
  Modal,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import {
  FIELD_CATALOG,
  type FieldDefinition,
  IDENTIFIER_FIELDS,
  type IdentifierField,
} from '../../../../src/privacy/fields/field-catalog'
import { isProblem, type ProblemError } from '../../app/api'
import { Toast } from '../../app/toast'
import {
  correctSubject,
  type FieldCategory,
  invalidateAfterCorrection,
  isOneOf,
  OVERVIEW_PARTS,
  type OverviewIdentifiers,
  parseHiddenReason,
  type SubjectOverview,
} from './contact-overview.api'

/** The limits of the server's `reason` (SubjectPatch). */
const REASON_MIN = 3
const REASON_MAX = 500

type Values = Record<IdentifierField, string>
type FieldErrors = Partial<Record<IdentifierField | 'reason', string>>

/** The groups of the form, in the order of the personal-data card. */
const GROUPS = ['identity', 'contact', 'address', 'bank', 'notes'] as const

/** The category an identifier belongs to (what a role must hold to see and change it). */
function categoryOf(field: IdentifierField): FieldCategory {
  const definition: FieldDefinition | undefined = FIELD_CATALOG[field]
  // Every identifier is in the catalog; `notes` is the strictest category should one ever not be.
  return definition?.category ?? 'notes'
}

/**
 * The identifiers the user may correct: those of the categories the view shows them — a category
 * with a value in `identifiers`, or one whose part of the view is not hidden. Fields of a hidden
 * category are never offered, not even empty.
 */
export function editableFields(overview: SubjectOverview): IdentifierField[] {
  const hidden = new Set(
    overview.hidden.map((h) => {
      if (h.category) return h.category
      const parsed = parseHiddenReason(h.reason)
      return parsed?.type === 'category' ? parsed.category : undefined
    }),
  )
  const present = new Set(
    IDENTIFIER_FIELDS.filter((f) => overview.subject.identifiers[f] !== undefined).map((f) => categoryOf(f)),
  )
  const visible = (category: FieldCategory) =>
    present.has(category) || (isOneOf(OVERVIEW_PARTS, category) && !hidden.has(category))
  return IDENTIFIER_FIELDS.filter((f) => visible(categoryOf(f)))
}

/** What the server should store for a typed value: trimmed; IBAN without spaces, codes in capitals. */
function normalise(field: IdentifierField, value: string): string {
  const trimmed = value.trim()
  if (field === 'iban') return trimmed.replace(/\s+/g, '').toUpperCase()
  if (field === 'countryCode') return trimmed.toUpperCase()
  return trimmed
}

/** Only what changed; an emptied field becomes null (removes the value). */
function changes(
  fields: readonly IdentifierField[],
  before: OverviewIdentifiers,
  values: Values,
): Partial<Record<IdentifierField, string | null>> {
  const out: Partial<Record<IdentifierField, string | null>> = {}
  for (const field of fields) {
    const next = normalise(field, values[field])
    const previous = before[field] ?? ''
    if (next !== previous) out[field] = next === '' ? null : next
  }
  return out
}

/** "identifiers.lastName" -> lastName; "reason" -> reason; anything else is not a field of the form. */
function formFieldOf(path: string): IdentifierField | 'reason' | undefined {
  if (path === 'reason') return 'reason'
  const name = path.startsWith('identifiers.') ? path.slice('identifiers.'.length) : undefined
  return isOneOf(IDENTIFIER_FIELDS, name) ? name : undefined
}

/**
 * "Edit" on the personal-data card: a form with the identifiers the role can see and the reason
 * for the correction (Art. 16 GDPR). Only changed fields are sent; the server keeps the old and new
 * values sealed in the audit trail.
 */
export function CorrectContact({ overview }: { overview: SubjectOverview }) {
  const { t } = useTranslation()
  const [opened, setOpened] = useState(false)
  const [saved, setSaved] = useState(false)
  const fields = editableFields(overview)
  if (fields.length === 0) return null
  return (
    <>
      <Button
        size="xs"
        variant="light"
        onClick={() => setOpened(true)}
        data-testid="contact-edit"
        aria-haspopup="dialog"
      >
        {t('contact.edit.open')}
      </Button>
      <Modal
        opened={opened}
        onClose={() => setOpened(false)}
        title={t('contact.edit.title')}
        size="lg"
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        <CorrectionForm
          overview={overview}
          fields={fields}
          onCancel={() => setOpened(false)}
          onSaved={() => {
            setOpened(false)
            setSaved(true)
          }}
        />
      </Modal>
      <Toast
        opened={saved}
        onClose={() => setSaved(false)}
        title={t('contact.edit.saved.title')}
        testId="contact-edit-saved"
      >
        {t('contact.edit.saved.body')}
      </Toast>
    </>
  )
}

function CorrectionForm({
  overview,
  fields,
  onCancel,
  onSaved,
}: {
  overview: SubjectOverview
  fields: IdentifierField[]
  onCancel: () => void
  onSaved: () => void
}) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const subject = overview.subject
  const [values, setValues] = useState<Values>(
    () => Object.fromEntries(IDENTIFIER_FIELDS.map((f) => [f, subject.identifiers[f] ?? ''])) as Values,
  )
  const [reason, setReason] = useState('')
  const [clientErrors, setClientErrors] = useState<FieldErrors>({})
  const [nothingChanged, setNothingChanged] = useState(false)
  const save = useMutation({
    mutationFn: (identifiers: Partial<Record<IdentifierField, string | null>>) =>
      correctSubject(subject.id, { identifiers, reason: reason.trim(), purpose: overview.purpose }),
    onSuccess: async () => {
      await invalidateAfterCorrection(queryClient, subject.id)
      onSaved()
    },
  })

  const label = (field: IdentifierField) => t(`contact.edit.fields.${field}`)
  const serverErrors: FieldErrors = {}
  const otherErrors: string[] = []
  if (isProblem(save.error, 400))
    for (const e of save.error.errors) {
      const field = formFieldOf(e.field)
      // A value that may also be null gets several complaints; the first is the specific one.
      if (field) serverErrors[field] ??= t('contact.edit.invalid', { reason: e.reason })
      else otherErrors.push(`${e.field}: ${e.reason}`)
    }
  const errors: FieldErrors = { ...serverErrors, ...clientErrors }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (save.isPending) return
    const changed = changes(fields, subject.identifiers, values)
    const next: FieldErrors = {}
    const trimmed = reason.trim()
    if (trimmed.length < REASON_MIN) next.reason = t('contact.edit.reasonTooShort', { min: REASON_MIN })
    setClientErrors(next)
    const empty = Object.keys(changed).length === 0
    setNothingChanged(empty)
    if (empty || next.reason) return
    save.reset()
    save.mutate(changed)
  }

  const setValue = (field: IdentifierField, value: string) => {
    setValues((previous) => ({ ...previous, [field]: value }))
    setNothingChanged(false)
  }

  const input = (field: IdentifierField) => {
    const common = {
      label: label(field),
      value: values[field],
      error: errors[field],
      'data-testid': `contact-edit-field-${field}`,
      'data-field': field,
    }
    if (field === 'notes')
      return (
        <Textarea
          key={field}
          {...common}
          autosize
          minRows={2}
          maxRows={8}
          maxLength={10_000}
          onChange={(event) => setValue(field, event.currentTarget.value)}
        />
      )
    return (
      <TextInput
        key={field}
        {...common}
        type={
          field === 'birthDate' ? 'date' : field === 'email' ? 'email' : field === 'phone' ? 'tel' : 'text'
        }
        autoComplete="off"
        maxLength={field === 'countryCode' ? 2 : undefined}
        description={field === 'countryCode' ? t('contact.edit.countryCodeHint') : undefined}
        onChange={(event) => setValue(field, event.currentTarget.value)}
      />
    )
  }

  return (
    <form onSubmit={submit} noValidate data-testid="contact-edit-form" aria-label={t('contact.edit.title')}>
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {t('contact.edit.intro')}
        </Text>
        {GROUPS.map((category) => {
          const ofGroup = fields.filter((f) => categoryOf(f) === category)
          if (ofGroup.length === 0) return null
          return (
            <Stack key={category} gap="xs" data-testid={`contact-edit-group-${category}`}>
              {/* The remarks are one field: its label is its heading. */}
              {category !== 'notes' && (
                <Title order={3} size="h6">
                  {t(`contact.parts.${category}`)}
                </Title>
              )}
              {category === 'notes' ? (
                ofGroup.map(input)
              ) : (
                <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" verticalSpacing="xs">
                  {ofGroup.map(input)}
                </SimpleGrid>
              )}
            </Stack>
          )
        })}
        <Textarea
          label={t('contact.edit.reason')}
          description={t('contact.edit.reasonHint')}
          required
          autosize
          minRows={2}
          maxRows={5}
          maxLength={REASON_MAX}
          value={reason}
          error={errors.reason}
          onChange={(event) => {
            setReason(event.currentTarget.value)
            setClientErrors(({ reason: _dropped, ...rest }) => rest)
          }}
          data-testid="contact-edit-reason"
        />
        {nothingChanged && (
          <Alert color="gray" variant="light" p="xs" data-testid="contact-edit-unchanged">
            <Text size="sm">{t('contact.edit.nothingChanged')}</Text>
          </Alert>
        )}
        {save.isError && <CorrectionError error={save.error} otherErrors={otherErrors} fieldLabel={label} />}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onCancel} data-testid="contact-edit-cancel">
            {t('contact.edit.cancel')}
          </Button>
          <Button type="submit" loading={save.isPending} data-testid="contact-edit-submit">
            {t('contact.edit.submit')}
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

/** Why the correction was refused: a role that may not change a field, a bad value, or anything else. */
function CorrectionError({
  error,
  otherErrors,
  fieldLabel,
}: {
  error: Error
  otherErrors: string[]
  fieldLabel: (field: IdentifierField) => string
}) {
  const { t } = useTranslation()
  const problem: ProblemError | undefined = isProblem(error) ? error : undefined
  let message: string
  if (problem?.status === 400)
    // The fields' own errors are next to them; this only says that there are some.
    message = t('contact.edit.invalidSummary')
  else if (problem?.status === 403) {
    // "your role may not change the fields iban, accountHolder"
    const named = /may not change the fields (.+)$/.exec(problem.detail ?? '')?.[1]
    const fields = named
      ?.split(',')
      .map((f) => f.trim())
      .map((f) => (isOneOf(IDENTIFIER_FIELDS, f) ? fieldLabel(f) : f))
    message = fields
      ? t('contact.edit.forbiddenFields', { fields: fields.join(', ') })
      : t('contact.edit.forbidden')
  } else if (problem?.status === 404) message = t('contact.notFound.body')
  else message = t('contact.edit.failed')
  return (
    <Alert color="red" variant="light" p="xs" data-testid="contact-edit-error" role="alert">
      <Stack gap={4}>
        <Text size="sm">{message}</Text>
        {otherErrors.map((line) => (
          <Text key={line} size="xs" c="dimmed">
            {line}
          </Text>
        ))}
      </Stack>
    </Alert>
  )
}
