import {
  Alert,
  Anchor,
  Badge,
  Blockquote,
  Drawer,
  Group,
  List,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { formsQueryOptions, publicFormPath } from '../privacy/privacy.api'
import {
  CONSENT_EVENT_KINDS,
  type ConsentProofEvent,
  type ConsentProofView,
  consentTextsQueryOptions,
  textsOf,
} from './consent.api'
import {
  UsableBadge,
  useActorLabel,
  useGapLabel,
  useObjectionScopeLabel,
  useSourceLabel,
} from './consent-labels'
import { type ConsentRow, objectionCovers, STATUS_COLORS } from './consent-rows'
import type { ContactFormat } from './contact-format'
import { DENIAL_RULES, type Decision, isOneOf } from './contact-overview.api'
import { LEGAL_BASES } from './subject-history.api'

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined

/**
 * The proof of one purpose × channel (Art. 7(1): who, when, how, which text, for which purpose):
 * the state now, how long the proof must be kept (§ 7a UWG), the objections that stop the use,
 * and every consent event with its proof, newest first, with what the proof lacks.
 */
export function ConsentProofDrawer({
  row,
  view,
  decision,
  format,
  onClose,
}: {
  row: ConsentRow | null
  view: ConsentProofView
  decision: Decision | undefined
  format: ContactFormat
  onClose: () => void
}) {
  const { t } = useTranslation()
  return (
    <Drawer
      opened={row !== null}
      onClose={onClose}
      position="right"
      size="lg"
      title={
        row
          ? t('consents.proof.title', {
              purpose: format.purpose(row.purposeKey),
              channel: format.channel(row.channel),
            })
          : ''
      }
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      {row && <ProofContent row={row} view={view} decision={decision} format={format} />}
    </Drawer>
  )
}

function ProofContent({
  row,
  view,
  decision,
  format,
}: {
  row: ConsentRow
  view: ConsentProofView
  decision: Decision | undefined
  format: ContactFormat
}) {
  const { t } = useTranslation()
  const scopeLabel = useObjectionScopeLabel(format)
  // Numbered in the order recorded (the history is append-only), shown newest first.
  const events = view.events
    .map((event, seq) => ({ event, seq }))
    .filter(({ event: e }) => e.purposeKey === row.purposeKey && e.channel === row.channel)
    .reverse()
  const retention = view.proofRetention.find(
    (r) => r.purposeKey === row.purposeKey && r.channel === row.channel,
  )
  const covering = view.objections.filter((o) => objectionCovers(o, row))
  const basis = row.state?.legalBasis ?? row.purpose?.legalBasis
  return (
    <Stack gap="md" data-testid="consent-proof" data-purpose={row.purposeKey} data-channel={row.channel}>
      <Paper withBorder radius="md" p="sm">
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="xs" verticalSpacing="xs">
          <Fact label={t('contact.permissions.columns.status')}>
            {row.state ? (
              <Badge
                size="sm"
                variant="light"
                tt="none"
                color={
                  isOneOf(CONSENT_EVENT_KINDS, row.state.status) ? STATUS_COLORS[row.state.status] : 'gray'
                }
                data-testid="consent-proof-status"
              >
                {isOneOf(CONSENT_EVENT_KINDS, row.state.status)
                  ? t(`contact.permissions.statuses.${row.state.status}`)
                  : row.state.status}
              </Badge>
            ) : (
              <Text size="sm" data-testid="consent-proof-status">
                {row.consentBased ? t('consents.status.none') : t('consents.status.noConsentNeeded')}
              </Text>
            )}
          </Fact>
          <Fact label={t('contact.permissions.columns.since')}>
            {row.state ? format.dateTime(row.state.since) : undefined}
          </Fact>
          <Fact label={t('contact.permissions.columns.usable')}>
            <UsableBadge decision={decision} row={row} />
          </Fact>
          {row.state && (
            // The consent alone (given, confirmed where needed, not withdrawn or lapsed); objections
            // and a restriction are what can still stop a use it allows.
            <Fact label={t('consents.proof.counts')} testId="consent-proof-counts">
              {row.state.counts
                ? t('consents.proof.countsYes')
                : t('consents.proof.countsNo', {
                    rule: isOneOf(DENIAL_RULES, row.state.rule)
                      ? t(`contact.permissions.denials.${row.state.rule}`)
                      : (row.state.rule ?? ''),
                  })}
            </Fact>
          )}
          <Fact label={t('contact.permissions.columns.basis')}>
            {basis ? (isOneOf(LEGAL_BASES, basis) ? t(`history.legalBases.${basis}`) : basis) : undefined}
          </Fact>
          {row.state?.expiresAt && (
            <Fact label={t('consents.proof.expiresAt')}>{format.date(row.state.expiresAt)}</Fact>
          )}
          {row.purpose?.doubleOptIn && (
            <Fact label={t('consents.proof.doubleOptIn')}>{t('consents.proof.doubleOptInRequired')}</Fact>
          )}
        </SimpleGrid>
      </Paper>
      {retention && (
        <Alert
          color="blue"
          variant="light"
          title={t('consents.proof.retention.title')}
          data-testid="proof-keep-until"
        >
          <Text size="sm">
            {t('consents.proof.retention.body', {
              date: format.date(retention.keepUntil),
              law: retention.law,
              given: format.date(retention.lastGivenAt),
            })}
          </Text>
          {retention.lastUsedAt && (
            <Text size="xs" c="dimmed">
              {t('consents.proof.retention.lastUsed', { date: format.date(retention.lastUsedAt) })}
            </Text>
          )}
        </Alert>
      )}
      {covering.length > 0 && (
        <Alert
          color="orange"
          variant="light"
          title={t('consents.proof.objected')}
          data-testid="proof-objections"
        >
          <Stack gap={2}>
            {covering.map((o) => (
              <Text size="sm" key={`${o.scope}:${o.purposeKey}:${o.channel}`}>
                {t('consents.proof.objectedSince', { scope: scopeLabel(o), since: format.date(o.raisedAt) })}
              </Text>
            ))}
          </Stack>
        </Alert>
      )}
      <Title order={3} size="h5">
        {t('consents.proof.events')}
      </Title>
      {events.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="consent-proof-empty">
          {t('consents.proof.noEvents')}
        </Text>
      ) : (
        <Stack gap="sm">
          {events.map(({ event, seq }) => (
            <ProofEvent key={seq} event={event} format={format} />
          ))}
        </Stack>
      )}
    </Stack>
  )
}

