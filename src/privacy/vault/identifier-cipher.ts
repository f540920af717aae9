import type { KeyObject } from 'node:crypto'
import { aeadDecrypt, aeadEncrypt } from '../../platform/crypto/aead.ts'
import type { IdentifierField } from '../fields/field-catalog.ts'

/**
 * A subject's identifiers are sealed as one record (a JSON object of field → value) under the
 * subject's data key, with `identity:<subject id>` as associated data: a record copied to another
 * subject's row does not decrypt (an attacker with write access to the table can't give one
 * person another's e-mail address). ADR 0009.
 */
export type IdentityRecord = Partial<Record<IdentifierField, string>>

export const identityAad = (subjectId: string): string => `identity:${subjectId}`

export function encryptIdentity(dataKey: KeyObject, subjectId: string, record: IdentityRecord): Buffer {
  return aeadEncrypt(dataKey, Buffer.from(JSON.stringify(record), 'utf8'), identityAad(subjectId))
}

/** Throws `DecryptionError` if the record was changed or belongs to another subject. */
export function decryptIdentity(dataKey: KeyObject, subjectId: string, sealed: Uint8Array): IdentityRecord {
  const record: unknown = JSON.parse(aeadDecrypt(dataKey, sealed, identityAad(subjectId)).toString('utf8'))
  if (typeof record !== 'object' || record === null || Array.isArray(record))
    throw new Error('an identity record is not an object')
  return record as IdentityRecord
}

/**
 * Before migration 0014 identifiers were encrypted one field at a time, with
 * `<subject id>:<field>` as associated data; only the conversion at start still reads them.
 */
export const identifierAad = (subjectId: string, field: IdentifierField): string => `${subjectId}:${field}`

/** Associated data of a value sealed for a subject (`VaultService.seal`); never clashes with an identifier's. */
export const sealedAad = (subjectId: string, aad: string): string => `sealed:${subjectId}:${aad}`

export function encryptIdentifier(
  dataKey: KeyObject,
  subjectId: string,
  field: IdentifierField,
  value: string,
): Buffer {
  return aeadEncrypt(dataKey, Buffer.from(value, 'utf8'), identifierAad(subjectId, field))
}

/** Throws `DecryptionError` if the ciphertext was changed or belongs to another subject or field. */
export function decryptIdentifier(
  dataKey: KeyObject,
  subjectId: string,
  field: IdentifierField,
  ciphertext: Uint8Array,
): string {
  return aeadDecrypt(dataKey, ciphertext, identifierAad(subjectId, field)).toString('utf8')
}
