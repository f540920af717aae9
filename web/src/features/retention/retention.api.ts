import { type QueryClient, queryOptions } from '@tanstack/react-query'
import {
  PURPOSE_NARROWED_KINDS,
  RECORD_DATES,
  RETENTION_CONDITION_KEYS,
  RETENTION_CONDITIONS,
  RETENTION_RECORD_KINDS,
  START_EVENT_CLOCKS,
  START_EVENTS,
} from '../../../../src/privacy/retention/retention-rule'
import { api, isProblem } from '../../app/api'

// The server's closed sets (a plain-data module): the form offers exactly what a rule accepts.
export {
  PURPOSE_NARROWED_KINDS,
  RETENTION_CONDITION_KEYS,
  RETENTION_CONDITIONS,
  RETENTION_RECORD_KINDS,
  START_EVENTS,
}

type Texts = { de: string; en: string }

/** Which rows a rule covers (GET /api/v1/retention-rules). */
export interface RetentionCoverage {
  recordKind: string | null
  purposeKey: string | null
  subjectKind: string | null
  condition: string | null
}

/** A deletion class of the deletion concept (GET /api/v1/retention-rules). */
export interface RetentionRule {
  key: string
  name: Texts
  covers: RetentionCoverage
  period: string
  startEvent: string
  legalMinimum: { period: string; law: string } | null
  transition: { previousPeriod: string; cutover: string; rule: Texts } | null
  rule: Texts
  builtin: boolean
  version: number
  createdAt: string
  updatedAt: string
}

/** What the form sends: the editable properties (PATCH replaces each whole). */
export interface RetentionRuleInput {
  name: Texts
  covers: RetentionCoverage
  period: string
  startEvent: string
  rule: Texts
}

export const retentionKeys = {
  rules: () => ['retention-rules'] as const,
}

const noRetryOnRefusal = (failures: number, error: unknown) =>
  failures < 2 && !(isProblem(error) && error.status < 500)

export function retentionRulesQueryOptions() {
  return queryOptions({
    queryKey: retentionKeys.rules(),
    queryFn: async ({ signal }) =>
      (await api.get<{ items: RetentionRule[] }>('/api/v1/retention-rules', {}, signal)).items,
    staleTime: 60_000,
    retry: noRetryOnRefusal,
  })
}

/** PATCH /api/v1/retention-rules/{key}: a new version, audited; refused below a legal minimum. */
export function updateRetentionRule(key: string, input: RetentionRuleInput): Promise<RetentionRule> {
  return api.patch<RetentionRule>(`/api/v1/retention-rules/${encodeURIComponent(key)}`, input)
}

/** POST /api/v1/retention-rules: a rule of the DPO's own (version 1, audited). */
export function createRetentionRule(key: string, input: RetentionRuleInput): Promise<RetentionRule> {
  return api.post<RetentionRule>('/api/v1/retention-rules', { key, ...input })
}

export function invalidateRetentionRules(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({ queryKey: retentionKeys.rules() })
}

/** Where the generated deletion concept is downloaded (same origin; the session cookie goes along). */
export const documentUrl = (lang: 'de' | 'en', format: 'html' | 'pdf') =>
  `/api/v1/retention-rules/document?lang=${lang}&format=${format}`

/** The start events a record kind records a date for (all of them for a kind Tresor doesn't store). */
export function startEventsFor(recordKind: string | null): string[] {
  if (recordKind === null) return [...START_EVENTS]
  const dates = (RECORD_DATES as Record<string, Record<string, unknown>>)[recordKind]
  if (!dates) return [...START_EVENTS]
  return START_EVENTS.filter((event) => dates[START_EVENT_CLOCKS[event].date] !== undefined)
}

/** The conditions that apply to a record kind. */
export const conditionsFor = (recordKind: string | null): string[] =>
  RETENTION_CONDITION_KEYS.filter((c) => RETENTION_CONDITIONS[c] === recordKind)

/** The inputs of the rule form; a server error (`covers.purposeKey`, `name.de`) is shown at its input. */
export const RULE_INPUTS = [
  'key',
  'name.de',
  'name.en',
  'recordKind',
  'purposeKey',
  'subjectKind',
  'condition',
  'period',
  'startEvent',
  'rule.de',
  'rule.en',
] as const
export type RuleInput = (typeof RULE_INPUTS)[number]

/** The input a field error of the server names; undefined for anything else. */
export function ruleInputOf(path: string): RuleInput | undefined {
  if (path === 'covers') return 'recordKind'
  const field = path.startsWith('covers.') ? path.slice('covers.'.length) : path
  if (field === 'name' || field === 'rule') return `${field}.de`
  return RULE_INPUTS.find((input) => input === field)
}

/** A period as amount and unit for the form (`P8Y` → 8 years); null when it mixes months and days. */
export type PeriodUnit = 'Y' | 'M' | 'W' | 'D'
export function splitPeriod(iso: string): { amount: number; unit: PeriodUnit } | null {
  const match = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/.exec(iso)
  if (!match) return null
  const [y, m, w, d] = match.slice(1).map((v) => (v === undefined ? 0 : Number(v))) as [
    number,
    number,
    number,
    number,
  ]
  if ((y || m) && (w || d)) return null
  if (y && !m) return { amount: y, unit: 'Y' }
  if (y || m) return { amount: y * 12 + m, unit: 'M' }
  if (w && !d) return { amount: w, unit: 'W' }
  return { amount: w * 7 + d, unit: 'D' }
}
