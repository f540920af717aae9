import {
  Alert,
  Badge,
  Button,
  Center,
  Group,
  Loader,
  Modal,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { TFunction } from 'i18next'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { ErrorState } from '../../app/error-state'
import { LANGUAGES } from '../../app/i18n'
import { problemLine } from '../../app/problem-text'
import { useContactFormat } from '../subjects/contact-format'
import {
  type Breach,
  breachesQueryOptions,
  breachKeys,
  computeAffected,
  localToIso,
  NOTICE_FORMATS,
  noticeUrl,
  notifyAuthority,
  nowLocal,
  recordBreach,
  sendLetters,
} from './breaches.api'

const RISK_COLORS = { none: 'gray', risk: 'orange', high: 'red' } as const

/** The 72-hour clock in words: hours left, overdue, notified (in time or late), or not required. */
function ClockCell({ breach }: { breach: Breach }) {
  const { t } = useTranslation()
  const c = breach.clock
  if (!c.notificationRequired)
    return (
      <Text size="sm" c="dimmed">
        {t('breaches.clock.notRequired')}
      </Text>
    )
  if (breach.authorityNotifiedAt)
    return (
      <Badge color={c.late ? 'orange' : 'teal'} data-testid="breach-clock">
        {c.late ? t('breaches.clock.notifiedLate') : t('breaches.clock.notified')}
      </Badge>
    )
  if (c.remainingSeconds === null) return <Text size="sm">{t(`breaches.status.${breach.status}`)}</Text>
  const hours = Math.abs(c.remainingSeconds) / 3600
  return (
    <Badge color={c.overdue ? 'red' : hours <= 24 ? 'orange' : 'blue'} data-testid="breach-clock">
      {c.overdue
        ? t('breaches.clock.overdue', { hours: hours.toFixed(1) })
        : t('breaches.clock.left', { hours: hours.toFixed(1) })}
    </Badge>
  )
}

/**
 * The breach register (Art. 33, 34): every breach with its 72-hour clock and its affected people;
 * record a breach, compute the affected people from the audit trail, download the draft notification,
 * record the notification (reasons required after 72 hours), send the Art. 34 letters.
 */
export function BreachesPanel() {
  const { t } = useTranslation()
  const format = useContactFormat()
  const query = useQuery(breachesQueryOptions())
  const [adding, setAdding] = useState(false)
  const [openId, setOpenId] = useState<string | null>(null)
  const open = query.data?.find((b) => b.id === openId) ?? null

  return (
    <Stack gap="sm" data-testid="breaches-panel">
      <Text size="sm" c="dimmed" maw={760}>
        {t('breaches.intro')}
      </Text>
      <Group>
        <Button size="xs" onClick={() => setAdding(true)} data-testid="breach-add">
          {t('breaches.add')}
        </Button>
      </Group>
      {query.isPending ? (
        <Center py="xl">
          <Loader size="sm" aria-label={t('common.loading')} />
        </Center>
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.length === 0 ? (
        <Paper withBorder p="lg" data-testid="breaches-empty">
          <Text size="sm" c="dimmed">
            {t('breaches.empty')}
          </Text>
        </Paper>
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table striped verticalSpacing="sm" data-testid="breaches-table">
            <Table.Caption>{t('breaches.caption')}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('breaches.columns.reference')}</Table.Th>
                <Table.Th>{t('breaches.columns.title')}</Table.Th>
                <Table.Th>{t('breaches.columns.awareAt')}</Table.Th>
                <Table.Th>{t('breaches.columns.risk')}</Table.Th>
                <Table.Th>{t('breaches.columns.clock')}</Table.Th>
                <Table.Th>{t('breaches.columns.affected')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {query.data.map((b) => (
                <Table.Tr key={b.id} data-testid="breach-row" data-reference={b.reference}>
                  <Table.Td>
                    <Button variant="subtle" size="compact-sm" onClick={() => setOpenId(b.id)}>
                      {b.reference}
                    </Button>
                  </Table.Td>
                  <Table.Td>{b.title}</Table.Td>
                  <Table.Td>{format.dateTime(b.awareAt)}</Table.Td>
                  <Table.Td>
                    <Badge color={RISK_COLORS[b.risk]}>{t(`breaches.risk.${b.risk}`)}</Badge>
                  </Table.Td>
                  <Table.Td>
                    <ClockCell breach={b} />
                  </Table.Td>
                  <Table.Td data-testid="breach-affected-count">{b.affected.subjects}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <AddBreachModal opened={adding} onClose={() => setAdding(false)} />
      {open && <BreachModal breach={open} onClose={() => setOpenId(null)} />}
    </Stack>
  )
}

function problemLines(t: TFunction, error: unknown, label?: (field: string) => string | undefined): string[] {
  return isProblem(error)
    ? error.errors
        .map((e) => problemLine(t, e, label))
        .concat(error.errors.length ? [] : [error.detail ?? error.title])
    : []
}

/** The inputs of a new breach, by the field the server names. */
const BREACH_FIELDS = ['awareAt', 'title', 'description', 'risk', 'consequences', 'measures'] as const
const isBreachField = (field: string): field is (typeof BREACH_FIELDS)[number] =>
  (BREACH_FIELDS as readonly string[]).includes(field)

function AddBreachModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const [form, setForm] = useState({
    awareAt: nowLocal(),
    title: '',
    description: '',
    risk: 'risk',
    consequences: '',
    measures: '',
  })
  const save = useMutation({
    mutationFn: () =>
      recordBreach({
        awareAt: localToIso(form.awareAt),
        title: form.title,
        description: form.description,
        risk: form.risk as Breach['risk'],
        consequences: form.consequences,
        measures: form.measures,
      }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: breachKeys.all() })
      onClose()
    },
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    save.mutate()
  }
  return (
    <Modal opened={opened} onClose={onClose} title={t('breaches.add')} size="lg">
      <form onSubmit={submit} data-testid="breach-form">
        <Stack gap="sm">
          <TextInput
            type="datetime-local"
            label={t('breaches.fields.awareAt')}
            description={t('breaches.fields.awareAtHint')}
            required
            value={form.awareAt}
            onChange={(e) => setForm({ ...form, awareAt: e.currentTarget.value })}
          />
          <TextInput
            label={t('breaches.fields.title')}
            required
            minLength={3}
            value={form.title}
            onChange={(e) => setForm({ ...form, title: e.currentTarget.value })}
            data-testid="breach-title"
          />
          <Textarea
            label={t('breaches.fields.description')}
            required
            minLength={10}
            autosize
            minRows={3}
            value={form.description}
            onChange={(e) => setForm({ ...form, description: e.currentTarget.value })}
            data-testid="breach-description"
          />
          <Select
            label={t('breaches.fields.risk')}
            data={(['none', 'risk', 'high'] as const).map((r) => ({
              value: r,
              label: t(`breaches.risk.${r}`),
            }))}
            value={form.risk}
            onChange={(v) => setForm({ ...form, risk: v ?? 'risk' })}
            allowDeselect={false}
          />
          <Textarea
            label={t('breaches.fields.consequences')}
            autosize
            value={form.consequences}
            onChange={(e) => setForm({ ...form, consequences: e.currentTarget.value })}
          />
          <Textarea
            label={t('breaches.fields.measures')}
            autosize
            value={form.measures}
            onChange={(e) => setForm({ ...form, measures: e.currentTarget.value })}
          />
          {save.isError && (
            <Alert color="red" variant="light" p="xs" role="alert">
              {t('breaches.saveFailed')}{' '}
              {problemLines(t, save.error, (f) =>
                isBreachField(f) ? t(`breaches.fields.${f}`) : undefined,
              ).join('; ')}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button type="submit" loading={save.isPending} data-testid="breach-save">
              {t('breaches.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  )
}

function BreachModal({ breach, onClose }: { breach: Breach; onClose: () => void }) {
  const { t } = useTranslation()
  const format = useContactFormat()
  const queryClient = useQueryClient()
  const refresh = () => void queryClient.invalidateQueries({ queryKey: breachKeys.all() })
  const [window, setWindow] = useState({ type: 'user', id: '', from: nowLocal(), until: nowLocal() })
  const [notice, setNotice] = useState({ at: nowLocal(), reference: '', delayReasons: '' })
  const affected = useMutation({
    mutationFn: () =>
      computeAffected(breach.id, {
        actor: { type: window.type as 'user' | 'token', id: window.id.trim() },
        from: localToIso(window.from),
        until: localToIso(window.until),
      }),
    onSuccess: refresh,
  })
  const notify = useMutation({
    mutationFn: () =>
      notifyAuthority(breach.id, {
        at: localToIso(notice.at),
        ...(notice.reference.trim() ? { reference: notice.reference.trim() } : {}),
        ...(notice.delayReasons.trim() ? { delayReasons: notice.delayReasons.trim() } : {}),
      }),
    onSuccess: refresh,
  })
  const letters = useMutation({
    mutationFn: (lang: 'de' | 'en') => sendLetters(breach.id, lang),
    onSuccess: refresh,
  })
  const late = breach.clock.overdue || breach.clock.late
  return (
    <Modal
      opened
      onClose={onClose}
      title={`${breach.reference} · ${breach.title}`}
      size="xl"
      data-testid="breach-detail"
    >
      <Stack gap="md">
        <Group gap="xs">
          <Badge color={RISK_COLORS[breach.risk]}>{t(`breaches.risk.${breach.risk}`)}</Badge>
          <ClockCell breach={breach} />
          <Text size="sm" c="dimmed">
            {t('breaches.deadline', { at: format.dateTime(breach.clock.deadline) })}
          </Text>
        </Group>
        <Text size="sm">{breach.description}</Text>
        <Paper withBorder p="sm">
          <Stack gap="xs">
            <Text size="sm" fw={500}>
              {t('breaches.affected.title')}
            </Text>
            <Text size="sm" data-testid="breach-affected-summary">
              {t('breaches.affected.summary', {
                subjects: breach.affected.subjects,
                records: breach.affected.records,
                sent: breach.affected.letters.sent,
                refused: breach.affected.letters.refused,
              })}
            </Text>
            <Text size="xs" c="dimmed">
              {t('breaches.affected.hint')}
            </Text>
            <SimpleGrid cols={{ base: 1, sm: 4 }}>
              <Select
                label={t('breaches.affected.actorType')}
                data={[
                  { value: 'user', label: t('breaches.affected.user') },
                  { value: 'token', label: t('breaches.affected.token') },
                ]}
                value={window.type}
                onChange={(v) => setWindow({ ...window, type: v ?? 'user' })}
                allowDeselect={false}
              />
              <TextInput
                label={t('breaches.affected.actorId')}
                value={window.id}
                onChange={(e) => setWindow({ ...window, id: e.currentTarget.value })}
                data-testid="breach-actor-id"
              />
              <TextInput
                type="datetime-local"
                label={t('breaches.affected.from')}
                value={window.from}
                onChange={(e) => setWindow({ ...window, from: e.currentTarget.value })}
              />
              <TextInput
                type="datetime-local"
                label={t('breaches.affected.until')}
                value={window.until}
                onChange={(e) => setWindow({ ...window, until: e.currentTarget.value })}
              />
            </SimpleGrid>
            <Group>
              <Button
                size="xs"
                disabled={!window.id.trim()}
                loading={affected.isPending}
                onClick={() => affected.mutate()}
                data-testid="breach-compute"
              >
                {t('breaches.affected.compute')}
              </Button>
              {affected.isSuccess && (
                <Text size="sm">{t('breaches.affected.added', { count: affected.data.added })}</Text>
              )}
            </Group>
            {affected.isError && (
              <Alert color="red" variant="light" p="xs">
                {problemLines(t, affected.error).join('; ')}
              </Alert>
            )}
          </Stack>
        </Paper>
        <Paper withBorder p="sm">
          <Stack gap="xs">
            <Text size="sm" fw={500}>
              {t('breaches.notice.title')}
            </Text>
            <Group gap="xs">
              {NOTICE_FORMATS.flatMap((f) =>
                LANGUAGES.map((lang) => (
                  <Button
                    key={`${f}-${lang}`}
                    component="a"
                    href={noticeUrl(breach.id, lang, f)}
                    download
                    size="xs"
                    variant={f === 'pdf' ? 'filled' : 'default'}
                    data-testid={`breach-notice-${f}-${lang}`}
                  >
                    {f.toUpperCase()} · {t(`language.${lang}Name`)}
                  </Button>
                )),
              )}
            </Group>
            {breach.authorityNotifiedAt ? (
              <Text size="sm" data-testid="breach-notified">
                {t('breaches.notice.notifiedAt', {
                  at: format.dateTime(breach.authorityNotifiedAt),
                  reference: breach.authorityReference ?? '—',
                })}
              </Text>
            ) : (
              <>
                <SimpleGrid cols={{ base: 1, sm: 2 }}>
                  <TextInput
                    type="datetime-local"
                    label={t('breaches.notice.at')}
                    value={notice.at}
                    onChange={(e) => setNotice({ ...notice, at: e.currentTarget.value })}
                  />
                  <TextInput
                    label={t('breaches.notice.reference')}
                    value={notice.reference}
                    onChange={(e) => setNotice({ ...notice, reference: e.currentTarget.value })}
                  />
                </SimpleGrid>
                <Textarea
                  label={t('breaches.notice.delayReasons')}
                  description={late ? t('breaches.notice.delayRequired') : undefined}
                  required={late}
                  autosize
                  value={notice.delayReasons}
                  onChange={(e) => setNotice({ ...notice, delayReasons: e.currentTarget.value })}
                  data-testid="breach-delay-reasons"
                />
                <Group>
                  <Button
                    size="xs"
                    loading={notify.isPending}
                    onClick={() => notify.mutate()}
                    data-testid="breach-notify"
                  >
                    {t('breaches.notice.record')}
                  </Button>
                </Group>
                {notify.isError && (
                  <Alert color="red" variant="light" p="xs" role="alert" data-testid="breach-notify-error">
                    {problemLines(t, notify.error).join('; ')}
                  </Alert>
                )}
              </>
            )}
          </Stack>
        </Paper>
        {breach.risk === 'high' && (
          <Paper withBorder p="sm">
            <Stack gap="xs">
              <Text size="sm" fw={500}>
                {t('breaches.letters.title')}
              </Text>
              <Text size="xs" c="dimmed">
                {t('breaches.letters.hint', {
                  pending: breach.affected.letters.pending + breach.affected.letters.failed,
                })}
              </Text>
              <Group gap="xs">
                {LANGUAGES.map((lang) => (
                  <Button
                    key={lang}
                    size="xs"
                    variant="light"
                    loading={letters.isPending}
                    disabled={breach.affected.letters.pending + breach.affected.letters.failed === 0}
                    onClick={() => letters.mutate(lang)}
                    data-testid={`breach-letters-${lang}`}
                  >
                    {t('breaches.letters.send', { language: t(`language.${lang}Name`) })}
                  </Button>
                ))}
              </Group>
              {letters.isSuccess && <Text size="sm">{t('breaches.letters.result', letters.data)}</Text>}
              {letters.isError && (
                <Alert color="red" variant="light" p="xs">
                  {problemLines(t, letters.error).join('; ')}
                </Alert>
              )}
            </Stack>
          </Paper>
        )}
      </Stack>
    </Modal>
  )
}
