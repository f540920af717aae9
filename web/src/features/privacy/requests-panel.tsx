import { Anchor, Button, Center, Group, Loader, Paper, Stack, Table, Text, Title } from '@mantine/core'
import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { Link } from '@tanstack/react-router'
import { useTranslation } from 'react-i18next'
import { ErrorState } from '../../app/error-state'
import { OpenLetterTasks } from '../requests/request-answer-forms'
import { DueCell, KindCell, useRequestLabels } from '../requests/request-labels'
import { AssigneeText, RequestActions, StatusBadge } from '../requests/request-steps'
import {
  type OpenRequest,
  openRequestsQueryOptions,
  requestKindsQueryOptions,
} from '../requests/requests.api'
import { type ContactFormat, useContactFormat } from '../subjects/contact-format'

/**
 * The data subject requests not yet handled, of everyone, the one due first on top (overdue ones
 * first): kind, how it reached us, when, when the answer is due, whether the person wrote
 * something, and the contact. What they wrote is read on the contact's page, not here.
 */
export function RequestsPanel() {
  const { t } = useTranslation()
  const labels = useRequestLabels()
  const format = useContactFormat()
  const query = useInfiniteQuery(openRequestsQueryOptions())
  const kinds = useQuery(requestKindsQueryOptions())
  const requests = query.data?.pages.flatMap((page) => page.items) ?? []
  const total = query.data?.pages[0]?.total

  return (
    <Stack gap="sm" data-testid="privacy-requests">
      <Text size="sm" c="dimmed" maw={760} data-testid="privacy-requests-intro">
        {kinds.data
          ? t('requests.inbox.introDeadline', { deadline: labels.deadline(kinds.data.deadline) })
          : t('requests.inbox.intro')}
      </Text>
      <OpenLetterTasks />
      {query.isPending ? (
        <Center py="xl">
          <Loader size="sm" aria-label={t('common.loading')} />
        </Center>
      ) : query.isError && !query.data ? (
        <ErrorState
          title={t('requests.inbox.error')}
          error={query.error}
          onRetry={() => void query.refetch()}
          testId="privacy-requests-error"
        />
      ) : requests.length === 0 ? (
        <Paper withBorder radius="md" p="xl" data-testid="privacy-requests-empty">
          <Stack align="center" gap="xs" ta="center">
            <Title order={3} size="h4">
              {t('requests.inbox.empty.title')}
            </Title>
            <Text size="sm" c="dimmed">
              {t('requests.inbox.empty.body')}
            </Text>
          </Stack>
        </Paper>
      ) : (
        <>
          <OpenRequestsTable requests={requests} format={format} />
          {query.isFetchNextPageError && (
            <ErrorState error={query.error} onRetry={() => void query.fetchNextPage()} />
          )}
          <Group justify="space-between">
            <Text size="sm" c="dimmed" data-testid="privacy-requests-count">
              {total !== undefined && total > requests.length
                ? t('requests.inbox.shownOf', { count: requests.length, total })
                : t('requests.inbox.total', { count: requests.length })}
            </Text>
            {query.hasNextPage && (
              <Button
                variant="default"
                loading={query.isFetchingNextPage}
                onClick={() => void query.fetchNextPage()}
                data-testid="privacy-requests-load-more"
              >
                {t('requests.inbox.loadMore')}
              </Button>
            )}
          </Group>
        </>
      )}
    </Stack>
  )
}

function OpenRequestsTable({ requests, format }: { requests: OpenRequest[]; format: ContactFormat }) {
  const { t } = useTranslation()
  const labels = useRequestLabels()
  return (
    <Table.ScrollContainer minWidth={1100}>
      <Table verticalSpacing="sm" striped data-testid="privacy-requests-table">
        <Table.Caption>{t('requests.inbox.caption')}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('requests.columns.kind')}</Table.Th>
            <Table.Th>{t('requests.columns.channel')}</Table.Th>
            <Table.Th>{t('requests.columns.receivedAt')}</Table.Th>
            <Table.Th>{t('requests.columns.dueAt')}</Table.Th>
            <Table.Th>{t('requests.columns.status')}</Table.Th>
            <Table.Th>{t('requests.columns.details')}</Table.Th>
            <Table.Th>{t('requests.columns.contact')}</Table.Th>
            <Table.Th>{t('requests.columns.steps')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {requests.map((request) => (
            <Table.Tr
              key={request.id}
              data-testid="privacy-request"
              data-id={request.id}
              data-subject-id={request.subjectId}
              data-kind={request.kind}
              data-channel={request.channel}
            >
              <Table.Td>
                <KindCell kind={request.kind} />
              </Table.Td>
              <Table.Td>
                <Text size="sm" data-testid="request-channel">
                  {labels.channel(request.channel)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" style={{ whiteSpace: 'nowrap' }} data-testid="request-received">
                  <time dateTime={request.receivedAt}>{format.dateTime(request.receivedAt)}</time>
                </Text>
              </Table.Td>
              <Table.Td>
                <DueCell request={request} format={format} />
              </Table.Td>
              <Table.Td>
                <StatusBadge status={request.status} />
                <AssigneeText assigneeId={request.assigneeId} />
              </Table.Td>
              <Table.Td>
                <Text
                  size="sm"
                  c={request.hasDetails ? undefined : 'dimmed'}
                  data-testid="request-has-details"
                  data-has-details={request.hasDetails}
                >
                  {request.hasDetails ? t('requests.details.withText') : t('requests.details.none')}
                </Text>
              </Table.Td>
              <Table.Td>
                <Anchor
                  size="sm"
                  title={request.subjectId}
                  style={{ whiteSpace: 'nowrap' }}
                  aria-label={t('requests.inbox.openContactLabel', {
                    kind: labels.kind(request.kind),
                    id: contactName(request) ?? request.subjectId.slice(0, 8),
                  })}
                  data-testid="privacy-request-contact"
                  renderRoot={(props) => (
                    <Link {...props} to="/contacts/$id" params={{ id: request.subjectId }} search={{}} />
                  )}
                >
                  {contactName(request) ??
                    t('requests.inbox.openContact', { id: request.subjectId.slice(0, 8) })}
                </Anchor>
                {request.contact?.email && contactName(request) !== request.contact.email && (
                  <Text size="xs" c="dimmed" data-testid="privacy-request-email">
                    {request.contact.email}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <RequestActions request={request} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  )
}

/** "First Last", or the e-mail address, or nothing (the pseudonymous id is shown then). */
function contactName(request: OpenRequest): string | undefined {
  const { firstName, lastName, email } = request.contact ?? {}
  const name = [firstName, lastName].filter(Boolean).join(' ')
  return name || email || undefined
}
