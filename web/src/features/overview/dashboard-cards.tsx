import { BarChart, LineChart } from '@mantine/charts'
import { Anchor, Badge, Card, Group, Loader, Stack, Table, Text } from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { Link } from '@tanstack/react-router'
import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { latestImportsQueryOptions } from '../imports/imports.api'
import { useContactFormat } from '../subjects/contact-format'
import { isOneOf } from '../subjects/contact-overview.api'
import { useKindLabel } from '../subjects/subject-kind-badges'
import type { Dashboard } from './dashboard.api'

/** A dashboard card: a title, what it shows, and the content. */
export function DashboardCard({
  title,
  description,
  testId,
  children,
}: {
  title: string
  description: string
  testId: string
  children: ReactNode
}) {
  return (
    <Card withBorder radius="md" padding="lg" data-testid={testId}>
      <Stack gap="xs">
        <Text fw={600}>{title}</Text>
        <Text size="sm" c="dimmed">
          {description}
        </Text>
        {children}
      </Stack>
    </Card>
  )
}

/** Contacts per kind, as bars. */
export function ContactsByKindCard({ rows }: { rows: NonNullable<Dashboard['contactsByKind']> }) {
  const { t } = useTranslation()
  const kindLabel = useKindLabel()
  const data = rows.map((r) => ({ kind: kindLabel(r.kind), count: r.count }))
  return (
    <DashboardCard
      title={t('overview.kinds.title')}
      description={t('overview.kinds.description')}
      testId="overview-kinds-card"
    >
      {data.length === 0 ? (
        <Text size="sm">{t('overview.none')}</Text>
      ) : (
        <BarChart
          h={220}
          data={data}
          dataKey="kind"
          series={[{ name: 'count', label: t('overview.kinds.count'), color: 'teal.6' }]}
          tickLine="y"
          data-testid="overview-kinds-chart"
        />
      )}
      <ChartTable
        testId="overview-kinds-table"
        rows={data.map((r) => [r.kind, r.count])}
        head={[t('overview.kinds.kind'), t('overview.kinds.count')]}
      />
    </DashboardCard>
  )
}

/** Consents granted, confirmed and withdrawn per week, as lines. */
export function ConsentWeeksCard({
  weeks,
  timeZone,
}: {
  weeks: NonNullable<Dashboard['consentWeeks']>
  timeZone: string
}) {
  const { t, i18n } = useTranslation()
  const dayMonth = new Intl.DateTimeFormat(i18n.resolvedLanguage, {
    day: 'numeric',
    month: 'short',
    timeZone: 'UTC',
  })
  const data = weeks.map((w) => ({ ...w, label: dayMonth.format(new Date(`${w.week}T00:00:00Z`)) }))
  return (
    <DashboardCard
      title={t('overview.consents.title')}
      description={t('overview.consents.description', { timeZone })}
      testId="overview-consents-card"
    >
      <LineChart
        h={220}
        data={data}
        dataKey="label"
        withLegend
        curveType="linear"
        series={[
          { name: 'granted', label: t('overview.consents.granted'), color: 'teal.6' },
          { name: 'confirmed', label: t('overview.consents.confirmed'), color: 'blue.6' },
          { name: 'withdrawn', label: t('overview.consents.withdrawn'), color: 'red.6' },
        ]}
        data-testid="overview-consents-chart"
      />
      <ChartTable
        testId="overview-consents-table"
        head={[
          t('overview.consents.week'),
          t('overview.consents.granted'),
          t('overview.consents.confirmed'),
          t('overview.consents.withdrawn'),
        ]}
        rows={data.map((w) => [w.label, w.granted, w.confirmed, w.withdrawn])}
      />
    </DashboardCard>
  )
}

