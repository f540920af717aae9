import { randomUUID } from 'node:crypto'
import type { OutgoingMail } from '../../platform/mail/mailer.ts'
import { invalidField, ProblemError } from '../../platform/problem.ts'
import type { AccessReportService } from '../../privacy/access-report/access-report.service.ts'
import { DSR_PURPOSE } from '../../privacy/access-report/access-report.service.ts'
import type { GateActor, UseRequest, UseResult } from '../../privacy/gate/gate.service.ts'
import type { RequestContext } from '../../privacy/gate/request-context.ts'
import type { ErasureAnswer } from '../../privacy/holds/hold.ts'
import { erasureAnswerText } from '../../privacy/holds/hold.ts'
import type { PermissionSource, RestrictionGround } from '../../privacy/permissions/permission.schemas.ts'
import type { ObjectionInput, RestrictionInput } from '../../privacy/permissions/permission.service.ts'
import { canBeObjectedTo, type Purpose } from '../../privacy/purposes/purpose.ts'
import { type DsrKind, isOpenStatus } from '../../privacy/requests/dsr.ts'
import type {
  DsrAnswerInfo,
  DsrLetterTask,
  DsrRequest,
  DsrRequestService,
  NewLetterTask,
} from '../../privacy/requests/dsr-request.service.ts'
import type { DsrStep } from '../../privacy/requests/dsr-workflow.ts'
import type { RetentionRule } from '../../privacy/retention/retention-rule.ts'
import type { Lang } from '../forms/client-info.ts'
import { type AccessReport, buildAccessReport, type ReportDisclosure } from './access-report.ts'
import { accessReportCsv } from './access-report-csv.ts'
import { accessReportDocument, accessReportHtml } from './access-report-document.ts'
import { accessReportPdf } from './access-report-pdf.ts'
import { accessReportZip } from './access-report-zip.ts'
import { answerLetterPdf } from './answer-letter-pdf.ts'
import {
  erasureText,
  type GeneratedAnswer,
  humanReviewText,
  letterMessage,
  liftNoticeText,
  type NotifiedRecipient,
  objectionText,
  rectificationText,
  restrictionText,
} from './dsr-answers.ts'
import type { ReportFormat } from './report-formats.ts'
import { answerTextMail, deadlineWarningMail, requestNewsMail } from './request-mail.ts'
import { ANSWER_TEXTS, REFUSAL_WORDS } from './request-status-texts.ts'

/** The kinds Tresor answers with a generated report (Art. 15(1)-(3), Art. 20). */
export const REPORT_KINDS: readonly DsrKind[] = ['access', 'copy']

/** How long the person can download an answer in the portal (days). */
export const ANSWER_DOWNLOAD_DAYS = 30

export { REPORT_FORMATS, type ReportFormat } from './report-formats.ts'

/** A step as the API takes it: the workflow's, plus what the answer of an access request needs. */
export type StepInput =
  | Exclude<DsrStep, { step: 'answer' }>
  | ({
      step: 'answer'
      /** For a kind Tresor doesn't answer itself yet: what was done (no personal data). */
      note?: string | undefined
      /** The report's language (default: German). */
      lang?: Lang | undefined
      /** Art. 15(4): staff notes withheld from the report — all, or these ids. */
      withheldNotes?: 'all' | string[] | undefined
    } & AnswerParts)

/** The per-kind parts of an answer step (docs/adr/0021): the one matching the request's kind. */
export interface AnswerParts {
  /** Art. 16: the corrections (null removes a field) and the reason. */
  rectification?:
    | {
        identifiers?: Record<string, string | null> | undefined
        attributes?: Record<string, unknown> | undefined
        reason: string
      }
    | undefined
  /** Art. 17: run the erasure (with the holds); `reason` goes to the audit trail and the ledger. */
  erasure?: { reason?: string | undefined } | undefined
  /** Art. 18(1): the ground the restriction is set on. */
  restriction?: { ground: RestrictionGround } | undefined
  /** Art. 21(1): the DPO's decision on the objection to a purpose; reasons required to reject. */
  objection?:
    | { purposeKey: string; decision: 'upheld' | 'rejected'; reasons?: string | undefined }
    | undefined
  /** Art. 22(3): the outcome of the human review, with the new decision when changed. */
  humanReview?:
    | { outcome: 'confirmed' | 'changed'; decision?: string | undefined; reasons: string }
    | undefined
}

