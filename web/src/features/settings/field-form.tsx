import {
  Alert,
  Button,
  Group,
  MultiSelect,
  Select,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { TFunction } from 'i18next'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { SubmitErrorAlert } from '../../app/error-state'
import { currentLanguage } from '../../app/i18n'
import { problemLine, reasonText } from '../../app/problem-text'
import { purposesQueryOptions } from '../subjects/contact-overview.api'
import type { CatalogField, FieldDataType } from '../subjects/fields.api'
import {
  createField,
  FIELD_CATEGORIES,
  FIELD_DATA_TYPES,
  type FieldInput,
  type FieldPatch,
  fieldInputOf,
  hasOptions,
  invalidateAfterFieldChange,
  type NewField,
  RETENTION_UNITS,
  type RetentionDraft,
  type RetentionUnit,
  retentionDraftOf,
  retentionPeriodOf,
  SPECIAL_CATEGORIES,
  updateField,
} from './field-catalog.api'

/** The server's pattern for a new key (NewField.key). */
const KEY_PATTERN = /^[a-z][a-zA-Z0-9]{1,39}$/
/** "No special category" in the select (a select's value can't be null and stay labelled). */
const NO_SPECIAL = 'none'

interface Draft {
  key: string
  labelDe: string
  labelEn: string
  category: string | null
  dataType: FieldDataType | null
  special: string | null
  options: string[]
  purposes: string[]
  retention: RetentionDraft & { other?: string }
  retentionRuleDe: string
  retentionRuleEn: string
}

type Errors = Partial<Record<FieldInput, string>>

function draftOf(field: CatalogField | undefined): Draft {
  return {
    key: field?.key ?? '',
    labelDe: field?.label.de ?? '',
    labelEn: field?.label.en ?? '',
    category: field?.category ?? null,
    dataType: field?.dataType ?? null,
    special: field?.special ?? null,
    options: field?.options ?? [],
    purposes: field?.purposes ?? [],
    retention: retentionDraftOf(field?.retentionPeriod ?? null),
    retentionRuleDe: field?.retentionRule?.de ?? '',
    retentionRuleEn: field?.retentionRule?.en ?? '',
  }
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((v, i) => v === b[i])
const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((v) => b.includes(v))

/** The retention rule of a draft: both languages, none (null), or undefined when only one is given. */
function ruleOf(draft: Draft): { de: string; en: string } | null | undefined {
  const de = draft.retentionRuleDe.trim()
  const en = draft.retentionRuleEn.trim()
  if (de === '' && en === '') return null
  if (de === '' || en === '') return undefined
  return { de, en }
}

/** What the form itself can tell before asking the server (the server checks everything again). */
function validate(draft: Draft, creating: boolean, t: TFunction): Errors {
  const errors: Errors = {}
  if (creating && !KEY_PATTERN.test(draft.key.trim())) errors.key = t('fields.form.errors.key')
  if (draft.labelDe.trim() === '') errors.labelDe = t('fields.form.errors.required')
  if (draft.labelEn.trim() === '') errors.labelEn = t('fields.form.errors.required')
  if (draft.category === null) errors.category = t('fields.form.errors.choose')
  if (draft.dataType === null) errors.dataType = t('fields.form.errors.choose')
  if (retentionPeriodOf(draft.retention) === undefined)
    errors.retentionPeriod = t('fields.form.errors.retentionAmount')
  if (ruleOf(draft) === undefined) {
    const missing = draft.retentionRuleDe.trim() === '' ? 'retentionRuleDe' : 'retentionRuleEn'
    errors[missing] = t('fields.form.errors.ruleBothLanguages')
  }
  return errors
}

function newFieldOf(draft: Draft): NewField {
  const period = retentionPeriodOf(draft.retention)
  const rule = ruleOf(draft)
  return {
    key: draft.key.trim(),
    label: { de: draft.labelDe.trim(), en: draft.labelEn.trim() },
    category: draft.category ?? '',
    dataType: draft.dataType ?? 'text',
    ...(draft.special !== null ? { special: draft.special } : {}),
    ...(draft.dataType && hasOptions(draft.dataType) ? { options: draft.options } : {}),
    ...(draft.purposes.length > 0 ? { purposes: draft.purposes } : {}),
    ...(period ? { retentionPeriod: period } : {}),
    ...(rule ? { retentionRule: rule } : {}),
  }
}

/** Only what changed against the stored field. */
function patchOf(field: CatalogField, draft: Draft): FieldPatch {
  const patch: FieldPatch = {}
  const label = { de: draft.labelDe.trim(), en: draft.labelEn.trim() }
  if (label.de !== field.label.de || label.en !== field.label.en) patch.label = label
  if (!field.identifier) {
    if (draft.category !== null && draft.category !== field.category) patch.category = draft.category
    if (draft.special !== field.special) patch.special = draft.special
  }
  if (hasOptions(field.dataType) && !sameList(draft.options, field.options)) patch.options = draft.options
  if (!sameSet(draft.purposes, field.purposes)) patch.purposes = draft.purposes
  // A period of several units stays as it is until a new one is entered.
  const keepOther = draft.retention.other !== undefined && draft.retention.amount.trim() === ''
  const period = retentionPeriodOf(draft.retention)
  if (!keepOther && period !== undefined && period !== field.retentionPeriod) patch.retentionPeriod = period
  const rule = ruleOf(draft)
  const stored = field.retentionRule
  if (rule !== undefined && (rule?.de !== stored?.de || rule?.en !== stored?.en)) patch.retentionRule = rule
  return patch
}

/**
 * Adds an attribute to the field catalog (no `field`) or edits one: labels, category, Art. 9
 * special category, options, the purposes it serves and its retention. The server's complaints are
 * shown next to the inputs they name.
 */
export function FieldForm({
  field,
  onCancel,
  onSaved,
}: {
  field?: CatalogField
  onCancel: () => void
  onSaved: (saved: CatalogField) => void
}) {
  const { t } = useTranslation()
  const language = currentLanguage()
  const queryClient = useQueryClient()
  const purposes = useQuery(purposesQueryOptions())
  const creating = field === undefined
  const identifier = field?.identifier ?? false
  const [draft, setDraft] = useState<Draft>(() => draftOf(field))
  const [clientErrors, setClientErrors] = useState<Errors>({})
  const [nothingChanged, setNothingChanged] = useState(false)

  const save = useMutation({
    mutationFn: (body: NewField | FieldPatch) =>
      field ? updateField(field.key, body as FieldPatch) : createField(body as NewField),
    onSuccess: async (saved) => {
      await invalidateAfterFieldChange(queryClient)
      onSaved(saved)
    },
  })

  const serverErrors: Errors = {}
  const otherErrors: string[] = []
  if (isProblem(save.error, 400))
    for (const e of save.error.errors) {
      const input = fieldInputOf(e.field)
      // A value that may also be null gets several complaints; the first is the specific one.
      if (input) serverErrors[input] ??= t('fields.form.invalid', { reason: reasonText(t, e) })
      else otherErrors.push(problemLine(t, e))
    }
  // A taken key is a conflict with what is stored, not a malformed body: it belongs to the key all the same.
  if (isProblem(save.error, 409) && creating) serverErrors.key = t('fields.form.errors.keyTaken')
  const errors: Errors = { ...serverErrors, ...clientErrors }

  const set = <K extends keyof Draft>(name: K, value: Draft[K], input?: FieldInput) => {
    setDraft((previous) => ({ ...previous, [name]: value }))
    setNothingChanged(false)
    if (input) setClientErrors(({ [input]: _dropped, ...rest }) => rest)
  }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (save.isPending) return
    const found = validate(draft, creating, t)
    setClientErrors(found)
    if (Object.keys(found).length > 0) return
    if (field) {
      const patch = patchOf(field, draft)
      const empty = Object.keys(patch).length === 0
      setNothingChanged(empty)
      if (empty) return
      save.reset()
      save.mutate(patch)
    } else {
      save.reset()
      save.mutate(newFieldOf(draft))
    }
  }

  const inputProps = (input: FieldInput) => ({
    error: errors[input],
    'data-testid': `field-form-${input}`,
    errorProps: { 'data-testid': `field-form-${input}-error` },
  })

  const purposeOptions = (purposes.data ?? []).map((p) => ({
    value: p.key,
    label: p.art9Basis ? t('fields.form.purposeArt9', { name: p.name[language] }) : p.name[language],
  }))
  // Keys the registry does not list (or not yet): still shown, never silently dropped.
  for (const key of draft.purposes)
    if (!purposeOptions.some((o) => o.value === key)) purposeOptions.push({ value: key, label: key })

  const dataType = draft.dataType
  return (
    <form onSubmit={submit} noValidate data-testid="field-form" aria-label={t('fields.form.title')}>
      <Stack gap="md">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" verticalSpacing="xs">
          <TextInput
            label={t('fields.form.key')}
            description={creating ? t('fields.form.keyHint') : t('fields.form.fixed')}
            required={creating}
            disabled={!creating}
            autoComplete="off"
            maxLength={40}
            value={draft.key}
            onChange={(event) => set('key', event.currentTarget.value, 'key')}
            {...inputProps('key')}
          />
          <Select
            label={t('fields.form.dataType')}
            description={creating ? t('fields.form.dataTypeHint') : t('fields.form.fixed')}
            required={creating}
            disabled={!creating}
            placeholder={t('fields.form.choose')}
            data={FIELD_DATA_TYPES.map((d) => ({ value: d, label: t(`fields.dataTypes.${d}`) }))}
            value={dataType}
            onChange={(value) => set('dataType', value as FieldDataType | null, 'dataType')}
            comboboxProps={{ withinPortal: true }}
            {...inputProps('dataType')}
          />
          <TextInput
            label={t('fields.form.labelDe')}
            required
            maxLength={100}
            value={draft.labelDe}
            onChange={(event) => set('labelDe', event.currentTarget.value, 'labelDe')}
            {...inputProps('labelDe')}
          />
          <TextInput
            label={t('fields.form.labelEn')}
            required
            maxLength={100}
            value={draft.labelEn}
            onChange={(event) => set('labelEn', event.currentTarget.value, 'labelEn')}
            {...inputProps('labelEn')}
          />
          <Select
            label={t('fields.form.category')}
            description={identifier ? t('fields.form.identifierFixed') : undefined}
            required
            disabled={identifier}
            placeholder={t('fields.form.choose')}
            data={FIELD_CATEGORIES.map((c) => ({ value: c, label: t(`fields.categories.${c}`) }))}
            value={draft.category}
            onChange={(value) => set('category', value, 'category')}
            comboboxProps={{ withinPortal: true }}
            {...inputProps('category')}
          />
          <Select
            label={t('fields.form.special')}
            description={identifier ? t('fields.form.identifierFixed') : t('fields.form.specialHint')}
            disabled={identifier}
            data={[
              { value: NO_SPECIAL, label: t('fields.form.specialNone') },
              ...SPECIAL_CATEGORIES.map((s) => ({ value: s, label: t(`fields.special.${s}`) })),
            ]}
            value={draft.special ?? NO_SPECIAL}
            onChange={(value) => set('special', value === NO_SPECIAL ? null : value, 'special')}
            allowDeselect={false}
            comboboxProps={{ withinPortal: true }}
            {...inputProps('special')}
          />
        </SimpleGrid>
        {dataType && hasOptions(dataType) && (
          <TagsInput
            label={t('fields.form.options')}
            description={t('fields.form.optionsHint')}
            value={draft.options}
            onChange={(value) => set('options', value, 'options')}
            maxTags={200}
            splitChars={[',', ';']}
            acceptValueOnBlur
            clearable
            {...inputProps('options')}
          />
        )}
        <MultiSelect
          label={t('fields.form.purposes')}
          description={
            draft.special !== null ? t('fields.form.purposesSpecialHint') : t('fields.form.purposesHint')
          }
          placeholder={draft.purposes.length === 0 ? t('fields.form.choose') : undefined}
          data={purposeOptions}
          value={draft.purposes}
          onChange={(value) => set('purposes', value, 'purposes')}
          searchable
          clearable
          comboboxProps={{ withinPortal: true }}
          {...inputProps('purposes')}
        />
        <Stack gap="xs">
          <Title order={3} size="h6">
            {t('fields.form.retention')}
          </Title>
          <Group gap="sm" align="flex-start" wrap="wrap">
            <TextInput
              label={t('fields.form.retentionAmount')}
              description={
                draft.retention.other !== undefined
                  ? t('fields.form.retentionOther', { period: draft.retention.other })
                  : t('fields.form.retentionHint')
              }
              // The hint below the box, so the box lines up with the unit's.
              inputWrapperOrder={['label', 'input', 'description', 'error']}
              inputMode="numeric"
              autoComplete="off"
              maxLength={4}
              w={220}
              value={draft.retention.amount}
              onChange={(event) =>
                set('retention', { ...draft.retention, amount: event.currentTarget.value }, 'retentionPeriod')
              }
              {...inputProps('retentionPeriod')}
            />
            <Select
              label={t('fields.form.retentionUnit')}
              w={160}
              data={RETENTION_UNITS.map((u) => ({ value: u, label: t(`fields.units.${u}`) }))}
              value={draft.retention.unit}
              onChange={(value) =>
                set(
                  'retention',
                  { ...draft.retention, unit: (value ?? 'Y') as RetentionUnit },
                  'retentionPeriod',
                )
              }
              allowDeselect={false}
              comboboxProps={{ withinPortal: true }}
              data-testid="field-form-retentionUnit"
            />
          </Group>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" verticalSpacing="xs">
            <Textarea
              label={t('fields.form.retentionRuleDe')}
              autosize
              minRows={2}
              maxRows={5}
              maxLength={500}
              value={draft.retentionRuleDe}
              onChange={(event) => set('retentionRuleDe', event.currentTarget.value, 'retentionRuleDe')}
              {...inputProps('retentionRuleDe')}
            />
            <Textarea
              label={t('fields.form.retentionRuleEn')}
              autosize
              minRows={2}
              maxRows={5}
              maxLength={500}
              value={draft.retentionRuleEn}
              onChange={(event) => set('retentionRuleEn', event.currentTarget.value, 'retentionRuleEn')}
              {...inputProps('retentionRuleEn')}
            />
          </SimpleGrid>
        </Stack>
        {nothingChanged && (
          <Alert color="gray" variant="light" p="xs" data-testid="field-form-unchanged">
            <Text size="sm">{t('fields.form.nothingChanged')}</Text>
          </Alert>
        )}
        {save.isError && <FieldFormError error={save.error} otherErrors={otherErrors} />}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onCancel} data-testid="field-form-cancel">
            {t('fields.form.cancel')}
          </Button>
          <Button type="submit" loading={save.isPending} data-testid="field-form-submit">
            {creating ? t('fields.form.create') : t('fields.form.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

/** Why the change was refused: invalid values (shown at their inputs), a taken key, a missing right. */
function FieldFormError({ error, otherErrors }: { error: Error; otherErrors: string[] }) {
  const { t } = useTranslation()
  const message = isProblem(error, 400)
    ? t('fields.form.invalidSummary')
    : isProblem(error, 409)
      ? t('fields.form.conflict')
      : isProblem(error, 403)
        ? t('fields.form.forbidden')
        : isProblem(error, 404)
          ? t('fields.form.notFound')
          : t('fields.form.failed')
  return <SubmitErrorAlert message={message} lines={otherErrors} testId="field-form-error" />
}
