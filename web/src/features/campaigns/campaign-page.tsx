import { Alert, Anchor, Badge, Button, Group, Loader, Stack, Text, Title } from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useNavigate, useParams } from '@tanstack/react-router'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { ErrorState } from '../../app/error-state'
import { usePermissions } from '../auth/permissions'
import {
  type Campaign,
  type CampaignAction,
  campaignAction,
  campaignKeys,
  campaignQueryOptions,
  canCancel,
  canDelete,
  canPause,
  canResume,
  createCampaign,
  deleteCampaign,
  editable,
  hasReport,
  invalidateCampaigns,
} from './api'
import { CallListCard, hasCallList } from './call-list'
import { CampaignForm } from './campaign-form'
import { BeforeSendPanels, ProblemAlert } from './campaign-panels'
import { PrintListsCard } from './campaign-print-lists'
import { CampaignReportView } from './campaign-report'
import { useCampaignFormat } from './format'
import { STATUS_COLORS, useCampaignLabels } from './labels'

/** A new campaign: the form; once saved, its own page (audience, preview, test send, schedule). */
export function NewCampaignPage() {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const { can, isPending } = usePermissions()
  if (isPending) return <Loader size="sm" aria-label={t('common.loading')} />
  return (
    <Stack gap="md" maw={1200} data-testid="campaign-new-page">
      <BackLink />
      <Title order={1} size="h2">
        {t('campaigns.new')}
      </Title>
      {!can('campaigns:manage') && (
        <Alert color="gray" variant="light" data-testid="campaign-new-forbidden">
          {t('campaigns.editor.mayNotCreate')}
        </Alert>
      )}
      <CampaignForm
        campaign={undefined}
        readOnly={!can('campaigns:manage')}
        onSaved={(saved) => {
          queryClient.setQueryData(campaignKeys.one(saved.id), saved)
          void navigate({ to: '/campaigns/$id', params: { id: saved.id } })
        }}
      />
    </Stack>
  )
}

/**
 * One campaign: while draft or scheduled its settings, live audience, preview, test send and
 * schedule; once sending, paused, sent or cancelled its report (refreshed while it sends).
 */
export function CampaignPage() {
  const { t } = useTranslation()
  const { id } = useParams({ from: '/_app/campaigns/$id' })
  const { can } = usePermissions()
  const queryClient = useQueryClient()
  const campaign = useQuery(campaignQueryOptions(id))
  if (campaign.isError)
    return (
      <Stack gap="md" maw={1200}>
        <BackLink />
        <ErrorState error={campaign.error} onRetry={() => void campaign.refetch()} testId="campaign-error" />
      </Stack>
    )
  if (campaign.isPending) return <Loader size="sm" aria-label={t('common.loading')} />
  const c = campaign.data
  const manage = can('campaigns:manage')
  return (
    <Stack gap="md" maw={1400} data-testid="campaign-page" data-status={c.status}>
      <BackLink />
      <CampaignHeader campaign={c} canManage={manage} />
      {hasCallList(c) && can('campaigns:call') && <CallListCard campaign={c} />}
      {hasReport(c.status) && <CampaignReportView campaign={c} />}
      {hasReport(c.status) && c.channels.some((ch) => ch.channel === 'post') && (
        <PrintListsCard campaign={c} canManage={manage} />
      )}
      {editable(c.status) && (
        <>
          <CampaignForm
            key={c.id}
            campaign={c}
            readOnly={!manage}
            onSaved={(saved) => {
              queryClient.setQueryData(campaignKeys.one(saved.id), saved)
              void queryClient.invalidateQueries({ queryKey: campaignKeys.audience(saved.id) })
            }}
          />
          <BeforeSendPanels campaign={c} canManage={manage} />
        </>
      )}
      {!editable(c.status) && !hasReport(c.status) && <Text c="dimmed">{t('campaigns.noReport')}</Text>}
    </Stack>
  )
}

function BackLink() {
  const { t } = useTranslation()
  return (
    <Anchor component={Link} to="/campaigns" size="sm">
      ← {t('campaigns.back')}
    </Anchor>
  )
}

