import {
  Accordion,
  Alert,
  Anchor,
  Badge,
  Button,
  Center,
  Group,
  Loader,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core'
import { useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { ErrorState } from '../../app/error-state'
import { Toast } from '../../app/toast'
import { usePermissions } from '../auth/permissions'
import {
  CONSENT_EVENT_KINDS,
  type ConsentProofView,
  consentProofQueryOptions,
  downloadConsentRecords,
  type ObjectionInForce,
  type ObjectionProofEvent,
  WITHDRAWABLE,
} from './consent.api'
import {
  LiftObjectionModal,
  RecordConsentModal,
  RecordObjectionModal,
  WithdrawConsentModal,
} from './consent-actions'
import { UsableBadge, useObjectionScopeLabel, useSourceLabel } from './consent-labels'
import { ConsentProofDrawer } from './consent-proof-drawer'
import { type ConsentRow, consentRows, objectionCovers, rowKey, STATUS_COLORS } from './consent-rows'
import type { ContactFormat } from './contact-format'
import { type Decision, isOneOf, purposesQueryOptions } from './contact-overview.api'
import { LEGAL_BASES } from './subject-history.api'

type Dialog =
  | { type: 'record'; purposeKey?: string; channel?: string }
  | { type: 'withdraw'; row: ConsentRow }
  | { type: 'object' }
  | { type: 'lift'; objection: ObjectionInForce }

/**
 * The consent panel of the 360° view: each purpose × channel with its state, since when and
 * whether it may be used now; the objections in force with source and time; a click on a row
 * opens the proof. Users who may record permissions (`permissions:write`) record consents,
 * withdrawals and objections here.
 */
export function ConsentPanel({
  subjectId,
  decisions,
  format,
}: {
  subjectId: string
  decisions: readonly Decision[]
  format: ContactFormat
}) {
  const { t } = useTranslation()
  const { can } = usePermissions()
  const proof = useQuery(consentProofQueryOptions(subjectId))
  const purposes = useQuery(purposesQueryOptions())
  const [selected, setSelected] = useState<{ purposeKey: string; channel: string } | null>(null)
  const [dialog, setDialog] = useState<Dialog | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const download = useMutation({ mutationFn: () => downloadConsentRecords(subjectId) })

  if (proof.isPending)
    return (
      <Center py="md">
        <Loader size="sm" aria-label={t('common.loading')} />
      </Center>
    )
  if (proof.isError)
    return (
      <ErrorState
        title={t('consents.error')}
        error={proof.error}
        onRetry={() => void proof.refetch()}
        testId="consents-error"
      />
    )

  const view = proof.data
  const write = can('permissions:write') && !view.erased
  const rows = consentRows(view, purposes.data)
  const selectedRow = selected
    ? (rows.find((r) => r.purposeKey === selected.purposeKey && r.channel === selected.channel) ?? null)
    : null
  const finish = (message: string) => {
    setDialog(null)
    setDone(message)
  }

  return (
    <Stack gap="md" data-testid="consent-panel" data-do-not-contact={view.doNotContact ? 'true' : 'false'}>
      <Group justify="space-between" align="center" gap="xs">
        <Group gap="xs">
          {view.doNotContact && (
            <Badge color="red" variant="filled" data-testid="consent-dnc-badge">
              {t('consents.doNotContact.badge')}
            </Badge>
          )}
          {view.erased && (
            <Badge color="gray" variant="light">
              {t('consents.erased')}
            </Badge>
          )}
        </Group>
        <Group gap="xs">
          {write && (
            <>
              <Button
                size="xs"
                onClick={() => setDialog({ type: 'record' })}
                aria-haspopup="dialog"
                data-testid="consent-record"
              >
                {t('consents.actions.record')}
              </Button>
              <Button
                size="xs"
                variant="light"
                color="orange"
                onClick={() => setDialog({ type: 'object' })}
                aria-haspopup="dialog"
                data-testid="objection-record"
              >
                {t('consents.actions.object')}
              </Button>
            </>
          )}
          <Button
            size="xs"
            variant="default"
            loading={download.isPending}
            onClick={() => download.mutate()}
            title={t('consents.download.hint')}
            data-testid="consent-records-download"
          >
            {t('consents.download.button')}
          </Button>
        </Group>
      </Group>
      {download.isError && (
        <Alert color="red" variant="light" p="xs" data-testid="consent-records-download-error">
          <Text size="sm">
            {isProblem(download.error, 403)
              ? t('consents.download.forbidden')
              : t('consents.download.failed')}
          </Text>
        </Alert>
      )}
      <ConsentMatrix
        rows={rows}
        decisions={decisions}
        objections={view.objections}
        eventCount={(row) =>
          view.events.filter((e) => e.purposeKey === row.purposeKey && e.channel === row.channel).length
        }
        format={format}
        onOpen={(row) => setSelected({ purposeKey: row.purposeKey, channel: row.channel })}
        onWithdraw={write ? (row) => setDialog({ type: 'withdraw', row }) : undefined}
        onRecord={
          write
            ? (row) => setDialog({ type: 'record', purposeKey: row.purposeKey, channel: row.channel })
            : undefined
        }
      />
      <ObjectionsSection
        view={view}
        format={format}
        onLift={write ? (objection) => setDialog({ type: 'lift', objection }) : undefined}
      />
      <ConsentProofDrawer
        row={selectedRow}
        view={view}
        decision={
          selectedRow
            ? decisions.find(
                (d) => d.purposeKey === selectedRow.purposeKey && d.channel === selectedRow.channel,
              )
            : undefined
        }
        format={format}
        onClose={() => setSelected(null)}
      />
      <RecordConsentModal
        subjectId={subjectId}
        opened={dialog?.type === 'record'}
        initial={dialog?.type === 'record' ? dialog : {}}
        onClose={() => setDialog(null)}
        onDone={() => finish(t('consents.done.recorded'))}
      />
      <WithdrawConsentModal
        subjectId={subjectId}
        row={dialog?.type === 'withdraw' ? dialog.row : null}
        format={format}
        onClose={() => setDialog(null)}
        onDone={() => finish(t('consents.done.withdrawn'))}
      />
      <RecordObjectionModal
        subjectId={subjectId}
        opened={dialog?.type === 'object'}
        onClose={() => setDialog(null)}
        onDone={() => finish(t('consents.done.objected'))}
      />
      <LiftObjectionModal
        subjectId={subjectId}
        objection={dialog?.type === 'lift' ? dialog.objection : null}
        format={format}
        onClose={() => setDialog(null)}
        onDone={() => finish(t('consents.done.lifted'))}
      />
      <Toast
        opened={done !== null}
        onClose={() => setDone(null)}
        title={t('consents.done.title')}
        testId="consent-saved"
      >
        {done}
      </Toast>
    </Stack>
  )
}

function StatusBadge({ row }: { row: ConsentRow }) {
  const { t } = useTranslation()
  const { state } = row
  if (state)
    return (
      <Badge
        size="sm"
        variant="light"
        tt="none"
        color={isOneOf(CONSENT_EVENT_KINDS, state.status) ? STATUS_COLORS[state.status] : 'gray'}
        data-testid="consent-status"
      >
        {isOneOf(CONSENT_EVENT_KINDS, state.status)
          ? t(`contact.permissions.statuses.${state.status}`)
          : state.status}
      </Badge>
    )
  if (row.consentBased)
    return (
      <Badge size="sm" variant="outline" color="gray" tt="none" data-testid="consent-status">
        {t('consents.status.none')}
      </Badge>
    )
  // Marketing on another basis (e.g. post on legitimate interest): allowed until the person objects.
  const basis = row.purpose?.legalBasis
  return (
    <Text span size="xs" c="blue" style={{ whiteSpace: 'nowrap' }} data-testid="consent-status">
      {basis && isOneOf(LEGAL_BASES, basis) ? t(`history.legalBases.${basis}`) : (basis ?? '')}
    </Text>
  )
}

function ConsentMatrix({
  rows,
  decisions,
  objections,
  eventCount,
  format,
  onOpen,
  onWithdraw,
  onRecord,
}: {
  rows: ConsentRow[]
  decisions: readonly Decision[]
  objections: readonly ObjectionInForce[]
  eventCount: (row: ConsentRow) => number
  format: ContactFormat
  onOpen: (row: ConsentRow) => void
  onWithdraw: ((row: ConsentRow) => void) | undefined
  onRecord: ((row: ConsentRow) => void) | undefined
}) {
  const { t } = useTranslation()
  if (rows.length === 0)
    return (
      <Text size="sm" c="dimmed" data-testid="contact-consents-empty">
        {t('contact.permissions.noConsents')}
      </Text>
    )
  const actions = onWithdraw !== undefined || onRecord !== undefined
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table verticalSpacing={6} highlightOnHover data-testid="contact-consents">
        <Table.Caption>{t('consents.caption')}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('contact.permissions.columns.purpose')}</Table.Th>
            <Table.Th>{t('contact.permissions.columns.channel')}</Table.Th>
            <Table.Th>{t('contact.permissions.columns.status')}</Table.Th>
            <Table.Th>{t('contact.permissions.columns.usable')}</Table.Th>
            <Table.Th>{t('consents.columns.proof')}</Table.Th>
            {actions && (
              <Table.Th>
                <VisuallyHidden>{t('consents.columns.actions')}</VisuallyHidden>
              </Table.Th>
            )}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row) => {
            const decision = decisions.find(
              (d) => d.purposeKey === row.purposeKey && d.channel === row.channel,
            )
            const events = eventCount(row)
            const objected = objections.some((o) => objectionCovers(o, row))
            const withdrawable = row.state !== null && isOneOf(WITHDRAWABLE, row.state.status)
            return (
              <Table.Tr
                key={rowKey(row.purposeKey, row.channel)}
                // A row with a consent state keeps the test id the 360° view always had.
                data-testid={row.state ? 'contact-consent' : 'contact-consent-missing'}
                data-purpose={row.purposeKey}
                data-channel={row.channel}
                data-status={row.state?.status ?? 'none'}
                data-objected={objected ? 'true' : undefined}
                onClick={() => onOpen(row)}
                style={{ cursor: 'pointer' }}
              >
                <Table.Td>
                  <Text size="sm">{format.purpose(row.purposeKey)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{format.channel(row.channel)}</Text>
                </Table.Td>
                <Table.Td>
                  {/* The status and, under it, since when it holds (and when a given consent lapses). */}
                  <StatusBadge row={row} />
                  {row.state && (
                    <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                      {t('consents.sinceShort')}{' '}
                      <time dateTime={row.state.since} data-testid="consent-since">
                        {format.date(row.state.since)}
                      </time>
                    </Text>
                  )}
                  {row.state?.expiresAt && (
                    <Text size="xs" c="dimmed">
                      {t('contact.permissions.expires', { date: format.date(row.state.expiresAt) })}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <UsableBadge decision={decision} row={row} />
                </Table.Td>
                <Table.Td>
                  <Anchor
                    component="button"
                    type="button"
                    size="sm"
                    onClick={(event) => {
                      event.stopPropagation()
                      onOpen(row)
                    }}
                    aria-haspopup="dialog"
                    aria-label={t('consents.openProofOf', {
                      purpose: format.purpose(row.purposeKey),
                      channel: format.channel(row.channel),
                    })}
                    data-testid="consent-open-proof"
                    c={events === 0 ? 'dimmed' : undefined}
                    style={{ whiteSpace: 'nowrap' }}
                  >
                    {t('consents.events', { count: events })}
                  </Anchor>
                </Table.Td>
                {actions && (
                  <Table.Td onClick={(event) => event.stopPropagation()}>
                    {withdrawable && onWithdraw ? (
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        color="red"
                        onClick={() => onWithdraw(row)}
                        aria-haspopup="dialog"
                        data-testid="consent-withdraw"
                      >
                        {t('consents.actions.withdraw')}
                      </Button>
                    ) : row.consentBased && onRecord ? (
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        onClick={() => onRecord(row)}
                        aria-haspopup="dialog"
                        data-testid="consent-record-row"
                      >
                        {t('consents.actions.recordRow')}
                      </Button>
                    ) : null}
                  </Table.Td>
                )}
              </Table.Tr>
            )
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  )
}

function ObjectionsSection({
  view,
  format,
  onLift,
}: {
  view: ConsentProofView
  format: ContactFormat
  onLift: ((objection: ObjectionInForce) => void) | undefined
}) {
  const { t } = useTranslation()
  const scopeLabel = useObjectionScopeLabel(format)
  const sourceLabel = useSourceLabel()
  return (
    <Stack gap="xs" data-testid="consent-objections">
      <Title order={3} size="h6">
        {t('consents.objections.title')}
      </Title>
      {view.objections.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="consent-objections-none">
          {t('consents.objections.none')}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={480}>
          <Table verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('consents.objections.columns.scope')}</Table.Th>
                <Table.Th>{t('consents.objections.columns.source')}</Table.Th>
                <Table.Th>{t('consents.objections.columns.since')}</Table.Th>
                {onLift && (
                  <Table.Th>
                    <VisuallyHidden>{t('consents.columns.actions')}</VisuallyHidden>
                  </Table.Th>
                )}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {view.objections.map((objection) => (
                <Table.Tr
                  key={`${objection.scope}:${objection.purposeKey}:${objection.channel}`}
                  data-testid="consent-objection"
                  data-scope={objection.scope}
                >
                  <Table.Td>
                    <Group gap={6}>
                      <Text size="sm">{scopeLabel(objection)}</Text>
                      {objection.scope === 'all_marketing' && (
                        <Badge size="xs" color="red" variant="light">
                          {t('consents.doNotContact.badge')}
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" data-testid="consent-objection-source">
                      {sourceLabel(objection.source)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                      <time dateTime={objection.raisedAt}>{format.dateTime(objection.raisedAt)}</time>
                    </Text>
                  </Table.Td>
                  {onLift && (
                    <Table.Td>
                      <Button
                        size="compact-xs"
                        variant="subtle"
                        onClick={() => onLift(objection)}
                        aria-haspopup="dialog"
                        data-testid="objection-lift"
                      >
                        {t('consents.actions.lift')}
                      </Button>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {view.objectionEvents.length > 0 && <ObjectionHistory events={view.objectionEvents} format={format} />}
    </Stack>
  )
}

/** Every objection raised or lifted, newest first, with who recorded it and the evidence. */
function ObjectionHistory({
  events,
  format,
}: {
  events: readonly ObjectionProofEvent[]
  format: ContactFormat
}) {
  const { t } = useTranslation()
  const scopeLabel = useObjectionScopeLabel(format)
  const sourceLabel = useSourceLabel()
  return (
    <Accordion variant="contained" chevronPosition="left" data-testid="objection-history">
      <Accordion.Item value="history">
        <Accordion.Control>
          <Text size="sm">{t('consents.objections.history', { count: events.length })}</Text>
        </Accordion.Control>
        <Accordion.Panel>
          <Table.ScrollContainer minWidth={480}>
            <Table verticalSpacing={4}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('consents.proof.at')}</Table.Th>
                  <Table.Th>{t('consents.objections.columns.action')}</Table.Th>
                  <Table.Th>{t('consents.objections.columns.scope')}</Table.Th>
                  <Table.Th>{t('consents.objections.columns.source')}</Table.Th>
                  <Table.Th>{t('consents.proof.reference')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {events
                  .map((event, seq) => ({ event, seq }))
                  .reverse()
                  .map(({ event, seq }) => (
                    <Table.Tr
                      // Numbered in the order recorded: the history is append-only.
                      key={seq}
                      data-testid="objection-event"
                      data-action={event.action}
                    >
                      <Table.Td>
                        <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                          {format.dateTime(event.at)}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">
                          {event.action === 'raised' || event.action === 'lifted'
                            ? t(`consents.objections.actions.${event.action}`)
                            : event.action}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{scopeLabel(event)}</Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{sourceLabel(event.source)}</Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" c={event.reference ? undefined : 'dimmed'}>
                          {event.reference || t('common.emptyValue')}
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
