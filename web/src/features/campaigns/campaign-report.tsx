import { BarChart } from '@mantine/charts'
import { Button, Card, Group, Loader, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { ErrorState } from '../../app/error-state'
import { type Campaign, type CampaignReport, isActive, type ReportChannel, reportQueryOptions } from './api'
import { DeliveriesCard } from './campaign-deliveries'
import { ReasonList, usePurposeName } from './campaign-panels'
import { toZonedInput, useCampaignFormat } from './format'
import { useCampaignLabels } from './labels'

const STATS = ['audience', 'sent', 'delivered', 'bounced', 'failed', 'skipped', 'unsubscribed'] as const
/** Only for campaigns that track opens and clicks. */
const TRACKED = ['opened', 'clicked'] as const
type Stat = (typeof STATS)[number] | (typeof TRACKED)[number]

const total = (channels: readonly ReportChannel[], stat: Stat) =>
  channels.reduce((sum, c) => sum + (c[stat] ?? 0), 0)

/**
 * The report of a campaign that is sending or was sent: the audience decided at send start, the
 * excluded by reason, the ledger's counts as cards, the send over time and the funnel as charts.
 * Refreshed every few seconds while the send runs.
 */
export function CampaignReportView({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation()
  const live = isActive(campaign.status) || campaign.status === 'paused'
  const report = useQuery(reportQueryOptions(campaign.id, live))
  if (report.isError) return <ErrorState error={report.error} onRetry={() => void report.refetch()} />
  if (report.isPending) return <Loader size="sm" aria-label={t('common.loading')} />
  return (
    <ReportBody
      report={report.data}
      segmentTotal={campaign.audience?.segment.total ?? undefined}
      live={live}
      refreshing={report.isFetching}
      onRefresh={() => void report.refetch()}
    />
  )
}

function ReportBody({
  report,
  segmentTotal,
  live,
  refreshing,
  onRefresh,
}: {
  report: CampaignReport
  /** The segment's size when the audience was decided. */
  segmentTotal: number | undefined
  live: boolean
  refreshing: boolean
  onRefresh: () => void
}) {
  const { t } = useTranslation()
  const labels = useCampaignLabels()
  const format = useCampaignFormat()
  const purposeName = usePurposeName()
  const audience = report.audience ?? total(report.channels, 'audience')
  const anyOpens = report.channels.some((c) => c.opened != null || c.clicked != null)
  const cards: { stat: Stat; value: number }[] = [...STATS, ...(anyOpens ? TRACKED : [])].map((stat) => ({
    stat,
    value: stat === 'audience' ? audience : total(report.channels, stat),
  }))
  const excluded: Record<string, number> = {}
  const skipped: Record<string, number> = {}
  for (const c of report.channels) {
    for (const [r, n] of Object.entries(c.excludedBy)) excluded[r] = (excluded[r] ?? 0) + n
    for (const [r, n] of Object.entries(c.skippedBy)) skipped[r] = (skipped[r] ?? 0) + n
  }
  const excludedData = mergeByLabel({ ...excluded }, labels.reason).map(([reason, count]) => ({
    reason,
    count,
  }))
  const funnel = report.channels.map((c) => ({
    channel: labels.channel(c.channel),
    audience: c.audience,
    sent: c.sent,
    delivered: c.delivered,
    bounced: c.bounced,
    failed: c.failed,
    skipped: c.skipped,
  }))
  const day = (iso: string) => toZonedInput(iso, format.timeZone).slice(0, 10)
  const sameDay = new Set(report.timeline.map((p) => day(p.at))).size <= 1
  const timeline = report.timeline.map((p) => ({
    at: sameDay ? format.time(p.at) : format.dateTime(p.at),
    sent: p.sent,
    failed: p.failed,
    bounced: p.bounced,
  }))
  return (
    <Stack gap="md" data-testid="campaign-report" data-live={live}>
      <Group justify="space-between">
        <Title order={2} size="h3">
          {t('campaigns.report.title')}
        </Title>
        {live ? (
          <Group gap="xs" data-testid="campaign-report-live">
            {refreshing && <Loader size="xs" aria-label={t('common.loading')} />}
            <Text size="xs" c="dimmed">
              {t('campaigns.report.live')}
            </Text>
          </Group>
        ) : (
          <Button
            size="xs"
            variant="subtle"
            onClick={onRefresh}
            loading={refreshing}
            data-testid="campaign-report-refresh"
          >
            {t('campaigns.report.refresh')}
          </Button>
        )}
      </Group>
      <SimpleGrid cols={{ base: 2, sm: 4, lg: cards.length }}>
        {cards.map((c) => (
          <Card
            key={c.stat}
            withBorder
            padding="sm"
            data-testid={`campaign-stat-${c.stat}`}
            data-value={c.value}
          >
            <Text size="xs" c="dimmed">
              {t(`campaigns.counts.${c.stat}`)}
            </Text>
            <Text fz={26} fw={700}>
              {format.number(c.value)}
            </Text>
            {c.stat === 'audience' && segmentTotal !== undefined && (
              <Text size="xs" c="dimmed" data-testid="campaign-stat-segment">
                {t('campaigns.report.ofSegment', { total: format.number(segmentTotal) })}
              </Text>
            )}
          </Card>
        ))}
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <Card withBorder data-testid="campaign-chart-timeline">
          <Stack gap="xs">
            <Text fw={600}>{t('campaigns.report.timeline')}</Text>
            <Text size="sm" c="dimmed">
              {t('campaigns.report.timelineHelp', { timeZone: format.timeZone })}
            </Text>
            {timeline.length === 0 ? (
              <Text size="sm" c="dimmed">
                {t('campaigns.report.nothingYet')}
              </Text>
            ) : (
              <BarChart
                h={240}
                data={timeline}
                dataKey="at"
                type="stacked"
                maxBarWidth={48}
                withLegend
                yAxisProps={{ allowDecimals: false }}
                series={[
                  { name: 'sent', label: t('campaigns.counts.sent'), color: 'teal.6' },
                  { name: 'bounced', label: t('campaigns.counts.bounced'), color: 'orange.6' },
                  { name: 'failed', label: t('campaigns.counts.failed'), color: 'red.6' },
                ]}
              />
            )}
          </Stack>
        </Card>
        <Card withBorder data-testid="campaign-chart-funnel">
          <Stack gap="xs">
            <Text fw={600}>{t('campaigns.report.funnel')}</Text>
            <Text size="sm" c="dimmed">
              {t('campaigns.report.funnelHelp')}
            </Text>
            <BarChart
              h={240}
              data={funnel}
              dataKey="channel"
              maxBarWidth={48}
              withLegend
              yAxisProps={{ allowDecimals: false }}
              series={[
                { name: 'audience', label: t('campaigns.counts.audience'), color: 'blue.6' },
                { name: 'sent', label: t('campaigns.counts.sent'), color: 'teal.6' },
                { name: 'delivered', label: t('campaigns.counts.delivered'), color: 'green.6' },
                { name: 'bounced', label: t('campaigns.counts.bounced'), color: 'orange.6' },
                { name: 'failed', label: t('campaigns.counts.failed'), color: 'red.6' },
                { name: 'skipped', label: t('campaigns.counts.skipped'), color: 'gray.6' },
              ]}
            />
          </Stack>
        </Card>
      </SimpleGrid>
      <Card withBorder data-testid="campaign-chart-excluded">
        <Stack gap="xs">
          <Text fw={600}>{t('campaigns.report.excluded')}</Text>
          <Text size="sm" c="dimmed">
            {t('campaigns.report.excludedHelp')}
          </Text>
          {excludedData.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t('campaigns.audience.noneExcluded')}
            </Text>
          ) : (
            <BarChart
              h={Math.max(120, 36 * excludedData.length)}
              data={excludedData}
              dataKey="reason"
              orientation="vertical"
              yAxisProps={{ width: 200 }}
              xAxisProps={{ allowDecimals: false }}
              series={[{ name: 'count', label: t('campaigns.report.people'), color: 'gray.6' }]}
            />
          )}
        </Stack>
      </Card>
      <Card withBorder p={0}>
        <Table.ScrollContainer minWidth={900}>
          <Table data-testid="campaign-report-table" aria-label={t('campaigns.report.perChannel')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('campaigns.fields.channel')}</Table.Th>
                <Table.Th>{t('campaigns.fields.purpose')}</Table.Th>
                {[
                  'audience',
                  'queued',
                  'sent',
                  'delivered',
                  'bounced',
                  'failed',
                  'skipped',
                  'unsubscribed',
                ].map((s) => (
                  <Table.Th key={s} ta="right">
                    {t(`campaigns.counts.${s as Stat | 'queued'}`)}
                  </Table.Th>
                ))}
                {anyOpens && <Table.Th ta="right">{t('campaigns.counts.opened')}</Table.Th>}
                {anyOpens && <Table.Th ta="right">{t('campaigns.counts.clicked')}</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {report.channels.map((c) => (
                <Table.Tr key={c.channel} data-testid={`campaign-report-${c.channel}`}>
                  <Table.Td>{labels.channel(c.channel)}</Table.Td>
                  <Table.Td>{purposeName(c.purposeKey)}</Table.Td>
                  {(
                    [
                      'audience',
                      'queued',
                      'sent',
                      'delivered',
                      'bounced',
                      'failed',
                      'skipped',
                      'unsubscribed',
                    ] as const
                  ).map((s) => (
                    <Table.Td key={s} ta="right" data-stat={s}>
                      {format.number(c[s])}
                    </Table.Td>
                  ))}
                  {anyOpens && <Table.Td ta="right">{format.number(c.opened)}</Table.Td>}
                  {anyOpens && <Table.Td ta="right">{format.number(c.clicked)}</Table.Td>}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
      {Object.keys(skipped).length > 0 && (
        <Card withBorder data-testid="campaign-report-skipped">
          <Text fw={600}>{t('campaigns.report.skippedBy')}</Text>
          <ReasonList counts={skipped} />
        </Card>
      )}
      <DeliveriesCard campaignId={report.campaignId} />
    </Stack>
  )
}

/** Counts by their label, largest first: rules the UI shows under one label add up. */
function mergeByLabel(counts: Record<string, number>, label: (reason: string) => string): [string, number][] {
  const merged = new Map<string, number>()
  for (const [reason, n] of Object.entries(counts))
    if (n > 0) merged.set(label(reason), (merged.get(label(reason)) ?? 0) + n)
  return [...merged].sort((a, b) => b[1] - a[1])
}
