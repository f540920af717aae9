import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { type FieldError, ProblemError } from '../../platform/problem.ts'
import type { AuditActor, AuditWriter } from '../../privacy/audit/audit-record.ts'
import type { PurposeService } from '../../privacy/purposes/purpose.service.ts'
import type { Channel, Purpose, Texts } from '../../privacy/purposes/purpose.ts'
import { usesConsent } from '../../privacy/purposes/purpose.ts'
import type { ConsentText, ConsentTextService } from './consent-text.service.ts'
import type { FormRepository, FormRow, FormValues } from './form.repository.ts'
import type { FormNotice, FormPatch, NewForm } from './form.schemas.ts'
import { FORM_SEED } from './form-seed.ts'
import {
  CONSENT_CHANNEL_FIELDS,
  DOUBLE_OPT_IN_CHANNELS,
  FORM_TYPE_DEFINITIONS,
  FORM_TYPES,
  type FormField,
  type FormType,
  type FormTypeDefinition,
} from './form-types.ts'

/** A form definition. */
export interface Form {
  key: string
  type: FormType
  title: Texts
  fields: { field: FormField; required: boolean }[]
  /** Consent purposes offered, each with the text version shown next to its checkbox. */
  purposes: { purposeKey: string; textVersion: number }[]
  notice: FormNotice
  active: boolean
  builtin: boolean
  version: number
  createdAt: Date
  updatedAt: Date
}

/** One consent a form offers, resolved: the purpose, the channels it records on, the text shown. */
export interface OfferedConsent {
  purpose: Purpose
  channels: Channel[]
  text: ConsentText
}

/** Everything the public side needs to show a form and take its submissions. */
export interface LiveForm {
  form: Form
  type: FormTypeDefinition
  /** The purpose the form's own processing rests on (the type's), if any. */
  purpose: Purpose | null
  consents: OfferedConsent[]
}

export interface FormChangeContext {
  actor: AuditActor
  requestId?: string | undefined
}

