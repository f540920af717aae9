import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type {
  RetentionPlan,
  RetentionRun,
  RetentionSweeper,
} from '../../privacy/retention/retention-sweep.service.ts'
import { contextOf } from '../../server/request-context.ts'
import {
  IdParams,
  ListQuery,
  RetentionPlanJson as PlanSchema,
  type RetentionPlanJson,
  RetentionPlanList,
  type RetentionRunJson,
  RetentionRunList,
  RetentionRunJson as RunSchema,
  StartRunBody,
  SweeperStatusJson,
} from './retention-sweep.schemas.ts'

export const planJson = (p: RetentionPlan): RetentionPlanJson => ({
  ...p,
  createdAt: p.createdAt.toISOString(),
  asOf: p.asOf.toISOString(),
  approval: p.approval && { ...p.approval, at: p.approval.at.toISOString() },
})

export const runJson = (r: RetentionRun): RetentionRunJson => ({
  ...r,
  startedAt: r.startedAt.toISOString(),
  finishedAt: r.finishedAt?.toISOString() ?? null,
  rules: r.rules.map((rule) => ({ ...rule, cutoff: rule.cutoff?.toISOString() ?? null })),
})

const NO_PERSONAL_DATA =
  'Plans and runs name rules, versions, cutoffs, counts and pseudonymous ids only, never personal data.'

/**
 * The retention sweeper's HTTP side (issue #13; docs/adr/0015): the dry run, its approval by the DPO,
 * runs with their progress. Everything under `retention:manage`.
 */
export const retentionSweepRoutes =
  (sweeper: RetentionSweeper): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/retention/status',
      {
        config: { access: 'retention:manage' },
        schema: {
          tags: ['retention'],
          summary: 'Whether the retention sweeper runs, and on which approval',
          description:
            'Off on a new installation until a person approves a first plan (no surprise deletions of imported data). Once on, the daily sweep plans and runs every rule still at the version approved last (the standing approval); a rule changed or added since waits for a new approval.',
          response: { 200: SweeperStatusJson },
        },
      },
      async () => {
        const status = await sweeper.status()
        return {
          ...status,
          lastApproval: status.lastApproval && {
            ...status.lastApproval,
            at: status.lastApproval.at.toISOString(),
          },
        }
      },
    )

    app.post(
      '/retention/plans',
      {
        config: { access: 'retention:manage' },
        schema: {
          tags: ['retention'],
          summary: 'Make a plan: the dry run of the deletion concept (nothing is deleted)',
          description: `Per retention rule: the cutoff (a row whose date is before it is due), how many subjects and records are due — a row covered by several rules only when all of them have run out, never what a legal hold keeps — and a sample of up to five. A rule reading a date Tresor does not record is listed as \`not_recorded\` (nothing falls due). The plan is stored for approval. ${NO_PERSONAL_DATA}`,
          response: { 201: PlanSchema },
        },
      },
      async (request, reply) => reply.code(201).send(planJson(await sweeper.plan(contextOf(request)))),
    )

    app.get(
      '/retention/plans',
      {
        config: { access: 'retention:manage' },
        schema: {
          tags: ['retention'],
          summary: 'The latest plans, newest first, with their approval',
          querystring: ListQuery,
          response: { 200: RetentionPlanList },
        },
      },
      async (request) => ({ items: (await sweeper.plans(request.query.limit ?? 10)).map(planJson) }),
    )

    app.get(
      '/retention/plans/:id',
      {
        config: { access: 'retention:manage' },
        schema: {
          tags: ['retention'],
          summary: 'One plan',
          params: IdParams,
          response: { 200: PlanSchema },
        },
      },
      async (request) => planJson(await sweeper.getPlan(request.params.id)),
    )

    app.post(
      '/retention/plans/:id/approve',
      {
        config: { access: 'retention:manage' },
        schema: {
          tags: ['retention'],
          summary: 'Approve a plan (the DPO): its rules may be run, and the daily sweep runs their versions',
          description:
            'Stores who approved the plan when; the plan keeps per rule its key, version, cutoff and counts. Audited as `configure`. The first approval turns the sweeper on. 409 when a rule changed since the plan was made (make a new plan). Approving an approved plan changes nothing.',
          params: IdParams,
          response: { 200: PlanSchema },
        },
      },
      async (request) => planJson(await sweeper.approve(request.params.id, contextOf(request))),
    )

    app.post(
      '/retention/runs',
      {
        config: { access: 'retention:manage' },
        schema: {
          tags: ['retention'],
          summary: 'Run an approved plan',
          description:
            'Starts a run of the plan with its approved cutoffs and answers 202 at once; the run goes on in the background, batch by batch (each batch one transaction, audited naming the rule and its version), and `GET /retention/runs/{id}` shows its progress. A rule whose version changed since the approval, or with nothing due, is skipped with the reason. 409 when the plan is not approved. A run stopped half-way (the server ended) is continued by the daily sweep.',
          body: StartRunBody,
          response: { 202: RunSchema },
        },
      },
      async (request, reply) => {
        const ctx = contextOf(request)
        const run = await sweeper.start(request.body.planId, ctx)
        // In the background: the daily sweep continues it should the server end before it is done.
        sweeper.execute(run.id, { actor: ctx.actor }).catch((error: unknown) => {
          request.log.error(
            { err: { type: error instanceof Error ? error.name : 'error' }, run: run.id },
            'retention run stopped; the daily sweep continues it',
          )
        })
        return reply.code(202).send(runJson(run))
      },
    )

    app.get(
      '/retention/runs',
      {
        config: { access: 'retention:manage' },
        schema: {
          tags: ['retention'],
          summary: 'The latest runs, newest first, with their progress per rule',
          querystring: ListQuery,
          response: { 200: RetentionRunList },
        },
      },
      async (request) => ({ items: (await sweeper.runs(request.query.limit ?? 10)).map(runJson) }),
    )

    app.get(
      '/retention/runs/:id',
      {
        config: { access: 'retention:manage' },
        schema: {
          tags: ['retention'],
          summary: 'One run and its progress per rule (planned, done, erased, held, failed)',
          params: IdParams,
          response: { 200: RunSchema },
        },
      },
      async (request) => runJson(await sweeper.getRun(request.params.id)),
    )
  }
