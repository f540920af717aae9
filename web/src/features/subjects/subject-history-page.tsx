import {
  Alert,
  Anchor,
  Badge,
  Button,
  Center,
  Group,
  Loader,
  Paper,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core'
import { useInfiniteQuery } from '@tanstack/react-query'
import { getRouteApi, Link } from '@tanstack/react-router'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { ErrorState } from '../../app/error-state'
import { currentLanguage } from '../../app/i18n'
import { useHistoryLabels } from './history-labels'
import {
  HISTORY_ACTIONS,
  HISTORY_ACTOR_TYPES,
  type HistoryEntry,
  isOneOf,
  LEGAL_BASES,
  subjectHistoryQueryOptions,
} from './subject-history.api'

const route = getRouteApi('/_app/contacts/$id/history')

const ACTION_COLORS: Partial<Record<(typeof HISTORY_ACTIONS)[number], string>> = {
  create: 'teal',
  read: 'gray',
  update: 'blue',
  export: 'grape',
  erase: 'red',
  delete: 'red',
  denied: 'orange',
  consent: 'green',
  objection: 'yellow',
  restrict: 'yellow',
}

/** A subject's audit history: who did what with the person's data, when and why (Art. 5(2), Art. 15). */
export function SubjectHistoryPage() {
  const { t } = useTranslation()
  const { id } = route.useParams()
  const query = useInfiniteQuery(subjectHistoryQueryOptions(id))
  const entries = query.data?.pages.flatMap((page) => page.items) ?? []

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end">
        <Stack gap={4}>
          <Anchor component={Link} to="/contacts" size="sm" data-testid="history-back">
            {t('history.back')}
          </Anchor>
          <Title order={1} size="h2">
            {t('history.title')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('history.subject')}{' '}
            <Text span ff="monospace" size="sm" data-testid="history-subject-id">
              {id}
            </Text>
          </Text>
        </Stack>
      </Group>
      <Text size="sm" c="dimmed" maw={760}>
        {t('history.intro')}
      </Text>
      {query.isPending ? (
        <Center py="xl" data-testid="history-loading">
          <Group gap="sm">
            <Loader size="sm" />
            <Text c="dimmed">{t('history.loading')}</Text>
          </Group>
        </Center>
      ) : query.isError && !query.data ? (
        isProblem(query.error, 404) ? (
          <Alert
            color="gray"
            variant="light"
            title={t('history.notFound.title')}
            data-testid="history-not-found"
          >
            {t('history.notFound.body')}
          </Alert>
        ) : (
          <ErrorState
            title={t('history.error')}
            error={query.error}
            onRetry={() => void query.refetch()}
            testId="history-error"
          />
        )
      ) : entries.length === 0 ? (
        <Paper withBorder radius="md" p="xl" data-testid="history-empty">
          <Stack align="center" gap="xs" ta="center">
            <Title order={3}>{t('history.empty.title')}</Title>
            <Text c="dimmed">{t('history.empty.body')}</Text>
          </Stack>
        </Paper>
      ) : (
        <>
          <HistoryTable entries={entries} />
          {query.isFetchNextPageError && (
            <ErrorState error={query.error} onRetry={() => void query.fetchNextPage()} />
          )}
          <Group justify="space-between">
            <Text size="sm" c="dimmed">
              {t('history.shown', { count: entries.length })}
            </Text>
            {query.hasNextPage && (
              <Button
                variant="default"
                loading={query.isFetchingNextPage}
                onClick={() => void query.fetchNextPage()}
                data-testid="history-load-more"
              >
                {t('history.loadMore')}
              </Button>
            )}
          </Group>
        </>
      )}
    </Stack>
  )
}

/** Badges size to their words: a narrow column must never cut one to "R…". */
const WHOLE_BADGE = { root: { flexShrink: 0 }, label: { overflow: 'visible', textOverflow: 'clip' } } as const

