import { Card, Group, Paper, Stack, Text, Title } from '@mantine/core'
import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { type HiddenPart, isOneOf, OVERVIEW_PARTS, parseHiddenReason } from './contact-overview.api'

/** Translated name of a part of the view ("bank" -> "Bank details" / "Bankverbindung"). */
export function usePartLabel(): (part: string) => string {
  const { t } = useTranslation()
  return (part) => (isOneOf(OVERVIEW_PARTS, part) ? t(`contact.parts.${part}`) : part)
}

/** "Hidden: your role may not see the category “bank data”", translated from the server's reason. */
export function useHiddenMessage(): (hidden: HiddenPart) => string {
  const { t } = useTranslation()
  return ({ reason }) => {
    const parsed = parseHiddenReason(reason)
    if (parsed?.type === 'category')
      return t('contact.hidden.category', { category: t(`contact.categories.${parsed.category}`) })
    if (parsed?.type === 'permission') {
      const key = parsed.permission.replace(':', '_')
      const permission = isOneOf(['subjects_history'] as const, key)
        ? t(`contact.permissionNames.${key}`)
        : parsed.permission
      return t('contact.hidden.permission', { permission })
    }
    return t('contact.hidden.other', { reason })
  }
}

/** A part the role may not see: a muted placeholder that says so and why — never a silent gap. */
export function HiddenPlaceholder({
  hidden,
  withTitle = true,
  testId = `hidden-${hidden.part}`,
}: {
  hidden: HiddenPart
  withTitle?: boolean
  testId?: string
}) {
  const partLabel = usePartLabel()
  const message = useHiddenMessage()
  return (
    <Paper
      radius="md"
      p="sm"
      bg="var(--mantine-color-default-hover)"
      style={{ borderStyle: 'dashed' }}
      withBorder
      data-testid={testId}
      data-part={hidden.part}
    >
      <Group gap="xs" wrap="nowrap" align="flex-start">
        <LockIcon />
        <Stack gap={2}>
          {withTitle && (
            <Text size="sm" fw={500} c="dimmed">
              {partLabel(hidden.part)}
            </Text>
          )}
          <Text size="sm" c="dimmed" data-testid="hidden-reason" title={hidden.reason}>
            {message(hidden)}
          </Text>
        </Stack>
      </Group>
    </Paper>
  )
}

/**
 * One card of the contact page with a heading. When the part is hidden the card stays, muted,
 * with the reason instead of the content.
 */
export function SectionCard({
  title,
  hidden,
  testId,
  action,
  children,
}: {
  title: string
  hidden?: HiddenPart | undefined
  testId: string
  action?: ReactNode
  children?: ReactNode
}) {
  return (
    <Card
      withBorder
      radius="md"
      padding="md"
      component="section"
      aria-label={title}
      data-testid={testId}
      data-hidden={hidden ? 'true' : undefined}
    >
      <Stack gap="sm">
        <Group justify="space-between" align="center" wrap="nowrap">
          <Title order={2} size="h4" c={hidden ? 'dimmed' : undefined}>
            {title}
          </Title>
          {!hidden && action}
        </Group>
        {hidden ? <HiddenPlaceholder hidden={hidden} withTitle={false} /> : children}
      </Stack>
    </Card>
  )
}

export function LockIcon() {
  return (
    <svg
      aria-hidden="true"
      width="16"
      height="16"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      style={{ flex: 'none', marginTop: 2, color: 'var(--mantine-color-dimmed)' }}
    >
      <rect x="5" y="11" width="14" height="10" rx="2" />
      <path d="M8 11V7a4 4 0 0 1 8 0v4" />
    </svg>
  )
}

/** A value, or a muted dash with an accessible "not set". */
export function ValueOrDash({ value }: { value: ReactNode }) {
  const { t } = useTranslation()
  if (value === undefined || value === null || value === '')
    return (
      <Text span size="sm" c="dimmed" aria-label={t('subjects.notAvailable')}>
        {t('common.emptyValue')}
      </Text>
    )
  return <>{value}</>
}
