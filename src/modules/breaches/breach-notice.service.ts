import type { Logger } from '../../platform/logger.ts'
import type { Mailer } from '../../platform/mail/mailer.ts'
import { ProblemError } from '../../platform/problem.ts'
import type { BreachService } from '../../privacy/breaches/breach.service.ts'
import { breachClock, breachReference, type LetterStatus } from '../../privacy/breaches/breach.ts'
import type { Gate } from '../../privacy/gate/gate.service.ts'
import type { RequestContext } from '../../privacy/gate/request-context.ts'
import type { InstallationSettings } from '../settings/settings.service.ts'
import {
  breachLetter,
  breachNotice,
  breachNoticeHtml,
  breachNoticeText,
  type NoticeFormat,
  type NoticeLanguage,
} from './breach-notice.ts'
import { breachNoticePdf } from './breach-notice-pdf.ts'

/** The purpose the Art. 34 letters read the address under (Art. 6(1)(c) with Art. 34; seeded). */
export const BREACH_NOTIFICATION_PURPOSE = 'breach_notification'

/** People per gate call: one audited read and one vault read per batch. */
const LETTER_BATCH = 200

/** What sending the letters did. */
export interface LetterSummary {
  sent: number
  refused: number
  noAddress: number
  failed: number
}

/** A generated file: its bytes, content type and the name to save it as. */
export interface NoticeFile {
  body: Buffer
  contentType: string
  filename: string
}

const CONTENT_TYPES: Record<NoticeFormat, string> = {
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
  text: 'text/plain; charset=utf-8',
}

/**
 * What Tresor writes and sends for a breach: the draft notification to the supervisory authority
 * (Art. 33(3); HTML, PDF, text), the Art. 34 letters to the people of the affected set — each
 * address read through the gate under the purpose `breach_notification` (audited; a person the
 * gate refuses, e.g. erased or restricted, is recorded as refused with the rule), sent by the
 * mailer and recorded per person — and the reminders to the DPO before the 72 hours run out.
 */
export class BreachNoticeService {
  readonly #breaches: BreachService
  readonly #gate: Gate
  readonly #mailer: Mailer
  readonly #settings: () => Promise<InstallationSettings>
  readonly #logger: Logger | undefined

  constructor(deps: {
    breaches: BreachService
    gate: Gate
    mailer: Mailer
    settings: () => Promise<InstallationSettings>
    logger?: Logger
  }) {
    this.#breaches = deps.breaches
    this.#gate = deps.gate
    this.#mailer = deps.mailer
    this.#settings = deps.settings
    this.#logger = deps.logger
  }

