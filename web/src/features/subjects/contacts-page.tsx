import { Badge, Button, Center, Group, Loader, Select, Stack, Text, Title } from '@mantine/core'
import { useInfiniteQuery } from '@tanstack/react-query'
import { getRouteApi } from '@tanstack/react-router'
import { useTranslation } from 'react-i18next'
import { ErrorState } from '../../app/error-state'
import { usePermissions } from '../auth/permissions'
import { type ContactsSearch, DEFAULT_ORDER, DEFAULT_SORT } from './contacts.search'
import { ContactsEmptyState } from './contacts-empty-state'
import { ContactsExport } from './contacts-export'
import { ContactsTable } from './contacts-table'
import { useKindLabel } from './subject-kind-badges'
import {
  isSubjectKind,
  SORT_ORDERS,
  type SortOrder,
  SUBJECT_KINDS,
  SUBJECT_SORTS,
  type SubjectListFilter,
  type SubjectSort,
  subjectListQueryOptions,
} from './subjects.api'

const route = getRouteApi('/_app/contacts')

type SortValue = `${SubjectSort}_${SortOrder}`
const SORT_VALUES: SortValue[] = SUBJECT_SORTS.flatMap((sort) =>
  [...SORT_ORDERS].reverse().map((order): SortValue => `${sort}_${order}`),
)

function parseSortValue(value: string | null): Pick<ContactsSearch, 'sort' | 'order'> {
  const [sort, order] = (value ?? '').split('_')
  return {
    sort: SUBJECT_SORTS.find((candidate) => candidate === sort),
    order: SORT_ORDERS.find((candidate) => candidate === order),
  }
}

export function ContactsPage() {
  const { t } = useTranslation()
  const search = route.useSearch()
  const navigate = route.useNavigate()
  const filter: SubjectListFilter = {
    kind: search.kind,
    sort: search.sort ?? DEFAULT_SORT,
    order: search.order ?? DEFAULT_ORDER,
  }
  const query = useInfiniteQuery(subjectListQueryOptions(filter))
  const setSearch = (next: ContactsSearch) => navigate({ search: (previous) => ({ ...previous, ...next }) })

  const subjects = query.data?.pages.flatMap((page) => page.items) ?? []
  const total = query.data?.pages[0]?.total

  return (
    <Stack gap="md">
      <Group justify="space-between" align="center">
        <Group gap="sm" align="center">
          <Title order={1} size="h2">
            {t('subjects.title')}
          </Title>
          {total !== undefined && (
            <Badge variant="light" size="lg" data-testid="contacts-total" data-total={total}>
              {t('subjects.total', { count: total })}
            </Badge>
          )}
        </Group>
        <ContactsToolbar filter={filter} onChange={setSearch} />
      </Group>
      <Text size="sm" c="dimmed" data-testid="contacts-identifiers-note">
        {t('subjects.identifiersNote')}
      </Text>
      {query.isPending ? (
        <Center py="xl" data-testid="contacts-loading">
          <Group gap="sm">
            <Loader size="sm" />
            <Text c="dimmed">{t('subjects.loading')}</Text>
          </Group>
        </Center>
      ) : query.isError && !query.data ? (
        <ErrorState
          title={t('subjects.error.title')}
          error={query.error}
          onRetry={() => void query.refetch()}
          testId="contacts-error"
        />
      ) : subjects.length === 0 ? (
        <ContactsEmptyState kind={filter.kind} onClearKind={() => setSearch({ kind: undefined })} />
      ) : (
        <>
          <ContactsTable subjects={subjects} />
          {query.isFetchNextPageError && (
            <ErrorState error={query.error} onRetry={() => void query.fetchNextPage()} />
          )}
          <Group justify="space-between">
            <Text size="sm" c="dimmed">
              {t('subjects.shown', { shown: subjects.length, total: total ?? subjects.length })}
            </Text>
            {query.hasNextPage && (
              <Button
                variant="default"
                loading={query.isFetchingNextPage}
                onClick={() => void query.fetchNextPage()}
                data-testid="contacts-load-more"
              >
                {t('subjects.loadMore')}
              </Button>
            )}
          </Group>
        </>
      )}
    </Stack>
  )
}

function ContactsToolbar({
  filter,
  onChange,
}: {
  filter: SubjectListFilter
  onChange: (next: ContactsSearch) => void
}) {
  const { t } = useTranslation()
  const kindLabel = useKindLabel()
  const { can } = usePermissions()
  return (
    <Group gap="sm" align="flex-end">
      <Select
        label={t('subjects.filters.kind')}
        placeholder={t('subjects.filters.allKinds')}
        data={SUBJECT_KINDS.map((kind) => ({ value: kind, label: kindLabel(kind) }))}
        value={filter.kind ?? null}
        onChange={(value) => onChange({ kind: isSubjectKind(value) ? value : undefined })}
        clearable
        allowDeselect
        w={200}
        data-testid="contacts-kind-filter"
      />
      <Select
        label={t('subjects.filters.sort')}
        data={SORT_VALUES.map((value) => ({ value, label: t(`subjects.sort.${value}`) }))}
        value={`${filter.sort}_${filter.order}`}
        onChange={(value) => onChange(parseSortValue(value))}
        allowDeselect={false}
        w={220}
        data-testid="contacts-sort"
      />
      {can('subjects:export') && <ContactsExport kind={filter.kind} />}
    </Group>
  )
}
