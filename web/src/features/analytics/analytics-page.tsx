import { BarChart, LineChart } from '@mantine/charts'
import {
  Alert,
  Button,
  Card,
  Center,
  Group,
  Loader,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { ErrorState } from '../../app/error-state'
import { DashboardCard as ChartCard } from '../overview/dashboard-cards'
import {
  type AnalyticsCharts,
  analyticsChartsQueryOptions,
  boughtTogetherQueryOptions,
  type ClvModel,
  clvModelQueryOptions,
  personasQueryOptions,
  recomputePersonas,
  recomputeScores,
  recountBoughtTogether,
} from './analytics.api'

/**
 * Customer analytics (issue #16): the fitted CLV model with the BG/NBD paper's calibration chart for
 * this installation's data, the RFM grid, ABC classes with the Pareto curve, the P(alive) and CLV
 * distributions and the churn-risk bands — all over the customers the profiling purpose may use,
 * counted, never named. Roles with `analytics:run`.
 */
export function AnalyticsPage() {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const charts = useQuery(analyticsChartsQueryOptions())
  const model = useQuery(clvModelQueryOptions())
  const recompute = useMutation({
    mutationFn: recomputeScores,
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['analytics'] }),
  })
  const noModel = model.isError && isProblem(model.error, 404)
  return (
    <Stack gap="lg" data-testid="analytics-page">
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={1} size="h2">
            {t('analytics.title')}
          </Title>
          <Text c="dimmed" maw={760}>
            {t('analytics.intro')}
          </Text>
        </div>
        <Button
          variant="light"
          onClick={() => recompute.mutate()}
          loading={recompute.isPending}
          data-testid="analytics-recompute"
        >
          {t('analytics.recompute')}
        </Button>
      </Group>
      {recompute.isSuccess && (
        <Alert color="teal" variant="light" data-testid="analytics-recomputed">
          {t('analytics.recomputed', {
            scored: recompute.data.scored,
            excluded: recompute.data.excluded,
          })}
        </Alert>
      )}
      {recompute.isError && (
        <Alert color="red" variant="light">
          {isProblem(recompute.error, 409) ? t('analytics.running') : t('analytics.recomputeError')}
        </Alert>
      )}
      {noModel ? (
        <Alert color="gray" variant="light" data-testid="analytics-no-model">
          {t('analytics.noModel')}
        </Alert>
      ) : model.isError ? (
        <ErrorState error={model.error} onRetry={() => void model.refetch()} />
      ) : model.isPending ? (
        <Center py="lg">
          <Loader size="sm" aria-label={t('common.loading')} />
        </Center>
      ) : (
        <ModelCards model={model.data} />
      )}
      {charts.isPending ? null : charts.isError ? (
        <ErrorState error={charts.error} onRetry={() => void charts.refetch()} />
      ) : (
        <PopulationCards charts={charts.data} currency={model.data?.settings.currency ?? 'EUR'} />
      )}
      <PersonasCard currency={model.data?.settings.currency ?? 'EUR'} />
      <BoughtTogetherCard />
    </Stack>
  )
}

