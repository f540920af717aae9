import fc from 'fast-check'
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import { byteaArray, integerArray, textArray } from './array-literal.ts'

describeEachEngine('array literals', (runtime) => {
  const db = () => runtime().database.db

  it('round-trips any text, integers and bytes through the database unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.option(
            fc.string({ unit: 'grapheme' }).map((s) => s.replaceAll('\u0000', '')),
            { nil: null },
          ),
          { maxLength: 8 },
        ),
        fc.array(fc.option(fc.integer(), { nil: null }), { maxLength: 8 }),
        fc.array(fc.option(fc.uint8Array({ maxLength: 40 }), { nil: null }), { maxLength: 8 }),
        async (texts, integers, bytes) => {
          const { rows } = await sql<{
            t: (string | null)[]
            i: (number | null)[]
            b: (Uint8Array | null)[]
          }>`
            select ${textArray(texts)}::text[] as t, ${integerArray(integers)}::int8[] as i,
                   ${byteaArray(bytes)}::bytea[] as b`.execute(db())
          const [row] = rows
          expect(row?.t).toEqual(texts)
          expect(row?.i.map((v) => (v === null ? null : Number(v)))).toEqual(integers)
          expect(row?.b.map((v) => (v === null ? null : Buffer.from(v)))).toEqual(
            bytes.map((v) => (v === null ? null : Buffer.from(v))),
          )
        },
      ),
      { numRuns: 60 },
    )
  })

  it('refuses a number that is not an integer', () => {
    expect(() => integerArray([1.5])).toThrow('not an integer')
  })
})
