import {
  Alert,
  Badge,
  Button,
  Center,
  Group,
  Loader,
  Paper,
  Select,
  Stack,
  Text,
  Title,
  Tooltip,
} from '@mantine/core'
import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { getRouteApi } from '@tanstack/react-router'
import type { TFunction } from 'i18next'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { ErrorState } from '../../app/error-state'
import { currentLanguage } from '../../app/i18n'
import { reasonText } from '../../app/problem-text'
import { usePermissions } from '../auth/permissions'
import { DENIAL_RULES, isOneOf } from './contact-overview.api'
import { type ContactsSearch, DEFAULT_ORDER, DEFAULT_SORT } from './contacts.search'
import { AttributeFilterBar } from './contacts-attribute-filter'
import { ContactsEmptyState } from './contacts-empty-state'
import { ContactsExport } from './contacts-export'
import { ContactsSearchForm, ContactsSearchResults, useContactsSearch } from './contacts-search'
import { ContactsTable } from './contacts-table'
import { fieldCatalogQueryOptions } from './fields.api'
import { useKindLabel } from './subject-kind-badges'
import {
  isSubjectKind,
  SORT_ORDERS,
  type SortOrder,
  SUBJECT_KINDS,
  SUBJECT_SORTS,
  type Subject,
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
    ...(search.attributes ? { attributes: search.attributes } : {}),
  }
  const query = useInfiniteQuery(subjectListQueryOptions(filter))
  const setSearch = (next: ContactsSearch) => navigate({ search: (previous) => ({ ...previous, ...next }) })
  const finder = useContactsSearch()
  const refusal = attributeRefusal(t, query.error)

  const subjects = query.data?.pages.flatMap((page) => page.items) ?? []
  const total = query.data?.pages[0]?.total
  const denialLabel = (rule: string) =>
    isOneOf(DENIAL_RULES, rule) ? t(`contact.permissions.denials.${rule}`) : rule
  const excluded = query.data?.pages[0]?.excluded ?? 0
  const excludedBy = query.data?.pages[0]?.excludedBy ?? {}
  // Large lists' counts are remembered for a while (countedAt): say how old they are.
  const countedAt = query.data?.pages[0]?.countedAt
  const countedAgo = countedAt ? Math.max(0, Math.round((Date.now() - Date.parse(countedAt)) / 1000)) : 0

  return (
    <Stack gap="md">
      <Group justify="space-between" align="center">
        <Group gap="sm" align="center">
          <Title order={1} size="h2">
            {t('subjects.title')}
          </Title>
          {total !== undefined && (
            <Tooltip label={t('subjects.countedAgo', { count: countedAgo })} disabled={countedAgo < 5}>
              <Badge variant="light" size="lg" data-testid="contacts-total" data-total={total}>
                {t('subjects.total', { count: total })}
              </Badge>
            </Tooltip>
          )}
          {excluded > 0 && (
            <Tooltip
              multiline
              w={320}
              label={Object.entries(excludedBy)
                .map(([rule, n]) => `${denialLabel(rule)}: ${n}`)
                .join(' · ')}
            >
              <Badge
                variant="outline"
                color="gray"
                size="lg"
                data-testid="contacts-excluded"
                data-excluded={excluded}
              >
                {t('subjects.excluded', { count: excluded })}
              </Badge>
            </Tooltip>
          )}
        </Group>
        <ContactsToolbar filter={filter} onChange={setSearch} />
      </Group>
      <Text size="sm" c="dimmed" data-testid="contacts-identifiers-note">
        {t('subjects.identifiersNote')}
      </Text>
      <Paper withBorder radius="md" p="sm">
        <Stack gap="sm">
          <ContactsSearchForm state={finder} />
          {finder.search === null && (
            <AttributeFilterBar
              filters={search.attributes}
              onChange={(attributes) => setSearch({ attributes })}
              refusedKey={refusal?.key}
            />
          )}
        </Stack>
      </Paper>
      {finder.search !== null ? (
        <ContactsSearchResults state={finder} />
      ) : query.isPending ? (
        <Center py="xl" data-testid="contacts-loading">
          <Group gap="sm">
            <Loader size="sm" />
            <Text c="dimmed">{t('subjects.loading')}</Text>
          </Group>
        </Center>
      ) : query.isError && !query.data && refusal ? (
        <AttributeRefusal refusal={refusal} />
      ) : query.isError && !query.data ? (
        <ErrorState
          title={t('subjects.error.title')}
          error={query.error}
          onRetry={() => void query.refetch()}
          testId="contacts-error"
        />
      ) : subjects.length === 0 ? (
        <ContactsEmptyState
          kind={filter.kind}
          onClearKind={() => setSearch({ kind: undefined })}
          withAttributeFilters={filter.attributes !== undefined}
          onClearAttributes={() => setSearch({ attributes: undefined })}
        />
      ) : (
        <>
          {/* The list carries the name and e-mail address where the role may see them (one audited read
              per page); a role that may not sees the pseudonymous view. */}
          <ContactsTable subjects={subjects} withIdentity={subjects.some(hasIdentity)} />
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

interface Refusal {
  status: 400 | 403
  /** The attribute the server named (`attributes.region` -> `region`), when it did. */
  key: string | undefined
  reason: string | undefined
}

/** A list the server refused because of its attribute filters: which one, and why. */
function attributeRefusal(t: TFunction, error: unknown): Refusal | undefined {
  if (isProblem(error, 403)) {
    // "your role may not filter on region for this purpose"
    const key = /may not filter on ([A-Za-z0-9]+)/.exec(error.detail ?? '')?.[1]
    return { status: 403, key, reason: undefined }
  }
  if (isProblem(error, 400)) {
    const complaint = error.errors.find((e) => e.field === 'attributes' || e.field.startsWith('attributes.'))
    if (!complaint) return undefined
    const key = complaint.field.startsWith('attributes.')
      ? complaint.field.slice('attributes.'.length)
      : undefined
    return { status: 400, key, reason: reasonText(t, complaint) }
  }
  return undefined
}

function AttributeRefusal({ refusal }: { refusal: Refusal }) {
  const { t } = useTranslation()
  const catalog = useQuery(fieldCatalogQueryOptions())
  const language = currentLanguage()
  const field = refusal.key
    ? (catalog.data?.find((f) => f.key === refusal.key)?.label[language] ?? refusal.key)
    : undefined
  return (
    <Alert
      color="orange"
      variant="light"
      title={t('subjects.attributeFilter.refused.title')}
      data-testid="contacts-attribute-refused"
      data-status={refusal.status}
    >
      <Stack gap={4}>
        <Text size="sm">
          {refusal.status === 403
            ? field
              ? t('subjects.attributeFilter.refused.forbiddenField', { field })
              : t('subjects.attributeFilter.refused.forbidden')
            : field
              ? t('subjects.attributeFilter.refused.invalidField', { field })
              : t('subjects.attributeFilter.refused.invalid')}
        </Text>
        {refusal.reason && (
          <Text size="xs" c="dimmed">
            {refusal.reason}
          </Text>
        )}
        <Text size="sm">{t('subjects.attributeFilter.refused.hint')}</Text>
      </Stack>
    </Alert>
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

/** Whether the list gave the name or e-mail address of a contact (the role may see them). */
function hasIdentity(subject: Subject): boolean {
  const { firstName, lastName, email } = subject.identifiers ?? {}
  return Boolean(firstName || lastName || email)
}
