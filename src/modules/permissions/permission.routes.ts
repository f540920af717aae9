import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  ConsentBody,
  ObjectionBody,
  RestrictionBody,
  SubjectParams,
} from '../../privacy/permissions/permission.schemas.ts'
import type { PermissionService } from '../../privacy/permissions/permission.service.ts'
import { permissionsJson as toJson } from '../../privacy/permissions/permission-view.ts'
import { actorOf } from '../../server/auth.ts'
import { contextOf, type RequestContext } from '../../server/request-context.ts'
import { auditActor } from '../access/access.service.ts'

/**
 * Asks whether the caller's role may see this subject's permissions (the contact category);
 * throws a problem (and audits the denial) when not. Every route here shows the state after it.
 */
export type PermissionReadGuard = (ctx: RequestContext, subjectId: string) => Promise<void>

export const permissionRoutes =
  (permissions: PermissionService, mayRead: PermissionReadGuard): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Before any handler: nothing is recorded for, or shown to, a role that may not see the result.
    app.addHook('preHandler', async (request) => {
      const { id } = (request.params ?? {}) as { id?: string }
      if (id) await mayRead(contextOf(request), id)
    })

    app.post(
      '/subjects/:id/consents',
      {
        config: { access: 'permissions:write' },
        schema: {
          tags: ['permissions'],
          summary: 'Record a consent event',
          description:
            'requested, granted, confirmed (double opt-in), withdrawn or expired, with its proof (Art. 7(1)). A consent is confirmed only after it was requested or granted; withdrawing is always possible (Art. 7(3)). Purposes that do not rest on consent refuse consent events. Audited.',
          params: SubjectParams,
          body: ConsentBody,
          response: { 201: Type.Ref('SubjectPermissions') },
        },
      },
      async (request, reply) => {
        await permissions.recordConsent([
          {
            ...request.body,
            subjectId: request.params.id,
            actor: auditActor(actorOf(request)),
            requestId: request.id,
          },
        ])
        return reply.code(201).send(toJson(await permissions.subjectView(request.params.id)))
      },
    )

    app.post(
      '/subjects/:id/objections',
      {
        config: { access: 'permissions:write' },
        schema: {
          tags: ['permissions'],
          summary: 'Record an objection raised or lifted (Art. 21)',
          description:
            'scope channel (all direct marketing on one channel), purpose (one purpose), or all_marketing. An objection to direct marketing is absolute (Art. 21(3)); contract, legal obligation and vital interests cannot be objected to. Audited.',
          params: SubjectParams,
          body: ObjectionBody,
          response: { 201: Type.Ref('SubjectPermissions') },
        },
      },
      async (request, reply) => {
        await permissions.recordObjection([
          {
            ...request.body,
            action: request.body.action ?? 'raised',
            subjectId: request.params.id,
            actor: auditActor(actorOf(request)),
            requestId: request.id,
          },
        ])
        return reply.code(201).send(toJson(await permissions.subjectView(request.params.id)))
      },
    )

    app.put(
      '/subjects/:id/restriction',
      {
        config: { access: 'permissions:write' },
        schema: {
          tags: ['permissions'],
          summary: 'Restrict processing (Art. 18)',
          description:
            "The data is then only stored (Art. 18(2)): every purpose is denied until the restriction is lifted, except the purposes whose scope names an Art. 18(2) ground (legal claims, the rights of others, an important public interest such as the tax audit of invoices under invoicing_retention, the subject's consent) — and those only within their scope; each such use is audited with its ground. Audited.",
          params: SubjectParams,
          body: RestrictionBody,
          response: { 200: Type.Ref('SubjectPermissions') },
        },
      },
      async (request) => {
        await permissions.setRestriction([
          {
            ...request.body,
            subjectId: request.params.id,
            actor: auditActor(actorOf(request)),
            requestId: request.id,
          },
        ])
        return toJson(await permissions.subjectView(request.params.id))
      },
    )

    app.delete(
      '/subjects/:id/restriction',
      {
        config: { access: 'permissions:write' },
        schema: {
          tags: ['permissions'],
          summary: 'Lift a restriction (Art. 18(3))',
          description:
            'Art. 18(3): refused with 409 naming the rule until the person who obtained the restriction was told it will be lifted (POST /subjects/{id}/restriction/notice; `restriction.liftNotice` in the response says when and how). 404 when the subject is not restricted, 409 for the restriction of a held erasure (it ends with the erasure). Audited.',
          params: SubjectParams,
          response: { 200: Type.Ref('SubjectPermissions') },
        },
      },
      async (request) => {
        await permissions.liftRestriction([
          { subjectId: request.params.id, actor: auditActor(actorOf(request)), requestId: request.id },
        ])
        return toJson(await permissions.subjectView(request.params.id))
      },
    )

    app.get(
      '/subjects/:id/permissions',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['permissions'],
          summary: "A subject's permission state and its history",
          description:
            'Consents per purpose and channel, objections and restriction in force, what each purpose may do now, and every event with its proof.',
          params: SubjectParams,
          response: { 200: Type.Ref('SubjectPermissions') },
        },
      },
      async (request) =>
        toJson(
          await permissions.subjectView(request.params.id, {
            actor: auditActor(actorOf(request)),
            requestId: request.id,
          }),
        ),
    )
  }
