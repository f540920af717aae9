import { Accordion, Alert, Badge, Stack, Table, Text } from '@mantine/core'
import { useTranslation } from 'react-i18next'
import type { ContactFormat } from './contact-format'
import {
  CONSENT_EVENT_KINDS,
  type ConsentState,
  DENIAL_RULES,
  type Decision,
  type HiddenPart,
  isOneOf,
  OBJECTION_SCOPES,
  type Objection,
  RESTRICTION_GROUNDS,
  type SubjectPermissions,
} from './contact-overview.api'
import { SectionCard } from './contact-section'
import { LEGAL_BASES } from './subject-history.api'

const STATUS_COLORS: Record<(typeof CONSENT_EVENT_KINDS)[number], string> = {
  granted: 'green',
  confirmed: 'green',
  requested: 'yellow',
  withdrawn: 'gray',
  expired: 'gray',
}

/** When the consent entered the status it is in now. */
function since(consent: ConsentState): string {
  const at: Record<string, string | null> = {
    requested: consent.requestedAt,
    granted: consent.grantedAt,
    confirmed: consent.confirmedAt,
    withdrawn: consent.withdrawnAt,
    expired: consent.expiredAt,
  }
  return at[consent.status] ?? consent.updatedAt
}

/** Consents per purpose and channel, objections and a restriction: what may be done with the person. */
export function PermissionsCard({
  permissions,
  hidden,
  format,
}: {
  permissions: SubjectPermissions | undefined
  hidden: HiddenPart | undefined
  format: ContactFormat
}) {
  const { t } = useTranslation()
  return (
    <SectionCard title={t('contact.parts.permissions')} hidden={hidden} testId="contact-permissions">
      {permissions ? (
        <Stack gap="sm">
          <ConsentTable consents={permissions.consents} decisions={permissions.decisions} format={format} />
          {permissions.decisions.length > 0 && (
            <DecisionList decisions={permissions.decisions} format={format} />
          )}
        </Stack>
      ) : (
        <Text size="sm" c="dimmed">
          {t('common.emptyValue')}
        </Text>
      )}
    </SectionCard>
  )
}

/** A restriction (Art. 18) or objections (Art. 21): shown above everything else on the page. */
export function PermissionAlerts({
  permissions,
  format,
}: {
  permissions: SubjectPermissions | undefined
  format: ContactFormat
}) {
  const { t } = useTranslation()
  if (!permissions || (!permissions.restriction && permissions.objections.length === 0)) return null
  return (
    <Stack gap="sm">
      {permissions.restriction && (
        <Alert
          color="red"
          variant="light"
          title={t('contact.permissions.restricted.title')}
          data-testid="contact-restriction"
        >
          <Stack gap={4}>
            <Text size="sm">
              {t('contact.permissions.restricted.body', {
                since: format.date(permissions.restriction.since),
                ground: isOneOf(RESTRICTION_GROUNDS, permissions.restriction.ground)
                  ? t(`contact.permissions.grounds.${permissions.restriction.ground}`)
                  : permissions.restriction.ground,
              })}
            </Text>
            {permissions.restriction.note && (
              <Text size="sm" c="dimmed">
                {permissions.restriction.note}
              </Text>
            )}
          </Stack>
        </Alert>
      )}
      {permissions.objections.length > 0 && (
        <Alert
          color="orange"
          variant="light"
          title={t('contact.permissions.objections.title')}
          data-testid="contact-objections"
        >
          <Stack gap={4}>
            {permissions.objections.map((objection) => (
              <Text size="sm" key={`${objection.scope}:${objection.purposeKey}:${objection.channel}`}>
                <ObjectionText objection={objection} format={format} />
              </Text>
            ))}
          </Stack>
        </Alert>
      )}
    </Stack>
  )
}

function ObjectionText({ objection, format }: { objection: Objection; format: ContactFormat }) {
  const { t } = useTranslation()
  const sinceDate = format.date(objection.raisedAt)
  if (!isOneOf(OBJECTION_SCOPES, objection.scope))
    return <>{t('contact.permissions.objections.other', { scope: objection.scope, since: sinceDate })}</>
  return (
    <>
      {t(`contact.permissions.objections.${objection.scope}`, {
        since: sinceDate,
        channel: objection.channel ? format.channel(objection.channel) : '',
        purpose: objection.purposeKey ? format.purpose(objection.purposeKey) : '',
      })}
    </>
  )
}