function HistoryTable({ entries }: { entries: HistoryEntry[] }) {
  const { t } = useTranslation()
  const labels = useHistoryLabels()
  const format = new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'medium', timeStyle: 'medium' })
  const when = (iso: string) => {
    const date = new Date(iso)
    return Number.isNaN(date.getTime()) ? iso : format.format(date)
  }
  const none = (
    <Text size="sm" c="dimmed">
      {t('common.emptyValue')}
    </Text>
  )
  return (
    <Table.ScrollContainer minWidth={960}>
      <Table striped verticalSpacing="xs" data-testid="history-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('history.columns.at')}</Table.Th>
            <Table.Th>{t('history.columns.action')}</Table.Th>
            <Table.Th>{t('history.columns.actor')}</Table.Th>
            <Table.Th>{t('history.columns.purpose')}</Table.Th>
            <Table.Th>{t('history.columns.legalBasis')}</Table.Th>
            <Table.Th>{t('history.columns.fields')}</Table.Th>
            <Table.Th>{t('history.columns.reason')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {entries.map((entry) => (
            <Table.Tr
              key={entry.seq}
              data-testid="history-row"
              data-seq={entry.seq}
              data-action={entry.action}
            >
              <Table.Td>
                <Text size="sm" title={t('history.seq', { seq: entry.seq })}>
                  {when(entry.at)}
                </Text>
              </Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <Badge
                  size="sm"
                  variant="light"
                  styles={WHOLE_BADGE}
                  data-testid="history-action"
                  color={
                    isOneOf(HISTORY_ACTIONS, entry.action) ? (ACTION_COLORS[entry.action] ?? 'gray') : 'gray'
                  }
                >
                  {isOneOf(HISTORY_ACTIONS, entry.action)
                    ? t(`history.actions.${entry.action}`)
                    : entry.action}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Stack gap={0}>
                  <Text size="sm">
                    {isOneOf(HISTORY_ACTOR_TYPES, entry.actor.type)
                      ? t(`history.actorTypes.${entry.actor.type}`)
                      : entry.actor.type}
                    {entry.actor.role ? ` · ${labels.role(entry.actor.role)}` : ''}
                  </Text>
                  <Text size="xs" c="dimmed" ff="monospace" title={entry.actor.id}>
                    {entry.actor.id.length > 20 ? `${entry.actor.id.slice(0, 8)}…` : entry.actor.id}
                  </Text>
                </Stack>
              </Table.Td>
              <Table.Td>
                {entry.purpose ? (
                  <Text
                    size="sm"
                    ff={labels.knowsPurpose(entry.purpose) ? undefined : 'monospace'}
                    title={entry.purpose}
                    data-testid="history-purpose"
                    data-key={entry.purpose}
                  >
                    {labels.purpose(entry.purpose)}
                  </Text>
                ) : (
                  none
                )}
              </Table.Td>
              <Table.Td>
                {entry.legalBasis ? (
                  <Text size="sm">
                    {isOneOf(LEGAL_BASES, entry.legalBasis)
                      ? t(`history.legalBases.${entry.legalBasis}`)
                      : entry.legalBasis}
                  </Text>
                ) : (
                  none
                )}
              </Table.Td>
              <Table.Td>
                {entry.fields.length > 0 ? (
                  <Group gap={4}>
                    {entry.fields.map((field) => (
                      <Badge
                        key={field}
                        size="sm"
                        variant="outline"
                        color="gray"
                        tt="none"
                        styles={WHOLE_BADGE}
                        title={field}
                        data-testid="history-field"
                        data-key={field}
                      >
                        {labels.field(field)}
                      </Badge>
                    ))}
                  </Group>
                ) : (
                  none
                )}
              </Table.Td>
              <Table.Td>
                {entry.reason ? (
                  <Text
                    size="sm"
                    title={[
                      entry.reason,
                      entry.requestId ? t('history.requestId', { id: entry.requestId }) : '',
                    ]
                      .filter(Boolean)
                      .join('\n')}
                    data-testid="history-reason"
                  >
                    {labels.reason(entry.reason)}
                  </Text>
                ) : (
                  none
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  )
}
