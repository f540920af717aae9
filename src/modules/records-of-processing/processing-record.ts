import { createHash } from 'node:crypto'
import type { FieldCategory } from '../../privacy/fields/field-catalog.ts'
import type { Purpose } from '../../privacy/purposes/purpose.ts'
import type { RetentionRule } from '../../privacy/retention/retention-rule.ts'
import { SUBJECT_KINDS, type SubjectKind } from '../../privacy/subjects/subject-kinds.ts'
import type { RecordRecipient } from './recipients-source.ts'
import type { TechnicalMeasure } from './technical-measures.ts'

/**
 * The record of processing activities (Art. 30(1) GDPR) as data: generated from Tresor's own
 * configuration — the settings (controller, DPO), the purpose registry, the field catalog, the
 * recipients, the retention rules and the measures Tresor implements — never typed. Language-neutral
 * (texts carry both languages), so one canonical JSON of it is what a version stores and hashes, and
 * what the changes since the last version are computed from.
 */

type Texts = { de: string; en: string }

/** One purpose as the record lists it (Art. 30(1)(b)-(c), (f)). */
export interface RecordPurpose {
  key: string
  name: Texts
  description: Texts
  legalBasis: string
  art9Basis: string | null
  channels: string[]
  profiling: boolean
  directMarketing: boolean
  /** The kinds of people it reaches; empty: every kind. */
  subjectKinds: string[]
  fieldCategories: string[]
  roles: string[]
  /** The purpose's own retention (the rule text), and the deletion classes narrowed to it. */
  retention: { period: string | null; rule: Texts }
  version: number
}

/** One field of the catalog in the record (Art. 30(1)(c)). */
export interface RecordField {
  key: string
  label: Texts
  identifier: boolean
  /** Art. 9(1): the special category, or null. */
  special: string | null
}

/** A deletion class of the deletion concept (Art. 30(1)(f)). */
export interface RecordErasureLimit {
  key: string
  name: Texts
  recordKind: string | null
  purposeKey: string | null
  subjectKind: string | null
  period: string
  startEvent: string
  legalMinimum: { period: string; law: string } | null
}

/** The record. Arrays are sorted by key, so equal configurations give equal JSON. */
export interface ProcessingRecord {
  controller: { name: string | null; address: string | null; email: string | null }
  dpo: { name: string | null; email: string | null; address: string | null }
  purposes: RecordPurpose[]
  subjectCategories: { key: string; purposes: string[] }[]
  dataCategories: { key: string; fields: RecordField[]; purposes: string[] }[]
  recipients: RecordRecipient[]
  erasureLimits: RecordErasureLimit[]
  measures: TechnicalMeasure[]
}

/** The configuration the record is generated from. */
export interface RecordSources {
  controller: ProcessingRecord['controller']
  dpo: ProcessingRecord['dpo']
  purposes: readonly Purpose[]
  fields: readonly {
    key: string
    label: Texts
    category: FieldCategory
    identifier: boolean
    special: string | null
  }[]
  /** The record fields (touchpoints, orders, ...) and their categories. */
  recordFields: readonly { key: string; category: FieldCategory }[]
  recipients: readonly RecordRecipient[]
  retentionRules: readonly RetentionRule[]
  measures: readonly TechnicalMeasure[]
}

const byKey = <T extends { key: string }>(a: T, b: T) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
const sorted = (values: readonly string[]) => [...new Set(values)].sort()

