import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { changedByOf } from '../../server/auth.ts'
import { CreateRoleBody, RoleEnvelope, RoleList, RoleParams, UpdateRoleBody } from './role.schemas.ts'
import type { RoleService } from './role.service.ts'

export const roleRoutes =
  (roles: RoleService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/roles',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: ['roles'],
          summary: 'Roles: what each may do and which categories of personal data it may use',
          response: { 200: RoleList },
        },
      },
      async () => ({ items: await roles.list() }),
    )

    app.post(
      '/roles',
      {
        config: { access: 'roles:manage' },
        schema: {
          tags: ['roles'],
          summary: 'Define a role (granting only what your own role has)',
          description:
            'A permission or field category your own role does not have is refused (403, named in `errors`), and the refusal is audited.',
          body: CreateRoleBody,
          response: { 201: RoleEnvelope },
        },
      },
      async (request, reply) => {
        const role = await roles.create(request.body, changedByOf(request))
        return reply.code(201).send({ role })
      },
    )

    app.patch(
      '/roles/:name',
      {
        config: { access: 'roles:manage' },
        schema: {
          tags: ['roles'],
          summary: "Change a role's description, permissions or field categories (applies at once)",
          description:
            'The lists replace the role’s. You can grant or take away only permissions and field categories your own role has (the admin role has all): otherwise 403, naming them in `errors`, and the refusal is audited.',
          params: RoleParams,
          body: UpdateRoleBody,
          response: { 200: RoleEnvelope },
        },
      },
      async (request) => ({
        role: await roles.update(request.params.name, request.body, changedByOf(request)),
      }),
    )

    app.delete(
      '/roles/:name',
      {
        config: { access: 'roles:manage' },
        schema: {
          tags: ['roles'],
          summary: 'Delete a role you defined; built-in roles and roles in use cannot be deleted',
          params: RoleParams,
          response: { 204: { type: 'null' } },
        },
      },
      async (request, reply) => {
        await roles.delete(request.params.name, changedByOf(request))
        return reply.code(204).send(null)
      },
    )
  }