function DecisionBadge({ decision }: { decision: Decision | undefined }) {
  const { t } = useTranslation()
  if (!decision)
    return (
      <Text span size="sm" c="dimmed">
        {t('common.emptyValue')}
      </Text>
    )
  if (decision.allowed)
    return (
      <Badge size="sm" variant="light" color="green" tt="none">
        {t('contact.permissions.allowed')}
      </Badge>
    )
  // Why not, in words: a calm line rather than another badge.
  return (
    <Text span size="sm" c="dimmed" title={decision.reason}>
      {isOneOf(DENIAL_RULES, decision.rule)
        ? t(`contact.permissions.denials.${decision.rule}`)
        : t('contact.permissions.denied')}
    </Text>
  )
}

function ConsentTable({
  consents,
  decisions,
  format,
}: {
  consents: ConsentState[]
  decisions: Decision[]
  format: ContactFormat
}) {
  const { t } = useTranslation()
  if (consents.length === 0)
    return (
      <Text size="sm" c="dimmed" data-testid="contact-consents-empty">
        {t('contact.permissions.noConsents')}
      </Text>
    )
  const decisionOf = (c: ConsentState) =>
    decisions.find((d) => d.purposeKey === c.purposeKey && d.channel === c.channel)
  return (
    <Table.ScrollContainer minWidth={520}>
      <Table verticalSpacing={4} data-testid="contact-consents">
        <Table.Caption>{t('contact.permissions.consentsCaption')}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('contact.permissions.columns.purpose')}</Table.Th>
            <Table.Th>{t('contact.permissions.columns.channel')}</Table.Th>
            <Table.Th>{t('contact.permissions.columns.status')}</Table.Th>
            <Table.Th>{t('contact.permissions.columns.since')}</Table.Th>
            <Table.Th>{t('contact.permissions.columns.usable')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {consents.map((consent) => (
            <Table.Tr
              key={`${consent.purposeKey}:${consent.channel}`}
              data-testid="contact-consent"
              data-status={consent.status}
            >
              <Table.Td>
                <Text size="sm">{format.purpose(consent.purposeKey)}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{format.channel(consent.channel)}</Text>
              </Table.Td>
              <Table.Td>
                <Badge
                  size="sm"
                  variant="light"
                  tt="none"
                  color={
                    isOneOf(CONSENT_EVENT_KINDS, consent.status) ? STATUS_COLORS[consent.status] : 'gray'
                  }
                >
                  {isOneOf(CONSENT_EVENT_KINDS, consent.status)
                    ? t(`contact.permissions.statuses.${consent.status}`)
                    : consent.status}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                  {format.date(since(consent))}
                </Text>
                {consent.expiresAt && (
                  <Text size="xs" c="dimmed">
                    {t('contact.permissions.expires', { date: format.date(consent.expiresAt) })}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <DecisionBadge decision={decisionOf(consent)} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  )
}

/** For every purpose and channel: may it be used now, and on which basis or why not. */
function DecisionList({ decisions, format }: { decisions: Decision[]; format: ContactFormat }) {
  const { t } = useTranslation()
  const allowed = decisions.filter((d) => d.allowed).length
  return (
    <Accordion variant="contained" chevronPosition="left" data-testid="contact-decisions">
      <Accordion.Item value="decisions">
        <Accordion.Control>
          <Text size="sm">{t('contact.permissions.decisions', { allowed, total: decisions.length })}</Text>
        </Accordion.Control>
        <Accordion.Panel>
          <Table.ScrollContainer minWidth={480}>
            <Table verticalSpacing={4}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('contact.permissions.columns.purpose')}</Table.Th>
                  <Table.Th>{t('contact.permissions.columns.channel')}</Table.Th>
                  <Table.Th>{t('contact.permissions.columns.usable')}</Table.Th>
                  <Table.Th>{t('contact.permissions.columns.basis')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {decisions.map((decision) => (
                  <Table.Tr key={`${decision.purposeKey}:${decision.channel}`} data-testid="contact-decision">
                    <Table.Td>
                      <Text size="sm">{format.purpose(decision.purposeKey)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{format.channel(decision.channel)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <DecisionBadge decision={decision} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c={decision.basis ? undefined : 'dimmed'}>
                        {decision.basis && isOneOf(LEGAL_BASES, decision.basis)
                          ? t(`history.legalBases.${decision.basis}`)
                          : (decision.basis ?? t('common.emptyValue'))}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Accordion.Panel>
      </Accordion.Item>
    </Accordion>
  )
}
