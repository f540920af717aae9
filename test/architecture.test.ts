import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Database, openDatabase } from '../src/platform/db/database.ts'
import { migrate } from '../src/platform/db/migrate.ts'
import { RECORD_FIELDS } from '../src/privacy/fields/field-catalog.ts'
import { PERSONAL_TABLES, RECORD_KINDS } from '../src/privacy/records/record-kinds.ts'

const SRC = path.resolve('src')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : []
  })
}

const sources = files(SRC).filter((f) => !f.endsWith('.test.ts'))
/** What a file imports, or re-exports from another file. */
const importsOf = (file: string): string[] =>
  [
    ...readFileSync(file, 'utf8').matchAll(
      /^\s*(?:import|export)\s[^'";]*?\sfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm,
    ),
  ].map((m) => (m[1] ?? m[2]) as string)
const rel = (file: string) => path.relative(SRC, file)

describe('architecture: dependencies point one way', () => {
  it('routes, jobs and CLI never reach past the services into repositories', () => {
    const offenders = sources
      .filter((f) => /\.(routes|jobs)\.ts$/.test(f) || rel(f).startsWith('cli/'))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => i.endsWith('.repository.ts'))
          .map((i) => `${rel(f)} → ${i}`),
      )
    expect(offenders).toEqual([])
  })

  it('repositories hold SQL only: they import no services, routes or server code', () => {
    const offenders = sources
      .filter((f) => f.endsWith('.repository.ts'))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => /\.(service|routes)\.ts$/.test(i) || i.includes('/server/'))
          .map((i) => `${rel(f)} → ${i}`),
      )
    expect(offenders).toEqual([])
  })

  it('only the platform talks to the database drivers', () => {
    const offenders = sources
      .filter((f) => !rel(f).startsWith('platform/db/'))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => i === 'pg' || i.startsWith('@electric-sql/pglite'))
          .map((i) => `${rel(f)} → ${i}`),
      )
    expect(offenders).toEqual([])
  })

  it('modules and the platform never import the entry points', () => {
    const offenders = sources
      .filter((f) => /^(modules|platform|privacy)\//.test(rel(f)))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => /\/(cli|worker)\//.test(i) || i.endsWith('/server/app.ts'))
          .map((i) => `${rel(f)} → ${i}`),
      )
    expect(offenders).toEqual([])
  })

  it('the kernel imports neither the modules nor the HTTP layer: privacy/ sits below both', () => {
    const offenders = sources
      .filter((f) => rel(f).startsWith('privacy/'))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => /\/(modules|server)\//.test(i))
          .map((i) => `${rel(f)} → ${i}`),
      )
    expect(offenders).toEqual([])
  })

  it('services take their request context from the gate, not from the HTTP layer', () => {
    const offenders = sources
      .filter((f) => f.endsWith('.service.ts'))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => /(^|\/)server\//.test(i))
          .map((i) => `${rel(f)} → ${i}`),
      )
    expect(offenders).toEqual([])
  })

  it('every module explains itself in a README', () => {
    const modules = readdirSync(path.join(SRC, 'modules'))
    expect(modules.length).toBeGreaterThan(0)
    for (const m of modules)
      expect(() => statSync(path.join(SRC, 'modules', m, 'README.md')), m).not.toThrow()
  })
})

// Tables that hold personal data (the registry of record kinds), or keys to it.
const KERNEL_TABLES = [...PERSONAL_TABLES, 'vault_secret']
const TABLE = KERNEL_TABLES.join('|')
const KYSELY_QUERY = new RegExp(
  `\\b(selectFrom|insertInto|updateTable|deleteFrom|mergeInto)\\(\\s*['"](${TABLE})\\b`,
)
const RAW_QUERY = new RegExp(`\\b(from|into|update|join)\\s+(${TABLE})\\b`, 'i')

