import { type Kysely, sql } from 'kysely'
import type { Schema, SubjectRow } from '../../platform/db/schema.ts'

export const SUBJECT_SORT_FIELDS = ['createdAt', 'updatedAt'] as const
export type SubjectSort = (typeof SUBJECT_SORT_FIELDS)[number]
const SORT_COLUMNS = { createdAt: 'created_at', updatedAt: 'updated_at' } as const

export interface SubjectListQuery {
  limit: number
  sort: SubjectSort
  order: 'asc' | 'desc'
  kind?: string | undefined
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
    const column = SORT_COLUMNS[query.sort]
    const direction = query.order
    const comparator = direction === 'asc' ? '>' : '<'
    return this.#db
      .selectFrom('subject')
      .selectAll()
      .$if(query.kind !== undefined, (qb) =>
        qb.where('kinds', '@>', sql<string[]>`array[${query.kind}]::text[]`),
      )
      .$if(query.after !== undefined, (qb) =>
        qb.where((eb) =>
          eb(eb.refTuple(column, 'id'), comparator, eb.tuple(query.after!.value, query.after!.id)),
        ),
      )
      .orderBy(column, direction)
      .orderBy('id', direction)
      .limit(query.limit)
      .execute()
  }

  async count(kind?: string): Promise<number> {
    const row = await this.#db
      .selectFrom('subject')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .$if(kind !== undefined, (qb) => qb.where('kinds', '@>', sql<string[]>`array[${kind}]::text[]`))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  /** Inserts a batch in one statement. */
  async insertMany(subjects: readonly NewSubject[]): Promise<void> {
    if (subjects.length === 0) return
    await this.#db
      .insertInto('subject')
      .values(
        subjects.map((s) => ({
          kinds: s.kinds,
          source: s.source,
          attributes: JSON.stringify(s.attributes) as unknown as Record<string, unknown>,
          ...(s.createdAt ? { created_at: s.createdAt, updated_at: s.createdAt } : {}),
        })),
      )
      .execute()
  }
}
