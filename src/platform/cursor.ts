import { invalidField } from './problem.ts'
import { isUuid } from './uuid.ts'

// Apart from the page schemas (pagination.ts): the services page without loading TypeBox (issue #18).

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
  // A cursor is input like any other: what goes into the keyset query must be what encodeCursor
  // writes (a UUID, and a sort value that is a timestamp or a sequence number), or the database
  // would be the one to refuse it.
  if (
    typeof cursorSort !== 'string' ||
    typeof cursorOrder !== 'string' ||
    typeof value !== 'string' ||
    !isCursorValue(value) ||
    typeof id !== 'string' ||
    !isUuid(id)
  ) {
    throw invalidField('query', 'cursor', 'is not a cursor this API issued')
  }
  if (cursorSort !== sort || cursorOrder !== order) {
    throw invalidField('query', 'cursor', 'belongs to a different sort or order')
  }
  return { sort, order, value, id }
}

/** A timestamp as `toISOString` writes it (years 1–9999, a real date) or a whole number. */
function isCursorValue(value: string): boolean {
  if (/^\d{1,16}$/.test(value)) return true
  const match = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.exec(value)
  if (!match || match[1] === '0000') return false
  const time = Date.parse(value)
  return !Number.isNaN(time) && new Date(time).toISOString() === value
}