function ModelCards({ model }: { model: ClvModel }) {
  const { t, i18n } = useTranslation()
  const number = (n: number, digits = 3) =>
    new Intl.NumberFormat(i18n.resolvedLanguage, { maximumFractionDigits: digits }).format(n)
  const params = [
    ...(model.bgNbd
      ? [
          ['r', model.bgNbd.r],
          ['α', model.bgNbd.alpha],
          ['a', model.bgNbd.a],
          ['b', model.bgNbd.b],
        ]
      : []),
    ...(model.gammaGamma
      ? [
          ['p', model.gammaGamma.p],
          ['q', model.gammaGamma.q],
          ['γ', model.gammaGamma.gamma],
        ]
      : []),
  ] as [string, number][]
  const points = model.calibration.points.map((p) => ({
    week: p.week,
    actual: p.actual,
    ...(p.expected === null ? {} : { expected: Math.round(p.expected * 10) / 10 }),
  }))
  return (
    <SimpleGrid cols={{ base: 1, lg: 3 }}>
      <ChartCard
        title={t('analytics.model.title')}
        description={t('analytics.model.description', {
          customers: number(model.customers, 0),
          asOf: model.asOf,
        })}
        testId="analytics-model"
      >
        <Table fz="sm" data-testid="analytics-parameters">
          <Table.Tbody>
            {params.map(([name, value]) => (
              <Table.Tr key={name}>
                <Table.Td>{name}</Table.Td>
                <Table.Td ta="right" data-parameter={name}>
                  {number(value)}
                </Table.Td>
              </Table.Tr>
            ))}
            {model.bgNbd && (
              <Table.Tr>
                <Table.Td>{t('analytics.model.logLikelihood')}</Table.Td>
                <Table.Td ta="right">{number(model.bgNbd.logLikelihood, 1)}</Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
        {model.notes.map((note) => (
          <Text key={note} size="xs" c="dimmed">
            {note}
          </Text>
        ))}
      </ChartCard>
      <div style={{ gridColumn: 'span 2' }}>
        <ChartCard
          title={t('analytics.calibration.title')}
          description={t('analytics.calibration.description')}
          testId="analytics-calibration"
        >
          <LineChart
            h={260}
            data={points}
            dataKey="week"
            withLegend
            withDots={false}
            curveType="linear"
            xAxisLabel={t('analytics.calibration.week')}
            series={[
              { name: 'actual', label: t('analytics.calibration.actual'), color: 'teal.6' },
              {
                name: 'expected',
                label: t('analytics.calibration.expected'),
                color: 'gray.6',
                strokeDasharray: '5 5',
              },
            ]}
          />
        </ChartCard>
      </div>
    </SimpleGrid>
  )
}

function PopulationCards({ charts, currency }: { charts: AnalyticsCharts; currency: string }) {
  const { t, i18n } = useTranslation()
  const percent = new Intl.NumberFormat(i18n.resolvedLanguage, { style: 'percent', maximumFractionDigits: 0 })
  const money = new Intl.NumberFormat(i18n.resolvedLanguage, {
    style: 'currency',
    currency,
    maximumFractionDigits: 0,
  })
  if (charts.customers === 0)
    return (
      <Alert color="gray" variant="light" data-testid="analytics-no-scores">
        {t('analytics.noScores')}
      </Alert>
    )
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }}>
      <ChartCard
        title={t('analytics.rfm.title')}
        description={t('analytics.rfm.description')}
        testId="analytics-rfm"
      >
        <RfmGrid charts={charts} />
      </ChartCard>
      <ChartCard
        title={t('analytics.abc.title')}
        description={t('analytics.abc.description')}
        testId="analytics-abc"
      >
        <Group gap="lg">
          {charts.abc.map((a) => (
            <Stack key={a.class} gap={0} data-testid="analytics-abc-class" data-class={a.class}>
              <Text fz={24} fw={700}>
                {a.class}
              </Text>
              <Text size="sm">
                {t('analytics.abc.line', { customers: a.customers, share: percent.format(a.revenueShare) })}
              </Text>
            </Stack>
          ))}
        </Group>
        <LineChart
          h={200}
          data={charts.pareto.map((p) => ({
            customers: percent.format(p.customerShare),
            revenue: Math.round(p.revenueShare * 1000) / 10,
          }))}
          dataKey="customers"
          unit="%"
          withDots={false}
          series={[{ name: 'revenue', label: t('analytics.abc.revenue'), color: 'blue.6' }]}
          xAxisLabel={t('analytics.abc.customers')}
        />
      </ChartCard>
      <ChartCard
        title={t('analytics.pAlive.title')}
        description={t('analytics.pAlive.description')}
        testId="analytics-palive"
      >
        <BarChart
          h={200}
          data={charts.pAlive.map((b) => ({
            range: `${percent.format(b.from)}–${percent.format(b.to)}`,
            customers: b.customers,
          }))}
          dataKey="range"
          series={[{ name: 'customers', label: t('analytics.customers'), color: 'teal.6' }]}
        />
        <Group gap="md">
          {charts.churn.map((c) => (
            <Text key={c.band} size="sm" data-testid="analytics-churn" data-band={c.band}>
              {t(`analytics.churn.${c.band as 'high' | 'medium' | 'low'}`, { count: c.customers })}
            </Text>
          ))}
        </Group>
      </ChartCard>
      <ChartCard
        title={t('analytics.clv.title')}
        description={t('analytics.clv.description')}
        testId="analytics-clv"
      >
        <BarChart
          h={200}
          data={charts.clv.map((b) => ({
            range: `${money.format(b.from)}–${money.format(b.to)}`,
            customers: b.customers,
          }))}
          dataKey="range"
          series={[{ name: 'customers', label: t('analytics.customers'), color: 'grape.6' }]}
        />
      </ChartCard>
    </SimpleGrid>
  )
}

