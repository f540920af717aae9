import { chmod, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { generatePeople } from '../../src/modules/demo/demo-generator.ts'
import { measure, type Scenario } from '../harness.ts'
import { openDemoRuntime } from '../support/in-process.ts'

const HEADER = 'Vorname;Nachname;E-Mail;Telefon;Straße;PLZ;Ort;Land;Geburtsdatum'
const CLI_ACTOR = { type: 'system' as const, id: 'bench', role: 'admin' }

/** A cell as Excel quotes it: in double quotes when it holds the delimiter, a quote or a line break. */
const csvCell = (value: string) => (/[;"\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value)

/** A German-Excel-style CSV (semicolons, dd.mm.yyyy) of `count` synthetic people, from `offset`. */
function peopleCsv(count: number, offset: number): string {
  const lines = [HEADER]
  for (const p of generatePeople({ seed: 7, count, offset })) {
    const [y, m, d] = p.birthDate.split('-')
    lines.push(
      [
        p.firstName,
        p.lastName,
        `imp-${p.email}`,
        p.phone,
        p.street,
        p.postcode,
        p.city,
        p.country,
        `${d}.${m}.${y}`,
      ]
        .map(csvCell)
        .join(';'),
    )
  }
  return `${lines.join('\r\n')}\r\n`
}

/**
 * `import-subjects`: a CSV of `scale` new people imported through the full path (row checks,
 * de-duplication through the blind index, vault encryption and blind indexes, consent events with
 * their proof, audit), in the bench process as `tresor import` runs it, into an installation that
 * already holds `scale` demo subjects. On PostgreSQL also a raw `COPY` of the same file into a
 * plain table, for the ratio.
 */
export const importSubjects: Scenario = {
  name: 'import-subjects',
  description:
    'tresor import of a German-Excel CSV of `scale` new people (consent purpose newsletter_email with proof) into an ' +
    'installation holding `scale` demo subjects, in process; subjects/s; on PostgreSQL also the raw COPY of the same ' +
    'file into a plain table and the ratio.',
  defaultScale: 20_000,
  async run(ctx) {
    const runtime = await openDemoRuntime(ctx, 'import-subjects')
    const dir = await mkdtemp(path.join(tmpdir(), 'tresor-bench-import-'))
    await chmod(dir, 0o755)
    ctx.defer(async () => {
      const { rm } = await import('node:fs/promises')
      await rm(dir, { recursive: true, force: true })
    })
    let round = 0
    return measure(
      ctx,
      'import',
      { warmups: 0, runs: 3 },
      { import_subjects_per_s: 'subjects/s', copy_rows_per_s: 'rows/s', import_to_copy_ratio: 'x' },
      async () => {
        // A new file each run: the people of a re-run would be recognised and skipped.
        const file = path.join(dir, `people-${round}.csv`)
        await writeFile(file, peopleCsv(ctx.scale, 10_000_000 + round * ctx.scale))
        await chmod(file, 0o644)
        round++
        const started = performance.now()
        const report = await runtime.services.imports.run(
          { actor: CLI_ACTOR },
          { path: file },
          {
            kind: 'subjects',
            provenance: {
              source: 'bench',
              purpose: 'newsletter_email',
              consentReference: 'bench-proof',
              textVersion: 'v1',
            },
          },
        )
        const seconds = (performance.now() - started) / 1000
        // A synthetic phone number may equal one of the demo subjects': that person is recognised.
        if (report.imported + report.skipped !== ctx.scale || report.imported < ctx.scale * 0.99)
          throw new Error(
            `imported ${report.imported} of ${ctx.scale}, ${report.skipped} recognised, ${report.rejected} rejected: ${JSON.stringify(report.problems.slice(0, 3))}`,
          )
        let copyPerS = 0
        if (ctx.db === 'postgres') {
          const db = runtime.database.db
          await sql`drop table if exists bench_raw_import`.execute(db)
          await sql`create unlogged table bench_raw_import (first_name text, last_name text, email text, phone text,
            street text, postal_code text, city text, country text, birth_date text)`.execute(db)
          const t0 = performance.now()
          await sql`copy bench_raw_import from ${sql.lit(file)} with (format csv, delimiter ';', header true)`.execute(
            db,
          )
          copyPerS = ctx.scale / ((performance.now() - t0) / 1000)
          await sql`drop table bench_raw_import`.execute(db)
        }
        const perS = report.imported / seconds
        return {
          import_subjects_per_s: perS,
          copy_rows_per_s: copyPerS,
          import_to_copy_ratio: copyPerS > 0 ? copyPerS / perS : 0,
        }
      },
    )
  },
}
