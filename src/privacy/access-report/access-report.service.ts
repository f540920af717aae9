import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { ProblemError } from '../../platform/problem.ts'
import type { AuditHistoryRow } from '../audit/audit.repository.ts'
import type { AuditWriter } from '../audit/audit-record.ts'
import { IDENTIFIER_FIELDS, type PersonalField } from '../fields/field-catalog.ts'
import type { GateActor, GatedSubject, UseRequest, UseResult } from '../gate/gate.service.ts'
import { RECORD_KINDS, type RecordKind } from '../records/record-kinds.ts'
import type { ExplainedScore } from '../scores/score-store.ts'
import type { AccessReportRepository, ReportRow } from './access-report.repository.ts'

/** The purpose every read for an answer to a data subject request is made and audited under (Art. 6(1)(c), 12, 15). */
export const DSR_PURPOSE = 'dsr_fulfilment'

/** At most this many rows per section (the processing log is the long one); the section says when it was cut. */
export const SECTION_LIMIT = 5_000

/** One section of the report: a registered kind with its title, columns and the subject's rows. */
export interface CollectedSection {
  table: string
  title: { de: string; en: string }
  columns: string[]
  /** The field of the catalog the kind is (for the categories, purposes and retention of the section). */
  field: string
  /** The column the kind's retention clock starts from, or the kind it follows. */
  retention: string | { with: string }
  rows: ReportRow[]
  /** More rows exist than shown (the limit). */
  truncated: boolean
  /** Art. 15(4): rows withheld because the rights of others forbid showing them, and why. */
  withheld?: { count: number; reason: string }
}

/** Everything held about one subject, read for an access report. */
export interface CollectedData {
  subject: GatedSubject
  /** Fields the gate withheld (with the rule), shown as withheld. */
  withheldFields: { field: string; rule: string }[]
  sections: CollectedSection[]
  /** The kinds not shown and why (digests, lookup keys). */
  omitted: { table: string; why: string }[]
  scores: ExplainedScore[]
  collectedAt: Date
}

/** What the reader needs of the kernel's other parts. */
export interface AccessReportPorts {
  db: Kysely<Schema>
  repository: AccessReportRepository
  gate: { use(request: UseRequest): Promise<UseResult> }
  vault: { open(subjectId: string, sealed: Uint8Array, aad: string): Promise<Buffer | null> }
  audit: AuditWriter
  /** The subject's records of the audit trail, newest first (AuditRepository.history). */
  history(subjectId: string, beforeSeq: number | undefined, limit: number): Promise<AuditHistoryRow[]>
  fields: { attributes(): string[] }
  scores: { explainedFor(subjectId: string): Promise<ExplainedScore[]> }
  clock?: () => Date
  /** PostgreSQL: the sections are read side by side; PGlite is one session. */
  concurrentReads: boolean
}

/**
 * Reads everything Tresor holds about one subject for the access report (Art. 15(1), (3)): the
 * identifiers and attributes through the gate under `dsr_fulfilment` (role, purpose, audit), then
 * every kind of the registry with a report section (`record-kinds.ts`) — its registered columns,
 * sealed ones opened under the subject's key — and the scores with their explanation. One audit
 * record names the kinds read. Staff notes can be withheld (Art. 15(4)); the section says so.
 */
export class AccessReportService {
  readonly #p: AccessReportPorts
  readonly #clock: () => Date
  constructor(ports: AccessReportPorts) {
    this.#p = ports
    this.#clock = ports.clock ?? (() => new Date())
  }