/** Recency (rows, 5 on top) × frequency (columns): customers per cell, shaded by how many. */
function RfmGrid({ charts }: { charts: AnalyticsCharts }) {
  const { t } = useTranslation()
  const max = Math.max(1, ...charts.rfm.map((c) => c.customers))
  return (
    <Table withTableBorder withColumnBorders fz="sm" ta="center" data-testid="analytics-rfm-grid">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('analytics.rfm.corner')}</Table.Th>
          {[1, 2, 3, 4, 5].map((f) => (
            <Table.Th key={f} ta="center">
              F{f}
            </Table.Th>
          ))}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {[5, 4, 3, 2, 1].map((r) => (
          <Table.Tr key={r}>
            <Table.Th>R{r}</Table.Th>
            {[1, 2, 3, 4, 5].map((f) => {
              const cell = charts.rfm.find((c) => c.recency === r && c.frequency === f)
              const n = cell?.customers ?? 0
              return (
                <Tooltip key={f} label={t('analytics.rfm.cell', { r, f, count: n, m: cell?.monetary ?? 0 })}>
                  <Table.Td
                    data-testid="analytics-rfm-cell"
                    data-r={r}
                    data-f={f}
                    data-count={n}
                    style={{ background: `rgba(18, 184, 134, ${(0.08 + 0.72 * (n / max)).toFixed(2)})` }}
                  >
                    {n}
                  </Table.Td>
                </Tooltip>
              )
            })}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  )
}

/** The strongest "bought together" pairs of the catalogue, with a way to count again. */
function BoughtTogetherCard() {
  const { t, i18n } = useTranslation()
  const queryClient = useQueryClient()
  const query = useQuery(boughtTogetherQueryOptions())
  const recount = useMutation({
    mutationFn: recountBoughtTogether,
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['analytics', 'bought-together'] }),
  })
  const percent = new Intl.NumberFormat(i18n.resolvedLanguage, { style: 'percent', maximumFractionDigits: 0 })
  const number = new Intl.NumberFormat(i18n.resolvedLanguage, { maximumFractionDigits: 2 })
  const run = query.data?.run
  return (
    <ChartCard
      title={t('analytics.together.title')}
      description={
        run
          ? t('analytics.together.description', {
              customers: run.customers,
              pairs: run.pairs,
              min: run.minCustomers,
            })
          : t('analytics.together.none')
      }
      testId="analytics-together"
    >
      {(query.data?.pairs.length ?? 0) > 0 && (
        <Table fz="sm" data-testid="analytics-together-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('analytics.together.pair')}</Table.Th>
              <Table.Th ta="right">{t('analytics.together.customers')}</Table.Th>
              <Table.Th ta="right">{t('analytics.together.confidence')}</Table.Th>
              <Table.Th ta="right">{t('analytics.together.lift')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {query.data?.pairs.map((p) => (
              <Table.Tr key={`${p.withSku}:${p.sku}`} data-testid="analytics-together-pair">
                <Table.Td>
                  {p.withName} + {p.name}
                </Table.Td>
                <Table.Td ta="right">{p.customers}</Table.Td>
                <Table.Td ta="right">{percent.format(p.confidence)}</Table.Td>
                <Table.Td ta="right">{number.format(p.lift)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Group>
        <Button
          size="xs"
          variant="light"
          onClick={() => recount.mutate()}
          loading={recount.isPending}
          data-testid="analytics-together-recount"
        >
          {t('analytics.together.recount')}
        </Button>
      </Group>
    </ChartCard>
  )
}

/** Personas: the customers in a few named groups, with size and typical values. */
function PersonasCard({ currency }: { currency: string }) {
  const { t, i18n } = useTranslation()
  const queryClient = useQueryClient()
  const query = useQuery(personasQueryOptions())
  const recompute = useMutation({
    mutationFn: recomputePersonas,
    onSuccess: (model) => queryClient.setQueryData(['analytics', 'personas'], model),
  })
  const german = i18n.resolvedLanguage === 'de'
  const percent = new Intl.NumberFormat(i18n.resolvedLanguage, { style: 'percent', maximumFractionDigits: 1 })
  const money = new Intl.NumberFormat(i18n.resolvedLanguage, {
    style: 'currency',
    currency,
    maximumFractionDigits: 0,
  })
  const model = query.data
  return (
    <ChartCard
      title={t('analytics.personas.title')}
      description={
        model
          ? t('analytics.personas.description', { customers: model.customers, sample: model.sample })
          : t('analytics.personas.none')
      }
      testId="analytics-personas"
    >
      {model && (
        <SimpleGrid cols={{ base: 1, sm: 2, lg: Math.min(model.personas.length, 5) }}>
          {model.personas.map((p) => (
            <Card key={p.index} withBorder radius="md" padding="sm" data-testid="analytics-persona">
              <Stack gap={4}>
                <Text fw={600}>{german ? p.name.de : p.name.en}</Text>
                <Text size="xs" c="dimmed">
                  {german ? p.description.de : p.description.en}
                </Text>
                <Text fz={22} fw={700} data-testid="analytics-persona-size" data-customers={p.customers}>
                  {percent.format(p.share)}
                </Text>
                <Text size="xs">{t('analytics.personas.customers', { count: p.customers })}</Text>
                <Text size="xs" c="dimmed">
                  {t('analytics.personas.typical', {
                    days: p.typical.recencyDays,
                    orders: p.typical.orders,
                    revenue: money.format(p.typical.revenue),
                    pAlive: percent.format(p.typical.pAlive),
                  })}
                </Text>
              </Stack>
            </Card>
          ))}
        </SimpleGrid>
      )}
      {recompute.isError && (
        <Text size="sm" c="red">
          {isProblem(recompute.error, 409) ? t('analytics.personas.tooFew') : t('analytics.recomputeError')}
        </Text>
      )}
      <Group>
        <Button
          size="xs"
          variant="light"
          onClick={() => recompute.mutate()}
          loading={recompute.isPending}
          data-testid="analytics-personas-recompute"
        >
          {t('analytics.personas.recompute')}
        </Button>
      </Group>
    </ChartCard>
  )
}
