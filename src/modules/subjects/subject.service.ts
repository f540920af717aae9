import type { SubjectRow } from '../../platform/db/schema.ts'
import { decodeCursor, encodeCursor } from '../../server/pagination.ts'
import { invalidField } from '../../server/problem.ts'
import type { NewSubject, SubjectRepository } from './subject.repository.ts'
import type { Subject, SubjectListQuery } from './subject.schemas.ts'

const toSubject = (row: SubjectRow): Subject => ({
  id: row.id,
  kinds: row.kinds,
  source: row.source,
  attributes: row.attributes,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
})

export class SubjectService {
  readonly #subjects: SubjectRepository
  constructor(subjects: SubjectRepository) {
    this.#subjects = subjects
  }

  async list(
    query: SubjectListQuery,
  ): Promise<{ items: Subject[]; nextCursor: string | null; total?: number }> {
    let after: { value: Date; id: string } | undefined
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor, query.sort, query.order)
      const value = new Date(cursor.value)
      if (Number.isNaN(value.getTime()))
        throw invalidField('query', 'cursor', 'is not a cursor this API issued')
      after = { value, id: cursor.id }
    }
    const [rows, total] = await Promise.all([
      this.#subjects.list({
        limit: query.limit + 1,
        sort: query.sort,
        order: query.order,
        kind: query.kind,
        after,
      }),
      // Counted for the first page only; later pages skip the scan (see the Page schema).
      after === undefined ? this.#subjects.count(query.kind) : undefined,
    ])
    const page = rows.slice(0, query.limit)
    const last = page.at(-1)
    const nextCursor =
      rows.length > query.limit && last
        ? encodeCursor({
            sort: query.sort,
            order: query.order,
            value: (query.sort === 'createdAt' ? last.created_at : last.updated_at).toISOString(),
            id: last.id,
          })
        : null
    return { items: page.map(toSubject), nextCursor, ...(total === undefined ? {} : { total }) }
  }

  count(): Promise<number> {
    return this.#subjects.count()
  }

  insertMany(subjects: readonly NewSubject[]): Promise<void> {
    return this.#subjects.insertMany(subjects)
  }
}
