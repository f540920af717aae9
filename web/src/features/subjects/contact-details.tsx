import { Anchor, DataList, Divider, Stack, Text, Title } from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { Fragment, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { ATTRIBUTE_FIELDS } from '../../../../src/privacy/fields/field-catalog'
import { currentLanguage } from '../../app/i18n'
import type { ContactFormat } from './contact-format'
import {
  type AttributeValue,
  type HiddenPart,
  isOneOf,
  type Membership,
  type OverviewSubject,
} from './contact-overview.api'
import { HiddenPlaceholder, SectionCard, ValueOrDash } from './contact-section'
import { fieldCatalogQueryOptions, GENDERS } from './fields.api'

type HiddenLookup = (part: string) => HiddenPart | undefined

/** IBANs are read in groups of four. */
const groupIban = (iban: string) => iban.replace(/(.{4})/g, '$1 ').trim()

function Fields({
  rows,
  testId,
}: {
  rows: [label: string, value: ReactNode, key: string][]
  testId: string
}) {
  return (
    <DataList size="sm" gap="xs" labelWidth={120} data-testid={testId}>
      {rows.map(([label, value, key]) => (
        <DataList.Item key={key} data-field={key}>
          <DataList.ItemLabel>
            <Text span size="sm" c="dimmed">
              {label}
            </Text>
          </DataList.ItemLabel>
          <DataList.ItemValue style={{ overflowWrap: 'anywhere' }}>
            <ValueOrDash value={value} />
          </DataList.ItemValue>
        </DataList.Item>
      ))}
    </DataList>
  )
}

/** Identity, contact, address and bank: each group on its own, or a placeholder saying why not. */
export function PersonalDataCard({
  subject,
  hiddenPart,
  format,
  action,
}: {
  subject: OverviewSubject
  hiddenPart: HiddenLookup
  format: ContactFormat
  /** E.g. the "Edit" button, next to the card's title. */
  action?: ReactNode
}) {
  const { t } = useTranslation()
  const id = subject.identifiers
  const groups: { part: 'identity' | 'contact' | 'address' | 'bank'; rows: [string, ReactNode, string][] }[] =
    [
      {
        part: 'identity',
        rows: [
          [t('contact.fields.firstName'), id.firstName, 'firstName'],
          [t('contact.fields.lastName'), id.lastName, 'lastName'],
          [t('contact.fields.birthDate'), id.birthDate && format.date(id.birthDate), 'birthDate'],
        ],
      },
      {
        part: 'contact',
        rows: [
          [
            t('contact.fields.email'),
            id.email && (
              <Anchor href={`mailto:${id.email}`} size="sm">
                {id.email}
              </Anchor>
            ),
            'email',
          ],
          [
            t('contact.fields.phone'),
            id.phone && (
              <Anchor href={`tel:${id.phone}`} size="sm">
                {id.phone}
              </Anchor>
            ),
            'phone',
          ],
        ],
      },
      {
        part: 'address',
        rows: [
          [t('contact.fields.street'), id.street, 'street'],
          [t('contact.fields.city'), [id.postalCode, id.city].filter(Boolean).join(' ') || undefined, 'city'],
          [t('contact.fields.country'), id.countryCode && format.country(id.countryCode), 'countryCode'],
        ],
      },
      {
        part: 'bank',
        rows: [
          [
            t('contact.fields.iban'),
            id.iban && (
              <Text span size="sm" ff="monospace">
                {groupIban(id.iban)}
              </Text>
            ),
            'iban',
          ],
          [t('contact.fields.accountHolder'), id.accountHolder, 'accountHolder'],
        ],
      },
    ]
  return (
    <SectionCard title={t('contact.sections.personal')} testId="contact-personal" action={action}>
      <Stack gap="md">
        {groups.map(({ part, rows }, index) => {
          const hidden = hiddenPart(part)
          return (
            <Fragment key={part}>
              {index > 0 && <Divider />}
              <Stack gap="xs" data-testid={`contact-${part}`}>
                <Title order={3} size="h6" c={hidden ? 'dimmed' : undefined}>
                  {t(`contact.parts.${part}`)}
                </Title>
                {hidden ? (
                  <HiddenPlaceholder hidden={hidden} withTitle={false} />
                ) : (
                  <Fields rows={rows} testId={`contact-${part}-fields`} />
                )}
              </Stack>
            </Fragment>
          )
        })}
        {id.notes && (
          <>
            <Divider />
            <Stack gap="xs">
              <Title order={3} size="h6">
                {t('contact.fields.remarks')}
              </Title>
              <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                {id.notes}
              </Text>
            </Stack>
          </>
        )}
      </Stack>
    </SectionCard>
  )
}

export function AttributesCard({
  subject,
  hidden,
  format,
}: {
  subject: OverviewSubject
  hidden: HiddenPart | undefined
  format: ContactFormat
}) {
  const { t } = useTranslation()
  const language = currentLanguage()
  const catalog = useQuery(fieldCatalogQueryOptions())
  const a = subject.attributes
  const gender = a.gender
  // The built-in attributes have a row each, empty or not; every other attribute the role may see and the contact has, labelled by the catalog.
  const others = Object.entries(a).filter(
    ([key, value]) => !isOneOf(ATTRIBUTE_FIELDS, key) && value !== undefined && value !== null,
  )
  const valueText = (value: AttributeValue | undefined) =>
    Array.isArray(value)
      ? value.join(', ')
      : typeof value === 'boolean'
        ? value
          ? t('contact.edit.yes')
          : t('contact.edit.no')
        : value
  return (
    <SectionCard title={t('contact.parts.attributes')} hidden={hidden} testId="contact-attributes">
      <Fields
        testId="contact-attributes-fields"
        rows={[
          [t('subjects.columns.country'), a.country && format.country(a.country), 'country'],
          [t('subjects.columns.region'), a.region, 'region'],
          [t('subjects.columns.ageBand'), a.ageBand, 'ageBand'],
          [
            t('contact.fields.gender'),
            isOneOf(GENDERS, gender) ? t(`contact.genders.${gender}`) : gender,
            'gender',
          ],
          ...others.map(([key, value]): [string, ReactNode, string] => [
            catalog.data?.find((f) => f.key === key)?.label[language] ?? key,
            valueText(value),
            key,
          ]),
          [t('contact.fields.source'), subject.source, 'source'],
          [t('subjects.columns.createdAt'), format.date(subject.createdAt), 'createdAt'],
        ]}
      />
    </SectionCard>
  )
}

export function OrganisationsCard({
  memberships,
  hidden,
}: {
  memberships: Membership[] | undefined
  hidden: HiddenPart | undefined
}) {
  const { t } = useTranslation()
  return (
    <SectionCard title={t('contact.parts.organisations')} hidden={hidden} testId="contact-organisations">
      {!memberships || memberships.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('contact.organisations.none')}
        </Text>
      ) : (
        <Stack gap="sm">
          {memberships.map((m) => (
            <Stack key={m.organisation.id} gap={0} data-testid="contact-organisation">
              <Text fw={500}>{m.organisation.name}</Text>
              {(m.jobTitle || m.department) && (
                <Text size="sm">{[m.jobTitle, m.department].filter(Boolean).join(' · ')}</Text>
              )}
              {m.organisation.city && (
                <Text size="sm" c="dimmed">
                  {m.organisation.city}
                </Text>
              )}
            </Stack>
          ))}
        </Stack>
      )}
    </SectionCard>
  )
}
