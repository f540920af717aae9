import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Center,
  Group,
  Loader,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { SUBJECT_KINDS } from '../../../../src/privacy/subjects/subject-kinds'
import { ErrorState } from '../../app/error-state'
import { currentLanguage } from '../../app/i18n'
import { isOneOf } from '../subjects/subject-history.api'
import { IMPORT_KINDS, type ImportProblem, type ImportResult, latestImportsQueryOptions } from './imports.api'

/** Rejected rows shown on the page; the downloadable report has the rest. */
const PROBLEMS_SHOWN = 100

const STATUSES = ['running', 'done', 'failed', 'interrupted'] as const
const STATUS_COLORS: Record<(typeof STATUSES)[number], string> = {
  running: 'blue',
  done: 'teal',
  failed: 'red',
  interrupted: 'orange',
}

const COUNTS = [
  { key: 'rows', color: 'gray' },
  { key: 'imported', color: 'teal' },
  { key: 'skipped', color: 'blue' },
  { key: 'rejected', color: 'red' },
] as const

function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation()
  const known = isOneOf(STATUSES, status)
  return (
    <Badge
      variant="light"
      color={known ? STATUS_COLORS[status] : 'gray'}
      data-status={status}
      // an import whose process ended: what to do about it
      title={status === 'interrupted' ? t('imports.latest.interruptedHint') : undefined}
    >
      {known ? t(`imports.statuses.${status}`) : status}
    </Badge>
  )
}

/** Counts in the UI's language ("1.234" / "1,234"). */
function useCount(): (value: number) => string {
  const format = new Intl.NumberFormat(currentLanguage())
  return (value) => format.format(value)
}

function useImportKindLabel(): (kind: string) => string {
  const { t } = useTranslation()
  return (kind) => (isOneOf(IMPORT_KINDS, kind) ? t(`imports.kinds.${kind}`) : kind)
}

/** The outcome of the import just run: the counts, the rejected rows and the report to fix the file. */
export function ImportResultView({ result }: { result: ImportResult }) {
  const { t } = useTranslation()
  const kindLabel = useImportKindLabel()
  const count = useCount()
  const shown = result.problems.slice(0, PROBLEMS_SHOWN)
  return (
    <Card
      withBorder
      radius="md"
      padding="md"
      component="section"
      aria-label={t('imports.result.title')}
      data-testid="import-result"
      data-status={result.status}
      data-import-id={result.id}
    >
      <Stack gap="md">
        <Group justify="space-between" align="center">
          <Group gap="sm">
            <Title order={2} size="h4">
              {t('imports.result.title')}
            </Title>
            <Badge variant="outline" color="gray">
              {kindLabel(result.kind)}
            </Badge>
            <StatusBadge status={result.status} />
          </Group>
          {result.rejected > 0 && (
            <Button
              component="a"
              href={result.reportUrl}
              download
              variant="light"
              size="xs"
              data-testid="import-report-link"
            >
              {t('imports.result.report')}
            </Button>
          )}
        </Group>
        {result.error && (
          <Alert
            color="red"
            variant="light"
            p="sm"
            title={t('imports.result.failed')}
            data-testid="import-result-error"
          >
            <Text size="sm">{result.error}</Text>
          </Alert>
        )}
        <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
          {COUNTS.map(({ key, color }) => (
            <Paper
              key={key}
              withBorder
              radius="md"
              p="sm"
              style={{ borderLeft: `4px solid var(--mantine-color-${color}-filled)` }}
              data-testid={`import-count-${key}`}
              data-value={result[key]}
            >
              <Text size="xs" c="dimmed">
                {t(`imports.result.counts.${key}`)}
              </Text>
              <Text size="xl" fw={700} c={key === 'rows' || result[key] === 0 ? undefined : color}>
                {count(result[key])}
              </Text>
            </Paper>
          ))}
        </SimpleGrid>
        {result.skipped > 0 && (
          <Text size="sm" c="dimmed">
            {t('imports.result.skippedHint')}
          </Text>
        )}
        {result.warnings?.map((warning) => (
          <Alert key={warning.code} color="yellow" variant="light" data-testid="import-warning">
            {warning.code === 'default-kind'
              ? t('imports.result.warnings.defaultKind', {
                  kinds: (warning.kinds ?? [])
                    .map((k) => (isOneOf(SUBJECT_KINDS, k) ? t(`subjects.kinds.${k}`) : k))
                    .join(', '),
                })
              : warning.message}
          </Alert>
        ))}
        {result.ignoredColumns && result.ignoredColumns.length > 0 && (
          <Text size="sm" c="dimmed" data-testid="import-ignored-columns">
            {t('imports.result.ignoredColumns', { columns: result.ignoredColumns.join(', ') })}
          </Text>
        )}
        {result.rejected === 0 && result.status === 'done' && (
          <Text size="sm" data-testid="import-no-problems">
            {t('imports.result.noProblems')}
          </Text>
        )}
        {shown.length > 0 && (
          <Stack gap="xs">
            <Title order={3} size="h5">
              {t('imports.result.problemsTitle')}
            </Title>
            <Text size="sm" c="dimmed">
              {t('imports.result.problemsIntro')}
            </Text>
            <ProblemsTable problems={shown} />
            {(result.problems.length > shown.length || result.problemsTruncated) && (
              <Text size="sm" c="dimmed" data-testid="import-problems-more">
                {result.problemsTruncated
                  ? t('imports.result.problemsTruncated', {
                      shown: shown.length,
                      total: result.rejected,
                      kept: result.problems.length,
                    })
                  : t('imports.result.problemsMore', { shown: shown.length, total: result.rejected })}
              </Text>
            )}
          </Stack>
        )}
      </Stack>
    </Card>
  )
}

