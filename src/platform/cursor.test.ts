import { describe, expect, it } from 'vitest'
import { decodeCursor, encodeCursor } from './cursor.ts'
import { ProblemError } from './problem.ts'

const ID = '0b6f3b4e-7d1c-4c59-9a3e-2f5d8c1b0a77'
const raw = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString('base64url')

const refusal = (text: string): ProblemError | undefined => {
  try {
    decodeCursor(text, 'createdAt', 'desc')
    return undefined
  } catch (error) {
    return error as ProblemError
  }
}

describe('decodeCursor', () => {
  it('reads back what encodeCursor wrote: a timestamp or a sequence number, and a UUID', () => {
    for (const value of ['2025-03-01T12:30:00.000Z', '0001-01-01T00:00:00.000Z', '42']) {
      const cursor = { sort: 'createdAt', order: 'desc' as const, value, id: ID }
      expect(decodeCursor(encodeCursor(cursor), 'createdAt', 'desc')).toEqual(cursor)
    }
    expect(decodeCursor(raw(['createdAt', 'desc', '42', ID.toUpperCase()]), 'createdAt', 'desc').id).toBe(
      ID.toUpperCase(),
    )
  })

  it('refuses a well-formed cursor with anything else in it, naming the query parameter', () => {
    for (const parts of [
      ['createdAt', 'desc', '2025-03-01T12:30:00.000Z', '------------------------------------'],
      ['createdAt', 'desc', '2025-03-01T12:30:00.000Z', `${ID}x`],
      ['createdAt', 'desc', '2025-02-30T12:30:00.000Z', ID],
      ['createdAt', 'desc', '0000-01-01T00:00:00.000Z', ID],
      ['createdAt', 'desc', '+275760-09-13T00:00:00.000Z', ID],
      ['createdAt', 'desc', '2025-03-01', ID],
      ['createdAt', 'desc', '12345678901234567', ID],
      ['createdAt', 'desc', 'x', ID],
      ['createdAt', 'desc', null, ID],
      { sort: 'createdAt' },
    ]) {
      const error = refusal(raw(parts))
      expect(error, JSON.stringify(parts)).toBeInstanceOf(ProblemError)
      expect(error?.errors).toEqual([
        { in: 'query', field: 'cursor', reason: 'is not a cursor this API issued' },
      ])
    }
  })

  it('refuses a cursor of another sort order', () => {
    expect(refusal(raw(['updatedAt', 'desc', '42', ID]))?.errors?.[0]?.reason).toBe(
      'belongs to a different sort or order',
    )
  })
})
