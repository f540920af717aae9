import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { invalidField, ProblemError } from '../../platform/problem.ts'
import type { AuditActor, AuditWriter } from '../../privacy/audit/audit-record.ts'
import type { PurposeService } from '../../privacy/purposes/purpose.service.ts'
import { type Texts, usesConsent } from '../../privacy/purposes/purpose.ts'
import type { ConsentTextRepository, ConsentTextRow } from './consent-text.repository.ts'
import { CONSENT_TEXT_SEED } from './consent-text-seed.ts'

/** One version of a consent checkbox's wording. */
export interface ConsentText {
  purposeKey: string
  version: number
  /** What a consent event's proof names as the text shown: `v<version>`. */
  textVersion: string
  text: Texts
  createdAt: Date
}

/** The proof's name of a text version (`proof.textVersion`). */
export const textVersionOf = (version: number): string => `v${version}`

const toText = (row: ConsentTextRow): ConsentText => ({
  purposeKey: row.purpose_key,
  version: row.version,
  textVersion: textVersionOf(row.version),
  text: { de: row.text_de, en: row.text_en },
  createdAt: row.created_at,
})

/**
 * Consent texts (Art. 7(1): the controller proves which wording the person agreed to). Versions
 * are only added, never changed; a form shows the version it names, and every consent event
 * recorded from it names that version.
 */
export class ConsentTextService {
  readonly #repo: ConsentTextRepository
  readonly #db: Kysely<Schema>
  readonly #audit: AuditWriter
  readonly #purposes: PurposeService
  constructor(deps: {
    repository: ConsentTextRepository
    db: Kysely<Schema>
    audit: AuditWriter
    purposes: PurposeService
  }) {
    this.#repo = deps.repository
    this.#db = deps.db
    this.#audit = deps.audit
    this.#purposes = deps.purposes
  }

  /** Gives every consent purpose of the seed that has no text yet its first version; audited. */
  async seed(): Promise<string[]> {
    const now = new Date()
    const purposes = await this.#purposes.findMany(Object.keys(CONSENT_TEXT_SEED))
    return this.#db.transaction().execute(async (trx) => {
      const inserted = await this.#repo.insertFirst(
        Object.entries(CONSENT_TEXT_SEED)
          .filter(([key]) => {
            const purpose = purposes.get(key)
            return purpose !== undefined && usesConsent(purpose)
          })
          .map(([purposeKey, text]) => ({ purposeKey, de: text.de, en: text.en, createdAt: now })),
        trx,
      )
      if (inserted.length > 0)
        await this.#audit.append(
          [
            {
              actor: { type: 'system', id: 'tresor' },
              action: 'configure',
              reason: `consent texts seeded (version 1): ${inserted.join(', ')}`,
            },
          ],
          trx,
        )
      return inserted
    })
  }

  async list(purposeKey?: string): Promise<ConsentText[]> {
    return (await this.#repo.list(purposeKey)).map(toText)
  }

  /** One version; 404 when there is none. */
  async get(purposeKey: string, version: number): Promise<ConsentText> {
    const row = await this.#repo.find(purposeKey, version)
    if (!row)
      throw new ProblemError(
        'not-found',
        `there is no consent text ${textVersionOf(version)} of ${purposeKey}`,
      )
    return toText(row)
  }

  /** The newest version of each purpose that has a text. */
  async latest(purposeKeys: readonly string[]): Promise<Map<string, ConsentText>> {
    return new Map(
      (await this.#repo.latest([...new Set(purposeKeys)])).map((r) => [r.purpose_key, toText(r)]),
    )
  }

  /** Adds the next version of a consent purpose's text (the old ones stay as they were); audited. */
  async add(
    purposeKey: string,
    text: Texts,
    ctx: { actor: AuditActor; requestId?: string | undefined },
  ): Promise<ConsentText> {
    const purpose = await this.#purposes.find(purposeKey)
    if (!purpose) throw invalidField('body', 'purposeKey', `there is no purpose ${purposeKey}`)
    if (!usesConsent(purpose))
      throw invalidField(
        'body',
        'purposeKey',
        `purpose ${purposeKey} rests on ${purpose.legalBasis}, not on consent: it has no consent text`,
      )
    for (let attempt = 0; ; attempt++) {
      const row = await this.#db.transaction().execute(async (trx) => {
        const inserted = await this.#repo.insertNext(
          { purposeKey, de: text.de, en: text.en, createdAt: new Date() },
          trx,
        )
        if (inserted)
          await this.#audit.append(
            [
              {
                actor: ctx.actor,
                action: 'configure',
                purpose: purposeKey,
                ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
                reason: `consent text ${textVersionOf(inserted.version)} of ${purposeKey} added`,
              },
            ],
            trx,
          )
        return inserted
      })
      if (row) return toText(row)
      // Someone else took that version number a moment ago: take the next one.
      if (attempt >= 3) throw new ProblemError('conflict', 'the consent text changed meanwhile; try again')
    }
  }
}
