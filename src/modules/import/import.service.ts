import { createHash, randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { invalidField, ProblemError } from '../../platform/problem.ts'
import { isUuid } from '../../platform/uuid.ts'
import type { IdentifierField } from '../../privacy/fields/field-catalog.ts'
import type { Gate, NewSubject } from '../../privacy/gate/gate.service.ts'
import type { RequestContext } from '../../privacy/gate/request-context.ts'
import type { PermissionService } from '../../privacy/permissions/permission.service.ts'
import type { Purpose } from '../../privacy/purposes/purpose.ts'
import type { NewOrderRecord, RecordGate } from '../../privacy/records/record-gate.ts'
import { SUBJECT_KINDS } from '../../privacy/subjects/subject-kinds.ts'
import type { EventService } from '../journey/event.service.ts'
import type { ProductRepository } from '../orders/product.repository.ts'
import {
  type OpenTableOptions,
  openTable,
  type TableInput,
  type TableRow,
  type TableSource,
} from '../spreadsheets/read-table.ts'
import { writeCsv } from '../spreadsheets/write-table.ts'
import { CDNOW_COLUMNS, cdnowRows } from './cdnow.ts'
import type { ImportBatchRow, ImportBatchSummaryRow, ImportRepository } from './import.repository.ts'
import type {
  ImportResult as ImportResultJson,
  ImportSummary as ImportSummaryJson,
} from './import.schemas.ts'
import {
  FIELDS_OF,
  type ImportKind,
  mapColumns,
  normaliseHeader,
  parseAmountCents,
  parseAttributeCell,
  parseDate,
  parseDateTime,
} from './import-fields.ts'

/** Rows per transaction: large enough for set-based writes, small enough that a failure loses little. */
const BATCH = 1_000
/** Batches of people written at once (each its own transaction and connection). */
const WRITES_IN_FLIGHT = 2
/** Problems kept in a report; the counts go on beyond it. */
const MAX_PROBLEMS = 10_000

export interface ImportProblem {
  row: number
  column?: string
  reason: string
}

/** Where imported subjects come from and what they agreed to: required for subjects (Art. 5(2), 7(1), 14). */
/**
 * Something the import did that the user didn't ask for but should know (the rows were imported):
 * `default-kind`, the file had no column for the kind of contact and every person got the default.
 */
export interface ImportWarning {
  code: 'default-kind'
  message: string
  /** `default-kind`: the kinds every person got. */
  kinds?: string[]
}

export interface ImportProvenance {
  /** Where the data was collected, e.g. `trade-fair-2026`, `webshop`, `crm-migration`. */
  source: string
  /** The purpose the people's data is collected for (a key of the purpose registry). */
  purpose: string
  /** For a consent purpose: where the proof of the consents is kept (e.g. the form archive). */
  consentReference?: string | undefined
  /** For a consent purpose: the version of the consent text the people agreed to. */
  textVersion?: string | undefined
  /** For a double-opt-in purpose: the addresses confirmed their consent (the proof shows it). */
  doiConfirmed?: boolean | undefined
}

export interface ImportRequest {
  kind: ImportKind
  /** Field ← column header; fields not named are found by their usual header names. */
  mapping?: Readonly<Record<string, string>> | undefined
  provenance?: ImportProvenance | undefined
  /** Kinds of the imported subjects when the file has no kinds column (default customer). */
  subjectKinds?: readonly string[] | undefined
  table?: OpenTableOptions | undefined
  /** `cdnow`: the CDNOW purchase file, as orders of synthetic customers (created as needed). */
  preset?: 'cdnow' | undefined
  onProgress?: ((rows: number) => void) | undefined
}

export interface ImportReport {
  id: string
  kind: ImportKind
  status: 'done' | 'failed'
  rows: number
  imported: number
  skipped: number
  rejected: number
  problems: ImportProblem[]
  problemsTruncated: boolean
  ignoredColumns: string[]
  warnings: ImportWarning[]
  source: Partial<TableSource>
  error?: string
}

const COUNTRY_NAMES: Readonly<Record<string, string>> = {
  deutschland: 'DE',
  germany: 'DE',
  österreich: 'AT',
  austria: 'AT',
  schweiz: 'CH',
  switzerland: 'CH',
  frankreich: 'FR',
  niederlande: 'NL',
}
/** The kinds of imported people when neither the file nor the request names one (reported as a warning). */
const DEFAULT_SUBJECT_KINDS: readonly string[] = ['customer']
const KIND_NAMES: Readonly<Record<string, string>> = {
  kunde: 'customer',
  interessent: 'lead',
  geschäftskontakt: 'b2b_contact',
  bewerber: 'applicant',
  mitarbeiter: 'employee',
  lieferant: 'supplier_contact',
}
const GENDERS: Readonly<Record<string, string>> = {
  w: 'female',
  weiblich: 'female',
  female: 'female',
  f: 'female',
  m: 'male',
  männlich: 'male',
  maennlich: 'male',
  male: 'male',
  d: 'diverse',
  divers: 'diverse',
  diverse: 'diverse',
}
const AGE_BANDS = ['18-24', '25-34', '35-44', '45-54', '55-64', '65+']

type Identifiers = Partial<Record<IdentifierField, string>>

/** What the import needs of the field catalog: the attributes, their types and their checks. */
export interface ImportFieldCatalog {
  attributes(): string[]
  get(key: string):
    | {
        label?: { de: string; en: string }
        dataType?: 'text' | 'number' | 'boolean' | 'date' | 'enum' | 'multi_enum'
        options?: string[]
        specialCategory?: unknown
        purposes?: string[]
      }
    | undefined
  valueProblem(key: string, value: unknown): string | undefined
}

/** Attributes the subject import reads from columns of its own (country, region, gender, age band). */
const BUILT_IN_ATTRIBUTES = new Set(['country', 'region', 'gender', 'ageBand'])
type SubjectCandidate = NewSubject & { identifiers: Identifiers; row: number; email?: string; phone?: string }

/**
 * Imports subjects, touchpoints and orders from CSV/XLSX files (and the CDNOW data set): every
 * row is checked on its own, good rows are written in batches through the gates (one transaction
 * per batch: a row is stored whole or not at all), bad rows are reported with row number, column
 * and reason. Re-running a file is idempotent: people are recognised by e-mail or phone (blind
 * index), touchpoints by an id derived from the row, orders by their number.
 */
export class ImportService {
  readonly #gate: Gate
  readonly #records: RecordGate
  readonly #events: EventService
  readonly #permissions: PermissionService
  readonly #purposes: { get(key: string): Promise<Purpose> }
  readonly #products: ProductRepository
  readonly #fields: ImportFieldCatalog
  readonly #repo: ImportRepository
  readonly #clock: () => Date
  constructor(deps: {
    gate: Gate
    records: RecordGate
    events: EventService
    permissions: PermissionService
    purposes: { get(key: string): Promise<Purpose> }
    products: ProductRepository
    fields: ImportFieldCatalog
    repository: ImportRepository
    clock?: () => Date
  }) {
    this.#fields = deps.fields
    this.#gate = deps.gate
    this.#records = deps.records
    this.#events = deps.events
    this.#permissions = deps.permissions
    this.#purposes = deps.purposes
    this.#products = deps.products
    this.#repo = deps.repository
    this.#clock = deps.clock ?? (() => new Date())
  }

  async run(ctx: RequestContext, input: TableInput, request: ImportRequest): Promise<ImportReport> {
    const purpose = await this.#checkProvenance(request)
    const id = randomUUID()
    const report: ImportReport = {
      id,
      kind: request.kind,
      status: 'done',
      rows: 0,
      imported: 0,
      skipped: 0,
      rejected: 0,
      problems: [],
      problemsTruncated: false,
      ignoredColumns: [],
      warnings: [],
      source: {},
    }
    const reject = (problem: ImportProblem) => {
      report.rejected++
      if (report.problems.length < MAX_PROBLEMS) report.problems.push(problem)
      else report.problemsTruncated = true
    }

    let rows: AsyncIterable<TableRow>
    let columns: Record<string, string> = {}
    let unmapped: string[] = []
    let close = async () => {}
    if (request.preset === 'cdnow') {
      if (request.kind !== 'orders') throw invalidField('query', 'preset', 'cdnow is a file of orders')
      rows = cdnowRows(input)
      columns = { ...CDNOW_COLUMNS }
      report.source = { format: 'csv', headers: ['customer_id', 'date', 'number_of_cds', 'dollar_value'] }
    } else {
      const table = await openTable(input, request.table ?? {}).catch((error: unknown) => {
        if (error instanceof Error && error.name === 'TableFormatError')
          throw invalidField('body', 'file', error.message)
        throw error
      })
      close = () => table.close()
      rows = table.rows
      report.source = table.source
      const mapped = mapColumns(
        request.kind,
        table.source.headers,
        request.mapping ?? {},
        request.kind === 'subjects' ? this.#attributeAliases() : {},
      )
      if (mapped.problems.length > 0) {
        await table.close()
        throw new ProblemError(
          'validation',
          `the column mapping does not fit the file: ${mapped.problems.join('; ')}`,
          {
            errors: mapped.problems.map((reason) => ({ in: 'query', field: 'mapping', reason })),
          },
        )
      }
      columns = mapped.columns
      unmapped = mapped.unmapped
      try {
        this.#requireColumns(request.kind, columns)
        if (request.kind === 'subjects') this.#checkSpecialCategories(columns, purpose as Purpose)
      } catch (error) {
        await table.close()
        throw error
      }
      // Touchpoints keep the other columns as their properties; other kinds ignore them (reported).
      report.ignoredColumns = request.kind === 'events' ? [] : unmapped
      if (request.kind === 'subjects' && columns.kinds === undefined && request.subjectKinds === undefined)
        report.warnings.push({
          code: 'default-kind',
          message: `the file has no column for the kind of contact: every person was imported as ${DEFAULT_SUBJECT_KINDS.join(', ')}`,
          kinds: [...DEFAULT_SUBJECT_KINDS],
        })
    }

    // Held by this process while it runs: if the process dies, the next start marks it interrupted.
    const held = await this.#repo.hold(id)
    try {
      await this.#repo.start({
        id,
        kind: request.kind,
        actorType: ctx.actor.type,
        actorId: ctx.actor.id,
        source: request.provenance?.source ?? null,
        purposeKey: purpose?.key ?? null,
        consentReference: request.provenance?.consentReference ?? null,
        format: { ...report.source, preset: request.preset ?? null },
        startedAt: this.#clock(),
      })
    } catch (error) {
      await held.release()
      await close()
      throw error
    }
    const context: BatchContext = {
      ctx,
      request,
      report,
      reject,
      columns,
      unmapped,
      purpose,
      id,
      seen: new Set(),
      attributeColumns:
        request.kind === 'subjects' ? Object.keys(columns).filter((f) => this.#isCatalogAttribute(f)) : [],
    }
    // People: while batches are written (a transaction each, up to WRITES_IN_FLIGHT at once, on
    // their own connections), the next one is read, checked and looked up, so the database and this
    // process work at the same time. A batch's de-duplication sees every earlier batch's people
    // (`seen`), stored or not yet.
    const writing: Promise<void>[] = []
    try {
      let batch: TableRow[] = []
      const flush = async () => {
        if (batch.length === 0) return
        const rowsOfBatch = batch
        batch = []
        const progress = () => request.onProgress?.(new Set(rowsOfBatch.map((r) => r.rowNumber)).size)
        if (request.kind === 'subjects') {
          const fresh = await this.#prepareSubjects(context, rowsOfBatch)
          if (writing.length >= WRITES_IN_FLIGHT) await writing.shift()
          const write = this.#writeSubjects(context, fresh).then(progress)
          // handled here so a failure while the next batch is read is no unhandled rejection; a
          // later flush (or the end) awaits it and stops the import with it
          write.catch(() => {})
          writing.push(write)
          return
        }
        if (request.kind === 'events') await this.#eventsBatch(context, rowsOfBatch)
        else await this.#ordersBatch(context, rowsOfBatch)
        progress()
      }
      let lastRow = 0
      for await (const row of rows) {
        // A CDNOW purchase may come as two lines of one order: a row of the file is counted once.
        if (row.rowNumber !== lastRow) report.rows++
        lastRow = row.rowNumber
        if (row.problem) {
          reject({ row: row.rowNumber, reason: row.problem })
          continue
        }
        // An order's lines stay in one batch: the batch ends only between two orders.
        if (
          batch.length >= BATCH &&
          !(
            request.kind === 'orders' &&
            orderKey(row, columns) === orderKey(batch.at(-1) as TableRow, columns)
          )
        )
          await flush()
        batch.push(row)
      }
      await flush()
      for (const write of writing.splice(0)) await write
    } catch (error) {
      // writes still running must end before the report is final
      await Promise.allSettled(writing)
      report.status = 'failed'
      // A problem of the request (a role without a field category, ...) is the caller's to see.
      report.error =
        error instanceof ProblemError
          ? (error.detail ?? error.message)
          : error instanceof Error && error.name === 'TableFormatError'
            ? error.message
            : 'the import stopped on an internal error; the rows of the batches before it are stored, run the file again to go on (stored rows are recognised)'
      if (!(error instanceof ProblemError) && !(error instanceof Error && error.name === 'TableFormatError'))
        throw error
    } finally {
      await close()
      // In file order (duplicates within the file are found after the row checks of their batch).
      report.problems.sort((a, b) => a.row - b.row)
      try {
        await this.#repo.finish(id, {
          status: report.status,
          rows: report.rows,
          imported: report.imported,
          skipped: report.skipped,
          rejected: report.rejected,
          problems: report.problems,
          problemsTruncated: report.problemsTruncated,
          error: report.error ?? null,
          finishedAt: this.#clock(),
        })
      } finally {
        await held.release()
      }
    }
    return report
  }

  /**
   * At start-up: imports a process left `running` when it ended mid-way (killed, crashed, the
   * machine restarted) and no live process holds become `interrupted`. Their files can be run again
   * to complete them: what their finished batches stored is recognised. Returns how many.
   */
  markInterrupted(): Promise<number> {
    return this.#repo.markInterrupted(
      'the import stopped before its end (its process ended); the rows of the batches before are stored: run the same file again to complete it (stored rows are recognised)',
    )
  }

  async get(id: string): Promise<ImportBatchRow> {
    const row = await this.#repo.find(id)
    if (!row) throw new ProblemError('not-found', 'no import with this id')
    return row
  }

  list(limit = 50): Promise<ImportBatchSummaryRow[]> {
    return this.#repo.list(limit)
  }

  /** Subjects need provenance; a consent purpose needs its proof reference and text version. */
  async #checkProvenance(request: ImportRequest): Promise<Purpose | undefined> {
    if (request.kind !== 'subjects' && request.preset !== 'cdnow') return undefined
    const provenance = request.provenance
    if (!provenance?.source)
      throw invalidField(
        'query',
        'source',
        'an import of people needs its source (where the data was collected)',
      )
    if (!provenance.purpose)
      throw invalidField('query', 'purpose', 'an import of people needs the purpose it is collected for')
    let purpose: Purpose
    try {
      purpose = await this.#purposes.get(provenance.purpose)
    } catch {
      throw invalidField('query', 'purpose', 'is not a purpose of the registry')
    }
    if (purpose.legalBasis === 'consent') {
      if (!provenance.consentReference)
        throw invalidField(
          'query',
          'consentReference',
          'a consent purpose needs the reference to the proof of the consents (Art. 7(1))',
        )
      if (!provenance.textVersion)
        throw invalidField(
          'query',
          'textVersion',
          'a consent purpose needs the version of the consent text shown',
        )
    }
    if (provenance.doiConfirmed && !(purpose.legalBasis === 'consent' && purpose.doubleOptIn))
      throw invalidField('query', 'doiConfirmed', `purpose ${purpose.key} has no double opt-in to confirm`)
    return purpose
  }

  #isCatalogAttribute(key: string): boolean {
    return !BUILT_IN_ATTRIBUTES.has(key) && this.#fields.attributes().includes(key)
  }

  /**
   * The catalog's attributes as fields of a people import, found by their key or their German or
   * English label (an admin's own fields included); the import's built-in columns come first.
   */
  #attributeAliases(): Record<string, string[]> {
    const aliases: Record<string, string[]> = {}
    for (const key of this.#fields.attributes()) {
      if (BUILT_IN_ATTRIBUTES.has(key) || Object.hasOwn(FIELDS_OF.subjects, key)) continue
      const label = this.#fields.get(key)?.label
      aliases[key] = [
        ...new Set([key, label?.de ?? '', label?.en ?? ''].filter(Boolean).map(normaliseHeader)),
      ]
    }
    return aliases
  }

  /** A special category (Art. 9) column only for a purpose with an Art. 9 basis that it serves. */
  #checkSpecialCategories(columns: Record<string, string>, purpose: Purpose): void {
    for (const [field, header] of Object.entries(columns)) {
      const definition = this.#isCatalogAttribute(field) ? this.#fields.get(field) : undefined
      if (!definition?.specialCategory) continue
      if (!purpose.art9Basis || !(definition.purposes ?? []).includes(purpose.key))
        throw invalidField(
          'query',
          'mapping',
          `the column ${header} holds ${field}, a special category (Art. 9): purpose ${purpose.key} has no Art. 9 basis that this field serves; leave the column out or import for such a purpose`,
        )
    }
  }

  #requireColumns(kind: ImportKind, columns: Record<string, string>): void {
    const need =
      kind === 'subjects'
        ? [['email', 'phone']]
        : kind === 'events'
          ? [['subjectId', 'email'], ['type'], ['occurredAt']]
          : [['subjectId', 'email'], ['orderNumber'], ['orderedAt'], ['unitPrice']]
    for (const anyOf of need)
      if (!anyOf.some((f) => columns[f] !== undefined))
        throw invalidField('query', 'mapping', `the file needs a column for ${anyOf.join(' or ')}`)
  }

  /** Checks a batch of people and finds those already stored or met earlier in the file. */
  async #prepareSubjects(c: BatchContext, rows: readonly TableRow[]): Promise<SubjectCandidate[]> {
    const candidates: SubjectCandidate[] = []
    for (const row of rows) {
      const parsed = this.#subjectRow(c, row)
      if ('problem' in parsed) c.reject(parsed.problem)
      else candidates.push(parsed)
    }
    // Recognise people already stored (a re-run, or known from elsewhere): skipped, not duplicated.
    const existing = await this.#gate.existingSubjects({
      emails: candidates.flatMap((s) => (s.email ? [s.email] : [])),
      phones: candidates.flatMap((s) => (s.phone ? [s.phone] : [])),
      normalized: true,
    })
    const fresh: SubjectCandidate[] = []
    for (const s of candidates) {
      const known = (s.email && existing.byEmail.has(s.email)) || (s.phone && existing.byPhone.has(s.phone))
      const key = s.email ? `e:${s.email}` : `p:${s.phone}`
      if (known) c.report.skipped++
      else if (c.seen.has(key))
        c.reject({ row: s.row, reason: 'the same person as an earlier row of this file' })
      else {
        c.seen.add(key)
        fresh.push(s)
      }
    }
    return fresh
  }

  /**
   * Stores the new people of a batch in one transaction, with their consent events and proof. The
   * gate checks again, in that transaction and under a claim on the addresses and numbers, which of
   * them are stored already: another import of the same people at the same time (another request,
   * the CLI) may have stored them since `#prepareSubjects` looked. Those are skipped, as known.
   */
  async #writeSubjects(c: BatchContext, fresh: readonly SubjectCandidate[]): Promise<void> {
    if (fresh.length === 0) return
    const purpose = c.purpose as Purpose
    const provenance = c.request.provenance as ImportProvenance
    const consentChannel = purpose.channels.find((ch) => ch !== 'none') ?? purpose.channels[0]
    const ids = await this.#gate.collect({
      actor: c.ctx.actor,
      action: 'import',
      purpose: purpose.key,
      ...(c.ctx.requestId ? { requestId: c.ctx.requestId } : {}),
      reason: `import ${c.id} from ${provenance.source}`,
      subjects: fresh.map(({ row: _row, email: _e, phone: _p, ...subject }) => subject),
      unlessStored: fresh.map(({ email, phone }) => ({ email, phone })),
      alsoInTransaction:
        purpose.legalBasis === 'consent' && consentChannel
          ? async (ids, trx) => {
              const proof = {
                source: 'import' as const,
                formKey: provenance.source,
                textVersion: provenance.textVersion,
                reference: provenance.consentReference,
              }
              await this.#permissions.recordConsent(
                ids.flatMap((subjectId) => [
                  {
                    subjectId,
                    purposeKey: purpose.key,
                    channel: consentChannel,
                    kind: 'granted' as const,
                    proof,
                    actor: c.ctx.actor,
                    requestId: c.ctx.requestId,
                  },
                  ...(provenance.doiConfirmed && purpose.doubleOptIn
                    ? [
                        {
                          subjectId,
                          purposeKey: purpose.key,
                          channel: consentChannel,
                          kind: 'confirmed' as const,
                          proof,
                          actor: c.ctx.actor,
                          requestId: c.ctx.requestId,
                        },
                      ]
                    : []),
                ]),
                trx,
              )
            }
          : undefined,
    })
    const stored = ids.filter((id) => id !== null).length
    c.report.imported += stored
    c.report.skipped += fresh.length - stored
  }

  #subjectRow(c: BatchContext, row: TableRow): SubjectCandidate | { problem: ImportProblem } {
    const cell = (field: string) => {
      const header = c.columns[field]
      return header === undefined ? '' : (row.cells[header] ?? '').trim()
    }
    const bad = (field: string, reason: string) => ({
      problem: { row: row.rowNumber, column: c.columns[field] ?? field, reason },
    })
    const identifiers: Identifiers = {}
    const text = (field: IdentifierField, max: number) => {
      const value = cell(field)
      if (value.length > max) return bad(field, `is longer than ${max} characters`)
      if (value) identifiers[field] = value
      return undefined
    }
    for (const [field, max] of [
      ['firstName', 200],
      ['lastName', 200],
      ['street', 200],
      ['postalCode', 20],
      ['city', 200],
    ] as const) {
      const problem = text(field, max)
      if (problem) return problem
    }
    let email: string | undefined
    let phone: string | undefined
    if (cell('email')) {
      const normal = this.#gate.normalizeIdentifier('email', cell('email'))
      if ('problem' in normal) return bad('email', normal.problem)
      identifiers.email = cell('email')
      email = normal.value
    }
    if (cell('phone')) {
      const normal = this.#gate.normalizeIdentifier('phone', cell('phone'))
      if ('problem' in normal) return bad('phone', normal.problem)
      // Stored as compared: E.164, a number without a country code read as one of the installation's
      // region (TRESOR_PHONE_REGION), like every other way a number is matched.
      identifiers.phone = normal.value
      phone = normal.value
    }
    if (!email && !phone)
      return bad('email', 'needs an e-mail address or a phone number (to recognise the person again)')
    if (cell('birthDate')) {
      const date = parseDate(cell('birthDate'))
      if (!date || date > this.#clock().toISOString().slice(0, 10))
        return bad('birthDate', 'is not a date (DD.MM.YYYY or YYYY-MM-DD)')
      identifiers.birthDate = date
    }
    const attributes: Record<string, unknown> = {}
    if (cell('countryCode')) {
      const raw = cell('countryCode')
      const code = COUNTRY_NAMES[raw.toLowerCase()] ?? raw.toUpperCase()
      if (!/^[A-Z]{2}$/.test(code)) return bad('countryCode', 'is not a country code (ISO 3166-1, e.g. DE)')
      identifiers.countryCode = code
      attributes.country = code
      const postal = identifiers.postalCode
      if (postal && /^\d{2}/.test(postal)) attributes.region = `${code}-${postal.slice(0, 2)}`
    }
    if (cell('region')) {
      if (cell('region').length > 20) return bad('region', 'is longer than 20 characters')
      attributes.region = cell('region')
    }
    if (cell('gender')) {
      const gender = GENDERS[cell('gender').toLowerCase()]
      if (!gender) return bad('gender', 'is not one of weiblich/w, männlich/m, divers/d')
      attributes.gender = gender
    }
    if (cell('ageBand')) {
      if (!AGE_BANDS.includes(cell('ageBand'))) return bad('ageBand', `is not one of ${AGE_BANDS.join(', ')}`)
      attributes.ageBand = cell('ageBand')
    }
    // The catalog's attributes mapped to columns, each read by its type and checked like any write.
    for (const key of c.attributeColumns) {
      const raw = cell(key)
      if (!raw) continue
      const definition = this.#fields.get(key)
      const value = parseAttributeCell(raw, definition?.dataType ?? 'text', definition?.options ?? [])
      const problem = value === undefined ? undefined : this.#fields.valueProblem(key, value)
      if (problem) return bad(key, problem)
      // unreadable as the field's type: the catalog's own words for what it expects
      if (value === undefined)
        return bad(key, this.#fields.valueProblem(key, undefined) ?? 'is not a valid value')
      attributes[key] = value
    }
    let kinds = [...(c.request.subjectKinds ?? DEFAULT_SUBJECT_KINDS)]
    if (cell('kinds')) {
      kinds = []
      for (const part of cell('kinds').split(/[,;/|]/)) {
        const name = part.trim().toLowerCase()
        if (!name) continue
        const kind = KIND_NAMES[name] ?? name
        if (!(SUBJECT_KINDS as readonly string[]).includes(kind))
          return bad('kinds', `is not a kind of contact (${SUBJECT_KINDS.join(', ')})`)
        if (!kinds.includes(kind)) kinds.push(kind)
      }
      if (kinds.length === 0) return bad('kinds', 'is empty')
    }
    return {
      row: row.rowNumber,
      kinds,
      source: 'import',
      attributes,
      identifiers,
      ...(email ? { email } : {}),
      ...(phone ? { phone } : {}),
    }
  }

  async #eventsBatch(c: BatchContext, rows: readonly TableRow[]): Promise<void> {
    const subjects = await this.#subjectsOf(c, rows)
    const events: { row: number; event: Record<string, unknown> }[] = []
    for (const row of rows) {
      const cell = (field: string) =>
        c.columns[field] === undefined ? '' : (row.cells[c.columns[field] as string] ?? '').trim()
      const subjectId = subjects.get(row.rowNumber)
      if (!subjectId) {
        if (!c.refusedLookups?.has(row.rowNumber))
          c.reject({
            row: row.rowNumber,
            column: c.columns.subjectId ?? c.columns.email,
            reason: 'no such contact',
          })
        continue
      }
      const at = parseDateTime(cell('occurredAt'))
      if (!at) {
        c.reject({ row: row.rowNumber, column: c.columns.occurredAt, reason: 'is not a date-time' })
        continue
      }
      const properties: Record<string, string> = {}
      for (const header of c.unmapped) {
        const value = (row.cells[header] ?? '').trim()
        if (value) properties[header] = value
      }
      events.push({
        row: row.rowNumber,
        event: {
          subjectId,
          type: cell('type'),
          occurredAt: at.toISOString(),
          ...(cell('channel') ? { channel: cell('channel') } : {}),
          ...(cell('purpose') ? { purpose: cell('purpose') } : {}),
          ...(Object.keys(properties).length > 0 ? { properties } : {}),
          // Without the sender's own id, the row itself is the id: a re-run stores nothing twice.
          externalId:
            cell('externalId') ||
            `import:${createHash('sha256')
              .update(JSON.stringify([subjectId, cell('type'), at.toISOString(), properties]))
              .digest('base64url')
              .slice(0, 32)}`,
        },
      })
    }
    if (events.length === 0) return
    const result = await this.#events.ingest(c.ctx, {
      source: c.request.provenance?.source ?? 'import',
      events: events.map((e) => e.event),
    })
    result.results.forEach((r, i) => {
      const row = events[i]?.row as number
      if (r.status === 'accepted') c.report.imported++
      else if (r.status === 'duplicate') c.report.skipped++
      else
        c.reject({
          row,
          ...(r.field ? { column: fieldColumn(c, r.field) } : {}),
          reason:
            r.rule === 'invalid'
              ? (r.reason ?? 'invalid')
              : `not stored: ${r.rule}${r.reason ? ` (${r.reason})` : ''}`,
        })
    })
  }

  async #ordersBatch(c: BatchContext, rows: readonly TableRow[]): Promise<void> {
    const subjects =
      c.request.preset === 'cdnow' ? await this.#cdnowCustomers(c, rows) : await this.#subjectsOf(c, rows)
    const skus = new Set<string>()
    for (const row of rows) {
      const header = c.columns.sku
      const sku = header === undefined ? '' : (row.cells[header] ?? '').trim()
      if (sku) skus.add(sku)
    }
    const products = new Map((await this.#products.bySkus([...skus])).map((p) => [p.sku, p.id]))
    const orders = new Map<string, NewOrderRecord & { rows: number[]; bad: boolean }>()
    for (const row of rows) {
      const cell = (field: string) =>
        c.columns[field] === undefined ? '' : (row.cells[c.columns[field] as string] ?? '').trim()
      const reject = (field: string, reason: string) =>
        c.reject({ row: row.rowNumber, column: c.columns[field] ?? field, reason })
      const subjectId = subjects.get(row.rowNumber)
      if (!subjectId) {
        if (!c.refusedLookups?.has(row.rowNumber))
          reject(c.columns.subjectId ? 'subjectId' : 'email', 'no such contact')
        continue
      }
      const orderNumber = cell('orderNumber')
      if (!orderNumber || orderNumber.length > 64) {
        reject('orderNumber', 'needs an order number of up to 64 characters')
        continue
      }
      const orderedAt = parseDateTime(cell('orderedAt'))
      if (!orderedAt) {
        reject('orderedAt', 'is not a date')
        continue
      }
      const quantity = cell('quantity') ? Number(cell('quantity')) : 1
      if (!Number.isInteger(quantity) || quantity < 1 || quantity > 1_000_000) {
        reject('quantity', 'is not a whole number of at least 1')
        continue
      }
      const unitPriceCents = parseAmountCents(cell('unitPrice'))
      if (unitPriceCents === undefined || unitPriceCents < 0) {
        reject('unitPrice', 'is not an amount (e.g. 12,99)')
        continue
      }
      const sku = cell('sku')
      if (sku && !products.has(sku)) {
        reject('sku', 'is not a product of the catalogue')
        continue
      }
      const currency = (cell('currency') || 'EUR').toUpperCase()
      if (!/^[A-Z]{3}$/.test(currency)) {
        reject('currency', 'is not a currency code (e.g. EUR)')
        continue
      }
      const key = `${subjectId}|${orderNumber}`
      let order = orders.get(key)
      if (!order) {
        order = {
          subjectId,
          orderNumber,
          orderedAt,
          status: cell('status') || 'fulfilled',
          currency,
          paymentMethod: cell('paymentMethod') || null,
          lines: [],
          rows: [],
          bad: false,
        }
        orders.set(key, order)
      }
      ;(order.lines as NewOrderRecord['lines'][number][]).push({
        productId: sku ? (products.get(sku) ?? null) : null,
        description: cell('description') || null,
        quantity,
        unitPriceCents,
      })
      order.rows.push(row.rowNumber)
    }
    const list = [...orders.values()]
    if (list.length === 0) return
    const outcomes = await this.#records.importOrders({
      actor: c.ctx.actor,
      source: c.request.provenance?.source ?? (c.request.preset === 'cdnow' ? 'cdnow' : 'import'),
      requestId: c.ctx.requestId,
      reason: `import ${c.id}`,
      orders: list.map(({ rows: _rows, bad: _bad, ...order }) => order),
    })
    outcomes.forEach((outcome, i) => {
      const order = list[i] as (typeof list)[number]
      const fileRows = [...new Set(order.rows)]
      if (outcome.status === 'rejected')
        for (const row of fileRows)
          c.reject({ row, reason: `not stored: ${outcome.rule} (${outcome.reason})` })
      else if (outcome.status === 'imported') c.report.imported += fileRows.length
      else c.report.skipped += fileRows.length
    })
  }

  /** Row number → subject id, by the subject id column or through the e-mail blind index. */
  async #subjectsOf(c: BatchContext, rows: readonly TableRow[]): Promise<Map<number, string>> {
    const found = new Map<number, string>()
    const idHeader = c.columns.subjectId
    const emailHeader = c.columns.email
    const emails: string[] = []
    for (const row of rows) {
      const id = idHeader ? (row.cells[idHeader] ?? '').trim().toLowerCase() : ''
      if (isUuid(id)) found.set(row.rowNumber, id)
      else if (emailHeader) emails.push((row.cells[emailHeader] ?? '').trim())
    }
    if (emails.length > 0) {
      // Matching a row to a contact by its e-mail address re-identifies them: only a role (and
      // purpose) that may look people up by e-mail does it; others must give the subject id.
      try {
        await this.#gate.assertMayLookUpBy(
          {
            actor: c.ctx.actor,
            purpose: c.purpose?.key ?? 'contact_management',
            ...(c.ctx.requestId ? { requestId: c.ctx.requestId } : {}),
          },
          ['email'],
        )
      } catch (error) {
        if (!(error instanceof ProblemError && error.kind === 'forbidden')) throw error
        c.refusedLookups ??= new Set()
        for (const row of rows)
          if (!found.has(row.rowNumber) && emailHeader) {
            c.refusedLookups.add(row.rowNumber)
            c.reject({
              row: row.rowNumber,
              column: emailHeader,
              reason: 'your role may not find contacts by e-mail address: give the subject id instead',
            })
          }
        return found
      }
      const { byEmail } = await this.#gate.existingSubjects({ emails })
      for (const row of rows)
        if (!found.has(row.rowNumber) && emailHeader) {
          const id = byEmail.get((row.cells[emailHeader] ?? '').trim())
          if (id) found.set(row.rowNumber, id)
        }
    }
    return found
  }

  /**
   * CDNOW: each customer number is a synthetic customer (`cdnow-<number>@cdnow.example`), created
   * with the import's provenance the first time it is met; the rows then are its purchases.
   */
  async #cdnowCustomers(c: BatchContext, rows: readonly TableRow[]): Promise<Map<number, string>> {
    const emailOf = (row: TableRow) => `cdnow-${row.cells.customer_id}@cdnow.example`
    const emails = [...new Set(rows.map(emailOf))]
    let { byEmail } = await this.#gate.existingSubjects({ emails })
    const missing = emails.filter((e) => !byEmail.has(e))
    if (missing.length > 0) {
      const purpose = c.purpose as Purpose
      await this.#gate.collect({
        actor: c.ctx.actor,
        action: 'import',
        purpose: purpose.key,
        reason: `import ${c.id} from ${(c.request.provenance as ImportProvenance).source}`,
        subjects: missing.map((email) => ({
          kinds: ['customer'],
          source: 'import',
          attributes: { country: 'US' },
          identifiers: { email, lastName: `CDNOW ${email.slice(6, email.indexOf('@'))}` },
        })),
        // another import of the file at the same time may have created some meanwhile
        unlessStored: missing.map((email) => ({ email })),
      })
      byEmail = (await this.#gate.existingSubjects({ emails })).byEmail
    }
    const map = new Map<number, string>()
    for (const row of rows) {
      const id = byEmail.get(emailOf(row))
      if (id) map.set(row.rowNumber, id)
    }
    return map
  }
}

