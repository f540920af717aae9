import { Anchor, Badge, Button, Card, Group, Loader, Stack, Table, Text, Title } from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { Link } from '@tanstack/react-router'
import { useTranslation } from 'react-i18next'
import { ErrorState } from '../../app/error-state'
import { usePermissions } from '../auth/permissions'
import { type CampaignSummary, campaignsQueryOptions } from './api'
import { hasCallList } from './call-list'
import { useCampaignFormat } from './format'
import { STATUS_COLORS, useCampaignLabels } from './labels'

/**
 * Campaigns (issue #17): every campaign with its status, channels, segment, when it was or will be
 * sent, and its counts from the send ledger; refreshed while one is sending.
 */
export function CampaignsPage() {
  const { t } = useTranslation()
  const { can } = usePermissions()
  const campaigns = useQuery(campaignsQueryOptions())
  return (
    <Stack gap="md" maw={1400} data-testid="campaigns-page">
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={1} size="h2">
            {t('campaigns.title')}
          </Title>
          <Text size="sm" c="dimmed" maw={820}>
            {t('campaigns.intro')}
          </Text>
        </div>
        {can('campaigns:manage') && (
          <Button component={Link} to="/campaigns/new" data-testid="campaign-new">
            {t('campaigns.new')}
          </Button>
        )}
      </Group>
      {campaigns.isError ? (
        <ErrorState
          error={campaigns.error}
          onRetry={() => void campaigns.refetch()}
          testId="campaigns-error"
        />
      ) : campaigns.isPending ? (
        <Loader size="sm" aria-label={t('common.loading')} />
      ) : campaigns.data.length === 0 ? (
        <Card withBorder>
          <Text size="sm" c="dimmed" data-testid="campaigns-empty">
            {t('campaigns.none')}
          </Text>
        </Card>
      ) : (
        <Card withBorder p={0}>
          <Table.ScrollContainer minWidth={1000}>
            <CampaignTable campaigns={campaigns.data} />
          </Table.ScrollContainer>
        </Card>
      )}
    </Stack>
  )
}

function CampaignTable({ campaigns }: { campaigns: CampaignSummary[] }) {
  const { t } = useTranslation()
  const { can } = usePermissions()
  const agent = can('campaigns:call')
  const labels = useCampaignLabels()
  const format = useCampaignFormat()
  return (
    <Table striped highlightOnHover data-testid="campaign-list" aria-label={t('campaigns.title')}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('campaigns.fields.name')}</Table.Th>
          <Table.Th>{t('campaigns.fields.status')}</Table.Th>
          <Table.Th>{t('campaigns.fields.channels')}</Table.Th>
          <Table.Th>{t('campaigns.fields.segment')}</Table.Th>
          <Table.Th>{t('campaigns.list.when')}</Table.Th>
          <Table.Th ta="right">{t('campaigns.counts.audience')}</Table.Th>
          <Table.Th ta="right">{t('campaigns.counts.sent')}</Table.Th>
          <Table.Th ta="right">{t('campaigns.counts.delivered')}</Table.Th>
          <Table.Th ta="right">{t('campaigns.counts.bounced')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {campaigns.map((c) => (
          <Table.Tr key={c.id} data-testid="campaign-row" data-status={c.status}>
            <Table.Td>
              <Anchor
                fw={500}
                renderRoot={(props) => <Link {...props} to="/campaigns/$id" params={{ id: c.id }} />}
              >
                {c.name}
              </Anchor>
              {agent && hasCallList(c) && (
                <Anchor
                  size="xs"
                  display="block"
                  data-testid="campaign-row-call-list"
                  renderRoot={(props) => <Link {...props} to="/campaigns/$id/calls" params={{ id: c.id }} />}
                >
                  {t('campaigns.calls.open')}
                </Anchor>
              )}
            </Table.Td>
            <Table.Td>
              <Badge color={STATUS_COLORS[c.status]} variant="light" data-testid="campaign-status">
                {labels.status(c.status)}
              </Badge>
            </Table.Td>
            <Table.Td>
              <Group gap={4}>
                {c.channels.map((ch) => (
                  <Badge key={ch.channel} variant="outline" size="sm" color="gray">
                    {labels.channel(ch.channel)}
                  </Badge>
                ))}
              </Group>
            </Table.Td>
            <Table.Td>{c.segment?.name ?? '–'}</Table.Td>
            <Table.Td>
              <When campaign={c} dateTime={format.dateTime} />
            </Table.Td>
            <Table.Td ta="right">{c.startedAt ? format.number(c.counts.audience) : '–'}</Table.Td>
            <Table.Td ta="right">{format.number(c.counts.sent)}</Table.Td>
            <Table.Td ta="right">{format.number(c.counts.delivered)}</Table.Td>
            <Table.Td ta="right">{format.number(c.counts.bounced)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  )
}

/** The time that matters for the status: sent, started, planned, or nothing yet. */
function When({ campaign: c, dateTime }: { campaign: CampaignSummary; dateTime: (iso: string) => string }) {
  const { t } = useTranslation()
  if (c.finishedAt)
    return <Text size="sm">{t('campaigns.list.finishedAt', { time: dateTime(c.finishedAt) })}</Text>
  if (c.startedAt)
    return <Text size="sm">{t('campaigns.list.startedAt', { time: dateTime(c.startedAt) })}</Text>
  if (c.scheduledAt)
    return <Text size="sm">{t('campaigns.list.scheduledAt', { time: dateTime(c.scheduledAt) })}</Text>
  return (
    <Text size="sm" c="dimmed">
      {t('campaigns.list.notScheduled')}
    </Text>
  )
}
