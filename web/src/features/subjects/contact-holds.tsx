import {
  Badge,
  Button,
  Center,
  Group,
  Loader,
  Modal,
  MultiSelect,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { SubmitErrorAlert } from '../../app/error-state'
import { reasonText } from '../../app/problem-text'
import type { ContactFormat } from './contact-format'
import {
  addHold,
  HOLD_GROUNDS,
  HOLDABLE_CATEGORIES,
  HOLDABLE_RECORD_KINDS,
  type Hold,
  holdKeys,
  liftHold,
  subjectHoldsQueryOptions,
} from './contact-holds.api'
import { contactKeys, isOneOf } from './contact-overview.api'
import { SectionCard } from './contact-section'

/**
 * Legal holds (Art. 17(3)) for the DPO: what the law keeps of this person through an erasure —
 * derived from the data (invoices, unpaid invoices, § 7a UWG phone-consent proof) and entered by the
 * DPO (a claim, a dispute, an authority's request) — each with why, until when and what it keeps;
 * entering and lifting the DPO's own. Shown to roles with `holds:manage`.
 */
export function HoldsCard({ subjectId, format }: { subjectId: string; format: ContactFormat }) {
  const { t } = useTranslation()
  const query = useQuery(subjectHoldsQueryOptions(subjectId))
  const [adding, setAdding] = useState(false)
  const holds = query.data?.holds ?? []
  return (
    <SectionCard
      title={t('holds.card.title')}
      testId="contact-holds"
      action={
        query.data && !query.data.erased ? (
          <Button size="xs" variant="light" onClick={() => setAdding(true)} data-testid="holds-add">
            {t('holds.card.add')}
          </Button>
        ) : undefined
      }
    >
      {query.isPending ? (
        <Center py="sm">
          <Loader size="sm" aria-label={t('common.loading')} />
        </Center>
      ) : query.isError ? (
        <Text size="sm" c="red" data-testid="holds-error">
          {t('holds.card.error')}
        </Text>
      ) : holds.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="holds-none">
          {t('holds.card.none')}
        </Text>
      ) : (
        <Stack gap="sm">
          {holds.map((hold) => (
            <HoldItem key={hold.id} hold={hold} subjectId={subjectId} format={format} />
          ))}
        </Stack>
      )}
      <AddHoldModal subjectId={subjectId} opened={adding} onClose={() => setAdding(false)} />
    </SectionCard>
  )
}

function HoldItem({ hold, subjectId, format }: { hold: Hold; subjectId: string; format: ContactFormat }) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const german = format.language.startsWith('de')
  const lift = useMutation({
    mutationFn: () => liftHold(subjectId, hold.id),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: holdKeys.of(subjectId) })
      void queryClient.invalidateQueries({ queryKey: contactKeys.overviewOf(subjectId) })
    },
  })
  const until = hold.until
    ? t('holds.until.date', { date: format.date(hold.until) })
    : hold.untilEvent === 'paid'
      ? t('holds.until.paid')
      : t('holds.until.lifted')
  const kept = [
    ...hold.categories.map((c) => (isOneOf(HOLDABLE_CATEGORIES, c) ? t(`contact.categories.${c}`) : c)),
    ...hold.records.map((r) =>
      isOneOf(HOLDABLE_RECORD_KINDS, r.kind) ? t(`holds.kinds.${r.kind}`) : r.kind,
    ),
    ...(hold.consentProof ? [t('holds.consentProof')] : []),
  ]
  return (
    <Stack
      gap={2}
      data-testid="hold"
      data-source={hold.source}
      data-in-force={hold.inForce}
      style={{ opacity: hold.inForce ? 1 : 0.6 }}
    >
      <Group gap="xs" justify="space-between" wrap="nowrap">
        <Group gap="xs">
          <Badge size="sm" variant="light" color={hold.source === 'entered' ? 'grape' : 'blue'}>
            {t(`holds.sources.${hold.source}`)}
          </Badge>
          {!hold.inForce && (
            <Badge size="sm" variant="outline" color="gray">
              {t('holds.ended')}
            </Badge>
          )}
        </Group>
        {hold.source === 'entered' && hold.inForce && (
          <Button
            size="compact-xs"
            variant="subtle"
            color="red"
            loading={lift.isPending}
            onClick={() => lift.mutate()}
            data-testid="hold-lift"
          >
            {t('holds.lift')}
          </Button>
        )}
      </Group>
      <Text size="sm">{german ? hold.reason.de : hold.reason.en}</Text>
      <Text size="xs" c="dimmed">
        {t('holds.line', { until, law: hold.law, purpose: format.purpose(hold.purpose) })}
      </Text>
      {kept.length > 0 && (
        <Text size="xs" c="dimmed" data-testid="hold-keeps">
          {t('holds.keeps', { what: kept.join(', ') })}
        </Text>
      )}
      {lift.isError && (
        <Text size="xs" c="red">
          {t('holds.liftError')}
        </Text>
      )}
    </Stack>
  )
}

