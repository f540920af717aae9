import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import type { Mailer } from '../../platform/mail/mailer.ts'
import { type FieldError, ProblemError } from '../../platform/problem.ts'
import type {
  ClientProof,
  DoiAskResult,
  DoiOutcome,
  DoubleOptInService,
} from '../../privacy/double-opt-in/double-opt-in.service.ts'
import type { Gate, GateActor } from '../../privacy/gate/gate.service.ts'
import type { ConsentEventInput, PermissionService } from '../../privacy/permissions/permission.service.ts'
import type { PurposeService } from '../../privacy/purposes/purpose.service.ts'
import type { Channel } from '../../privacy/purposes/purpose.ts'
import { controllerNotice, type MailBranding } from '../settings/branding.ts'
import type { InstallationSettings } from '../settings/settings.service.ts'
import { type Lang, proofUserAgent, truncateIp } from './client-info.ts'
import { confirmationMail } from './confirmation-mail.ts'
import type { FormService, LiveForm, OfferedConsent } from './form.service.ts'
import { composeNotice, type NoticeSection } from './form-notice.ts'
import { CONSENT_FIELD, HONEYPOT_FIELD } from './form-page.ts'
import { PLACEHOLDER_CONTROLLER } from './form-seed.ts'
import { CONSENT_CHANNEL_FIELDS, FORM_FIELD_INPUTS, type FormField } from './form-types.ts'

/**
 * Who collects through a public form: Tresor itself, not a member of staff. It acts in the admin
 * role because what it may collect is bounded by the form's definition (checked against its type,
 * Art. 5(1)(c)), not by a department's field categories.
 */
export const PUBLIC_FORM_ACTOR: GateActor = { type: 'system', id: 'public-form', role: 'admin' }

/** Where a submission came from; the IP address and user agent are kept only shortened, as proof. */
export interface SubmissionMeta {
  lang: Lang
  ip?: string | undefined
  userAgent?: string | string[] | undefined
  requestId?: string | undefined
  /** The request's logger: mail outcomes are logged without address or content. */
  log?: { info(obj: object, msg: string): void; error(obj: object, msg: string): void } | undefined
}

/**
 * What the submitter is told. The same whether the address was known, already subscribed, within
 * the resend window or caught in the honeypot: the answer reveals nothing about an address.
 */
export interface SubmissionResult {
  status: 'received'
  /** `email` when a ticked consent is confirmed by double opt-in. */
  confirmation: 'email' | 'none'
}

/** A submission as checked: the identifiers, the consents ticked, whether the honeypot was filled. */
interface CheckedSubmission {
  identifiers: Partial<Record<FormField, string>>
  /** The normalised address (the blind index's form). */
  email: string
  consents: OfferedConsent[]
  honeypot: boolean
}

/** What a website needs to build the form itself and post it as JSON. */
export interface PublicFormDescription {
  key: string
  lang: Lang
  title: string
  fields: { name: string; label: string; input: string; required: boolean; maxLength: number }[]
  consents: { purposeKey: string; textVersion: string; text: string; doubleOptIn: boolean }[]
  honeypot: string
  notice: NoticeSection[]
}

/** Names a submission may carry besides the form's fields. */
const EXTRA_NAMES = new Set([CONSENT_FIELD, HONEYPOT_FIELD, 'lang'])

/**
 * Public form submissions (the HTML page and the JSON endpoint): checks what was sent against the
 * form, finds the person through the e-mail blind index or collects a new one through the gate
 * (with provenance), and records each ticked consent with its proof — `granted` for a consent
 * without double opt-in, `requested` and one confirmation mail for one with it (see
 * DoubleOptInService). Submissions for one address are handled one after another in this process.
 */
export class FormSubmissionService {
  readonly #forms: FormService
  readonly #gate: Gate
  readonly #permissions: PermissionService
  readonly #purposes: PurposeService
  readonly #doubleOptIn: DoubleOptInService
  readonly #db: Kysely<Schema>
  readonly #mailer: Mailer
  readonly #publicUrl: string
  readonly #settings: { current(): Promise<InstallationSettings> } | undefined
  readonly #mailBranding: (() => Promise<MailBranding>) | undefined
  readonly #queues = new Map<string, Promise<void>>()
  constructor(deps: {
    forms: FormService
    gate: Gate
    permissions: PermissionService
    purposes: PurposeService
    doubleOptIn: DoubleOptInService
    db: Kysely<Schema>
    mailer: Mailer
    /** The base of the links in mails (TRESOR_PUBLIC_URL). */
    publicUrl: string
    /** The installation's settings: who the notice names as controller and DPO. */
    settings?: { current(): Promise<InstallationSettings> }
    /** The logo and colour of the confirmation mail. */
    mailBranding?: () => Promise<MailBranding>
  }) {
    this.#forms = deps.forms
    this.#gate = deps.gate
    this.#permissions = deps.permissions
    this.#purposes = deps.purposes
    this.#doubleOptIn = deps.doubleOptIn
    this.#db = deps.db
    this.#mailer = deps.mailer
    this.#publicUrl = deps.publicUrl
    this.#settings = deps.settings
    this.#mailBranding = deps.mailBranding
  }

