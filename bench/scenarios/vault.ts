import { randomBytes, randomUUID } from 'node:crypto'
import { loadConfig } from '../../src/platform/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { Keyring, subjectKeyAad } from '../../src/privacy/keys/keyring.ts'
import { BlindIndex } from '../../src/privacy/vault/blind-index.ts'
import type { IdentifierWrite } from '../../src/privacy/vault/vault.service.ts'
import { digestInParallel, type SealGroup, sealInParallel } from '../../src/privacy/vault/vault-crypto.ts'
import { createServices, openRuntime } from '../../src/runtime.ts'
import { measure, type Scenario } from '../harness.ts'

/** Identifiers per synthetic person: first and last name, e-mail, phone (the last two blind-indexed). */
const PER_PERSON = 4
/** Subjects per writeIdentifiers call (one transaction), as a bulk import would batch them. */
const CALL = 1_000
const WARMUP_SUBJECTS = 5_000

interface Person {
  id: string
  firstName: string
  lastName: string
  email: string
  phone: string
}

const person = (i: number, id: string = randomUUID()): Person => ({
  id,
  firstName: `Vorname${i}`,
  lastName: `Nachname${i}`,
  email: `Person.${i}@Example.com`,
  // valid German mobile numbers in national format, so every one is parsed and normalised
  phone: `0151 ${20_000_000 + (i % 70_000_000)}`,
})

/**
 * What `VaultService.writeIdentifiers` computes per subject before it touches the database, the
 * way it does it: a new data key wrapped under the master key (this thread), then the identity records
 * (ADR 0009) sealed under the data keys and e-mail and phone normalised and HMACed, split across the
 * vault's worker threads (vault-crypto.ts). Returns the bytes produced, as a check that the work
 * was done.
 */
async function encryptPeople(
  people: readonly Person[],
  keyring: Keyring,
  index: BlindIndex,
): Promise<number> {
  let bytes = 0
  const spec = index.spec()
  for (let from = 0; from < people.length; from += CALL) {
    const batch = people.slice(from, from + CALL)
    const raw = randomBytes(32 * batch.length)
    const groups: SealGroup[] = batch.map((p, i) => {
      const dataKey = raw.subarray(32 * i, 32 * (i + 1))
      bytes += keyring.wrap(dataKey, subjectKeyAad(p.id)).wrapped.length
      return {
        subjectId: p.id,
        dataKey,
        record: { firstName: p.firstName, lastName: p.lastName, email: p.email, phone: p.phone },
      }
    })
    const [sealed, digests] = await Promise.all([
      sealInParallel(groups),
      digestInParallel(
        index,
        spec,
        batch.flatMap((p) => [
          { kind: 'email' as const, value: p.email },
          { kind: 'phone' as const, value: p.phone },
        ]),
      ),
    ])
    for (const c of sealed) bytes += c.length
    for (const d of digests) bytes += Buffer.isBuffer(d) ? d.length : 0
  }
  return bytes
}

const toWrite = (p: Person): IdentifierWrite => ({
  subjectId: p.id,
  identifiers: { firstName: p.firstName, lastName: p.lastName, email: p.email, phone: p.phone },
})

