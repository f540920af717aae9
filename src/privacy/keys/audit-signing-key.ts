import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { VAULT_SECRETS, type VaultSecretService } from './vault-secret.service.ts'

/**
 * The Ed25519 key pair that signs audit checkpoints, kept as a vault secret: created on first
 * use, unchanged by master-key rotations (old checkpoints keep verifying), and only readable with
 * the master key, so whoever holds a database dump alone cannot forge checkpoints.
 */
export async function auditSigningKey(
  secrets: Pick<VaultSecretService, 'get'>,
  trx?: Kysely<Schema>,
): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  const der = await secrets.get(
    VAULT_SECRETS.auditSigning,
    () => generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }),
    trx,
  )
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  return { privateKey, publicKey: createPublicKey(privateKey) }
}
