import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import { aeadDecrypt, aeadEncrypt, aeadKey } from '../../platform/crypto/aead.ts'
import type { Schema } from '../../platform/db/schema.ts'
import { invalidField, ProblemError } from '../../platform/problem.ts'
import { isUuid } from '../../platform/uuid.ts'
import { type IdentifierField, isIdentifierField } from '../fields/field-catalog.ts'
import { type Keyring, subjectKeyAad } from '../keys/keyring.ts'
import type { MasterKeyRepository } from '../keys/master-key.repository.ts'
import { VAULT_SECRETS, type VaultSecretService } from '../keys/vault-secret.service.ts'
import { withTransaction } from '../keys/with-transaction.ts'
import {
  assertPhoneRegion,
  BlindIndex,
  type BlindIndexKind,
  type IndexKind,
  InvalidIdentifierError,
  identifierErrorCode,
  isBlindIndexKind,
  type NameIndexKind,
  nameIndexKindOf,
  nameTokens,
  normalizeEmail,
  normalizePhone,
} from './blind-index.ts'
import { DataKeyCache } from './data-key-cache.ts'
import {
  decryptIdentifier,
  decryptIdentity,
  encryptIdentity,
  type IdentityRecord,
  sealedAad,
} from './identifier-cipher.ts'
import type { BlindIndexRow, KeyWithIdentity, VaultRepository } from './vault.repository.ts'
import { type DigestItem, digestInParallel, type SealGroup, sealInParallel } from './vault-crypto.ts'

/** Decrypted identifiers of one subject: only the fields asked for that it has. */
export type IdentifierValues = Partial<Record<IdentifierField, string>>

/** Identifiers to write for one subject; `null` removes a field. Fields not named are left as they are. */
export interface IdentifierWrite {
  subjectId: string
  identifiers: Partial<Record<IdentifierField, string | null>>
}

export interface VaultDependencies {
  db: Kysely<Schema>
  repository: VaultRepository
  masterKeys: MasterKeyRepository
  keyring: Keyring
  secrets: VaultSecretService
  /** Region for phone numbers without a country code (config `phoneRegion`). */
  phoneRegion: string
  /**
   * Whether other sessions write at the same time (PostgreSQL, the default). PGlite is one session
   * whose transactions run one after the other: `claimAndFindStored` needs no claims there.
   */
  concurrentWriters?: boolean
}

/** Subjects per statement batch inside one call: bounds statement size and memory, not atomicity. */
const CHUNK = 2_000

interface PlannedWrite {
  subjectId: string
  set: [IdentifierField, string][]
  clear: IdentifierField[]
  /**
   * Blind-index entries this write replaces: per kind touched, a null (drop the old entries) and
   * the new digests (one for e-mail and phone, one per word for names).
   */
  index: [IndexKind, Buffer | null][]
}

/**
 * The vault: direct identifiers encrypted under a per-subject data key (AES-256-GCM), the data
 * keys wrapped by the master key, blind indexes for lookup, and crypto-shredding (Art. 17).
 * Called only by the privacy gate, which checks purpose and permission and writes the audit
 * record; the vault itself decides nothing about who may see what. All methods work on sets, with
 * one statement per table and batch.
 */
export class VaultService {
  readonly #db: Kysely<Schema>
  readonly #repo: VaultRepository
  readonly #masterKeys: MasterKeyRepository
  readonly #keyring: Keyring
  readonly #secrets: VaultSecretService
  readonly #phoneRegion: string
  readonly #concurrentWriters: boolean
  readonly #dataKeys: DataKeyCache
  #blindIndex: BlindIndex | undefined

  constructor(deps: VaultDependencies) {
    this.#db = deps.db
    this.#repo = deps.repository
    this.#masterKeys = deps.masterKeys
    this.#keyring = deps.keyring
    this.#secrets = deps.secrets
    assertPhoneRegion(deps.phoneRegion)
    this.#phoneRegion = deps.phoneRegion
    this.#concurrentWriters = deps.concurrentWriters ?? true
    this.#dataKeys = new DataKeyCache()
  }

