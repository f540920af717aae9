import { Alert, Badge, Button, Group, Modal, Radio, Select, Stack, Text, Textarea } from '@mantine/core'
import { type QueryClient, queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, apiRequest, isProblem } from '../../app/api'
import { SubmitErrorAlert } from '../../app/error-state'
import { currentLanguage } from '../../app/i18n'
import { usePermissions } from '../auth/permissions'
import { invalidateAfterPermissionChange } from './consent.api'
import type { ContactFormat } from './contact-format'
import {
  contactKeys,
  isOneOf,
  RESTRICTION_GROUNDS,
  type Restriction,
  type SubjectPermissions,
} from './contact-overview.api'
import { SectionCard } from './contact-section'

/** Art. 18(1)(a)-(d): the grounds staff can restrict on (`erasure-held` is set by a held erasure only). */
export const RESTRICT_GROUNDS = [
  'accuracy-contested',
  'unlawful-processing',
  'legal-claims',
  'objection-pending',
] as const
type RestrictGround = (typeof RESTRICT_GROUNDS)[number]

type NoticeChannel = 'email' | 'letter'

const restrictionPath = (subjectId: string) => `/api/v1/subjects/${encodeURIComponent(subjectId)}/restriction`

/** PUT …/restriction: restricts processing (Art. 18) on a ground, with an optional note (no personal data). */
const restrict = (subjectId: string, ground: RestrictGround, note: string) =>
  apiRequest(restrictionPath(subjectId), {
    method: 'PUT',
    body: note ? { ground, note } : { ground },
  })

/** POST …/restriction/notice: Art. 18(3) — Tresor mails the notice, or staff record the letter they sent. */
const recordNotice = (subjectId: string, channel: NoticeChannel, lang: 'de' | 'en') =>
  apiRequest(`${restrictionPath(subjectId)}/notice`, { method: 'POST', body: { channel, lang } })

/** DELETE …/restriction: refused (409) by the server until the notice was recorded. */
const lift = (subjectId: string) => apiRequest(restrictionPath(subjectId), { method: 'DELETE' })

/**
 * The restriction in force, read from `GET …/permissions` rather than the contact's overview: the
 * overview is refused (403, rule `restricted`) for a restricted contact under most purposes, and the
 * restriction must still be shown and lifted there.
 */
function restrictionQueryOptions(subjectId: string) {
  return queryOptions({
    queryKey: ['subjects', 'restriction', subjectId] as const,
    queryFn: ({ signal }) =>
      api.get<SubjectPermissions>(
        `/api/v1/subjects/${encodeURIComponent(subjectId)}/permissions`,
        {},
        signal,
      ),
    retry: false,
  })
}

/**
 * After a change: the restriction, the consents and the history changed; `restricted` (set or
 * lifted) also decides whether the overview can be read at all, so it is read afresh (the page
 * switches between the contact and the "restricted" notice) instead of keeping what it showed.
 */
async function afterChange(queryClient: QueryClient, subjectId: string, restrictedChanged: boolean) {
  await Promise.all([
    invalidateAfterPermissionChange(queryClient, subjectId),
    queryClient.invalidateQueries({ queryKey: restrictionQueryOptions(subjectId).queryKey }),
    restrictedChanged ? queryClient.resetQueries({ queryKey: contactKeys.overviewOf(subjectId) }) : undefined,
  ])
}

/** The server's own words for a refusal (e.g. the 409 naming Art. 18(3)), or a general message. */
function problemLines(error: unknown): string[] {
  return isProblem(error) && error.detail ? [error.detail] : []
}

/**
 * Restriction of processing (Art. 18) on the contact page: whether it is restricted, since when and
 * why; for roles with `permissions:write`, restricting on a ground of Art. 18(1), the Art. 18(3)
 * notice to the person (mailed by Tresor or sent by letter), and lifting — offered only once the
 * notice was given, as the server refuses it before.
 */
export function RestrictionCard({ subjectId, format }: { subjectId: string; format: ContactFormat }) {
  const query = useQuery(restrictionQueryOptions(subjectId))
  const { can } = usePermissions()
  // A role that may not see the permissions sees them as hidden on the permissions card already.
  if (!query.data || query.data.erased) return null
  return (
    <RestrictionView
      subjectId={subjectId}
      restriction={query.data.restriction}
      format={format}
      canWrite={can('permissions:write')}
    />
  )
}

