import {
  Alert,
  Button,
  Card,
  Group,
  Loader,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { ErrorState, ProblemAlert as SharedProblemAlert } from '../../app/error-state'
import { currentLanguage } from '../../app/i18n'
import { reasonText } from '../../app/problem-text'
import { sessionQueryOptions } from '../auth/auth.api'
import { purposesQueryOptions } from '../subjects/contact-overview.api'
import {
  audienceQueryOptions,
  type Campaign,
  type CampaignChannel,
  CONTENT_LANGUAGES,
  type ContentLanguage,
  campaignKeys,
  invalidateCampaigns,
  previewCampaign,
  scheduleCampaign,
  testSendCampaign,
} from './api'
import { fromZonedInput, toZonedInput, useCampaignFormat } from './format'
import { useCampaignLabels } from './labels'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A purpose's name in the UI language (the key while the registry loads). */
export function usePurposeName() {
  const purposes = useQuery(purposesQueryOptions())
  const language = currentLanguage()
  return (key: string) => purposes.data?.find((p) => p.key === key)?.name[language] ?? key
}

/** A refused call of the campaign pages: its headline and each field it names. */
export function ProblemAlert({
  error,
  testId,
  message,
}: {
  error: unknown
  testId: string
  message?: string
}) {
  const { t } = useTranslation()
  return (
    <SharedProblemAlert error={error} testId={testId} fallback={t('campaigns.failed')} message={message} />
  )
}

/** "no consent 3 · objected 1": excluded counts by reason, labelled; unknown rules add up as "other". */
export function ReasonList({ counts, testId }: { counts: Record<string, number>; testId?: string }) {
  const { t } = useTranslation()
  const labels = useCampaignLabels()
  const format = useCampaignFormat()
  const byLabel = new Map<string, number>()
  for (const [reason, n] of Object.entries(counts))
    if (n > 0) byLabel.set(labels.reason(reason), (byLabel.get(labels.reason(reason)) ?? 0) + n)
  if (byLabel.size === 0)
    return (
      <Text size="xs" c="dimmed" data-testid={testId}>
        {t('campaigns.audience.noneExcluded')}
      </Text>
    )
  return (
    <Text size="xs" c="dimmed" data-testid={testId}>
      {[...byLabel].map(([label, n]) => `${label} ${format.number(n)}`).join(' · ')}
    </Text>
  )
}

/**
 * Who the campaign would reach if it started now, per channel: segment ∩ permission for the
 * channel's purpose ∩ not suppressed ∩ frequency cap, with the excluded by reason. Counted live.
 */
export function AudiencePanel({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation()
  const labels = useCampaignLabels()
  const format = useCampaignFormat()
  const purposeName = usePurposeName()
  const audience = useQuery(audienceQueryOptions(campaign.id))
  return (
    <Card withBorder data-testid="campaign-audience">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4">
            {t('campaigns.audience.title')}
          </Title>
          <Button
            size="xs"
            variant="subtle"
            onClick={() => void audience.refetch()}
            loading={audience.isFetching}
            data-testid="campaign-audience-refresh"
          >
            {t('campaigns.audience.refresh')}
          </Button>
        </Group>
        <Text size="sm" c="dimmed">
          {t('campaigns.audience.help')}
        </Text>
        {isProblem(audience.error, 403) ? (
          <Alert color="gray" variant="light" data-testid="campaign-audience-forbidden">
            {t('campaigns.audience.forbidden')}
          </Alert>
        ) : audience.isError ? (
          <ErrorState error={audience.error} onRetry={() => void audience.refetch()} />
        ) : audience.isPending ? (
          <Loader size="sm" aria-label={t('common.loading')} />
        ) : (
          <>
            <Group gap="xl" align="flex-start">
              <Stack gap={0}>
                <Text size="xs" c="dimmed">
                  {t('campaigns.audience.segment')}
                </Text>
                <Text size="xl" fw={700} data-testid="campaign-audience-segment">
                  {format.number(audience.data.segment.total)}
                </Text>
              </Stack>
              {audience.data.channels.map((c) => (
                <Stack
                  gap={0}
                  key={c.channel}
                  data-testid={`campaign-audience-${c.channel}`}
                  data-audience={c.audience}
                >
                  <Text size="xs" c="dimmed">
                    {t('campaigns.audience.on', {
                      channel: labels.channel(c.channel),
                      purpose: purposeName(c.purposeKey),
                    })}
                  </Text>
                  <Text size="xl" fw={700} data-testid={`campaign-audience-count-${c.channel}`}>
                    {format.number(c.audience)}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {t('campaigns.audience.breakdown', {
                      permitted: format.number(c.permitted),
                      suppressed: format.number(c.suppressed),
                      capped: format.number(c.capped),
                    })}
                  </Text>
                  <ReasonList counts={c.excludedBy} testId={`campaign-audience-excluded-${c.channel}`} />
                </Stack>
              ))}
            </Group>
            <Text size="xs" c="dimmed">
              {t('campaigns.audience.countedAt', { time: format.dateTime(audience.data.countedAt) })}
            </Text>
          </>
        )}
      </Stack>
    </Card>
  )
}

/** The content rendered with sample values (and the unsubscribe footer for e-mail); HTML in a sandbox. */
export function PreviewPanel({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation()
  const labels = useCampaignLabels()
  const channels = campaign.channels.map((c) => c.channel)
  const [channel, setChannel] = useState<CampaignChannel>(channels[0] ?? 'email')
  const [lang, setLang] = useState<ContentLanguage>(campaign.defaultLang)
  const [subjectId, setSubjectId] = useState('')
  const contact = subjectId.trim()
  const preview = useMutation({
    mutationFn: () =>
      previewCampaign(campaign.id, { channel, lang, ...(contact ? { subjectId: contact } : {}) }),
  })
  const contactProblem = isProblem(preview.error)
    ? preview.error.errors.find((e) => e.field === 'subjectId')
    : undefined
  const contactReason = contactProblem?.reason
  // The server names the gate's rule last ("…: no-consent"): shown by its label.
  const rule = contactReason ? /:\s*([a-z-]+)$/.exec(contactReason)?.[1] : undefined
  const contactError =
    contactReason && rule
      ? t('campaigns.preview.notReachable', { reason: labels.reason(rule) })
      : contactProblem && reasonText(t, contactProblem)
  return (
    <Card withBorder data-testid="campaign-preview">
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t('campaigns.preview.title')}
        </Title>
        <Text size="sm" c="dimmed">
          {t('campaigns.preview.help')}
        </Text>
        <Group align="flex-end">
          <Select
            label={t('campaigns.preview.channel')}
            data={channels.map((c) => ({ value: c, label: labels.channel(c) }))}
            value={channel}
            onChange={(c) => c && setChannel(c as CampaignChannel)}
            allowDeselect={false}
          />
          <Select
            label={t('campaigns.preview.language')}
            data={CONTENT_LANGUAGES.map((l) => ({ value: l, label: t(`campaigns.languages.${l}`) }))}
            value={lang}
            onChange={(l) => l && setLang(l as ContentLanguage)}
            allowDeselect={false}
          />
          <TextInput
            miw={300}
            label={t('campaigns.preview.contact')}
            description={t('campaigns.preview.contactHelp')}
            placeholder={t('campaigns.preview.sample')}
            value={subjectId}
            onChange={(e) => setSubjectId(e.currentTarget.value)}
            error={
              contactError ??
              (contact !== '' && !UUID.test(contact) ? t('campaigns.preview.contactInvalid') : undefined)
            }
            data-testid="campaign-preview-contact"
          />
          <Button
            variant="light"
            onClick={() => preview.mutate()}
            loading={preview.isPending}
            disabled={channels.length === 0 || (contact !== '' && !UUID.test(contact))}
            data-testid="campaign-preview-show"
          >
            {t('campaigns.preview.show')}
          </Button>
        </Group>
        {preview.isError && !contactError && (
          <ProblemAlert error={preview.error} testId="campaign-preview-error" />
        )}
        {preview.data && (
          <Stack gap="xs" data-testid="campaign-preview-result">
            {preview.data.subject !== '' && (
              <Text fw={600} data-testid="campaign-preview-subject">
                {preview.data.subject}
              </Text>
            )}
            <Text
              component="pre"
              size="sm"
              style={{ whiteSpace: 'pre-wrap', fontFamily: 'inherit', margin: 0 }}
              p="xs"
              bg="var(--mantine-color-gray-light)"
              data-testid="campaign-preview-text"
            >
              {preview.data.text}
            </Text>
            {preview.data.html && (
              <iframe
                title={t('campaigns.preview.htmlTitle')}
                // No scripts, no forms, no navigation, an opaque origin: the mail's HTML is only looked at.
                sandbox=""
                referrerPolicy="no-referrer"
                srcDoc={preview.data.html}
                style={{
                  width: '100%',
                  height: 360,
                  border: '1px solid var(--mantine-color-default-border)',
                }}
                data-testid="campaign-preview-html"
              />
            )}
          </Stack>
        )}
      </Stack>
    </Card>
  )
}

/** A test mail with sample values, subject "[Test] …", only to staff addresses; no ledger rows. */
export function TestSendPanel({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation()
  const session = useQuery(sessionQueryOptions)
  const [to, setTo] = useState<string | undefined>(undefined)
  const [lang, setLang] = useState<ContentLanguage>(campaign.defaultLang)
  const addresses = (to ?? session.data?.email ?? '')
    .split(/[\s,;]+/)
    .map((a) => a.trim())
    .filter((a) => a !== '')
  const send = useMutation({
    mutationFn: () => testSendCampaign(campaign.id, { channel: 'email', lang, to: addresses }),
  })
  if (!campaign.channels.some((c) => c.channel === 'email')) return null
  const toError = isProblem(send.error)
    ? send.error.errors
        .filter((e) => /^to(\.\d+)?$/.test(e.field))
        .map((e) => {
          const i = Number(e.field.split('.')[1])
          return Number.isInteger(i) && addresses[i]
            ? `${addresses[i]}: ${reasonText(t, e)}`
            : reasonText(t, e)
        })
        .join('; ')
    : ''
  return (
    <Card withBorder data-testid="campaign-test-send">
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t('campaigns.testSend.title')}
        </Title>
        <Text size="sm" c="dimmed">
          {t('campaigns.testSend.help')}
        </Text>
        <Group align="flex-start">
          <TextInput
            miw={320}
            label={t('campaigns.testSend.to')}
            description={t('campaigns.testSend.toHelp')}
            value={to ?? session.data?.email ?? ''}
            onChange={(e) => setTo(e.currentTarget.value)}
            error={toError || undefined}
            data-testid="campaign-test-to"
          />
          <Select
            label={t('campaigns.preview.language')}
            data={CONTENT_LANGUAGES.map((l) => ({ value: l, label: t(`campaigns.languages.${l}`) }))}
            value={lang}
            onChange={(l) => l && setLang(l as ContentLanguage)}
            allowDeselect={false}
          />
          <Button
            mt={24}
            variant="light"
            onClick={() => send.mutate()}
            loading={send.isPending}
            disabled={addresses.length === 0}
            data-testid="campaign-test-send-button"
          >
            {t('campaigns.testSend.send')}
          </Button>
        </Group>
        {send.isSuccess && (
          <Alert color="teal" variant="light" role="status" data-testid="campaign-test-sent">
            {t('campaigns.testSend.sent', { count: addresses.length })}
          </Alert>
        )}
        {send.isError && !toError && <ProblemAlert error={send.error} testId="campaign-test-send-error" />}
      </Stack>
    </Card>
  )
}

/** Start now or at a time on the installation's clock. */
export function SchedulePanel({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation()
  const format = useCampaignFormat()
  const queryClient = useQueryClient()
  const [mode, setMode] = useState<'now' | 'later'>(campaign.scheduledAt ? 'later' : 'now')
  const [at, setAt] = useState(() =>
    campaign.scheduledAt ? toZonedInput(campaign.scheduledAt, format.timeZone) : '',
  )
  const atIso = mode === 'later' ? fromZonedInput(at, format.timeZone) : undefined
  const schedule = useMutation({
    mutationFn: () => scheduleCampaign(campaign.id, atIso),
    onSuccess: async (saved) => {
      queryClient.setQueryData(campaignKeys.one(campaign.id), saved)
      await invalidateCampaigns(queryClient)
    },
  })
  const atProblem = isProblem(schedule.error)
    ? schedule.error.errors.find((e) => e.field === 'at')
    : undefined
  const atError = atProblem && reasonText(t, atProblem)
  return (
    <Card withBorder data-testid="campaign-schedule">
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t('campaigns.schedule.title')}
        </Title>
        {campaign.status === 'scheduled' && campaign.scheduledAt && (
          <Alert color="blue" variant="light" data-testid="campaign-scheduled-at">
            {Date.parse(campaign.scheduledAt) <= Date.now()
              ? t('campaigns.schedule.startsSoon')
              : t('campaigns.schedule.plannedFor', { time: format.dateTime(campaign.scheduledAt) })}
          </Alert>
        )}
        <Radio.Group
          value={mode}
          onChange={(v) => setMode(v as 'now' | 'later')}
          label={t('campaigns.schedule.when')}
        >
          <Group mt={4}>
            <Radio value="now" label={t('campaigns.schedule.now')} data-testid="campaign-schedule-now" />
            <Radio
              value="later"
              label={t('campaigns.schedule.later')}
              data-testid="campaign-schedule-later"
            />
          </Group>
        </Radio.Group>
        {mode === 'later' && (
          <TextInput
            type="datetime-local"
            maw={320}
            label={t('campaigns.schedule.at')}
            description={t('campaigns.schedule.timeZone', { timeZone: format.timeZone })}
            value={at}
            onChange={(e) => setAt(e.currentTarget.value)}
            error={atError}
            data-testid="campaign-schedule-at"
          />
        )}
        <Group>
          <Button
            onClick={() => schedule.mutate()}
            loading={schedule.isPending}
            disabled={mode === 'later' && atIso === undefined}
            color={mode === 'now' ? 'orange' : undefined}
            data-testid="campaign-schedule-submit"
          >
            {mode === 'now' ? t('campaigns.schedule.sendNow') : t('campaigns.schedule.submit')}
          </Button>
        </Group>
        {schedule.isError && !atError && (
          <ProblemAlert error={schedule.error} testId="campaign-schedule-error" />
        )}
      </Stack>
    </Card>
  )
}

/** Audience, preview, test send and schedule side by side under the form. */
export function BeforeSendPanels({ campaign, canManage }: { campaign: Campaign; canManage: boolean }) {
  return (
    <Stack gap="md">
      <AudiencePanel campaign={campaign} />
      <SimpleGrid cols={{ base: 1, lg: canManage ? 2 : 1 }}>
        <PreviewPanel campaign={campaign} />
        {canManage && (
          <Stack gap="md">
            <TestSendPanel campaign={campaign} />
            <SchedulePanel campaign={campaign} />
          </Stack>
        )}
      </SimpleGrid>
    </Stack>
  )
}