  /** Loads (on first start: creates) the blind-index key, outside any caller's transaction. */
  async init(): Promise<void> {
    await this.#index()
    await this.convertLegacyIdentifiers()
  }

  /**
   * Migration 0014: seals the identifier rows of before it (one row per field) into the subjects'
   * identity records, a batch of subjects per transaction, and deletes them. A field already in a
   * record wins (it was written later). Rows of a subject whose key is gone (erased) are deleted:
   * they could not be decrypted anyway. Returns how many subjects were converted; idempotent.
   */
  async convertLegacyIdentifiers(batch = 1_000): Promise<number> {
    let converted = 0
    for (;;) {
      const ids = await this.#repo.legacySubjects(batch)
      if (ids.length === 0) return converted
      await withTransaction(this.#db, undefined, async (trx) => {
        await this.#repo.lockSubjects(ids, trx)
        const legacy = await this.#repo.legacyIdentifiers(ids, trx)
        const groups: SealGroup[] = []
        for (const k of await this.#repo.keysWithIdentity(ids, trx)) {
          const dataKey = this.#keyring.unwrap(k.wrapped, k.keyId, subjectKeyAad(k.subjectId))
          const key = aeadKey(dataKey)
          const record: IdentityRecord = {}
          for (const row of legacy)
            if (row.subjectId === k.subjectId && isIdentifierField(row.field))
              record[row.field] = decryptIdentifier(key, k.subjectId, row.field, row.ciphertext)
          if (k.identity) Object.assign(record, decryptIdentity(key, k.subjectId, k.identity))
          groups.push({ subjectId: k.subjectId, dataKey, record })
        }
        const sealed = await sealInParallel(groups)
        await this.#repo.updateIdentities(
          groups.map((g, i) => ({ subjectId: g.subjectId, identity: sealed[i] as Buffer })),
          trx,
        )
        await this.#repo.deleteLegacyIdentifiers(ids, trx)
      })
      converted += ids.length
    }
  }

  async #index(trx?: Kysely<Schema>): Promise<BlindIndex> {
    if (this.#blindIndex) return this.#blindIndex
    const key = await this.#secrets.get(VAULT_SECRETS.blindIndex, () => randomBytes(32), trx)
    const index = new BlindIndex(key, { phoneRegion: this.#phoneRegion })
    // Kept only when read outside a caller's transaction (see VaultSecretService.get).
    if (!trx?.isTransaction) this.#blindIndex = index
    return index
  }

  /**
   * Encrypts and stores identifiers of many subjects: creates data keys where missing, upserts the
   * ciphertexts, removes fields set to null, and replaces the blind-index entries of e-mail and
   * phone. Atomic per call (the caller's transaction, or one of its own). Refuses unknown or
   * erased subjects: an erased subject never gets a key again.
   */
  async writeIdentifiers(entries: readonly IdentifierWrite[], trx?: Kysely<Schema>): Promise<void> {
    if (entries.length === 0) return
    await withTransaction(this.#db, trx, async (t) => {
      const index = await this.#index(t)
      const planned = await this.#plan(entries, index)
      for (let from = 0; from < planned.length; from += CHUNK) {
        await this.#writeChunk(planned.slice(from, from + CHUNK), t)
      }
    })
  }

  /** Validates and normalises before any database work; merges several entries of one subject. */
  async #plan(entries: readonly IdentifierWrite[], index: BlindIndex): Promise<PlannedWrite[]> {
    const bySubject = new Map<string, Map<IdentifierField, string | null>>()
    for (const entry of entries) {
      if (typeof entry.subjectId !== 'string' || !isUuid(entry.subjectId))
        throw invalidField('body', 'subjectId', 'is not a UUID')
      const id = entry.subjectId.toLowerCase()
      let fields = bySubject.get(id)
      if (!fields) {
        fields = new Map()
        bySubject.set(id, fields)
      }
      for (const [field, value] of Object.entries(entry.identifiers)) {
        if (value === undefined) continue // not named: left as it is
        if (!isIdentifierField(field))
          throw invalidField('body', `identifiers.${field}`, 'is not an identifier field')
        if (value !== null && typeof value !== 'string')
          throw invalidField('body', `identifiers.${field}`, 'must be a string or null')
        fields.set(field, value)
      }
    }
    const plans: PlannedWrite[] = []
    const toDigest: DigestItem[] = []
    const digestFor: { plan: PlannedWrite; at: number }[] = []
    for (const [subjectId, fields] of bySubject) {
      const plan: PlannedWrite = { subjectId, set: [], clear: [], index: [] }
      for (const [field, raw] of fields) {
        // A phone number is stored as it is compared: E.164, one without a country code read as
        // one of the installation's region — however it was typed, imported or sent.
        const value = raw !== null && field === 'phone' ? phoneAsStored(index, raw) : raw
        if (value === null) plan.clear.push(field)
        else plan.set.push([field, value])
        if (isBlindIndexKind(field)) {
          if (value !== null) {
            toDigest.push({ kind: field, value })
            digestFor.push({ plan, at: plan.index.length })
          }
          plan.index.push([field, null])
        }
        const nameKind = nameIndexKindOf(field)
        if (nameKind) {
          plan.index.push([nameKind, null])
          if (value !== null)
            for (const digest of index.nameDigests(nameKind, value)) plan.index.push([nameKind, digest])
        }
      }
      plans.push(plan)
    }
    const digests = await digestInParallel(index, index.spec(), toDigest)
    digests.forEach((digest, i) => {
      const { plan, at } = digestFor[i] as { plan: PlannedWrite; at: number }
      const slot = plan.index[at] as [BlindIndexKind, Buffer | null]
      if (!Buffer.isBuffer(digest))
        throw invalidField('body', `identifiers.${slot[0]}`, digest.invalid, identifierErrorCode(slot[0]))
      slot[1] = digest
    })
    return plans
  }

  async #writeChunk(chunk: readonly PlannedWrite[], trx: Kysely<Schema>): Promise<void> {
    const { keys, records, missing } = await this.#lockForWrite(
      chunk.map((p) => p.subjectId),
      trx,
    )
    // Each subject's record after the write: what it holds, with the fields set and cleared.
    const groups: SealGroup[] = chunk.map((plan) => {
      const record: IdentityRecord = { ...records.get(plan.subjectId) }
      for (const [field, value] of plan.set) record[field] = value
      for (const field of plan.clear) delete record[field]
      return { subjectId: plan.subjectId, dataKey: keys.get(plan.subjectId) as Buffer, record }
    })
    const filled = groups.filter((g) => Object.keys(g.record).length > 0)
    const sealedOf = new Map<string, Buffer>()
    ;(await sealInParallel(filled)).forEach((sealed, i) => {
      sealedOf.set((filled[i] as SealGroup).subjectId, sealed)
    })
    const created = new Set<string>()
    if (missing.length > 0) {
      const keyId = await this.#masterKeys.lockActiveKeyId(trx)
      const inserted = await this.#repo.insertKeys(
        missing.map((subjectId) => ({
          subjectId,
          ...this.#wrapDataKey(subjectId, keys.get(subjectId) as Buffer, keyId),
          identity: sealedOf.get(subjectId) ?? null,
        })),
        trx,
      )
      for (const id of inserted) created.add(id)
      // Every writer locks the subject before it reads or creates a key, so nobody else can have
      // created one meanwhile; if something did, this write would hide theirs: refuse it whole.
      if (created.size !== missing.length)
        throw new ProblemError('conflict', 'a data key was created concurrently; run the request again')
    }
    await this.#repo.updateIdentities(
      groups
        .filter((g) => !created.has(g.subjectId))
        .map((g) => ({ subjectId: g.subjectId, identity: sealedOf.get(g.subjectId) ?? null })),
      trx,
    )
    const replaced: { subjectId: string; kind: IndexKind }[] = []
    const digests: BlindIndexRow[] = []
    for (const plan of chunk) {
      for (const [kind, digest] of plan.index) {
        // A subject whose key was just created has no index entries yet: nothing to replace.
        if (!digest && !created.has(plan.subjectId)) replaced.push({ subjectId: plan.subjectId, kind })
        else if (digest && !created.has(plan.subjectId) && (kind === 'email' || kind === 'phone'))
          replaced.push({ subjectId: plan.subjectId, kind })
        if (digest) digests.push({ kind, digest, subjectId: plan.subjectId })
      }
    }
    await this.#repo.deleteBlindIndexes(replaced, trx)
    await this.#repo.insertBlindIndexes(digests, trx)
  }

  /**
   * Locks the subjects of a write (every one must exist and not be erased), then reads their data
   * keys and identity records; a subject without a key gets a fresh one (not stored yet: `missing`).
   */
  async #lockForWrite(
    ids: readonly string[],
    trx: Kysely<Schema>,
  ): Promise<{ keys: Map<string, Buffer>; records: Map<string, IdentityRecord>; missing: string[] }> {
    const locked = await this.#repo.lockSubjects(ids, trx)
    if (locked.length !== new Set(ids).size)
      throw new ProblemError('not-found', 'one or more subjects of the request do not exist')
    if (locked.some((s) => s.erased)) {
      // Art. 17: an erased subject's identifiers are gone for good; writing new ones would undo that.
      throw new ProblemError('conflict', 'one or more subjects of the request were erased (Art. 17)')
    }
    const keys = new Map<string, Buffer>()
    const records = new Map<string, IdentityRecord>()
    for (const k of await this.#repo.keysWithIdentity(ids, trx)) {
      const key = this.#keyring.unwrap(k.wrapped, k.keyId, subjectKeyAad(k.subjectId))
      keys.set(k.subjectId, key)
      if (k.identity) records.set(k.subjectId, decryptIdentity(aeadKey(key), k.subjectId, k.identity))
    }
    const missing = locked.filter((s) => !keys.has(s.id)).map((s) => s.id)
    const raw = randomBytes(32 * missing.length)
    missing.forEach((id, i) => {
      keys.set(id, raw.subarray(32 * i, 32 * (i + 1)))
    })
    return { keys, records, missing }
  }

  /** The data key of one subject, created (and stored, without identifiers) if it has none. */
  async #dataKey(subjectId: string, trx: Kysely<Schema>): Promise<Buffer> {
    const { keys, missing } = await this.#lockForWrite([subjectId], trx)
    const key = keys.get(subjectId) as Buffer
    if (missing.length > 0) {
      const keyId = await this.#masterKeys.lockActiveKeyId(trx)
      const inserted = await this.#repo.insertKeys(
        [{ subjectId, ...this.#wrapDataKey(subjectId, key, keyId), identity: null }],
        trx,
      )
      if (inserted.length === 0)
        throw new ProblemError('conflict', 'a data key was created concurrently; run the request again')
    }
    return key
  }

  #wrapDataKey(subjectId: string, plain: Buffer, keyId: string): { wrapped: Buffer; keyId: string } {
    return this.#keyring.wrap(plain, subjectKeyAad(subjectId), keyId)
  }

  /**
   * Decrypts `fields` of a set of subjects: two queries (keys, ciphertexts) for the whole set,
   * then decryption in-process. A subject without a data key (erased, or never given an
   * identifier) has no entry; a subject with a key has one, with the fields it has.
   */
  async readIdentifiers(
    subjectIds: readonly string[],
    fields: readonly IdentifierField[],
    trx?: Kysely<Schema>,
  ): Promise<Map<string, IdentifierValues>> {
    const result = new Map<string, IdentifierValues>()
    const ids = [...new Set(subjectIds.filter((id) => isUuid(id)).map((id) => id.toLowerCase()))]
    if (ids.length === 0) return result
    // One query: the key and the record come from one snapshot, so a key shredded meanwhile takes
    // its record with it.
    return this.openIdentities(await this.#repo.keysWithIdentity(ids, trx ?? this.#db), fields)
  }

  /**
   * `readIdentifiers` for keys and records the caller read itself, key and record in one statement
   * (a list page reads them beside its verdicts, only for the people the purpose may use; ADR
   * 0023). Only `fields` leave the vault.
   */
  openIdentities(
    rows: readonly KeyWithIdentity[],
    fields: readonly IdentifierField[],
  ): Map<string, IdentifierValues> {
    for (const field of fields)
      if (!isIdentifierField(field)) throw new Error(`not an identifier field: ${field}`)
    const result = new Map<string, IdentifierValues>()
    for (const row of rows) {
      const values: IdentifierValues = {}
      result.set(row.subjectId, values)
      if (!row.identity) continue
      // A key kept from a read moments ago counts only while the database still holds the very
      // bytes it was unwrapped from (read just now, beside the record).
      let key = this.#dataKeys.get(row.subjectId, row.keyId, row.wrapped)
      if (!key) {
        key = aeadKey(this.#keyring.unwrap(row.wrapped, row.keyId, subjectKeyAad(row.subjectId)))
        this.#dataKeys.set(row.subjectId, row.keyId, row.wrapped, key)
      }
      const record = decryptIdentity(key, row.subjectId, row.identity)
      // Only the fields asked for leave the vault (the gate asks for those the role may see).
      for (const field of fields) {
        const value = record[field]
        if (typeof value === 'string') values[field] = value
      }
    }
    return result
  }

  /**
   * The subjects whose e-mail address (or phone number) equals `rawValue` after normalisation,
   * found through the blind index without decrypting anything. Throws a validation problem
   * (field `kind`, in `query`) if the value is not an e-mail address / phone number.
   */
  async findByBlindIndex(kind: BlindIndexKind, rawValue: string, trx?: Kysely<Schema>): Promise<string[]> {
    const index = await this.#index(trx)
    let digest: Buffer
    try {
      digest = index.digest(kind, rawValue)
    } catch (error) {
      if (error instanceof InvalidIdentifierError) throw invalidField('query', kind, error.reason, error.code)
      throw error
    }
    return this.#repo.findByDigest(kind, digest, trx)
  }

  /**
   * For a set of raw values of one kind: the subjects each is stored for (values that are not an
   * e-mail address / phone number, or that nobody has, are absent). One query, nothing decrypted.
   */
  async findManyByBlindIndex(
    kind: BlindIndexKind,
    rawValues: readonly string[],
    trx?: Kysely<Schema>,
    options: { normalized?: boolean } = {},
  ): Promise<Map<string, string[]>> {
    const index = await this.#index(trx)
    const byDigest = new Map<string, string[]>()
    for (const raw of new Set(rawValues)) {
      let digest: Buffer
      try {
        // values the caller normalised already (`normalize`) skip the phone number parser
        digest = options.normalized ? index.digestNormalized(kind, raw) : index.digest(kind, raw)
      } catch (error) {
        if (error instanceof InvalidIdentifierError) continue
        throw error
      }
      const key = digest.toString('base64')
      const list = byDigest.get(key)
      if (list) list.push(raw)
      else byDigest.set(key, [raw])
    }
    const rows = await this.#repo.findByDigests(
      kind,
      [...byDigest.keys()].map((k) => Buffer.from(k, 'base64')),
      trx,
    )
    const found = new Map<string, string[]>()
    for (const row of rows)
      for (const raw of byDigest.get(Buffer.from(row.digest).toString('base64')) ?? [])
        found.set(raw, [...(found.get(raw) ?? []), row.subject_id])
    return found
  }

  /**
   * For a collection that must not store a known e-mail address or phone number again (an import):
   * claims the values (normalised, as `normalize` gives them) until `trx` ends — a transaction that
   * claims one of them meanwhile waits for this one — and then says, per entry, whether its e-mail
   * address or its phone number is stored already. Call it first in the transaction, before other
   * locks are taken. Values that are not an address / number count as not stored.
   */
  async claimAndFindStored(
    entries: readonly { email?: string | undefined; phone?: string | undefined }[],
    trx: Kysely<Schema>,
  ): Promise<boolean[]> {
    const index = await this.#index(trx)
    const digests = { email: new Map<string, Buffer>(), phone: new Map<string, Buffer>() }
    for (const entry of entries)
      for (const kind of ['email', 'phone'] as const) {
        const value = entry[kind]
        if (value && !digests[kind].has(value)) digests[kind].set(value, index.digestNormalized(kind, value))
      }
    if (digests.email.size + digests.phone.size === 0) return entries.map(() => false)
    if (this.#concurrentWriters) {
      // The claim key: the digest's first 8 bytes (a collision only makes two values wait for each other).
      const keys = [...new Set([...digests.email.values(), ...digests.phone.values()].map(claimKey))]
      await this.#repo.claim(keys, trx)
      await this.#repo.dropClaims(keys, trx)
    }
    // After the claims, in statements of their own: they see what a transaction waited for committed.
    const stored = new Set<string>()
    for (const row of await this.#repo.storedDigests(
      [...digests.email.values()],
      [...digests.phone.values()],
      trx,
    ))
      stored.add(`${row.kind}:${Buffer.from(row.digest).toString('base64')}`)
    const has = (kind: 'email' | 'phone', value: string | undefined) => {
      const digest = value ? digests[kind].get(value) : undefined
      return digest !== undefined && stored.has(`${kind}:${digest.toString('base64')}`)
    }
    return entries.map((entry) => has('email', entry.email) || has('phone', entry.phone))
  }

  /** Subjects that look like the same person (same e-mail, phone, or first and last name words). */
  lookalikes(
    subjectId: string,
    limit = 20,
    trx?: Kysely<Schema>,
  ): Promise<{ subjectId: string; kinds: string[] }[]> {
    if (!isUuid(subjectId)) return Promise.resolve([])
    return this.#repo.lookalikes(subjectId.toLowerCase(), limit, trx)
  }

  /**
   * Builds the name index of every subject again from the decrypted names (after the migration that
   * introduced it, or a change of the folding rules), a batch per transaction; resumable, as each
   * batch replaces its subjects' entries. Returns how many subjects were indexed.
   */
  async reindexNames(options: { batch?: number; onProgress?: (n: number) => void } = {}): Promise<number> {
    const batch = options.batch ?? 1_000
    let after: string | undefined
    let done = 0
    for (;;) {
      const ids = await this.#repo.subjectsWithKeys(after, batch)
      if (ids.length === 0) return done
      await withTransaction(this.#db, undefined, async (trx) => {
        const names = await this.readIdentifiers(ids, ['firstName', 'lastName'], trx)
        const index = await this.#index(trx)
        const rows: BlindIndexRow[] = []
        for (const [subjectId, values] of names)
          for (const field of ['firstName', 'lastName'] as const) {
            const kind = nameIndexKindOf(field) as NameIndexKind
            const value = values[field]
            if (value)
              for (const digest of index.nameDigests(kind, value)) rows.push({ kind, digest, subjectId })
          }
        await this.#repo.deleteBlindIndexes(
          ids.flatMap((subjectId) => [
            { subjectId, kind: 'first_name' as const },
            { subjectId, kind: 'last_name' as const },
          ]),
          trx,
        )
        await this.#repo.insertBlindIndexes(rows, trx)
      })
      done += ids.length
      options.onProgress?.(ids.length)
      after = ids.at(-1)
    }
  }

  /**
   * The subjects whose first or last name contains every word of `query` (after folding case,
   * accents and umlauts), through the name blind index, nothing decrypted. Throws a validation
   * problem when the query has no word of two letters or more.
   */
  async findByName(query: string, limit: number, trx?: Kysely<Schema>): Promise<string[]> {
    const tokens = nameTokens(query)
    if (tokens.length === 0) throw invalidField('body', 'name', 'needs a word of at least two letters')
    const index = await this.#index(trx)
    const entries = tokens.flatMap((token, n) =>
      (['first_name', 'last_name'] as const).flatMap((kind) =>
        index.nameDigests(kind, token).map((digest) => ({ kind, digest, token: n })),
      ),
    )
    return this.#repo.findByNameTokens(entries, tokens.length, limit, trx)
  }

  /**
   * The normalised form the blind index compares (lower-cased e-mail, E.164 phone). Throws
   * `InvalidIdentifierError` (which says why, never the value) if it isn't one.
   */
  normalize(kind: BlindIndexKind, rawValue: string): string {
    return kind === 'email' ? normalizeEmail(rawValue) : normalizePhone(rawValue, this.#phoneRegion)
  }

  /**
   * Art. 17 crypto-shredding: destroys the subjects' data keys and deletes their identifier
   * ciphertexts and blind-index entries, clears their pseudonymous attributes and marks them
   * erased (the rows stay as tombstones). Anything sealed under the keys elsewhere (old/new values
   * in the audit trail, backups taken before) can no longer be decrypted. Idempotent. The audit
   * record of the erasure is the caller's (the gate's).
   */
  async shred(subjectIds: readonly string[], trx?: Kysely<Schema>): Promise<void> {
    const ids = [...new Set(subjectIds.filter((id) => isUuid(id)).map((id) => id.toLowerCase()))]
    if (ids.length === 0) return
    this.#dataKeys.forget(ids)
    await withTransaction(this.#db, trx, async (t) => {
      // The subject rows first: their row locks make concurrent writers wait, then see the erasure.
      await this.#repo.markErased(ids, t)
      // the identity record goes with the key row
      await this.#repo.deleteKeys(ids, t)
      await this.#repo.deleteLegacyIdentifiers(ids, t)
      await this.#repo.deleteAllBlindIndexes(ids, t)
    })
  }

  /**
   * Art. 17 with legal holds (Art. 17(3); docs/adr/0010): crypto-shredding of everything but
   * `keep`. Reads the subject's identity record, seals the kept identifiers under a NEW data key and
   * overwrites the old one, so every identifier not kept — and everything else sealed under the old
   * key (notes, the audit trail's old/new values, request details) — is noise from then on, and
   * what is kept dies with the new key when the holds end. `reseal` values (held notes) are opened
   * under the old key and sealed again under the new one (null: it didn't open). With nothing kept
   * and nothing to reseal the key is simply destroyed. The blind indexes of e-mail and phone go in
   * any case (a lookup must never attach new data to an erased person); a name's words stay only
   * while the name is kept. The caller locked the subject and marks it; same transaction.
   */
  async shredExcept(
    subjectId: string,
    keep: readonly IdentifierField[],
    reseal: readonly { sealed: Uint8Array; aad: string }[],
    trx: Kysely<Schema>,
  ): Promise<{ kept: IdentifierField[]; stored: IdentifierField[]; resealed: (Buffer | null)[] }> {
    const id = subjectId.toLowerCase()
    this.#dataKeys.forget([id])
    const [stored] = await this.#repo.keysWithIdentity([id], trx)
    let record: IdentityRecord = {}
    let opened: (Buffer | null)[] = reseal.map(() => null)
    if (stored) {
      const oldKey = aeadKey(this.#keyring.unwrap(stored.wrapped, stored.keyId, subjectKeyAad(id)))
      if (stored.identity) record = decryptIdentity(oldKey, id, stored.identity)
      opened = reseal.map((r) => {
        try {
          return aeadDecrypt(oldKey, r.sealed, sealedAad(id, r.aad))
        } catch {
          return null
        }
      })
    }
    const storedFields = (Object.keys(record) as IdentifierField[]).filter(isIdentifierField)
    const kept: IdentityRecord = {}
    for (const field of keep) if (typeof record[field] === 'string') kept[field] = record[field]
    const keptFields = storedFields.filter((f) => f in kept)
    let resealed: (Buffer | null)[] = reseal.map(() => null)
    if (stored && (keptFields.length > 0 || opened.some((o) => o !== null))) {
      const fresh = randomBytes(32)
      const keyId = await this.#masterKeys.lockActiveKeyId(trx)
      const key = aeadKey(fresh)
      await this.#repo.replaceKey(
        id,
        {
          ...this.#wrapDataKey(id, fresh, keyId),
          identity: keptFields.length > 0 ? encryptIdentity(key, id, kept) : null,
        },
        trx,
      )
      resealed = opened.map((plain, i) =>
        plain === null ? null : aeadEncrypt(key, plain, sealedAad(id, (reseal[i] as { aad: string }).aad)),
      )
    } else {
      await this.#repo.deleteKeys([id], trx)
    }
    await this.#repo.deleteLegacyIdentifiers([id], trx)
    const dropped: IndexKind[] = ['email', 'phone']
    if (!('firstName' in kept)) dropped.push('first_name')
    if (!('lastName' in kept)) dropped.push('last_name')
    await this.#repo.deleteBlindIndexes(
      dropped.map((kind) => ({ subjectId: id, kind })),
      trx,
    )
    return { kept: keptFields, stored: storedFields, resealed }
  }

  /**
   * Encrypts arbitrary bytes under the subject's data key (created if the subject has none yet),
   * e.g. the old and new values of a rectification kept in the audit trail: an erasure shreds them
   * with the key. `aad` says what the bytes are (e.g. `audit:rectification`); `open` needs the same.
   */
  async seal(subjectId: string, plaintext: Uint8Array, aad: string, trx?: Kysely<Schema>): Promise<Buffer> {
    if (!isUuid(subjectId)) throw invalidField('body', 'subjectId', 'is not a UUID')
    const id = subjectId.toLowerCase()
    return withTransaction(this.#db, trx, async (t) =>
      aeadEncrypt(aeadKey(await this.#dataKey(id, t)), plaintext, sealedAad(id, aad)),
    )
  }

  /**
   * Decrypts what `seal` produced; `null` when the subject's key is gone (erased): the value is
   * shredded. Throws `DecryptionError` if the bytes were changed or sealed for another subject or aad.
   */
  async open(
    subjectId: string,
    sealed: Uint8Array,
    aad: string,
    trx?: Kysely<Schema>,
  ): Promise<Buffer | null> {
    if (!isUuid(subjectId)) return null
    const id = subjectId.toLowerCase()
    const [stored] = await this.#repo.keys([id], trx ?? this.#db)
    if (!stored) return null
    const key = aeadKey(this.#keyring.unwrap(stored.wrapped, stored.keyId, subjectKeyAad(id)))
    return aeadDecrypt(key, sealed, sealedAad(id, aad))
  }
}

/** The key a blind-index digest is claimed by (`claimAndFindStored`): its first 8 bytes as an int8. */
function claimKey(digest: Buffer): string {
  return digest.readBigInt64BE(0).toString()
}

/** E.164 of a phone number; a problem naming the field if it is none. */
function phoneAsStored(index: BlindIndex, raw: string): string {
  try {
    return index.normalize('phone', raw)
  } catch (error) {
    if (error instanceof InvalidIdentifierError)
      throw invalidField('body', 'identifiers.phone', error.reason, error.code)
    throw error
  }
}