interface BatchContext {
  ctx: RequestContext
  request: ImportRequest
  report: ImportReport
  reject: (problem: ImportProblem) => void
  columns: Record<string, string>
  unmapped: string[]
  purpose: Purpose | undefined
  id: string
  /** People met earlier in this file (by normalised e-mail or phone). */
  seen: Set<string>
  /** Attributes of the field catalog the file has columns for (people). */
  attributeColumns: string[]
  /** Rows refused already because the role may not match contacts by e-mail address. */
  refusedLookups?: Set<number>
}

const orderKey = (row: TableRow, columns: Record<string, string>) =>
  `${row.cells[columns.subjectId ?? ''] ?? ''}|${row.cells[columns.email ?? ''] ?? ''}|${row.cells[columns.orderNumber ?? ''] ?? row.cells.order_number ?? ''}`

const fieldColumn = (c: BatchContext, field: string) =>
  c.columns[field] ?? (field.startsWith('properties.') ? field.slice(11) : field)

/** Who ran a stored import, when, and its provenance. */
function runOf(row: ImportBatchSummaryRow) {
  return {
    startedAt: row.started_at.toISOString(),
    ...(row.finished_at ? { finishedAt: row.finished_at.toISOString() } : {}),
    actor: { type: row.actor_type, id: row.actor_id },
    ...(row.source ? { source: row.source } : {}),
    ...(row.purpose_key ? { purpose: row.purpose_key } : {}),
  }
}