/** Name, status, segment, times, and what the status allows: pause, resume, cancel, delete. */
function CampaignHeader({ campaign: c, canManage }: { campaign: Campaign; canManage: boolean }) {
  const { t } = useTranslation()
  const labels = useCampaignLabels()
  const format = useCampaignFormat()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const act = useMutation({
    mutationFn: (action: CampaignAction) => campaignAction(c.id, action),
    onSuccess: async (saved) => {
      queryClient.setQueryData(campaignKeys.one(c.id), saved)
      await invalidateCampaigns(queryClient)
    },
  })
  // A copy as a new draft: same segment, channels and content (HubSpot's and Mautic's "clone").
  const duplicate = useMutation({
    mutationFn: () =>
      createCampaign({
        name: t('campaigns.actions.copyName', { name: c.name }).slice(0, 200),
        description: c.description,
        segmentId: c.segment?.id ?? '',
        defaultLang: c.defaultLang,
        channels: c.channels.map(({ channel, purposeKey, recipientId }) => ({
          channel,
          purposeKey,
          ...(recipientId ? { recipientId } : {}),
        })),
        cap: c.cap,
        trackOpens: c.trackOpens,
        content: c.content.map((x) => ({
          channel: x.channel,
          lang: x.lang,
          subject: x.subject,
          bodyText: x.bodyText,
          ...(x.bodyHtml ? { bodyHtml: x.bodyHtml } : {}),
        })),
      }),
    onSuccess: async (saved) => {
      queryClient.setQueryData(campaignKeys.one(saved.id), saved)
      await invalidateCampaigns(queryClient)
      await navigate({ to: '/campaigns/$id', params: { id: saved.id } })
    },
  })
  const remove = useMutation({
    mutationFn: () => deleteCampaign(c.id),
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: campaignKeys.one(c.id) })
      await invalidateCampaigns(queryClient)
      await navigate({ to: '/campaigns' })
    },
  })
  const times = [
    c.scheduledAt && t('campaigns.list.scheduledAt', { time: format.dateTime(c.scheduledAt) }),
    c.startedAt && t('campaigns.list.startedAt', { time: format.dateTime(c.startedAt) }),
    c.finishedAt && t('campaigns.list.finishedAt', { time: format.dateTime(c.finishedAt) }),
  ].filter(Boolean)
  return (
    <Stack gap="xs">
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Group gap="sm">
            <Title order={1} size="h2" data-testid="campaign-title">
              {c.name}
            </Title>
            <Badge color={STATUS_COLORS[c.status]} variant="light" size="lg" data-testid="campaign-status">
              {labels.status(c.status)}
            </Badge>
          </Group>
          <Text size="sm" c="dimmed">
            {[
              c.segment ? t('campaigns.header.segment', { name: c.segment.name }) : null,
              c.channels.map((ch) => labels.channel(ch.channel)).join(', '),
              ...times,
            ]
              .filter(Boolean)
              .join(' · ')}
          </Text>
        </Stack>
        {canManage && (
          <Group gap="xs">
            {canPause(c.status) && (
              <Button
                variant="light"
                color="yellow"
                onClick={() => act.mutate('pause')}
                loading={act.isPending}
                data-testid="campaign-pause"
              >
                {t('campaigns.actions.pause')}
              </Button>
            )}
            {canResume(c.status) && (
              <Button
                variant="light"
                onClick={() => act.mutate('resume')}
                loading={act.isPending}
                data-testid="campaign-resume"
              >
                {t('campaigns.actions.resume')}
              </Button>
            )}
            {canCancel(c.status) && c.status !== 'draft' && (
              <Button
                variant="light"
                color="red"
                onClick={() => act.mutate('cancel')}
                loading={act.isPending}
                data-testid="campaign-cancel"
              >
                {t('campaigns.actions.cancel')}
              </Button>
            )}
            {c.segment && (
              <Button
                variant="subtle"
                onClick={() => duplicate.mutate()}
                loading={duplicate.isPending}
                data-testid="campaign-duplicate"
              >
                {t('campaigns.actions.duplicate')}
              </Button>
            )}
            {canDelete(c.status) && (
              <Button
                variant="subtle"
                color="red"
                onClick={() => {
                  if (window.confirm(t('campaigns.actions.deleteConfirm', { name: c.name }))) remove.mutate()
                }}
                loading={remove.isPending}
                data-testid="campaign-delete"
              >
                {t('campaigns.actions.delete')}
              </Button>
            )}
          </Group>
        )}
      </Group>
      {act.isError && (
        <ProblemAlert
          error={act.error}
          testId="campaign-action-error"
          message={isProblem(act.error, 409) ? t('campaigns.actions.conflict') : undefined}
        />
      )}
      {remove.isError && <ProblemAlert error={remove.error} testId="campaign-delete-error" />}
      {duplicate.isError && <ProblemAlert error={duplicate.error} testId="campaign-duplicate-error" />}
    </Stack>
  )
}
