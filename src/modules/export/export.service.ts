import { createHash } from 'node:crypto'
import type { Writable } from 'node:stream'
import { invalidField } from '../../platform/problem.ts'
import type { AuditWriter } from '../../privacy/audit/audit-record.ts'
import {
  type FieldCategory,
  IDENTIFIER_FIELDS,
  type PersonalField,
} from '../../privacy/fields/field-catalog.ts'
import type { Gate } from '../../privacy/gate/gate.service.ts'
import type { RequestContext } from '../../privacy/gate/request-context.ts'
import type { AuthorizedDisclosure, DisclosureService } from '../../privacy/recipients/disclosure.service.ts'
import { type Cell, writeCsv, writeXlsx } from '../spreadsheets/write-table.ts'
import { CONTACT_MANAGEMENT_PURPOSE } from '../subjects/subject.service.ts'

/** Subjects per gate call: one audit record and one vault read per page. */
const PAGE = 5_000

export interface ExportRequest {
  format: 'csv' | 'xlsx'
  /** The purpose of the export (Art. 5(1)(b)); subjects it may not use are left out. */
  purpose?: string | undefined
  /** The channel of the purpose; needed when it has several (and not `none`). */
  channel?: string | undefined
  /** Only subjects of this kind. */
  kind?: string | undefined
  /** The fields to export; default every field the role may see. */
  fields?: readonly string[] | undefined
  /**
   * Who receives the file: `internal` (default: staff of the controller) or the id of a recipient
   * of the registry — then the transfer is checked first and the disclosure recorded (Art. 44, 15(1)(c)).
   */
  recipient?: string | undefined
}

export interface ExportSummary {
  rows: number
  /** SHA-256 (hex) over the exported subject ids in file order, one per line: what the audit trail keeps. */
  idsDigest: string
  columns: string[]
  /** Fields asked for that the role may not see, or the recipient does not receive (left out of the file). */
  withheldFields: string[]
  /** The disclosure recorded for an external recipient. */
  disclosureId?: string | undefined
}

/** An export checked and begun (its first page read): what it will write, and the writing. */
export interface StartedExport {
  columns: string[]
  /** Fields asked for that the role may not see (left out of the file). */
  withheld: string[]
  /** Writes the file to `out`, page by page, and audits the export as a whole. */
  write(out: Writable): Promise<ExportSummary>
}

/**
 * Exports a list of subjects as CSV or XLSX, streaming, through the gate: only with the export
 * permission (the route's), only the fields the role may see, only the subjects the purpose may
 * use; each page is audited as an `export` by the gate and the whole export once more with its row
 * count and a digest of the exported ids. Cells a spreadsheet would run as a formula are
 * neutralised by the writer.
 */
export class ExportService {
  readonly #gate: Gate
  readonly #audit: AuditWriter
  readonly #categoriesOf: (role: string) => readonly FieldCategory[]
  readonly #disclosures: DisclosureService | undefined
  constructor(
    gate: Gate,
    audit: AuditWriter,
    categoriesOf: (role: string) => readonly FieldCategory[],
    disclosures?: DisclosureService,
  ) {
    this.#gate = gate
    this.#audit = audit
    this.#categoriesOf = categoriesOf
    this.#disclosures = disclosures
  }

