import { Alert, Anchor, Button, Card, Group, Loader, Stack, Table, Text, Title } from '@mantine/core'
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useParams } from '@tanstack/react-router'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { usePermissions } from '../auth/permissions'
import {
  type Campaign,
  type CampaignChannelConfig,
  type CampaignStatus,
  hasReport,
  MERGE_FIELDS,
  type MergeField,
} from './api'
import {
  type CallListItem,
  type CallScript,
  callListQueryOptions,
  FINAL_OUTCOMES,
  invalidateCallList,
  PERMISSION_OUTCOMES,
  type RecordedCall,
} from './call-list.api'
import { CallListRow, useDisplayName } from './call-list-row'
import { ProblemAlert, ReasonList } from './campaign-panels'
import { useCampaignFormat } from './format'
import { useCampaignLabels } from './labels'

/** Whether agents can work the campaign's call list: it has a phone channel and its send started. */
export const hasCallList = (campaign: { status: CampaignStatus; channels: CampaignChannelConfig[] }) =>
  hasReport(campaign.status) && campaign.channels.some((ch) => ch.channel === 'phone')

/** A call recorded from this page, with the person as the list showed them (for the notices). */
interface Done {
  item: CallListItem
  call: RecordedCall
}

/**
 * The agents' call list of a phone campaign (issue #17), `/campaigns/{id}/calls`, for roles with
 * `campaigns:call`: the people to call with name and number, the call script in the UI language,
 * and per person the outcome of the call. Every call is recorded on the server as a use of the
 * § 7a UWG consent; an objection or a withdrawn consent takes effect at once and takes the person
 * off the list (read again). A reached person stays on the page with the proof's keep-until.
 */
