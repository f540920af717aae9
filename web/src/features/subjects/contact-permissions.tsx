import { Accordion, Alert, Badge, Stack, Table, Text } from '@mantine/core'
import { useTranslation } from 'react-i18next'
import { useSourceLabel } from './consent-labels'
import { ConsentPanel } from './consent-panel'
import type { ContactFormat } from './contact-format'
import {
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

/**
 * Consents per purpose and channel with their proof, objections, and what each purpose may do now.
 * The consent panel reads the proof (GET …/consents) only when the role may see this part.
 */
export function PermissionsCard({
  subjectId,
  permissions,
  hidden,
  format,
}: {
  subjectId: string
  permissions: SubjectPermissions | undefined
  hidden: HiddenPart | undefined
  format: ContactFormat
}) {
  const { t } = useTranslation()
  return (
    <SectionCard title={t('contact.parts.permissions')} hidden={hidden} testId="contact-permissions">
      {permissions ? (
        <Stack gap="md">
          <ConsentPanel subjectId={subjectId} decisions={permissions.decisions} format={format} />
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

/**
 * What stops using the person, above everything else on the page: the do-not-contact objection
 * (Werbewiderspruch, Art. 21(3)), a restriction (Art. 18), and the other objections (Art. 21).
 */
export function PermissionAlerts({
  permissions,
  format,
}: {
  permissions: SubjectPermissions | undefined
  format: ContactFormat
}) {
  const { t } = useTranslation()
  const sourceLabel = useSourceLabel()
  if (!permissions || (!permissions.restriction && permissions.objections.length === 0)) return null
  const doNotContact = permissions.objections.find((o) => o.scope === 'all_marketing')
  const others = permissions.objections.filter((o) => o !== doNotContact)
  return (
    <Stack gap="sm">
      {doNotContact && (
        <Alert
          color="red"
          variant="filled"
          title={t('consents.doNotContact.title')}
          data-testid="contact-do-not-contact"
          role="alert"
        >
          <Text size="sm">
            {t('consents.doNotContact.body', {
              since: format.dateTime(doNotContact.raisedAt),
              source: sourceLabel(doNotContact.source),
            })}
          </Text>
        </Alert>
      )}
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
      {others.length > 0 && (
        <Alert
          color="orange"
          variant="light"
          title={t('contact.permissions.objections.title')}
          data-testid="contact-objections"
        >
          <Stack gap={4}>
            {others.map((objection) => (
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