function RestrictionView({
  subjectId,
  restriction,
  format,
  canWrite,
}: {
  subjectId: string
  restriction: Restriction | null
  format: ContactFormat
  canWrite: boolean
}) {
  const { t } = useTranslation()
  const [dialog, setDialog] = useState<'restrict' | 'notice' | 'lift' | null>(null)
  const close = () => setDialog(null)
  const erasureHeld = restriction?.ground === 'erasure-held'
  const groundLabel = (ground: string) =>
    isOneOf(RESTRICTION_GROUNDS, ground) ? t(`restriction.grounds.${ground}`) : ground

  return (
    <SectionCard
      title={t('restriction.title')}
      testId="restriction-card"
      action={
        canWrite && !restriction ? (
          <Button
            size="xs"
            variant="light"
            color="red"
            onClick={() => setDialog('restrict')}
            data-testid="restriction-restrict"
          >
            {t('restriction.restrict')}
          </Button>
        ) : undefined
      }
    >
      <Stack gap="sm" data-restricted={restriction ? 'true' : 'false'} data-testid="restriction-state">
        <Text size="sm" c="dimmed">
          {t('restriction.intro')}
        </Text>
        {restriction ? (
          <Stack gap={4}>
            <Group gap="xs">
              <Badge color="red" variant="light">
                {t('restriction.restricted')}
              </Badge>
              <Text size="sm" data-testid="restriction-since">
                {t('restriction.since', {
                  since: format.date(restriction.since),
                  ground: groundLabel(restriction.ground),
                })}
              </Text>
            </Group>
            {restriction.note && (
              <Text size="sm" c="dimmed">
                {restriction.note}
              </Text>
            )}
          </Stack>
        ) : (
          <Group gap="xs">
            <Badge color="green" variant="light" data-testid="restriction-none">
              {t('restriction.notRestricted')}
            </Badge>
          </Group>
        )}
        {restriction && erasureHeld && (
          <Text size="sm" c="dimmed" data-testid="restriction-erasure-held">
            {t('restriction.erasureHeld')}
          </Text>
        )}
        {restriction && !erasureHeld && (
          <Stack gap="xs">
            {restriction.liftNotice ? (
              <Text size="sm" data-testid="restriction-notice">
                {t(`restriction.notice.given.${restriction.liftNotice.channel}`, {
                  at: format.dateTime(restriction.liftNotice.at),
                })}
              </Text>
            ) : (
              <Text size="sm" c="dimmed" data-testid="restriction-notice-missing">
                {t('restriction.notice.missing')}
              </Text>
            )}
            {canWrite && (
              <Group gap="xs">
                <Button
                  size="xs"
                  variant={restriction.liftNotice ? 'default' : 'light'}
                  onClick={() => setDialog('notice')}
                  data-testid="restriction-notify"
                >
                  {t('restriction.notice.open')}
                </Button>
                <Button
                  size="xs"
                  color="red"
                  variant="light"
                  disabled={!restriction.liftNotice}
                  onClick={() => setDialog('lift')}
                  data-testid="restriction-lift"
                  aria-describedby={restriction.liftNotice ? undefined : 'restriction-lift-why'}
                >
                  {t('restriction.lift.open')}
                </Button>
              </Group>
            )}
            {canWrite && !restriction.liftNotice && (
              <Text size="xs" c="dimmed" id="restriction-lift-why" data-testid="restriction-lift-why">
                {t('restriction.lift.disabled')}
              </Text>
            )}
          </Stack>
        )}
      </Stack>
      {canWrite && (
        <>
          <RestrictModal subjectId={subjectId} opened={dialog === 'restrict'} onClose={close} />
          <NoticeModal subjectId={subjectId} opened={dialog === 'notice'} onClose={close} />
          <LiftModal subjectId={subjectId} opened={dialog === 'lift'} onClose={close} />
        </>
      )}
    </SectionCard>
  )
}

