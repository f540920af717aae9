import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import {
  NOTICE_FORMATS,
  NOTICE_LANGUAGES,
  type NoticeFormat,
  type NoticeLanguage,
} from '../modules/breaches/breach-notice.ts'
import { ProblemError } from '../platform/problem.ts'
import {
  BREACH_ACTOR_TYPES,
  BREACH_RISKS,
  type Breach,
  type BreachActorType,
  type BreachRisk,
  breachClock,
  breachReference,
  DISCLOSING_ACTIONS,
} from '../privacy/breaches/breach.ts'
import type { Runtime } from '../runtime.ts'
import { checkAgainstSchema, readJsonFile } from './json-input.ts'
import { alignedColumns, CLI_ACTOR, withDataDirOption, withRuntime } from './shared.ts'

function oneOf<T extends string>(option: string, allowed: readonly T[], value: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new ProblemError('validation', `${option}: must be one of ${allowed.join(', ')}`, {
    errors: [{ in: 'options', field: option, reason: `must be one of ${allowed.join(', ')}` }],
  })
}

function dateOption(option: string, value: string): Date {
  const d = new Date(value)
  if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value))
    throw new ProblemError(
      'validation',
      `${option}: must be an ISO 8601 date-time, e.g. 2026-12-07T09:30:00Z`,
    )
  return d
}

/** A breach by its id or its reference (`B-3`). */
async function resolve(runtime: Runtime, ref: string): Promise<Breach> {
  const m = /^B-(\d+)$/i.exec(ref)
  if (!m) return runtime.services.breaches.get(ref)
  const found = (await runtime.services.breaches.list()).find((b) => b.number === Number(m[1]))
  if (!found) throw new ProblemError('not-found', `there is no breach ${ref}`)
  return found
}

/** The clock in words: hours left, overdue, notified (late or in time), or not required. */
function clockInWords(b: Breach, now: Date): string {
  const c = breachClock(b, now)
  if (!c.notificationRequired) return 'no notification required'
  if (b.authorityNotifiedAt) return c.late ? 'notified late (with reasons)' : 'notified in time'
  if (c.remainingMs === null) return b.status
  const hours = Math.abs(c.remainingMs) / 3_600_000
  return c.overdue ? `OVERDUE by ${hours.toFixed(1)} h` : `${hours.toFixed(1)} h left`
}

