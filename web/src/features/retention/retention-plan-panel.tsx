import {
  Alert,
  Badge,
  Button,
  Center,
  Group,
  Loader,
  Paper,
  Progress,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { ErrorState } from '../../app/error-state'
import type { RetentionRule } from './retention.api'
import {
  approvePlan,
  invalidateSweep,
  latestPlanQueryOptions,
  makePlan,
  type PlanRule,
  type RetentionPlan,
  type RetentionRun,
  runsQueryOptions,
  startRun,
  sweeperStatusQueryOptions,
} from './retention-sweep.api'

const STATUS_COLOR: Record<PlanRule['status'], string> = {
  due: 'red',
  nothing_due: 'green',
  not_recorded: 'gray',
  not_in_tresor: 'gray',
}

/**
 * The sweeper on the deletion concept page (the DPO's, `retention:manage`): whether it runs on its
 * own, the newest plan (per rule the cutoff, what is due, a pseudonymous sample), the approval, a run
 * and its progress, the last runs. Nothing is deleted before a plan is approved.
 */
export function RetentionPlanPanel({ rules, language }: { rules: RetentionRule[]; language: 'de' | 'en' }) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const status = useQuery(sweeperStatusQueryOptions())
  const plan = useQuery(latestPlanQueryOptions())
  const runs = useQuery(runsQueryOptions())
  const refresh = () => invalidateSweep(queryClient)
  const make = useMutation({ mutationFn: makePlan, onSuccess: refresh })
  const approve = useMutation({ mutationFn: approvePlan, onSuccess: refresh })
  const run = useMutation({ mutationFn: startRun, onSuccess: refresh })
  const nameOf = (key: string) => rules.find((r) => r.key === key)?.name[language] ?? key
  const locale = language === 'de' ? 'de-DE' : 'en-GB'
  const when = (iso: string) => new Date(iso).toLocaleString(locale)
  // The rules' calendar is Germany's: a cutoff at the end of a year is midnight in Berlin.
  const berlin = (iso: string) => new Date(iso).toLocaleString(locale, { timeZone: 'Europe/Berlin' })
  const failure = make.error ?? approve.error ?? run.error
  const running = runs.data?.some((r) => r.status === 'running') ?? false

  return (
    <Stack gap="md" data-testid="retention-plan-panel">
      <Text size="sm" c="dimmed" maw={760}>
        {t('retentionPlan.intro')}
      </Text>
      {status.data && (
        <Alert
          color={status.data.enabled ? 'blue' : 'yellow'}
          variant="light"
          data-testid="retention-sweeper-status"
          data-enabled={status.data.enabled}
        >
          {status.data.enabled && status.data.lastApproval
            ? t('retentionPlan.status.on', { at: when(status.data.lastApproval.at) })
            : t('retentionPlan.status.off')}
        </Alert>
      )}
      <Group>
        <Button onClick={() => make.mutate()} loading={make.isPending} data-testid="retention-plan-make">
          {t('retentionPlan.make')}
        </Button>
      </Group>
      {failure && (
        <Alert color="red" variant="light" data-testid="retention-plan-error">
          {isProblem(failure) ? (failure.detail ?? failure.title) : t('retentionPlan.failed')}
        </Alert>
      )}
      {plan.isPending ? (
        <Center py="md">
          <Loader size="sm" aria-label={t('common.loading')} />
        </Center>
      ) : plan.isError ? (
        <ErrorState
          title={t('retentionPlan.error')}
          error={plan.error}
          onRetry={() => void plan.refetch()}
          testId="retention-plan-load-error"
        />
      ) : plan.data ? (
        <PlanView
          plan={plan.data}
          nameOf={nameOf}
          when={when}
          berlin={berlin}
          onApprove={() => plan.data && approve.mutate(plan.data.id)}
          approving={approve.isPending}
          onRun={() => plan.data && run.mutate(plan.data.id)}
          starting={run.isPending}
          running={running}
        />
      ) : (
        <Text size="sm" c="dimmed" data-testid="retention-plan-none">
          {t('retentionPlan.none')}
        </Text>
      )}
      <Title order={2} size="h4">
        {t('retentionPlan.runs.title')}
      </Title>
      {runs.data && runs.data.length > 0 ? (
        runs.data.map((r) => <RunView key={r.id} run={r} nameOf={nameOf} when={when} />)
      ) : (
        <Text size="sm" c="dimmed" data-testid="retention-runs-none">
          {t('retentionPlan.runs.none')}
        </Text>
      )}
    </Stack>
  )
}