  /** How long a confirmation link stays valid, in hours (for the pages). */
  get confirmationHours(): number {
    return this.#doubleOptIn.settings.expiryHours
  }

  /**
   * What a confirmation link is about, for its page (DoubleOptInService.inspect): `open` with the
   * names of the consents it confirms, or why it doesn't work. Changes nothing.
   */
  async inspect(
    token: string,
    lang: Lang,
  ): Promise<{ outcome: 'open' | Exclude<DoiOutcome['kind'], 'confirmed'>; consents: string[] }> {
    const found = await this.#doubleOptIn.inspect(token)
    if (found.kind !== 'open') return { outcome: found.kind, consents: [] }
    const purposes = await this.#purposes.findMany(found.purposes.map((p) => p.purposeKey))
    return { outcome: 'open', consents: [...purposes.values()].map((p) => p.name[lang]) }
  }

  /**
   * Confirms through a confirmation link (DoubleOptInService.confirm) with the request's shortened IP
   * address and user agent as proof; returns the outcome and, when confirmed, the purposes' names.
   */
  async confirm(
    token: string,
    meta: Pick<SubmissionMeta, 'lang' | 'ip' | 'userAgent'>,
  ): Promise<{ outcome: DoiOutcome['kind']; confirmed: string[] }> {
    const outcome = await this.#doubleOptIn.confirm(token, {
      ip: truncateIp(meta.ip),
      userAgent: proofUserAgent(meta.userAgent),
    })
    if (outcome.kind !== 'confirmed') return { outcome: outcome.kind, confirmed: [] }
    const purposes = await this.#purposes.findMany(outcome.purposes.map((p) => p.purposeKey))
    return {
      outcome: 'confirmed',
      confirmed: [...purposes.values()].map((p) => p.name[meta.lang]),
    }
  }

  /**
   * The active form to show; 404 for an unknown or inactive one. A form whose notice still names
   * the placeholder controller of a fresh installation names the controller and the DPO of the
   * settings instead, once their name is set (Art. 13(1)(a)-(b)); a form that names a controller
   * of its own keeps it.
   */
  async live(key: string): Promise<LiveForm> {
    const live = await this.#forms.live(key)
    const own = live.form.notice.controller
    if (!this.#settings || own.de !== PLACEHOLDER_CONTROLLER.de || own.en !== PLACEHOLDER_CONTROLLER.en)
      return live
    const controller = controllerNotice(await this.#settings.current())
    return controller
      ? { ...live, form: { ...live.form, notice: { ...live.form.notice, controller } } }
      : live
  }

  /** The form for a website that renders it itself. */
  async describe(key: string, lang: Lang): Promise<PublicFormDescription> {
    const live = await this.live(key)
    return {
      key: live.form.key,
      lang,
      title: live.form.title[lang],
      fields: live.form.fields.map(({ field, required }) => ({
        name: field,
        label: FORM_FIELD_INPUTS[field].label[lang],
        input: FORM_FIELD_INPUTS[field].input,
        required,
        maxLength: FORM_FIELD_INPUTS[field].maxLength,
      })),
      consents: live.consents.map((c) => ({
        purposeKey: c.purpose.key,
        textVersion: c.text.textVersion,
        text: c.text.text[lang],
        doubleOptIn: c.purpose.doubleOptIn,
      })),
      honeypot: HONEYPOT_FIELD,
      notice: composeNotice(live, lang),
    }
  }

  /**
   * Takes one submission. A field the form doesn't have is refused (400 naming it); a filled
   * honeypot is answered like any submission and dropped.
   */
  async submit(
    key: string,
    body: Readonly<Record<string, unknown>>,
    meta: SubmissionMeta,
  ): Promise<SubmissionResult> {
    const live = await this.#forms.live(key)
    const checked = this.#check(live, body)
    const result: SubmissionResult = {
      status: 'received',
      confirmation: checked.consents.some((c) => c.purpose.doubleOptIn) ? 'email' : 'none',
    }
    // A bot filled the field people can't see: nothing is stored, and it isn't told.
    if (checked.honeypot) return result
    await this.#oneAtATime(checked.email, () => this.#store(live, checked, meta))
    return result
  }

  #check(live: LiveForm, body: Readonly<Record<string, unknown>>): CheckedSubmission {
    const errors: FieldError[] = []
    const bad = (field: string, reason: string) => errors.push({ in: 'body', field, reason })
    const fields = new Map(live.form.fields.map((f) => [f.field as string, f]))
    for (const name of Object.keys(body))
      if (!fields.has(name) && !EXTRA_NAMES.has(name)) bad(name, 'is not a field of this form')
    if (errors.length > 0) throw problem(errors)

    const identifiers: Partial<Record<FormField, string>> = {}
    let email = ''
    for (const { field, required } of live.form.fields) {
      const raw = body[field]
      if (Array.isArray(raw)) {
        bad(field, 'is given more than once')
        continue
      }
      if (raw !== undefined && raw !== null && typeof raw !== 'string') {
        bad(field, 'must be text')
        continue
      }
      const value = (raw ?? '').trim()
      if (!value) {
        if (required) bad(field, 'is required')
        continue
      }
      if (value.length > FORM_FIELD_INPUTS[field].maxLength) {
        bad(field, `is longer than ${FORM_FIELD_INPUTS[field].maxLength} characters`)
        continue
      }
      if (field === 'email' || field === 'phone') {
        const normal = this.#gate.normalizeIdentifier(field, value)
        if ('problem' in normal) {
          bad(field, normal.problem)
          continue
        }
        if (field === 'email') email = normal.value
      }
      identifiers[field] = value
    }

    const raw = body[CONSENT_FIELD]
    const ticked = raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : [raw]
    const consents: OfferedConsent[] = []
    for (const key of ticked) {
      const offered = typeof key === 'string' ? live.consents.find((c) => c.purpose.key === key) : undefined
      if (!offered) {
        bad(CONSENT_FIELD, `${typeof key === 'string' ? key : 'a value'} is not a consent this form offers`)
        continue
      }
      if (consents.some((c) => c.purpose.key === offered.purpose.key)) continue
      // A consent counts on the channels the person gave the contact field for (no call consent
      // without a number).
      const channels = offered.channels.filter((channel) => {
        const needs = CONSENT_CHANNEL_FIELDS[channel]
        return needs !== 'not-on-forms' && needs.every((f) => identifiers[f] !== undefined)
      })
      if (channels.length > 0) consents.push({ ...offered, channels })
      else {
        const needs = CONSENT_CHANNEL_FIELDS[offered.channels[0] as Channel]
        const missing = needs === 'not-on-forms' ? [] : needs.filter((f) => identifiers[f] === undefined)
        if (!errors.some((e) => missing.includes(e.field as FormField)))
          bad(missing[0] ?? CONSENT_FIELD, `is needed for the consent “${offered.purpose.name.en}”`)
      }
    }
    if (live.purpose === null && consents.length === 0 && errors.length === 0)
      bad(CONSENT_FIELD, 'tick the box to sign up: this form collects nothing without it')
    const honeypot = body[HONEYPOT_FIELD]
    const trapped = honeypot !== undefined && honeypot !== null && honeypot !== ''
    // A bot is dropped silently even when the rest is wrong: refusals would teach it the form.
    if (trapped) return { identifiers, email, consents, honeypot: true }
    if (errors.length > 0) throw problem(errors)
    if (!email) throw problem([{ in: 'body', field: 'email', reason: 'is required' }])
    return { identifiers, email, consents, honeypot: false }
  }

  async #store(live: LiveForm, checked: CheckedSubmission, meta: SubmissionMeta): Promise<void> {
    const client: ClientProof = { ip: truncateIp(meta.ip), userAgent: proofUserAgent(meta.userAgent) }
    const { byEmail } = await this.#gate.existingSubjects({ emails: [checked.email], normalized: true })
    let subjectId = byEmail.get(checked.email)
    let asked: DoiAskResult | undefined
    const record = async (id: string, trx: Kysely<Schema>) => {
      asked = await this.#recordConsents(live, checked, id, client, meta, trx)
    }
    if (subjectId) {
      // A known person: nothing of theirs is overwritten by an unauthenticated form; only the
      // consents ticked are recorded.
      const known = subjectId
      if (checked.consents.length > 0) await this.#db.transaction().execute((trx) => record(known, trx))
    } else {
      const purpose = live.purpose?.key ?? checked.consents[0]?.purpose.key
      const [id] = await this.#gate.collect({
        actor: PUBLIC_FORM_ACTOR,
        action: 'create',
        ...(purpose ? { purpose } : {}),
        ...(meta.requestId ? { requestId: meta.requestId } : {}),
        reason: `public form ${live.form.key} (${live.form.type})`,
        subjects: [
          {
            kinds: [live.type.subjectKind],
            source: 'form',
            attributes: {},
            identifiers: checked.identifiers,
          },
        ],
        alsoInTransaction: async (ids, trx) => record(ids[0] as string, trx),
      })
      subjectId = id as string
    }
    const ask = asked as DoiAskResult | undefined
    if (ask?.kind === 'mail') await this.#sendConfirmation(live, checked, subjectId, ask, meta)
  }

  /** Records the ticked consents in the collecting transaction; returns what the double opt-in asks. */
  async #recordConsents(
    live: LiveForm,
    checked: CheckedSubmission,
    subjectId: string,
    client: ClientProof,
    meta: SubmissionMeta,
    trx: Kysely<Schema>,
  ): Promise<DoiAskResult | undefined> {
    const single = checked.consents.filter((c) => !c.purpose.doubleOptIn)
    const double = checked.consents.filter((c) => c.purpose.doubleOptIn)
    if (single.length > 0) {
      const now = new Date()
      const [state] = await this.#permissions.stateOf([subjectId], undefined, trx)
      const given = new Set(
        (state?.consents ?? [])
          .filter(
            (c) =>
              (c.status === 'granted' || c.status === 'confirmed') &&
              (c.expiresAt === null || c.expiresAt.getTime() > now.getTime()),
          )
          .map((c) => `${c.purposeKey}\u0000${c.channel}`),
      )
      // Network (truncated) and browser of the submission, and the request it came in.
      const network = {
        ...(client.ip ? { ip: client.ip } : {}),
        ...(client.userAgent ? { userAgent: client.userAgent.slice(0, 500) } : {}),
      }
      const reference = meta.requestId ? `form submission ${meta.requestId}`.slice(0, 200) : undefined
      const events: ConsentEventInput[] = single.flatMap((c) =>
        c.channels
          .filter((channel) => !given.has(`${c.purpose.key}\u0000${channel}`))
          .map((channel) => ({
            subjectId,
            purposeKey: c.purpose.key,
            channel,
            kind: 'granted' as const,
            at: now,
            actor: PUBLIC_FORM_ACTOR,
            requestId: meta.requestId,
            proof: {
              source: 'form' as const,
              formKey: live.form.key,
              textVersion: c.text.textVersion,
              collectedAt: now.toISOString(),
              ...network,
              ...(reference ? { reference } : {}),
            },
          })),
      )
      await this.#permissions.recordConsent(events, trx)
    }
    if (double.length === 0) return undefined
    return this.#doubleOptIn.ask(
      {
        subjectId,
        formKey: live.form.key,
        purposes: double.flatMap((c) =>
          c.channels.map((channel) => ({
            purposeKey: c.purpose.key,
            channel,
            textVersion: c.text.textVersion,
          })),
        ),
        client,
        actor: PUBLIC_FORM_ACTOR,
        requestId: meta.requestId,
      },
      trx,
    )
  }

  /**
   * Sends the one confirmation mail. If it can't be sent, the request stays (its link just never
   * arrives) and the mail slot is given back, so the person's next sign-up sends one.
   */
  async #sendConfirmation(
    live: LiveForm,
    checked: CheckedSubmission,
    subjectId: string,
    ask: Extract<DoiAskResult, { kind: 'mail' }>,
    meta: SubmissionMeta,
  ): Promise<void> {
    const lang = meta.lang
    const mail = confirmationMail({
      to: checked.identifiers.email ?? checked.email,
      lang,
      formTitle: live.form.title[lang],
      consents: ask.purposes.flatMap((p) => {
        const offered = live.consents.find((c) => c.purpose.key === p.purposeKey)
        return offered ? [{ name: offered.purpose.name[lang], text: offered.text.text[lang] }] : []
      }),
      link: `${this.#publicUrl}/p/confirm/${ask.token}?lang=${lang}`,
      expiresAt: ask.expiresAt,
      branding: await this.#mailBranding?.(),
    })
    try {
      const sent = await this.#mailer.send(mail)
      meta.log?.info(
        { form: live.form.key, messageId: sent.messageId },
        'double opt-in confirmation mail sent',
      )
    } catch (error) {
      await this.#doubleOptIn.mailFailed(subjectId, ask.requestId)
      // The error's message may quote the address: only its kind is logged.
      const e = error as { name?: string; code?: string }
      meta.log?.error(
        { form: live.form.key, err: { type: e.name, code: e.code } },
        'confirmation mail failed',
      )
    }
  }

  /** Runs `fn` after every earlier submission for the same address has finished. */
  async #oneAtATime(key: string, fn: () => Promise<void>): Promise<void> {
    const previous = this.#queues.get(key) ?? Promise.resolve()
    const run = previous.then(fn)
    const tail = run.catch(() => {})
    this.#queues.set(key, tail)
    try {
      await run
    } finally {
      if (this.#queues.get(key) === tail) this.#queues.delete(key)
    }
  }
}

function problem(errors: readonly FieldError[]): ProblemError {
  return new ProblemError('validation', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), {
    errors: [...errors],
  })
}
