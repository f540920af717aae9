import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { contextOf } from '../../server/request-context.ts'
import {
  Membership,
  MembershipParams,
  NewOrganisation,
  OrganisationListQuery,
  OrganisationParams,
  OrganisationPatch,
} from './organisation.schemas.ts'
import type { OrganisationService } from './organisation.service.ts'

const SubjectParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })

export const organisationRoutes =
  (organisations: OrganisationService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/organisations',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['organisations'],
          summary: 'List organisations, optionally by name prefix',
          querystring: OrganisationListQuery,
          response: {
            200: Type.Object({
              items: Type.Array(Type.Ref('Organisation')),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
          },
        },
      },
      (request) => organisations.list(request.query),
    )

    app.post(
      '/organisations',
      {
        config: { access: 'catalog:manage' },
        schema: {
          tags: ['organisations'],
          summary: 'Create an organisation (idempotent by externalRef)',
          description:
            'With an `externalRef` already stored, answers 200 with that organisation instead of creating another.',
          body: NewOrganisation,
          response: { 200: Type.Ref('Organisation'), 201: Type.Ref('Organisation') },
        },
      },
      async (request, reply) => {
        const { organisation, created } = await organisations.create(request.body)
        return reply
          .code(created ? 201 : 200)
          .header('location', `/api/v1/organisations/${organisation.id}`)
          .send(organisation)
      },
    )

    app.get(
      '/organisations/:id',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['organisations'],
          summary: 'Read an organisation',
          params: OrganisationParams,
          response: { 200: Type.Ref('Organisation') },
        },
      },
      (request) => organisations.get(request.params.id),
    )

    app.patch(
      '/organisations/:id',
      {
        config: { access: 'catalog:manage' },
        schema: {
          tags: ['organisations'],
          summary: 'Change an organisation',
          params: OrganisationParams,
          body: OrganisationPatch,
          response: { 200: Type.Ref('Organisation') },
        },
      },
      (request) => organisations.update(request.params.id, request.body),
    )

    app.put(
      '/subjects/:id/organisations',
      {
        config: { access: 'subjects:write' },
        schema: {
          tags: ['organisations'],
          summary: 'Link a person to an organisation, with job title and department',
          description: 'Creates or replaces the link. Needs the organisation field category; audited.',
          params: SubjectParams,
          body: Membership,
          response: { 204: Type.Null() },
        },
      },
      async (request, reply) => {
        await organisations.link(contextOf(request), request.params.id, request.body)
        return reply.code(204).send(null)
      },
    )

    app.delete(
      '/subjects/:id/organisations/:organisationId',
      {
        config: { access: 'subjects:write' },
        schema: {
          tags: ['organisations'],
          summary: 'Remove a person from an organisation',
          params: MembershipParams,
          response: { 204: Type.Null() },
        },
      },
      async (request, reply) => {
        await organisations.unlink(contextOf(request), request.params.id, request.params.organisationId)
        return reply.code(204).send(null)
      },
    )
  }