/** Consents in force per purpose and channel, as horizontal bars. */
export function ConsentCoverageCard({ rows }: { rows: NonNullable<Dashboard['consentCoverage']> }) {
  const { t } = useTranslation()
  const format = useContactFormat()
  const data = rows.map((r) => ({
    label: `${format.purpose(r.purpose)} · ${format.channel(r.channel)}`,
    count: r.count,
  }))
  return (
    <DashboardCard
      title={t('overview.coverage.title')}
      description={t('overview.coverage.description')}
      testId="overview-coverage-card"
    >
      {data.length === 0 ? (
        <Text size="sm">{t('overview.coverage.none')}</Text>
      ) : (
        <BarChart
          h={Math.max(120, 36 * data.length)}
          data={data}
          dataKey="label"
          orientation="vertical"
          yAxisProps={{ width: 200 }}
          series={[{ name: 'count', label: t('overview.coverage.count'), color: 'blue.6' }]}
          data-testid="overview-coverage-chart"
        />
      )}
      <ChartTable
        testId="overview-coverage-table"
        head={[t('overview.coverage.purpose'), t('overview.coverage.count')]}
        rows={data.map((r) => [r.label, r.count])}
      />
    </DashboardCard>
  )
}

/** The open data subject requests by due date, with a way to the inbox. */
export function RequestsDueCard({ due }: { due: NonNullable<Dashboard['requests']> }) {
  const { t, i18n } = useTranslation()
  const number = new Intl.NumberFormat(i18n.resolvedLanguage)
  const cells: { key: keyof typeof due; color: string }[] = [
    { key: 'overdue', color: 'red' },
    { key: 'dueWithin7Days', color: 'orange' },
    { key: 'dueLater', color: 'gray' },
  ]
  return (
    <DashboardCard
      title={t('overview.requests.title')}
      description={t('overview.requests.description')}
      testId="overview-requests-card"
    >
      <Group gap="lg">
        {cells.map(({ key, color }) => (
          <Stack key={key} gap={0} data-testid={`overview-requests-${key}`} data-count={due[key]}>
            <Text fz={28} fw={700} c={due[key] > 0 ? color : 'dimmed'}>
              {number.format(due[key])}
            </Text>
            <Text size="sm">{t(`overview.requests.${key}`)}</Text>
          </Stack>
        ))}
      </Group>
      <Anchor
        size="sm"
        renderRoot={(props) => <Link {...props} to="/privacy" search={{ tab: 'requests' }} />}
      >
        {t('overview.requests.open')}
      </Anchor>
    </DashboardCard>
  )
}

const IMPORT_STATUSES = ['running', 'done', 'failed', 'interrupted'] as const

/** The latest imports with what they brought (roles that import). */
export function RecentImportsCard() {
  const { t } = useTranslation()
  const format = useContactFormat()
  const imports = useQuery(latestImportsQueryOptions())
  const latest = (imports.data ?? []).slice(0, 5)
  return (
    <DashboardCard
      title={t('overview.imports.title')}
      description={t('overview.imports.description')}
      testId="overview-imports-card"
    >
      {imports.isPending ? (
        <Loader size="sm" aria-label={t('common.loading')} />
      ) : latest.length === 0 ? (
        <Text size="sm">{t('overview.imports.none')}</Text>
      ) : (
        <Table fz="sm" data-testid="overview-imports-table">
          <Table.Tbody>
            {latest.map((run) => (
              <Table.Tr key={run.id}>
                <Table.Td>{run.startedAt ? format.dateTime(run.startedAt) : ''}</Table.Td>
                <Table.Td>
                  <Badge size="sm" variant="light" color={run.status === 'done' ? 'teal' : 'orange'}>
                    {isOneOf(IMPORT_STATUSES, run.status) ? t(`imports.statuses.${run.status}`) : run.status}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  {t('overview.imports.counts', { imported: run.imported, rejected: run.rejected })}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Anchor size="sm" renderRoot={(props) => <Link {...props} to="/imports" />}>
        {t('overview.imports.open')}
      </Anchor>
    </DashboardCard>
  )
}

/**
 * The numbers behind a chart, for screen readers and for reading exact values: visually hidden
 * and kept in the page (a chart alone is a picture).
 */
function ChartTable({ head, rows, testId }: { head: string[]; rows: (string | number)[][]; testId: string }) {
  return (
    <Table
      data-testid={testId}
      style={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' }}
    >
      <Table.Thead>
        <Table.Tr>
          {head.map((h) => (
            <Table.Th key={h}>{h}</Table.Th>
          ))}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((row) => (
          <Table.Tr key={String(row[0])}>
            {row.map((cell, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: cells of a fixed-width row
              <Table.Td key={i}>{cell}</Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  )
}