  async collect(request: {
    actor: GateActor
    subjectId: string
    requestId?: string | undefined
    /** Art. 15(4): staff notes withheld — all, or these ids. */
    withheldNotes?: 'all' | readonly string[] | undefined
    reason?: string | undefined
  }): Promise<CollectedData> {
    const fields = [...IDENTIFIER_FIELDS, ...this.#p.fields.attributes()] as PersonalField[]
    const used = await this.#p.gate.use({
      actor: request.actor,
      purpose: DSR_PURPOSE,
      subjectIds: [request.subjectId],
      fields,
      ...(request.requestId ? { requestId: request.requestId } : {}),
      reason: request.reason ?? 'access report (Art. 15)',
    })
    const subject = used.subjects[0]
    if (!subject) {
      const denial = used.denied[0]
      if (!denial || denial.rule === 'unknown-subject')
        throw new ProblemError('not-found', 'there is no such subject')
      throw new ProblemError(
        'conflict',
        `the subject's data can't be read for an answer: ${denial.rule} (${denial.reason})`,
      )
    }
    const id = subject.id
    // The subject's own section is the gate's read above.
    const kinds = (RECORD_KINDS as readonly RecordKind[]).filter(
      (k) => 'title' in k.report && k.table !== 'subject',
    ) as unknown as SectionedKind[]
    const read = (kind: (typeof kinds)[number]) => this.#section(kind, id, request.withheldNotes)
    const sections: CollectedSection[] = []
    let scores: ExplainedScore[]
    if (this.#p.concurrentReads) {
      const [read_, explained] = await Promise.all([
        Promise.all(kinds.map(read)),
        this.#p.scores.explainedFor(id),
      ])
      sections.push(...read_)
      scores = explained
    } else {
      for (const kind of kinds) sections.push(await read(kind))
      scores = await this.#p.scores.explainedFor(id)
    }
    await this.#p.audit.append([
      {
        actor: request.actor,
        action: 'read',
        subjectIds: [id],
        purpose: DSR_PURPOSE,
        legalBasis: 'legal_obligation',
        fields: [...new Set(kinds.map((k) => k.table))],
        ...(request.requestId ? { requestId: request.requestId } : {}),
        reason: `access report (Art. 15): every registered record kind read${request.withheldNotes ? '; staff notes withheld (Art. 15(4))' : ''}`,
      },
    ])
    return {
      subject,
      withheldFields: used.deniedFields.map((d) => ({ field: d.field, rule: d.rule })),
      sections,
      omitted: RECORD_KINDS.flatMap((k) =>
        'omitted' in k.report ? [{ table: k.table, why: k.report.omitted }] : [],
      ),
      scores,
      collectedAt: this.#clock(),
    }
  }

  async #section(
    kind: SectionedKind,
    subjectId: string,
    withheldNotes: 'all' | readonly string[] | undefined,
  ): Promise<CollectedSection> {
    const base = {
      table: kind.table,
      title: kind.report.title,
      columns: [...kind.report.columns],
      field: kind.field,
      retention: kind.retention,
    }
    if (kind.table === 'audit_event') {
      const rows = await this.#p.history(subjectId, undefined, SECTION_LIMIT + 1)
      return {
        ...base,
        rows: rows.slice(0, SECTION_LIMIT).map((r) => pick(r as unknown as ReportRow, base.columns)),
        truncated: rows.length > SECTION_LIMIT,
      }
    }
    // Read beside the shown columns, dropped after: the order's id puts its lines in it, a note's id
    // lets staff withhold it (Art. 15(4)), and a sealed column's AAD may be derived from another.
    const extra = new Set<string>()
    if (kind.table === 'customer_order' || kind.table === 'subject_note') extra.add('id')
    for (const sealed of kind.sealed)
      if (base.columns.includes(sealed.column) && typeof sealed.aad !== 'string') extra.add(sealed.aad.of)
    for (const c of base.columns) extra.delete(c)
    const orderBy = typeof kind.retention === 'string' ? kind.retention : undefined
    const rows = await this.#p.repository.rows(
      kind.table,
      [...extra, ...base.columns],
      subjectId,
      orderBy,
      SECTION_LIMIT + 1,
    )
    const truncated = rows.length > SECTION_LIMIT
    let shown = rows.slice(0, SECTION_LIMIT)
    for (const sealed of kind.sealed) {
      if (!base.columns.includes(sealed.column)) continue
      for (const row of shown) {
        const value = row[sealed.column]
        if (!(value instanceof Uint8Array)) continue
        const aad = typeof sealed.aad === 'string' ? sealed.aad : sealed.aad.aad(String(row[sealed.aad.of]))
        const plain = await this.#p.vault.open(subjectId, value, aad)
        row[sealed.column] = plain === null ? null : plain.toString('utf8')
      }
    }
    let withheld: CollectedSection['withheld']
    if (kind.table === 'subject_note' && withheldNotes) {
      const keep = shown.filter((r) => withheldNotes !== 'all' && !withheldNotes.includes(String(r.id)))
      withheld = {
        count: shown.length - keep.length,
        reason: 'Art. 15(4) GDPR: showing them would adversely affect the rights and freedoms of others',
      }
      shown = keep
    }
    if (kind.table === 'customer_order') {
      const lines = await this.#p.repository.orderLines(subjectId)
      for (const row of shown)
        row.lines = lines.filter((l) => l.order_id === row.id).map(({ order_id: _, ...line }) => line)
    }
    for (const row of shown) for (const c of extra) delete row[c]
    return { ...base, rows: shown, truncated, ...(withheld ? { withheld } : {}) }
  }
}

/** A registered kind with a section of its own, as the reader uses it (table and columns as strings). */
interface SectionedKind {
  table: string
  field: string
  retention: string | { with: string }
  sealed: readonly { column: string; aad: string | { of: string; aad: (value: string) => string } }[]
  report: { title: { de: string; en: string }; columns: readonly string[] }
}

function pick(row: ReportRow, columns: readonly string[]): ReportRow {
  const out: ReportRow = {}
  for (const c of columns) out[c] = row[c]
  return out
}
