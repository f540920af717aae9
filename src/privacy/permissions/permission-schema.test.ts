import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'

const PERSONAL = [
  'consent_event',
  'permission_state',
  'objection_event',
  'objection_state',
  'restriction_event',
  'restriction_state',
]

/** DESIGN.md, "Beyond one machine": every personal table leads its primary key with subject_id. */
describeEachEngine('permission tables: distribution-ready shape', (runtime) => {
  it('leads every primary key and unique constraint with subject_id', async () => {
    const { rows } = await sql<{ table: string; first: string }>`
      select c.conrelid::regclass::text as table, a.attname as first
      from pg_constraint c
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
      where c.contype in ('p', 'u') and c.conrelid::regclass::text = any(${PERSONAL})
    `.execute(runtime().database.db)
    expect(rows.map((r) => r.table).sort()).toEqual([...PERSONAL].sort())
    for (const row of rows) expect(row, row.table).toEqual({ table: row.table, first: 'subject_id' })
  })
})
