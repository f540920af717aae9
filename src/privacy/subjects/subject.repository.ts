import { randomUUID } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import { textArray } from '../../platform/db/array-literal.ts'
import type { Schema, SubjectRow } from '../../platform/db/schema.ts'
import type { SubjectSort } from './subject-kinds.ts'

const SORT_COLUMNS = { createdAt: 'created_at', updatedAt: 'updated_at' } as const

export interface SubjectListQuery {
  limit: number
  sort: SubjectSort
  order: 'asc' | 'desc'
  kind?: string | undefined
  /** Only subjects whose attributes contain these (JSON containment: a list matches any superset). */
  attributes?: Record<string, unknown> | undefined
  after?: { value: Date; id: string } | undefined
}

export interface NewSubject {
  kinds: string[]
  source: string
  attributes: Record<string, unknown>
  createdAt?: Date
}

/** SQL for subjects; one query per method. */
export class SubjectRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** One keyset page: rows strictly after `after` in (sort column, id) order. */
  list(query: SubjectListQuery): Promise<SubjectRow[]> {
    return this.listQuery(query).execute()
  }

  /**
   * The page's statement, not run: the gate runs it inside the permission decision, so a list page
   * and its verdicts are one round trip (`PermissionService.checkPage`). `order` is the page's order,
   * for the outer statement to keep.
   */
  listQuery(query: SubjectListQuery) {
    const column = SORT_COLUMNS[query.sort]
    const direction = query.order
    const comparator = direction === 'asc' ? '>' : '<'
    return (
      this.#db
        .selectFrom('subject')
        .selectAll()
        // Erased subjects stay as tombstones for the audit trail; they are nobody's contact any more.
        .where('erased_at', 'is', null)
        .$if(query.kind !== undefined, (qb) =>
          qb.where('kinds', '@>', sql<string[]>`array[${query.kind}]::text[]`),
        )
        .$if(query.attributes !== undefined && Object.keys(query.attributes).length > 0, (qb) =>
          qb.where(sql<boolean>`attributes @> ${JSON.stringify(query.attributes)}::jsonb`),
        )
        .$if(query.after !== undefined, (qb) =>
          qb.where((eb) =>
            eb(eb.refTuple(column, 'id'), comparator, eb.tuple(query.after!.value, query.after!.id)),
          ),
        )
        .orderBy(column, direction)
        .orderBy('id', direction)
        // A literal: with the limit as a parameter PostgreSQL's generic plan guesses a tenth of the
        // table and the prepared list page would be planned again for every request (ADR 0023).
        .limit(sql.lit(Math.trunc(query.limit)))
    )
  }

  /** The sort column and direction of a list query (for a statement wrapping `listQuery`). */
  static orderOf(query: Pick<SubjectListQuery, 'sort' | 'order'>): {
    column: 'created_at' | 'updated_at'
    direction: 'asc' | 'desc'
  } {
    return { column: SORT_COLUMNS[query.sort], direction: query.order }
  }

  async count(kind?: string, attributes?: Record<string, unknown>): Promise<number> {
    const row = await this.#db
      .selectFrom('subject')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('erased_at', 'is', null)
      .$if(kind !== undefined, (qb) => qb.where('kinds', '@>', sql<string[]>`array[${kind}]::text[]`))
      .$if(attributes !== undefined && Object.keys(attributes).length > 0, (qb) =>
        qb.where(sql<boolean>`attributes @> ${JSON.stringify(attributes)}::jsonb`),
      )
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  /** The rows of a set of subjects, erased ones included (as tombstones). */
  findByIds(ids: readonly string[], trx: Kysely<Schema> = this.#db): Promise<SubjectRow[]> {
    if (ids.length === 0) return Promise.resolve([])
    return trx
      .selectFrom('subject')
      .selectAll()
      .where('id', '=', sql<string>`any(${[...ids]}::uuid[])`)
      .execute()
  }

  /** Inserts a batch in one statement; returns the new ids in input order. */
  /**
   * Rectification (Art. 16) of the pseudonymous part: merges `attributes` into the stored ones
   * (a null removes the attribute), replaces the kinds when given. Only living subjects.
   */
  async update(
    id: string,
    change: { attributes?: Record<string, unknown | null>; kinds?: readonly string[] },
    at: Date,
    trx: Kysely<Schema> = this.#db,
  ): Promise<boolean> {
    const set = Object.fromEntries(Object.entries(change.attributes ?? {}).filter(([, v]) => v !== null))
    const removed = Object.entries(change.attributes ?? {})
      .filter(([, v]) => v === null)
      .map(([k]) => k)
    const result = await trx
      .updateTable('subject')
      .set({
        attributes: sql`(attributes - ${removed}::text[]) || ${JSON.stringify(set)}::jsonb`,
        ...(change.kinds ? { kinds: [...change.kinds] } : {}),
        updated_at: at,
      })
      .where('id', '=', id)
      .where('erased_at', 'is', null)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  async insertMany(subjects: readonly NewSubject[], trx: Kysely<Schema> = this.#db): Promise<string[]> {
    if (subjects.length === 0) return []
    // Ids made here, not by the database: the caller needs them in input order for the vault rows.
    const ids = subjects.map(() => randomUUID())
    // Each column as one array parameter: an import inserts a thousand at a time.
    await sql`
      insert into subject (id, kinds, source, attributes, created_at, updated_at)
      select v.id, v.kinds::text[], v.source, v.attributes, coalesce(v.created_at, now()), coalesce(v.created_at, now())
      from unnest(${textArray(ids)}::uuid[], ${textArray(subjects.map((s) => textArray(s.kinds)))}::text[],
                  ${textArray(subjects.map((s) => s.source))}::text[],
                  ${textArray(subjects.map((s) => JSON.stringify(s.attributes)))}::jsonb[],
                  ${textArray(subjects.map((s) => (s.createdAt ? s.createdAt.toISOString() : null)))}::timestamptz[])
        as v(id, kinds, source, attributes, created_at)
    `.execute(trx)
    return ids
  }
}
