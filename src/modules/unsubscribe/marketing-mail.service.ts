import type { Mailer, MailLanguage } from '../../platform/mail/mailer.ts'
import { invalidField, ProblemError } from '../../platform/problem.ts'
import type { Gate, GateActor } from '../../privacy/gate/gate.service.ts'
import type { PurposeService } from '../../privacy/purposes/purpose.service.ts'
import type { UnsubscribeService } from '../../privacy/unsubscribe/unsubscribe.service.ts'

/** One marketing mail to one person. */
export interface MarketingMail {
  subjectId: string
  /** A direct-marketing purpose of the registry that uses the `email` channel. */
  purposeKey: string
  subject: string
  text: string
  html?: string | undefined
  /** The language of the unsubscribe footer and of the link's page. */
  lang: MailLanguage
  /** Who sends (a campaign's job, a user); default the system actor `marketing-mail`. */
  actor?: GateActor | undefined
  requestId?: string | undefined
}

/**
 * Why a marketing mail was not sent: the permission rule that denies it (`consent-withdrawn`,
 * `objected`, `no-consent`, `erased`, ...; see permission-rules.ts), or `no-address`.
 */
export class MarketingMailRefused extends ProblemError {
  readonly rule: string
  constructor(rule: string, detail: string) {
    super('conflict', detail)
    this.name = 'MarketingMailRefused'
    this.rule = rule
  }
}

/**
 * Reads only the e-mail address; bounded by this code, hence a role that holds the contact
 * category whatever an admin did to the others (like the public forms' actor).
 */
const SENDER: GateActor = { type: 'system', id: 'marketing-mail', role: 'admin' }

/**
 * The one way a marketing mail leaves Tresor (campaigns use it): the privacy gate must allow the
 * purpose on `email` for the person now (consent given and confirmed and not withdrawn, or
 * legitimate interest and no objection; not restricted, not erased) — otherwise it refuses with
 * the rule; the address comes through the gate (the read is audited under the purpose); the mail
 * carries the person's unsubscribe link in the RFC 8058 headers and, appended by the mailer, in a
 * visible footer (§ 7(3) No. 4 UWG, Art. 21(4) GDPR).
 */
export class MarketingMailService {
  readonly #gate: Gate
  readonly #purposes: PurposeService
  readonly #unsubscribe: UnsubscribeService
  readonly #mailer: Mailer
  constructor(deps: {
    gate: Gate
    purposes: PurposeService
    unsubscribe: UnsubscribeService
    mailer: Mailer
  }) {
    this.#gate = deps.gate
    this.#purposes = deps.purposes
    this.#unsubscribe = deps.unsubscribe
    this.#mailer = deps.mailer
  }

  async send(mail: MarketingMail): Promise<{ messageId: string }> {
    const purpose = await this.#purposes.get(mail.purposeKey)
    if (!purpose.directMarketing)
      throw invalidField(
        'body',
        'purposeKey',
        `purpose ${purpose.key} is not direct marketing: a marketing mail needs a direct-marketing purpose`,
      )
    const result = await this.#gate.use({
      actor: mail.actor ?? SENDER,
      purpose: purpose.key,
      channel: 'email',
      subjectIds: [mail.subjectId],
      fields: ['email'],
      reason: 'marketing mail',
      ...(mail.requestId ? { requestId: mail.requestId } : {}),
    })
    const denial = result.denied[0]
    if (denial)
      throw new MarketingMailRefused(
        denial.rule,
        `no marketing mail for ${purpose.key}: the permission rules deny it (${denial.rule}): ${denial.reason}`,
      )
    const person = result.subjects[0]
    if (!person) throw new ProblemError('not-found', 'there is no such subject')
    const to = person.identifiers.email
    if (!to)
      throw new MarketingMailRefused('no-address', 'no marketing mail: the subject has no e-mail address')
    const unsubscribeUrl = await this.#unsubscribe.linkFor(person.id, purpose.key, 'email', {
      lang: mail.lang,
    })
    return this.#mailer.send({
      to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      marketing: { unsubscribeUrl, lang: mail.lang },
    })
  }
}