function RestrictModal({
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
  const [ground, setGround] = useState<RestrictGround | null>(null)
  const [note, setNote] = useState('')
  const [groundError, setGroundError] = useState<string | undefined>(undefined)
  const save = useMutation({
    mutationFn: (chosen: RestrictGround) => restrict(subjectId, chosen, note.trim()),
    onSuccess: async () => {
      await afterChange(queryClient, subjectId, true)
      setGround(null)
      setNote('')
      onClose()
    },
  })
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!ground) {
      setGroundError(t('restriction.form.groundRequired'))
      return
    }
    setGroundError(undefined)
    save.mutate(ground)
  }
  return (
    <Modal opened={opened} onClose={onClose} title={t('restriction.form.title')} size="lg">
      <form onSubmit={submit} noValidate data-testid="restriction-form">
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            {t('restriction.intro')}
          </Text>
          <Radio.Group
            label={t('restriction.form.ground')}
            value={ground ?? ''}
            onChange={(value) => isOneOf(RESTRICT_GROUNDS, value) && setGround(value)}
            error={groundError}
            required
            data-testid="restriction-ground"
          >
            <Stack gap="xs" mt="xs">
              {RESTRICT_GROUNDS.map((g) => (
                <Radio
                  key={g}
                  value={g}
                  label={t(`restriction.grounds.${g}`)}
                  data-testid={`restriction-ground-${g}`}
                />
              ))}
            </Stack>
          </Radio.Group>
          <Textarea
            label={t('restriction.form.note')}
            description={t('restriction.form.noteHint')}
            value={note}
            maxLength={500}
            onChange={(e) => setNote(e.currentTarget.value)}
            autosize
            minRows={2}
            data-testid="restriction-note"
          />
          <Text size="sm">{t('restriction.form.confirm')}</Text>
          {save.isError && (
            <SubmitErrorAlert
              message={t('restriction.form.error')}
              lines={problemLines(save.error)}
              testId="restriction-form-error"
            />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('restriction.cancel')}
            </Button>
            <Button type="submit" color="red" loading={save.isPending} data-testid="restriction-save">
              {t('restriction.form.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  )
}

function NoticeModal({
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
  const [channel, setChannel] = useState<NoticeChannel>('email')
  const [lang, setLang] = useState<'de' | 'en'>(currentLanguage() === 'de' ? 'de' : 'en')
  const send = useMutation({
    mutationFn: () => recordNotice(subjectId, channel, lang),
    onSuccess: async () => {
      await afterChange(queryClient, subjectId, false)
      onClose()
    },
  })
  const submit = (event: FormEvent) => {
    event.preventDefault()
    send.mutate()
  }
  return (
    <Modal opened={opened} onClose={onClose} title={t('restriction.notice.title')} size="lg">
      <form onSubmit={submit} noValidate data-testid="restriction-notice-form">
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            {t('restriction.notice.intro')}
          </Text>
          <Radio.Group
            label={t('restriction.notice.channel')}
            value={channel}
            onChange={(value) => (value === 'email' || value === 'letter') && setChannel(value)}
            data-testid="restriction-notice-channel"
          >
            <Stack gap="xs" mt="xs">
              <Radio
                value="email"
                label={t('restriction.notice.email')}
                data-testid="restriction-notice-email"
              />
              <Radio
                value="letter"
                label={t('restriction.notice.letter')}
                data-testid="restriction-notice-letter"
              />
            </Stack>
          </Radio.Group>
          <Select
            label={
              channel === 'email' ? t('restriction.notice.langEmail') : t('restriction.notice.langLetter')
            }
            data={[
              { value: 'de', label: t('restriction.notice.langs.de') },
              { value: 'en', label: t('restriction.notice.langs.en') },
            ]}
            value={lang}
            allowDeselect={false}
            onChange={(value) => (value === 'de' || value === 'en') && setLang(value)}
            maw={220}
            data-testid="restriction-notice-lang"
          />
          {send.isError && (
            <SubmitErrorAlert
              message={t('restriction.notice.error')}
              lines={problemLines(send.error)}
              testId="restriction-notice-error"
            />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('restriction.cancel')}
            </Button>
            <Button type="submit" loading={send.isPending} data-testid="restriction-notice-save">
              {channel === 'email' ? t('restriction.notice.sendEmail') : t('restriction.notice.recordLetter')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  )
}

function LiftModal({
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
  const remove = useMutation({
    mutationFn: () => lift(subjectId),
    onSuccess: async () => {
      onClose()
      await afterChange(queryClient, subjectId, true)
    },
  })
  // A refusal means the card showed an outdated state (e.g. a new restriction without notice):
  // once its reason was read, the card is read afresh.
  const close = () => {
    if (remove.isError) void afterChange(queryClient, subjectId, false)
    remove.reset()
    onClose()
  }
  return (
    <Modal opened={opened} onClose={close} title={t('restriction.lift.title')}>
      <Stack gap="sm" data-testid="restriction-lift-dialog">
        <Text size="sm">{t('restriction.lift.confirm')}</Text>
        {remove.isError && (
          <Alert color="red" variant="light" role="alert" data-testid="restriction-lift-error">
            <Stack gap={4}>
              <Text size="sm">{t('restriction.lift.error')}</Text>
              {problemLines(remove.error).map((line) => (
                <Text key={line} size="xs">
                  {line}
                </Text>
              ))}
            </Stack>
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            {t('restriction.cancel')}
          </Button>
          <Button
            color="red"
            loading={remove.isPending}
            onClick={() => remove.mutate()}
            data-testid="restriction-lift-confirm"
          >
            {t('restriction.lift.save')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  )
}
