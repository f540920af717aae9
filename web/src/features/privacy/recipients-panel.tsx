import {
  Alert,
  Badge,
  Button,
  Center,
  Code,
  Group,
  List,
  Loader,
  Modal,
  MultiSelect,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { ErrorState } from '../../app/error-state'
import { currentLanguage } from '../../app/i18n'
import { problemLine, reasonText } from '../../app/problem-text'
import { isOneOf, purposesQueryOptions } from '../subjects/contact-overview.api'
import { FIELD_CATEGORIES } from './privacy.api'
import { useScopeLabels } from './purpose-scope-labels'
import {
  ART49_POINTS,
  adequacyQueryOptions,
  createRecipient,
  deliveriesQueryOptions,
  invalidateRecipients,
  RECIPIENT_ROLES,
  type RecipientInput,
  type RecipientSummary,
  recipientsQueryOptions,
  retireRecipient,
  setWebhookActive,
  subscribeRecipient,
  TRANSFER_MECHANISMS,
  updateRecipient,
  WEBHOOK_EVENTS,
  webhooksQueryOptions,
} from './recipients.api'

/** A country's name in the UI language (ISO 3166-1 alpha-2 → "Vereinigte Staaten"). */
function useCountryName(): (code: string) => string {
  const names = new Intl.DisplayNames([currentLanguage()], { type: 'region', fallback: 'code' })
  return (code) => names.of(code) ?? code
}

/**
 * Recipients and transfers (Art. 28, 44-49): every recipient with its country, transfer mechanism,
 * what it receives, and today's verdict of the transfer check — the one every export to it and every
 * webhook delivery goes through; the adequacy decisions the check relies on; webhook subscriptions
 * and their deliveries. `recipients:manage` (the DPO) adds, changes, retires and subscribes.
 */
export function RecipientsPanel({ manage }: { manage: boolean }) {
  const { t } = useTranslation()
  const recipients = useQuery(recipientsQueryOptions())
  const [editing, setEditing] = useState<RecipientSummary | 'new' | null>(null)
  const [subscribing, setSubscribing] = useState<RecipientSummary | null>(null)
  const queryClient = useQueryClient()
  const retire = useMutation({
    mutationFn: (id: string) => retireRecipient(id),
    onSuccess: () => invalidateRecipients(queryClient),
  })

  if (recipients.isPending)
    return (
      <Center py="xl">
        <Loader size="sm" aria-label={t('common.loading')} />
      </Center>
    )
  if (recipients.isError)
    return (
      <ErrorState
        title={t('privacy.recipients.error')}
        error={recipients.error}
        onRetry={() => void recipients.refetch()}
        testId="recipients-error"
      />
    )
  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed" maw={760}>
        {t('privacy.recipients.intro')}
      </Text>
      {manage && (
        <Group>
          <Button onClick={() => setEditing('new')} data-testid="recipient-add">
            {t('privacy.recipients.add')}
          </Button>
        </Group>
      )}
      <RecipientsTable
        recipients={recipients.data}
        onEdit={manage ? setEditing : undefined}
        onRetire={manage ? (r) => retire.mutate(r.id) : undefined}
        onSubscribe={manage ? setSubscribing : undefined}
      />
      {manage && <WebhooksSection recipients={recipients.data} />}
      <AdequacySection />
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' ? t('privacy.recipients.add') : t('privacy.recipients.edit')}
        size="xl"
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        {editing !== null && (
          <RecipientForm
            recipient={editing === 'new' ? undefined : editing}
            onDone={() => setEditing(null)}
          />
        )}
      </Modal>
      <Modal
        opened={subscribing !== null}
        onClose={() => setSubscribing(null)}
        title={t('privacy.recipients.webhooks.subscribe')}
        size="lg"
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        {subscribing && <SubscribeForm recipient={subscribing} />}
      </Modal>
    </Stack>
  )
}

