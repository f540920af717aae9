import { Anchor, Badge, Button, Group, NativeSelect, Stack, Table, Text, TextInput } from '@mantine/core'
import { useMutation } from '@tanstack/react-query'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import {
  CALL_OUTCOMES,
  type CallListItem,
  type CallOutcome,
  type RecordedCall,
  recordCall,
} from './call-list.api'
import { ProblemAlert } from './campaign-panels'
import { useCampaignFormat } from './format'

const OUTCOME_KEYS = {
  reached: 'reached',
  'no-answer': 'noAnswer',
  callback: 'callback',
  'wrong-number': 'wrongNumber',
  objected: 'objected',
  withdrawn: 'withdrawn',
} as const satisfies Record<CallOutcome, string>

const OUTCOME_COLORS: Record<CallOutcome, string> = {
  reached: 'teal',
  'no-answer': 'gray',
  callback: 'blue',
  'wrong-number': 'orange',
  objected: 'red',
  withdrawn: 'red',
}

const isOutcome = (value: string): value is CallOutcome =>
  (CALL_OUTCOMES as readonly string[]).includes(value)

/** The label of a call's outcome; an outcome the UI does not know yet is "other", never a key. */
export function useOutcomeLabel() {
  const { t } = useTranslation()
  return (outcome: string) =>
    isOutcome(outcome) ? t(`campaigns.calls.outcomes.${OUTCOME_KEYS[outcome]}`) : t('campaigns.reasons.other')
}

/** "Anna Telefon", or a neutral word when the list has no name. */
export function useDisplayName() {
  const { t } = useTranslation()
  return (item: Pick<CallListItem, 'firstName' | 'lastName'>) =>
    [item.firstName, item.lastName].filter(Boolean).join(' ') || t('campaigns.calls.noName')
}

/** A date (no time) in the installation's time zone, in the UI language. */
function useDate() {
  const format = useCampaignFormat()
  const date = new Intl.DateTimeFormat(format.language, { dateStyle: 'long', timeZone: format.timeZone })
  return (iso: string) => date.format(new Date(iso))
}

/**
 * One person on the call list: name, number (a `tel:` link), the calls so far, and the form to
 * record this call (outcome, optional note). Once a final outcome is recorded (reached, wrong
 * number) the row shows it instead of the form, for reached with the § 7a keep-until of the proof.
 */
export function CallListRow({
  campaignId,
  item,
  recorded,
  onRecorded,
  onRefused,
}: {
  campaignId: string
  item: CallListItem
  /** The call recorded from this page that took the person off the list, if any. */
  recorded: RecordedCall | undefined
  onRecorded: (item: CallListItem, call: RecordedCall) => void
  /** The server refused the call (e.g. 409: no longer on the list); the list is read again. */
  onRefused: (item: CallListItem, error: unknown) => void
}) {
  const { t } = useTranslation()
  const format = useCampaignFormat()
  const outcomeLabel = useOutcomeLabel()
  const displayName = useDisplayName()
  const date = useDate()
  const name = displayName(item)
  const [outcome, setOutcome] = useState<CallOutcome | ''>('')
  const [note, setNote] = useState('')
  const record = useMutation({
    mutationFn: (chosen: CallOutcome) =>
      recordCall(campaignId, {
        subjectId: item.subjectId,
        outcome: chosen,
        ...(note.trim() ? { note: note.trim() } : {}),
      }),
    onSuccess: (call) => {
      setOutcome('')
      setNote('')
      onRecorded(item, call)
    },
    onError: (error) => onRefused(item, error),
  })
  return (
    <Table.Tr
      data-testid="call-list-row"
      data-subject={item.subjectId}
      data-done={recorded ? 'true' : 'false'}
    >
      <Table.Td>
        <Text fw={500}>{name}</Text>
      </Table.Td>
      <Table.Td>
        {item.phone ? (
          <Anchor
            href={`tel:${item.phone}`}
            aria-label={t('campaigns.calls.callPerson', { name, phone: item.phone })}
            data-testid="call-list-phone"
          >
            {item.phone}
          </Anchor>
        ) : (
          <Text size="sm" c="dimmed">
            {t('campaigns.calls.noPhone')}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {item.calls === 0 || !item.lastOutcome ? (
          <Text size="sm" c="dimmed">
            {t('campaigns.calls.notCalled')}
          </Text>
        ) : (
          <Text size="sm" data-testid="call-list-history">
            {t('campaigns.calls.history', {
              count: item.calls,
              outcome: outcomeLabel(item.lastOutcome),
              time: format.dateTime(item.lastCalledAt),
            })}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {recorded ? (
          <Stack gap={4} data-testid="call-list-result">
            <Group gap="xs">
              <Badge color={OUTCOME_COLORS[recorded.outcome]} variant="light">
                {t('campaigns.calls.recorded', { outcome: outcomeLabel(recorded.outcome) })}
              </Badge>
            </Group>
            {recorded.outcome === 'reached' && recorded.consentProofKeptUntil && (
              <Text size="xs" c="dimmed" data-testid="call-list-proof">
                {t('campaigns.calls.proofKeptUntil', { date: date(recorded.consentProofKeptUntil) })}
              </Text>
            )}
          </Stack>
        ) : (
          <Stack gap={6}>
            <Group gap="xs" align="flex-end" wrap="wrap">
              <NativeSelect
                size="xs"
                aria-label={t('campaigns.calls.outcomeFor', { name })}
                value={outcome}
                onChange={(e) => {
                  const value = e.currentTarget.value
                  setOutcome(isOutcome(value) ? value : '')
                }}
                data={[
                  { value: '', label: t('campaigns.calls.chooseOutcome'), disabled: true },
                  ...CALL_OUTCOMES.map((o) => ({ value: o, label: outcomeLabel(o) })),
                ]}
                data-testid="call-list-outcome"
              />
              <TextInput
                size="xs"
                maxLength={2000}
                placeholder={t('campaigns.calls.note')}
                aria-label={t('campaigns.calls.noteFor', { name })}
                value={note}
                onChange={(e) => setNote(e.currentTarget.value)}
                style={{ flex: 1, minWidth: 160 }}
                data-testid="call-list-note"
              />
              <Button
                size="xs"
                disabled={outcome === ''}
                loading={record.isPending}
                aria-label={t('campaigns.calls.recordFor', { name })}
                onClick={() => {
                  if (outcome !== '') record.mutate(outcome)
                }}
                data-testid="call-list-record"
              >
                {t('campaigns.calls.record')}
              </Button>
            </Group>
            {record.isError && <ProblemAlert error={record.error} testId="call-list-record-error" />}
          </Stack>
        )}
      </Table.Td>
    </Table.Tr>
  )
}
