import type { OutgoingMail } from '../../platform/mail/mailer.ts'
import { ProblemError } from '../../platform/problem.ts'
import type { AccessReportService } from '../../privacy/access-report/access-report.service.ts'
import { DSR_PURPOSE } from '../../privacy/access-report/access-report.service.ts'
import type { GateActor, UseRequest, UseResult } from '../../privacy/gate/gate.service.ts'
import type { RequestContext } from '../../privacy/gate/request-context.ts'
import type { Purpose } from '../../privacy/purposes/purpose.ts'
import type { DsrKind } from '../../privacy/requests/dsr.ts'
import type {
  DsrAnswerInfo,
  DsrRequest,
  DsrRequestService,
} from '../../privacy/requests/dsr-request.service.ts'
import type { DsrStep } from '../../privacy/requests/dsr-workflow.ts'
import type { RetentionRule } from '../../privacy/retention/retention-rule.ts'
import type { Lang } from '../forms/client-info.ts'
import { type AccessReport, buildAccessReport, type ReportDisclosure } from './access-report.ts'
import { accessReportCsv } from './access-report-csv.ts'
import { accessReportDocument, accessReportHtml } from './access-report-document.ts'
import { accessReportPdf } from './access-report-pdf.ts'
import { deadlineWarningMail, requestNewsMail } from './request-mail.ts'

/** The kinds Tresor answers with a generated report (Art. 15(1)-(3), Art. 20). */
export const REPORT_KINDS: readonly DsrKind[] = ['access', 'copy']

/** How long the person can download an answer in the portal (days). */
export const ANSWER_DOWNLOAD_DAYS = 30

/** The formats the report is given in. */
export const REPORT_FORMATS = ['json', 'html', 'pdf', 'csv'] as const
export type ReportFormat = (typeof REPORT_FORMATS)[number]

/** A step as the API takes it: the workflow's, plus what the answer of an access request needs. */
export type StepInput =
  | Exclude<DsrStep, { step: 'answer' }>
  | {
      step: 'answer'
      /** For a kind Tresor doesn't answer itself yet: what was done (no personal data). */
      note?: string | undefined
      /** The report's language (default: German). */
      lang?: Lang | undefined
      /** Art. 15(4): staff notes withheld from the report — all, or these ids. */
      withheldNotes?: 'all' | string[] | undefined
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
  log?: { error(obj: unknown, msg: string): void } | undefined
  clock?: () => Date
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
    let done: DsrRequest
    if (REPORT_KINDS.includes(request.kind)) {
      if (!request.verification)
        throw new ProblemError(
          'conflict',
          'Art. 12(6): nothing personal goes out before the identity of the person is verified',
        )
      const lang = input.lang ?? 'de'
      const report = await this.#build(request, ctx, lang, input.withheldNotes)
      done = await this.#d.store.step(id, { step: 'answer', note: input.note }, by, {
        report: Buffer.from(JSON.stringify(report), 'utf8'),
        lang,
        expiresAt: new Date(this.#clock().getTime() + ANSWER_DOWNLOAD_DAYS * 86_400_000),
      })
    } else {
      if (!input.note)
        throw new ProblemError(
          'validation',
          'note: say what was done (the answer of this kind is not generated yet)',
          {
            errors: [
              {
                in: 'body',
                field: 'note',
                reason: `is required to answer a request of kind ${request.kind}`,
              },
            ],
          },
        )
      done = await this.#d.store.step(id, { step: 'answer', note: input.note }, by)
    }
    await this.#tell(done, ctx.actor)
    return done
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
