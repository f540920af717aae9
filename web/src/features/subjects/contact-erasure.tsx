import { Alert, Button, Group, List, Stack, Text } from '@mantine/core'
import { Link } from '@tanstack/react-router'
import { useTranslation } from 'react-i18next'
import type { ContactFormat } from './contact-format'
import { type ErasureHeld, useRolePurposes } from './contact-overview.api'

/**
 * A held erasure (Art. 17(3)): the erasure was asked for, legal duties keep parts of the data —
 * each "kept until … because …", with the law. Shown only to those who may still read the contact
 * (the duty's purposes); everyone else is refused the contact altogether.
 */
export function ErasureHeldAlert({
  erasure,
  format,
}: {
  erasure: ErasureHeld | undefined
  format: ContactFormat
}) {
  const { t } = useTranslation()
  if (!erasure) return null
  const german = format.language.startsWith('de')
  return (
    <Alert
      color="grape"
      variant="light"
      title={t('contact.erasure.title')}
      data-testid="contact-erasure-held"
    >
      <Stack gap={4}>
        <Text size="sm">{t('contact.erasure.body', { date: format.date(erasure.requestedAt) })}</Text>
        <List size="sm" spacing={2}>
          {erasure.kept.map((part) => {
            const values = { reason: german ? part.reason.de : part.reason.en, law: part.law }
            return (
              <List.Item
                key={`${part.law}:${part.until}:${part.records.join(',')}`}
                data-testid="contact-erasure-kept"
              >
                {part.until
                  ? t('contact.erasure.keptUntil', { ...values, until: format.date(part.until) })
                  : part.untilEvent === 'paid'
                    ? t('contact.erasure.keptUntilPaid', values)
                    : t('contact.erasure.keptUntilLifted', values)}
              </List.Item>
            )
          })}
        </List>
      </Stack>
    </Alert>
  )
}

/**
 * A restricted contact (Art. 18(2)) can still be opened for the purposes with an exception the role
 * may act under (invoicing and retention for accounting, legal claims): one link each.
 */
export function RestrictedPurposeLinks({ id, format }: { id: string; format: ContactFormat }) {
  const { t } = useTranslation()
  const purposes = useRolePurposes()
  const allowed = (purposes.data ?? []).filter((p) => p.scope.restrictionException !== null)
  if (allowed.length === 0) return null
  return (
    <Group gap="xs" data-testid="contact-restricted-purposes">
      {allowed.map((p) => (
        <Button
          key={p.key}
          size="xs"
          variant="light"
          color="orange"
          renderRoot={(props) => (
            <Link {...props} to="/contacts/$id" params={{ id }} search={{ purpose: p.key }} />
          )}
        >
          {t('contact.erasure.openFor', { purpose: format.purpose(p.key) })}
        </Button>
      ))}
    </Group>
  )
}
