import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { SubjectParams } from '../../privacy/permissions/permission.schemas.ts'
import { DSR_CHANNELS, DSR_KINDS } from '../../privacy/requests/dsr.ts'
import { contextOf, type RequestContext } from '../../server/request-context.ts'
import {
  NewRequestBody,
  OpenRequestsQuery,
  RequestJson,
  RequestKindsJson,
  RequestPage,
} from './request.schemas.ts'
import type { DataSubjectRequest, RequestService } from './request.service.ts'
import { REQUEST_KIND_INFO } from './request-kinds.ts'

/** The staff API of data subject requests (under /api/v1). */
/** Reads the names of a page's subjects in one gated read (SubjectService.namesOf). */
export type NamesOf = (
  ctx: RequestContext,
  ids: readonly string[],
) => Promise<Map<string, { firstName?: string; lastName?: string; email?: string }>>

export const requestRoutes =
  (requests: RequestService, namesOf?: NamesOf): FastifyPluginAsyncTypebox =>
  async (app) => {
    const json = (r: DataSubjectRequest, now = new Date()): RequestJson => ({
      id: r.id,
      subjectId: r.subjectId,
      kind: r.kind,
      channel: r.channel,
      status: r.status,
      receivedAt: r.receivedAt.toISOString(),
      dueAt: r.dueAt.toISOString(),
      overdue: r.status === 'received' && r.dueAt.getTime() < now.getTime(),
      hasDetails: r.hasDetails,
      ...(r.details !== undefined ? { details: r.details } : {}),
      reference: r.reference,
      recordedBy: r.recordedBy,
      recordedAt: r.recordedAt.toISOString(),
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
            'Recorded with the time of receipt (default now) and the due date that runs from it (Art. 12(3)). The details are stored encrypted under the subject’s key. Recording changes nothing else; handling requests comes later. 404 for an unknown subject, 409 for an erased one. Audited.',
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
  }
