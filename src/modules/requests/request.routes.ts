import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { SubjectParams } from '../../privacy/permissions/permission.schemas.ts'
import { DSR_CHANNELS, DSR_KINDS, isOpenStatus } from '../../privacy/requests/dsr.ts'
import { contextOf, type RequestContext } from '../../server/request-context.ts'
import {
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
            '`start` needs a verified identity. `answer` dispatches per kind: an access or copy request gets the access report (Art. 15(1)-(3)) generated through the privacy gate under the purpose dsr_fulfilment, stored encrypted under the subject’s key and offered to the signed-in person in the privacy portal for 30 days; other kinds are closed with a `note` of what was done (their generated answers come later).',
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
          summary: 'The access report of a request (Art. 15): JSON, HTML or PDF',
          description:
            'Once answered, the report given (as stored with the answer); before, a preview generated now. Every personal table of the registry of record kinds with a report section is in it, with the purposes and legal bases per category, the recipients and disclosures, the retention rules, the sources, the scores with their explanation and the person’s rights; the JSON marks what the person provided (Art. 20). Read through the privacy gate under dsr_fulfilment, audited. 409 before the identity is verified (Art. 12(6)). `format` or Accept: application/json, text/html, application/pdf.',
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
  }
