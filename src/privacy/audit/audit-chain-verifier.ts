import type { KeyObject } from 'node:crypto'
import { type AuditSubjectSetRef, checkpointMessage } from './audit-hash.ts'
import { signedByTrustedKey } from './audit-signer.ts'

/** What can be wrong with the audit trail; each names the first place it shows. */
export const AUDIT_PROBLEMS = [
  /** A sequence number is missing: a record was removed, or records were renumbered. */
  'missing-record',
  /** The record's prev_hash is not the previous record's hash: records were reordered or inserted. */
  'broken-link',
  /** The record's content does not match its hash: it was changed after it was written. */
  'hash-mismatch',
  /** The linked subject set no longer has the size and digest the record holds. */
  'subject-set-mismatch',
  /** A checkpoint is not signed by a trusted key: it was forged or changed. */
  'checkpoint-signature',
  /** The chain at a checkpoint's seq differs from what was signed: history was rewritten. */
  'checkpoint-mismatch',
  /** The log ends before a record that a checkpoint or the head vouches for. */
  'truncated',
  /** The head row disagrees with the log: records were added, or the head changed, outside the log. */
  'head-mismatch',
] as const
export type AuditProblem = (typeof AUDIT_PROBLEMS)[number]

export interface AuditProblemAt {
  seq: number
  problem: AuditProblem
  /** One sentence for people; names sequence numbers only, never record content. */
  detail: string
}

/** A stored checkpoint. */
export interface StoredCheckpoint {
  seq: number
  hash: Uint8Array
  atMicros: number
  signature: Uint8Array
}

/**
 * A stored record as verify sees it. When the database compared the record with the one before it
 * in the same batch, `prevSeq` and `linkOk` carry that comparison; otherwise (the first record of a
 * batch, or when every record is checked in process) the verifier compares with its own state.
 */
export interface ChainEntry {
  seq: number
  prevHash: Uint8Array
  /** The hash stored with the record. */
  hash: Uint8Array
  /** SHA-256(prev_hash || record), recomputed from the stored fields. */
  computed: Uint8Array
  /** The seq of the record before this one in the same batch. */
  prevSeq?: number | undefined
  /** Whether prev_hash equals that record's stored hash (which is checked against its own content). */
  linkOk?: boolean | undefined
  /** The linked subject set as the record names it (covered by the hash). */
  subjectSet: AuditSubjectSetRef | null
  /** What the set table holds now for `subjectSet.id` (absent: no rows at all). */
  actualSet?: { size: number; digest: Uint8Array } | undefined
}

export const checkpointSignatureValid = (
  checkpoint: StoredCheckpoint,
  trustedKeys: readonly KeyObject[],
): boolean =>
  signedByTrustedKey(
    checkpointMessage(checkpoint.seq, checkpoint.hash, checkpoint.atMicros),
    checkpoint.signature,
    trustedKeys,
  )

/**
 * Walks the chain in sequence order, one record at a time, and stops at the first problem. Pure:
 * the audit log feeds it batches from the database, so the whole table is never in memory.
 */
export class AuditChainVerifier {
  readonly #checkpoints: Map<number, StoredCheckpoint>
  readonly #trustedKeys: readonly KeyObject[]
  readonly #headSeq: number
  #expectedSeq: number
  /** The hash the next record must link to; undefined right after a checkpoint start (trusted by its signature). */
  #prevHash: Uint8Array | undefined
  #lastVerifiedCheckpoint: StoredCheckpoint | undefined

  /**
   * @param start where the walk begins: `{ seq: 1, prevHash: GENESIS_HASH }` for the whole log, or
   *   `{ seq: c, prevHash: undefined }` to start at a checkpoint at seq c whose signature is valid.
   * @param headSeq the head row's seq when verify began (records after it are not the log's).
   * @param checkpoints every stored checkpoint (checked when the walk reaches its seq).
   */
  constructor(options: {
    start: { seq: number; prevHash: Uint8Array | undefined }
    headSeq: number
    checkpoints: readonly StoredCheckpoint[]
    trustedKeys: readonly KeyObject[]
  }) {
    this.#expectedSeq = options.start.seq
    this.#prevHash = options.start.prevHash
    this.#headSeq = options.headSeq
    this.#checkpoints = new Map(options.checkpoints.map((c) => [c.seq, c]))
    this.#trustedKeys = options.trustedKeys
  }

