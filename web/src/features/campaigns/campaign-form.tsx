import {
  Alert,
  Button,
  Card,
  Checkbox,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Tabs,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { TFunction } from 'i18next'
import { useMemo, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { SubmitErrorAlert } from '../../app/error-state'
import { currentLanguage } from '../../app/i18n'
import { problemHeadline, problemLine, reasonText } from '../../app/problem-text'
import { recipientsQueryOptions } from '../privacy/recipients.api'
import { segmentsQueryOptions } from '../segments/segments.api'
import { purposesQueryOptions, useRolePurposes } from '../subjects/contact-overview.api'
import {
  CAMPAIGN_CHANNELS,
  type Campaign,
  type CampaignChannel,
  type CampaignContent,
  type CampaignInput,
  CONTENT_LANGUAGES,
  type ContentLanguage,
  createCampaign,
  HTML_CHANNELS,
  invalidateCampaigns,
  MERGE_FIELD_CATEGORY,
  MERGE_FIELDS,
  SUBJECT_CHANNELS,
  updateCampaign,
} from './api'
import { useCampaignLabels } from './labels'

/** The seeded direct-marketing purpose of each channel, preselected when a channel is switched on. */
const DEFAULT_PURPOSE: Record<CampaignChannel, string> = {
  email: 'newsletter_email',
  sms: 'sms_marketing',
  post: 'postal_advertising',
  phone: 'phone_marketing',
}

type ContentKey = `${CampaignChannel}.${ContentLanguage}`
const contentKey = (channel: CampaignChannel, lang: ContentLanguage): ContentKey => `${channel}.${lang}`

interface ChannelDraft {
  enabled: boolean
  purposeKey: string | null
  recipientId: string | null
}
interface ContentDraft {
  subject: string
  bodyText: string
  bodyHtml: string
}
interface FormState {
  name: string
  description: string
  segmentId: string | null
  defaultLang: ContentLanguage
  channels: Record<CampaignChannel, ChannelDraft>
  capOn: boolean
  capMessages: number
  capDays: number
  trackOpens: boolean
  content: Partial<Record<ContentKey, ContentDraft>>
}

const emptyContent = (): ContentDraft => ({ subject: '', bodyText: '', bodyHtml: '' })

function initialState(campaign: Campaign | undefined): FormState {
  const channels = Object.fromEntries(
    CAMPAIGN_CHANNELS.map((ch) => {
      const saved = campaign?.channels.find((c) => c.channel === ch)
      return [
        ch,
        {
          enabled: saved !== undefined || (campaign === undefined && ch === 'email'),
          purposeKey: saved?.purposeKey ?? DEFAULT_PURPOSE[ch],
          recipientId: saved?.recipientId ?? null,
        },
      ]
    }),
  ) as Record<CampaignChannel, ChannelDraft>
  const content: FormState['content'] = {}
  for (const c of campaign?.content ?? [])
    content[contentKey(c.channel, c.lang)] = {
      subject: c.subject,
      bodyText: c.bodyText,
      bodyHtml: c.bodyHtml ?? '',
    }
  return {
    name: campaign?.name ?? '',
    description: campaign?.description ?? '',
    segmentId: campaign?.segment?.id ?? null,
    defaultLang: campaign?.defaultLang ?? (currentLanguage() === 'de' ? 'de' : 'en'),
    channels,
    capOn: campaign?.cap != null,
    capMessages: campaign?.cap?.messages ?? 2,
    capDays: campaign?.cap?.days ?? 30,
    trackOpens: campaign?.trackOpens ?? false,
    content,
  }
}

/**
 * The request body, and where each array entry came from: the server names a refused field by its
 * index (`content.1.bodyText`, `channels.0.purposeKey`), the form shows it at its input.
 */
function toInput(state: FormState): {
  input: CampaignInput
  channelAt: CampaignChannel[]
  contentAt: ContentKey[]
} {
  const channelAt = CAMPAIGN_CHANNELS.filter((ch) => state.channels[ch].enabled)
  const contentAt: ContentKey[] = []
  const content: CampaignContent[] = []
  for (const channel of channelAt)
    for (const lang of CONTENT_LANGUAGES) {
      const c = state.content[contentKey(channel, lang)]
      // The default language is always sent (the server says what is missing); others once written.
      const written = c !== undefined && [c.subject, c.bodyText, c.bodyHtml].some((v) => v.trim() !== '')
      if (lang !== state.defaultLang && !written) continue
      const draft = c ?? emptyContent()
      contentAt.push(contentKey(channel, lang))
      content.push({
        channel,
        lang,
        subject: SUBJECT_CHANNELS.includes(channel) ? draft.subject : '',
        bodyText: draft.bodyText,
        ...(HTML_CHANNELS.includes(channel) && draft.bodyHtml.trim() !== ''
          ? { bodyHtml: draft.bodyHtml }
          : {}),
      })
    }
  return {
    input: {
      name: state.name.trim(),
      description: state.description,
      segmentId: state.segmentId ?? '',
      defaultLang: state.defaultLang,
      channels: channelAt.map((channel) => ({
        channel,
        purposeKey: state.channels[channel].purposeKey ?? '',
        ...(channel === 'post' && state.channels.post.recipientId
          ? { recipientId: state.channels.post.recipientId }
          : {}),
      })),
      cap: state.capOn ? { messages: state.capMessages, days: state.capDays } : null,
      trackOpens: state.trackOpens,
      content,
    },
    channelAt,
    contentAt,
  }
}

/**
 * The server's field errors keyed by the form's own names (`channels.email.purposeKey`,
 * `content.email.de.bodyText`), so each is shown at its input; the rest go to the alert.
 */
function fieldErrorsOf(
  t: TFunction,
  error: unknown,
  channelAt: readonly CampaignChannel[],
  contentAt: readonly ContentKey[],
): { at: Map<string, string>; rest: string[] } {
  const at = new Map<string, string>()
  const rest: string[] = []
  if (!isProblem(error)) return { at, rest }
  for (const e of error.errors) {
    const parts = e.field.replace(/^body\./, '').split('.')
    let key: string | undefined
    if (parts[0] === 'channels' && parts[1] !== undefined) {
      const channel = channelAt[Number(parts[1])]
      key = channel ? ['channels', channel, ...parts.slice(2)].join('.') : undefined
    } else if (parts[0] === 'content' && parts[1] !== undefined) {
      const content = contentAt[Number(parts[1])]
      key = content ? ['content', content, ...parts.slice(2)].join('.') : undefined
    } else key = parts.join('.')
    if (key !== undefined && KNOWN_INPUTS.test(key)) at.set(key, joinReason(at.get(key), reasonText(t, e)))
    else rest.push(problemLine(t, e))
  }
  return { at, rest }
}

/** The inputs the server would refuse as missing, keyed like {@link fieldErrorsOf}'s. */
function missingInputs(state: FormState, required: string): Map<string, string> {
  const out = new Map<string, string>()
  if (state.name.trim() === '') out.set('name', required)
  if (!state.segmentId) out.set('segmentId', required)
  for (const channel of CAMPAIGN_CHANNELS) {
    const draft = state.channels[channel]
    if (!draft.enabled) continue
    if (!draft.purposeKey) out.set(`channels.${channel}.purposeKey`, required)
    if (channel === 'post' && !draft.recipientId) out.set('channels.post.recipientId', required)
    for (const lang of CONTENT_LANGUAGES) {
      const key = contentKey(channel, lang)
      const c = state.content[key] ?? emptyContent()
      const written = c.subject.trim() !== '' || c.bodyText.trim() !== '' || c.bodyHtml.trim() !== ''
      if (lang !== state.defaultLang && !written) continue
      if (c.bodyText.trim() === '') out.set(`content.${key}.bodyText`, required)
      if (channel === 'email' && c.subject.trim() === '') out.set(`content.${key}.subject`, required)
    }
  }
  return out
}

const KNOWN_INPUTS =
  /^(name|description|segmentId|defaultLang|cap(\.messages|\.days)?|channels\.\w+(\.purposeKey|\.recipientId|\.channel)?|content\.\w+\.\w+\.(subject|bodyText|bodyHtml))$/

const joinReason = (before: string | undefined, reason: string) => (before ? `${before}; ${reason}` : reason)

/**
 * The campaign's settings and content: a new one (`campaign` undefined) or a draft or scheduled one.
 * Saved with `POST /campaigns` or `PATCH /campaigns/{id}` (with the version it was read at).
 */
export function CampaignForm({
  campaign,
  onSaved,
  readOnly,
}: {
  campaign: Campaign | undefined
  onSaved: (campaign: Campaign) => void
  readOnly: boolean
}) {
  const { t } = useTranslation()
  const labels = useCampaignLabels()
  const queryClient = useQueryClient()
  const language = currentLanguage()
  const segments = useQuery(segmentsQueryOptions())
  const purposes = useRolePurposes()
  const allPurposes = useQuery(purposesQueryOptions())
  const recipients = useQuery({ ...recipientsQueryOptions(), enabled: !readOnly })
  const [state, setState] = useState<FormState>(() => initialState(campaign))
  const [sent, setSent] = useState<{ channelAt: CampaignChannel[]; contentAt: ContentKey[] }>({
    channelAt: [],
    contentAt: [],
  })
  const set = (patch: Partial<FormState>) => setState((s) => ({ ...s, ...patch }))
  const setChannel = (channel: CampaignChannel, patch: Partial<ChannelDraft>) =>
    setState((s) => ({ ...s, channels: { ...s.channels, [channel]: { ...s.channels[channel], ...patch } } }))
  const setContent = (key: ContentKey, patch: Partial<ContentDraft>) =>
    setState((s) => ({
      ...s,
      content: { ...s.content, [key]: { ...(s.content[key] ?? emptyContent()), ...patch } },
    }))

  const save = useMutation({
    mutationFn: () => {
      const { input, channelAt, contentAt } = toInput(state)
      setSent({ channelAt, contentAt })
      return campaign
        ? updateCampaign(campaign.id, { ...input, version: campaign.version })
        : createCampaign(input)
    },
    onSuccess: async (saved) => {
      await invalidateCampaigns(queryClient)
      onSaved(saved)
    },
  })
  const errors = useMemo(
    () => fieldErrorsOf(t, save.error, sent.channelAt, sent.contentAt),
    [t, save.error, sent.channelAt, sent.contentAt],
  )
  // What is missing is said before asking the server, in the UI's language.
  const [missing, setMissing] = useState<ReadonlyMap<string, string>>(new Map())
  const submit = () => {
    const found = missingInputs(state, t('campaigns.editor.required'))
    setMissing(found)
    if (found.size === 0) save.mutate()
    else save.reset()
  }
  const err = (key: string) => missing.get(key) ?? errors.at.get(key)

  const segmentData = (segments.data ?? []).map((s) => ({ value: s.id, label: s.name }))
  // A campaign's segment may have been renamed or not be listed to this role; keep it choosable.
  if (campaign?.segment && !segmentData.some((s) => s.value === campaign.segment?.id))
    segmentData.push({ value: campaign.segment.id, label: campaign.segment.name })
  const purposesFor = (channel: CampaignChannel) => {
    const offered = (purposes.data ?? []).filter((p) => p.directMarketing && p.channels.includes(channel))
    // The saved purpose stays shown (by its name) to a role that may not choose it.
    const saved = allPurposes.data?.find((p) => p.key === state.channels[channel].purposeKey)
    if (saved && !offered.some((p) => p.key === saved.key)) offered.push(saved)
    return offered.map((p) => ({ value: p.key, label: p.name[language] }))
  }
  const letterShops = (recipients.data ?? [])
    .filter((r) => r.role === 'processor' && r.retiredAt === null)
    .map((r) => ({ value: r.id, label: r.name }))
  const enabled = CAMPAIGN_CHANNELS.filter((ch) => state.channels[ch].enabled)
  const langLabel = (lang: ContentLanguage) => t(`campaigns.languages.${lang}`)

  return (
    <Stack gap="md" data-testid="campaign-form">
      <Card withBorder>
        <Stack gap="sm">
          <Title order={2} size="h4">
            {t('campaigns.editor.basics')}
          </Title>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <TextInput
              label={t('campaigns.fields.name')}
              value={state.name}
              onChange={(e) => set({ name: e.currentTarget.value })}
              required
              maxLength={200}
              error={err('name')}
              readOnly={readOnly}
              data-testid="campaign-name"
            />
            <Select
              label={t('campaigns.fields.segment')}
              description={t('campaigns.editor.segmentHelp')}
              placeholder={t('campaigns.editor.chooseSegment')}
              data={segmentData}
              value={state.segmentId}
              onChange={(id) => set({ segmentId: id })}
              searchable
              required
              nothingFoundMessage={t('campaigns.editor.noSegments')}
              error={err('segmentId')}
              readOnly={readOnly}
              data-testid="campaign-segment"
            />
          </SimpleGrid>
          <Textarea
            label={t('campaigns.fields.description')}
            value={state.description}
            onChange={(e) => set({ description: e.currentTarget.value })}
            autosize
            minRows={2}
            maxLength={2000}
            error={err('description')}
            readOnly={readOnly}
          />
          <SimpleGrid cols={{ base: 1, md: 3 }}>
            <Select
              label={t('campaigns.fields.defaultLang')}
              description={t('campaigns.editor.defaultLangHelp')}
              data={CONTENT_LANGUAGES.map((l) => ({ value: l, label: langLabel(l) }))}
              value={state.defaultLang}
              onChange={(l) => l && set({ defaultLang: l as ContentLanguage })}
              allowDeselect={false}
              error={err('defaultLang')}
              readOnly={readOnly}
              data-testid="campaign-default-lang"
            />
            <Stack gap={4}>
              <Switch
                label={t('campaigns.fields.cap')}
                description={t('campaigns.editor.capHelp')}
                checked={state.capOn}
                onChange={(e) => set({ capOn: e.currentTarget.checked })}
                disabled={readOnly}
                data-testid="campaign-cap"
              />
              {state.capOn && (
                <Group gap="xs" grow>
                  <NumberInput
                    label={t('campaigns.editor.capMessages')}
                    min={1}
                    value={state.capMessages}
                    onChange={(v) => set({ capMessages: Number(v) || 1 })}
                    error={err('cap.messages') ?? err('cap')}
                    readOnly={readOnly}
                  />
                  <NumberInput
                    label={t('campaigns.editor.capDays')}
                    min={1}
                    max={365}
                    value={state.capDays}
                    onChange={(v) => set({ capDays: Number(v) || 1 })}
                    error={err('cap.days')}
                    readOnly={readOnly}
                  />
                </Group>
              )}
            </Stack>
            <Switch
              label={t('campaigns.fields.trackOpens')}
              description={t('campaigns.editor.trackOpensHelp')}
              checked={state.trackOpens}
              onChange={(e) => set({ trackOpens: e.currentTarget.checked })}
              disabled={readOnly}
            />
          </SimpleGrid>
        </Stack>
      </Card>

      <Card withBorder>
        <Stack gap="sm">
          <Title order={2} size="h4">
            {t('campaigns.editor.channels')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('campaigns.editor.channelsHelp')}
          </Text>
          {CAMPAIGN_CHANNELS.map((channel) => {
            const draft = state.channels[channel]
            return (
              <Group key={channel} align="flex-start" wrap="wrap" data-testid={`campaign-channel-${channel}`}>
                <Checkbox
                  w={140}
                  mt={draft.enabled ? 30 : 0}
                  label={labels.channel(channel)}
                  checked={draft.enabled}
                  onChange={(e) => setChannel(channel, { enabled: e.currentTarget.checked })}
                  disabled={readOnly}
                  error={err(`channels.${channel}`) ?? err(`channels.${channel}.channel`)}
                />
                {draft.enabled && (
                  <Select
                    miw={280}
                    label={t('campaigns.editor.purposeOf', { channel: labels.channel(channel) })}
                    data={purposesFor(channel)}
                    value={draft.purposeKey}
                    onChange={(key) => setChannel(channel, { purposeKey: key })}
                    allowDeselect={false}
                    nothingFoundMessage={t('campaigns.editor.noPurposes')}
                    error={err(`channels.${channel}.purposeKey`)}
                    readOnly={readOnly}
                  />
                )}
                {draft.enabled && channel === 'post' && (
                  <Select
                    miw={280}
                    label={t('campaigns.editor.letterShop')}
                    description={t('campaigns.editor.letterShopHelp')}
                    placeholder={t('campaigns.editor.chooseLetterShop')}
                    data={letterShops}
                    value={draft.recipientId}
                    onChange={(id) => setChannel(channel, { recipientId: id })}
                    nothingFoundMessage={t('campaigns.editor.noLetterShops')}
                    error={err('channels.post.recipientId')}
                    readOnly={readOnly}
                  />
                )}
              </Group>
            )
          })}
        </Stack>
      </Card>

      {enabled.map((channel) => (
        <ContentCard
          key={channel}
          channel={channel}
          categories={
            purposes.data?.find((p) => p.key === state.channels[channel].purposeKey)?.scope.fieldCategories
          }
          state={state}
          onChange={setContent}
          error={err}
          readOnly={readOnly}
        />
      ))}

      {!readOnly && (
        <Group>
          <Button
            onClick={submit}
            loading={save.isPending}
            disabled={state.name.trim() === '' || state.segmentId === null || enabled.length === 0}
            data-testid="campaign-save"
          >
            {campaign ? t('campaigns.editor.save') : t('campaigns.editor.create')}
          </Button>
          {save.isSuccess && !save.isPending && (
            <Text size="sm" c="teal" role="status" data-testid="campaign-saved">
              {t('campaigns.editor.saved')}
            </Text>
          )}
        </Group>
      )}
      {missing.size > 0 && (
        <SubmitErrorAlert message={t('campaigns.editor.fixFields')} lines={[]} testId="campaign-missing" />
      )}
      {save.isError && (
        <SubmitErrorAlert
          message={
            isProblem(save.error, 409) && errors.at.size === 0
              ? t('campaigns.editor.conflict')
              : errors.at.size > 0 && errors.rest.length === 0
                ? t('campaigns.editor.fixFields')
                : isProblem(save.error)
                  ? problemHeadline(t, save.error)
                  : t('campaigns.failed')
          }
          lines={errors.rest}
          testId="campaign-save-error"
        />
      )}
      {readOnly && campaign && (
        <Alert color="gray" variant="light">
          {t('campaigns.editor.readOnly')}
        </Alert>
      )}
    </Stack>
  )
}

/** One channel's content in each language: subject, text and (e-mail) HTML, with merge-field buttons. */
function ContentCard({
  channel,
  categories,
  state,
  onChange,
  error,
  readOnly,
}: {
  channel: CampaignChannel
  /** The field categories the channel's purpose uses (undefined while unknown: every merge field). */
  categories: readonly string[] | undefined
  state: FormState
  onChange: (key: ContentKey, patch: Partial<ContentDraft>) => void
  error: (key: string) => string | undefined
  readOnly: boolean
}) {
  const { t } = useTranslation()
  const labels = useCampaignLabels()
  const [lang, setLang] = useState<ContentLanguage>(state.defaultLang)
  // The input a merge field goes into: the last one focused (the text by default).
  const focused = useRef<{
    part: keyof ContentDraft
    element: HTMLInputElement | HTMLTextAreaElement
  } | null>(null)
  const hasSubject = SUBJECT_CHANNELS.includes(channel)
  const hasHtml = HTML_CHANNELS.includes(channel)
  const channelName = labels.channel(channel)
  const mergeFields = MERGE_FIELDS.filter(
    (f) => categories === undefined || categories.includes(MERGE_FIELD_CATEGORY[f]),
  )
  const errorIn = (l: ContentLanguage) =>
    ['subject', 'bodyText', 'bodyHtml'].some((part) => error(`content.${contentKey(channel, l)}.${part}`))
  const insert = (field: string) => {
    const key = contentKey(channel, lang)
    const draft = state.content[key] ?? emptyContent()
    const target = focused.current
    const part = target?.part ?? 'bodyText'
    const value = draft[part]
    const token = `{{${field}}}`
    const start = target?.element.selectionStart ?? value.length
    const end = target?.element.selectionEnd ?? value.length
    onChange(key, { [part]: value.slice(0, start) + token + value.slice(end) })
    requestAnimationFrame(() => {
      const element = focused.current?.element
      if (element) {
        element.focus()
        element.setSelectionRange(start + token.length, start + token.length)
      }
    })
  }
  const track =
    (part: keyof ContentDraft) => (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => {
      focused.current = { part, element: e.currentTarget }
    }
  return (
    <Card withBorder data-testid={`campaign-content-${channel}`}>
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t('campaigns.editor.contentOf', { channel: channelName })}
        </Title>
        <Tabs value={lang} onChange={(v) => v && setLang(v as ContentLanguage)} keepMounted={false}>
          <Tabs.List>
            {CONTENT_LANGUAGES.map((l) => (
              <Tabs.Tab key={l} value={l} color={errorIn(l) ? 'red' : undefined}>
                {t(`campaigns.languages.${l}`)}
                {l === state.defaultLang ? ` (${t('campaigns.editor.default')})` : ''}
              </Tabs.Tab>
            ))}
          </Tabs.List>
          {CONTENT_LANGUAGES.map((l) => {
            const key = contentKey(channel, l)
            const draft = state.content[key] ?? emptyContent()
            const suffix = `${channelName}, ${t(`campaigns.languages.${l}`)}`
            return (
              <Tabs.Panel key={l} value={l} pt="sm">
                <Stack gap="sm">
                  {!readOnly && (
                    <Group gap="xs" aria-label={t('campaigns.editor.mergeFields')} role="group">
                      <Text size="xs" c="dimmed">
                        {t('campaigns.editor.mergeFields')}
                      </Text>
                      {mergeFields.length === 0 && (
                        <Text size="xs" c="dimmed">
                          {t('campaigns.editor.noMergeFields')}
                        </Text>
                      )}
                      {mergeFields.map((field) => (
                        <Button
                          key={field}
                          size="compact-xs"
                          variant="light"
                          // Keeps the focus (and the cursor) in the input the field goes into.
                          onMouseDown={(e) => e.preventDefault()}
                          onClick={() => insert(field)}
                          aria-label={t('campaigns.editor.insertField', { field: labels.mergeField(field) })}
                          data-testid={`campaign-merge-${field}`}
                        >
                          {labels.mergeField(field)}
                        </Button>
                      ))}
                    </Group>
                  )}
                  {hasSubject && (
                    <TextInput
                      label={`${t(`campaigns.editor.subject.${channel as 'email' | 'post' | 'phone'}`)} (${suffix})`}
                      value={draft.subject}
                      onChange={(e) => onChange(key, { subject: e.currentTarget.value })}
                      onFocus={track('subject')}
                      maxLength={500}
                      error={error(`content.${key}.subject`)}
                      readOnly={readOnly}
                      data-testid={`campaign-subject-${channel}-${l}`}
                    />
                  )}
                  <Textarea
                    label={`${t('campaigns.editor.bodyText')} (${suffix})`}
                    description={channel === 'sms' ? t('campaigns.editor.smsHelp') : undefined}
                    value={draft.bodyText}
                    onChange={(e) => onChange(key, { bodyText: e.currentTarget.value })}
                    onFocus={track('bodyText')}
                    autosize
                    minRows={4}
                    error={error(`content.${key}.bodyText`)}
                    readOnly={readOnly}
                    data-testid={`campaign-text-${channel}-${l}`}
                  />
                  {hasHtml && (
                    <Textarea
                      label={`${t('campaigns.editor.bodyHtml')} (${suffix})`}
                      description={t('campaigns.editor.bodyHtmlHelp')}
                      value={draft.bodyHtml}
                      onChange={(e) => onChange(key, { bodyHtml: e.currentTarget.value })}
                      onFocus={track('bodyHtml')}
                      autosize
                      minRows={3}
                      styles={{ input: { fontFamily: 'monospace' } }}
                      error={error(`content.${key}.bodyHtml`)}
                      readOnly={readOnly}
                      data-testid={`campaign-html-${channel}-${l}`}
                    />
                  )}
                </Stack>
              </Tabs.Panel>
            )
          })}
        </Tabs>
      </Stack>
    </Card>
  )
}
