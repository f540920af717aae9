/**
 * The words of a segment definition: limits and closed sets. Plain data with no imports, so the web
 * UI's rule builder offers exactly what the server accepts.
 */

/** Groups nest at most this deep (the root group is level 1): the schema and the SQL stay bounded. */
export const MAX_DEPTH = 4
/** Conditions and groups in one definition, all levels together. */
export const MAX_NODES = 60
/** Conditions in one group. */
export const MAX_GROUP_SIZE = 20
/** The longest time window a behaviour or order condition may look back (ten years). */
export const MAX_WINDOW_DAYS = 3_660

/** Numeric comparison of a condition: at least (`gte`) or at most (`lte`) the value. */
export const COMPARISONS = ['gte', 'lte'] as const
export type Comparison = (typeof COMPARISONS)[number]

/** What an order condition measures: how many orders, their sum, days since the last one. */
export const ORDER_MEASURES = ['count', 'amount', 'recency'] as const
export type OrderMeasure = (typeof ORDER_MEASURES)[number]

/** Numeric scores of privacy/scores a segment may compare (only subjects that have them match). */
export const SCORE_MEASURES = ['clv', 'pAlive', 'rfmRecency', 'rfmFrequency', 'rfmMonetary'] as const
export type ScoreMeasure = (typeof SCORE_MEASURES)[number]

/** Bands of privacy/scores: the churn-risk band of the CLV score, the ABC class of the RFM score. */
export const SCORE_BANDS = { churnRisk: ['high', 'medium', 'low'], abc: ['A', 'B', 'C'] } as const
export type ScoreBand = keyof typeof SCORE_BANDS
