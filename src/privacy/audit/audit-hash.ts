import { hash } from 'node:crypto'

/**
 * The canonical encoding of an audit record and the chain hash over it (ADR 0005):
 *
 *   hash = SHA-256(prev_hash || record)
 *
 * where `record` is PostgreSQL's binary wire format of the row (`record_send`) of the 17 stored
 * fields in `AUDIT_COLUMNS` order: the column count, then per column its type OID and either -1
 * (NULL) or the value's length and its binary send format. Typed and length-prefixed, so no two
 * different records share an encoding (null, '' and {} differ; "ab"+"c" differs from "a"+"bc").
 *
 * Why this format: appends compute it here, in process; verify lets the database serialise each
 * row with the built-in `record_send` and hashes the bytes here, which is what makes verify fast
 * (no per-field parsing in JavaScript). The property tests prove both agree on both engines.
 */

export const HASH_BYTES = 32
/** The first record's prev_hash. */
export const GENESIS_HASH: Buffer = Buffer.alloc(HASH_BYTES)
const CHECKPOINT_TAG = Buffer.from('tresor.audit.checkpoint.v1', 'ascii')

/** The stored fields the hash covers, in encoding order (everything but prev_hash and hash). */
export const AUDIT_COLUMNS = [
  'seq',
  'at',
  'actor_type',
  'actor_id',
  'actor_role',
  'action',
  'subject_ids',
  'subject_set_id',
  'subject_set_size',
  'subject_set_digest',
  'purpose',
  'legal_basis',
  'fields',
  'request_id',
  'reason',
  'sealed_subject_id',
  'sealed_values',
] as const

// PostgreSQL's built-in type OIDs (fixed in pg_type.dat, the same on every installation).
const OID = {
  int8: 20,
  int4: 23,
  text: 25,
  bytea: 17,
  uuid: 2950,
  uuidArray: 2951,
  textArray: 1009,
  timestamptz: 1184,
}
/** Hex digit values by character code; anything else is 16 (invalid). */
const HEX: readonly number[] = Array.from({ length: 128 }, (_, code) => {
  const digit = Number.parseInt(String.fromCharCode(code), 16)
  return Number.isNaN(digit) ? 16 : digit
})
/** timestamptz travels as microseconds since 2000-01-01T00:00:00Z. */
const PG_EPOCH_MICROS = 946_684_800_000_000

/** A linked subject set, as the record that references it stores it. */
export interface AuditSubjectSetRef {
  id: string
  size: number
  /** SHA-256 of the set's sorted 16-byte ids (`subjectSetDigest`). */
  digest: Uint8Array
}

/** Every stored field of an `audit_event` row except the two hashes, as the chain sees them. */
export interface ChainFields {
  seq: number
  /** Microseconds since the Unix epoch (timestamptz precision). */
  atMicros: number
  actorType: string
  actorId: string
  actorRole: string | null
  action: string
  /** Sorted, distinct, lower-case; null when none or when a linked set is used. */
  subjectIds: readonly string[] | null
  subjectSet: AuditSubjectSetRef | null
  purpose: string | null
  legalBasis: string | null
  fields: readonly string[] | null
  requestId: string | null
  reason: string | null
  sealedSubjectId: string | null
  sealedValues: Uint8Array | null
}

/**
 * Writes `prev_hash || record` into one growing buffer reused from record to record: appends hash
 * every record, and per-record allocations would dominate.
 */
export class AuditRecordEncoder {
  #buffer = Buffer.allocUnsafe(4096)
  #length = 0

