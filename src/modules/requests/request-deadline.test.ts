import { describe, expect, it } from 'vitest'
import { dueDate } from './request-deadline.ts'

describe('dueDate (Art. 12(3): one month of receipt)', () => {
  const at = (iso: string) => new Date(iso)

  it('ends on the same day of the next month, at the time of receipt', () => {
    expect(dueDate(at('2025-03-15T09:30:00Z'), 'P1M').toISOString()).toBe('2025-04-15T09:30:00.000Z')
    expect(dueDate(at('2025-12-20T23:59:00Z'), 'P1M').toISOString()).toBe('2026-01-20T23:59:00.000Z')
  })

  it('ends on the last day of a shorter month, never in the month after (Reg. 1182/71 Art. 3(2)(c))', () => {
    expect(dueDate(at('2025-01-31T10:00:00Z'), 'P1M').toISOString()).toBe('2025-02-28T10:00:00.000Z')
    expect(dueDate(at('2024-01-31T10:00:00Z'), 'P1M').toISOString()).toBe('2024-02-29T10:00:00.000Z')
    expect(dueDate(at('2025-03-31T10:00:00Z'), 'P1M').toISOString()).toBe('2025-04-30T10:00:00.000Z')
  })

  it('takes weeks and days for a stricter internal target', () => {
    expect(dueDate(at('2025-03-15T09:30:00Z'), 'P2W').toISOString()).toBe('2025-03-29T09:30:00.000Z')
    expect(dueDate(at('2025-03-15T09:30:00Z'), 'P10D').toISOString()).toBe('2025-03-25T09:30:00.000Z')
  })

  it('refuses anything else', () => {
    expect(() => dueDate(at('2025-03-15T09:30:00Z'), 'P1Y')).toThrow(RangeError)
  })
})
