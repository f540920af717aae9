/**
 * PostgreSQL array literals, built here and sent as one text parameter (cast in SQL, e.g.
 * `${byteaArray(hashes)}::bytea[]`). Set-based statements pass whole columns as arrays; the
 * drivers' own serialisers are slow on them (PGlite hex-encodes bytea one byte at a time), and a
 * literal made with Buffer's native hex encoding is the same text, sooner.
 */

const NEEDS_ESCAPE = /["\\]/
const quote = (value: string): string =>
  NEEDS_ESCAPE.test(value) ? `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"` : `"${value}"`

/** `{"a","b",NULL}`: text (or uuid, or anything with a text form) elements, quoted and escaped. */
export function textArray(values: readonly (string | null | undefined)[]): string {
  return `{${values.map((v) => (v == null ? 'NULL' : quote(v))).join(',')}}`
}

/** `{1,2,NULL}`: integers. */
export function integerArray(values: readonly (number | null | undefined)[]): string {
  return `{${values
    .map((v) => {
      if (v == null) return 'NULL'
      if (!Number.isSafeInteger(v)) throw new TypeError('an integer array element is not an integer')
      return String(v)
    })
    .join(',')}}`
}

/** `{"\\x0102",NULL}`: byte strings in bytea's hex format. */
export function byteaArray(values: readonly (Uint8Array | null | undefined)[]): string {
  return `{${values
    .map((v) =>
      v == null ? 'NULL' : `"\\\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}"`,
    )
    .join(',')}}`
}
