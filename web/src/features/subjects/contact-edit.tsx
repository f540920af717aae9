import {
  Alert,
  Button,
  Center,
  Checkbox,
  Group,
  Loader,
  Modal,
  MultiSelect,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import {
  FIELD_CATALOG,
  type FieldDefinition,
  IDENTIFIER_FIELDS,
  type IdentifierField,
} from '../../../../src/privacy/fields/field-catalog'
import { isProblem, type ProblemError } from '../../app/api'
import { SubmitErrorAlert } from '../../app/error-state'
import { currentLanguage } from '../../app/i18n'
import { problemLine, reasonText } from '../../app/problem-text'
import { Toast } from '../../app/toast'
import { useFieldCategories } from '../auth/permissions'
import {
  type AttributeValue,
  correctSubject,
  FIELD_CATEGORIES,
  type FieldCategory,
  invalidateAfterCorrection,
  isOneOf,
  OVERVIEW_PARTS,
  type OverviewIdentifiers,
  type OverviewSubject,
  parseHiddenReason,
  type SubjectCorrection,
  type SubjectOverview,
} from './contact-overview.api'
import { type CatalogField, editableAttributes, fieldCatalogQueryOptions, GENDERS } from './fields.api'
import { useKindLabel } from './subject-kind-badges'
import { REASON_MAX, REASON_MIN, SUBJECT_KINDS } from './subjects.api'

type Values = Record<IdentifierField, string>
/** An attribute as the form edits it: text for one value, a list for a multi-valued one. */
type AttributeDraft = string | string[]
type AttributeDrafts = Record<string, AttributeDraft>
/** The inputs of the form: identifiers by name, attributes as `attributes.<key>`, the kinds and the reason. */
type FormField = IdentifierField | `attributes.${string}` | 'kinds' | 'reason'
type FieldErrors = Partial<Record<FormField, string>>

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

/** The form's draft of a stored attribute value. */
function attributeDraftOf(field: CatalogField, value: AttributeValue | undefined): AttributeDraft {
  switch (field.dataType) {
    case 'multi_enum':
      return Array.isArray(value) ? value.map(String) : []
    case 'boolean':
      return typeof value === 'boolean' ? String(value) : ''
    case 'number':
      return typeof value === 'number' ? String(value) : ''
    default:
      return typeof value === 'string' ? value : ''
  }
}

/** The value to store for a draft: null for an empty one, undefined when it is not a value of the type. */
function attributeValueOf(field: CatalogField, draft: AttributeDraft): AttributeValue | null | undefined {
  if (Array.isArray(draft)) return draft.length > 0 ? draft : null
  const text = draft.trim()
  if (text === '') return null
  switch (field.dataType) {
    case 'number': {
      const number = Number(text.replace(',', '.'))
      return Number.isFinite(number) ? number : undefined
    }
    case 'boolean':
      return text === 'true'
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : undefined
    default:
      // The built-in country is a code in capitals (DE), like the address's country code.
      return field.key === 'country' ? text.toUpperCase() : text
  }
}

const sameValue = (a: AttributeValue | null | undefined, b: AttributeValue | null | undefined): boolean =>
  Array.isArray(a) && Array.isArray(b)
    ? a.length === b.length && a.every((v) => b.includes(v))
    : (a ?? null) === (b ?? null)

/**
 * Only the attributes that changed (an emptied one becomes null), and the fields whose draft is not a
 * value of their type.
 */
function attributeChanges(
  fields: readonly CatalogField[],
  before: OverviewSubject['attributes'],
  drafts: AttributeDrafts,
): { changed: Record<string, AttributeValue | null>; invalid: CatalogField[] } {
  const changed: Record<string, AttributeValue | null> = {}
  const invalid: CatalogField[] = []
  for (const field of fields) {
    const next = attributeValueOf(field, drafts[field.key] ?? '')
    if (next === undefined) invalid.push(field)
    else if (!sameValue(next, before[field.key])) changed[field.key] = next
  }
  return { changed, invalid }
}

/** The new kinds in their usual order, or undefined when they are the same set as before. */
function kindChanges(before: readonly string[], selected: readonly string[]): string[] | undefined {
  const next = SUBJECT_KINDS.filter((k) => selected.includes(k))
  const same = next.length === before.length && next.every((k) => before.includes(k))
  return same ? undefined : next
}

/**
 * The input a field error of the server names: "identifiers.lastName" -> lastName, "attributes.x"
 * -> attributes.x, "kinds.0" -> kinds, "reason" -> reason; a refusal by role names the bare field
 * (`iban`, `interests`). Undefined for anything that is not an input of the form.
 */
function formFieldOf(path: string, attributes: readonly CatalogField[]): FormField | undefined {
  if (path === 'reason') return 'reason'
  if (path === 'kinds' || path.startsWith('kinds.')) return 'kinds'
  const [part, name] = path.includes('.') ? path.split('.', 2) : [undefined, path]
  if ((part === undefined || part === 'identifiers') && isOneOf(IDENTIFIER_FIELDS, name)) return name
  if ((part === undefined || part === 'attributes') && attributes.some((f) => f.key === name))
    return `attributes.${name}`
  return undefined
}

/**
 * "Edit" on the personal-data card: a form with the kinds of the contact, the identifiers and the
 * attributes the role can see, and the reason for the correction (Art. 16 GDPR). Only changed fields
 * are sent; the server keeps the old and new values sealed in the audit trail.
 */
export function CorrectContact({ overview }: { overview: SubjectOverview }) {
  const { t } = useTranslation()
  const [opened, setOpened] = useState(false)
  const [saved, setSaved] = useState(false)
  const catalog = useQuery(fieldCatalogQueryOptions())
  const categories = useFieldCategories()
  const fields = editableFields(overview)
  // Until the catalog and the role's categories are known the attributes can't be offered; without
  // the catalog (an error) the identifiers and kinds can still be corrected.
  const ready = catalog.isError || (catalog.data !== undefined && categories !== undefined)
  const attributes =
    catalog.data && categories ? editableAttributes(catalog.data, categories, overview.purpose) : []
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
        {ready ? (
          <CorrectionForm
            overview={overview}
            fields={fields}
            attributes={attributes}
            onCancel={() => setOpened(false)}
            onSaved={() => {
              setOpened(false)
              setSaved(true)
            }}
          />
        ) : (
          <Center py="xl">
            <Loader size="sm" aria-label={t('common.loading')} />
          </Center>
        )}
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
  attributes,
  onCancel,
  onSaved,
}: {
  overview: SubjectOverview
  fields: IdentifierField[]
  attributes: CatalogField[]
  onCancel: () => void
  onSaved: () => void
}) {
  const { t } = useTranslation()
  const language = currentLanguage()
  const kindLabel = useKindLabel()
  const queryClient = useQueryClient()
  const subject = overview.subject
  const [values, setValues] = useState<Values>(
    () => Object.fromEntries(IDENTIFIER_FIELDS.map((f) => [f, subject.identifiers[f] ?? ''])) as Values,
  )
  const [attributeDrafts, setAttributeDrafts] = useState<AttributeDrafts>(() =>
    Object.fromEntries(attributes.map((f) => [f.key, attributeDraftOf(f, subject.attributes[f.key])])),
  )
  const [kinds, setKinds] = useState<string[]>(() => subject.kinds)
  const [reason, setReason] = useState('')
  const [clientErrors, setClientErrors] = useState<FieldErrors>({})
  const [nothingChanged, setNothingChanged] = useState(false)
  const save = useMutation({
    mutationFn: (correction: Omit<SubjectCorrection, 'reason' | 'purpose'>) =>
      correctSubject(subject.id, { ...correction, reason: reason.trim(), purpose: overview.purpose }),
    onSuccess: async () => {
      await invalidateAfterCorrection(queryClient, subject.id)
      onSaved()
    },
  })

  const label = (field: IdentifierField) => t(`contact.edit.fields.${field}`)
  const attributeLabel = (key: string) => attributes.find((f) => f.key === key)?.label[language] ?? key
  const serverErrors: FieldErrors = {}
  const otherErrors: string[] = []
  if (isProblem(save.error, 400))
    for (const e of save.error.errors) {
      const field = formFieldOf(e.field, attributes)
      // A value that may also be null gets several complaints; the first is the specific one.
      if (field) serverErrors[field] ??= t('contact.edit.invalid', { reason: reasonText(t, e) })
      else otherErrors.push(problemLine(t, e))
    }
  const errors: FieldErrors = { ...serverErrors, ...clientErrors }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (save.isPending) return
    const identifiers = changes(fields, subject.identifiers, values)
    const { changed: attributeValues, invalid } = attributeChanges(
      attributes,
      subject.attributes,
      attributeDrafts,
    )
    const nextKinds = kindChanges(subject.kinds, kinds)
    const next: FieldErrors = {}
    const trimmed = reason.trim()
    if (trimmed.length < REASON_MIN) next.reason = t('contact.edit.reasonTooShort', { min: REASON_MIN })
    if (kinds.length === 0) next.kinds = t('contact.edit.kindsRequired')
    for (const field of invalid)
      next[`attributes.${field.key}`] =
        field.dataType === 'date' ? t('contact.edit.invalidDate') : t('contact.edit.invalidNumber')
    setClientErrors(next)
    const correction: Omit<SubjectCorrection, 'reason' | 'purpose'> = {
      ...(Object.keys(identifiers).length > 0 ? { identifiers } : {}),
      ...(Object.keys(attributeValues).length > 0 ? { attributes: attributeValues } : {}),
      ...(nextKinds ? { kinds: nextKinds } : {}),
    }
    const empty = Object.keys(correction).length === 0 && invalid.length === 0
    setNothingChanged(empty)
    if (empty || Object.keys(next).length > 0) return
    save.reset()
    save.mutate(correction)
  }

  const clearError = (field: FormField) => setClientErrors(({ [field]: _dropped, ...rest }) => rest)
  const setValue = (field: IdentifierField, value: string) => {
    setValues((previous) => ({ ...previous, [field]: value }))
    setNothingChanged(false)
  }
  const setAttribute = (key: string, value: AttributeDraft) => {
    setAttributeDrafts((previous) => ({ ...previous, [key]: value }))
    setNothingChanged(false)
    clearError(`attributes.${key}`)
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

  const optionLabel = (field: CatalogField, option: string) =>
    field.key === 'gender' && isOneOf(GENDERS, option) ? t(`contact.genders.${option}`) : option

  const attributeInput = (field: CatalogField) => {
    const draft = attributeDrafts[field.key] ?? ''
    const common = {
      label: field.label[language],
      error: errors[`attributes.${field.key}`],
      'data-testid': `contact-edit-attribute-${field.key}`,
      'data-field': field.key,
    }
    const text = typeof draft === 'string' ? draft : ''
    switch (field.dataType) {
      case 'multi_enum':
        return (
          <MultiSelect
            key={field.key}
            {...common}
            data={field.options.map((o) => ({ value: o, label: optionLabel(field, o) }))}
            value={Array.isArray(draft) ? draft : []}
            onChange={(value) => setAttribute(field.key, value)}
            clearable
            searchable
            placeholder={Array.isArray(draft) && draft.length > 0 ? undefined : t('contact.edit.choose')}
            comboboxProps={{ withinPortal: true }}
          />
        )
      case 'enum':
      case 'boolean':
        return (
          <Select
            key={field.key}
            {...common}
            data={
              field.dataType === 'boolean'
                ? [
                    { value: 'true', label: t('contact.edit.yes') },
                    { value: 'false', label: t('contact.edit.no') },
                  ]
                : field.options.map((o) => ({ value: o, label: optionLabel(field, o) }))
            }
            value={text === '' ? null : text}
            onChange={(value) => setAttribute(field.key, value ?? '')}
            clearable
            searchable={field.options.length > 7}
            placeholder={t('contact.edit.choose')}
            comboboxProps={{ withinPortal: true }}
          />
        )
      default:
        return (
          <TextInput
            key={field.key}
            {...common}
            type={field.dataType === 'date' ? 'date' : 'text'}
            inputMode={field.dataType === 'number' ? 'decimal' : undefined}
            autoComplete="off"
            maxLength={field.dataType === 'text' ? 1_000 : undefined}
            value={text}
            onChange={(event) => setAttribute(field.key, event.currentTarget.value)}
          />
        )
    }
  }

  const attributeGroups = [
    ...FIELD_CATEGORIES.filter((c) => attributes.some((f) => f.category === c)),
    ...new Set(attributes.map((f) => f.category).filter((c) => !isOneOf(FIELD_CATEGORIES, c))),
  ]

  return (
    <form onSubmit={submit} noValidate data-testid="contact-edit-form" aria-label={t('contact.edit.title')}>
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {t('contact.edit.intro')}
        </Text>
        <Checkbox.Group
          label={t('contact.edit.kinds')}
          description={t('contact.edit.kindsHint')}
          value={kinds}
          onChange={(value) => {
            setKinds(value)
            setNothingChanged(false)
            clearError('kinds')
          }}
          error={errors.kinds}
          errorProps={{ 'data-testid': 'contact-edit-kinds-error' }}
          data-testid="contact-edit-kinds"
        >
          <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="xs" verticalSpacing="xs" mt={6}>
            {SUBJECT_KINDS.map((kind) => (
              <Checkbox
                key={kind}
                value={kind}
                label={kindLabel(kind)}
                data-testid={`contact-edit-kind-${kind}`}
              />
            ))}
          </SimpleGrid>
        </Checkbox.Group>
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
        {attributeGroups.map((category) => (
          <Stack key={category} gap="xs" data-testid={`contact-edit-attributes-${category}`}>
            <Title order={3} size="h6">
              {isOneOf(FIELD_CATEGORIES, category) ? t(`fields.categories.${category}`) : category}
            </Title>
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" verticalSpacing="xs">
              {attributes.filter((f) => f.category === category).map(attributeInput)}
            </SimpleGrid>
          </Stack>
        ))}
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
            clearError('reason')
          }}
          data-testid="contact-edit-reason"
        />
        {nothingChanged && (
          <Alert color="gray" variant="light" p="xs" data-testid="contact-edit-unchanged">
            <Text size="sm">{t('contact.edit.nothingChanged')}</Text>
          </Alert>
        )}
        {save.isError && (
          <CorrectionError
            error={save.error}
            otherErrors={otherErrors}
            fieldLabel={(field) => (isOneOf(IDENTIFIER_FIELDS, field) ? label(field) : attributeLabel(field))}
          />
        )}
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
  fieldLabel: (field: string) => string
}) {
  const { t } = useTranslation()
  const problem: ProblemError | undefined = isProblem(error) ? error : undefined
  let message: string
  if (problem?.status === 400)
    // The fields' own errors are next to them; this only says that there are some.
    message = t('contact.edit.invalidSummary')
  else if (problem?.status === 403) {
    // The refused fields, from errors[] (or, failing that, "… may not change the fields iban, accountHolder").
    const named =
      problem.errors.length > 0
        ? problem.errors.map((e) => e.field)
        : /may not change the fields (.+)$/
            .exec(problem.detail ?? '')?.[1]
            ?.split(',')
            .map((f) => f.trim())
    message = named
      ? t('contact.edit.forbiddenFields', { fields: named.map(fieldLabel).join(', ') })
      : t('contact.edit.forbidden')
  } else if (problem?.status === 404) message = t('contact.notFound.body')
  else message = t('contact.edit.failed')
  return <SubmitErrorAlert message={message} lines={otherErrors} testId="contact-edit-error" />
}
