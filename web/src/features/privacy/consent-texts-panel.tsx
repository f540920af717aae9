import {
  Alert,
  Badge,
  Button,
  Card,
  Center,
  Code,
  Group,
  Loader,
  Modal,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from '@mantine/core'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { ErrorState, SubmitErrorAlert } from '../../app/error-state'
import { currentLanguage } from '../../app/i18n'
import { problemLine, reasonText } from '../../app/problem-text'
import { Toast } from '../../app/toast'
import { type ConsentText, consentTextsQueryOptions, isConsentBased, textsOf } from '../subjects/consent.api'
import { type ContactFormat, useContactFormat } from '../subjects/contact-format'
import { isOneOf, type PurposeSummary, purposesQueryOptions } from '../subjects/contact-overview.api'
import { LEGAL_BASES } from '../subjects/subject-history.api'
import {
  addConsentText,
  CONSENT_TEXT_MAX,
  formsQueryOptions,
  invalidateConsentTexts,
  type PublicForm,
} from './privacy.api'

/**
 * The purposes and their consent texts: for every consent purpose each version of the checkbox
 * wording in German and English, when it was added, and which forms show it; the purposes on
 * other legal bases below (they need no consent text). Those who manage forms add a version.
 */
export function ConsentTextsPanel({ manage }: { manage: boolean }) {
  const { t } = useTranslation()
  const purposes = useQuery(purposesQueryOptions())
  const texts = useQuery(consentTextsQueryOptions())
  const forms = useQuery(formsQueryOptions())
  const format = useContactFormat()
  const [adding, setAdding] = useState<PurposeSummary | null>(null)
  const [added, setAdded] = useState<ConsentText | null>(null)

  if (purposes.isPending || texts.isPending)
    return (
      <Center py="xl">
        <Loader size="sm" aria-label={t('common.loading')} />
      </Center>
    )
  if (purposes.isError || texts.isError)
    return (
      <ErrorState
        title={t('privacy.texts.error')}
        error={purposes.error ?? texts.error}
        onRetry={() => {
          void purposes.refetch()
          void texts.refetch()
        }}
        testId="privacy-texts-error"
      />
    )
  const consentBased = purposes.data.filter(isConsentBased)
  const others = purposes.data.filter((p) => !isConsentBased(p))
  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed" maw={760}>
        {t('privacy.texts.intro')}
      </Text>
      {consentBased.map((purpose) => (
        <PurposeTexts
          key={purpose.key}
          purpose={purpose}
          versions={textsOf(texts.data, purpose.key)}
          forms={forms.data ?? []}
          format={format}
          onAdd={manage ? () => setAdding(purpose) : undefined}
        />
      ))}
      {others.length > 0 && <OtherPurposes purposes={others} />}
      <Modal
        opened={adding !== null}
        onClose={() => setAdding(null)}
        title={adding ? t('privacy.texts.add.title', { purpose: adding.name[currentLanguage()] }) : ''}
        size="xl"
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        {adding && (
          <AddVersionForm
            purpose={adding}
            newest={textsOf(texts.data, adding.key)[0]}
            onCancel={() => setAdding(null)}
            onAdded={(text) => {
              setAdding(null)
              setAdded(text)
            }}
          />
        )}
      </Modal>
      <Toast
        opened={added !== null}
        onClose={() => setAdded(null)}
        title={t('privacy.texts.add.done.title')}
        testId="privacy-text-added"
      >
        {added &&
          t('privacy.texts.add.done.body', {
            version: added.textVersion,
            purpose: format.purpose(added.purposeKey),
          })}
      </Toast>
    </Stack>
  )
}