const toForm = (row: FormRow): Form => ({
  key: row.key,
  type: row.type as FormType,
  title: { de: row.title_de, en: row.title_en },
  fields: row.fields as Form['fields'],
  purposes: row.purposes,
  notice: row.notice as FormNotice,
  active: row.active,
  builtin: row.builtin,
  version: row.version,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

/**
 * The channels of a consent purpose a form can record it on: those whose contact field the form
 * asks for (CONSENT_CHANNEL_FIELDS). Empty: the form can't offer the purpose.
 */
export function consentChannels(purpose: Purpose, fields: ReadonlySet<string>): Channel[] {
  return purpose.channels.filter((channel) => {
    const needs = CONSENT_CHANNEL_FIELDS[channel]
    return needs !== 'not-on-forms' && needs.every((f) => fields.has(f))
  })
}

/**
 * Forms per touchpoint (issue #5): defined and changed by admins and the DPO (`forms:manage`),
 * seeded with one form per type. Every definition is checked before it is stored: data
 * minimisation against its type (FORM_TYPE_DEFINITIONS), and every offered consent against the
 * registry (a consent purpose, a channel the form has the contact field for, double opt-in only
 * by e-mail, a consent text version that exists). Changes are audited as `configure`.
 */
export class FormService {
  readonly #repo: FormRepository
  readonly #db: Kysely<Schema>
  readonly #audit: AuditWriter
  readonly #purposes: PurposeService
  readonly #texts: ConsentTextService
  constructor(deps: {
    repository: FormRepository
    db: Kysely<Schema>
    audit: AuditWriter
    purposes: PurposeService
    consentTexts: ConsentTextService
  }) {
    this.#repo = deps.repository
    this.#db = deps.db
    this.#audit = deps.audit
    this.#purposes = deps.purposes
    this.#texts = deps.consentTexts
  }

  /** The reviewable configuration: what each form type may ask for, and why. */
  types(): { key: FormType; label: Texts; purpose: string | null; fields: FormTypeDefinition['fields'] }[] {
    return FORM_TYPES.map((key) => {
      const t = FORM_TYPE_DEFINITIONS[key]
      return { key, label: t.label, purpose: t.purpose, fields: t.fields }
    })
  }

  /**
   * Inserts the seeded forms that are missing (never overwriting an edit). A seed form the
   * registry no longer supports (the DPO changed a purpose) is left out rather than stored broken.
   */
  async seed(): Promise<string[]> {
    const existing = new Set((await this.#repo.list()).map((r) => r.key))
    const inserted: string[] = []
    for (const input of FORM_SEED) {
      if (existing.has(input.key)) continue
      let values: FormValues
      try {
        values = await this.#values(input, { builtin: true })
      } catch (error) {
        if (error instanceof ProblemError) continue
        throw error
      }
      const row = await this.#db.transaction().execute(async (trx) => {
        const created = await this.#repo.insert(values, new Date(), trx)
        if (created)
          await this.#audit.append(
            [
              {
                actor: { type: 'system', id: 'tresor' },
                action: 'configure',
                reason: `form ${input.key} (${input.type}) seeded`,
              },
            ],
            trx,
          )
        return created
      })
      if (row) inserted.push(row.key)
    }
    return inserted
  }

  async list(): Promise<Form[]> {
    return (await this.#repo.list()).map(toForm)
  }

  async get(key: string): Promise<Form> {
    const row = await this.#repo.find(key)
    if (!row) throw new ProblemError('not-found', `there is no form ${key}`)
    return toForm(row)
  }

  async create(input: NewForm, ctx: FormChangeContext): Promise<Form> {
    const values = await this.#values(input, { builtin: false })
    const row = await this.#db.transaction().execute(async (trx) => {
      const created = await this.#repo.insert(values, new Date(), trx)
      if (!created)
        throw new ProblemError('conflict', `there is already a form ${input.key}`, {
          errors: [{ in: 'body', field: 'key', reason: 'is taken by another form' }],
        })
      await this.#audit.append(
        [{ ...this.#record(ctx), reason: `form ${input.key} (${input.type}) created: ${describe(values)}` }],
        trx,
      )
      return created
    })
    return toForm(row)
  }

  async update(key: string, patch: FormPatch, ctx: FormChangeContext): Promise<Form> {
    const current = await this.get(key)
    const values = await this.#values(
      {
        key,
        type: current.type,
        title: patch.title ?? current.title,
        fields: patch.fields ?? current.fields,
        purposes: patch.purposes ?? current.purposes,
        notice: patch.notice ?? current.notice,
        active: patch.active ?? current.active,
      },
      { builtin: current.builtin },
    )
    const row = await this.#db.transaction().execute(async (trx) => {
      const updated = await this.#repo.update(values, current.version, new Date(), trx)
      if (!updated) throw new ProblemError('conflict', `the form ${key} was changed meanwhile; load it again`)
      await this.#audit.append(
        [
          {
            ...this.#record(ctx),
            reason: `form ${key} changed (${Object.keys(patch).join(', ')}): ${describe(values)}`,
          },
        ],
        trx,
      )
      return updated
    })
    return toForm(row)
  }

  /** An active form with its type, purposes and consent texts resolved; 404 for none or inactive. */
  async live(key: string): Promise<LiveForm> {
    const row = await this.#repo.find(key)
    if (!row?.active) throw new ProblemError('not-found', 'there is no such form')
    const form = toForm(row)
    const type = FORM_TYPE_DEFINITIONS[form.type]
    const purposes = await this.#purposes.findMany([
      ...(type.purpose ? [type.purpose] : []),
      ...form.purposes.map((p) => p.purposeKey),
    ])
    const fields = new Set<string>(form.fields.map((f) => f.field))
    const consents: OfferedConsent[] = []
    for (const offered of form.purposes) {
      const purpose = purposes.get(offered.purposeKey)
      // A purpose the DPO changed since (no longer consent, channel gone) is not offered any more.
      if (!purpose || !usesConsent(purpose)) continue
      const channels = consentChannels(purpose, fields)
      if (channels.length === 0) continue
      consents.push({
        purpose,
        channels,
        text: await this.#texts.get(offered.purposeKey, offered.textVersion),
      })
    }
    return { form, type, purpose: type.purpose ? (purposes.get(type.purpose) ?? null) : null, consents }
  }

  /** Checks a definition (Art. 5(1)(c), the registry) and resolves text versions; throws naming each problem. */
  async #values(input: NewForm, options: { builtin: boolean }): Promise<FormValues> {
    const type = FORM_TYPE_DEFINITIONS[input.type]
    const errors: FieldError[] = []
    const bad = (field: string, reason: string) => errors.push({ in: 'body', field, reason })

    if (type.purpose && !(await this.#purposes.find(type.purpose)))
      bad('type', `rests on the purpose ${type.purpose}, which is not in the purpose registry`)

    // Data minimisation: only what the form's type needs, and all the type can't do without.
    const allowed = new Map(type.fields.map((f) => [f.field, f]))
    const seen = new Set<string>()
    input.fields.forEach((entry, i) => {
      if (seen.has(entry.field)) bad(`fields[${i}].field`, 'is listed twice')
      seen.add(entry.field)
      if (!allowed.has(entry.field))
        bad(
          `fields[${i}].field`,
          `${entry.field} is not needed for a ${input.type} form (data minimisation, Art. 5(1)(c)); it may ask for: ${type.fields.map((f) => f.field).join(', ')}`,
        )
    })
    for (const needed of type.fields.filter((f) => f.required)) {
      const entry = input.fields.find((f) => f.field === needed.field)
      if (!entry?.required)
        bad('fields', `a ${input.type} form must ask for ${needed.field} as a required field: ${needed.why}`)
    }

    const purposes = await this.#purposes.findMany(input.purposes.map((p) => p.purposeKey))
    const latest = await this.#texts.latest(input.purposes.map((p) => p.purposeKey))
    const resolved: { purposeKey: string; textVersion: number }[] = []
    const offered = new Set<string>()
    for (const [i, entry] of input.purposes.entries()) {
      const at = `purposes[${i}].purposeKey`
      if (offered.has(entry.purposeKey)) {
        bad(at, 'is offered twice')
        continue
      }
      offered.add(entry.purposeKey)
      const purpose = purposes.get(entry.purposeKey)
      if (!purpose) {
        bad(at, `there is no purpose ${entry.purposeKey}`)
        continue
      }
      if (!usesConsent(purpose)) {
        bad(
          at,
          `${purpose.key} rests on ${purpose.legalBasis}, not on consent: a form offers only consents as checkboxes`,
        )
        continue
      }
      if (purpose.art9Basis !== null) {
        bad(
          at,
          `${purpose.key} processes special categories (Art. 9): explicit consent is not taken on a public form`,
        )
        continue
      }
      const channels = consentChannels(purpose, seen)
      if (channels.length === 0) {
        const needs = purpose.channels.flatMap((c) => {
          const f = CONSENT_CHANNEL_FIELDS[c]
          return f === 'not-on-forms' ? [] : [f.join(' + ')]
        })
        bad(
          at,
          needs.length === 0
            ? `${purpose.key} is asked for by the cookie banner, not on a form`
            : `${purpose.key} needs the form to ask for ${needs.join(' or ')}`,
        )
        continue
      }
      if (purpose.doubleOptIn && channels.some((c) => !DOUBLE_OPT_IN_CHANNELS.includes(c))) {
        bad(
          at,
          `${purpose.key} needs double opt-in on ${channels.join(', ')}: a form confirms by e-mail only (${DOUBLE_OPT_IN_CHANNELS.join(', ')})`,
        )
        continue
      }
      const version = entry.textVersion ?? latest.get(entry.purposeKey)?.version
      if (version === undefined) {
        bad(at, `${purpose.key} has no consent text yet: add one (POST /api/v1/consent-texts) first`)
        continue
      }
      if (entry.textVersion !== undefined) {
        try {
          await this.#texts.get(entry.purposeKey, entry.textVersion)
        } catch {
          bad(
            `purposes[${i}].textVersion`,
            `there is no consent text v${entry.textVersion} of ${purpose.key}`,
          )
          continue
        }
      }
      resolved.push({ purposeKey: purpose.key, textVersion: version })
    }
    if (type.purpose === null && input.purposes.length === 0)
      bad('purposes', `a ${input.type} form collects for its consents only: it must offer at least one`)

    if (errors.length > 0)
      throw new ProblemError('validation', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), {
        errors,
      })
    return {
      key: input.key,
      type: input.type,
      title: input.title,
      fields: input.fields,
      purposes: resolved,
      notice: input.notice,
      active: input.active ?? true,
      builtin: options.builtin,
    }
  }

  #record(ctx: FormChangeContext) {
    return {
      actor: ctx.actor,
      action: 'configure' as const,
      ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    }
  }
}

const describe = (v: FormValues) =>
  `fields ${v.fields.map((f) => f.field).join(', ')}; consents ${v.purposes.map((p) => `${p.purposeKey} v${p.textVersion}`).join(', ') || 'none'}${v.active ? '' : '; inactive'}`
