import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { describe, expect, inject, it } from 'vitest'
import type {
  ConsentProofViewJson,
  ConsentRecords27560,
} from '../../src/modules/consents/consent-proof.schemas.ts'
import { loadConfig } from '../../src/platform/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { openRuntime, type Runtime } from '../../src/runtime.ts'
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

/** Opens the installation in this process (the CLI must not be running on PGlite meanwhile). */
async function withInstallation<T>(
  env: Record<string, string>,
  fn: (runtime: Runtime) => Promise<T>,
): Promise<T> {
  const runtime = await openRuntime(loadConfig(env), { logger: createLogger('silent') })
  try {
    return await fn(runtime)
  } finally {
    await runtime.close()
  }
}

const AGENT = { type: 'user' as const, id: 'agent-7' }

for (const engine of ENGINES) {
  describe(`tresor consent proof [${engine}]`, () => {
    it('prints the state and the proof history as a table, as JSON and as 27560 records, and audits each look', async () => {
      const env = await installation(engine)
      const subject = await withInstallation(env, async (runtime) => {
        const { id } = await runtime.database.db
          .insertInto('subject')
          .values({ kinds: ['customer'], source: 'manual' })
          .returning('id')
          .executeTakeFirstOrThrow()
        const event = (kind: 'granted' | 'withdrawn', proof: Record<string, string>, at: string) => ({
          subjectId: id,
          purposeKey: 'phone_marketing',
          channel: 'phone' as const,
          kind,
          proof: proof as { source: 'phone' },
          actor: AGENT,
          at: new Date(at),
        })
        await runtime.services.permissions.recordConsent([
          event(
            'granted',
            { source: 'phone', textVersion: 'tel-script-3', reference: 'call-0042' },
            '2026-02-01T09:00:00Z',
          ),
          event('withdrawn', { source: 'letter', reference: 'scan-77' }, '2026-03-01T09:00:00Z'),
        ])
        await runtime.services.permissions.recordObjection([
          { subjectId: id, scope: 'all_marketing', action: 'raised', source: 'letter', actor: AGENT },
        ])
        return id
      })

      const table = await tresor(['consent', 'proof', '--subject', subject], env)
      expect(table.code, table.stderr).toBe(0)
      expect(table.stdout).toContain(`Consent proof of subject ${subject}`)
      expect(table.stdout).toMatch(
        /Do not contact: YES — objection to all direct marketing since .* \(letter\)/,
      )
      expect(table.stdout).toMatch(
        /^ {2}phone_marketing\s+phone\s+withdrawn\s+2026-03-01T09:00:00Z\s+-\s+no \(consent-withdrawn\)$/m,
      )
      expect(table.stdout).toMatch(
        /^ {2}2026-02-01T09:00:00Z\s+phone_marketing v1\s+phone\s+granted\s+phone\s+tel-script-3\s+-\s+call-0042\s+-\s+user:agent-7\s+-$/m,
      )
      expect(table.stdout).toMatch(
        /^ {2}2026-03-01T09:00:00Z\s+phone_marketing v1\s+phone\s+withdrawn\s+letter\s+-\s+-\s+scan-77/m,
      )
      expect(table.stdout).toMatch(/raised\s+all_marketing\s+all direct marketing\s+letter\s+user:agent-7/)
      expect(table.stdout).toMatch(
        /^ {2}phone_marketing\s+phone\s+2026-02-01T09:00:00Z\s+-\s+2031-02-01T09:00:00Z\s+§ 7a UWG \(P5Y\)$/m,
      )

      const json = await tresor(['consent', 'proof', '--subject', subject, '--json'], env)
      expect(json.code, json.stderr).toBe(0)
      const view = JSON.parse(json.stdout) as ConsentProofViewJson
      expect(view).toMatchObject({ subjectId: subject, doNotContact: true })
      expect(view.events).toEqual([
        expect.objectContaining({
          kind: 'granted',
          proof: expect.objectContaining({ reference: 'call-0042' }),
        }),
        expect.objectContaining({ kind: 'withdrawn', recordedBy: AGENT }),
      ])
      expect(view.proofRetention[0]?.keepUntil).toBe('2031-02-01T09:00:00.000Z')

      const iso = await tresor(['consent', 'proof', '--subject', subject, '--format', '27560'], env)
      expect(iso.code, iso.stderr).toBe(0)
      const doc = JSON.parse(iso.stdout) as ConsentRecords27560
      expect(doc['@context']).toMatchObject({ dpv: 'https://w3id.org/dpv#' })
      expect(doc['@graph']).toHaveLength(1)
      expect(doc['@graph'][0]).toMatchObject({
        '@type': 'dpv:ConsentRecord',
        'dct:identifier': `${subject}/phone_marketing/phone`,
        'dpv:hasLegalBasis': ['eu-gdpr:A6-1-a'],
        'tresor:currentStatus': 'dpv:ConsentWithdrawn',
      })
      expect(doc['@graph'][0]?.['dpv:hasConsentStatus'].map((s) => s['@type'])).toEqual([
        ['dpv:ConsentGiven', 'dpv:ExpressedConsent'],
        'dpv:ConsentWithdrawn',
      ])

      // Each look is on record, with the CLI as the reader.
      const reads = await withInstallation(env, (runtime) =>
        runtime.database.db
          .selectFrom('audit_event')
          .select(['actor_type', 'actor_id', 'actor_role', 'reason'])
          .where('action', '=', 'read')
          .where(sql<boolean>`${subject}::uuid = any(subject_ids)`)
          .orderBy('seq')
          .execute(),
      )
      const cli = { actor_type: 'system', actor_id: 'tresor-cli', actor_role: 'admin' }
      expect(reads).toEqual([
        { ...cli, reason: 'consent state and proof viewed' },
        { ...cli, reason: 'consent state and proof viewed' },
        { ...cli, reason: 'consent state and proof viewed as ISO/IEC TS 27560 records' },
      ])

      const unknown = await tresor(
        ['consent', 'proof', '--subject', '00000000-0000-4000-8000-000000000000'],
        env,
      )
      expect(unknown.code).toBe(65)
      expect(unknown.stderr).toBe('tresor: there is no such subject\n')
    }, 240_000) // several CLI starts; each opens the database
  })
}

