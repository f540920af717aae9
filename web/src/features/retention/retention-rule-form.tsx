import {
  Alert,
  Button,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { SUBJECT_KINDS } from '../../../../src/privacy/subjects/subject-kinds'
import { isProblem } from '../../app/api'
import { SubmitErrorAlert } from '../../app/error-state'
import { currentLanguage } from '../../app/i18n'
import { problemLine, reasonText } from '../../app/problem-text'
import type { PurposeSummary } from '../subjects/contact-overview.api'
import {
  conditionsFor,
  createRetentionRule,
  invalidateRetentionRules,
  type PeriodUnit,
  PURPOSE_NARROWED_KINDS,
  RETENTION_RECORD_KINDS,
  type RetentionRule,
  type RetentionRuleInput,
  type RuleInput,
  ruleInputOf,
  splitPeriod,
  startEventsFor,
  updateRetentionRule,
} from './retention.api'
import { useRetentionLabels } from './retention-labels'

/** The select value for "no narrowing" and "a kind Tresor doesn't store" (a select can't hold null). */
const NONE = 'none'
const UNITS: readonly PeriodUnit[] = ['Y', 'M', 'W', 'D']

interface Draft {
  key: string
  nameDe: string
  nameEn: string
  recordKind: string | null
  purposeKey: string | null
  subjectKind: string | null
  condition: string | null
  /** Amount and unit, or the ISO text where the period mixes months and days. */
  amount: number | string
  unit: PeriodUnit
  iso: string | null
  startEvent: string
  ruleDe: string
  ruleEn: string
}

const draftOf = (rule: RetentionRule | null): Draft => {
  const split = rule ? splitPeriod(rule.period) : { amount: 1, unit: 'Y' as const }
  return {
    key: rule?.key ?? '',
    nameDe: rule?.name.de ?? '',
    nameEn: rule?.name.en ?? '',
    recordKind: rule ? rule.covers.recordKind : 'subject_note',
    purposeKey: rule?.covers.purposeKey ?? null,
    subjectKind: rule?.covers.subjectKind ?? null,
    condition: rule?.covers.condition ?? null,
    amount: split?.amount ?? '',
    unit: split?.unit ?? 'Y',
    iso: split ? null : (rule?.period ?? null),
    startEvent: rule?.startEvent ?? 'creation',
    ruleDe: rule?.rule.de ?? '',
    ruleEn: rule?.rule.en ?? '',
  }
}

const inputOf = (draft: Draft): RetentionRuleInput => ({
  name: { de: draft.nameDe.trim(), en: draft.nameEn.trim() },
  covers: {
    recordKind: draft.recordKind,
    purposeKey: draft.purposeKey,
    subjectKind: draft.subjectKind,
    condition: draft.condition,
  },
  period: draft.iso ?? `P${draft.amount === '' ? 0 : draft.amount}${draft.unit}`,
  startEvent: draft.startEvent,
  rule: { de: draft.ruleDe.trim(), en: draft.ruleEn.trim() },
})

const sameInput = (rule: RetentionRule, input: RetentionRuleInput) =>
  JSON.stringify({
    name: rule.name,
    covers: rule.covers,
    period: rule.period,
    startEvent: rule.startEvent,
    rule: rule.rule,
  }) === JSON.stringify(input)

/**
 * Edits a retention rule (or adds one of the DPO's own): names, the records it covers and their
 * narrowing, the standard period and its start event, the rule in words. A rule with a legal
 * minimum keeps its records and start event, and the server refuses a period below the minimum,
 * naming the law: every complaint is shown at the input it names.
 */
export function RetentionRuleForm({
  rule,
  purposes,
  onCancel,
  onSaved,
}: {
  rule: RetentionRule | null
  purposes: readonly PurposeSummary[]
  onCancel: () => void
  onSaved: (saved: RetentionRule) => void
}) {
  const { t } = useTranslation()
  const labels = useRetentionLabels()
  const language = currentLanguage()
  const queryClient = useQueryClient()
  const [draft, setDraft] = useState<Draft>(() => draftOf(rule))
  const [nothingChanged, setNothingChanged] = useState(false)
  const fixedBy = rule?.legalMinimum?.law

  const save = useMutation({
    mutationFn: (input: RetentionRuleInput) =>
      rule ? updateRetentionRule(rule.key, input) : createRetentionRule(draft.key.trim(), input),
    onSuccess: async (saved) => {
      await invalidateRetentionRules(queryClient)
      onSaved(saved)
    },
  })

  const errors: Partial<Record<RuleInput, string>> = {}
  const otherErrors: string[] = []
  if (isProblem(save.error, 400))
    for (const e of save.error.errors) {
      const input = ruleInputOf(e.field)
      if (input) errors[input] ??= t('deletionConcept.form.invalid', { reason: reasonText(t, e) })
      else otherErrors.push(problemLine(t, e))
    }

  const set = <K extends keyof Draft>(name: K, value: Draft[K]) => {
    setDraft((previous) => {
      const next = { ...previous, [name]: value }
      if (name === 'recordKind') {
        // Narrowing and start events the new kind doesn't have go.
        if (!next.recordKind || !PURPOSE_NARROWED_KINDS.includes(next.recordKind as never))
          next.purposeKey = null
        if (!next.recordKind) next.subjectKind = null
        if (next.condition && !conditionsFor(next.recordKind).includes(next.condition)) next.condition = null
        const events = startEventsFor(next.recordKind)
        if (!events.includes(next.startEvent)) next.startEvent = events[0] ?? 'creation'
      }
      return next
    })
    setNothingChanged(false)
  }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (save.isPending) return
    const input = inputOf(draft)
    const same = rule !== null && sameInput(rule, input)
    setNothingChanged(same)
    if (same) return
    save.reset()
    save.mutate(input)
  }

  const field = (input: RuleInput) => ({
    error: errors[input],
    errorProps: { 'data-testid': `retention-form-${input.replace('.', '-')}-error` },
    'data-testid': `retention-form-${input.replace('.', '-')}`,
  })
  const option = (value: string | null) => value ?? NONE
  const fromOption = (value: string | null) => (value === null || value === NONE ? null : value)
  const conditions = conditionsFor(draft.recordKind)
  const purposeNarrowed =
    draft.recordKind !== null && PURPOSE_NARROWED_KINDS.includes(draft.recordKind as never)

  return (
    <form onSubmit={submit} noValidate data-testid="retention-form">
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {t('deletionConcept.form.intro', { version: (rule?.version ?? 0) + 1 })}
        </Text>
        {!rule && (
          <TextInput
            label={t('deletionConcept.form.key')}
            description={t('deletionConcept.form.keyHint')}
            value={draft.key}
            onChange={(e) => set('key', e.currentTarget.value)}
            required
            {...field('key')}
          />
        )}
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label={t('deletionConcept.form.nameDe')}
            value={draft.nameDe}
            onChange={(e) => set('nameDe', e.currentTarget.value)}
            required
            {...field('name.de')}
          />
          <TextInput
            label={t('deletionConcept.form.nameEn')}
            value={draft.nameEn}
            onChange={(e) => set('nameEn', e.currentTarget.value)}
            required
            {...field('name.en')}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label={t('deletionConcept.form.recordKind')}
            description={fixedBy ? t('deletionConcept.form.recordKindFixed', { law: fixedBy }) : undefined}
            data={[
              ...RETENTION_RECORD_KINDS.map((k) => ({ value: k, label: labels.kind(k) })),
              { value: NONE, label: labels.kind(null) },
            ]}
            value={option(draft.recordKind)}
            onChange={(value) => set('recordKind', fromOption(value))}
            allowDeselect={false}
            disabled={fixedBy !== undefined}
            comboboxProps={{ withinPortal: true }}
            {...field('recordKind')}
          />
          {conditions.length > 0 && (
            <Select
              label={t('deletionConcept.form.condition')}
              data={[
                { value: NONE, label: t('deletionConcept.form.none') },
                ...conditions.map((c) => ({ value: c, label: labels.condition(c) })),
              ]}
              value={option(draft.condition)}
              onChange={(value) => set('condition', fromOption(value))}
              allowDeselect={false}
              comboboxProps={{ withinPortal: true }}
              {...field('condition')}
            />
          )}
          {purposeNarrowed && (
            <Select
              label={t('deletionConcept.form.purpose')}
              data={[
                { value: NONE, label: t('deletionConcept.form.none') },
                ...purposes.map((p) => ({ value: p.key, label: p.name[language] })),
                // A purpose the list lacks (or could not be read) is still shown, never dropped.
                ...(draft.purposeKey && !purposes.some((p) => p.key === draft.purposeKey)
                  ? [{ value: draft.purposeKey, label: draft.purposeKey }]
                  : []),
              ]}
              value={option(draft.purposeKey)}
              onChange={(value) => set('purposeKey', fromOption(value))}
              allowDeselect={false}
              searchable
              comboboxProps={{ withinPortal: true }}
              {...field('purposeKey')}
            />
          )}
          {draft.recordKind !== null && (
            <Select
              label={t('deletionConcept.form.subjectKind')}
              data={[
                { value: NONE, label: t('deletionConcept.form.none') },
                ...SUBJECT_KINDS.map((k) => ({ value: k, label: labels.subjectKind(k) })),
              ]}
              value={option(draft.subjectKind)}
              onChange={(value) => set('subjectKind', fromOption(value))}
              allowDeselect={false}
              comboboxProps={{ withinPortal: true }}
              {...field('subjectKind')}
            />
          )}
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {draft.iso !== null ? (
            <TextInput
              label={t('deletionConcept.form.periodIso')}
              value={draft.iso}
              onChange={(e) => set('iso', e.currentTarget.value.trim().toUpperCase())}
              required
              {...field('period')}
            />
          ) : (
            <Group gap="xs" align="flex-start" wrap="nowrap">
              <NumberInput
                label={t('deletionConcept.form.period')}
                value={draft.amount}
                onChange={(value) => set('amount', value)}
                min={1}
                allowDecimal={false}
                allowNegative={false}
                required
                style={{ flex: 1 }}
                {...field('period')}
              />
              <Select
                label={t('deletionConcept.form.unit')}
                data={UNITS.map((u) => ({ value: u, label: t(`deletionConcept.form.units.${u}`) }))}
                value={draft.unit}
                onChange={(value) => value && set('unit', value as PeriodUnit)}
                allowDeselect={false}
                comboboxProps={{ withinPortal: true }}
                w={130}
                data-testid="retention-form-unit"
              />
            </Group>
          )}
          <Select
            label={t('deletionConcept.form.startEvent')}
            description={fixedBy ? t('deletionConcept.form.startEventFixed', { law: fixedBy }) : undefined}
            data={startEventsFor(draft.recordKind).map((e) => ({ value: e, label: labels.startEvent(e) }))}
            value={draft.startEvent}
            onChange={(value) => value && set('startEvent', value)}
            allowDeselect={false}
            disabled={fixedBy !== undefined}
            comboboxProps={{ withinPortal: true }}
            {...field('startEvent')}
          />
        </SimpleGrid>
        {rule?.legalMinimum && (
          <Text size="sm" data-testid="retention-form-minimum">
            {t('deletionConcept.form.minimum', {
              period: labels.period(rule.legalMinimum.period),
              law: rule.legalMinimum.law,
            })}
          </Text>
        )}
        <Textarea
          label={t('deletionConcept.form.ruleDe')}
          value={draft.ruleDe}
          onChange={(e) => set('ruleDe', e.currentTarget.value)}
          autosize
          minRows={2}
          required
          {...field('rule.de')}
        />
        <Textarea
          label={t('deletionConcept.form.ruleEn')}
          value={draft.ruleEn}
          onChange={(e) => set('ruleEn', e.currentTarget.value)}
          autosize
          minRows={2}
          required
          {...field('rule.en')}
        />
        {nothingChanged && (
          <Alert color="gray" variant="light" p="xs" data-testid="retention-form-unchanged">
            <Text size="sm">{t('deletionConcept.form.nothingChanged')}</Text>
          </Alert>
        )}
        {save.isError && <FormError error={save.error} otherErrors={otherErrors} />}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onCancel} data-testid="retention-form-cancel">
            {t('deletionConcept.form.cancel')}
          </Button>
          <Button type="submit" loading={save.isPending} data-testid="retention-form-submit">
            {t('deletionConcept.form.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

/** Why the rule was refused: invalid values (shown at their inputs), a missing right, a gone rule, a taken key. */
function FormError({ error, otherErrors }: { error: Error; otherErrors: string[] }) {
  const { t } = useTranslation()
  const message = isProblem(error, 400)
    ? t('deletionConcept.form.invalidSummary')
    : isProblem(error, 403)
      ? t('deletionConcept.form.forbidden')
      : isProblem(error, 404)
        ? t('deletionConcept.form.notFound')
        : isProblem(error, 409)
          ? t('deletionConcept.form.conflict')
          : t('deletionConcept.form.failed')
  return <SubmitErrorAlert message={message} lines={otherErrors} testId="retention-form-error" />
}
