import { Alert, Button, Checkbox, Group, Select, SimpleGrid, Stack, Text } from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { SUPER_ROLE } from '../../../../src/modules/access/roles'
import { isProblem } from '../../app/api'
import { SubmitErrorAlert } from '../../app/error-state'
import { currentLanguage } from '../../app/i18n'
import { problemLine, reasonText } from '../../app/problem-text'
import { isConsentBased } from '../subjects/consent.api'
import { isOneOf, type PurposeScopeSummary, type PurposeSummary } from '../subjects/contact-overview.api'
import {
  FIELD_CATEGORIES,
  invalidatePurposes,
  REQUIRED_RECORDS,
  RESTRICTION_EXCEPTIONS,
  rolesQueryOptions,
  type ScopeInput,
  SUBJECT_KINDS,
  scopeInputOf,
  updatePurposeScope,
} from './privacy.api'
import { useScopeLabels } from './purpose-scope-labels'

/** The select value for "no required record" and "no Art. 18(2) ground" (a select can't hold null). */
const NONE = 'none'

type Errors = Partial<Record<ScopeInput, string>>

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((v) => b.includes(v))

/** In the order of `order` (the server's lists), values it doesn't know at the end: a stable diff and audit. */
const ordered = (values: readonly string[], order: readonly string[]) => {
  const rank = (v: string) => (order.includes(v) ? order.indexOf(v) : order.length)
  return [...values].sort((a, b) => rank(a) - rank(b))
}

const unchanged = (a: PurposeScopeSummary, b: PurposeScopeSummary) =>
  sameSet(a.roles, b.roles) &&
  sameSet(a.subjectKinds, b.subjectKinds) &&
  sameSet(a.fieldCategories, b.fieldCategories) &&
  a.requiresRecord === b.requiresRecord &&
  a.restrictionException === b.restrictionException

/**
 * Edits a purpose's scope: the roles that may act under it, the kinds of contacts it reaches, the
 * record they must have, the data categories it uses and its Art. 18(2) ground. Saves the whole
 * scope (PATCH, a new version, audited); the server's complaints are shown at the inputs they name.
 */