export function CallListPage() {
  const { t } = useTranslation()
  const { id } = useParams({ from: '/_app/campaigns/$id/calls' })
  const { can, isPending } = usePermissions()
  const allowed = can('campaigns:call')
  const queryClient = useQueryClient()
  const displayName = useDisplayName()
  const format = useCampaignFormat()
  const list = useInfiniteQuery({ ...callListQueryOptions(id), enabled: allowed })
  /** Calls with a final outcome recorded here (reached, wrong number): the row stays, with its result. */
  const [finished, setFinished] = useState<ReadonlyMap<string, Done>>(new Map())
  /** Objections and withdrawals recorded here: the person is gone from the list; a notice says so. */
  const [removed, setRemoved] = useState<readonly Done[]>([])
  const [refused, setRefused] = useState<{ item: CallListItem; error: unknown } | undefined>()

  if (isPending) return <Loader size="sm" aria-label={t('common.loading')} />
  const header = (name?: string) => (
    <>
      <Anchor size="sm" renderRoot={(props) => <Link {...props} to="/campaigns/$id" params={{ id }} />}>
        ← {t('campaigns.calls.back')}
      </Anchor>
      <Title order={1} size="h2" data-testid="call-list-title">
        {name ? t('campaigns.calls.heading', { name }) : t('campaigns.calls.title')}
      </Title>
      <Text size="sm" c="dimmed" maw={820} data-testid="call-list-intro">
        {t('campaigns.calls.intro')}
      </Text>
    </>
  )
  if (!allowed)
    return (
      <Stack gap="md" maw={1400} data-testid="call-list-page">
        {header()}
        <Alert color="gray" variant="light" data-testid="call-list-forbidden">
          {t('campaigns.calls.forbidden')}
        </Alert>
      </Stack>
    )
  if (list.isError)
    return (
      <Stack gap="md" maw={1400} data-testid="call-list-page">
        {header()}
        <ProblemAlert error={list.error} testId="call-list-error" />
        <Group>
          <Button size="xs" variant="light" onClick={() => void list.refetch()}>
            {t('common.error.retry')}
          </Button>
        </Group>
      </Stack>
    )
  if (list.isPending) return <Loader size="sm" aria-label={t('common.loading')} />

  const pages = list.data.pages
  const first = pages[0]
  const onList = pages.flatMap((p) => p.items)
  const listed = new Set(onList.map((i) => i.subjectId))
  // The server's list, and the people recorded here with a final outcome where they were.
  const rows = [
    ...onList,
    ...[...finished.values()].filter((d) => !listed.has(d.item.subjectId)).map((d) => d.item),
  ].sort((a, b) => (a.subjectId < b.subjectId ? -1 : a.subjectId > b.subjectId ? 1 : 0))
  const dropped: Record<string, number> = {}
  for (const p of pages)
    for (const [rule, n] of Object.entries(p.droppedBy)) dropped[rule] = (dropped[rule] ?? 0) + n
  const toCall = onList.length

  const onRecorded = (item: CallListItem, call: RecordedCall) => {
    setRefused(undefined)
    if (PERMISSION_OUTCOMES.includes(call.outcome)) setRemoved((r) => [...r, { item, call }])
    else if (FINAL_OUTCOMES.includes(call.outcome)) {
      // The row stays as it was, with this call counted (the server's list no longer has the person).
      const called = {
        ...item,
        calls: item.calls + 1,
        lastOutcome: call.outcome,
        lastCalledAt: new Date().toISOString(),
      }
      setFinished((m) => new Map(m).set(item.subjectId, { item: called, call }))
    }
    void invalidateCallList(queryClient, id)
  }

  return (
    <Stack gap="md" maw={1400} data-testid="call-list-page">
      {header(first?.campaignName)}
      <ScriptCard scripts={first?.scripts ?? []} />
      {removed.map(({ item, call }) => (
        <Alert
          key={call.id}
          color="teal"
          variant="light"
          role="status"
          data-testid="call-list-removed"
          withCloseButton
          closeButtonLabel={t('common.close')}
          onClose={() => setRemoved((r) => r.filter((d) => d.call.id !== call.id))}
        >
          {t(
            call.outcome === 'withdrawn'
              ? 'campaigns.calls.removedWithdrawal'
              : 'campaigns.calls.removedObjection',
            {
              name: displayName(item),
            },
          )}
        </Alert>
      ))}
      {refused && (
        <ProblemAlert
          error={refused.error}
          testId="call-list-refused"
          message={
            isProblem(refused.error)
              ? t('campaigns.calls.refused', {
                  name: displayName(refused.item),
                  reason: refused.error.detail ?? refused.error.title,
                })
              : undefined
          }
        />
      )}
      {Object.values(dropped).some((n) => n > 0) && (
        <Card withBorder p="xs" data-testid="call-list-dropped">
          <Text size="sm">{t('campaigns.calls.dropped')}</Text>
          <ReasonList counts={dropped} />
        </Card>
      )}
      <Text size="sm" data-testid="call-list-count">
        {t('campaigns.calls.count', { count: toCall, formatted: format.number(toCall) })}
      </Text>
      {rows.length === 0 ? (
        <Card withBorder>
          <Text size="sm" c="dimmed" data-testid="call-list-empty">
            {t('campaigns.calls.empty')}
          </Text>
        </Card>
      ) : (
        <Card withBorder p={0}>
          <Table.ScrollContainer minWidth={900}>
            <Table striped data-testid="call-list" aria-label={t('campaigns.calls.listLabel')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('campaigns.calls.columns.name')}</Table.Th>
                  <Table.Th>{t('campaigns.calls.columns.phone')}</Table.Th>
                  <Table.Th>{t('campaigns.calls.columns.history')}</Table.Th>
                  <Table.Th>{t('campaigns.calls.columns.outcome')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((item) => (
                  <CallListRow
                    key={item.subjectId}
                    campaignId={id}
                    item={item}
                    recorded={finished.get(item.subjectId)?.call}
                    onRecorded={onRecorded}
                    onRefused={(refusedItem, error) => {
                      setRefused({ item: refusedItem, error })
                      void invalidateCallList(queryClient, id)
                    }}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
      {list.hasNextPage && (
        <Group>
          <Button
            variant="light"
            size="xs"
            onClick={() => void list.fetchNextPage()}
            loading={list.isFetchingNextPage}
            data-testid="call-list-more"
          >
            {t('campaigns.calls.loadMore')}
          </Button>
        </Group>
      )}
    </Stack>
  )
}

/** `{{firstName}}` in a script shown as ‹Vorname›: the agent says the person's name there. */
function useScriptText() {
  const labels = useCampaignLabels()
  return (text: string) =>
    text.replace(/\{\{\s*([A-Za-z]+)\s*\}\}/g, (_match, field: string) =>
      (MERGE_FIELDS as readonly string[]).includes(field)
        ? `‹${labels.mergeField(field as MergeField)}›`
        : `‹${field}›`,
    )
}

/** The call script in the UI language, or in the language there is, saying so. */
function ScriptCard({ scripts }: { scripts: CallScript[] }) {
  const { t, i18n } = useTranslation()
  const scriptText = useScriptText()
  const language = i18n.resolvedLanguage ?? 'de'
  const script = scripts.find((s) => s.lang === language) ?? scripts[0]
  return (
    <Card withBorder data-testid="call-list-script">
      <Stack gap="xs">
        <Text fw={600}>{t('campaigns.calls.script')}</Text>
        {script ? (
          <>
            {script.lang !== language && (
              <Text size="xs" c="dimmed">
                {t('campaigns.calls.scriptOtherLanguage', {
                  language: t(`campaigns.languages.${script.lang}`),
                })}
              </Text>
            )}
            <Text fw={500} data-testid="call-list-script-title">
              {script.title}
            </Text>
            <Text
              size="sm"
              style={{ whiteSpace: 'pre-wrap' }}
              data-testid="call-list-script-text"
              lang={script.lang}
            >
              {scriptText(script.text)}
            </Text>
          </>
        ) : (
          <Text size="sm" c="dimmed">
            {t('campaigns.calls.noScript')}
          </Text>
        )}
      </Stack>
    </Card>
  )
}

/** On a phone campaign's page, for agents: what the call list is, and the way to it. */
export function CallListCard({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation()
  return (
    <Card withBorder data-testid="campaign-call-list">
      <Group justify="space-between" align="center">
        <Stack gap={2} maw={820}>
          <Text fw={600}>{t('campaigns.calls.title')}</Text>
          <Text size="sm" c="dimmed">
            {t('campaigns.calls.cardHelp')}
          </Text>
        </Stack>
        <Button
          renderRoot={(props) => <Link {...props} to="/campaigns/$id/calls" params={{ id: campaign.id }} />}
          data-testid="campaign-call-list-open"
        >
          {t('campaigns.calls.open')}
        </Button>
      </Group>
    </Card>
  )
}
