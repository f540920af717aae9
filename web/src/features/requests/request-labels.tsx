import { Badge, Flex, Text } from '@mantine/core'
import { useTranslation } from 'react-i18next'
import type { ContactFormat } from '../subjects/contact-format'
import { isOneOf } from '../subjects/contact-overview.api'
import {
  type DataSubjectRequest,
  DSR_CHANNELS,
  DSR_KINDS,
  DSR_STATUSES,
  dueUrgency,
  parseDeadline,
  REQUEST_KIND_INFO,
} from './requests.api'

/** Translated kinds, channels and statuses of requests; anything the UI doesn't know as sent. */
export function useRequestLabels() {
  const { t, i18n } = useTranslation()
  return {
    kind: (kind: string) => (isOneOf(DSR_KINDS, kind) ? t(`requests.kinds.${kind}`) : kind),
    /** The article the kind rests on ("Art. 17 GDPR", in German "Art. 17 DSGVO"), or nothing for an unknown kind. */
    article: (kind: string) => {
      if (!isOneOf(DSR_KINDS, kind)) return undefined
      const article = REQUEST_KIND_INFO[kind].article
      return i18n.language.startsWith('de') ? article.replace(/\bGDPR\b/, 'DSGVO') : article
    },
    channel: (channel: string) =>
      isOneOf(DSR_CHANNELS, channel) ? t(`requests.channels.${channel}`) : channel,
    status: (status: string) => (isOneOf(DSR_STATUSES, status) ? t(`requests.statuses.${status}`) : status),
    /** "one month" / "einen Monat" from `P1M`; the duration as configured when it is another form. */
    deadline: (deadline: string) => {
      const parsed = parseDeadline(deadline)
      return parsed ? t(`requests.deadline.${parsed.unit}`, { count: parsed.count }) : deadline
    },
  }
}

const URGENCY_COLORS = { overdue: 'red', soon: 'orange', later: 'gray' } as const

/** The kind of a request with its article underneath. */
export function KindCell({ kind }: { kind: string }) {
  const labels = useRequestLabels()
  const article = labels.article(kind)
  return (
    <>
      <Text size="sm" fw={500} data-testid="request-kind">
        {labels.kind(kind)}
      </Text>
      {article && (
        <Text size="xs" c="dimmed">
          {article}
        </Text>
      )}
    </>
  )
}

/**
 * When the answer is due, with a badge saying how pressing it is: overdue (red), due within a
 * week (orange), or in how many days. A request no longer open gets the date alone.
 */
export function DueCell({
  request,
  format,
  stacked = false,
}: {
  request: Pick<DataSubjectRequest, 'status' | 'dueAt' | 'overdue'>
  format: ContactFormat
  /** The badge under the date rather than beside it (narrow tables). */
  stacked?: boolean
}) {
  const { t } = useTranslation()
  const { urgency, days } = dueUrgency(request)
  const label =
    urgency === 'overdue'
      ? days === 0
        ? t('requests.due.overdueNow')
        : t('requests.due.overdue', { count: days })
      : t('requests.due.in', { count: days })
  return (
    <Flex
      direction={stacked ? 'column' : 'row'}
      gap={stacked ? 2 : 6}
      align={stacked ? 'flex-start' : 'center'}
      data-testid="request-due"
      data-urgency={urgency}
    >
      <Text size="sm" style={{ whiteSpace: 'nowrap' }} title={format.dateTime(request.dueAt)}>
        <time dateTime={request.dueAt} data-testid="request-due-date">
          {format.date(request.dueAt)}
        </time>
      </Text>
      {urgency !== 'closed' && (
        <Badge
          size="sm"
          variant={urgency === 'overdue' ? 'filled' : 'light'}
          color={URGENCY_COLORS[urgency]}
          tt="none"
          miw="max-content"
          data-testid="request-due-badge"
        >
          {label}
        </Badge>
      )}
    </Flex>
  )
}