  /** `prev_hash || record`: exactly the bytes the chain hash is taken over (valid until the next call). */
  encode(prevHash: Uint8Array, record: ChainFields): Buffer {
    this.#length = 0
    this.#raw(prevHash)
    this.#int32(AUDIT_COLUMNS.length)
    this.#int8(record.seq)
    this.#timestamptz(record.atMicros)
    this.#text(record.actorType)
    this.#text(record.actorId)
    this.#text(record.actorRole)
    this.#text(record.action)
    this.#uuidArray(record.subjectIds)
    this.#uuid(record.subjectSet?.id ?? null)
    this.#int4(record.subjectSet?.size ?? null)
    this.#bytea(record.subjectSet?.digest ?? null)
    this.#text(record.purpose)
    this.#text(record.legalBasis)
    this.#textArray(record.fields)
    this.#text(record.requestId)
    this.#text(record.reason)
    this.#uuid(record.sealedSubjectId)
    this.#bytea(record.sealedValues)
    return this.#buffer.subarray(0, this.#length)
  }

  /** SHA-256(prev_hash || record). */
  hash(prevHash: Uint8Array, record: ChainFields): Buffer {
    // The digest as a 'binary' (latin1) string, then bytes: Node makes a string about twice as fast
    // as a Buffer.
    return Buffer.from(hash('sha256', this.encode(prevHash, record), 'binary'), 'latin1')
  }

  #reserve(bytes: number): void {
    const needed = this.#length + bytes
    if (needed <= this.#buffer.length) return
    const grown = Buffer.allocUnsafe(Math.max(needed, this.#buffer.length * 2))
    this.#buffer.copy(grown, 0, 0, this.#length)
    this.#buffer = grown
  }

  #raw(bytes: Uint8Array): void {
    this.#reserve(bytes.length)
    this.#buffer.set(bytes, this.#length)
    this.#length += bytes.length
  }

  #int32(value: number): void {
    this.#reserve(4)
    this.#buffer.writeInt32BE(value, this.#length)
    this.#length += 4
  }

  /** A column header: type OID, then the value's length (-1: NULL, nothing follows). */
  #column(oid: number, length: number): void {
    this.#int32(oid)
    this.#int32(length)
  }

  #int8(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError('audit integers must be safe integers')
    this.#column(OID.int8, 8)
    this.#int64(value)
  }

  #timestamptz(unixMicros: number): void {
    if (!Number.isSafeInteger(unixMicros)) throw new RangeError('audit times must be whole microseconds')
    this.#column(OID.timestamptz, 8)
    this.#int64(unixMicros - PG_EPOCH_MICROS)
  }

  /** Big-endian two's complement of a safe integer, without a BigInt per value (appends are hot). */
  #int64(value: number): void {
    const high = Math.floor(value / 2 ** 32)
    this.#reserve(8)
    this.#buffer.writeInt32BE(high, this.#length)
    this.#buffer.writeUInt32BE(value - high * 2 ** 32, this.#length + 4)
    this.#length += 8
  }

  #int4(value: number | null): void {
    if (value === null) {
      this.#column(OID.int4, -1)
      return
    }
    this.#column(OID.int4, 4)
    this.#int32(value)
  }

  /** Text as UTF-8 (the client encoding verify insists on), length first. */
  #utf8(value: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit; write first, then fill in the length.
    this.#reserve(4 + value.length * 3)
    const written = this.#buffer.write(value, this.#length + 4, 'utf8')
    this.#buffer.writeInt32BE(written, this.#length)
    this.#length += 4 + written
  }

  #text(value: string | null): void {
    this.#int32(OID.text)
    if (value === null) this.#int32(-1)
    else this.#utf8(value)
  }

  /** The 16 bytes of a canonical UUID (8-4-4-4-12 hex digits). */
  #uuidBytes(value: string): void {
    if (value.length !== 36) throw new TypeError('audit subject ids must be UUIDs')
    this.#reserve(16)
    let out = this.#length
    for (let i = 0; i < 36; i += 2) {
      if (i === 8 || i === 13 || i === 18 || i === 23) i++
      const byte = (HEX[value.charCodeAt(i)] ?? 16) * 16 + (HEX[value.charCodeAt(i + 1)] ?? 16)
      if (byte > 255) throw new TypeError('audit subject ids must be UUIDs')
      this.#buffer[out++] = byte
    }
    this.#length = out
  }

  #uuid(value: string | null): void {
    if (value === null) {
      this.#column(OID.uuid, -1)
      return
    }
    this.#column(OID.uuid, 16)
    this.#uuidBytes(value)
  }

  #bytea(value: Uint8Array | null): void {
    if (value === null) {
      this.#column(OID.bytea, -1)
      return
    }
    this.#column(OID.bytea, value.length)
    this.#raw(value)
  }

  /** A one-dimensional array without NULLs: ndim 1, flags 0, element type, length, lower bound 1. */
  #arrayHeader(oid: number, elementOid: number, count: number, byteLength: number): void {
    this.#column(oid, byteLength)
    this.#int32(1)
    this.#int32(0)
    this.#int32(elementOid)
    this.#int32(count)
    this.#int32(1)
  }

  #uuidArray(values: readonly string[] | null): void {
    if (values === null) {
      this.#column(OID.uuidArray, -1)
      return
    }
    this.#arrayHeader(OID.uuidArray, OID.uuid, values.length, 20 + values.length * 20)
    for (const value of values) {
      this.#int32(16)
      this.#uuidBytes(value)
    }
  }

  #textArray(values: readonly string[] | null): void {
    if (values === null) {
      this.#column(OID.textArray, -1)
      return
    }
    // The array's byte length comes first, so write the elements, then go back and fill it in.
    this.#int32(OID.textArray)
    const lengthAt = this.#length
    this.#int32(0)
    this.#int32(1)
    this.#int32(0)
    this.#int32(OID.text)
    this.#int32(values.length)
    this.#int32(1)
    for (const value of values) this.#utf8(value)
    this.#buffer.writeInt32BE(this.#length - lengthAt - 4, lengthAt)
  }
}

