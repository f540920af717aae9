import { Badge, Group, Stack, Text, Timeline } from '@mantine/core'
import { useTranslation } from 'react-i18next'
import type { ContactFormat } from './contact-format'
import { type HiddenPart, isOneOf, type TimelineItem, TOUCHPOINT_TYPE_KEYS } from './contact-overview.api'
import { HiddenPlaceholder, SectionCard } from './contact-section'
import { LEGAL_BASES } from './subject-history.api'

const KIND_COLORS: Record<TimelineItem['kind'], string> = {
  touchpoint: 'blue',
  order: 'teal',
  note: 'yellow',
}

const KIND_LETTERS: Record<TimelineItem['kind'], string> = { touchpoint: '•', order: '#', note: '✎' }

/** Touchpoints, orders and notes, newest first; a kind the role may not see says so at the top. */
export function TimelineCard({
  items,
  hidden,
  format,
}: {
  items: TimelineItem[] | undefined
  /** The hidden parts that feed the timeline (touchpoints, orders, notes). */
  hidden: HiddenPart[]
  format: ContactFormat
}) {
  const { t } = useTranslation()
  return (
    <SectionCard title={t('contact.sections.timeline')} testId="contact-timeline">
      <Stack gap="sm">
        {hidden.map((part) => (
          <HiddenPlaceholder key={part.part} hidden={part} testId={`timeline-hidden-${part.part}`} />
        ))}
        {!items || items.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="contact-timeline-empty">
            {t('contact.timeline.empty')}
          </Text>
        ) : (
          <Timeline bulletSize={24} lineWidth={2} data-testid="contact-timeline-list">
            {items.map((item) => (
              <Timeline.Item
                key={`${item.kind}:${item.id}`}
                color={KIND_COLORS[item.kind]}
                bullet={
                  <Text span size="xs" aria-hidden="true">
                    {KIND_LETTERS[item.kind]}
                  </Text>
                }
                data-testid="timeline-item"
                data-kind={item.kind}
              >
                <TimelineEntry item={item} format={format} />
              </Timeline.Item>
            ))}
          </Timeline>
        )}
      </Stack>
    </SectionCard>
  )
}

function TimelineEntry({ item, format }: { item: TimelineItem; format: ContactFormat }) {
  const { t } = useTranslation()
  const kindLabel =
    item.kind === 'note' && item.title === 'task'
      ? t('contact.notes.kinds.task')
      : t(`contact.timeline.kinds.${item.kind}`)
  const title =
    item.kind === 'touchpoint'
      ? isOneOf(TOUCHPOINT_TYPE_KEYS, item.title)
        ? t(`contact.touchpointTypes.${item.title}`)
        : item.title
      : item.kind === 'order'
        ? t('contact.timeline.order', { number: item.title })
        : undefined
  const details =
    item.kind === 'touchpoint'
      ? [
          item.channel && format.channel(item.channel),
          item.purpose && format.purpose(item.purpose),
          item.legalBasis &&
            (isOneOf(LEGAL_BASES, item.legalBasis)
              ? t(`history.legalBases.${item.legalBasis}`)
              : item.legalBasis),
        ].filter(Boolean)
      : []
  return (
    <Stack gap={2}>
      <Group gap="xs" wrap="wrap" align="center">
        <Badge size="xs" variant="light" color={KIND_COLORS[item.kind]}>
          {kindLabel}
        </Badge>
        {title && (
          <Text size="sm" fw={500}>
            {title}
          </Text>
        )}
        {item.kind === 'order' && item.amountCents !== undefined && item.currency && (
          <Text size="sm" data-testid="timeline-amount">
            {format.money(item.amountCents, item.currency)}
          </Text>
        )}
      </Group>
      {details.length > 0 && (
        <Text size="xs" c="dimmed">
          {details.join(' · ')}
        </Text>
      )}
      {item.text && (
        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
          {item.text}
        </Text>
      )}
      <Text size="xs" c="dimmed">
        <time dateTime={item.at}>{format.dateTime(item.at)}</time>
      </Text>
    </Stack>
  )
}