/** Lines of a source text that query a personal table, through Kysely or raw SQL. */
function personalTableQueries(text: string): number[] {
  return text
    .split('\n')
    .flatMap((line, i) =>
      KYSELY_QUERY.test(line) || (/sql`|query\(/.test(line) && RAW_QUERY.test(line)) ? [i + 1] : [],
    )
}

/**
 * DESIGN.md, "the one rule": personal data passes through the gate. Only `src/privacy/` reads the
 * personal tables or the vault; everything else asks the gate.
 */
describe('architecture: personal data only through src/privacy', () => {
  // runtime.ts is the composition root: it constructs the kernel's parts, it doesn't query them.
  const outside = sources.filter(
    (f) => !rel(f).startsWith('privacy/') && !rel(f).startsWith('platform/db/') && rel(f) !== 'runtime.ts',
  )

  it('no module outside src/privacy queries a personal table', () => {
    const offenders = outside.flatMap((f) =>
      personalTableQueries(readFileSync(f, 'utf8')).map((line) => `${rel(f)}:${line}`),
    )
    expect(offenders).toEqual([])
  })

  it('recognises such queries (and leaves other tables alone)', () => {
    expect(personalTableQueries(".selectFrom('subject_identifier')\n.where(x)")).toEqual([1])
    expect(personalTableQueries("x\n  .insertInto('subject')")).toEqual([2])
    expect(personalTableQueries("await tx.query('select * from consent_event where a = $1')")).toEqual([1])
    expect(personalTableQueries(".selectFrom('subject_view')\n.selectFrom('app_user')")).toEqual([])
  })

  it("no module outside src/privacy imports the kernel's storage or keys, only the gate and its contracts", () => {
    const offenders = outside.flatMap((f) =>
      importsOf(f)
        .filter(
          (i) =>
            /\/privacy\/(vault|keys)\//.test(i) || (/\/privacy\//.test(i) && i.endsWith('.repository.ts')),
        )
        .map((i) => `${rel(f)} → ${i}`),
    )
    expect(offenders).toEqual([])
  })
})

/**
 * The registry of personal record kinds (`src/privacy/records/record-kinds.ts`) is the one list of
 * personal tables: erasure, merge and the checks above read it. A personal table it doesn't know
 * would be missed by all of them, so a migration that adds one fails here until it is registered.
 */
describe('architecture: every personal table is registered', () => {
  let database: Database
  beforeAll(async () => {
    database = await openDatabase({})
    await migrate(database)
  })
  afterAll(async () => {
    await database.close()
  })

  it('registers every table of the migrated schema that names a subject, and nothing else', async () => {
    const { rows } = await sql<{ table_name: string }>`
      select distinct table_name from information_schema.columns
      where table_schema = current_schema() and column_name in ('subject_id', 'subject_ids')
      union select 'subject'
    `.execute(database.db)
    // Tables naming people only in an array of ids, handled by their own code rather than as a kind:
    // a send's audience waiting in chunks (docs/adr/0022) — its ids go when the chunk enters the
    // send ledger, an erasure removes the person from it (RecordRepository.deleteAll), and a chunk
    // never lets an erased person into the ledger.
    const arraysOfIds = ['campaign_audience_chunk']
    const inSchema = rows
      .map((r) => r.table_name)
      .filter((t) => !arraysOfIds.includes(t))
      .sort()
    const registered: string[] = [...PERSONAL_TABLES].sort()
    expect(
      inSchema.filter((t) => !registered.includes(t)),
      'tables with a subject_id column missing from RECORD_KINDS',
    ).toEqual([])
    expect(
      registered.filter((t) => !inSchema.includes(t)),
      'registered tables the schema does not have',
    ).toEqual([])
  })

  it('lists children before parents, the order erasure deletes in', async () => {
    const { rows } = await sql<{ child: string; parent: string }>`
      select c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent
      from pg_constraint c
      where c.contype = 'f' and c.connamespace = current_schema()::regnamespace
    `.execute(database.db)
    // The query sees the foreign keys (an order's lines reference the order).
    expect(rows).toContainEqual({ child: 'order_line', parent: 'customer_order' })
    const position = (table: string) => (PERSONAL_TABLES as readonly string[]).indexOf(table)
    const misordered = rows
      .filter((r) => position(r.child) >= 0 && position(r.parent) >= 0 && r.child !== r.parent)
      .filter((r) => position(r.child) > position(r.parent))
      .map((r) => `${r.child} → ${r.parent}`)
    expect(misordered).toEqual([])
  })

  it('names a registered kind for every record field, and columns each table has', async () => {
    const fields = new Set(RECORD_KINDS.map((k) => k.field))
    expect(RECORD_FIELDS.filter((f) => !fields.has(f))).toEqual([])
    const { rows } = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns where table_schema = current_schema()
    `.execute(database.db)
    const has = (table: string, column: string) =>
      rows.some((r) => r.table_name === table && r.column_name === column)
    const unknown = RECORD_KINDS.flatMap((k) => {
      const columns: string[] = [
        ...k.sealed.flatMap((c) => [c.column, ...(typeof c.aad === 'string' ? [] : [c.aad.of])]),
        ...(typeof k.retention === 'string' ? [k.retention] : []),
        ...('columns' in k.report ? k.report.columns : []),
      ]
      return columns.filter((c) => !has(k.table, c)).map((c) => `${k.table}.${c}`)
    })
    expect(unknown).toEqual([])
  })

  it('moves a sealed column only by sealing it again: under the survivor it would not open', () => {
    const moved = RECORD_KINDS.filter(
      (k) =>
        k.sealed.length > 0 && ['move', 'move-distinct', 'move-renumbered', 'latest-wins'].includes(k.merge),
    ).map((k) => k.table)
    expect(moved).toEqual([])
  })
})
