import { Anchor, Table, Text } from '@mantine/core'
import { Link } from '@tanstack/react-router'
import { useTranslation } from 'react-i18next'
import { currentLanguage } from '../../app/i18n'
import { SubjectKindBadges } from './subject-kind-badges'
import type { Subject } from './subjects.api'

/**
 * Contacts as a table: the pseudonymous attributes of a list, and with `withIdentity` (the results
 * of a search, which carry them) the name and e-mail address the role may see.
 */
export function ContactsTable({
  subjects,
  withIdentity = false,
  testId = 'contacts-table',
}: {
  subjects: Subject[]
  withIdentity?: boolean
  testId?: string
}) {
  const { t } = useTranslation()
  const format = useFormatters()
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table
        striped
        highlightOnHover
        verticalSpacing="xs"
        data-testid={testId}
        data-with-identity={withIdentity ? 'true' : undefined}
      >
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('subjects.columns.id')}</Table.Th>
            {withIdentity && (
              <>
                <Table.Th>{t('subjects.columns.name')}</Table.Th>
                <Table.Th>{t('subjects.columns.email')}</Table.Th>
              </>
            )}
            <Table.Th>{t('subjects.columns.kinds')}</Table.Th>
            <Table.Th>{t('subjects.columns.country')}</Table.Th>
            <Table.Th>{t('subjects.columns.region')}</Table.Th>
            <Table.Th>{t('subjects.columns.ageBand')}</Table.Th>
            <Table.Th>{t('subjects.columns.createdAt')}</Table.Th>
            <Table.Th>{t('subjects.columns.history')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {subjects.map((subject) => (
            <Table.Tr key={subject.id} data-testid="contacts-row" data-subject-id={subject.id}>
              <Table.Td>
                <Anchor
                  ff="monospace"
                  size="sm"
                  title={subject.id}
                  aria-label={t('subjects.open', { id: subject.id.slice(0, 8) })}
                  data-testid="contacts-open-link"
                  renderRoot={(props) => <Link {...props} to="/contacts/$id" params={{ id: subject.id }} />}
                >
                  {subject.id.slice(0, 8)}
                </Anchor>
              </Table.Td>
              {withIdentity && (
                <>
                  <Table.Td data-testid="contacts-row-name">
                    <Attribute value={fullName(subject)} />
                  </Table.Td>
                  <Table.Td data-testid="contacts-row-email">
                    <Attribute value={subject.identifiers?.email} />
                  </Table.Td>
                </>
              )}
              <Table.Td>
                <SubjectKindBadges kinds={subject.kinds} />
              </Table.Td>
              <Table.Td>
                <Attribute value={format.country(subject.attributes.country)} />
              </Table.Td>
              <Table.Td>
                <Attribute value={subject.attributes.region} />
              </Table.Td>
              <Table.Td>
                <Attribute value={subject.attributes.ageBand} />
              </Table.Td>
              <Table.Td>
                <Text size="sm" title={format.dateTime(subject.createdAt)}>
                  {format.date(subject.createdAt)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Anchor
                  size="sm"
                  data-testid="contacts-history-link"
                  renderRoot={(props) => (
                    <Link {...props} to="/contacts/$id/history" params={{ id: subject.id }} />
                  )}
                >
                  {t('subjects.columns.history')}
                </Anchor>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  )
}

function fullName(subject: Subject): string | undefined {
  const { firstName, lastName } = subject.identifiers ?? {}
  return [firstName, lastName].filter(Boolean).join(' ') || undefined
}

function Attribute({ value }: { value: string | undefined }) {
  const { t } = useTranslation()
  if (!value) {
    return (
      <Text size="sm" c="dimmed" aria-label={t('subjects.notAvailable')}>
        {t('common.emptyValue')}
      </Text>
    )
  }
  return <Text size="sm">{value}</Text>
}

/** Locale-aware formatting for the language the UI shows (re-created when it changes). */
function useFormatters() {
  useTranslation()
  const language = currentLanguage()
  const date = new Intl.DateTimeFormat(language, { dateStyle: 'medium' })
  const dateTime = new Intl.DateTimeFormat(language, { dateStyle: 'full', timeStyle: 'short' })
  const regions = new Intl.DisplayNames([language], { type: 'region', fallback: 'code' })
  const formatIso = (formatter: Intl.DateTimeFormat, iso: string) => {
    const value = new Date(iso)
    return Number.isNaN(value.getTime()) ? iso : formatter.format(value)
  }
  return {
    date: (iso: string) => formatIso(date, iso),
    dateTime: (iso: string) => formatIso(dateTime, iso),
    /** 'DE' -> 'Deutschland' / 'Germany'; anything that is not a region code is shown unchanged. */
    country: (code: string | undefined) => {
      if (!code) return undefined
      try {
        return /^[A-Za-z]{2}$/.test(code) ? (regions.of(code.toUpperCase()) ?? code) : code
      } catch {
        return code
      }
    },
  }
}