  /** The columns an export will have for this role, and the asked-for fields it withholds. */
  plan(ctx: RequestContext, request: ExportRequest): { fields: PersonalField[]; withheld: string[] } {
    // Identifiers and the catalog's attributes (custom ones included); records are not exported here.
    const exportable: PersonalField[] = [...IDENTIFIER_FIELDS, ...this.#gate.fields.attributes()]
    const asked = request.fields ?? exportable
    for (const f of asked)
      if (!exportable.includes(f))
        throw invalidField('query', 'fields', `${f} is not an exportable field (${exportable.join(', ')})`)
    const granted = new Set(this.#categoriesOf(ctx.actor.role))
    const fields = asked.filter((f) => {
      const category = this.#gate.fields.categoryOf(f)
      // Special categories leave Tresor only through their Art. 9 purpose's own processes.
      return category !== undefined && granted.has(category) && !this.#gate.fields.get(f)?.specialCategory
    })
    return { fields, withheld: asked.filter((f) => !fields.includes(f as PersonalField)) }
  }

  /**
   * What an export would hold, before it is made: the columns, the fields withheld (role, purpose,
   * recipient), how many subjects it would hold and how many the purpose leaves out, and why. The
   * same checks as the export (a bad purpose, channel or field is a 400; an unlawful transfer a 403,
   * audited); counts only, nobody read.
   */
  async preview(
    ctx: RequestContext,
    request: Omit<ExportRequest, 'format'>,
  ): Promise<{
    columns: string[]
    withheld: string[]
    total: number
    excluded: number
    excludedBy: Record<string, number>
  }> {
    const purpose = request.purpose ?? CONTACT_MANAGEMENT_PURPOSE
    let { fields, withheld } = this.plan(ctx, { ...request, format: 'csv' })
    if (request.recipient !== undefined && request.recipient !== 'internal') {
      if (!this.#disclosures) throw new Error('exports to recipients need the disclosure gate')
      const target = await this.#disclosures.authorize({
        actor: ctx.actor,
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
        recipientId: request.recipient,
        purpose,
        where: 'query',
      })
      const split = target.receivable(fields)
      fields = split.allowed
      withheld = [...withheld, ...split.withheld]
    }
    const counted = await this.#gate.count({
      actor: ctx.actor,
      purpose,
      ...(request.channel === undefined ? {} : { channel: request.channel }),
      ...(request.kind === undefined ? {} : { kind: request.kind }),
      fields,
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    })
    return {
      columns: ['id', 'kinds', 'createdAt', ...fields],
      withheld,
      total: counted.total,
      excluded: counted.excluded,
      excludedBy: counted.excludedBy,
    }
  }

  /**
   * Checks everything and reads the first page — purpose, channel and fields are validated (400
   * problems naming the field) before a single byte is written — and returns the writing of the rest.
   */
  async start(ctx: RequestContext, request: ExportRequest): Promise<StartedExport> {
    const purpose = request.purpose ?? CONTACT_MANAGEMENT_PURPOSE
    const planned = this.plan(ctx, request)
    let { fields, withheld } = planned
    // Art. 44: to an external recipient only when the transfer is lawful and the purpose one it
    // receives (else 403, audited, before anything is read), and only the categories it receives.
    let target: AuthorizedDisclosure | undefined
    if (request.recipient !== undefined && request.recipient !== 'internal') {
      if (!this.#disclosures) throw new Error('exports to recipients need the disclosure gate')
      target = await this.#disclosures.authorize({
        actor: ctx.actor,
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
        recipientId: request.recipient,
        purpose,
        where: 'query',
      })
      const split = target.receivable(fields)
      fields = split.allowed
      withheld = [...withheld, ...split.withheld]
    }
    const toRecipient = target ? ` to recipient ${target.recipient.id} (${target.recipient.country})` : ''
    const columns = ['id', 'kinds', 'createdAt', ...fields]
    const gate = this.#gate
    const pageAfter = (after: { value: Date; id: string } | undefined) =>
      gate.page({
        actor: ctx.actor,
        purpose,
        ...(request.channel === undefined ? {} : { channel: request.channel }),
        action: 'export',
        fields,
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
        ...(target ? { reason: `disclosure${toRecipient}` } : {}),
        query: { limit: PAGE, sort: 'createdAt', order: 'asc', kind: request.kind, after },
      })
    const first = await pageAfter(undefined)
    // The disclosure's record, filled page by page.
    const disclosure = target
      ? await target.open({ channel: 'export', fields, reference: request.format })
      : undefined
    const hash = createHash('sha256')
    let rows = 0
    async function* cells(): AsyncGenerator<Cell[]> {
      let page = first
      for (;;) {
        // The next page is read (and audited) while this one is written: on PostgreSQL the database
        // works meanwhile. Its failure surfaces when it is awaited, never as an unhandled rejection.
        const last = page.hasMore ? page.last : undefined
        const next = last ? pageAfter({ value: last.createdAt, id: last.id }) : undefined
        next?.catch(() => undefined)
        // Art. 15(1)(c), 19: the page's subjects are recorded as disclosed before their rows are written.
        await disclosure?.add(page.subjects.map((s) => s.id))
        for (const s of page.subjects) {
          hash.update(`${s.id}\n`)
          rows++
          yield [
            s.id,
            s.kinds.join(', '),
            s.createdAt,
            ...fields.map((f): Cell => {
              const value =
                f in s.identifiers
                  ? s.identifiers[f as keyof typeof s.identifiers]
                  : s.attributes[f as keyof typeof s.attributes]
              return value === undefined || value === null ? null : String(value)
            }),
          ]
        }
        if (!next) return
        page = await next
      }
    }
    return {
      columns,
      withheld,
      write: async (out) => {
        if (request.format === 'xlsx') await writeXlsx(out, columns, cells(), { sheetName: 'Export' })
        else await writeCsv(out, columns, cells())
        const idsDigest = hash.digest('hex')
        // The export as a whole: how many rows left Tresor, and which (by digest), for the DPO (Art. 5(2)).
        await this.#audit.append([
          {
            actor: ctx.actor,
            action: 'export',
            purpose,
            fields,
            ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
            reason: `export finished${toRecipient}: ${rows} rows as ${request.format}, sha256 of the ids ${idsDigest}`,
          },
        ])
        return { rows, idsDigest, columns, withheldFields: withheld, disclosureId: disclosure?.id }
      },
    }
  }

  /** Checks, then writes the whole export to `out` (see `start`). */
  async export(ctx: RequestContext, request: ExportRequest, out: Writable): Promise<ExportSummary> {
    return (await this.start(ctx, request)).write(out)
  }
}
