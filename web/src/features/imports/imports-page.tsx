import {
  Alert,
  Button,
  Card,
  Center,
  Checkbox,
  Collapse,
  FileInput,
  Group,
  Loader,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useEffect, useId, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import { SubmitErrorAlert } from '../../app/error-state'
import { currentLanguage } from '../../app/i18n'
import { problemLine, reasonText } from '../../app/problem-text'
import { usePermissions } from '../auth/permissions'
import { useRolePurposes } from '../subjects/contact-overview.api'
import { isOneOf, LEGAL_BASES } from '../subjects/subject-history.api'
import { useKindLabel } from '../subjects/subject-kind-badges'
import { SUBJECT_KINDS } from '../subjects/subjects.api'
import { ImportResultView, LatestImports } from './import-results'
import {
  ACCEPTED_FILES,
  IMPORT_KINDS,
  type ImportKind,
  type ImportRequest,
  importKeys,
  isXlsx,
  runImport,
} from './imports.api'

/** The inputs of the form: a field error of the server is shown next to the one it names. */
const INPUTS = [
  'kind',
  'file',
  'source',
  'purpose',
  'subjectKind',
  'consentReference',
  'textVersion',
  'doiConfirmed',
  'delimiter',
  'encoding',
  'sheet',
] as const
type Input = (typeof INPUTS)[number]
type InputErrors = Partial<Record<Input, string>>

/** Where the server's complaint about the column mapping or the body is shown: at the file. */
const SERVER_FIELD_TO_INPUT: Record<string, Input> = { mapping: 'file', body: 'file' }

const DELIMITERS = [';', ',', '\t', '|'] as const
const DELIMITER_KEYS: Record<(typeof DELIMITERS)[number], 'semicolon' | 'comma' | 'tab' | 'pipe'> = {
  ';': 'semicolon',
  ',': 'comma',
  '\t': 'tab',
  '|': 'pipe',
}
const ENCODINGS = ['utf-8', 'windows-1252', 'iso-8859-15', 'utf-16le', 'macintosh'] as const

/** Imports of people, touchpoints and orders from CSV or Excel files, and the latest imports. */
export function ImportsPage() {
  const { t } = useTranslation()
  const { can, isPending } = usePermissions()
  return (
    <Stack gap="md" maw={1100}>
      <Title order={1} size="h2">
        {t('imports.title')}
      </Title>
      <Text size="sm" c="dimmed" maw={760}>
        {t('imports.intro')}
      </Text>
      {isPending ? (
        <Center py="xl">
          <Loader size="sm" aria-label={t('common.loading')} />
        </Center>
      ) : can('subjects:import') ? (
        <>
          <ImportForm />
          <LatestImports />
        </>
      ) : (
        <Alert
          color="orange"
          variant="light"
          title={t('imports.forbidden.title')}
          data-testid="imports-forbidden"
        >
          {t('imports.forbidden.body')}
        </Alert>
      )}
    </Stack>
  )
}

function ImportForm() {
  const { t } = useTranslation()
  const queryClient = useQueryClient()
  const kindLabel = useKindLabel()
  const language = currentLanguage()
  const kindLabelId = useId()
  // Only the purposes the role may act under: the server refuses the import for any other.
  const purposes = useRolePurposes()

  const [kind, setKind] = useState<ImportKind>('subjects')
  const [file, setFile] = useState<File | null>(null)
  const [source, setSource] = useState('')
  const [purposeKey, setPurposeKey] = useState<string | null>(null)
  const [subjectKind, setSubjectKind] = useState<string | null>(null)
  const [consentReference, setConsentReference] = useState('')
  const [textVersion, setTextVersion] = useState('')
  const [doiConfirmed, setDoiConfirmed] = useState(false)
  const [advanced, setAdvanced] = useState(false)
  const [delimiter, setDelimiter] = useState<string | null>(null)
  const [encoding, setEncoding] = useState<string | null>(null)
  const [sheet, setSheet] = useState('')
  const [clientErrors, setClientErrors] = useState<InputErrors>({})

  const people = kind === 'subjects'
  const purpose = purposes.data?.find((p) => p.key === purposeKey)
  const consent = people && purpose?.legalBasis === 'consent'
  const xlsx = file !== null && isXlsx(file)

  const run = useMutation({
    mutationFn: (request: ImportRequest) => runImport(request),
    onSettled: () => queryClient.invalidateQueries({ queryKey: importKeys.latest() }),
  })
  const resultRef = useRef<HTMLDivElement>(null)
  const result = run.data
  // The result is below a long form: bring it into view once it is there.
  useEffect(() => {
    if (result) resultRef.current?.scrollIntoView({ behavior: 'smooth', block: 'start' })
  }, [result])

  // The server's field errors, next to the input they name; the rest above the button.
  const serverErrors: InputErrors = {}
  const otherErrors: string[] = []
  if (isProblem(run.error, 400))
    for (const e of run.error.errors) {
      const input = isOneOf(INPUTS, e.field) ? e.field : SERVER_FIELD_TO_INPUT[e.field]
      if (input) serverErrors[input] = t('imports.errors.server', { reason: reasonText(t, e) })
      else otherErrors.push(problemLine(t, e))
    }
  const fieldErrorsOnly = isProblem(run.error, 400) && run.error.errors.length > 0 && otherErrors.length === 0
  if (isProblem(run.error, 413)) serverErrors.file = t('imports.errors.tooLarge')
  if (isProblem(run.error, 415)) serverErrors.file = t('imports.errors.fileType')
  const errors: InputErrors = { ...serverErrors, ...clientErrors }
  const clear = (input: Input) => setClientErrors(({ [input]: _dropped, ...rest }) => rest)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (run.isPending) return
    const next: InputErrors = {}
    if (!file) next.file = t('imports.errors.fileMissing')
    if (people && !source.trim()) next.source = t('imports.errors.sourceMissing')
    if (people && !purposeKey) next.purpose = t('imports.errors.purposeMissing')
    if (consent && !consentReference.trim()) next.consentReference = t('imports.errors.referenceMissing')
    if (consent && !textVersion.trim()) next.textVersion = t('imports.errors.textVersionMissing')
    setClientErrors(next)
    if (Object.keys(next).length > 0 || !file) return
    run.reset()
    run.mutate({
      kind,
      file,
      provenance:
        people && purposeKey
          ? {
              source: source.trim(),
              purpose: purposeKey,
              ...(subjectKind ? { subjectKind } : {}),
              ...(consent
                ? {
                    consentReference: consentReference.trim(),
                    textVersion: textVersion.trim(),
                    ...(purpose?.doubleOptIn && doiConfirmed ? { doiConfirmed: true } : {}),
                  }
                : {}),
            }
          : // Touchpoints and orders keep their source too, when one is given.
            source.trim()
            ? { source: source.trim(), purpose: '' }
            : undefined,
      table: {
        ...(delimiter && !xlsx ? { delimiter } : {}),
        ...(encoding && !xlsx ? { encoding } : {}),
        ...(sheet.trim() && xlsx ? { sheet: sheet.trim() } : {}),
      },
    })
  }

  return (
    <>
      <Card withBorder radius="md" padding="md" component="section" aria-label={t('imports.form.title')}>
        <form onSubmit={submit} noValidate data-testid="import-form">
          <Stack gap="md">
            <Title order={2} size="h4">
              {t('imports.form.title')}
            </Title>
            <Stack gap={6}>
              <Text size="sm" fw={500} id={kindLabelId}>
                {t('imports.form.kind')}
              </Text>
              <SegmentedControl
                value={kind}
                onChange={(value) => {
                  if (isOneOf(IMPORT_KINDS, value)) setKind(value)
                  setClientErrors({})
                }}
                aria-labelledby={kindLabelId}
                data-testid="import-kind"
                data={IMPORT_KINDS.map((value) => ({ value, label: t(`imports.kinds.${value}`) }))}
                w="fit-content"
              />
              <Text size="xs" c="dimmed" data-testid="import-kind-hint">
                {t(`imports.kindHints.${kind}`)}
              </Text>
              {errors.kind && (
                <Text size="xs" c="red">
                  {errors.kind}
                </Text>
              )}
            </Stack>
            <FileInput
              label={t('imports.form.file')}
              description={t('imports.form.fileHint')}
              placeholder={t('imports.form.filePlaceholder')}
              accept={ACCEPTED_FILES}
              value={file}
              onChange={(value) => {
                setFile(value)
                clear('file')
              }}
              clearable
              clearButtonProps={{ 'aria-label': t('imports.form.fileClear') }}
              error={errors.file}
              required
              maw={520}
              data-testid="import-file"
              // The hidden native input, for assistive technology that reaches it and for tests.
              fileInputProps={{ 'aria-label': t('imports.form.file'), name: 'file' }}
            />

            <Stack gap="sm" data-testid="import-provenance">
              <Title order={3} size="h5">
                {t('imports.provenance.title')}
              </Title>
              <Text size="sm" c="dimmed" maw={760}>
                {people ? t('imports.provenance.whyPeople') : t('imports.provenance.whyOther')}
              </Text>
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                <TextInput
                  label={t('imports.provenance.source')}
                  description={t('imports.provenance.sourceHint')}
                  placeholder={t('imports.provenance.sourcePlaceholder')}
                  required={people}
                  maxLength={100}
                  value={source}
                  onChange={(event) => {
                    setSource(event.currentTarget.value)
                    clear('source')
                  }}
                  error={errors.source}
                  data-testid="import-source"
                />
                {people && (
                  <Select
                    label={t('imports.provenance.purpose')}
                    description={
                      purpose
                        ? t('imports.provenance.legalBasis', {
                            basis: isOneOf(LEGAL_BASES, purpose.legalBasis)
                              ? t(`history.legalBases.${purpose.legalBasis}`)
                              : purpose.legalBasis,
                          })
                        : t('imports.provenance.purposeHint')
                    }
                    placeholder={t('imports.provenance.purposePlaceholder')}
                    required
                    searchable
                    data={(purposes.data ?? []).map((p) => ({ value: p.key, label: p.name[language] }))}
                    value={purposeKey}
                    onChange={(value) => {
                      setPurposeKey(value)
                      clear('purpose')
                    }}
                    error={
                      errors.purpose ??
                      (purposes.isError ? t('imports.provenance.purposesFailed') : undefined)
                    }
                    nothingFoundMessage={t('imports.provenance.noPurpose')}
                    data-testid="import-purpose"
                  />
                )}
                {people && (
                  <Select
                    label={t('imports.provenance.subjectKind')}
                    description={t('imports.provenance.subjectKindHint')}
                    placeholder={t('imports.provenance.subjectKindPlaceholder')}
                    clearable
                    data={SUBJECT_KINDS.map((value) => ({ value, label: kindLabel(value) }))}
                    value={subjectKind}
                    onChange={setSubjectKind}
                    error={errors.subjectKind}
                    data-testid="import-subject-kind"
                  />
                )}
              </SimpleGrid>
              {consent && purpose && (
                <Stack gap="sm" data-testid="import-consent">
                  <Alert color="blue" variant="light" p="sm">
                    <Text size="sm">{t('imports.consent.why')}</Text>
                  </Alert>
                  <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                    <TextInput
                      label={t('imports.consent.reference')}
                      description={t('imports.consent.referenceHint')}
                      required
                      maxLength={200}
                      value={consentReference}
                      onChange={(event) => {
                        setConsentReference(event.currentTarget.value)
                        clear('consentReference')
                      }}
                      error={errors.consentReference}
                      data-testid="import-consent-reference"
                    />
                    <TextInput
                      label={t('imports.consent.textVersion')}
                      description={t('imports.consent.textVersionHint')}
                      required
                      maxLength={100}
                      value={textVersion}
                      onChange={(event) => {
                        setTextVersion(event.currentTarget.value)
                        clear('textVersion')
                      }}
                      error={errors.textVersion}
                      data-testid="import-text-version"
                    />
                  </SimpleGrid>
                  {purpose.doubleOptIn && (
                    <Checkbox
                      label={t('imports.consent.doiConfirmed')}
                      description={t('imports.consent.doiConfirmedHint')}
                      checked={doiConfirmed}
                      onChange={(event) => setDoiConfirmed(event.currentTarget.checked)}
                      error={errors.doiConfirmed}
                      data-testid="import-doi-confirmed"
                    />
                  )}
                </Stack>
              )}
            </Stack>

            <Stack gap="xs">
              <Group>
                <Button
                  variant="subtle"
                  size="compact-sm"
                  onClick={() => setAdvanced((open) => !open)}
                  aria-expanded={advanced}
                  aria-controls="import-advanced"
                  data-testid="import-advanced-toggle"
                >
                  {advanced ? t('imports.advanced.hide') : t('imports.advanced.show')}
                </Button>
              </Group>
              <Collapse expanded={advanced || Boolean(errors.delimiter || errors.encoding || errors.sheet)}>
                <Stack gap="sm" id="import-advanced" data-testid="import-advanced">
                  <Text size="sm" c="dimmed">
                    {t('imports.advanced.intro')}
                  </Text>
                  <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
                    <Select
                      label={t('imports.advanced.delimiter')}
                      placeholder={t('imports.advanced.detect')}
                      clearable
                      disabled={xlsx}
                      data={DELIMITERS.map((value) => ({
                        value,
                        label: t(`imports.advanced.delimiters.${DELIMITER_KEYS[value]}`),
                      }))}
                      value={delimiter}
                      onChange={setDelimiter}
                      error={errors.delimiter}
                      data-testid="import-delimiter"
                    />
                    <Select
                      label={t('imports.advanced.encoding')}
                      placeholder={t('imports.advanced.detect')}
                      clearable
                      disabled={xlsx}
                      data={ENCODINGS.map((value) => ({
                        value,
                        label: t(`imports.advanced.encodings.${value}`),
                      }))}
                      value={encoding}
                      onChange={setEncoding}
                      error={errors.encoding}
                      data-testid="import-encoding"
                    />
                    <TextInput
                      label={t('imports.advanced.sheet')}
                      description={t('imports.advanced.sheetHint')}
                      disabled={!xlsx}
                      maxLength={100}
                      value={sheet}
                      onChange={(event) => setSheet(event.currentTarget.value)}
                      error={errors.sheet}
                      data-testid="import-sheet"
                    />
                  </SimpleGrid>
                </Stack>
              </Collapse>
            </Stack>

            {run.isError &&
              (fieldErrorsOnly ? (
                <Text size="sm" c="red" role="alert" data-testid="import-field-errors">
                  {t('imports.errors.fieldsSummary')}
                </Text>
              ) : (
                <ImportRequestError error={run.error} otherErrors={otherErrors} />
              ))}
            <Group>
              <Button type="submit" loading={run.isPending} data-testid="import-submit">
                {t('imports.form.submit')}
              </Button>
              {run.isPending && (
                <Text size="sm" c="dimmed">
                  {t('imports.form.running')}
                </Text>
              )}
            </Group>
          </Stack>
        </form>
      </Card>
      {result && (
        <div ref={resultRef} style={{ scrollMarginTop: 72 }}>
          <ImportResultView result={result} />
        </div>
      )}
    </>
  )
}

/** The import was refused as a whole (not a row of it): say why, as far as the UI can tell. */
function ImportRequestError({ error, otherErrors }: { error: Error; otherErrors: string[] }) {
  const { t } = useTranslation()
  const message = isProblem(error, 403)
    ? t('imports.errors.forbidden')
    : isProblem(error, 400)
      ? t('imports.errors.invalid')
      : isProblem(error, 413) || isProblem(error, 415)
        ? t('imports.errors.fileRefused')
        : t('imports.errors.failed')
  const detail = isProblem(error) && error.detail && otherErrors.length === 0 ? [error.detail] : []
  return (
    <SubmitErrorAlert
      message={message}
      lines={[...detail, ...otherErrors]}
      testId="import-error"
      padding="sm"
    />
  )
}