/** A stored import in the list of the latest (no problem list). */
export function toImportSummary(row: ImportBatchSummaryRow): ImportSummaryJson {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    rows: row.rows,
    imported: row.imported,
    skipped: row.skipped,
    rejected: row.rejected,
    problemsTruncated: row.problems_truncated,
    ...(row.error ? { error: row.error } : {}),
    reportUrl: `/api/v1/imports/${row.id}/report`,
    ...runOf(row),
  }
}

/** An import (a finished report, or the stored row) as the API returns it. */
export function toImportResult(value: ImportReport | ImportBatchRow): ImportResultJson {
  if ('started_at' in value)
    return {
      ...toImportSummary(value),
      problems: value.problems as ImportProblem[],
    }
  return {
    id: value.id,
    kind: value.kind,
    status: value.status,
    rows: value.rows,
    imported: value.imported,
    skipped: value.skipped,
    rejected: value.rejected,
    problems: value.problems,
    problemsTruncated: value.problemsTruncated,
    ignoredColumns: value.ignoredColumns,
    ...(value.warnings.length > 0 ? { warnings: value.warnings } : {}),
    ...(value.error ? { error: value.error } : {}),
    reportUrl: `/api/v1/imports/${value.id}/report`,
  }
}

/** The rejected rows as a CSV a spreadsheet opens (German Excel dialect, formulas neutralised). */
export async function problemsCsv(batch: ImportBatchRow): Promise<string> {
  const chunks: Buffer[] = []
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(Buffer.from(chunk))
      callback()
    },
  })
  await writeCsv(
    sink,
    ['row', 'column', 'reason'],
    (batch.problems as ImportProblem[]).map((p) => [p.row, p.column ?? '', p.reason]),
  )
  return Buffer.concat(chunks).toString('utf8')
}
