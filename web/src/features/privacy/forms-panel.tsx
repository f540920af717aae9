import { Anchor, Badge, Center, Code, Group, Loader, Stack, Table, Text, Tooltip } from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { ErrorState } from '../../app/error-state'
import { currentLanguage } from '../../app/i18n'
import { consentTextsQueryOptions } from '../subjects/consent.api'
import { useContactFormat } from '../subjects/contact-format'
import { isOneOf } from '../subjects/contact-overview.api'
import {
  FORM_FIELD_INPUTS,
  FORM_FIELDS,
  formsQueryOptions,
  formTypesQueryOptions,
  type PublicForm,
  publicFormPath,
} from './privacy.api'

/**
 * The public forms: key, type, title in both languages, the fields asked for (Art. 5(1)(c)), the
 * consents offered with the text version each shows, whether the form takes submissions, and its
 * public page.
 */
export function FormsPanel() {
  const { t } = useTranslation()
  const forms = useQuery(formsQueryOptions())
  if (forms.isPending)
    return (
      <Center py="xl">
        <Loader size="sm" aria-label={t('common.loading')} />
      </Center>
    )
  if (forms.isError)
    return (
      <ErrorState
        title={t('privacy.forms.error')}
        error={forms.error}
        onRetry={() => void forms.refetch()}
        testId="privacy-forms-error"
      />
    )
  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed" maw={760}>
        {t('privacy.forms.intro')}
      </Text>
      {forms.data.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="privacy-forms-empty">
          {t('privacy.forms.empty')}
        </Text>
      ) : (
        <FormsTable forms={forms.data} />
      )}
    </Stack>
  )
}

function FormsTable({ forms }: { forms: PublicForm[] }) {
  const { t } = useTranslation()
  const language = currentLanguage()
  const other = language === 'de' ? 'en' : 'de'
  const format = useContactFormat()
  const types = useQuery(formTypesQueryOptions())
  const texts = useQuery(consentTextsQueryOptions())
  const typeLabel = (key: string) => types.data?.find((type) => type.key === key)?.label[language] ?? key
  const fieldLabel = (field: string) =>
    isOneOf(FORM_FIELDS, field) ? FORM_FIELD_INPUTS[field].label[language] : field
  const wording = (purposeKey: string, version: number) =>
    texts.data?.find((text) => text.purposeKey === purposeKey && text.version === version)?.text[language]
  return (
    <Table.ScrollContainer minWidth={960}>
      <Table verticalSpacing="sm" striped data-testid="privacy-forms">
        <Table.Caption>{t('privacy.forms.caption')}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('privacy.forms.columns.form')}</Table.Th>
            <Table.Th>{t('privacy.forms.columns.type')}</Table.Th>
            <Table.Th>{t('privacy.forms.columns.fields')}</Table.Th>
            <Table.Th>{t('privacy.forms.columns.consents')}</Table.Th>
            <Table.Th>{t('privacy.forms.columns.status')}</Table.Th>
            <Table.Th>{t('privacy.forms.columns.page')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {forms.map((form) => (
            <Table.Tr
              key={form.key}
              data-testid="privacy-form-row"
              data-key={form.key}
              data-active={form.active}
            >
              <Table.Td>
                <Stack gap={2}>
                  <Text size="sm" fw={500} data-testid="privacy-form-title">
                    {form.title[language]}
                  </Text>
                  <Text size="xs" c="dimmed" lang={other}>
                    {form.title[other]}
                  </Text>
                  <Code fz="xs" w="fit-content" data-testid="privacy-form-key">
                    {form.key}
                  </Code>
                </Stack>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{typeLabel(form.type)}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" data-testid="privacy-form-fields">
                  {form.fields
                    .map((f) => (f.required ? `${fieldLabel(f.field)} *` : fieldLabel(f.field)))
                    .join(', ')}
                </Text>
              </Table.Td>
              <Table.Td>
                {form.purposes.length === 0 ? (
                  <Text size="sm" c="dimmed">
                    {t('privacy.forms.noConsents')}
                  </Text>
                ) : (
                  <Stack gap={4} data-testid="privacy-form-consents">
                    {form.purposes.map((p) => (
                      <Group
                        gap={6}
                        key={p.purposeKey}
                        wrap="nowrap"
                        data-testid="privacy-form-consent"
                        data-purpose={p.purposeKey}
                      >
                        <Text size="sm">{format.purpose(p.purposeKey)}</Text>
                        <Tooltip
                          label={wording(p.purposeKey, p.textVersion) ?? t('privacy.forms.textUnknown')}
                          multiline
                          w={360}
                          withArrow
                        >
                          <Badge
                            size="xs"
                            variant="light"
                            color="blue"
                            tt="none"
                            style={{ flexShrink: 0 }}
                            data-testid="privacy-form-text-version"
                          >
                            {t('privacy.forms.textVersion', { version: `v${p.textVersion}` })}
                          </Badge>
                        </Tooltip>
                      </Group>
                    ))}
                  </Stack>
                )}
              </Table.Td>
              <Table.Td>
                <Stack gap={4}>
                  <Badge
                    size="sm"
                    variant="light"
                    color={form.active ? 'green' : 'gray'}
                    tt="none"
                    data-testid="privacy-form-active"
                  >
                    {form.active ? t('privacy.forms.active') : t('privacy.forms.inactive')}
                  </Badge>
                  <Text size="xs" c="dimmed">
                    {t('privacy.forms.version', { version: form.version, date: format.date(form.updatedAt) })}
                  </Text>
                  {form.builtin && (
                    <Text size="xs" c="dimmed">
                      {t('privacy.forms.builtin')}
                    </Text>
                  )}
                </Stack>
              </Table.Td>
              <Table.Td>
                <Anchor
                  href={publicFormPath(form.key)}
                  target="_blank"
                  rel="noopener"
                  size="sm"
                  data-testid="privacy-form-link"
                >
                  {t('privacy.forms.open')}
                </Anchor>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Text size="xs" c="dimmed" mt="xs">
        {t('privacy.forms.requiredLegend')}
      </Text>
    </Table.ScrollContainer>
  )
}