/** One-off hash of a record; loops should keep one `AuditRecordEncoder`. */
export function auditRecordHash(prevHash: Uint8Array, record: ChainFields): Buffer {
  return new AuditRecordEncoder().hash(prevHash, record)
}

/**
 * The digest a record stores for a linked subject set: SHA-256 over the set's 16-byte ids in
 * ascending byte order. PostgreSQL computes the same from the set table (`uuid_send`, ordered by
 * the uuid, which compares bytewise), so verify needn't pull a large set into memory.
 * `ids` must be sorted, distinct, lower-case canonical UUIDs (`normaliseSubjectIds`).
 */
export function subjectSetDigest(ids: readonly string[]): Buffer {
  const bytes = Buffer.allocUnsafe(ids.length * 16)
  ids.forEach((id, i) => {
    bytes.write(id.replaceAll('-', ''), i * 16, 16, 'hex')
  })
  return hash('sha256', bytes, 'buffer')
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export const isUuid = (value: string): boolean => UUID.test(value)

/**
 * Lower-cased, distinct, sorted: a set of subjects has one stored form, whatever order the caller
 * named them in. Lexicographic order of canonical lower-case UUIDs is their byte order.
 */
export function normaliseSubjectIds(ids: readonly string[]): string[] {
  const lower = ids.map((id) => id.toLowerCase())
  for (const id of lower) if (!UUID.test(id)) throw new TypeError('audit subject ids must be UUIDs')
  // Most records name one subject: no set, no sort.
  return lower.length === 1 ? lower : [...new Set(lower)].sort()
}

/**
 * What a checkpoint signs: the head's sequence number and hash, and when it was taken, behind a
 * domain tag so a checkpoint signature can never be mistaken for a signature over anything else.
 */
export function checkpointMessage(seq: number, headHash: Uint8Array, atMicros: number): Buffer {
  const message = Buffer.alloc(CHECKPOINT_TAG.length + 8 + HASH_BYTES + 8)
  CHECKPOINT_TAG.copy(message, 0)
  message.writeBigInt64BE(BigInt(seq), CHECKPOINT_TAG.length)
  message.set(headHash, CHECKPOINT_TAG.length + 8)
  message.writeBigInt64BE(BigInt(atMicros), CHECKPOINT_TAG.length + 8 + HASH_BYTES)
  return message
}