  /** The newest checkpoint whose signature and hash verified during the walk. */
  get lastVerifiedCheckpoint(): StoredCheckpoint | undefined {
    return this.#lastVerifiedCheckpoint
  }

  /** The seq of the last record accepted. */
  get lastSeq(): number {
    return this.#expectedSeq - 1
  }

  /** The hash of the last record accepted. */
  get lastHash(): Uint8Array | undefined {
    return this.#prevHash
  }

  /**
   * Checks the next record that needs a look; records left out between two pushes are ones the
   * database found in order (contiguous, linked, matching their hash). Returns the problem if
   * there is one; then stop feeding.
   */
  push(record: ChainEntry): AuditProblemAt | undefined {
    const seq = record.prevSeq === undefined ? this.#expectedSeq : record.prevSeq + 1
    if (record.seq !== seq) {
      return {
        seq,
        problem: 'missing-record',
        detail: `record ${seq} is missing (the next record present is ${record.seq})`,
      }
    }
    if (seq > this.#headSeq) {
      return {
        seq,
        problem: 'head-mismatch',
        detail: `record ${seq} lies beyond the log's head (${this.#headSeq}): it was not appended by the log`,
      }
    }
    const linked =
      record.linkOk ?? (this.#prevHash === undefined || equalBytes(record.prevHash, this.#prevHash))
    if (!linked) {
      return {
        seq,
        problem: 'broken-link',
        detail: `record ${seq} does not link to record ${seq - 1} (records removed, inserted or reordered)`,
      }
    }
    const computed = record.computed
    if (!equalBytes(computed, record.hash)) {
      return {
        seq,
        problem: 'hash-mismatch',
        detail: `record ${seq} does not match its hash (changed after it was written)`,
      }
    }
    if (record.subjectSet) {
      const actual = record.actualSet
      if (
        !actual ||
        actual.size !== record.subjectSet.size ||
        !equalBytes(actual.digest, record.subjectSet.digest)
      ) {
        return {
          seq,
          problem: 'subject-set-mismatch',
          detail: `the subject set of record ${seq} was changed after it was written`,
        }
      }
    }
    const checkpoint = this.#checkpoints.get(seq)
    if (checkpoint) {
      if (!checkpointSignatureValid(checkpoint, this.#trustedKeys)) {
        return {
          seq,
          problem: 'checkpoint-signature',
          detail: `the checkpoint at record ${seq} is not signed by a trusted key`,
        }
      }
      if (!equalBytes(checkpoint.hash, computed)) {
        return {
          seq,
          problem: 'checkpoint-mismatch',
          detail: `the chain at record ${seq} differs from the signed checkpoint (history up to here was rewritten)`,
        }
      }
      this.#lastVerifiedCheckpoint = checkpoint
    }
    this.#prevHash = computed
    this.#expectedSeq = seq + 1
    return undefined
  }

  /**
   * After the last record: the log must reach the head and every checkpoint, and the head's hash
   * must be the last record's.
   */
  finish(head: { seq: number; hash: Uint8Array } | undefined): AuditProblemAt | undefined {
    const last = this.lastSeq
    if (head && head.seq > last) {
      return {
        seq: last + 1,
        problem: 'truncated',
        detail: `the log ends at record ${last}, but its head vouches for records up to ${head.seq}`,
      }
    }
    const beyond = [...this.#checkpoints.values()].filter((c) => c.seq > last).sort((a, b) => a.seq - b.seq)
    if (beyond.length > 0) {
      const signed = beyond.findLast((c) => checkpointSignatureValid(c, this.#trustedKeys))
      if (signed) {
        return {
          seq: last + 1,
          problem: 'truncated',
          detail: `the log ends at record ${last}, but a signed checkpoint vouches for records up to ${signed.seq}`,
        }
      }
      return {
        seq: beyond[0]!.seq,
        problem: 'checkpoint-signature',
        detail: `the checkpoint at record ${beyond[0]!.seq} is not signed by a trusted key`,
      }
    }
    if (!head) {
      return { seq: last + 1, problem: 'head-mismatch', detail: "the log's head row is missing" }
    }
    if (head.seq === last && this.#prevHash !== undefined && !equalBytes(head.hash, this.#prevHash)) {
      return {
        seq: last,
        problem: 'head-mismatch',
        detail: `the log's head disagrees with the hash of record ${last}`,
      }
    }
    return undefined
  }
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0
}
