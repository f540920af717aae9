import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  MILESTONE_KINDS,
  type Milestone,
  type MilestoneService,
} from '../../privacy/milestones/milestone.service.ts'
import { SubjectParams } from '../../privacy/permissions/permission.schemas.ts'
import { contextOf } from '../../server/request-context.ts'

const MilestoneKind = Type.Enum(MILESTONE_KINDS, {
  description:
    '`application_rejected`, `application_accepted`, `application_withdrawn`: the decision on an application (the latest counts); `contract_ended`: the end of a contract.',
})

const MilestoneJson = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    subjectId: Type.String({ format: 'uuid' }),
    kind: MilestoneKind,
    occurredAt: Type.String({
      format: 'date-time',
      description: 'When it happened (a contract’s end may lie ahead).',
    }),
    recordedAt: Type.String({ format: 'date-time' }),
    recordedBy: Type.Object({ type: Type.String(), id: Type.String() }),
  },
  { additionalProperties: false },
)

const NewMilestone = Type.Object(
  {
    kind: MilestoneKind,
    occurredAt: Type.String({
      format: 'date-time',
      description:
        'When it happened. A decision cannot lie in the future; a contract’s end may, up to ten years ahead.',
    }),
  },
  { additionalProperties: false },
)

const MilestoneParams = Type.Object({
  id: Type.String({ format: 'uuid' }),
  milestoneId: Type.String({ format: 'uuid' }),
})

const json = (m: Milestone) => ({
  id: m.id,
  subjectId: m.subjectId,
  kind: m.kind,
  occurredAt: m.occurredAt.toISOString(),
  recordedAt: m.recordedAt.toISOString(),
  recordedBy: m.recordedBy,
})

/** Milestones of a relationship that start retention clocks (under /api/v1; migration 0044). */
export const milestoneRoutes =
  (milestones: MilestoneService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/subjects/:id/milestones',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['retention'],
          summary: 'The decisions on an application and the contract ends recorded for a subject',
          description:
            'Latest first. These dates start the deletion concept’s clocks: the seeded rule `rejected_applicants` erases an applicant 6 months after the latest decision when that decision is a rejection (§ 15(4) AGG, § 61b ArbGG); rules starting at `end_of_contract` run from the latest `contract_ended`. 404 for an unknown subject.',
          params: SubjectParams,
          response: { 200: Type.Object({ items: Type.Array(MilestoneJson) }) },
        },
      },
      async (request) => ({ items: (await milestones.list(request.params.id)).map(json) }),
    )

    app.post(
      '/subjects/:id/milestones',
      {
        config: { access: 'subjects:write' },
        schema: {
          tags: ['retention'],
          summary: 'Record a decision on an application or the end of a contract',
          description:
            'Starts (or restarts) the retention clocks that read it — see GET /retention/plans for what falls due. A later decision replaces an earlier one (an applicant first rejected, then accepted, is no rejected applicant). 404 for an unknown subject, 409 for an erased one, 400 naming `occurredAt` for a decision in the future. Audited.',
          params: SubjectParams,
          body: NewMilestone,
          response: { 201: MilestoneJson },
        },
      },
      async (request, reply) => {
        const created = await milestones.add(
          {
            subjectId: request.params.id,
            kind: request.body.kind,
            occurredAt: new Date(request.body.occurredAt),
          },
          contextOf(request),
        )
        return reply.code(201).send(json(created))
      },
    )

    app.delete(
      '/subjects/:id/milestones/:milestoneId',
      {
        config: { access: 'subjects:write' },
        schema: {
          tags: ['retention'],
          summary: 'Remove a milestone recorded by mistake',
          description:
            'The clocks it started stop (or fall back to an earlier milestone). 404 when there is no such milestone. Audited.',
          params: MilestoneParams,
          response: { 204: Type.Null() },
        },
      },
      async (request, reply) => {
        await milestones.remove(request.params.id, request.params.milestoneId, contextOf(request))
        return reply.code(204).send(null)
      },
    )
  }