function ProblemsTable({ problems }: { problems: ImportProblem[] }) {
  const { t } = useTranslation()
  return (
    <Table.ScrollContainer minWidth={520}>
      <Table striped verticalSpacing="xs" data-testid="import-problems">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={90}>{t('imports.result.columns.row')}</Table.Th>
            <Table.Th w={200}>{t('imports.result.columns.column')}</Table.Th>
            <Table.Th>{t('imports.result.columns.reason')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {problems.map((problem) => (
            <Table.Tr
              key={`${problem.row}:${problem.column ?? ''}:${problem.reason}`}
              data-testid="import-problem"
              data-row={problem.row}
              data-column={problem.column}
            >
              <Table.Td>
                <Text size="sm" ff="monospace">
                  {problem.row}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{problem.column ?? t('common.emptyValue')}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{problem.reason}</Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  )
}

/** The latest imports (of everyone), newest first, each with its counts and report. */
export function LatestImports() {
  const { t, i18n } = useTranslation()
  const kindLabel = useImportKindLabel()
  const count = useCount()
  const query = useQuery(latestImportsQueryOptions())
  const dateTime = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' })
  return (
    <Card withBorder radius="md" padding="md" component="section" aria-label={t('imports.latest.title')}>
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t('imports.latest.title')}
        </Title>
        {query.isPending ? (
          <Center py="md">
            <Loader size="sm" aria-label={t('common.loading')} />
          </Center>
        ) : query.isError ? (
          <ErrorState
            title={t('imports.latest.error')}
            error={query.error}
            onRetry={() => void query.refetch()}
            testId="imports-latest-error"
          />
        ) : query.data.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="imports-latest-empty">
            {t('imports.latest.empty')}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={720}>
            <Table striped verticalSpacing="xs" data-testid="imports-latest">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('imports.latest.columns.kind')}</Table.Th>
                  <Table.Th>{t('imports.latest.columns.status')}</Table.Th>
                  <Table.Th>{t('imports.latest.columns.started')}</Table.Th>
                  <Table.Th>{t('imports.latest.columns.source')}</Table.Th>
                  <Table.Th ta="right">{t('imports.result.counts.rows')}</Table.Th>
                  <Table.Th ta="right">{t('imports.result.counts.imported')}</Table.Th>
                  <Table.Th ta="right">{t('imports.result.counts.skipped')}</Table.Th>
                  <Table.Th ta="right">{t('imports.result.counts.rejected')}</Table.Th>
                  <Table.Th>{t('imports.latest.columns.report')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {query.data.map((item) => (
                  <Table.Tr key={item.id} data-testid="imports-latest-row" data-import-id={item.id}>
                    <Table.Td>
                      <Text size="sm" title={item.id}>
                        {kindLabel(item.kind)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge status={item.status} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" data-testid="imports-latest-started">
                        {item.startedAt ? dateTime.format(new Date(item.startedAt)) : t('common.emptyValue')}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{item.source ?? t('common.emptyValue')}</Text>
                    </Table.Td>
                    <Table.Td ta="right">{count(item.rows)}</Table.Td>
                    <Table.Td ta="right">
                      <Text size="sm" c={item.imported > 0 ? 'teal' : undefined}>
                        {count(item.imported)}
                      </Text>
                    </Table.Td>
                    <Table.Td ta="right">{count(item.skipped)}</Table.Td>
                    <Table.Td ta="right">
                      <Text size="sm" c={item.rejected > 0 ? 'red' : undefined}>
                        {count(item.rejected)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {item.rejected > 0 ? (
                        <Anchor href={item.reportUrl} download size="sm">
                          {t('imports.latest.report')}
                        </Anchor>
                      ) : (
                        <Text size="sm" c="dimmed">
                          {t('common.emptyValue')}
                        </Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Card>
  )
}