/** The vault's throughput: encryption and blind indexing in-process, and writes through the database. */
export const vault: Scenario = {
  name: 'vault',
  description:
    'in-process: encrypt + blind-index `scale` identifiers (first/last name, e-mail, phone per person, with a ' +
    'new wrapped data key each; on the vault worker threads); database: VaultService.writeIdentifiers for scale/10 new subjects in calls ' +
    `of ${CALL.toLocaleString('en')}.`,
  defaultScale: 1_000_000,
  async run(ctx) {
    // 1. CPU only: the crypto of the vault, on all cores as the vault does it, as a figure
    // independent of the database.
    const people = Array.from({ length: Math.ceil(ctx.scale / PER_PERSON) }, (_, i) => person(i))
    const keyring = new Keyring({ current: randomBytes(32) })
    const index = new BlindIndex(randomBytes(32), { phoneRegion: 'DE' })
    // 29 bytes of version, IV and tag per ciphertext, 32-byte keys and digests
    const expectedBytes = people.reduce(
      (sum, p) =>
        sum + (32 + 29) + 4 * 29 + Buffer.byteLength(p.firstName + p.lastName + p.email + p.phone) + 2 * 32,
      0,
    )
    const cpu = await measure(
      ctx,
      'encrypt + blind-index',
      { warmups: 1, runs: 3 },
      { encrypt_blind_index_per_s: 'identifiers/s' },
      async () => {
        const started = performance.now()
        const bytes = await encryptPeople(people, keyring, index)
        const seconds = (performance.now() - started) / 1000
        if (bytes !== expectedBytes) throw new Error(`produced ${bytes} bytes, expected ${expectedBytes}`)
        return { encrypt_blind_index_per_s: (people.length * PER_PERSON) / seconds }
      },
    )

    // 2. Through the database: the vault is not reachable from the CLI or HTTP (only the privacy gate
    // calls it), so this part opens the instance's database in this process, as `tresor` would.
    const instance = await ctx.instance('vault')
    const runtime = await openRuntime(loadConfig({ ...instance.env }, { dataDir: instance.dataDir }), {
      logger: createLogger('warn'),
    })
    ctx.defer(() => runtime.close())
    if (runtime.database.engine !== ctx.db)
      throw new Error(`opened ${runtime.database.engine}, not ${ctx.db}`)
    const perRun = Math.max(CALL, Math.round(ctx.scale / 10 / 3))
    let written = 0
    const newPeople = async (n: number): Promise<Person[]> => {
      // bare subject rows, not timed: the figure is about the vault's part of an import
      const made: Person[] = []
      for (let from = 0; from < n; from += 5_000) {
        const rows = await runtime.database.db
          .insertInto('subject')
          .values(
            Array.from({ length: Math.min(5_000, n - from) }, () => ({
              kinds: ['customer'],
              source: 'import',
            })),
          )
          .returning('id')
          .execute()
        for (const row of rows) made.push(person(written++, row.id))
      }
      return made
    }
    ctx.log(
      `database part: ${WARMUP_SUBJECTS.toLocaleString('en')} subjects warm-up, 3 runs of ${perRun.toLocaleString('en')}`,
    )
    const db = await measure(
      ctx,
      'writeIdentifiers',
      { warmups: 1, runs: 3 },
      { write_identifiers_subjects_per_s: 'subjects/s' },
      async ({ warmup }) => {
        const batch = await newPeople(warmup ? WARMUP_SUBJECTS : perRun)
        const started = performance.now()
        for (let from = 0; from < batch.length; from += CALL) {
          await runtime.services.vault.writeIdentifiers(batch.slice(from, from + CALL).map(toWrite))
        }
        const seconds = (performance.now() - started) / 1000
        // the figure means nothing unless every subject can be found and read back
        const last = batch[batch.length - 1] as Person
        const found = await runtime.services.vault.findByBlindIndex('email', last.email.toLowerCase())
        const read = await runtime.services.vault.readIdentifiers([last.id], ['phone'])
        if (found[0] !== last.id || read.get(last.id)?.phone !== last.phone)
          throw new Error('a written subject could not be found or read back')
        return { write_identifiers_subjects_per_s: batch.length / seconds }
      },
    )

    // 3. Master-key rotation over every data key written above, each run to a new key (this
    // process plays `tresor keys rotate`; the key files are not involved).
    let current = runtime.masterKey
    const rotation = await measure(
      ctx,
      'rotate',
      { warmups: 1, runs: 3 },
      { rotate_keys_per_s: 'keys/s' },
      async () => {
        const nextKey = randomBytes(32)
        const services = createServices(
          runtime.database,
          runtime.config,
          current,
          new Keyring({ current, next: nextKey }),
        )
        const started = performance.now()
        const result = await services.masterKeys.rotate()
        const seconds = (performance.now() - started) / 1000
        if (result.subjectKeys !== written)
          throw new Error(`rotated ${result.subjectKeys} data keys, expected ${written}`)
        current = nextKey
        return { rotate_keys_per_s: result.subjectKeys / seconds }
      },
    )
    return { ...cpu, ...db, ...rotation }
  },
}
