import type { KeyObject } from 'node:crypto'
import { aeadDecrypt, aeadEncrypt } from '../../platform/crypto/aead.ts'
import type { IdentifierField } from '../fields/field-catalog.ts'

/**
 * Identifiers are encrypted one field at a time under the subject's data key, with
 * `<subject id>:<field>` as associated data: a ciphertext copied to another field or another
 * subject's row does not decrypt (an attacker with write access to the table can't turn a
 * subject's e-mail address into someone else's).
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
