import { Type } from 'typebox'
import { nullable } from '../../platform/nullable.ts'

const Bilingual = Type.Object({ de: Type.String(), en: Type.String() })
const DateTime = Type.String({ format: 'date-time' })
const IsoDate = Type.String({ format: 'date', description: 'YYYY-MM-DD.' })

export const SubjectScoreParams = Type.Object(
  { id: Type.String({ format: 'uuid', description: 'The subject.' }) },
  { additionalProperties: false },
)

const ScoreTerm = Type.Object({
  key: Type.String({ description: 'The output or input, e.g. `pAlive`, `recencyWeeks`.' }),
  value: Type.Union([Type.Number(), Type.String(), Type.Null()], {
    description: 'Its value for this subject (null: not computed, e.g. no CLV without a spend model).',
  }),
  label: Bilingual,
  meaning: Type.Object(
    { de: Type.String(), en: Type.String() },
    { description: 'What the number means, in German and English.' },
  ),
  unit: nullable(
    Type.String({
      description: '`probability` (0–1), `purchases`, `weeks`, `days`, `orders`, or the currency code.',
    }),
  ),
})

const ExplainedScore = Type.Object({
  kind: Type.String({
    description:
      '`clv`: BG/NBD + Gamma-Gamma (P(alive), expected purchases and purchase probability in 30 and 90 days, CLV, churn risk); `rfm`: RFM quintiles and ABC class.',
  }),
  title: Bilingual,
  value: nullable(
    Type.Number({ description: 'The headline number: the CLV; the RFM cell (R·100 + F·10 + M).' }),
  ),
  band: nullable(
    Type.String({ description: 'The churn-risk band (high, medium, low); the ABC class (A, B, C).' }),
  ),
  computedAt: DateTime,
  outputs: Type.Array(ScoreTerm, { description: 'Every number and band of the score, with its meaning.' }),
  explanation: Type.Object(
    {
      meaning: Type.Object(
        { de: Type.String(), en: Type.String() },
        {
          description:
            'What the score says, what it is used for, its consequences (Art. 13(2)(f), 15(1)(h)).',
        },
      ),
      inputs: Type.Array(ScoreTerm, { description: "This subject's numbers the score was computed from." }),
      model: Type.Object(
        {
          name: Type.String(),
          version: Type.Integer({ description: 'The fitted model (GET /analytics/clv shows the newest).' }),
          fittedAt: DateTime,
          asOf: IsoDate,
          description: Type.Object(
            { de: Type.String(), en: Type.String() },
            { description: 'The procedure and principles applied (CJEU C-203/22).' },
          ),
          parameters: Type.Record(Type.String(), Type.Unknown(), {
            description: 'The fitted population parameters and cut points the score used.',
          }),
          settings: Type.Record(Type.String(), Type.Unknown(), {
            description: 'Discount rate, horizon, churn thresholds, currency.',
          }),
        },
        { description: 'The model and its parameters.' },
      ),
    },
    { description: 'Why the score is what it is.' },
  ),
})

export const SubjectScores = Type.Object({
  subjectId: Type.String({ format: 'uuid' }),
  scores: Type.Array(ExplainedScore, {
    description:
      'Empty when the purpose may use the subject but nothing was computed (no counted purchase, or no run since the consent).',
  }),
})

const Fit = {
  logLikelihood: Type.Number(),
  customers: Type.Integer(),
  groups: Type.Integer({ description: 'Distinct sufficient statistics the likelihood ran over.' }),
  iterations: Type.Integer(),
  converged: Type.Boolean(),
}

export const ClvModel = Type.Object({
  version: Type.Integer(),
  fittedAt: DateTime,
  asOf: Type.String({
    format: 'date',
    description: 'The end of the observation (histories measured to it).',
  }),
  customers: Type.Integer({ description: 'Customers with a counted purchase (restricted ones left out).' }),
  bgNbd: nullable(
    Type.Object(
      { r: Type.Number(), alpha: Type.Number(), a: Type.Number(), b: Type.Number(), ...Fit },
      { description: 'BG/NBD (Fader, Hardie & Lee 2005), time in weeks; null: not fitted (see notes).' },
    ),
  ),
  gammaGamma: nullable(
    Type.Object(
      { p: Type.Number(), q: Type.Number(), gamma: Type.Number(), ...Fit },
      { description: 'Gamma-Gamma spend model; null: not fitted (see notes).' },
    ),
  ),
  rfm: Type.Object(
    {
      daysSinceLastPurchase: Type.Array(Type.Number()),
      orders: Type.Array(Type.Number()),
      revenueCents: Type.Array(Type.Number()),
    },
    { description: 'RFM cut points at 20, 40, 60 and 80 %.' },
  ),
  abc: Type.Object(
    { aMinRevenueCents: nullable(Type.Number()), bMinRevenueCents: nullable(Type.Number()) },
    { description: 'ABC: the least revenue still in A (top 80 % of revenue) and in B (next 15 %).' },
  ),
  settings: Type.Object({
    monthlyDiscountRate: Type.Number(),
    horizonMonths: Type.Integer(),
    churnHigh: Type.Number(),
    churnMedium: Type.Number(),
    currency: Type.String(),
  }),
  notes: Type.Array(Type.String(), { description: 'Why a model is missing or did not converge.' }),
  calibration: Type.Object(
    {
      unit: Type.Literal('week'),
      origin: nullable(IsoDate),
      step: Type.Integer({ description: 'Weeks per point.' }),
      points: Type.Array(
        Type.Object({
          week: Type.Number({ description: 'Weeks since `origin`, the first purchase day of all.' }),
          actual: Type.Number({ description: 'Cumulative repeat purchase days of all customers.' }),
          expected: nullable(
            Type.Number({ description: 'What the fitted BG/NBD expects (eq. 9 per cohort).' }),
          ),
        }),
      ),
    },
    {
      description:
        "The BG/NBD paper's tracking chart for this installation's data: expected vs actual cumulative repeat purchases by week.",
    },
  ),
})

export const RecomputeQuery = Type.Object(
  {
    pageSize: Type.Optional(
      Type.Integer({
        minimum: 100,
        maximum: 100_000,
        default: 10_000,
        description: 'Subjects per transaction.',
      }),
    ),
  },
  { additionalProperties: false },
)

export const RecomputeResult = Type.Object({
  model: ClvModel,
  customers: Type.Integer({ description: 'Customers the models were fitted on.' }),
  permitted: Type.Integer({ description: 'Subjects the profiling purpose may use (consent, no objection).' }),
  scored: Type.Integer({ description: 'Subjects with scores now.' }),
  excluded: Type.Integer({
    description: 'Customers without scores: no consent to profiling, consent withdrawn, or objected.',
  }),
  permittedWithoutPurchases: Type.Integer({ description: 'Permitted subjects without a counted purchase.' }),
  removed: Type.Integer({ description: 'Subjects whose earlier scores were removed.' }),
  churnEvents: Type.Integer({ description: 'Customers who moved into the high churn-risk band.' }),
  durationMs: Type.Integer(),
})
