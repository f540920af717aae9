import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { SubjectParams } from '../../privacy/permissions/permission.schemas.ts'
import { DSR_CHANNELS, DSR_KINDS, isOpenStatus } from '../../privacy/requests/dsr.ts'
import type { DsrLetterTask } from '../../privacy/requests/dsr-request.service.ts'
import { contextOf, type RequestContext } from '../../server/request-context.ts'
import {
  LetterTaskDoneBody,
  LetterTaskJson,
  LetterTaskQuery,
  LiftNoticeBody,
  NewRequestBody,
  OpenRequestsQuery,
  ReportQuery,
  RequestJson,
  RequestKindsJson,
  RequestPage,
  RequestParams,
  StepBody,
} from './request.schemas.ts'
import type { DataSubjectRequest, RequestService } from './request.service.ts'
import { REQUEST_KIND_INFO } from './request-kinds.ts'
import type { ReportFormat, RequestWorkflowService } from './request-workflow.service.ts'

/** The staff API of data subject requests (under /api/v1). */
/** Reads the names of a page's subjects in one gated read (SubjectService.namesOf). */
export type NamesOf = (
  ctx: RequestContext,
  ids: readonly string[],
) => Promise<Map<string, { firstName?: string; lastName?: string; email?: string }>>

export const requestRoutes =
  (
    requests: RequestService,
    namesOf?: NamesOf,
    workflow?: RequestWorkflowService,
  ): FastifyPluginAsyncTypebox =>
  async (app) => {
    const json = (r: DataSubjectRequest, now = new Date()): RequestJson => ({
      id: r.id,
      subjectId: r.subjectId,
      kind: r.kind,
      channel: r.channel,
      status: r.status,
      receivedAt: r.receivedAt.toISOString(),
      dueAt: r.dueAt.toISOString(),
      overdue: isOpenStatus(r.status) && r.dueAt.getTime() < now.getTime(),
      hasDetails: r.hasDetails,
      ...(r.details !== undefined ? { details: r.details } : {}),
      reference: r.reference,
      recordedBy: r.recordedBy,
      recordedAt: r.recordedAt.toISOString(),
      assigneeId: r.assigneeId,
      verification: r.verification
        ? { at: r.verification.at.toISOString(), method: r.verification.method, note: r.verification.note }
        : null,
      startedAt: r.startedAt?.toISOString() ?? null,
      extension: r.extension
        ? {
            at: r.extension.at.toISOString(),
            reason: r.extension.reason,
            firstDueAt: r.extension.firstDueAt.toISOString(),
          }
        : null,
      closedAt: r.closedAt?.toISOString() ?? null,
      refusal: r.refusal,
      answerNote: r.answerNote,
      answer: (r.answer as RequestJson['answer']) ?? null,
    })

    app.get(
      '/request-kinds',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: ['requests'],
          summary: 'The kinds of data subject requests and the deadline they get',
          description:
            'Reviewable data: each kind with its article and the words the privacy portal uses, the channels a request can arrive through, and the deadline from receipt (Art. 12(3): one month; TRESOR_DSR_DEADLINE).',
          response: { 200: RequestKindsJson },
        },
      },
      () => ({
        deadline: requests.deadline,
        law: 'Art. 12(3) GDPR: without undue delay and within one month of receipt; extendable by two further months where necessary, telling the person within the first month why.',
        channels: [...DSR_CHANNELS],
        kinds: DSR_KINDS.map((kind) => {
          const { article, name, description, detailsRequired } = REQUEST_KIND_INFO[kind]
          return { kind, article, name, description, detailsRequired }
        }),
      }),
    )

    app.post(
      '/subjects/:id/requests',
      {
        config: { access: 'permissions:write' },
        schema: {
          tags: ['requests'],
          summary: 'Record a data subject request received by e-mail, letter, phone or in person',
          description:
            'Recorded with the time of receipt (default now) and the due date that runs from it (Art. 12(3)). The details are stored encrypted under the subject’s key. Status `received` until staff verify the identity (`POST /requests/{id}/steps`, Art. 12(6)). 404 for an unknown subject, 409 for an erased one. Audited.',
          params: SubjectParams,
          body: NewRequestBody,
          response: { 201: RequestJson },
        },
      },
      async (request, reply) => {
        const body = request.body
        const recorded = await requests.record(
          {
            subjectId: request.params.id.toLowerCase(),
            kind: body.kind,
            channel: body.channel,
            receivedAt: body.receivedAt === undefined ? undefined : new Date(body.receivedAt),
            details: body.details,
            reference: body.reference,
          },
          contextOf(request),
        )
        return reply.code(201).send(json(recorded))
      },
    )

    app.get(
      '/subjects/:id/requests',
      {
        config: { access: 'requests:manage' },
        schema: {
          tags: ['requests'],
          summary: "A subject's data subject requests, with what they wrote",
          description:
            'The latest received first, each with its due date and details (null once the subject was erased: the details are shredded with their key, the request stays as proof of receipt). Audited as a read.',
          params: SubjectParams,
          response: { 200: Type.Array(RequestJson) },
        },
      },
      async (request) =>
        (await requests.ofSubject(request.params.id.toLowerCase(), contextOf(request))).map((r) => json(r)),
    )

    app.get(
      '/requests',
      {
        config: { access: 'requests:manage' },
        schema: {
          tags: ['requests'],
          summary: 'The open data subject requests, the one due first on top',
          description:
            'Every request not yet handled, of every subject, oldest due date first (overdue ones on top), keyset-paginated; no details. Each carries the person’s name and e-mail address (`contact`) where your role and the purpose contact_management may see them, read for the page in one gated read. The look is audited with the subjects of the page.',
          querystring: OpenRequestsQuery,
          response: { 200: RequestPage },
        },
      },
      async (request) => {
        const ctx = contextOf(request)
        const page = await requests.open(request.query, ctx)
        const names = namesOf
          ? await namesOf(
              ctx,
              page.items.map((r) => r.subjectId),
            )
          : new Map()
        const now = new Date()
        return {
          ...page,
          items: page.items.map((r) => {
            const contact = names.get(r.subjectId)
            return { ...json(r, now), ...(contact ? { contact } : {}) }
          }),
        }
      },
    )

    if (!workflow) return

    app.get(
      '/requests/:id',
      {
        config: { access: 'requests:manage' },
        schema: {
          tags: ['requests'],
          summary: 'One data subject request with its workflow state',
          description:
            'Status, assignee, how the identity was verified, the extension and its reason, the refusal and its reasons; no details (the subject’s list has them). 404 for an unknown id.',
          params: RequestParams,
          response: { 200: RequestJson },
        },
      },
      async (request) => json(await workflow.get(request.params.id.toLowerCase())),
    )

    app.post(
      '/requests/:id/steps',
      {
        config: { access: 'requests:manage' },
        schema: {
          tags: ['requests'],
          summary: 'Take one step of a data subject request (Art. 12)',
          description: [
            'The workflow: received → identity_verified → in_progress → answered, or refused; extended from any open state.',
            '`verify` records how staff verified the identity (Art. 12(6)); a portal request is verified by the mailed sign-in when filed.',
            '`start` needs a verified identity. `answer` dispatches per kind: an access or copy request gets the access report (Art. 15(1)-(3)) generated through the privacy gate under the purpose dsr_fulfilment, stored encrypted under the subject’s key and offered to the signed-in person in the privacy portal for 30 days (HTML, PDF, JSON, CSV, and the copy as a zip of JSON, XLSX and CSV with what the person provided marked, Art. 20).',
            'The other kinds are carried out by Tresor with the part named like the kind (docs/adr/0021): `rectification` applies the corrections (Art. 16) and tells every recipient the data was disclosed to (Art. 19: webhook event subject.changed, or a letter task); `erasure` runs the erasure with the legal holds (Art. 17) and answers what was kept, why and until when (mailed: the erased person can’t sign in); `restriction` restricts (Art. 18) and tells the recipients; `objection` records the DPO’s decision (Art. 21(1): upheld records the objection; rejected needs the compelling legitimate grounds, 422 without them and always for a direct-marketing purpose); `humanReview` records the outcome of the review (Art. 22(3)). The generated answer (`answer` in the response) is shown to the person in the portal in their language, with the recipients told (Art. 19 sentence 2). Without its part, such a request may still be closed with a `note` of what was done by hand.',
            '`refuse` records the ground and the reasons (Art. 12(4)-(5)). `extend` moves the due date by one or two months with the reason told to the person; after the first month from receipt it is refused (409, Art. 12(3)), and a request is extended once.',
            'After an answer, a refusal or an extension the person gets a mail that there is news, with only the link to the portal.',
            'A step not allowed in the current state is 409 naming the rule; nothing personal goes out before the identity is verified. Every step is audited.',
          ].join(' '),
          params: RequestParams,
          body: StepBody,
          response: { 200: RequestJson },
        },
      },
      async (request) =>
        json(await workflow.step(request.params.id.toLowerCase(), request.body, contextOf(request))),
    )

    app.get(
      '/requests/:id/report',
      {
        config: { access: 'requests:manage' },
        schema: {
          tags: ['requests'],
          summary: 'The access report of a request (Art. 15), or the copy as a zip (Art. 15(3), 20)',
          description:
            'Once answered, the report given (as stored with the answer); before, a preview generated now. Every personal table of the registry of record kinds with a report section is in it, with the purposes and legal bases per category, the recipients and disclosures, the retention rules, the sources, the scores with their explanation and the person’s rights; the JSON marks what the person provided (Art. 20). Read through the privacy gate under dsr_fulfilment, audited. 409 before the identity is verified (Art. 12(6)). `format` or Accept: application/json, text/html, application/pdf, text/csv, application/zip. The zip (format=zip) is the copy of Art. 15(3) and Art. 20: data.json (this report), data.xlsx (a sheet per table), csv/<table>.csv and README.txt in the report’s language; every table has the column provided_by_you (Art. 20: what the person gave or did — identifiers, attributes, orders, consents, objections, requests, touchpoints — not what was derived or written by staff).',
          params: RequestParams,
          querystring: ReportQuery,
          response: {
            200: {
              description: 'The report.',
              content: {
                'application/json': { schema: Type.Unsafe<Buffer>({ type: 'object' }) },
                'text/html': { schema: Type.Unsafe<Buffer>({ type: 'string' }) },
                'application/pdf': { schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }) },
                'text/csv': { schema: Type.Unsafe<Buffer>({ type: 'string' }) },
                'application/zip': { schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }) },
              },
            },
          },
        },
      },
      async (request, reply) => {
        const accept = request.headers.accept ?? ''
        const format: ReportFormat =
          request.query.format ??
          (accept.includes('application/pdf')
            ? 'pdf'
            : accept.includes('text/html')
              ? 'html'
              : accept.includes('text/csv')
                ? 'csv'
                : accept.includes('application/zip')
                  ? 'zip'
                  : 'json')
        const report = await workflow.report(request.params.id.toLowerCase(), contextOf(request), {
          lang: request.query.lang,
          withheldNotes: request.query.withheldNotes,
        })
        const rendered = await workflow.render(report, format)
        return reply
          .type(rendered.contentType)
          .header(
            'content-disposition',
            `${format === 'json' ? 'inline' : 'attachment'}; filename="${rendered.filename}"`,
          )
          .send(typeof rendered.body === 'string' ? Buffer.from(rendered.body, 'utf8') : rendered.body)
      },
    )

    app.get(
      '/requests/:id/letter',
      {
        config: { access: 'requests:manage' },
        schema: {
          tags: ['requests'],
          summary: 'The answer as a letter to print (PDF): for a request received by post',
          description:
            'A cover letter from the controller (name and postal address of the settings) to the person’s postal address (read through the privacy gate under dsr_fulfilment on the channel post, audited; blank when none is on file, e.g. after an erasure), dated, with our reference, and the answer’s text in `lang`: the generated answer (rectification, erasure, restriction, objection, human review), the refusal with its reasons and the right to complain, the extension with its reason, or for access and copy the note that the report is enclosed (print it from GET /requests/{id}/report?format=pdf). 409 while there is nothing to tell yet.',
          params: RequestParams,
          querystring: Type.Object(
            {
              lang: Type.Optional(
                Type.Enum(['de', 'en'], { description: 'The letter’s language; default de.' }),
              ),
            },
            { additionalProperties: false },
          ),
          response: {
            200: {
              description: 'The letter.',
              content: {
                'application/pdf': { schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }) },
              },
            },
          },
        },
      },
      async (request, reply) => {
        const letter = await workflow.letter(
          request.params.id.toLowerCase(),
          contextOf(request),
          request.query.lang ?? 'de',
        )
        return reply
          .type(letter.contentType)
          .header('content-disposition', `attachment; filename="${letter.filename}"`)
          .send(typeof letter.body === 'string' ? Buffer.from(letter.body, 'utf8') : letter.body)
      },
    )

    const taskJson = (t: DsrLetterTask): LetterTaskJson => ({
      id: t.id,
      requestId: t.requestId,
      subjectId: t.subjectId,
      recipientId: t.recipientId,
      event: t.event,
      fields: t.fields,
      message: t.message,
      status: t.status,
      createdAt: t.createdAt.toISOString(),
      done: t.done ? { at: t.done.at.toISOString(), by: t.done.by, note: t.done.note } : null,
    })

    app.get(
      '/requests/:id/letter-tasks',
      {
        config: { access: 'requests:manage' },
        schema: {
          tags: ['requests'],
          summary: 'The Art. 19 letter tasks of a request',
          description:
            'Art. 19: the recipients the data was disclosed to that no webhook tells of the rectification, erasure or restriction, one task each, open or done, oldest first. Ids and field names only. 404 for an unknown request.',
          params: RequestParams,
          response: { 200: Type.Array(LetterTaskJson) },
        },
      },
      async (request) => {
        // 404 for an id that names no request (not an empty list that would say it exists).
        const found = await workflow.get(request.params.id.toLowerCase())
        return (await workflow.letterTasks({ requestId: found.id })).map(taskJson)
      },
    )

    app.get(
      '/letter-tasks',
      {
        config: { access: 'requests:manage' },
        schema: {
          tags: ['requests'],
          summary: 'Art. 19 letter tasks of every request (default: the open ones)',
          description:
            'The DPO’s list of recipients still to be told of a rectification, erasure or restriction by letter or mail (no webhook delivers it), oldest first, at most 500.',
          querystring: LetterTaskQuery,
          response: { 200: Type.Array(LetterTaskJson) },
        },
      },
      async (request) =>
        (await workflow.letterTasks({ status: request.query.status ?? 'open' })).map(taskJson),
    )

    app.post(
      '/letter-tasks/:id/done',
      {
        config: { access: 'requests:manage' },
        schema: {
          tags: ['requests'],
          summary: 'Mark an Art. 19 letter task done (the recipient was told)',
          description:
            'Records who told the recipient and when, with an optional note (how it was sent; no personal data). 404 for an unknown task, 409 when it is done already. Audited.',
          params: RequestParams,
          body: LetterTaskDoneBody,
          response: { 200: LetterTaskJson },
        },
      },
      async (request) =>
        taskJson(
          await workflow.completeLetterTask(
            request.params.id.toLowerCase(),
            request.body?.note,
            contextOf(request),
          ),
        ),
    )

    app.post(
      '/subjects/:id/restriction/notice',
      {
        config: { access: 'permissions:write' },
        schema: {
          tags: ['requests', 'permissions'],
          summary: 'Tell the person a restriction will be lifted (Art. 18(3))',
          description:
            'Art. 18(3): a person who obtained a restriction is informed before it is lifted; DELETE /subjects/{id}/restriction is refused (409 naming the rule) until this notice is recorded. channel email: Tresor mails the notice (German or English) to the address on file, read through the gate under dsr_fulfilment (409 without an address); letter: staff sent it by post and record it. 404 when the subject is not restricted, 409 for the restriction of a held erasure. Audited.',
          params: SubjectParams,
          body: LiftNoticeBody,
          response: {
            200: Type.Object({
              channel: Type.Enum(['email', 'letter']),
              text: Type.String({ description: 'The notice as told to the person.' }),
            }),
          },
        },
      },
      async (request) =>
        workflow.liftNotice(
          request.params.id.toLowerCase(),
          request.body.channel,
          request.body.lang ?? 'de',
          contextOf(request),
        ),
    )
  }
