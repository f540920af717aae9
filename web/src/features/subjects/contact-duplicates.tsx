import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  List,
  Loader,
  Modal,
  Paper,
  Stack,
  Text,
  Textarea,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Link } from '@tanstack/react-router'
import { type FormEvent, type ReactNode, useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { ErrorState } from '../../app/error-state'
import { reasonText } from '../../app/problem-text'
import { Toast } from '../../app/toast'
import { usePermissions } from '../auth/permissions'
import {
  DUPLICATE_MATCHES,
  type DuplicateCandidate,
  duplicatesQueryOptions,
  invalidateAfterMerge,
  isOneOf,
  mergeSubject,
  type OverviewSubject,
} from './contact-overview.api'
import { SectionCard } from './contact-section'
import { REASON_MAX, REASON_MIN } from './subjects.api'

const MATCH_LABELS = ['email', 'phone', 'name', 'first_name', 'last_name'] as const

/** What matched, as the badges say it: first and last name together are "same name". */
function matchLabels(matched: readonly string[]): string[] {
  const found = new Set(matched)
  const labels: string[] = []
  if (found.has('email')) labels.push('email')
  if (found.has('phone')) labels.push('phone')
  if (found.has('first_name') && found.has('last_name')) labels.push('name')
  else labels.push(...(['first_name', 'last_name'] as const).filter((m) => found.has(m)))
  // Whatever else a newer server names is shown as it comes.
  const known: readonly string[] = DUPLICATE_MATCHES
  labels.push(...[...found].filter((m) => !known.includes(m)))
  return labels
}

function nameOf(subject: OverviewSubject): string | undefined {
  const { firstName, lastName } = subject.identifiers
  return [firstName, lastName].filter(Boolean).join(' ') || undefined
}

/**
 * Likely duplicates of the contact (Art. 5(1)(d) accuracy): other contacts with the same e-mail
 * address, phone number or name. Who may change contacts can merge one into this contact.
 */
export function DuplicatesCard({
  subject,
  purpose,
}: {
  subject: OverviewSubject
  purpose: string | undefined
}) {
  const { t } = useTranslation()
  const { can } = usePermissions()
  const query = useQuery(duplicatesQueryOptions(subject.id, purpose))
  // The candidate stays while the dialog closes (its transition), so the dialog keeps its content;
  // each opening starts a fresh form.
  const [merging, setMerging] = useState<{ candidate: DuplicateCandidate; opening: number } | null>(null)
  const [opened, setOpened] = useState(false)
  const open = (candidate: DuplicateCandidate) => {
    setMerging((previous) => ({ candidate, opening: (previous?.opening ?? 0) + 1 }))
    setOpened(true)
  }
  const [merged, setMerged] = useState<string | null>(null)

  let content: ReactNode
  if (query.isPending)
    content = (
      <Group gap="xs" data-testid="contact-duplicates-loading">
        <Loader size="xs" />
        <Text size="sm" c="dimmed">
          {t('contact.duplicates.loading')}
        </Text>
      </Group>
    )
  else if (query.isError && !query.data)
    content = (
      <ErrorState
        title={t('contact.duplicates.error')}
        error={query.error}
        onRetry={() => void query.refetch()}
        testId="contact-duplicates-error"
      />
    )
  else if (query.data.length === 0)
    content = (
      <Text size="sm" c="dimmed" data-testid="contact-duplicates-empty">
        {t('contact.duplicates.none')}
      </Text>
    )
  else
    content = (
      <Stack gap="xs" data-testid="contact-duplicates-list">
        {query.data.map((candidate) => (
          <DuplicateItem
            key={candidate.subject.id}
            candidate={candidate}
            onMerge={can('subjects:write') ? () => open(candidate) : undefined}
          />
        ))}
      </Stack>
    )

  return (
    <>
      <SectionCard title={t('contact.duplicates.title')} testId="contact-duplicates">
        {content}
      </SectionCard>
      <Modal
        opened={opened}
        onClose={() => setOpened(false)}
        title={t('contact.duplicates.merge.title')}
        size="lg"
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        {merging && (
          <MergeForm
            key={merging.opening}
            survivor={subject}
            duplicate={merging.candidate.subject}
            onCancel={() => setOpened(false)}
            onMerged={() => {
              setMerged(nameOf(merging.candidate.subject) ?? t('contact.unnamed'))
              setOpened(false)
            }}
          />
        )}
      </Modal>
      <Toast
        opened={merged !== null}
        onClose={() => setMerged(null)}
        title={t('contact.duplicates.merged.title')}
        testId="contact-merged"
      >
        {t('contact.duplicates.merged.body', { name: merged ?? '' })}
      </Toast>
    </>
  )
}

function DuplicateItem({ candidate, onMerge }: { candidate: DuplicateCandidate; onMerge?: () => void }) {
  const { t } = useTranslation()
  const { subject } = candidate
  const name = nameOf(subject)
  const { email, phone } = subject.identifiers
  const nameId = useId()
  return (
    <Paper withBorder radius="md" p="sm" data-testid="contact-duplicate" data-subject-id={subject.id}>
      <Stack gap={6}>
        <Anchor
          size="sm"
          fw={500}
          c={name ? undefined : 'dimmed'}
          id={nameId}
          data-testid="contact-duplicate-name"
          renderRoot={(props) => <Link {...props} to="/contacts/$id" params={{ id: subject.id }} />}
        >
          {name ?? t('contact.duplicates.unnamed', { id: subject.id.slice(0, 8) })}
        </Anchor>
        {(email || phone) && (
          <Text
            size="xs"
            c="dimmed"
            style={{ overflowWrap: 'anywhere' }}
            data-testid="contact-duplicate-reach"
          >
            {[email, phone].filter(Boolean).join(' · ')}
          </Text>
        )}
        <Group
          gap={4}
          aria-label={t('contact.duplicates.matchedLabel')}
          data-testid="contact-duplicate-matched"
        >
          {matchLabels(candidate.matched).map((match) => (
            <Badge key={match} size="xs" variant="light" color="grape" data-match={match}>
              {isOneOf(MATCH_LABELS, match) ? t(`contact.duplicates.matched.${match}`) : match}
            </Badge>
          ))}
        </Group>
        {onMerge && (
          <Group>
            <Button
              size="compact-xs"
              variant="light"
              onClick={onMerge}
              aria-haspopup="dialog"
              // Which contact: the name above (several duplicates have the same button).
              aria-describedby={nameId}
              data-testid="contact-duplicate-merge"
            >
              {t('contact.duplicates.merge.open')}
            </Button>
          </Group>
        )}
      </Stack>
    </Paper>
  )
}

function MergeForm({
  survivor,
  duplicate,
  onCancel,
  onMerged,
}: {
  survivor: OverviewSubject
  duplicate: OverviewSubject
  onCancel: () => void
  onMerged: () => void
}) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const [reason, setReason] = useState('')
  const [tooShort, setTooShort] = useState(false)
  const merge = useMutation({
    mutationFn: () => mergeSubject(survivor.id, duplicate.id, reason.trim()),
    onSuccess: async () => {
      await invalidateAfterMerge(queryClient, survivor.id, duplicate.id)
      onMerged()
    },
  })
  const other = nameOf(duplicate) ?? t('contact.duplicates.unnamed', { id: duplicate.id.slice(0, 8) })
  const self = nameOf(survivor) ?? t('contact.unnamed')

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (merge.isPending) return
    if (reason.trim().length < REASON_MIN) {
      setTooShort(true)
      return
    }
    merge.reset()
    merge.mutate()
  }

  const serverReason = isProblem(merge.error, 400)
    ? merge.error.errors.find((e) => e.field === 'reason')
    : undefined
  const reasonError = tooShort
    ? t('contact.duplicates.merge.reasonTooShort', { min: REASON_MIN })
    : serverReason
      ? t('contact.duplicates.merge.invalid', { reason: reasonText(t, serverReason) })
      : undefined

  return (
    <form
      onSubmit={submit}
      noValidate
      aria-label={t('contact.duplicates.merge.title')}
      data-testid="contact-merge-form"
    >
      <Stack gap="md">
        <Text size="sm">{t('contact.duplicates.merge.intro', { other, self })}</Text>
        <List size="sm" spacing={4} data-testid="contact-merge-consequences">
          <List.Item>{t('contact.duplicates.merge.moves', { other })}</List.Item>
          <List.Item>{t('contact.duplicates.merge.keeps')}</List.Item>
          <List.Item>{t('contact.duplicates.merge.deletes', { other })}</List.Item>
          <List.Item>{t('contact.duplicates.merge.audited')}</List.Item>
        </List>
        <Textarea
          label={t('contact.duplicates.merge.reason')}
          description={t('contact.duplicates.merge.reasonHint')}
          required
          autosize
          minRows={2}
          maxRows={5}
          maxLength={REASON_MAX}
          value={reason}
          error={reasonError}
          onChange={(event) => {
            setReason(event.currentTarget.value)
            setTooShort(false)
          }}
          data-testid="contact-merge-reason"
        />
        {merge.isError && !serverReason && <MergeError error={merge.error} other={other} />}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onCancel} data-testid="contact-merge-cancel">
            {t('contact.duplicates.merge.cancel')}
          </Button>
          <Button type="submit" color="orange" loading={merge.isPending} data-testid="contact-merge-confirm">
            {t('contact.duplicates.merge.confirm')}
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

/** Why the merge was refused: a role that may not see what would move, a contact gone, a conflict. */
function MergeError({ error, other }: { error: Error; other: string }) {
  const { t } = useTranslation()
  let message: string
  if (isProblem(error, 403)) {
    // "your role may not see the fields iban, accountHolder it would merge"
    const fields = /may not see the fields (.+) it would merge/.exec(error.detail ?? '')?.[1]
    message = fields
      ? t('contact.duplicates.merge.forbiddenFields', { fields })
      : t('contact.duplicates.merge.forbidden')
  } else if (isProblem(error, 404)) message = t('contact.duplicates.merge.gone', { other })
  else if (isProblem(error, 409)) message = t('contact.duplicates.merge.conflict')
  else if (isProblem(error, 400)) message = t('contact.duplicates.merge.rejected')
  else message = t('contact.duplicates.merge.failed')
  return (
    <Alert color="red" variant="light" p="xs" role="alert" data-testid="contact-merge-error">
      <Text size="sm">{message}</Text>
    </Alert>
  )
}
