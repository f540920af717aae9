import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { type CliResult, deferCleanup, runTresor, tempDir } from '../support/cli.ts'
import { ENGINES } from '../support/engines.ts'
import { createDatabase, dropDatabase } from '../support/postgres.ts'

/** An installation: a data dir (key file, PGlite) and, on PostgreSQL, its own database. */
async function installation(engine: (typeof ENGINES)[number]): Promise<Record<string, string>> {
  const env: Record<string, string> = { TRESOR_DATA_DIR: tempDir() }
  if (engine === 'postgres') {
    const adminUrl = inject('postgresUrl')
    if (!adminUrl) throw new Error(inject('postgresError'))
    const name = `t_${randomBytes(6).toString('hex')}`
    env.DATABASE_URL = await createDatabase(adminUrl, name)
    deferCleanup(() => dropDatabase(adminUrl, name))
  }
  return env
}

/** Runs the CLI on `env`'s installation: a DATABASE_URL of this process must not choose the engine. */
const tresor = (args: string[], env: Record<string, string>): Promise<CliResult> =>
  runTresor(args, { env: { DATABASE_URL: '', ...env } })

for (const engine of ENGINES) {
  describe(`tresor retention [${engine}]`, () => {
    it('lists, shows and changes the rules, refuses what a law forbids, writes the document', async () => {
      const env = await installation(engine)
      const dir = env.TRESOR_DATA_DIR as string

      const list = await tresor(['retention', 'rules'], env)
      expect(list.code, list.stderr).toBe(0)
      expect(list.stdout).toMatch(
        /^accounting_vouchers\s+invoice\s+P8Y\s+end_of_year_of_creation\s+min P8Y § 147\(3\) AO, § 257\(4\) HGB\s+v1\s+Accounting vouchers \(invoices\)$/m,
      )
      expect(list.stdout).toMatch(/^books_and_statements\s+\(not in Tresor\)\s+P10Y\s/m)
      expect(list.stdout).toMatch(
        /^leads_without_interaction\s+subject\s+P2Y\s+last_interaction\s+min -\s+v1\s/m,
      )

      const shown = await tresor(['retention', 'rules', 'show', 'leads_without_interaction'], env)
      const rule = JSON.parse(shown.stdout) as Record<string, unknown>
      expect(rule).toMatchObject({ key: 'leads_without_interaction', period: 'P2Y', version: 1 })
      expect(rule.versions).toHaveLength(1)

      // What `show` prints can be edited and fed back.
      const file = path.join(dir, 'leads.json')
      writeFileSync(file, JSON.stringify({ ...rule, period: 'P3Y' }))
      const changed = await tresor(
        ['retention', 'rules', 'set', 'leads_without_interaction', '--file', file],
        env,
      )
      expect(changed.stdout, changed.stderr).toBe(
        'retention rule leads_without_interaction changed to version 2\n',
      )

      const short = path.join(dir, 'short.json')
      writeFileSync(short, JSON.stringify({ period: 'P5Y' }))
      const refused = await tresor(['retention', 'rules', 'set', 'accounting_vouchers', '--file', short], env)
      expect(refused.code).toBe(65)
      expect(refused.stderr).toMatch(/period: must be at least P8Y: § 147\(3\) AO, § 257\(4\) HGB/)

      const own = path.join(dir, 'own.json')
      writeFileSync(
        own,
        JSON.stringify({
          name: { de: 'Notizen', en: 'Staff notes' },
          covers: { recordKind: 'subject_note' },
          period: 'P3Y',
          startEvent: 'creation',
          rule: { de: 'Drei Jahre.', en: 'Three years.' },
        }),
      )
      const created = await tresor(['retention', 'rules', 'set', 'staff_notes', '--file', own], env)
      expect(created.stdout, created.stderr).toBe('retention rule staff_notes created\n')

      const out = path.join(dir, 'loeschkonzept.pdf')
      const pdf = await tresor(
        ['retention', 'document', '--lang', 'de', '--format', 'pdf', '--out', out],
        env,
      )
      expect(pdf.code, pdf.stderr).toBe(0)
      expect(readFileSync(out).subarray(0, 5).toString('latin1')).toBe('%PDF-')

      const html = await tresor(['retention', 'document', '--lang', 'en'], env)
      expect(html.stdout).toContain('<h1>Deletion concept</h1>')
      expect(html.stdout).toContain('Staff notes')

      const badLang = await tresor(['retention', 'document', '--lang', 'fr'], env)
      expect(badLang.code).toBe(65)
      expect(badLang.stderr).toBe('tresor: --lang: must be one of de, en\n')
    }, 240_000) // several CLI starts; each opens the database
  })
}