function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  const { t } = useTranslation()
  const empty = children === undefined || children === null || children === ''
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      {empty ? (
        <Text size="sm" c="dimmed" data-testid={testId}>
          {t('common.emptyValue')}
        </Text>
      ) : typeof children === 'string' ? (
        <Text size="sm" data-testid={testId} style={{ overflowWrap: 'anywhere' }}>
          {children}
        </Text>
      ) : (
        <div data-testid={testId}>{children}</div>
      )}
    </Stack>
  )
}

/** One consent event with everything that proves it. */
function ProofEvent({ event, format }: { event: ConsentProofEvent; format: ContactFormat }) {
  const { t } = useTranslation()
  const sourceLabel = useSourceLabel()
  const actorLabel = useActorLabel()
  const gapLabel = useGapLabel()
  const texts = useQuery(consentTextsQueryOptions())
  const forms = useQuery(formsQueryOptions())
  const { proof } = event
  const textVersion = text(proof.textVersion)
  const wording = textVersion
    ? textsOf(texts.data, event.purposeKey).find((v) => v.textVersion === textVersion)
    : undefined
  const formKey = text(proof.formKey)
  const form = formKey ? forms.data?.find((f) => f.key === formKey) : undefined
  const doi = proof.doi ?? {}
  const ip = text(doi.ip) ?? text(proof.ip)
  const userAgent = text(doi.userAgent) ?? text(proof.userAgent)
  return (
    <Paper withBorder radius="md" p="sm" data-testid="consent-proof-event" data-kind={event.kind}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <Badge
            size="sm"
            variant="light"
            tt="none"
            color={isOneOf(CONSENT_EVENT_KINDS, event.kind) ? STATUS_COLORS[event.kind] : 'gray'}
          >
            {isOneOf(CONSENT_EVENT_KINDS, event.kind)
              ? t(`contact.permissions.statuses.${event.kind}`)
              : event.kind}
          </Badge>
          <Text size="sm" fw={500}>
            <time dateTime={event.at}>{format.dateTime(event.at)}</time>
          </Text>
        </Group>
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="xs" verticalSpacing="xs">
          <Fact label={t('consents.proof.source')} testId="proof-source">
            {sourceLabel(event.source ?? proof.source)}
          </Fact>
          <Fact label={t('consents.proof.recordedBy')} testId="proof-recorded-by">
            {actorLabel(event.recordedBy)}
          </Fact>
          <Fact label={t('consents.proof.reference')} testId="proof-reference">
            {text(proof.reference)}
          </Fact>
          <Fact
            label={
              event.kind === 'withdrawn' ? t('consents.proof.receivedAt') : t('consents.proof.collectedAt')
            }
            testId="proof-collected-at"
          >
            {text(proof.collectedAt) ? format.dateTime(proof.collectedAt as string) : undefined}
          </Fact>
          <Fact label={t('consents.proof.textVersion')} testId="proof-text-version">
            {textVersion}
          </Fact>
          <Fact label={t('consents.proof.form')} testId="proof-form">
            {formKey ? (
              form ? (
                <Anchor href={publicFormPath(formKey)} target="_blank" rel="noopener" size="sm">
                  {form.title[format.language]} ({formKey})
                </Anchor>
              ) : (
                <Text size="sm">{formKey}</Text>
              )
            ) : undefined}
          </Fact>
          {(text(doi.requestedAt) || text(doi.confirmedAt)) && (
            <>
              <Fact label={t('consents.proof.doiRequested')} testId="proof-doi-requested">
                {text(doi.requestedAt) ? format.dateTime(doi.requestedAt as string) : undefined}
              </Fact>
              <Fact label={t('consents.proof.doiConfirmed')} testId="proof-doi-confirmed">
                {text(doi.confirmedAt) ? format.dateTime(doi.confirmedAt as string) : undefined}
              </Fact>
            </>
          )}
          {ip && (
            <Fact label={t('consents.proof.ip')} testId="proof-ip">
              {ip}
            </Fact>
          )}
          <Fact label={t('consents.proof.purposeVersion')}>{String(event.purposeVersion)}</Fact>
        </SimpleGrid>
        {userAgent && (
          <Fact label={t('consents.proof.userAgent')} testId="proof-user-agent">
            <Text size="xs" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
              {userAgent}
            </Text>
          </Fact>
        )}
        {wording && (
          <Blockquote
            p="xs"
            color="gray"
            data-testid="proof-text"
            cite={t('consents.proof.textShown', {
              version: wording.textVersion,
              date: format.date(wording.createdAt),
            })}
          >
            <Text size="sm">{wording.text[format.language]}</Text>
          </Blockquote>
        )}
        {event.gaps.length > 0 && (
          <Alert
            color="yellow"
            variant="light"
            p="xs"
            title={t('consents.proof.gaps')}
            data-testid="proof-gaps"
          >
            <List size="sm">
              {event.gaps.map((gap) => (
                <List.Item key={gap}>{gapLabel(gap)}</List.Item>
              ))}
            </List>
          </Alert>
        )}
      </Stack>
    </Paper>
  )
}