function RecipientsTable({
  recipients,
  onEdit,
  onRetire,
  onSubscribe,
}: {
  recipients: RecipientSummary[]
  onEdit: ((r: RecipientSummary) => void) | undefined
  onRetire: ((r: RecipientSummary) => void) | undefined
  onSubscribe: ((r: RecipientSummary) => void) | undefined
}) {
  const { t } = useTranslation()
  const country = useCountryName()
  const labels = useScopeLabels()
  if (recipients.length === 0)
    return (
      <Text size="sm" c="dimmed" data-testid="recipients-empty">
        {t('privacy.recipients.empty')}
      </Text>
    )
  return (
    <Table.ScrollContainer minWidth={1000}>
      <Table verticalSpacing="sm" striped data-testid="recipients-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('privacy.recipients.columns.name')}</Table.Th>
            <Table.Th>{t('privacy.recipients.columns.country')}</Table.Th>
            <Table.Th>{t('privacy.recipients.columns.mechanism')}</Table.Th>
            <Table.Th>{t('privacy.recipients.columns.receives')}</Table.Th>
            <Table.Th>{t('privacy.recipients.columns.transfer')}</Table.Th>
            {onEdit && <Table.Th>{t('privacy.recipients.columns.actions')}</Table.Th>}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {recipients.map((r) => (
            <Table.Tr key={r.id} data-testid="recipient-row" data-id={r.id} data-lawful={r.verdict.lawful}>
              <Table.Td>
                <Text size="sm" fw={500}>
                  {r.name}
                </Text>
                <Text size="xs" c="dimmed">
                  {isOneOf(RECIPIENT_ROLES, r.role) ? t(`privacy.recipients.roles.${r.role}`) : r.role}
                  {r.contractDate
                    ? ` · ${t('privacy.recipients.contractSince', { date: r.contractDate })}`
                    : ''}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{country(r.country)}</Text>
                {r.verdict.thirdCountry && (
                  <Badge size="xs" variant="outline" color="orange">
                    {t('privacy.recipients.thirdCountry')}
                  </Badge>
                )}
              </Table.Td>
              <Table.Td>
                <Text size="sm">
                  {isOneOf(TRANSFER_MECHANISMS, r.mechanism)
                    ? t(`privacy.recipients.mechanisms.${r.mechanism}`)
                    : r.mechanism}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="xs">{r.purposes.join(', ') || '–'}</Text>
                <Text size="xs" c="dimmed">
                  {r.fieldCategories.map(labels.category).join(', ') || '–'}
                </Text>
              </Table.Td>
              <Table.Td data-testid="recipient-verdict">
                {r.verdict.lawful ? (
                  <Stack gap={2}>
                    <Badge color="green" variant="light">
                      {t('privacy.recipients.lawful')}
                    </Badge>
                    <Text size="xs" c="dimmed">
                      {r.verdict.basis}
                    </Text>
                  </Stack>
                ) : (
                  <Stack gap={2}>
                    <Badge color="red" variant="light">
                      {r.retiredAt ? t('privacy.recipients.retired') : t('privacy.recipients.refused')}
                    </Badge>
                    <List size="xs">
                      {r.verdict.missing.map((m) => (
                        <List.Item key={m.field}>{m.reason}</List.Item>
                      ))}
                    </List>
                  </Stack>
                )}
              </Table.Td>
              {onEdit && (
                <Table.Td>
                  {!r.retiredAt && (
                    <Group gap={4}>
                      <Button
                        size="xs"
                        variant="light"
                        onClick={() => onEdit(r)}
                        data-testid="recipient-edit"
                      >
                        {t('privacy.recipients.editShort')}
                      </Button>
                      <Button size="xs" variant="subtle" onClick={() => onSubscribe?.(r)}>
                        {t('privacy.recipients.webhooks.subscribe')}
                      </Button>
                      <Button size="xs" variant="subtle" color="red" onClick={() => onRetire?.(r)}>
                        {t('privacy.recipients.retire')}
                      </Button>
                    </Group>
                  )}
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  )
}

const EMPTY: RecipientInput = {
  name: '',
  role: 'processor',
  country: '',
  contractDate: null,
  mechanism: 'eea',
  dpfCertifiedOn: null,
  sccModule: null,
  sccDate: null,
  bcrReference: null,
  derogation: null,
  purposes: [],
  fieldCategories: [],
  note: null,
}

function RecipientForm({
  recipient,
  onDone,
}: {
  recipient: RecipientSummary | undefined
  onDone: () => void
}) {
  const { t } = useTranslation()
  const language = currentLanguage()
  const labels = useScopeLabels()
  const purposes = useQuery(purposesQueryOptions())
  const queryClient = useQueryClient()
  // Only the editable properties: the API refuses any other (createdAt, verdict, …).
  const [input, setInput] = useState<RecipientInput>(() =>
    recipient
      ? (Object.fromEntries(
          (Object.keys(EMPTY) as (keyof RecipientInput)[]).map((key) => [key, recipient[key]]),
        ) as unknown as RecipientInput)
      : EMPTY,
  )
  const set = <K extends keyof RecipientInput>(key: K, value: RecipientInput[K]) =>
    setInput((current) => ({ ...current, [key]: value }))
  const save = useMutation({
    mutationFn: () => (recipient ? updateRecipient(recipient.id, input) : createRecipient(input)),
    onSuccess: async () => {
      await invalidateRecipients(queryClient)
      onDone()
    },
  })
  const errorOf = (field: string) => {
    const error = isProblem(save.error, 400) ? save.error.errors.find((e) => e.field === field) : undefined
    return error && reasonText(t, error)
  }
  const date = (value: string) => (value === '' ? null : value)
  const submit = (event: FormEvent) => {
    event.preventDefault()
    save.mutate()
  }
  return (
    <form onSubmit={submit} data-testid="recipient-form">
      <Stack gap="sm">
        <TextInput
          label={t('privacy.recipients.form.name')}
          value={input.name}
          onChange={(e) => set('name', e.currentTarget.value)}
          error={errorOf('name')}
          required
        />
        <Group grow>
          <Select
            label={t('privacy.recipients.form.role')}
            data={RECIPIENT_ROLES.map((r) => ({ value: r, label: t(`privacy.recipients.roles.${r}`) }))}
            value={input.role}
            onChange={(v) => v && set('role', v)}
            allowDeselect={false}
          />
          <TextInput
            label={t('privacy.recipients.form.country')}
            description={t('privacy.recipients.form.countryHint')}
            value={input.country}
            maxLength={2}
            onChange={(e) => set('country', e.currentTarget.value.toUpperCase())}
            error={errorOf('country')}
            required
          />
          <TextInput
            type="date"
            label={t('privacy.recipients.form.contractDate')}
            value={input.contractDate ?? ''}
            onChange={(e) => set('contractDate', date(e.currentTarget.value))}
            error={errorOf('contractDate')}
          />
        </Group>
        <Select
          label={t('privacy.recipients.form.mechanism')}
          data={TRANSFER_MECHANISMS.map((m) => ({
            value: m,
            label: t(`privacy.recipients.mechanisms.${m}`),
          }))}
          value={input.mechanism}
          onChange={(v) => v && set('mechanism', v)}
          allowDeselect={false}
        />
        {input.mechanism === 'adequacy' && (
          <TextInput
            type="date"
            label={t('privacy.recipients.form.dpfCertifiedOn')}
            description={t('privacy.recipients.form.dpfHint')}
            value={input.dpfCertifiedOn ?? ''}
            onChange={(e) => set('dpfCertifiedOn', date(e.currentTarget.value))}
            error={errorOf('dpfCertifiedOn')}
          />
        )}
        {input.mechanism === 'scc' && (
          <Group grow>
            <Select
              label={t('privacy.recipients.form.sccModule')}
              data={(['1', '2', '3', '4'] as const).map((m) => ({
                value: m,
                label: t(`privacy.recipients.sccModules.${m}`),
              }))}
              value={input.sccModule === null ? null : String(input.sccModule)}
              onChange={(v) => set('sccModule', v === null ? null : Number(v))}
            />
            <TextInput
              type="date"
              label={t('privacy.recipients.form.sccDate')}
              value={input.sccDate ?? ''}
              onChange={(e) => set('sccDate', date(e.currentTarget.value))}
              error={errorOf('sccDate')}
            />
          </Group>
        )}
        {input.mechanism === 'bcr' && (
          <TextInput
            label={t('privacy.recipients.form.bcrReference')}
            value={input.bcrReference ?? ''}
            onChange={(e) => set('bcrReference', e.currentTarget.value || null)}
          />
        )}
        {input.mechanism === 'derogation_49' && (
          <Group grow align="flex-start">
            <Select
              label={t('privacy.recipients.form.derogationPoint')}
              data={ART49_POINTS.map((p) => ({ value: p, label: t(`privacy.recipients.art49.${p}`) }))}
              value={input.derogation?.point ?? null}
              onChange={(v) =>
                set('derogation', v ? { point: v, reason: input.derogation?.reason ?? '' } : null)
              }
            />
            <Textarea
              label={t('privacy.recipients.form.derogationReason')}
              value={input.derogation?.reason ?? ''}
              onChange={(e) =>
                set('derogation', { point: input.derogation?.point ?? 'b', reason: e.currentTarget.value })
              }
            />
          </Group>
        )}
        <MultiSelect
          label={t('privacy.recipients.form.purposes')}
          data-testid="recipient-purposes"
          searchable
          data={(purposes.data ?? []).map((p) => ({ value: p.key, label: p.name[language] }))}
          value={input.purposes}
          onChange={(v) => set('purposes', v)}
          error={errorOf('purposes')}
        />
        <MultiSelect
          label={t('privacy.recipients.form.categories')}
          data-testid="recipient-categories"
          searchable
          data={FIELD_CATEGORIES.map((c) => ({ value: c, label: labels.category(c) }))}
          value={input.fieldCategories}
          onChange={(v) => set('fieldCategories', v)}
        />
        <Textarea
          label={t('privacy.recipients.form.note')}
          value={input.note ?? ''}
          onChange={(e) => set('note', e.currentTarget.value || null)}
        />
        {save.isError && (
          <Alert color="red" variant="light" data-testid="recipient-form-error">
            {isProblem(save.error)
              ? save.error.errors.map((e) => problemLine(t, e)).join(' · ') || save.error.message
              : t('common.error.body')}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            {t('privacy.recipients.cancel')}
          </Button>
          <Button type="submit" loading={save.isPending} data-testid="recipient-save">
            {t('privacy.recipients.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

function SubscribeForm({ recipient }: { recipient: RecipientSummary }) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const [url, setUrl] = useState('')
  const [events, setEvents] = useState<string[]>(['subject.changed', 'subject.erased'])
  const [purpose, setPurpose] = useState<string | null>(recipient.purposes[0] ?? null)
  const subscribe = useMutation({
    mutationFn: () => subscribeRecipient(recipient.id, { url, events, purpose: purpose ?? '' }),
    onSuccess: () => invalidateRecipients(queryClient),
  })
  if (subscribe.data)
    return (
      <Stack gap="sm" data-testid="webhook-secret">
        <Text size="sm">{t('privacy.recipients.webhooks.secretOnce')}</Text>
        <Code block>{subscribe.data.secret}</Code>
      </Stack>
    )
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault()
        subscribe.mutate()
      }}
    >
      <Stack gap="sm">
        <TextInput
          label={t('privacy.recipients.webhooks.url')}
          value={url}
          onChange={(e) => setUrl(e.currentTarget.value)}
          placeholder="https://"
          required
        />
        <MultiSelect
          label={t('privacy.recipients.webhooks.events')}
          data={WEBHOOK_EVENTS.map((e) => ({ value: e, label: t(`privacy.recipients.events.${e}`) }))}
          value={events}
          onChange={setEvents}
        />
        <Select
          label={t('privacy.recipients.webhooks.purpose')}
          data={recipient.purposes}
          value={purpose}
          onChange={setPurpose}
        />
        {subscribe.isError && (
          <Alert color="red" variant="light">
            {isProblem(subscribe.error)
              ? subscribe.error.errors.map((e) => problemLine(t, e)).join(' · ') || subscribe.error.message
              : String(subscribe.error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={subscribe.isPending}>
            {t('privacy.recipients.webhooks.subscribe')}
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

function WebhooksSection({ recipients }: { recipients: RecipientSummary[] }) {
  const { t } = useTranslation()
  const webhooks = useQuery(webhooksQueryOptions())
  const queryClient = useQueryClient()
  const [open, setOpen] = useState<string | null>(null)
  const toggle = useMutation({
    mutationFn: ({ id, active }: { id: string; active: boolean }) => setWebhookActive(id, active),
    onSuccess: () => invalidateRecipients(queryClient),
  })
  const nameOf = (id: string) => recipients.find((r) => r.id === id)?.name ?? id
  if (!webhooks.data || webhooks.data.length === 0) return null
  return (
    <Stack gap="xs">
      <Title order={3} size="h4">
        {t('privacy.recipients.webhooks.title')}
      </Title>
      <Table verticalSpacing="xs" data-testid="webhooks-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('privacy.recipients.columns.name')}</Table.Th>
            <Table.Th>{t('privacy.recipients.webhooks.url')}</Table.Th>
            <Table.Th>{t('privacy.recipients.webhooks.events')}</Table.Th>
            <Table.Th>{t('privacy.recipients.columns.actions')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {webhooks.data.map((w) => (
            <Table.Tr key={w.id} data-testid="webhook-row">
              <Table.Td>{nameOf(w.recipientId)}</Table.Td>
              <Table.Td>
                <Text size="xs" ff="monospace">
                  {w.url}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="xs">{w.events.join(', ')}</Text>
              </Table.Td>
              <Table.Td>
                <Group gap={4}>
                  <Button size="xs" variant="light" onClick={() => setOpen(open === w.id ? null : w.id)}>
                    {t('privacy.recipients.webhooks.deliveries')}
                  </Button>
                  <Button
                    size="xs"
                    variant="subtle"
                    color={w.active ? 'red' : 'green'}
                    onClick={() => toggle.mutate({ id: w.id, active: !w.active })}
                  >
                    {w.active
                      ? t('privacy.recipients.webhooks.end')
                      : t('privacy.recipients.webhooks.resume')}
                  </Button>
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {open && <DeliveriesTable subscriptionId={open} />}
    </Stack>
  )
}

const STATUS_COLOUR: Record<string, string> = {
  delivered: 'green',
  pending: 'blue',
  failed: 'red',
  refused: 'red',
  cancelled: 'gray',
}

function DeliveriesTable({ subscriptionId }: { subscriptionId: string }) {
  const { t } = useTranslation()
  const deliveries = useQuery(deliveriesQueryOptions(subscriptionId))
  if (deliveries.isPending) return <Loader size="sm" aria-label={t('common.loading')} />
  if (deliveries.isError) return <ErrorState title={t('privacy.recipients.error')} error={deliveries.error} />
  if (deliveries.data.length === 0)
    return (
      <Text size="sm" c="dimmed">
        {t('privacy.recipients.webhooks.noDeliveries')}
      </Text>
    )
  return (
    <Table verticalSpacing="xs" striped data-testid="deliveries-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('privacy.recipients.webhooks.occurredAt')}</Table.Th>
          <Table.Th>{t('privacy.recipients.webhooks.event')}</Table.Th>
          <Table.Th>{t('privacy.recipients.webhooks.status')}</Table.Th>
          <Table.Th>{t('privacy.recipients.webhooks.attempts')}</Table.Th>
          <Table.Th>{t('privacy.recipients.webhooks.lastError')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {deliveries.data.map((d) => (
          <Table.Tr key={d.id} data-testid="delivery-row" data-status={d.status}>
            <Table.Td>
              <Text size="xs">{new Date(d.occurredAt).toLocaleString(currentLanguage())}</Text>
            </Table.Td>
            <Table.Td>
              <Text size="xs">{d.event}</Text>
            </Table.Td>
            <Table.Td>
              <Badge size="sm" variant="light" color={STATUS_COLOUR[d.status] ?? 'gray'}>
                {t(`privacy.recipients.deliveryStatus.${d.status}`, { defaultValue: d.status })}
              </Badge>
            </Table.Td>
            <Table.Td>{d.attempts}</Table.Td>
            <Table.Td>
              <Text size="xs" c="dimmed">
                {d.lastStatus ? `HTTP ${d.lastStatus} ` : ''}
                {d.lastError ?? ''}
              </Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  )
}

function AdequacySection() {
  const { t } = useTranslation()
  const language = currentLanguage()
  const decisions = useQuery(adequacyQueryOptions())
  if (!decisions.data) return null
  return (
    <Stack gap="xs">
      <Title order={3} size="h4">
        {t('privacy.recipients.adequacy.title')}
      </Title>
      <Text size="sm" c="dimmed" maw={760}>
        {t('privacy.recipients.adequacy.intro')}
      </Text>
      <Table verticalSpacing="xs" striped data-testid="adequacy-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('privacy.recipients.columns.country')}</Table.Th>
            <Table.Th>{t('privacy.recipients.adequacy.decision')}</Table.Th>
            <Table.Th>{t('privacy.recipients.adequacy.scope')}</Table.Th>
            <Table.Th>{t('privacy.recipients.adequacy.validUntil')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {decisions.data.map((d) => (
            <Table.Tr key={d.country} data-testid="adequacy-row" data-country={d.country}>
              <Table.Td>{d.name[language]}</Table.Td>
              <Table.Td>
                <Text size="xs">
                  {d.decision} ({d.adoptedOn})
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="xs">{d.note[language]}</Text>
              </Table.Td>
              <Table.Td>{d.validUntil ?? '–'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  )
}
