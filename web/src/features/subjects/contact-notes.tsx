import {
  Alert,
  Badge,
  Button,
  Group,
  Paper,
  SegmentedControl,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useId, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { sessionQueryOptions } from '../auth/auth.api'
import type { ContactFormat } from './contact-format'
import {
  addNote,
  completeTask,
  type HiddenPart,
  invalidateOverview,
  type Note,
  type NoteKind,
} from './contact-overview.api'
import { SectionCard } from './contact-section'

const today = () => new Date().toISOString().slice(0, 10)

/** Open tasks first (the earliest due first), then notes and done tasks, newest first. */
function ordered(notes: Note[]): Note[] {
  const open = notes
    .filter((n) => n.kind === 'task' && !n.doneAt)
    .sort(
      (a, b) =>
        (a.dueOn ?? '9999').localeCompare(b.dueOn ?? '9999') || b.createdAt.localeCompare(a.createdAt),
    )
  const rest = notes
    .filter((n) => !(n.kind === 'task' && !n.doneAt))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  return [...open, ...rest]
}

export function NotesCard({
  subjectId,
  notes,
  hidden,
  format,
}: {
  subjectId: string
  notes: Note[] | undefined
  hidden: HiddenPart | undefined
  format: ContactFormat
}) {
  const { t } = useTranslation()
  return (
    <SectionCard title={t('contact.parts.notes')} hidden={hidden} testId="contact-notes">
      <Stack gap="md">
        <NoteForm subjectId={subjectId} />
        {!notes || notes.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="contact-notes-empty">
            {t('contact.notes.none')}
          </Text>
        ) : (
          <Stack gap="xs" data-testid="contact-notes-list">
            {ordered(notes).map((note) => (
              <NoteItem key={note.id} subjectId={subjectId} note={note} format={format} />
            ))}
          </Stack>
        )}
      </Stack>
    </SectionCard>
  )
}

function NoteItem({ subjectId, note, format }: { subjectId: string; note: Note; format: ContactFormat }) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const me = useQuery(sessionQueryOptions)
  const done = useMutation({
    mutationFn: () => completeTask(subjectId, note.id),
    onSuccess: () => invalidateOverview(queryClient, subjectId),
  })
  const isOpenTask = note.kind === 'task' && !note.doneAt
  const overdue = isOpenTask && note.dueOn !== null && note.dueOn < today()
  const author =
    note.author.type === 'user' && note.author.id === me.data?.id
      ? t('contact.notes.byYou')
      : t('contact.notes.byColleague')
  return (
    <Paper
      withBorder
      radius="md"
      p="sm"
      data-testid="contact-note"
      data-kind={note.kind}
      data-done={note.doneAt ? 'true' : undefined}
    >
      <Stack gap={4}>
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Group gap="xs">
            <Badge size="xs" variant="light" color={note.kind === 'task' ? 'violet' : 'yellow'}>
              {t(`contact.notes.kinds.${note.kind}`)}
            </Badge>
            {note.kind === 'task' && note.doneAt && (
              <Badge size="xs" variant="light" color="green">
                {t('contact.notes.doneOn', { date: format.date(note.doneAt) })}
              </Badge>
            )}
            {note.dueOn && !note.doneAt && (
              <Badge size="xs" variant={overdue ? 'filled' : 'outline'} color={overdue ? 'red' : 'gray'}>
                {t('contact.notes.dueOn', { date: format.date(note.dueOn) })}
              </Badge>
            )}
          </Group>
          {isOpenTask && (
            <Button
              size="compact-xs"
              variant="light"
              loading={done.isPending}
              onClick={() => done.mutate()}
              data-testid="contact-task-done"
            >
              {t('contact.notes.markDone')}
            </Button>
          )}
        </Group>
        <Text
          size="sm"
          style={{ whiteSpace: 'pre-wrap' }}
          td={note.doneAt ? 'line-through' : undefined}
          c={note.doneAt ? 'dimmed' : undefined}
          data-testid="contact-note-text"
        >
          {note.text}
        </Text>
        <Text size="xs" c="dimmed" title={note.author.id}>
          {author} · <time dateTime={note.createdAt}>{format.dateTime(note.createdAt)}</time>
        </Text>
        {done.isError && (
          <Text size="xs" c="red">
            {t('contact.notes.doneFailed')}
          </Text>
        )}
      </Stack>
    </Paper>
  )
}

function NoteForm({ subjectId }: { subjectId: string }) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const kindLabelId = useId()
  const [kind, setKind] = useState<NoteKind>('note')
  const [text, setText] = useState('')
  const [dueOn, setDueOn] = useState('')
  const add = useMutation({
    mutationFn: () =>
      addNote(subjectId, { kind, text: text.trim(), ...(kind === 'task' && dueOn ? { dueOn } : {}) }),
    onSuccess: async () => {
      setText('')
      setDueOn('')
      await invalidateOverview(queryClient, subjectId)
    },
  })
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (text.trim() === '' || add.isPending) return
    add.mutate()
  }
  return (
    <form onSubmit={submit} data-testid="contact-note-form" aria-label={t('contact.notes.formLabel')}>
      <Stack gap="xs">
        <Group gap="sm" align="center">
          <Text size="sm" id={kindLabelId}>
            {t('contact.notes.kind')}
          </Text>
          <SegmentedControl
            size="xs"
            value={kind}
            onChange={(value) => setKind(value === 'task' ? 'task' : 'note')}
            aria-labelledby={kindLabelId}
            data-testid="contact-note-kind"
            data={[
              { value: 'note', label: t('contact.notes.kinds.note') },
              { value: 'task', label: t('contact.notes.kinds.task') },
            ]}
          />
        </Group>
        <Textarea
          label={kind === 'task' ? t('contact.notes.taskText') : t('contact.notes.noteText')}
          autosize
          minRows={2}
          maxRows={8}
          maxLength={10_000}
          required
          value={text}
          onChange={(event) => setText(event.currentTarget.value)}
          data-testid="contact-note-text-input"
        />
        {kind === 'task' && (
          <TextInput
            type="date"
            label={t('contact.notes.dueOnLabel')}
            w={200}
            value={dueOn}
            onChange={(event) => setDueOn(event.currentTarget.value)}
            data-testid="contact-note-due"
          />
        )}
        {add.isError && (
          <Alert color="red" variant="light" p="xs" data-testid="contact-note-error">
            <Text size="sm">
              {isProblem(add.error, 403) ? t('contact.notes.forbidden') : t('contact.notes.addFailed')}
            </Text>
          </Alert>
        )}
        <Group>
          <Button
            type="submit"
            size="xs"
            loading={add.isPending}
            disabled={text.trim() === ''}
            data-testid="contact-note-submit"
          >
            {kind === 'task' ? t('contact.notes.addTask') : t('contact.notes.addNote')}
          </Button>
        </Group>
      </Stack>
    </form>
  )
}
