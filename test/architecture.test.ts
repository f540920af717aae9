import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = path.resolve('src')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : []
  })
}

const sources = files(SRC).filter((f) => !f.endsWith('.test.ts'))
const importsOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1] as string)
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

  it('every module explains itself in a README', () => {
    const modules = readdirSync(path.join(SRC, 'modules'))
    expect(modules.length).toBeGreaterThan(0)
    for (const m of modules)
      expect(() => statSync(path.join(SRC, 'modules', m, 'README.md')), m).not.toThrow()
  })
})

// Tables that hold personal data, or keys to it. A new personal table is added here with its migration.
const PERSONAL_TABLES = [
  'subject',
  'subject_key',
  'subject_identifier',
  'blind_index',
  'vault_secret',
  'audit_event',
  'audit_subject_set',
  'consent_event',
  'objection_event',
  'restriction_event',
  'permission_state',
  'objection_state',
  'restriction_state',
  'subject_organisation',
  'touchpoint',
  'customer_order',
  'order_line',
  'invoice',
  'deal',
  'subject_note',
  'doi_request',
  'doi_token',
  'portal_link',
  'portal_session',
  'portal_token',
  'dsr_request',
  'unsubscribe_token',
]
const TABLE = PERSONAL_TABLES.join('|')
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
