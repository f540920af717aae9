import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { ProblemError } from '../../platform/problem.ts'
import type { AuditActor, AuditWriter } from '../../privacy/audit/audit-record.ts'
import { FIELD_CATALOG, type FieldCategory, RECORD_FIELDS } from '../../privacy/fields/field-catalog.ts'
import type { Purpose } from '../../privacy/purposes/purpose.ts'
import type { RetentionRule } from '../../privacy/retention/retention-rule.ts'
import type { InstallationSettings } from '../settings/settings.service.ts'
import type {
  ProcessingRecordRepository,
  ProcessingRecordVersionRow,
} from './processing-record.repository.ts'
import {
  buildProcessingRecord,
  canonicalJson,
  diffProcessingRecords,
  type ProcessingRecord,
  type RecordChange,
  sha256Hex,
} from './processing-record.ts'
import {
  processingRecordDocument,
  type RecordFormat,
  type RecordLanguage,
  type VersionFacts,
} from './processing-record-document.ts'
import { processingRecordHtml } from './processing-record-html.ts'
import { processingRecordPdf } from './processing-record-pdf.ts'
import { processingRecordXlsx } from './processing-record-xlsx.ts'
import { NO_RECIPIENTS, type RecipientsSource } from './recipients-source.ts'
import { TECHNICAL_MEASURES } from './technical-measures.ts'

/** An adopted version, without its content. */
export interface RecordVersionInfo {
  version: number
  sha256: string
  adoptedBy: { type: string; id: string }
  adoptedAt: Date
}

/** The record as it stands, with how it relates to the adopted versions. */
export interface RecordView {
  record: ProcessingRecord
  sha256: string
  /** The adopted version equal to the record as it stands, if any. */
  adopted: RecordVersionInfo | null
  /** The newest adopted version. */
  latest: RecordVersionInfo | null
  /**
   * The changes since the last version: the record as it stands against the newest adopted version,
   * or — when it is that version — that version against the one before.
   */
  changes: RecordChange[]
  /** The version the changes are counted from. */
  changesSince: number | null
  generatedAt: Date
}

/** A generated file: its bytes, content type and the name to save it as. */
export interface GeneratedFile {
  body: Buffer
  contentType: string
  filename: string
}

/** A catalog field as the record needs it. */
interface CatalogFieldSource {
  key: string
  label: { de: string; en: string }
  category: FieldCategory
  identifier: boolean
  special: string | null
}

const CONTENT_TYPES: Record<RecordFormat, string> = {
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  json: 'application/json; charset=utf-8',
}
const FILE_NAMES: Record<RecordLanguage, string> = {
  de: 'verarbeitungsverzeichnis',
  en: 'record-of-processing-activities',
}

const info = (row: Omit<ProcessingRecordVersionRow, 'content'>): RecordVersionInfo => ({
  version: row.version,
  sha256: row.sha256,
  adoptedBy: { type: row.adopted_by_type, id: row.adopted_by_id },
  adoptedAt: row.adopted_at,
})

/**
 * The record of processing activities (Art. 30(1)), generated from the configuration as it stands:
 * the settings, the purposes, the field catalog, the recipients, the retention rules and Tresor's
 * own measures. The DPO adopts a version (stored as canonical JSON with its SHA-256, audited); the
 * record says what changed since the last one. HTML, PDF, XLSX and JSON, German and English.
 */
export class ProcessingRecordService {
  readonly #repository: ProcessingRecordRepository
  readonly #db: Kysely<Schema>
  readonly #audit: AuditWriter
  readonly #settings: () => Promise<InstallationSettings>
  readonly #purposes: () => Promise<Purpose[]>
  readonly #fields: () => Promise<CatalogFieldSource[]>
  readonly #retentionRules: () => Promise<RetentionRule[]>
  #recipients: RecipientsSource
  readonly #now: () => Date

  constructor(deps: {
    repository: ProcessingRecordRepository
    db: Kysely<Schema>
    audit: AuditWriter
    settings: () => Promise<InstallationSettings>
    purposes: () => Promise<Purpose[]>
    fields: () => Promise<CatalogFieldSource[]>
    retentionRules: () => Promise<RetentionRule[]>
    recipients?: RecipientsSource
    now?: () => Date
  }) {
    this.#repository = deps.repository
    this.#db = deps.db
    this.#audit = deps.audit
    this.#settings = deps.settings
    this.#purposes = deps.purposes
    this.#fields = deps.fields
    this.#retentionRules = deps.retentionRules
    this.#recipients = deps.recipients ?? NO_RECIPIENTS
    this.#now = deps.now ?? (() => new Date())
  }

  /** Reads the recipients from `source` (the recipients registry, once it is wired). */
  useRecipients(source: RecipientsSource): void {
    this.#recipients = source
  }