function PlanView({
  plan,
  nameOf,
  when,
  berlin,
  onApprove,
  approving,
  onRun,
  starting,
  running,
}: {
  plan: RetentionPlan
  nameOf: (key: string) => string
  when: (iso: string) => string
  berlin: (iso: string) => string
  onApprove: () => void
  approving: boolean
  onRun: () => void
  starting: boolean
  running: boolean
}) {
  const { t } = useTranslation()
  return (
    <Paper
      withBorder
      p="sm"
      data-testid="retention-plan"
      data-plan={plan.id}
      data-approved={plan.approval !== null}
    >
      <Stack gap="xs">
        <Group justify="space-between">
          <Text size="sm" fw={500}>
            {t('retentionPlan.planOf', { at: when(plan.asOf) })}
          </Text>
          {plan.approval ? (
            <Group gap="xs">
              <Badge color="green" variant="light" data-testid="retention-plan-approved">
                {t(`retentionPlan.approved.${plan.approval.kind}`, { at: when(plan.approval.at) })}
              </Badge>
              <Button
                size="xs"
                onClick={onRun}
                loading={starting}
                disabled={running}
                data-testid="retention-plan-run"
              >
                {t('retentionPlan.run')}
              </Button>
            </Group>
          ) : (
            <Button
              size="xs"
              color="red"
              onClick={onApprove}
              loading={approving}
              data-testid="retention-plan-approve"
            >
              {t('retentionPlan.approve')}
            </Button>
          )}
        </Group>
        {!plan.approval && (
          <Text size="xs" c="dimmed">
            {t('retentionPlan.approveHint')}
          </Text>
        )}
        <Table.ScrollContainer minWidth={900}>
          <Table verticalSpacing="xs" striped>
            <Table.Caption>{t('retentionPlan.caption')}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('retentionPlan.columns.rule')}</Table.Th>
                <Table.Th>{t('retentionPlan.columns.status')}</Table.Th>
                <Table.Th>{t('retentionPlan.columns.cutoff')}</Table.Th>
                <Table.Th ta="right">{t('retentionPlan.columns.subjects')}</Table.Th>
                <Table.Th ta="right">{t('retentionPlan.columns.records')}</Table.Th>
                <Table.Th>{t('retentionPlan.columns.sample')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {plan.rules.map((rule) => (
                <Table.Tr
                  key={rule.ruleKey}
                  data-testid="retention-plan-rule"
                  data-key={rule.ruleKey}
                  data-status={rule.status}
                >
                  <Table.Td>
                    <Text size="sm">{nameOf(rule.ruleKey)}</Text>
                    <Text size="xs" c="dimmed" ff="monospace">
                      {rule.ruleKey} v{rule.ruleVersion}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLOR[rule.status]} variant="light">
                      {t(`retentionPlan.ruleStatus.${rule.status}`)}
                    </Badge>
                    {rule.status === 'due' && (
                      <Text size="xs" c="dimmed">
                        {t(`retentionPlan.action.${rule.action}`)}
                      </Text>
                    )}
                    {rule.status === 'not_recorded' && (
                      <Text size="xs" c="dimmed" data-testid="retention-plan-not-recorded">
                        {t('retentionPlan.notRecorded')}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {rule.cutoff ? (
                      <Stack gap={0}>
                        <Text size="sm">{t('retentionPlan.before', { at: berlin(rule.cutoff) })}</Text>
                        <Text size="xs" c="dimmed" ff="monospace">
                          {rule.columns.join(', ')}
                        </Text>
                      </Stack>
                    ) : (
                      <Text size="sm" c="dimmed">
                        –
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td ta="right" data-testid="retention-plan-subjects">
                    {rule.subjects.toLocaleString()}
                  </Table.Td>
                  <Table.Td ta="right" data-testid="retention-plan-records">
                    {rule.records.toLocaleString()}
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" ff="monospace" c="dimmed">
                      {rule.sample.map((s) => s.subjectId.slice(0, 8)).join(' ')}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Stack>
    </Paper>
  )
}

function RunView({
  run,
  nameOf,
  when,
}: {
  run: RetentionRun
  nameOf: (key: string) => string
  when: (iso: string) => string
}) {
  const { t } = useTranslation()
  const shown = run.rules.filter((r) => r.status !== 'skipped' || r.planned.records > 0)
  return (
    <Paper withBorder p="sm" data-testid="retention-run" data-run={run.id} data-status={run.status}>
      <Stack gap="xs">
        <Group justify="space-between">
          <Text size="sm" fw={500}>
            {t(`retentionPlan.runs.${run.trigger}`, { at: when(run.startedAt) })}
          </Text>
          <Badge color={run.status === 'done' ? 'green' : 'blue'} variant="light">
            {t(`retentionPlan.runs.status.${run.status}`)}
          </Badge>
        </Group>
        {shown.length === 0 && (
          <Text size="xs" c="dimmed">
            {t('retentionPlan.runs.nothing')}
          </Text>
        )}
        {shown.map((rule) => (
          <Stack key={rule.ruleKey} gap={2} data-testid="retention-run-rule" data-key={rule.ruleKey}>
            <Group justify="space-between">
              <Text size="sm">{nameOf(rule.ruleKey)}</Text>
              <Text size="xs" c="dimmed">
                {rule.status === 'skipped'
                  ? t('retentionPlan.runs.skipped', { reason: rule.skipReason ?? '' })
                  : rule.recordKind === 'subject'
                    ? t('retentionPlan.runs.erased', {
                        erased: rule.done.erased,
                        held: rule.done.held,
                        failed: rule.done.failed,
                      })
                    : t('retentionPlan.runs.deleted', {
                        records: rule.done.records,
                        failed: rule.done.failed,
                      })}
              </Text>
            </Group>
            {rule.status !== 'skipped' && (
              <Progress
                value={
                  rule.status === 'done'
                    ? 100
                    : Math.min(100, (100 * rule.done.subjects) / Math.max(1, rule.planned.subjects))
                }
                aria-label={t('retentionPlan.runs.progress', { rule: nameOf(rule.ruleKey) })}
              />
            )}
          </Stack>
        ))}
      </Stack>
    </Paper>
  )
}