  /** The draft notification to the authority (Art. 33(3)) in one language and format. */
  async notice(id: string, lang: NoticeLanguage, format: NoticeFormat): Promise<NoticeFile> {
    const breach = await this.#breaches.get(id)
    const [counts, settings] = await Promise.all([this.#breaches.counts(id), this.#settings()])
    const notice = breachNotice(breach, counts, settings, lang, this.#breaches.now())
    const base = `${lang === 'de' ? 'meldung' : 'notification'}-${breachReference(breach.number).toLowerCase()}`
    const body =
      format === 'pdf'
        ? await breachNoticePdf(notice, settings.controller.name ?? undefined)
        : Buffer.from(format === 'html' ? breachNoticeHtml(notice) : breachNoticeText(notice), 'utf8')
    return {
      body,
      contentType: CONTENT_TYPES[format],
      filename: `${base}.${format === 'text' ? 'txt' : format}`,
    }
  }

  /**
   * Art. 34: sends the letter to every person of the affected set no letter reached yet (none
   * tried, or the last try failed), in batches: the gate reads name and address under
   * `breach_notification` on the e-mail channel (audited), the mailer sends, the outcome is recorded
   * per person. Only where the risk is high (409 otherwise).
   */
  async sendLetters(id: string, ctx: RequestContext, lang: NoticeLanguage): Promise<LetterSummary> {
    const breach = await this.#breaches.get(id)
    if (breach.risk !== 'high')
      throw new ProblemError(
        'conflict',
        `breach ${breachReference(breach.number)} is not assessed as a high risk: Art. 34 letters are sent only where the risk is high`,
      )
    const settings = await this.#settings()
    const summary: LetterSummary = { sent: 0, refused: 0, noAddress: 0, failed: 0 }
    let after: string | undefined
    for (;;) {
      const ids = await this.#breaches.pendingLetters(id, after, LETTER_BATCH)
      if (ids.length === 0) break
      after = ids[ids.length - 1]
      const result = await this.#gate.use({
        actor: ctx.actor,
        purpose: BREACH_NOTIFICATION_PURPOSE,
        channel: 'email',
        subjectIds: ids,
        fields: ['email', 'firstName', 'lastName'],
        reason: `breach ${breachReference(breach.number)}: Art. 34 letter`,
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      })
      const outcomes: { subjectId: string; status: LetterStatus; note: string | null }[] = []
      for (const denial of result.denied) {
        outcomes.push({ subjectId: denial.subjectId, status: 'refused', note: denial.rule })
        summary.refused++
      }
      for (const person of result.subjects) {
        const to = person.identifiers.email
        if (!to) {
          outcomes.push({ subjectId: person.id, status: 'no-address', note: null })
          summary.noAddress++
          continue
        }
        const name =
          [person.identifiers.firstName, person.identifiers.lastName].filter(Boolean).join(' ') || null
        const letter = breachLetter(breach, settings, name, lang)
        try {
          await this.#mailer.send({ to, subject: letter.subject, text: letter.text, lang })
          outcomes.push({ subjectId: person.id, status: 'sent', note: null })
          summary.sent++
        } catch (error) {
          // The reason in the error may name the address: only its kind is recorded.
          outcomes.push({ subjectId: person.id, status: 'failed', note: (error as Error).name.slice(0, 100) })
          summary.failed++
        }
      }
      await this.#breaches.recordLetters(id, outcomes)
      if (ids.length < LETTER_BATCH) break
    }
    return summary
  }

  /**
   * Mails the DPO (else the controller's address from the settings) about every breach whose
   * 72 hours are nearly up (24 hours left) or up, once per stage. Returns how many were mailed.
   */
  async remind(): Promise<{ reminded: number; unaddressed: number }> {
    const due = await this.#breaches.dueReminders()
    if (due.length === 0) return { reminded: 0, unaddressed: 0 }
    const settings = await this.#settings()
    const to = settings.dpo.email ?? settings.controller.email
    if (!to) {
      this.#logger?.warn(
        { breaches: due.length },
        'breach reminders due, but no DPO or controller e-mail is set',
      )
      return { reminded: 0, unaddressed: due.length }
    }
    const now = this.#breaches.now()
    for (const { breach, stage } of due) {
      const clock = breachClock(breach, now)
      const ref = breachReference(breach.number)
      const deadline = `${clock.deadline.toISOString().slice(0, 16).replace('T', ' ')} UTC`
      const subject =
        stage === 2
          ? `Meldefrist abgelaufen / notification deadline passed: ${ref}`
          : `Meldefrist endet / notification deadline: ${ref}, ${deadline}`
      const text = [
        stage === 2
          ? `Die 72-Stunden-Frist für die Meldung der Datenschutzverletzung ${ref} ist am ${deadline} abgelaufen. Eine Meldung ist weiter nötig und muss die Gründe für die Verzögerung nennen (Art. 33 Abs. 1 DSGVO).`
          : `Die 72-Stunden-Frist für die Meldung der Datenschutzverletzung ${ref} endet am ${deadline} (Art. 33 Abs. 1 DSGVO).`,
        `Titel: ${breach.title}`,
        '',
        stage === 2
          ? `The 72-hour deadline for notifying the breach ${ref} passed on ${deadline}. It must still be notified, with the reasons for the delay (Art. 33(1) GDPR).`
          : `The 72-hour deadline for notifying the breach ${ref} ends on ${deadline} (Art. 33(1) GDPR).`,
        `Title: ${breach.title}`,
      ].join('\n')
      await this.#mailer.send({ to, subject, text })
    }
    return { reminded: due.length, unaddressed: 0 }
  }
}