export function PurposeScopeForm({
  purpose,
  onCancel,
  onSaved,
}: {
  purpose: PurposeSummary
  onCancel: () => void
  onSaved: (saved: PurposeSummary) => void
}) {
  const { t } = useTranslation()
  const labels = useScopeLabels()
  const queryClient = useQueryClient()
  const roles = useQuery(rolesQueryOptions())
  const [draft, setDraft] = useState<PurposeScopeSummary>(() => ({ ...purpose.scope }))
  const [nothingChanged, setNothingChanged] = useState(false)

  const save = useMutation({
    mutationFn: (scope: PurposeScopeSummary) => updatePurposeScope(purpose.key, scope),
    onSuccess: async (saved) => {
      await invalidatePurposes(queryClient)
      onSaved(saved)
    },
  })

  const errors: Errors = {}
  const otherErrors: string[] = []
  if (isProblem(save.error, 400))
    for (const e of save.error.errors) {
      const input = scopeInputOf(e.field)
      if (input) errors[input] ??= t('privacy.registry.form.invalid', { reason: reasonText(t, e) })
      else otherErrors.push(problemLine(t, e))
    }

  const set = <K extends keyof PurposeScopeSummary>(name: K, value: PurposeScopeSummary[K]) => {
    setDraft((previous) => ({ ...previous, [name]: value }))
    setNothingChanged(false)
  }

  // Every role there is except admin, which may act under every purpose anyway; a stored role the
  // list lacks (or the list could not be read) is still shown, never silently dropped.
  const roleNames = (roles.data ?? []).map((r) => r.name).filter((name) => name !== SUPER_ROLE)
  for (const name of purpose.scope.roles) if (!roleNames.includes(name)) roleNames.push(name)
  const kinds = [...SUBJECT_KINDS, ...purpose.scope.subjectKinds.filter((k) => !isOneOf(SUBJECT_KINDS, k))]
  const categories = [
    ...FIELD_CATEGORIES,
    ...purpose.scope.fieldCategories.filter((c) => !isOneOf(FIELD_CATEGORIES, c)),
  ]
  const consentBased = isConsentBased(purpose)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (save.isPending) return
    const scope: PurposeScopeSummary = {
      roles: ordered(draft.roles, roleNames),
      subjectKinds: ordered(draft.subjectKinds, kinds),
      requiresRecord: draft.requiresRecord,
      fieldCategories: ordered(draft.fieldCategories, categories),
      restrictionException: draft.restrictionException,
    }
    const same = unchanged(scope, purpose.scope)
    setNothingChanged(same)
    if (same) return
    save.reset()
    save.mutate(scope)
  }

  const groupProps = (input: ScopeInput) => ({
    error: errors[input],
    wrapperProps: { 'data-testid': `purpose-scope-${input}` },
    errorProps: { 'data-testid': `purpose-scope-${input}-error` },
  })
  const restriction = labels.restriction(draft.restrictionException)

  return (
    <form
      onSubmit={submit}
      noValidate
      data-testid="purpose-scope-form"
      aria-label={t('privacy.registry.form.title', { purpose: purpose.name[currentLanguage()] })}
    >
      <Stack gap="lg">
        <Text size="sm" c="dimmed">
          {t('privacy.registry.form.intro', { version: purpose.version + 1 })}
        </Text>
        <Checkbox.Group
          label={t('privacy.registry.form.roles')}
          description={t('privacy.registry.form.rolesHint')}
          value={draft.roles}
          onChange={(value) => set('roles', value)}
          {...groupProps('roles')}
        >
          <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="xs" verticalSpacing="xs" mt="xs">
            {roleNames.map((name) => (
              <Checkbox
                key={name}
                value={name}
                label={labels.role(name)}
                data-testid={`purpose-scope-role-${name}`}
              />
            ))}
          </SimpleGrid>
          {roles.isError && (
            <Text size="xs" c="red" mt={4}>
              {t('privacy.registry.form.rolesFailed')}
            </Text>
          )}
        </Checkbox.Group>
        <Checkbox.Group
          label={t('privacy.registry.form.subjectKinds')}
          description={t('privacy.registry.form.subjectKindsHint')}
          value={draft.subjectKinds}
          onChange={(value) => set('subjectKinds', value)}
          {...groupProps('subjectKinds')}
        >
          <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="xs" verticalSpacing="xs" mt="xs">
            {kinds.map((kind) => (
              <Checkbox
                key={kind}
                value={kind}
                label={labels.kind(kind)}
                data-testid={`purpose-scope-kind-${kind}`}
              />
            ))}
          </SimpleGrid>
        </Checkbox.Group>
        <Checkbox.Group
          label={t('privacy.registry.form.fieldCategories')}
          description={t('privacy.registry.form.fieldCategoriesHint')}
          value={draft.fieldCategories}
          onChange={(value) => set('fieldCategories', value)}
          {...groupProps('fieldCategories')}
        >
          <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="xs" verticalSpacing="xs" mt="xs">
            {categories.map((category) => (
              <Checkbox
                key={category}
                value={category}
                label={labels.category(category)}
                data-testid={`purpose-scope-category-${category}`}
              />
            ))}
          </SimpleGrid>
        </Checkbox.Group>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md" verticalSpacing="md">
          <Select
            label={t('privacy.registry.form.requiresRecord')}
            description={t('privacy.registry.form.requiresRecordHint')}
            data={[
              { value: NONE, label: t('privacy.registry.form.records.none') },
              ...REQUIRED_RECORDS.map((r) => ({ value: r, label: t(`privacy.registry.form.records.${r}`) })),
            ]}
            value={draft.requiresRecord ?? NONE}
            onChange={(value) => set('requiresRecord', value === NONE || value === null ? null : value)}
            allowDeselect={false}
            // The hint below the box, so the two boxes line up whatever the length of their hints.
            inputWrapperOrder={['label', 'input', 'description', 'error']}
            comboboxProps={{ withinPortal: true }}
            error={errors.requiresRecord}
            errorProps={{ 'data-testid': 'purpose-scope-requiresRecord-error' }}
            data-testid="purpose-scope-requiresRecord"
          />
          <Select
            label={t('privacy.registry.form.restriction')}
            description={restriction.hint}
            data={[
              { value: NONE, label: labels.restriction(null).label },
              ...RESTRICTION_EXCEPTIONS.map((r) => ({
                value: r,
                label:
                  r === 'consent' && !consentBased
                    ? `${labels.restriction(r).label} – ${t('privacy.registry.form.restrictionConsentOnly')}`
                    : labels.restriction(r).label,
                // Art. 18(2): "with the data subject's consent" only where the purpose rests on consent.
                disabled: r === 'consent' && !consentBased && draft.restrictionException !== r,
              })),
            ]}
            value={draft.restrictionException ?? NONE}
            onChange={(value) => set('restrictionException', value === NONE || value === null ? null : value)}
            allowDeselect={false}
            // The hint below the box, so the two boxes line up whatever the length of their hints.
            inputWrapperOrder={['label', 'input', 'description', 'error']}
            comboboxProps={{ withinPortal: true }}
            error={errors.restrictionException}
            errorProps={{ 'data-testid': 'purpose-scope-restrictionException-error' }}
            data-testid="purpose-scope-restrictionException"
          />
        </SimpleGrid>
        {nothingChanged && (
          <Alert color="gray" variant="light" p="xs" data-testid="purpose-scope-unchanged">
            <Text size="sm">{t('privacy.registry.form.nothingChanged')}</Text>
          </Alert>
        )}
        {save.isError && <ScopeFormError error={save.error} otherErrors={otherErrors} />}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onCancel} data-testid="purpose-scope-cancel">
            {t('privacy.registry.form.cancel')}
          </Button>
          <Button type="submit" loading={save.isPending} data-testid="purpose-scope-submit">
            {t('privacy.registry.form.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

/** Why the change was refused: invalid values (shown at their inputs), a missing right, a gone purpose. */
function ScopeFormError({ error, otherErrors }: { error: Error; otherErrors: string[] }) {
  const { t } = useTranslation()
  const message = isProblem(error, 400)
    ? t('privacy.registry.form.invalidSummary')
    : isProblem(error, 403)
      ? t('privacy.registry.form.forbidden')
      : isProblem(error, 404)
        ? t('privacy.registry.form.notFound')
        : t('privacy.registry.form.failed')
  return <SubmitErrorAlert message={message} lines={otherErrors} testId="purpose-scope-error" />
}