function AddHoldModal({
  subjectId,
  opened,
  onClose,
}: {
  subjectId: string
  opened: boolean
  onClose: () => void
}) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const [ground, setGround] = useState<(typeof HOLD_GROUNDS)[number]>('legal_claims')
  const [reason, setReason] = useState('')
  const [categories, setCategories] = useState<string[]>(['identity', 'address'])
  const [kinds, setKinds] = useState<string[]>([])
  const [until, setUntil] = useState('')
  const [reasonError, setReasonError] = useState<string | undefined>(undefined)
  const save = useMutation({
    mutationFn: () =>
      addHold(subjectId, {
        ground,
        reason: reason.trim(),
        fieldCategories: categories,
        recordKinds: kinds,
        until: until ? new Date(`${until}T23:59:59`).toISOString() : null,
      }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: holdKeys.of(subjectId) })
      setReason('')
      setUntil('')
      onClose()
    },
  })
  const fieldError = (field: string) => {
    const error = isProblem(save.error) ? save.error.errors?.find((e) => e.field === field) : undefined
    return error && reasonText(t, error)
  }
  const submit = (event: FormEvent) => {
    event.preventDefault()
    const text = reason.trim()
    if (text.length < 10 || text.length > 500) {
      setReasonError(t('holds.form.reasonLength'))
      return
    }
    setReasonError(undefined)
    save.mutate()
  }
  return (
    <Modal opened={opened} onClose={onClose} title={t('holds.form.title')} size="lg">
      <form onSubmit={submit} data-testid="hold-form" noValidate>
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            {t('holds.form.intro')}
          </Text>
          <Select
            label={t('holds.form.ground')}
            data={HOLD_GROUNDS.map((g) => ({ value: g, label: t(`holds.grounds.${g}`) }))}
            value={ground}
            allowDeselect={false}
            onChange={(value) => value && isOneOf(HOLD_GROUNDS, value) && setGround(value)}
            data-testid="hold-ground"
          />
          <Textarea
            label={t('holds.form.reason')}
            description={t('holds.form.reasonHint')}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={reasonError ?? fieldError('reason')}
            autosize
            minRows={2}
            required
            data-testid="hold-reason"
          />
          <MultiSelect
            label={t('holds.form.categories')}
            data={HOLDABLE_CATEGORIES.map((c) => ({ value: c, label: t(`contact.categories.${c}`) }))}
            value={categories}
            onChange={setCategories}
            error={fieldError('fieldCategories')}
            data-testid="hold-categories"
          />
          <MultiSelect
            label={t('holds.form.kinds')}
            data={HOLDABLE_RECORD_KINDS.map((k) => ({ value: k, label: t(`holds.kinds.${k}`) }))}
            value={kinds}
            onChange={setKinds}
            error={fieldError('recordKinds')}
            data-testid="hold-kinds"
          />
          <TextInput
            type="date"
            label={t('holds.form.until')}
            description={t('holds.form.untilHint')}
            value={until}
            onChange={(e) => setUntil(e.currentTarget.value)}
            error={fieldError('until')}
            maw={220}
            data-testid="hold-until"
          />
          {save.isError && !fieldError('reason') && (
            <SubmitErrorAlert message={t('holds.form.error')} lines={[]} testId="hold-error" />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('holds.form.cancel')}
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="hold-save">
              {t('holds.form.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  )
}