/** `tresor breaches`: the breach register (Art. 33, 34). */
export function registerBreaches(program: Command): void {
  const breaches = program
    .command('breaches')
    .description(
      'the breach register (Art. 33, 34): record, compute the affected people, notify, send letters',
    )

  withDataDirOption(
    breaches
      .command('list')
      .description('one line per breach: reference, risk, status, 72-hour clock, affected, title'),
  ).action(async (options: { dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const now = runtime.services.breaches.now()
      const list = await runtime.services.breaches.list()
      const rows = await Promise.all(
        list.map(async (b) => [
          breachReference(b.number),
          b.risk,
          b.status,
          clockInWords(b, now),
          `${(await runtime.services.breaches.counts(b.id)).subjects} affected`,
          b.title,
        ]),
      )
      process.stdout.write(rows.length === 0 ? 'no breaches recorded\n' : alignedColumns(rows))
    })
  })

  withDataDirOption(
    breaches
      .command('show')
      .description('print one breach as JSON, with its clock and counts')
      .argument('<breach>', 'id or reference (B-1)'),
  ).action(async (ref: string, options: { dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const b = await resolve(runtime, ref)
      const { breachJson } = await import('../modules/breaches/breach.routes.ts')
      const json = breachJson(
        b,
        await runtime.services.breaches.counts(b.id),
        runtime.services.breaches.now(),
      )
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`)
    })
  })

  withDataDirOption(
    breaches
      .command('add')
      .description('record a breach, from options or a JSON file (as POST /api/v1/breaches); audited')
      .option('--file <file>', 'JSON with the breach (awareAt, title, description, risk, …)')
      .option('--title <title>', 'what happened, in a few words')
      .option('--description <text>', 'the nature of the breach (Art. 33(3)(a))')
      .option('--aware-at <time>', 'when the company became aware (ISO 8601); default now')
      .option('--risk <risk>', `risk: ${BREACH_RISKS.join(', ')}`)
      .option('--consequences <text>', 'the likely consequences (Art. 33(3)(c))')
      .option('--measures <text>', 'the measures taken or proposed (Art. 33(3)(d))'),
  ).action(
    async (options: {
      file?: string
      title?: string
      description?: string
      awareAt?: string
      risk?: string
      consequences?: string
      measures?: string
      dataDir?: string
    }) => {
      const { NewBreachBody } = await import('../modules/breaches/breach.schemas.ts')
      const body: Record<string, unknown> = options.file
        ? (readJsonFile(options.file) as Record<string, unknown>)
        : {
            awareAt: options.awareAt ?? new Date().toISOString(),
            ...(options.title !== undefined ? { title: options.title } : {}),
            ...(options.description !== undefined ? { description: options.description } : {}),
            ...(options.risk !== undefined ? { risk: options.risk } : {}),
            ...(options.consequences !== undefined ? { consequences: options.consequences } : {}),
            ...(options.measures !== undefined ? { measures: options.measures } : {}),
          }
      await checkAgainstSchema(NewBreachBody, body, options.file ?? 'options')
      const b = body as unknown as import('../modules/breaches/breach.schemas.ts').NewBreachBody
      await withRuntime(options, async (runtime) => {
        const created = await runtime.services.breaches.record(
          {
            ...b,
            risk: b.risk as BreachRisk,
            awareAt: new Date(b.awareAt),
            occurredFrom: b.occurredFrom ? new Date(b.occurredFrom) : null,
            occurredUntil: b.occurredUntil ? new Date(b.occurredUntil) : null,
          },
          { actor: CLI_ACTOR },
        )
        process.stdout.write(`${breachReference(created.number)} recorded (${created.id})\n`)
      })
    },
  )

  withDataDirOption(
    breaches
      .command('affected')
      .description(
        'compute the affected people from the audit trail: whom an actor read or exported in a time window; prints the counts',
      )
      .argument('<breach>', 'id or reference (B-1)')
      .requiredOption('--actor-type <type>', `${BREACH_ACTOR_TYPES.join(' or ')}`)
      .requiredOption('--actor-id <id>', 'the user id or API token id')
      .requiredOption('--from <time>', 'window start (ISO 8601, inclusive)')
      .requiredOption('--until <time>', 'window end (ISO 8601, exclusive)')
      .option('--actions <list>', 'audit actions that count, comma-separated', DISCLOSING_ACTIONS.join(',')),
  ).action(
    async (
      ref: string,
      options: {
        actorType: string
        actorId: string
        from: string
        until: string
        actions: string
        dataDir?: string
      },
    ) => {
      const type = oneOf<BreachActorType>('--actor-type', BREACH_ACTOR_TYPES, options.actorType)
      const from = dateOption('--from', options.from)
      const until = dateOption('--until', options.until)
      await withRuntime(options, async (runtime) => {
        const b = await resolve(runtime, ref)
        const result = await runtime.services.breaches.computeAffected(
          b.id,
          {
            actor: { type, id: options.actorId },
            from,
            until,
            actions: options.actions.split(',').map((a) => a.trim()),
          },
          { actor: CLI_ACTOR },
        )
        process.stdout.write(
          `${breachReference(b.number)}: ${result.added} added or updated; ${result.counts.subjects} people, ${result.counts.records} audit records in the affected set\n`,
        )
      })
    },
  )

  withDataDirOption(
    breaches
      .command('notify')
      .description(
        'record the notification of the supervisory authority (after 72 hours only with --delay-reasons)',
      )
      .argument('<breach>', 'id or reference (B-1)')
      .option('--at <time>', 'when it was notified (ISO 8601); default now')
      .option('--reference <ref>', 'the authority’s reference')
      .option('--delay-reasons <text>', 'Art. 33(1): why it comes after 72 hours'),
  ).action(
    async (
      ref: string,
      options: { at?: string; reference?: string; delayReasons?: string; dataDir?: string },
    ) => {
      const at = options.at ? dateOption('--at', options.at) : new Date()
      await withRuntime(options, async (runtime) => {
        const b = await resolve(runtime, ref)
        const n = await runtime.services.breaches.notifyAuthority(
          b.id,
          { at, reference: options.reference ?? null, delayReasons: options.delayReasons ?? null },
          { actor: CLI_ACTOR },
        )
        process.stdout.write(
          `${breachReference(n.number)}: authority notified at ${n.authorityNotifiedAt?.toISOString()}\n`,
        )
      })
    },
  )

  withDataDirOption(
    breaches
      .command('notice')
      .description('write the draft notification to the authority (Art. 33(3))')
      .argument('<breach>', 'id or reference (B-1)')
      .option('--lang <lang>', `language: ${NOTICE_LANGUAGES.join(' or ')}`, 'de')
      .option('--format <format>', `format: ${NOTICE_FORMATS.join(', ')}`, 'text')
      .option('--out <file>', 'where to write it; default: standard output'),
  ).action(async (ref: string, options: { lang: string; format: string; out?: string; dataDir?: string }) => {
    const lang = oneOf<NoticeLanguage>('--lang', NOTICE_LANGUAGES, options.lang)
    const format = oneOf<NoticeFormat>('--format', NOTICE_FORMATS, options.format)
    if (format === 'pdf' && !options.out && process.stdout.isTTY)
      throw new ProblemError('validation', '--out: name a file for the PDF (it is not written to a terminal)')
    await withRuntime(options, async (runtime) => {
      const b = await resolve(runtime, ref)
      const file = await runtime.services.breachNotices.notice(b.id, lang, format)
      if (options.out) writeFileSync(options.out, file.body)
      else process.stdout.write(file.body)
    })
  })

  withDataDirOption(
    breaches
      .command('letters')
      .description(
        'send the Art. 34 letters to the affected people no letter reached yet (high risk only); prints the outcome',
      )
      .argument('<breach>', 'id or reference (B-1)')
      .option('--lang <lang>', `language: ${NOTICE_LANGUAGES.join(' or ')}`, 'de'),
  ).action(async (ref: string, options: { lang: string; dataDir?: string }) => {
    const lang = oneOf<NoticeLanguage>('--lang', NOTICE_LANGUAGES, options.lang)
    await withRuntime(options, async (runtime) => {
      const b = await resolve(runtime, ref)
      const s = await runtime.services.breachNotices.sendLetters(b.id, { actor: CLI_ACTOR }, lang)
      process.stdout.write(
        `${breachReference(b.number)}: ${s.sent} sent, ${s.refused} refused by the gate, ${s.noAddress} without address, ${s.failed} failed\n`,
      )
    })
  })
}