/** The record from its sources. Pure. */
export function buildProcessingRecord(sources: RecordSources): ProcessingRecord {
  const purposes: RecordPurpose[] = sources.purposes
    .map((p) => ({
      key: p.key,
      name: { de: p.name.de, en: p.name.en },
      description: { de: p.description.de, en: p.description.en },
      legalBasis: p.legalBasis,
      art9Basis: p.art9Basis,
      channels: sorted(p.channels),
      profiling: p.profiling,
      directMarketing: p.directMarketing,
      subjectKinds: sorted(p.scope.subjectKinds),
      fieldCategories: sorted(p.scope.fieldCategories),
      roles: sorted(p.scope.roles),
      retention: { period: p.retention.period, rule: { de: p.retention.rule.de, en: p.retention.rule.en } },
      version: p.version,
    }))
    .sort(byKey)
  // Art. 30(1)(c): a kind of person is processed under every purpose that reaches it (empty: all).
  const subjectCategories = SUBJECT_KINDS.map((kind: SubjectKind) => ({
    key: kind,
    purposes: purposes
      .filter((p) => p.subjectKinds.length === 0 || p.subjectKinds.includes(kind))
      .map((p) => p.key),
  })).filter((c) => c.purposes.length > 0)
  const categories = new Map<string, RecordField[]>()
  for (const f of sources.fields) {
    const list = categories.get(f.category) ?? []
    list.push({
      key: f.key,
      label: { de: f.label.de, en: f.label.en },
      identifier: f.identifier,
      special: f.special,
    })
    categories.set(f.category, list)
  }
  for (const f of sources.recordFields) {
    const list = categories.get(f.category) ?? []
    if (!list.some((x) => x.key === f.key))
      list.push({ key: f.key, label: { de: f.key, en: f.key }, identifier: false, special: null })
    categories.set(f.category, list)
  }
  const dataCategories = [...categories.entries()]
    .map(([key, fields]) => ({
      key,
      fields: fields.sort(byKey),
      purposes: purposes.filter((p) => p.fieldCategories.includes(key)).map((p) => p.key),
    }))
    .sort(byKey)
  return {
    controller: { ...sources.controller },
    dpo: { ...sources.dpo },
    purposes,
    subjectCategories,
    dataCategories,
    recipients: sources.recipients
      .map((r) => ({ ...r, purposes: sorted(r.purposes), fieldCategories: sorted(r.fieldCategories) }))
      .sort(byKey),
    erasureLimits: sources.retentionRules
      .map((r) => ({
        key: r.key,
        name: { de: r.name.de, en: r.name.en },
        recordKind: r.covers.recordKind,
        purposeKey: r.covers.purposeKey,
        subjectKind: r.covers.subjectKind,
        period: r.period,
        startEvent: r.startEvent,
        legalMinimum: r.legalMinimum ? { period: r.legalMinimum.period, law: r.legalMinimum.law } : null,
      }))
      .sort(byKey),
    measures: [...sources.measures].map((m) => ({ ...m })).sort(byKey),
  }
}

/** JSON with object keys sorted at every level and no whitespace: equal records, equal bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')

/** The record's sections that are lists of keyed entries. */
export const RECORD_SECTIONS = [
  'purposes',
  'subjectCategories',
  'dataCategories',
  'recipients',
  'erasureLimits',
  'measures',
] as const
export type RecordSection = (typeof RECORD_SECTIONS)[number] | 'controller' | 'dpo'

/** One change between two versions: an entry added, removed, or changed (with the properties). */
export interface RecordChange {
  section: RecordSection
  /** The entry's key (a purpose key, a category, ...); for controller and DPO the property. */
  key: string
  change: 'added' | 'removed' | 'changed'
  /** The properties that differ, for `changed`. */
  properties: string[]
}

/** What changed from `before` to `after`, section by section, entries by key. Pure. */
export function diffProcessingRecords(before: ProcessingRecord, after: ProcessingRecord): RecordChange[] {
  const changes: RecordChange[] = []
  for (const section of ['controller', 'dpo'] as const) {
    const a = before[section] as Record<string, unknown>
    const b = after[section] as Record<string, unknown>
    for (const key of sorted([...Object.keys(a), ...Object.keys(b)]))
      if (canonicalJson(a[key]) !== canonicalJson(b[key]))
        changes.push({ section, key, change: 'changed', properties: [key] })
  }
  for (const section of RECORD_SECTIONS) {
    const a = new Map((before[section] ?? []).map((e) => [e.key, e as unknown as Record<string, unknown>]))
    const b = new Map((after[section] ?? []).map((e) => [e.key, e as unknown as Record<string, unknown>]))
    for (const key of sorted([...a.keys(), ...b.keys()])) {
      const x = a.get(key)
      const y = b.get(key)
      if (!x) changes.push({ section, key, change: 'added', properties: [] })
      else if (!y) changes.push({ section, key, change: 'removed', properties: [] })
      else {
        const properties = sorted([...Object.keys(x), ...Object.keys(y)]).filter(
          (p) => canonicalJson(x[p]) !== canonicalJson(y[p]),
        )
        if (properties.length > 0) changes.push({ section, key, change: 'changed', properties })
      }
    }
  }
  return changes
}
