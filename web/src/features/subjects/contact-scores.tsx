import {
  Badge,
  Button,
  Center,
  Divider,
  Drawer,
  Loader,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import type { TFunction } from 'i18next'
import { type ReactNode, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { isProblem } from '../../app/api'
import type { ContactFormat } from './contact-format'
import { isOneOf } from './contact-overview.api'
import {
  ABC_CLASSES,
  type Bilingual,
  CHURN_BANDS,
  type ScoreTerm,
  type SubjectScore,
  scoreDenialRule,
  subjectRecommendationsQueryOptions,
  subjectScoresQueryOptions,
} from './contact-scores.api'
import { SectionCard } from './contact-section'

const BAND_COLORS = { high: 'red', medium: 'yellow', low: 'teal' } as const
const ABC_COLORS = { A: 'teal', B: 'blue', C: 'gray' } as const

/**
 * The contact's scores (issue #16): CLV, P(alive), churn risk, RFM and ABC, with an explanation
 * drawer (the inputs with this person's values, the model and its parameters, what each number
 * means: Art. 13(2)(f), 15(1)(h)). Shown only when the API returns scores; a line says why there are
 * none (no consent to profiling, withdrawn, objected); hidden for roles that may not see scores.
 */
export function ScoresCard({ subjectId, format }: { subjectId: string; format: ContactFormat }) {
  const { t } = useTranslation()
  const query = useQuery(subjectScoresQueryOptions(subjectId))
  const [explaining, setExplaining] = useState(false)
  const rule = scoreDenialRule(query.error)
  // The role may not see scores (no derived category, not in the profiling purpose), or no contact.
  if (query.isError && !rule && (isProblem(query.error, 403) || isProblem(query.error, 404))) return null
  const scores = query.data?.scores ?? []
  return (
    <SectionCard
      title={t('scores.card.title')}
      testId="contact-scores"
      action={
        scores.length > 0 ? (
          <Button
            size="xs"
            variant="light"
            onClick={() => setExplaining(true)}
            aria-haspopup="dialog"
            data-testid="scores-explain"
          >
            {t('scores.card.explain')}
          </Button>
        ) : undefined
      }
    >
      {query.isPending ? (
        <Center py="sm">
          <Loader size="sm" aria-label={t('common.loading')} />
        </Center>
      ) : rule ? (
        <Text size="sm" c="dimmed" data-testid="scores-none" data-rule={rule}>
          {t('scores.card.noneRule', { rule: t(`contact.permissions.denials.${rule}`) })}
        </Text>
      ) : query.isError ? (
        <Text size="sm" c="red" data-testid="scores-error">
          {t('scores.card.error')}
        </Text>
      ) : scores.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="scores-none">
          {t('scores.card.notYet')}
        </Text>
      ) : (
        <>
          <ScoreSummary scores={scores} format={format} />
          <Recommendations subjectId={subjectId} />
        </>
      )}
      <Drawer
        opened={explaining}
        onClose={() => setExplaining(false)}
        position="right"
        size="lg"
        title={t('scores.explanation.title')}
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        <Stack gap="lg" data-testid="scores-explanation">
          <Text size="sm" c="dimmed">
            {t('scores.explanation.intro')}
          </Text>
          {scores.map((score) => (
            <ScoreExplanation key={score.kind} score={score} format={format} />
          ))}
        </Stack>
      </Drawer>
    </SectionCard>
  )
}

/** Products that go with what the contact bought (read under the profiling purpose, like the scores). */
function Recommendations({ subjectId }: { subjectId: string }) {
  const { t } = useTranslation()
  const query = useQuery(subjectRecommendationsQueryOptions(subjectId))
  const items = query.data?.items ?? []
  if (!query.isSuccess || items.length === 0) return null
  return (
    <Stack gap={4} mt="sm" data-testid="scores-recommendations">
      <Text size="sm" fw={500}>
        {t('scores.card.recommended')}
      </Text>
      {items.map((p) => (
        <Text key={p.productId} size="sm" data-testid="scores-recommendation" data-sku={p.sku}>
          {p.name}{' '}
          <Text span size="xs" c="dimmed">
            {t('scores.card.because', { count: p.because })}
          </Text>
        </Text>
      ))}
    </Stack>
  )
}

const output = (score: SubjectScore | undefined, key: string) => score?.outputs.find((o) => o.key === key)

function ScoreSummary({ scores, format }: { scores: SubjectScore[]; format: ContactFormat }) {
  const { t } = useTranslation()
  const clv = scores.find((s) => s.kind === 'clv')
  const rfm = scores.find((s) => s.kind === 'rfm')
  const value = output(clv, 'clv')
  const pAlive = output(clv, 'pAlive')?.value
  const band = clv?.band
  const abc = rfm?.band
  const text = (b: Bilingual) => (format.language === 'de' ? b.de : b.en)
  const rfmCell = ['recency', 'frequency', 'monetary'].map((k) => output(rfm, k)?.value)
  return (
    <SimpleGrid cols={2} spacing="sm" verticalSpacing="sm" data-testid="scores-summary">
      {clv && (
        // The horizon is the installation's setting: its label comes with the score.
        <Fact label={value ? text(value.label) : t('scores.card.clv')} testId="scores-clv">
          {typeof value?.value === 'number'
            ? money(value.value, value.unit, format)
            : t('scores.card.noValue')}
        </Fact>
      )}
      {clv && (
        <Fact label={t('scores.card.pAlive')} testId="scores-palive">
          {typeof pAlive === 'number' ? percent(pAlive, format) : t('scores.card.noValue')}
        </Fact>
      )}
      {isOneOf(CHURN_BANDS, band) && (
        <Fact label={t('scores.card.churn')} testId="scores-churn">
          <Badge size="sm" variant="light" tt="none" color={BAND_COLORS[band]} data-band={band}>
            {t(`scores.bands.${band}`)}
          </Badge>
        </Fact>
      )}
      {rfm && (
        <Fact label={t('scores.card.rfm')} testId="scores-rfm">
          {rfmCell.every((v) => typeof v === 'number')
            ? t('scores.card.rfmCell', { r: rfmCell[0], f: rfmCell[1], m: rfmCell[2] })
            : t('scores.card.noValue')}
        </Fact>
      )}
      {isOneOf(ABC_CLASSES, abc) && (
        <Fact label={t('scores.card.abc')} testId="scores-abc">
          <Badge size="sm" variant="light" color={ABC_COLORS[abc]} data-class={abc}>
            {abc}
          </Badge>
        </Fact>
      )}
      {clv && (
        <Fact label={t('scores.card.computedAt')}>
          <Text size="sm">{format.dateTime(clv.computedAt)}</Text>
        </Fact>
      )}
    </SimpleGrid>
  )
}

function ScoreExplanation({ score, format }: { score: SubjectScore; format: ContactFormat }) {
  const { t } = useTranslation()
  const text = (b: Bilingual) => (format.language === 'de' ? b.de : b.en)
  const { model } = score.explanation
  const parameters = flatten(model.parameters)
  return (
    <Paper withBorder radius="md" p="sm" data-testid={`scores-explanation-${score.kind}`}>
      <Stack gap="sm">
        <Title order={3} size="h5">
          {text(score.title)}
        </Title>
        <Text size="sm">{text(score.explanation.meaning)}</Text>
        <Terms
          title={t('scores.explanation.outputs')}
          terms={score.outputs}
          format={format}
          testId="outputs"
        />
        <Terms
          title={t('scores.explanation.inputs')}
          terms={score.explanation.inputs}
          format={format}
          testId="inputs"
        />
        <Divider />
        <Text size="sm" fw={500}>
          {t('scores.explanation.model', {
            version: model.version,
            fittedAt: format.dateTime(model.fittedAt),
          })}
        </Text>
        <Text size="sm" c="dimmed">
          {text(model.description)}
        </Text>
        {parameters.length > 0 && (
          <Table verticalSpacing={2} fz="xs" data-testid={`scores-parameters-${score.kind}`}>
            <Table.Caption>{t('scores.explanation.parameters')}</Table.Caption>
            <Table.Tbody>
              {parameters.map(([key, value]) => (
                <Table.Tr key={key}>
                  <Table.Td ff="monospace">{key}</Table.Td>
                  <Table.Td>{value}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Paper>
  )
}

function Terms({
  title,
  terms,
  format,
  testId,
}: {
  title: string
  terms: ScoreTerm[]
  format: ContactFormat
  testId: string
}) {
  const { t } = useTranslation()
  const text = (b: Bilingual) => (format.language === 'de' ? b.de : b.en)
  return (
    <Table verticalSpacing={4} data-testid={`scores-${testId}`}>
      <Table.Caption>{title}</Table.Caption>
      <Table.Tbody>
        {terms.map((term) => (
          <Table.Tr key={term.key} data-key={term.key}>
            <Table.Td w="40%">
              <Text size="sm" fw={500}>
                {text(term.label)}
              </Text>
              {text(term.meaning) && (
                <Text size="xs" c="dimmed">
                  {text(term.meaning)}
                </Text>
              )}
            </Table.Td>
            <Table.Td>
              <Text size="sm">{termValue(term, format, t)}</Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  )
}

function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <Stack gap={2} data-testid={testId}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      {typeof children === 'string' ? <Text size="sm">{children}</Text> : children}
    </Stack>
  )
}

const money = (amount: number, currency: string | null, format: ContactFormat) =>
  currency && /^[A-Z]{3}$/.test(currency)
    ? format.money(Math.round(amount * 100), currency)
    : number(amount, format)

const number = (value: number, format: ContactFormat) =>
  new Intl.NumberFormat(format.language, { maximumFractionDigits: 2 }).format(value)

const percent = (value: number, format: ContactFormat) =>
  new Intl.NumberFormat(format.language, { style: 'percent', maximumFractionDigits: 1 }).format(value)

/** A value in its unit: money, a percentage, a number, a translated band; "—" for none. */
function termValue(term: ScoreTerm, format: ContactFormat, t: TFunction): string {
  const { value, unit } = term
  if (value === null) return t('scores.card.noValue')
  if (typeof value === 'string') return isOneOf(CHURN_BANDS, value) ? t(`scores.bands.${value}`) : value
  if (unit === 'probability') return percent(value, format)
  if (unit && /^[A-Z]{3}$/.test(unit)) return money(value, unit, format)
  return number(value, format)
}

/** The model's parameters as `bgNbd.r → 0.243` rows: numbers and short lists, nested keys joined. */
function flatten(value: unknown, prefix = ''): [string, string][] {
  if (typeof value === 'number') return [[prefix, String(Math.round(value * 10_000) / 10_000)]]
  if (typeof value === 'string' || typeof value === 'boolean') return [[prefix, String(value)]]
  if (Array.isArray(value)) return value.length > 0 ? [[prefix, value.map(String).join(' / ')]] : []
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k))
  return []
}
