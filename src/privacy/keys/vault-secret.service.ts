import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { type Keyring, secretAad } from './keyring.ts'
import type { MasterKeyRepository } from './master-key.repository.ts'
import type { VaultSecretRepository } from './vault-secret.repository.ts'
import { withTransaction } from './with-transaction.ts'

/** Names of the secrets the kernel keeps in the vault. */
export const VAULT_SECRETS = {
  /** 32 random bytes: the HMAC key of the blind indexes. */
  blindIndex: 'blind-index',
  /** An Ed25519 private key (PKCS#8 DER) that signs audit checkpoints. */
  auditSigning: 'audit-signing',
  /** 32 random bytes: the key that seals users' TOTP secrets at rest. */
  totp: 'totp',
  /** 32 random bytes: the HMAC key unsubscribe links are derived with (src/privacy/unsubscribe). */
  unsubscribe: 'unsubscribe-link',
} as const

/**
 * Long-lived secrets wrapped by the master key (`vault_secret`). Their plaintext never changes, a
 * master-key rotation only rewraps them: blind-index digests and checkpoint signatures made before
 * a rotation stay valid after it.
 */
export class VaultSecretService {
  readonly #db: Kysely<Schema>
  readonly #secrets: VaultSecretRepository
  readonly #masterKeys: MasterKeyRepository
  readonly #keyring: Keyring
  // Only secrets read outside a caller's transaction are kept: a secret created inside one that
  // later rolls back must not outlive it here.
  readonly #cache = new Map<string, Buffer>()

  constructor(
    db: Kysely<Schema>,
    secrets: VaultSecretRepository,
    masterKeys: MasterKeyRepository,
    keyring: Keyring,
  ) {
    this.#db = db
    this.#secrets = secrets
    this.#masterKeys = masterKeys
    this.#keyring = keyring
  }

  /**
   * The secret `name`, created from `create()` on first use. Race-safe: insert-if-absent, then
   * read, so concurrent first uses (several processes) all end up with the same secret.
   */
  async get(name: string, create: () => Buffer, trx?: Kysely<Schema>): Promise<Buffer> {
    const cached = this.#cache.get(name)
    if (cached) return cached
    const secret = await withTransaction(this.#db, trx, async (t) => {
      let stored = await this.#secrets.find(name, t)
      if (!stored) {
        const keyId = await this.#masterKeys.lockActiveKeyId(t)
        await this.#secrets.insertIfAbsent(name, this.#keyring.wrap(create(), secretAad(name), keyId), t)
        stored = await this.#secrets.find(name, t)
        if (!stored) throw new Error('a vault secret vanished right after it was written')
      }
      return this.#keyring.unwrap(stored.wrapped, stored.keyId, secretAad(name))
    })
    if (!trx?.isTransaction) this.#cache.set(name, secret)
    return secret
  }
}