/** The answer part each kind takes. */
const PART_OF_KIND: Partial<Record<DsrKind, keyof AnswerParts>> = {
  rectification: 'rectification',
  erasure: 'erasure',
  restriction: 'restriction',
  objection: 'objection',
  human_review: 'humanReview',
}

/** A recipient the subject's data was disclosed to, and whether its webhooks carry each Art. 19 event. */
export interface Art19Target {
  recipient: { id: string; name: string; country: string }
  /** The field categories it receives (a rectification tells it only of fields of these). */
  fieldCategories: readonly string[]
  /** The Art. 19 events its active webhook subscriptions deliver by themselves. */
  notifiedBy: readonly string[]
}

/** How a request reached us → how the objection it carries reached us (the permission source). */
const SOURCE_OF_CHANNEL: Record<string, PermissionSource> = {
  portal: 'portal',
  email: 'email',
  letter: 'letter',
  phone: 'phone',
  'in-person': 'letter',
}

/** A rendered report: its bytes and media type. */
export interface RenderedReport {
  body: Buffer | string
  contentType: string
  filename: string
}

export interface RequestWorkflowDeps {
  store: DsrRequestService
  collector: AccessReportService
  gate: { use(request: UseRequest): Promise<UseResult> }
  purposes: { list(): Promise<Purpose[]> }
  retention: { list(): Promise<RetentionRule[]> }
  /** The recipients registry's disclosures of a subject; absent: no registry, "none recorded". */
  disclosures?: ((subjectId: string, ctx: RequestContext) => Promise<ReportDisclosure[]>) | undefined
  settings: () => Promise<{
    controller: { name: string | null; address: string | null; email: string | null }
    dpo: { name: string | null; email: string | null; address: string | null }
  }>
  categoryOf: (field: string) => string | undefined
  /** The field catalog's words for a field. */
  labelOf?: ((field: string) => { de: string; en: string } | undefined) | undefined
  mailer: { send(mail: OutgoingMail): Promise<{ messageId: string }> }
  publicUrl: string
  /** Art. 16, 17: the subjects' rectify and erase paths (through the gate). */
  subjects?:
    | {
        rectify(
          ctx: RequestContext,
          id: string,
          patch: {
            identifiers?: Record<string, string | null> | undefined
            attributes?: Record<string, unknown> | undefined
            reason: string
            purpose?: string | undefined
          },
        ): Promise<unknown>
        erase(ctx: RequestContext, id: string, reason?: string): Promise<ErasureAnswer>
      }
    | undefined
  /** Art. 18, 21: the permission service's restriction, Art. 18(3) notice and objection paths. */
  permissions?:
    | {
        setRestriction(entries: readonly RestrictionInput[]): Promise<void>
        recordLiftNotice(entry: {
          subjectId: string
          channel: 'email' | 'letter'
          actor: GateActor
          requestId?: string | undefined
        }): Promise<void>
        recordObjection(objections: readonly ObjectionInput[]): Promise<void>
      }
    | undefined
  /** Art. 19: the recipients the subject's data was disclosed to, with their webhooks' events. */
  art19?: ((subjectId: string, ctx: RequestContext) => Promise<Art19Target[]>) | undefined
  /** Art. 22(3): the subject's scores with their explanation. */
  scores?:
    | {
        explainedFor(subjectId: string): Promise<
          {
            kind: string
            title: { de: string; en: string }
            explanation: { meaning: { de: string; en: string }; model: { name: string } }
          }[]
        >
      }
    | undefined
  log?: { error(obj: unknown, msg: string): void } | undefined
  clock?: () => Date
}

const ANSWER_SUBJECT = {
  de: 'Antwort auf Ihre Datenschutzanfrage',
  en: 'The answer to your data protection request',
}
const LIFT_SUBJECT = {
  de: 'Aufhebung der Einschränkung der Verarbeitung (Art. 18 Abs. 3 DSGVO)',
  en: 'Lifting the restriction of processing (Art. 18(3) GDPR)',
}

/** The actor of Tresor's own jobs (acts as admin, which may act under every purpose). */
const JOB_ACTOR: GateActor = { type: 'job', id: 'requests', role: 'admin' }

/**
 * Answering data subject requests (Art. 12): the steps (verify, start, answer, refuse, extend,
 * assign), the access report (Art. 15) — generated through the kernel under `dsr_fulfilment`,
 * stored sealed with the answer, rendered as JSON, HTML and PDF — the person's download in the
 * portal, the mail telling them there is news, and the deadline warning to the DPO.
 */
