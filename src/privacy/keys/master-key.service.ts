import type { Kysely } from 'kysely'
import { ConfigError } from '../../platform/config.ts'
import type { Schema } from '../../platform/db/schema.ts'
import { KeyNotLoadedError, type Keyring, secretAad, subjectKeyAad } from './keyring.ts'
import type { MasterKeyRepository, RewrappedRow, WrappedRow, WrappedTable } from './master-key.repository.ts'

export interface MasterKeyStatus {
  /** The key new wraps use, as recorded in the database. */
  activeKeyId: string | undefined
  /** The key this process was started with, and the next one while a rotation is unfinished. */
  currentKeyId: string
  nextKeyId: string | undefined
  /** Rows per table and master key id. */
  rows: { table: WrappedTable; keyId: string; rows: number }[]
}

export interface RotateOptions {
  /** Rows rewrapped per transaction (default 5,000). */
  batchSize?: number
  /** Called after each committed batch with the rows it rewrapped and the total to do. */
  onProgress?: (rewrapped: number, total: number) => void
  /** Called after each committed batch (1-based); throwing stops the rotation there, resumably. */
  afterBatch?: (batch: number) => void | Promise<void>
}

export interface RotationResult {
  fromKeyIds: string[]
  toKeyId: string
  subjectKeys: number
  secrets: number
}

/** How often the rotation re-checks for rows that are still under an old key before giving up. */
const MAX_PASSES = 3

/**
 * The master key's lifecycle in the database: which key new wraps use, and the rotation that
 * rewraps every data key and vault secret from the old master key to the next one. Ciphertexts of
 * identifiers are never touched: only the 60-odd bytes of each wrapped key change.
 */
export class MasterKeyService {
  readonly #db: Kysely<Schema>
  readonly #repo: MasterKeyRepository
  readonly #keyring: Keyring

  constructor(db: Kysely<Schema>, repo: MasterKeyRepository, keyring: Keyring) {
    this.#db = db
    this.#repo = repo
    this.#keyring = keyring
  }

  /**
   * At start: records the current key as active on a new database, and refuses to run with keys
   * that don't match the database's (a lost or swapped master key would otherwise go unnoticed
   * until the first read, and new subjects would be wrapped under the wrong key).
   */
  async init(): Promise<void> {
    await this.#repo.initActiveKeyId(this.#keyring.currentKeyId)
    const active = await this.#repo.activeKeyId()
    if (active === undefined || this.#keyring.has(active)) return
    throw new ConfigError(
      'master key',
      `the database's keys are wrapped by master key ${active}, but this process holds ` +
        `${this.#keyring.keyIds.join(', ')}; use the matching master.key or TRESOR_MASTER_KEY ` +
        '(during an unfinished rotation also master.key.next or TRESOR_MASTER_KEY_NEXT)',
    )
  }

  async status(): Promise<MasterKeyStatus> {
    const [activeKeyId, rows] = await Promise.all([this.#repo.activeKeyId(), this.#repo.countByKeyId()])
    return {
      activeKeyId,
      currentKeyId: this.#keyring.currentKeyId,
      nextKeyId: this.#keyring.nextKeyId,
      rows: rows.sort((a, b) => a.table.localeCompare(b.table) || a.keyId.localeCompare(b.keyId)),
    }
  }

  /**
   * Rewraps everything under the next master key, in batches of one transaction each. Resumable:
   * run it again after an interruption and it continues, skipping rows already under the next
   * key. First the next key becomes the active one, so nothing new is wrapped under the old key
   * while the rotation runs (processes that hold only the old key then fail to wrap, loudly,
   * instead of writing rows the rotation would miss).
   */
  async rotate(options: RotateOptions = {}): Promise<RotationResult> {
    const to = this.#keyring.nextKeyId
    if (to === undefined) throw new ConfigError('master key', 'no next master key is loaded to rotate to')
    const batchSize = options.batchSize ?? 5_000
    const active = await this.#repo.activeKeyId()
    if (active !== this.#keyring.currentKeyId && active !== to) {
      throw new ConfigError(
        'master key',
        `the database's active master key is ${active}, not a key this process holds`,
      )
    }
    await this.#repo.setActiveKeyId(to)

    const counts = await this.#repo.countByKeyId()
    const fromKeyIds = [...new Set(counts.filter((c) => c.keyId !== to).map((c) => c.keyId))]
    const total = counts.filter((c) => c.keyId !== to).reduce((sum, c) => sum + c.rows, 0)
    const result: RotationResult = { fromKeyIds, toKeyId: to, subjectKeys: 0, secrets: 0 }
    let batch = 0
    const committed = async (rows: number) => {
      options.onProgress?.(rows, total)
      await options.afterBatch?.(++batch)
    }

    for (let pass = 1; ; pass++) {
      // Subject keys in subject id order: each batch continues after the last id of the one before.
      let after: string | undefined
      for (;;) {
        const rows = await this.#db.transaction().execute(async (trx) => {
          const found = await this.#repo.subjectKeysNotUnder(to, after, batchSize, trx)
          await this.#repo.rewrapSubjectKeys(this.#rewrap(found, to, subjectKeyAad), trx)
          return found
        })
        if (rows.length === 0) break
        after = rows[rows.length - 1]?.id
        result.subjectKeys += rows.length
        await committed(rows.length)
      }
      const secrets = await this.#db.transaction().execute(async (trx) => {
        const found = await this.#repo.secretsNotUnder(to, trx)
        await this.#repo.rewrapSecrets(this.#rewrap(found, to, secretAad), trx)
        return found
      })
      if (secrets.length > 0) {
        result.secrets += secrets.length
        await committed(secrets.length)
      }
      // Wraps in flight at the switch committed before it (they hold the keyring row FOR SHARE),
      // so one more pass normally finds nothing; it is checked rather than assumed.
      const left = (await this.#repo.countByKeyId()).filter((c) => c.keyId !== to)
      if (left.length === 0) return result
      if (pass >= MAX_PASSES) {
        throw new Error(
          `rows are still wrapped under ${left.map((c) => c.keyId).join(', ')} after ${pass} passes; ` +
            'is a process without the next key writing? Run the rotation again.',
        )
      }
    }
  }

  #rewrap(rows: readonly WrappedRow[], to: string, aadOf: (id: string) => string): RewrappedRow[] {
    return rows.map((row) => {
      const aad = aadOf(row.id)
      let plain: Buffer
      try {
        plain = this.#keyring.unwrap(row.wrapped, row.keyId, aad)
      } catch (error) {
        // rows under a key this process doesn't hold (a key retired too early): a setup problem
        if (error instanceof KeyNotLoadedError) throw new ConfigError('master key', error.message)
        throw error
      }
      const { wrapped } = this.#keyring.wrap(plain, aad, to)
      return { id: row.id, fromKeyId: row.keyId, wrapped, keyId: to }
    })
  }
}
