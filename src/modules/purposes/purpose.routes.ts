import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  CreatePurposeBody,
  type PurposeJson,
  PurposeList,
  PurposeParams,
  UpdatePurposeBody,
} from '../../privacy/purposes/purpose.schemas.ts'
import type { PurposeService } from '../../privacy/purposes/purpose.service.ts'
import type { Purpose } from '../../privacy/purposes/purpose.ts'
import { actorOf } from '../../server/auth.ts'
import { auditActor } from '../access/access.service.ts'

export const purposeJson = (p: Purpose): PurposeJson => ({
  ...p,
  createdAt: p.createdAt.toISOString(),
  updatedAt: p.updatedAt.toISOString(),
})

export const purposeRoutes =
  (purposes: PurposeService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/purposes',
      {
        config: { access: 'purposes:read' },
        schema: {
          tags: ['purposes'],
          summary: 'List the purpose registry',
          description: 'Every purpose with its legal basis, channels, consent and retention rules.',
          response: { 200: PurposeList },
        },
      },
      async () => ({ items: (await purposes.list()).map(purposeJson) }),
    )

    app.get(
      '/purposes/:key',
      {
        config: { access: 'purposes:read' },
        schema: {
          tags: ['purposes'],
          summary: 'One purpose',
          params: PurposeParams,
          response: { 200: Type.Ref('Purpose') },
        },
      },
      async (request) => purposeJson(await purposes.get(request.params.key)),
    )

    app.post(
      '/purposes',
      {
        config: { access: 'purposes:manage' },
        schema: {
          tags: ['purposes'],
          summary: 'Add a purpose',
          description:
            'Exactly one Art. 6(1) basis; consent to e-mail requires double opt-in; direct marketing rests on consent or legitimate interest. Audited.',
          body: CreatePurposeBody,
          response: { 201: Type.Ref('Purpose') },
        },
      },
      async (request, reply) => {
        const created = await purposes.create(request.body, {
          actor: auditActor(actorOf(request)),
          requestId: request.id,
        })
        return reply.code(201).send(purposeJson(created))
      },
    )

    app.patch(
      '/purposes/:key',
      {
        config: { access: 'purposes:manage' },
        schema: {
          tags: ['purposes'],
          summary: 'Change a purpose',
          description:
            'Changes the given properties and bumps the version. The legal basis is fixed once consents or objections were recorded for the purpose. Audited with the names of the changed properties.',
          params: PurposeParams,
          body: UpdatePurposeBody,
          response: { 200: Type.Ref('Purpose') },
        },
      },
      async (request) =>
        purposeJson(
          await purposes.update(request.params.key, request.body, {
            actor: auditActor(actorOf(request)),
            requestId: request.id,
          }),
        ),
    )
  }