  /** The record as the configuration stands now. */
  async current(): Promise<ProcessingRecord> {
    const [settings, purposes, fields, rules, recipients] = await Promise.all([
      this.#settings(),
      this.#purposes(),
      this.#fields(),
      this.#retentionRules(),
      this.#recipients.list(),
    ])
    return buildProcessingRecord({
      controller: settings.controller,
      dpo: settings.dpo,
      purposes,
      fields,
      recordFields: RECORD_FIELDS.flatMap((key) => {
        const definition = FIELD_CATALOG[key]
        return definition ? [{ key, category: definition.category }] : []
      }),
      recipients,
      retentionRules: rules,
      measures: TECHNICAL_MEASURES,
    })
  }

  async view(): Promise<RecordView> {
    const generatedAt = this.#now()
    const record = await this.current()
    const sha256 = sha256Hex(canonicalJson(record))
    const [latest, previous] = await this.#repository.latest(2)
    if (!latest)
      return { record, sha256, adopted: null, latest: null, changes: [], changesSince: null, generatedAt }
    const latestRecord = JSON.parse(latest.content) as ProcessingRecord
    if (latest.sha256 === sha256) {
      const changes = previous
        ? diffProcessingRecords(JSON.parse(previous.content) as ProcessingRecord, record)
        : []
      return {
        record,
        sha256,
        adopted: info(latest),
        latest: info(latest),
        changes,
        changesSince: previous?.version ?? null,
        generatedAt,
      }
    }
    return {
      record,
      sha256,
      adopted: null,
      latest: info(latest),
      changes: diffProcessingRecords(latestRecord, record),
      changesSince: latest.version,
      generatedAt,
    }
  }

  /** The record as a file in one language. */
  async document(lang: RecordLanguage, format: RecordFormat): Promise<GeneratedFile> {
    const view = await this.view()
    const filename = `${FILE_NAMES[lang]}-${view.generatedAt.toISOString().slice(0, 10)}.${format}`
    if (format === 'json') {
      const body = JSON.stringify(
        { sha256: view.sha256, record: view.record, changes: view.changes },
        null,
        2,
      )
      return { body: Buffer.from(body, 'utf8'), contentType: CONTENT_TYPES.json, filename }
    }
    const facts: VersionFacts = {
      adopted: view.adopted
        ? {
            version: view.adopted.version,
            at: view.adopted.adoptedAt,
            by: `${view.adopted.adoptedBy.type} ${view.adopted.adoptedBy.id}`,
          }
        : null,
      previous: view.changesSince,
      sha256: view.sha256,
      generatedAt: view.generatedAt,
    }
    const doc = processingRecordDocument(view.record, view.changes, facts, lang)
    const body =
      format === 'pdf'
        ? await processingRecordPdf(doc, view.record.controller.name ?? undefined)
        : format === 'xlsx'
          ? await processingRecordXlsx(doc)
          : Buffer.from(processingRecordHtml(doc), 'utf8')
    return { body, contentType: CONTENT_TYPES[format], filename }
  }

  /**
   * Adopts the record as it stands as the next version (Art. 5(2): the controller shows which record
   * was in force when): stored with its SHA-256, who and when, audited. A record equal to the newest
   * version is not stored again (`created: false`).
   */
  async adopt(context: {
    actor: AuditActor
    requestId?: string | undefined
  }): Promise<RecordVersionInfo & { created: boolean }> {
    const record = await this.current()
    const content = canonicalJson(record)
    const sha256 = sha256Hex(content)
    const now = this.#now()
    return this.#db.transaction().execute(async (trx) => {
      const [latest] = await this.#repository.latest(1, trx)
      if (latest?.sha256 === sha256) return { ...info(latest), created: false }
      const row = {
        version: (latest?.version ?? 0) + 1,
        content,
        sha256,
        adopted_by_type: context.actor.type,
        adopted_by_id: context.actor.id,
        adopted_at: now,
      }
      await this.#repository.insert(row, trx)
      await this.#audit.append(
        [
          {
            actor: context.actor,
            action: 'configure',
            reason: `record of processing activities: version ${row.version} adopted (sha256 ${sha256})`,
            ...(context.requestId ? { requestId: context.requestId } : {}),
          },
        ],
        trx,
      )
      return { ...info(row), created: true }
    })
  }

  async versions(): Promise<RecordVersionInfo[]> {
    return (await this.#repository.list()).map(info)
  }

  /** One adopted version with its record as stored. */
  async version(n: number): Promise<RecordVersionInfo & { record: ProcessingRecord }> {
    const row = await this.#repository.find(n)
    if (!row) throw new ProblemError('not-found', `there is no version ${n} of the record`)
    return { ...info(row), record: JSON.parse(row.content) as ProcessingRecord }
  }
}
