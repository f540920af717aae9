import { Type } from 'typebox'
import { invalidField } from './problem.ts'

/** Query parameters shared by every list endpoint. Sort fields come from a per-endpoint allowlist. */
export const pageQuery = <const S extends readonly string[]>(sortFields: S, defaultSort: S[number]) => ({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'Items per page (1–500).' }),
  cursor: Type.Optional(
    Type.String({ maxLength: 512, description: 'The `nextCursor` of the previous page.' }),
  ),
  sort: Type.Enum(sortFields, { default: defaultSort, description: `Sort field: ${sortFields.join(', ')}.` }),
  order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' }),
})

/** Keyset position: the sort value and the id of the last item, plus what it was sorted by. */
export interface Cursor {
  sort: string
  order: 'asc' | 'desc'
  value: string
  id: string
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.order, cursor.value, cursor.id])).toString(
    'base64url',
  )
}

/** Decodes a cursor; one made for another sort order is refused rather than silently misread. */
export function decodeCursor(text: string, sort: string, order: 'asc' | 'desc'): Cursor {
  let parts: unknown
  try {
    parts = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    throw invalidField('query', 'cursor', 'is not a cursor this API issued')
  }
  const [cursorSort, cursorOrder, value, id] = Array.isArray(parts) && parts.length === 4 ? parts : []
  if (
    typeof cursorSort !== 'string' ||
    typeof cursorOrder !== 'string' ||
    typeof value !== 'string' ||
    typeof id !== 'string' ||
    !/^[0-9a-f-]{36}$/.test(id)
  ) {
    throw invalidField('query', 'cursor', 'is not a cursor this API issued')
  }
  if (cursorSort !== sort || cursorOrder !== order) {
    throw invalidField('query', 'cursor', 'belongs to a different sort or order')
  }
  return { sort, order, value, id }
}

export const Page = <T extends import('typebox').TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page.',
    }),
    total: Type.Optional(
      Type.Integer({
        description:
          'Items matching the filter, over all pages. Only on the first page (no `cursor`): counting is the costly part of a list call, and the total does not change meaningfully while one pages on.',
      }),
    ),
  })
