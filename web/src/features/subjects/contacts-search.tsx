import { Button, Center, Group, Loader, Paper, Stack, Text, TextInput } from '@mantine/core'
import { type UseQueryResult, useQuery } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { ErrorState } from '../../app/error-state'
import { ContactsTable } from './contacts-table'
import {
  type SubjectPage,
  type SubjectSearch,
  subjectSearchQueryOptions,
  toSubjectSearch,
} from './subjects.api'

const termOf = (search: SubjectSearch) => ('email' in search ? search.email : search.name)

export interface ContactsSearchState {
  /** What is typed in the search box. */
  text: string
  setText: (text: string) => void
  /** The search that was asked for (submitted), or null when none is active. */
  search: SubjectSearch | null
  query: UseQueryResult<SubjectPage>
  submit: () => void
  clear: () => void
}

/**
 * The search of the contacts page. The term is personal data (a name, an e-mail address): it lives
 * in this page's memory only, never in the URL, and is sent in the body of a POST.
 */
export function useContactsSearch(): ContactsSearchState {
  const [text, setText] = useState('')
  const [search, setSearch] = useState<SubjectSearch | null>(null)
  const query = useQuery(subjectSearchQueryOptions(search))
  return {
    text,
    setText,
    search,
    query,
    submit: () => {
      const next = toSubjectSearch(text)
      if (!next) {
        setSearch(null)
        return
      }
      // The same search once more: the user wants it fresh.
      if (search && JSON.stringify(search) === JSON.stringify(next)) void query.refetch()
      else setSearch(next)
    },
    clear: () => {
      setText('')
      setSearch(null)
    },
  }
}

/** One box for both: with an `@` it looks for an e-mail address, otherwise for a name. */
export function ContactsSearchForm({ state }: { state: ContactsSearchState }) {
  const { t } = useTranslation()
  const { text, search, query } = state
  // A refused search (400: a name without a word of two letters, a malformed address) is explained
  // next to the box, as long as the box still holds what was refused.
  const refused =
    search !== null && isProblem(query.error, 400) && text.trim() === termOf(search)
      ? 'email' in search
        ? t('subjects.search.invalidEmail')
        : t('subjects.search.nameTooShort')
      : undefined
  const submit = (event: FormEvent) => {
    event.preventDefault()
    state.submit()
  }
  return (
    <search>
      <form onSubmit={submit} data-testid="contacts-search">
        <TextInput
          label={t('subjects.search.label')}
          placeholder={t('subjects.search.placeholder')}
          description={t('subjects.search.hint')}
          type="search"
          autoComplete="off"
          spellCheck={false}
          maxLength={320}
          value={text}
          error={refused}
          errorProps={{ 'data-testid': 'contacts-search-error' }}
          onChange={(event) => state.setText(event.currentTarget.value)}
          maw={560}
          data-testid="contacts-search-input"
          // The button sits next to the input itself, whatever the label, hint or error above and below.
          inputContainer={(input) => (
            <Group gap="sm" wrap="nowrap" align="flex-start">
              <div style={{ flex: 1 }}>{input}</div>
              <Button
                type="submit"
                variant="light"
                loading={query.isFetching}
                disabled={text.trim() === ''}
                data-testid="contacts-search-submit"
              >
                {t('subjects.search.submit')}
              </Button>
            </Group>
          )}
        />
      </form>
    </search>
  )
}

/** The results of the active search, in place of the list: "n results for …", the table, and the way back. */
export function ContactsSearchResults({ state }: { state: ContactsSearchState }) {
  const { t } = useTranslation()
  const { search, query } = state
  if (!search) return null
  const term = termOf(search)
  const clear = (
    <Button variant="subtle" size="xs" onClick={state.clear} data-testid="contacts-search-clear">
      {t('subjects.search.clear')}
    </Button>
  )
  if (query.isPending)
    return (
      <Center py="xl" data-testid="contacts-search-loading">
        <Group gap="sm">
          <Loader size="sm" />
          <Text c="dimmed">{t('subjects.search.searching')}</Text>
        </Group>
      </Center>
    )
  if (query.isError) {
    // The box says what was wrong with the input; here only the way back to the list.
    if (isProblem(query.error, 400)) return <Group>{clear}</Group>
    return (
      <Stack gap="sm" align="flex-start">
        <ErrorState
          title={t('subjects.search.error')}
          error={query.error}
          onRetry={() => void query.refetch()}
          testId="contacts-search-failed"
        />
        {clear}
      </Stack>
    )
  }
  const found = query.data.items
  return (
    <Stack gap="sm" data-testid="contacts-search-results" data-count={found.length}>
      <Group justify="space-between" align="center">
        <Text size="sm" fw={500} role="status" data-testid="contacts-search-summary">
          {found.length === 0
            ? t('subjects.search.none', { query: term })
            : t('subjects.search.results', { count: found.length, query: term })}
        </Text>
        {clear}
      </Group>
      {found.length > 0 ? (
        <>
          <ContactsTable subjects={found} withIdentity />
          <Text size="xs" c="dimmed">
            {t('subjects.search.scope')}
          </Text>
        </>
      ) : (
        <Paper withBorder radius="md" p="lg" data-testid="contacts-search-empty">
          <Text size="sm" c="dimmed" ta="center">
            {t('subjects.search.noneHint')}
          </Text>
        </Paper>
      )}
    </Stack>
  )
}