describe('tresor consent proof: bad input', () => {
  it('refuses a malformed subject id or an unknown format with exit 65, before opening anything', async () => {
    const dataDir = tempDir()
    const bad = await tresor(['consent', 'proof', '--subject', 'nope', '--data-dir', dataDir], {})
    expect(bad.code).toBe(65)
    expect(bad.stderr).toBe('tresor: --subject: must be a subject id (UUID)\n')
    const format = await tresor(
      [
        'consent',
        'proof',
        '--subject',
        '00000000-0000-4000-8000-000000000000',
        '--format',
        'xml',
        '--data-dir',
        dataDir,
      ],
      {},
    )
    expect(format.code).toBe(65)
    expect(format.stderr).toBe('tresor: --format: must be one of table, json, 27560\n')
    const help = await tresor(['consent', 'proof', '--help'], {})
    expect(help.stdout).toMatch(/^Usage: tresor consent proof/)
    expect(help.stdout).toContain('ISO/IEC')
  })
})

describe('tresor consent record / object: a phone or letter received outside Tresor', () => {
  it('records a phone consent, a letter withdrawal and a do-not-contact objection with their references', async () => {
    const env = await installation('pglite')
    const subject = await withInstallation(env, async (runtime) => {
      const { id } = await runtime.database.db
        .insertInto('subject')
        .values({ kinds: ['customer'], source: 'manual' })
        .returning('id')
        .executeTakeFirstOrThrow()
      return id
    })
    const base = ['--subject', subject]
    const granted = await tresor(
      [
        'consent',
        'record',
        ...base,
        '--purpose',
        'phone_marketing',
        '--channel',
        'phone',
        '--kind',
        'granted',
        '--source',
        'phone',
        '--text-version',
        'v1',
        '--reference',
        'CALL-2026-0042',
      ],
      env,
    )
    expect(granted.code, granted.stderr).toBe(0)
    expect(granted.stdout).toBe('phone_marketing on phone: granted (recorded, source phone)\n')

    // Bad input names the option and records nothing.
    const badChannel = await tresor(
      [
        'consent',
        'record',
        ...base,
        '--purpose',
        'phone_marketing',
        '--channel',
        'fax',
        '--kind',
        'withdrawn',
        '--source',
        'letter',
      ],
      env,
    )
    expect(badChannel.code).toBe(65)
    expect(badChannel.stderr).toMatch(/^tresor: --channel: /)
    const badSource = await tresor(
      ['consent', 'object', ...base, '--scope', 'all_marketing', '--source', 'pigeon'],
      env,
    )
    expect(badSource.code).toBe(65)
    expect(badSource.stderr).toMatch(/^tresor: --source: /)

    const withdrawn = await tresor(
      [
        'consent',
        'record',
        ...base,
        '--purpose',
        'phone_marketing',
        '--channel',
        'phone',
        '--kind',
        'withdrawn',
        '--source',
        'letter',
        '--reference',
        'SCAN-2026-0117',
      ],
      env,
    )
    expect(withdrawn.code, withdrawn.stderr).toBe(0)
    const objected = await tresor(
      [
        'consent',
        'object',
        ...base,
        '--scope',
        'all_marketing',
        '--source',
        'letter',
        '--reference',
        'SCAN-2026-0118',
      ],
      env,
    )
    expect(objected.code, objected.stderr).toBe(0)
    expect(objected.stdout).toBe('objection to all direct marketing: raised (recorded, source letter)\n')

    const json = await tresor(['consent', 'proof', ...base, '--json'], env)
    const view = JSON.parse(json.stdout) as ConsentProofViewJson
    const cli = { type: 'system', id: 'tresor-cli' }
    expect(view.doNotContact).toBe(true)
    expect(view.events.map((e) => [e.kind, e.source, e.proof.reference, e.recordedBy])).toEqual([
      ['granted', 'phone', 'CALL-2026-0042', cli],
      ['withdrawn', 'letter', 'SCAN-2026-0117', cli],
    ])
    expect(view.objectionEvents).toEqual([
      expect.objectContaining({ action: 'raised', scope: 'all_marketing', reference: 'SCAN-2026-0118' }),
    ])

    const lifted = await tresor(
      ['consent', 'object', ...base, '--scope', 'all_marketing', '--source', 'phone', '--lift'],
      env,
    )
    expect(lifted.code, lifted.stderr).toBe(0)
    expect(lifted.stdout).toBe('objection to all direct marketing: lifted (recorded, source phone)\n')
  }, 240_000) // several CLI starts; each opens the database
})