function PurposeTexts({
  purpose,
  versions,
  forms,
  format,
  onAdd,
}: {
  purpose: PurposeSummary
  versions: ConsentText[]
  forms: PublicForm[]
  format: ContactFormat
  onAdd: (() => void) | undefined
}) {
  const { t } = useTranslation()
  const language = format.language
  const shownBy = (version: number) =>
    forms.filter((f) => f.purposes.some((p) => p.purposeKey === purpose.key && p.textVersion === version))
  return (
    <Card withBorder radius="md" padding="md" data-testid="privacy-purpose" data-key={purpose.key}>
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <Stack gap={4}>
            <Group gap="xs">
              <Title order={2} size="h4">
                {purpose.name[language]}
              </Title>
              <Code fz="xs">{purpose.key}</Code>
            </Group>
            <PurposeBadges purpose={purpose} />
          </Stack>
          {onAdd && (
            <Button
              size="xs"
              variant="light"
              onClick={onAdd}
              aria-haspopup="dialog"
              data-testid="privacy-text-add"
            >
              {t('privacy.texts.add.button')}
            </Button>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          {purpose.description[language]}
        </Text>
        {versions.length === 0 ? (
          <Alert color="yellow" variant="light" p="xs" data-testid="privacy-text-none">
            <Text size="sm">{t('privacy.texts.none')}</Text>
          </Alert>
        ) : (
          <Stack gap="xs">
            {versions.map((version, index) => {
              const using = shownBy(version.version)
              return (
                <Paper
                  key={version.version}
                  withBorder
                  radius="md"
                  p="sm"
                  data-testid="privacy-text-version"
                  data-version={version.textVersion}
                >
                  <Stack gap="xs">
                    <Group gap="xs">
                      <Badge size="sm" variant="filled" color={index === 0 ? 'blue' : 'gray'} tt="none">
                        {version.textVersion}
                      </Badge>
                      {index === 0 && (
                        <Badge
                          size="sm"
                          variant="light"
                          color="blue"
                          tt="none"
                          data-testid="privacy-text-newest"
                        >
                          {t('privacy.texts.newest')}
                        </Badge>
                      )}
                      <Text size="xs" c="dimmed" data-testid="privacy-text-created">
                        {t('privacy.texts.createdAt', { date: format.dateTime(version.createdAt) })}
                      </Text>
                      <Text size="xs" c="dimmed" data-testid="privacy-text-forms">
                        {using.length > 0
                          ? t('privacy.texts.shownBy', {
                              forms: using.map((f) => f.title[language]).join(', '),
                            })
                          : t('privacy.texts.shownByNone')}
                      </Text>
                    </Group>
                    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
                      {(['de', 'en'] as const).map((lang) => (
                        <Stack gap={2} key={lang}>
                          <Text size="xs" c="dimmed" fw={500}>
                            {t(`privacy.texts.languages.${lang}`)}
                          </Text>
                          <Text size="sm" lang={lang} data-testid={`privacy-text-${lang}`}>
                            {version.text[lang]}
                          </Text>
                        </Stack>
                      ))}
                    </SimpleGrid>
                  </Stack>
                </Paper>
              )
            })}
          </Stack>
        )}
      </Stack>
    </Card>
  )
}

function PurposeBadges({ purpose }: { purpose: PurposeSummary }) {
  const { t } = useTranslation()
  const format = useContactFormat()
  return (
    <Group gap={6}>
      <Badge size="sm" variant="light" color="grape" tt="none">
        {isOneOf(LEGAL_BASES, purpose.legalBasis)
          ? t(`history.legalBases.${purpose.legalBasis}`)
          : purpose.legalBasis}
      </Badge>
      {purpose.channels.map((channel) => (
        <Badge key={channel} size="sm" variant="outline" color="gray" tt="none">
          {format.channel(channel)}
        </Badge>
      ))}
      {purpose.doubleOptIn && (
        <Badge size="sm" variant="light" color="blue" tt="none">
          {t('privacy.purposes.doubleOptIn')}
        </Badge>
      )}
      {purpose.directMarketing && (
        <Badge size="sm" variant="light" color="orange" tt="none">
          {t('privacy.purposes.directMarketing')}
        </Badge>
      )}
    </Group>
  )
}

function OtherPurposes({ purposes }: { purposes: PurposeSummary[] }) {
  const { t } = useTranslation()
  const language = currentLanguage()
  return (
    <Stack gap="xs" data-testid="privacy-other-purposes">
      <Title order={2} size="h4">
        {t('privacy.purposes.otherTitle')}
      </Title>
      <Text size="sm" c="dimmed">
        {t('privacy.purposes.otherIntro')}
      </Text>
      <Table.ScrollContainer minWidth={640}>
        <Table verticalSpacing={6}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('privacy.purposes.columns.purpose')}</Table.Th>
              <Table.Th>{t('privacy.purposes.columns.details')}</Table.Th>
              <Table.Th>{t('privacy.purposes.columns.retention')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {purposes.map((purpose) => (
              <Table.Tr key={purpose.key} data-testid="privacy-other-purpose" data-key={purpose.key}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {purpose.name[language]}
                  </Text>
                  <Code fz="xs">{purpose.key}</Code>
                </Table.Td>
                <Table.Td>
                  <PurposeBadges purpose={purpose} />
                </Table.Td>
                <Table.Td>
                  <Text size="xs">{purpose.retention.rule[language]}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  )
}

type TextLanguage = 'de' | 'en'

/**
 * A new version of a purpose's consent text. Versions are never changed: a consent proof names
 * the version shown, so an edit is always a new version (Art. 7(1)).
 */
function AddVersionForm({
  purpose,
  newest,
  onCancel,
  onAdded,
}: {
  purpose: PurposeSummary
  newest: ConsentText | undefined
  onCancel: () => void
  onAdded: (text: ConsentText) => void
}) {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const [values, setValues] = useState<Record<TextLanguage, string>>({
    de: newest?.text.de ?? '',
    en: newest?.text.en ?? '',
  })
  const [clientErrors, setClientErrors] = useState<Partial<Record<TextLanguage, string>>>({})
  const [unchanged, setUnchanged] = useState(false)
  const save = useMutation({
    mutationFn: () => addConsentText(purpose.key, { de: values.de.trim(), en: values.en.trim() }),
    onSuccess: async (text) => {
      await invalidateConsentTexts(queryClient)
      onAdded(text)
    },
  })
  const serverErrors: Partial<Record<TextLanguage, string>> = {}
  const lines: string[] = []
  if (isProblem(save.error))
    for (const e of save.error.errors) {
      const lang = /^text\.(de|en)$/.exec(e.field)?.[1]
      if (lang === 'de' || lang === 'en')
        serverErrors[lang] ??= t('consents.form.serverInvalid', { reason: reasonText(t, e) })
      else lines.push(problemLine(t, e))
    }
  const errors = { ...serverErrors, ...clientErrors }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (save.isPending) return
    const next: Partial<Record<TextLanguage, string>> = {}
    for (const lang of ['de', 'en'] as const)
      if (values[lang].trim() === '') next[lang] = t('privacy.texts.add.required')
    setClientErrors(next)
    const same =
      newest !== undefined && values.de.trim() === newest.text.de && values.en.trim() === newest.text.en
    setUnchanged(same)
    if (Object.keys(next).length > 0 || same) return
    save.reset()
    save.mutate()
  }

  const message = isProblem(save.error, 400)
    ? t('consents.form.invalid')
    : isProblem(save.error, 403)
      ? t('privacy.texts.add.forbidden')
      : t('privacy.texts.add.failed')

  return (
    <form
      onSubmit={submit}
      noValidate
      data-testid="privacy-text-form"
      aria-label={t('privacy.texts.add.button')}
    >
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {t('privacy.texts.add.intro', { version: newest ? `v${newest.version + 1}` : 'v1' })}
        </Text>
        {(['de', 'en'] as const).map((lang) => (
          <Textarea
            key={lang}
            label={t(`privacy.texts.languages.${lang}`)}
            required
            autosize
            minRows={3}
            maxRows={10}
            maxLength={CONSENT_TEXT_MAX}
            lang={lang}
            value={values[lang]}
            error={errors[lang]}
            onChange={(event) => {
              const value = event.currentTarget.value
              setValues((previous) => ({ ...previous, [lang]: value }))
              setClientErrors(({ [lang]: _dropped, ...rest }) => rest)
              setUnchanged(false)
            }}
            data-testid={`privacy-text-input-${lang}`}
          />
        ))}
        <Text size="xs" c="dimmed">
          {t('privacy.texts.add.hint')}
        </Text>
        {unchanged && (
          <Alert color="gray" variant="light" p="xs" data-testid="privacy-text-unchanged">
            <Text size="sm">{t('privacy.texts.add.unchanged')}</Text>
          </Alert>
        )}
        {save.isError && <SubmitErrorAlert message={message} lines={lines} testId="privacy-text-error" />}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onCancel} data-testid="privacy-text-cancel">
            {t('consents.form.cancel')}
          </Button>
          <Button type="submit" loading={save.isPending} data-testid="privacy-text-submit">
            {t('privacy.texts.add.submit')}
          </Button>
        </Group>
      </Stack>
    </form>
  )
}
