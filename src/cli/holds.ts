import type { Command } from 'commander'
import type { HoldJson } from '../modules/holds/hold.schemas.ts'
import { holdJson } from '../modules/holds/hold-json.ts'
import { invalidField } from '../platform/problem.ts'
import { FIELD_CATEGORIES, type FieldCategory } from '../privacy/fields/field-catalog.ts'
import {
  HOLD_GROUNDS,
  HOLDABLE_RECORD_KINDS,
  type HoldableRecordKind,
  type HoldGround,
} from '../privacy/holds/hold.ts'
import { CLI_ACTOR, withDataDirOption, withRuntime } from './shared.ts'

const LIST_HELP = `
What it prints:
  Every legal hold of the subject (Art. 17(3) GDPR): those the data asks for — each invoice (itself,
  its order and the billing identity until the end of the year of issue plus the vouchers period,
  § 147(3) AO, § 257(4) HGB), an unpaid invoice (until paid, Art. 17(3)(e)), a phone consent (the
  number and the proof for 5 years from the grant and each use, § 7a UWG) — and those the DPO
  entered; per hold whether it is in force, what it keeps, until when and the law. An erasure keeps
  what the holds in force name and nothing else. --json gives GET /api/v1/subjects/{id}/holds.
`

const ADD_HELP = `
A hold the DPO enters keeps, through an erasure, the identifiers of the named field categories
(identity, contact, address, bank, notes) and every record of the named kinds, until --until or
until lifted. The reason names the case by your file reference, without personal data (10-500
characters; an e-mail address or a long number is refused). Audited as the CLI (tresor-cli).

Example:
  tresor holds add 0b6f8f9e-… --ground dispute --reason "Complaint file 2026-0042, district court" \\
    --categories identity,contact --records subject_note,invoice
`

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '')

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '-')

/** The holds of one subject as a table for a person at the terminal. */
export function holdsText(
  subjectId: string,
  erasureRequestedAt: string | null,
  holds: readonly HoldJson[],
): string {
  const lines = [
    `Legal holds of subject ${subjectId}${erasureRequestedAt ? ` (erasure asked for ${day(erasureRequestedAt)}: held)` : ''}`,
  ]
  if (holds.length === 0) return `${lines[0]}\n  (none: an erasure erases everything)\n`
  for (const h of holds) {
    const until = h.until ? `until ${day(h.until)}` : h.untilEvent === 'paid' ? 'until paid' : 'until lifted'
    const keeps = [
      ...h.fields,
      ...h.records.map((r) => (r.count === null ? `${r.kind} (all)` : `${r.kind} (${r.count})`)),
    ]
    if (h.consentProof) keeps.push('consent proof')
    lines.push(
      `  ${h.inForce ? 'IN FORCE' : 'ended   '}  ${h.id}`,
      `            ${h.exception}; ${h.law}; ${until}; for ${h.purpose}`,
      `            keeps: ${keeps.join(', ') || '-'}`,
      `            why: ${h.reason.en}`,
    )
  }
  return `${lines.join('\n')}\n`
}

export function registerHolds(program: Command): void {
  const holds = program
    .command('holds')
    .description('legal holds (Art. 17(3)): what the law keeps of a subject through an erasure')

  withDataDirOption(
    holds
      .command('list <subjectId>')
      .description('list the legal holds of a subject, derived and entered')
      .option('--json', 'print JSON')
      .addHelpText('after', LIST_HELP),
  ).action(async (subjectId: string, options: { json?: boolean; dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const result = await runtime.services.holds.list(subjectId)
      const items = result.holds.map(holdJson)
      const requested = result.erasureRequestedAt?.toISOString() ?? null
      process.stdout.write(
        options.json
          ? `${JSON.stringify({ subjectId: result.subjectId, erasureRequestedAt: requested, erased: result.erased, holds: items }, null, 2)}\n`
          : holdsText(result.subjectId, requested, items),
      )
    })
  })

  withDataDirOption(
    holds
      .command('add <subjectId>')
      .description('enter a legal hold (the DPO’s): legal claims, a dispute, an authority’s request')
      .requiredOption('--ground <ground>', HOLD_GROUNDS.join(' | '))
      .requiredOption('--reason <text>', 'the case by your file reference; no personal data')
      .option(
        '--categories <list>',
        `field categories to keep, comma-separated (${FIELD_CATEGORIES.slice(0, 5).join(', ')})`,
      )
      .option(
        '--records <list>',
        `record kinds to keep, comma-separated (${HOLDABLE_RECORD_KINDS.join(', ')})`,
      )
      .option('--until <time>', 'when it ends (ISO 8601); default: until lifted')
      .addHelpText('after', ADD_HELP),
  ).action(
    async (
      subjectId: string,
      options: {
        ground: string
        reason: string
        categories?: string
        records?: string
        until?: string
        dataDir?: string
      },
    ) => {
      const until = options.until === undefined ? null : new Date(options.until)
      if (until && Number.isNaN(until.getTime()))
        throw invalidField('body', 'until', 'is not an ISO 8601 time')
      await withRuntime(options, async (runtime) => {
        const hold = await runtime.services.holds.add(
          {
            subjectId,
            ground: options.ground as HoldGround,
            reason: options.reason,
            fieldCategories: list(options.categories) as FieldCategory[],
            recordKinds: list(options.records) as HoldableRecordKind[],
            until,
          },
          { actor: CLI_ACTOR },
        )
        process.stdout.write(`Legal hold ${hold.id} entered for subject ${hold.subjectId}.\n`)
      })
    },
  )

  withDataDirOption(
    holds
      .command('lift <subjectId> <holdId>')
      .description('lift a legal hold the DPO entered (audited); a held erasure finishes at the next sweep'),
  ).action(async (subjectId: string, holdId: string, options: { dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const lifted = await runtime.services.holds.lift(subjectId, holdId, { actor: CLI_ACTOR })
      process.stdout.write(
        `Legal hold ${lifted.id} lifted. A held erasure finishes with \`tresor erasures finish\` (or the daily job) once no hold is left.\n`,
      )
    })
  })
}