export class RequestWorkflowService {
  readonly #d: RequestWorkflowDeps
  readonly #clock: () => Date
  constructor(deps: RequestWorkflowDeps) {
    this.#d = deps
    this.#clock = deps.clock ?? (() => new Date())
  }

  /** One request (no details); 404 if unknown. */
  async get(id: string): Promise<DsrRequest> {
    const request = await this.#d.store.find(id)
    if (!request) throw new ProblemError('not-found', 'there is no such request')
    return request
  }

  /**
   * Takes a step. `answer` dispatches per kind: access and copy get the generated report, stored
   * sealed for the person's download; the other kinds (rectification, erasure, restriction,
   * objection: answered by their own flows, next) are closed with a note of what was done. The
   * person is told by mail that there is news (no personal data in it) after an answer, a refusal
   * or an extension.
   */
  async step(id: string, input: StepInput, ctx: RequestContext): Promise<DsrRequest> {
    const by = { actor: ctx.actor, requestId: ctx.requestId }
    if (input.step !== 'answer') {
      const done = await this.#d.store.step(id, input, by)
      if (input.step === 'refuse' || input.step === 'extend') await this.#tell(done, ctx.actor)
      return done
    }
    const request = await this.get(id)
    const partName = PART_OF_KIND[request.kind]
    for (const [kind, part] of Object.entries(PART_OF_KIND))
      if (part !== partName && input[part] !== undefined)
        throw invalidField(
          'body',
          part,
          `is the answer of a ${kind} request; this one is a ${request.kind} request`,
        )
    let done: DsrRequest
    if (REPORT_KINDS.includes(request.kind)) {
      this.#mayAnswer(request)
      const lang = input.lang ?? 'de'
      const report = await this.#build(request, ctx, lang, input.withheldNotes)
      done = await this.#d.store.step(id, { step: 'answer', note: input.note }, by, {
        report: Buffer.from(JSON.stringify(report), 'utf8'),
        lang,
        expiresAt: new Date(this.#clock().getTime() + ANSWER_DOWNLOAD_DAYS * 86_400_000),
      })
    } else if (partName && input[partName] !== undefined) {
      this.#mayAnswer(request)
      return this.#answerKind(request, input, ctx)
    } else {
      if (!input.note)
        throw new ProblemError(
          'validation',
          `${partName ?? 'note'}: give the answer of this ${request.kind} request (or a note of what was done by hand)`,
          {
            errors: [
              {
                in: 'body',
                field: partName ?? 'note',
                reason: `is required to answer a request of kind ${request.kind} (or a note of what was done by hand)`,
              },
            ],
          },
        )
      done = await this.#d.store.step(id, { step: 'answer', note: input.note }, by)
    }
    await this.#tell(done, ctx.actor)
    return done
  }

  /** 409 unless the request is open and the identity verified (before anything is changed). */
  #mayAnswer(request: DsrRequest): void {
    if (!isOpenStatus(request.status))
      throw new ProblemError(
        'conflict',
        `the request is ${request.status} already: a closed request takes no further step`,
      )
    if (!request.verification)
      throw new ProblemError(
        'conflict',
        'Art. 12(6): nothing personal goes out before the identity of the person is verified',
      )
  }

  /**
   * The generated answers (docs/adr/0021): carries out what the person asked — the rectification,
   * the erasure, the restriction, the objection decided, the human review — through the existing
   * kernel paths, notifies the recipients (Art. 19: their webhooks by the change's own event, a
   * letter task for the others), and closes the request with the answer told to the person.
   */
  async #answerKind(
    request: DsrRequest,
    input: Extract<StepInput, { step: 'answer' }>,
    ctx: RequestContext,
  ): Promise<DsrRequest> {
    const lang = input.lang ?? 'de'
    const by = { actor: ctx.actor, requestId: ctx.requestId }
    const base = {
      format: 'tresor-dsr-answer/1' as const,
      kind: request.kind,
      lang,
      answeredAt: this.#clock().toISOString(),
      ...(input.note ? { note: input.note } : {}),
    }
    const close = async (answer: GeneratedAnswer, letters: NewLetterTask[]) => {
      const done = await this.#d.store.step(request.id, { step: 'answer', note: input.note }, by, undefined, {
        answer,
        letters,
      })
      return done
    }
    switch (request.kind) {
      case 'rectification': {
        const part = input.rectification as NonNullable<AnswerParts['rectification']>
        const subjects = this.#need(this.#d.subjects, 'subjects')
        const fields = [...Object.keys(part.identifiers ?? {}), ...Object.keys(part.attributes ?? {})]
        if (fields.length === 0)
          throw invalidField('body', 'rectification.identifiers', 'name at least one field to correct')
        await subjects.rectify(ctx, request.subjectId, {
          ...(part.identifiers ? { identifiers: part.identifiers } : {}),
          ...(part.attributes ? { attributes: part.attributes } : {}),
          reason: `Art. 16, data subject request dsr:${request.id}: ${part.reason}`.slice(0, 500),
          purpose: DSR_PURPOSE,
        })
        const { notified, letters } = await this.#art19(request, ctx, 'subject.changed', fields)
        const label = (f: string) => this.#d.labelOf?.(f) ?? { de: f, en: f }
        const answer: GeneratedAnswer = {
          ...base,
          text: rectificationText(
            fields.map((field) => ({ field, label: label(field) })),
            notified,
          ),
          recipients: notified,
          rectification: { fields, reason: part.reason },
        }
        const done = await close(answer, letters)
        await this.#tell(done, ctx.actor)
        return done
      }
      case 'erasure': {
        const part = input.erasure as NonNullable<AnswerParts['erasure']>
        const subjects = this.#need(this.#d.subjects, 'subjects')
        // The answer goes by mail: after the erasure the person can't sign in, and their key is gone.
        const to = await this.#addressOf(request, ctx.actor).catch(() => undefined)
        const targets = await this.#art19(request, ctx, 'subject.erased', [])
        const erased = await subjects.erase(
          ctx,
          request.subjectId,
          `Art. 17, data subject request dsr:${request.id}${part.reason ? `: ${part.reason}` : ''}`.slice(
            0,
            500,
          ),
        )
        const answer: GeneratedAnswer = {
          ...base,
          text: erasureText(
            { de: erasureAnswerText(erased, 'de'), en: erasureAnswerText(erased, 'en') },
            targets.notified,
          ),
          recipients: targets.notified,
          erasure: {
            outcome: erased.outcome,
            erasedIdentifiers: [...erased.erased.identifiers],
            erasedRecords: erased.erased.records,
            kept: erased.kept.map((k) => ({
              law: k.law,
              reason: k.reason,
              categories: [...k.categories],
              records: k.records,
              until: k.until?.toISOString() ?? null,
              untilEvent: k.untilEvent ?? null,
            })),
          },
        }
        const done = await close(answer, targets.letters)
        if (to) await this.#mailText(to, lang, answer.text[lang], ANSWER_SUBJECT)
        return done
      }
      case 'restriction': {
        const part = input.restriction as NonNullable<AnswerParts['restriction']>
        const permissions = this.#need(this.#d.permissions, 'permissions')
        await permissions.setRestriction([
          {
            subjectId: request.subjectId,
            ground: part.ground,
            note: `data subject request dsr:${request.id}`,
            actor: ctx.actor,
            requestId: ctx.requestId,
          },
        ])
        const { notified, letters } = await this.#art19(request, ctx, 'subject.restricted', [])
        const answer: GeneratedAnswer = {
          ...base,
          text: restrictionText(part.ground, notified),
          recipients: notified,
          restriction: { ground: part.ground },
        }
        const done = await close(answer, letters)
        await this.#tell(done, ctx.actor)
        return done
      }
      case 'objection': {
        const part = input.objection as NonNullable<AnswerParts['objection']>
        const purpose = (await this.#d.purposes.list()).find((p) => p.key === part.purposeKey)
        if (!purpose)
          throw invalidField('body', 'objection.purposeKey', `there is no purpose ${part.purposeKey}`)
        if (!canBeObjectedTo(purpose))
          throw invalidField(
            'body',
            'objection.purposeKey',
            `purpose ${purpose.key} rests on ${purpose.legalBasis}: Art. 21(1) covers processing on Art. 6(1)(e) or (f) only — refuse the request instead (ground other)`,
          )
        if (part.decision === 'rejected') {
          if (purpose.directMarketing)
            throw new ProblemError(
              'unprocessable',
              `Art. 21(3) GDPR: an objection to direct marketing (${purpose.key}) can't be rejected — it takes effect at once`,
              {
                errors: [
                  {
                    in: 'body',
                    field: 'objection.decision',
                    reason: `Art. 21(2)-(3) GDPR: the purpose ${purpose.key} is direct marketing; the objection must be upheld`,
                  },
                ],
              },
            )
          if (!part.reasons?.trim())
            throw new ProblemError(
              'unprocessable',
              'Art. 21(1) sentence 2 GDPR: rejecting an objection needs the compelling legitimate grounds',
              {
                errors: [
                  {
                    in: 'body',
                    field: 'objection.reasons',
                    reason:
                      'is required to reject: the compelling legitimate grounds that override the interests, rights and freedoms of the person (Art. 21(1) sentence 2), told to them',
                  },
                ],
              },
            )
        } else {
          await this.#need(this.#d.permissions, 'permissions').recordObjection([
            {
              subjectId: request.subjectId,
              scope: 'purpose',
              purposeKey: purpose.key,
              action: 'raised',
              source: SOURCE_OF_CHANNEL[request.channel] ?? 'letter',
              reference: `dsr:${request.id}`,
              actor: ctx.actor,
              requestId: ctx.requestId,
            },
          ])
        }
        const reasons = part.decision === 'rejected' ? (part.reasons ?? '').trim() : null
        const answer: GeneratedAnswer = {
          ...base,
          text: objectionText(purpose, part.decision, reasons),
          objection: { purposeKey: purpose.key, decision: part.decision, reasons },
        }
        const done = await close(answer, [])
        await this.#tell(done, ctx.actor)
        return done
      }
      case 'human_review': {
        const part = input.humanReview as NonNullable<AnswerParts['humanReview']>
        if (part.outcome === 'changed' && !part.decision?.trim())
          throw invalidField(
            'body',
            'humanReview.decision',
            'is required when the outcome is changed: the new decision',
          )
        const scores = (await this.#d.scores?.explainedFor(request.subjectId)) ?? []
        const summary = scores.map((s) => ({
          kind: s.kind,
          title: s.title,
          meaning: s.explanation.meaning,
          model: s.explanation.model.name,
        }))
        const decision = part.outcome === 'changed' ? (part.decision ?? '').trim() : null
        const answer: GeneratedAnswer = {
          ...base,
          text: humanReviewText(part.outcome, decision, part.reasons, summary),
          humanReview: { outcome: part.outcome, decision, reasons: part.reasons, scores: summary },
        }
        const done = await close(answer, [])
        await this.#tell(done, ctx.actor)
        return done
      }
      default:
        throw new ProblemError('conflict', `a ${request.kind} request is answered with a report`)
    }
  }

  #need<T>(dep: T | undefined, name: string): T {
    if (!dep)
      throw new ProblemError('unavailable', `this installation has no ${name} service wired for answers`)
    return dep
  }

  /**
   * Art. 19: the recipients the subject's data was disclosed to, each told of the change once —
   * by its webhook where a subscription carries the event (the change emitted it already), else by
   * a letter task for the DPO. A rectification concerns a recipient only through fields of the
   * categories it receives; one that receives none of the changed fields isn't told.
   */
  async #art19(
    request: DsrRequest,
    ctx: RequestContext,
    event: NotifiedRecipient['event'],
    changed: readonly string[],
  ): Promise<{ notified: NotifiedRecipient[]; letters: NewLetterTask[] }> {
    const targets = this.#d.art19 ? await this.#d.art19(request.subjectId, ctx) : []
    const notified: NotifiedRecipient[] = []
    const letters: NewLetterTask[] = []
    for (const t of targets) {
      const categories = new Set(t.fieldCategories)
      const fields =
        event === 'subject.changed'
          ? changed.filter((f) => {
              const c = this.#d.categoryOf(f)
              return c !== undefined && categories.has(c)
            })
          : []
      if (event === 'subject.changed' && fields.length === 0) continue
      const byHook = t.notifiedBy.includes(event)
      const letterTaskId = byHook ? undefined : randomUUID()
      notified.push({
        id: t.recipient.id,
        name: t.recipient.name,
        country: t.recipient.country,
        how: byHook ? 'webhook' : 'letter',
        event,
        fields,
        ...(letterTaskId ? { letterTaskId } : {}),
      })
      if (letterTaskId)
        letters.push({
          id: letterTaskId,
          recipientId: t.recipient.id,
          event,
          fields,
          message: letterMessage(event, request.subjectId, request.id, fields),
        })
    }
    return { notified, letters }
  }

  /** The person's address, read through the gate under dsr_fulfilment (audited); undefined if none. */
  async #addressOf(request: DsrRequest, actor: GateActor): Promise<string | undefined> {
    const used = await this.#d.gate.use({
      actor: actor.role === 'dpo' || actor.role === 'admin' ? actor : JOB_ACTOR,
      purpose: DSR_PURPOSE,
      channel: 'email',
      subjectIds: [request.subjectId],
      fields: ['email'],
      reason: `answer to data subject request dsr:${request.id} mailed`,
    })
    return used.subjects[0]?.identifiers.email
  }

  async #mailText(to: string, lang: Lang, text: string, subject: { de: string; en: string }): Promise<void> {
    const settings = await this.#d.settings().catch(() => undefined)
    await this.#d.mailer
      .send(answerTextMail({ to, lang, subject, text, controller: settings?.controller.name ?? null }))
      .catch((error: { name?: string; code?: string }) =>
        this.#d.log?.error({ err: { type: error?.name, code: error?.code } }, 'answer mail failed'),
      )
  }

  /**
   * Art. 18(3): tells the person who obtained a restriction that it will be lifted — mailed by
   * Tresor (`email`: the address read through the gate) or sent by letter by staff (`letter`:
   * recorded) — and records the notice; lifting the restriction is refused until then. 409 when
   * there is no address to mail to.
   */
  async liftNotice(
    subjectId: string,
    channel: 'email' | 'letter',
    lang: Lang,
    ctx: RequestContext,
  ): Promise<{ channel: 'email' | 'letter'; text: string }> {
    const permissions = this.#need(this.#d.permissions, 'permissions')
    const text = liftNoticeText()[lang]
    if (channel === 'email') {
      const used = await this.#d.gate.use({
        actor: ctx.actor.role === 'dpo' || ctx.actor.role === 'admin' ? ctx.actor : JOB_ACTOR,
        purpose: DSR_PURPOSE,
        channel: 'email',
        subjectIds: [subjectId],
        fields: ['email'],
        reason: 'Art. 18(3) notice before lifting a restriction mailed',
      })
      const to = used.subjects[0]?.identifiers.email
      if (!to)
        throw new ProblemError(
          'conflict',
          'there is no e-mail address to send the Art. 18(3) notice to: send it by letter and record channel letter',
        )
      const settings = await this.#d.settings()
      await this.#d.mailer.send(
        answerTextMail({ to, lang, subject: LIFT_SUBJECT, text, controller: settings.controller.name }),
      )
    }
    await permissions.recordLiftNotice({ subjectId, channel, actor: ctx.actor, requestId: ctx.requestId })
    return { channel, text }
  }

  /**
   * The answer as a letter to print (a request received by letter, or a person without an e-mail
   * address): a PDF cover letter from the controller (name and address of the settings) to the
   * person's postal address (read through the gate under dsr_fulfilment on the channel post, audited;
   * left blank when none is on file any more, as after an erasure), with the answer's text — the
   * generated answer, the refusal with the right to complain, the extension with its reason, or the
   * note that the access report is enclosed. 409 while there is nothing to tell yet.
   */
  async letter(id: string, ctx: RequestContext, lang: Lang = 'de'): Promise<RenderedReport> {
    const request = await this.get(id)
    const answer = request.answer as GeneratedAnswer | null
    const a = ANSWER_TEXTS[lang]
    let body: string
    if (request.status === 'answered' && answer?.text) body = answer.text[lang]
    else if (request.status === 'answered' && REPORT_KINDS.includes(request.kind))
      body =
        lang === 'de'
          ? `anbei erhalten Sie die Auskunft über die personenbezogenen Daten, die wir über Sie verarbeiten (Art. 15 DSGVO)${request.kind === 'copy' ? ', und eine Kopie dieser Daten (Art. 15 Abs. 3, Art. 20 DSGVO; elektronisch auf Wunsch)' : ''}. Im Datenschutzportal können Sie sie 30 Tage lang auch herunterladen.`
          : `please find enclosed the information about the personal data we process about you (Art. 15 GDPR)${request.kind === 'copy' ? ', and a copy of that data (Art. 15(3), Art. 20 GDPR; electronically on request)' : ''}. You can also download it in the privacy portal for 30 days.`
    else if (request.status === 'answered')
      body = `${a.answered.replace('{date}', (request.closedAt ?? new Date()).toISOString().slice(0, 10))}${request.answerNote ? ` ${request.answerNote}` : ''}`
    else if (request.status === 'refused' && request.refusal)
      body = [REFUSAL_WORDS[request.refusal.ground][lang], request.refusal.reason, a.complain].join('\n')
    else if (request.extension)
      body = `${a.extended.replace('{due}', request.dueAt.toISOString().slice(0, 10))} ${request.extension.reason}`
    else
      throw new ProblemError(
        'conflict',
        `the request is ${request.status}: there is no answer, refusal or extension to write yet`,
      )
    const to = await this.#postalAddressOf(request, ctx.actor).catch(() => [])
    const settings = await this.#d.settings()
    return {
      body: await answerLetterPdf({
        lang,
        from: { name: settings.controller.name, address: settings.controller.address },
        to,
        date: this.#clock(),
        receivedAt: request.receivedAt,
        requestId: request.id,
        body,
        dpo: settings.dpo,
      }),
      contentType: 'application/pdf',
      filename: `answer-${request.id.slice(0, 8)}.pdf`,
    }
  }

  /** The person's name and postal address lines, read through the gate (post), audited. */
  async #postalAddressOf(request: DsrRequest, actor: GateActor): Promise<string[]> {
    const used = await this.#d.gate.use({
      actor: actor.role === 'dpo' || actor.role === 'admin' ? actor : JOB_ACTOR,
      purpose: DSR_PURPOSE,
      channel: 'post',
      subjectIds: [request.subjectId],
      fields: ['firstName', 'lastName', 'street', 'postalCode', 'city', 'countryCode'],
      reason: `answer to data subject request dsr:${request.id} as a letter`,
    })
    const id = used.subjects[0]?.identifiers
    if (!id) return []
    return [
      [id.firstName, id.lastName].filter(Boolean).join(' '),
      id.street,
      [id.postalCode, id.city].filter(Boolean).join(' '),
      id.countryCode,
    ].filter((line): line is string => Boolean(line))
  }

  /** Art. 19 letter tasks: of a request, or all open ones. */
  letterTasks(filter: {
    requestId?: string | undefined
    status?: 'open' | 'done' | undefined
  }): Promise<DsrLetterTask[]> {
    return this.#d.store.letterTasks(filter)
  }

  /** Marks a letter task done (the recipient was told). */
  completeLetterTask(id: string, note: string | undefined, ctx: RequestContext): Promise<DsrLetterTask> {
    return this.#d.store.completeLetterTask(id, note, { actor: ctx.actor, requestId: ctx.requestId })
  }

  /**
   * The access report of a request: the one given (stored with the answer) once answered, else a
   * fresh preview. 409 before the identity is verified (Art. 12(6)). Every read is audited.
   */
  async report(
    id: string,
    ctx: RequestContext,
    options: { lang?: Lang | undefined; withheldNotes?: 'all' | string[] | undefined } = {},
  ): Promise<AccessReport> {
    const request = await this.get(id)
    if (!request.verification)
      throw new ProblemError(
        'conflict',
        'Art. 12(6): nothing personal goes out before the identity of the person is verified',
      )
    if (request.status === 'answered') {
      const stored = await this.#d.store.openAnswer(
        request.subjectId,
        request.id,
        { actor: ctx.actor, requestId: ctx.requestId },
        { download: false },
      )
      if (stored) return JSON.parse(stored.report.toString('utf8')) as AccessReport
    }
    return this.#build(request, ctx, options.lang ?? 'de', options.withheldNotes)
  }

  /** The report in a format. */
  async render(report: AccessReport, format: ReportFormat): Promise<RenderedReport> {
    const name = `access-report-${report.generatedAt.slice(0, 10)}`
    if (format === 'json')
      return {
        body: JSON.stringify(report, null, 2),
        contentType: 'application/json; charset=utf-8',
        filename: `${name}.json`,
      }
    if (format === 'zip')
      return {
        body: await accessReportZip(report),
        contentType: 'application/zip',
        filename: `${name}.zip`,
      }
    if (format === 'csv')
      return {
        body: await accessReportCsv(report),
        contentType: 'text/csv; charset=utf-8',
        filename: `${name}.csv`,
      }
    const doc = accessReportDocument(report)
    if (format === 'html')
      return {
        body: accessReportHtml(doc),
        contentType: 'text/html; charset=utf-8',
        filename: `${name}.html`,
      }
    return {
      body: await accessReportPdf(doc, report.controller.name),
      contentType: 'application/pdf',
      filename: `${name}.pdf`,
    }
  }

  /** The answers the signed-in person may download now (not expired). */
  async downloadsOf(subjectId: string): Promise<DsrAnswerInfo[]> {
    const now = this.#clock().getTime()
    return (await this.#d.store.answersOf(subjectId)).filter((a) => a.expiresAt.getTime() > now)
  }

  /**
   * The person's own answer, for the portal: only a request of this subject, answered, with its
   * download window open; undefined otherwise (the route answers 404). Audited as the person's read.
   */
  async download(
    subjectId: string,
    requestId: string,
    format: ReportFormat,
  ): Promise<RenderedReport | undefined> {
    const stored = await this.#d.store.openAnswer(
      subjectId,
      requestId,
      { actor: { type: 'subject', id: subjectId } },
      { download: true },
    )
    if (!stored) return undefined
    return this.render(JSON.parse(stored.report.toString('utf8')) as AccessReport, format)
  }

  /**
   * Art. 12(3): mails the DPO (the settings' contact) the open requests due within `days`, oldest
   * due first; ids, kinds and dates only. Returns how many were due; nothing is sent when none is
   * or no DPO address is set.
   */
  async warnDue(days = 7): Promise<{ due: number; mailed: boolean }> {
    const now = this.#clock()
    const due = await this.#d.store.dueBefore(new Date(now.getTime() + days * 86_400_000))
    if (due.length === 0) return { due: 0, mailed: false }
    const settings = await this.#d.settings()
    if (!settings.dpo.email) return { due: due.length, mailed: false }
    await this.#d.mailer.send(
      deadlineWarningMail({
        to: settings.dpo.email,
        requests: due,
        now,
        days,
        inboxUrl: `${this.#d.publicUrl}/privacy`,
      }),
    )
    return { due: due.length, mailed: true }
  }

  /** Deletes the stored answers whose download window ended. */
  purgeExpiredAnswers(): Promise<number> {
    return this.#d.store.purgeExpiredAnswers()
  }

  async #build(
    request: DsrRequest,
    ctx: RequestContext,
    lang: Lang,
    withheldNotes: 'all' | string[] | undefined,
  ): Promise<AccessReport> {
    // Nothing personal: read beside the collection. The disclosures (audited) only after it succeeded.
    const registries = Promise.all([this.#d.purposes.list(), this.#d.retention.list(), this.#d.settings()])
    registries.catch(() => {})
    const data = await this.#d.collector.collect({
      actor: ctx.actor,
      subjectId: request.subjectId,
      requestId: ctx.requestId,
      withheldNotes,
      reason: `access report for data subject request dsr:${request.id}`,
    })
    const disclosures = this.#d.disclosures ? await this.#d.disclosures(request.subjectId, ctx) : null
    const [purposes, retentionRules, settings] = await registries
    return buildAccessReport({
      data,
      lang,
      request: { id: request.id, kind: request.kind, receivedAt: request.receivedAt, dueAt: request.dueAt },
      purposes,
      retentionRules,
      disclosures,
      controller: {
        name: settings.controller.name,
        address: settings.controller.address,
        dpo: settings.dpo,
      },
      categoryOf: this.#d.categoryOf,
      labelOf: this.#d.labelOf,
    })
  }

  /**
   * Tells the person there is news about their request (an answer, a refusal, an extension): a
   * mail with the link to sign in to the portal, nothing else; the address read through the gate
   * under dsr_fulfilment (audited). Sent after the step (which stands either way); a failure is
   * logged by kind, never the address.
   */
  async #tell(request: DsrRequest, actor: GateActor): Promise<void> {
    const send = async () => {
      const used = await this.#d.gate.use({
        actor: actor.role === 'dpo' || actor.role === 'admin' ? actor : JOB_ACTOR,
        purpose: DSR_PURPOSE,
        channel: 'email',
        subjectIds: [request.subjectId],
        fields: ['email'],
        reason: `news about data subject request dsr:${request.id} mailed`,
      })
      const to = used.subjects[0]?.identifiers.email
      if (!to) return
      await this.#d.mailer.send(requestNewsMail({ to, portalUrl: `${this.#d.publicUrl}/p/portal` }))
    }
    await send().catch((error: { name?: string; code?: string }) =>
      this.#d.log?.error({ err: { type: error?.name, code: error?.code } }, 'request news mail failed'),
    )
  }
}
