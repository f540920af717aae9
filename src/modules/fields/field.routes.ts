import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { FieldParams, FieldPatch, NewField } from '../../privacy/fields/field.schemas.ts'
import type { FieldService } from '../../privacy/fields/field.service.ts'
import { actorOf } from '../../server/auth.ts'
import { auditActor } from '../access/access.service.ts'

export const fieldRoutes =
  (fields: FieldService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/fields',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: ['fields'],
          summary:
            'The field catalog: identifiers and attributes with category, type, purposes and retention',
          response: { 200: Type.Array(Type.Ref('CatalogField')) },
        },
      },
      () => fields.list(),
    )

    app.post(
      '/fields',
      {
        config: { access: 'fields:manage' },
        schema: {
          tags: ['fields'],
          summary: 'Add an attribute to the catalog',
          description:
            'Attributes are pseudonymous (stored in the clear, linked by subject id); identifiers are fixed. A special category (Art. 9) may serve only purposes with an Art. 9 basis and is written and read only for them. Audited.',
          body: NewField,
          response: { 201: Type.Ref('CatalogField') },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await fields.create(request.body, { actor: auditActor(actorOf(request)), requestId: request.id }),
          ),
    )

    app.patch(
      '/fields/:key',
      {
        config: { access: 'fields:manage' },
        schema: {
          tags: ['fields'],
          summary: 'Change a field: labels, category, options, purposes, retention',
          params: FieldParams,
          body: FieldPatch,
          response: { 200: Type.Ref('CatalogField') },
        },
      },
      (request) =>
        fields.update(request.params.key, request.body, {
          actor: auditActor(actorOf(request)),
          requestId: request.id,
        }),
    )
  }
