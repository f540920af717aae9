import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type {
  RetentionRuleService,
  RetentionRuleWithVersions as RuleWithVersions,
} from '../../privacy/retention/retention-rule.service.ts'
import type { RetentionRule } from '../../privacy/retention/retention-rule.ts'
import { actorOf } from '../../server/auth.ts'
import { auditActor } from '../access/access.service.ts'
import type { DeletionConceptService } from './deletion-concept.service.ts'
import {
  CreateRetentionRuleBody,
  DocumentQuery,
  type RetentionRuleJson,
  RetentionRuleList,
  RetentionRuleParams,
  RetentionRuleWithVersions,
  type RetentionRuleWithVersionsJson,
  UpdateRetentionRuleBody,
} from './retention-rule.schemas.ts'

export const retentionRuleJson = (r: RetentionRule): RetentionRuleJson => ({
  ...r,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
})

const withVersionsJson = (r: RuleWithVersions): RetentionRuleWithVersionsJson => ({
  ...retentionRuleJson(r),
  versions: r.versions.map((v) => ({
    version: v.version,
    definition: v.definition,
    changed: v.changed,
    actor: v.actor,
    createdAt: v.createdAt.toISOString(),
  })),
})

const MINIMUM_REFUSAL =
  'A period below a legal minimum — the rule’s own, or that of another rule covering the same records — is refused with a 400 problem whose `errors[]` names `period` and the law.'

export const retentionRuleRoutes =
  (rules: RetentionRuleService, concept: DeletionConceptService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/retention-rules',
      {
        config: { access: 'purposes:read' },
        schema: {
          tags: ['retention'],
          summary: 'List the deletion concept: the retention rules',
          description:
            'Every deletion class (DIN 66398, ISO/IEC 27555): the records it covers (a record kind, optionally narrowed by purpose, subject kind or condition), the standard period, the start event, the legal minimum with its law, a transition where the law changed, the rule text and the version.',
          response: { 200: RetentionRuleList },
        },
      },
      async () => ({ items: (await rules.list()).map(retentionRuleJson) }),
    )

    // Registered before `/retention-rules/:key`; `document` is a reserved key.
    app.get(
      '/retention-rules/document',
      {
        config: { access: 'purposes:read' },
        schema: {
          tags: ['retention'],
          summary: 'The deletion concept as a document (HTML or PDF, German or English)',
          description:
            'Generated from the rules as they stand: title, controller (from the installation’s settings), date and version (the sum of the rules’ versions), an introduction to deletion classes, the disclaimer that it is product knowledge and not legal advice, and per rule, grouped by record kind: the records, the standard period, the start event, the legal minimum and its law, the transition and the rule text. `text/html; charset=utf-8` or `application/pdf`, as an attachment.',
          querystring: DocumentQuery,
          response: {
            200: {
              description: 'The document.',
              content: {
                // Sent as bytes (a Buffer is never serialised): HTML in UTF-8, or the PDF.
                'text/html': { schema: Type.Unsafe<Buffer>({ type: 'string' }) },
                'application/pdf': { schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }) },
              },
            },
          },
        },
      },
      async (request, reply) => {
        const doc = await concept.document(request.query.lang, request.query.format)
        return reply
          .type(doc.contentType)
          .header('content-disposition', `attachment; filename="${doc.filename}"`)
          .send(doc.body)
      },
    )

    app.get(
      '/retention-rules/:key',
      {
        config: { access: 'purposes:read' },
        schema: {
          tags: ['retention'],
          summary: 'One retention rule, with every version it had',
          description:
            'The rule and its versions, oldest first: what each said, who made it, which properties changed.',
          params: RetentionRuleParams,
          response: { 200: RetentionRuleWithVersions },
        },
      },
      async (request) => withVersionsJson(await rules.withVersions(request.params.key)),
    )

    app.post(
      '/retention-rules',
      {
        config: { access: 'retention:manage' },
        schema: {
          tags: ['retention'],
          summary: 'Add a retention rule of your own',
          description: `A deletion class of the DPO's: no legal minimum or transition of its own (those are seeded from the rule book). The start event must be one the record kind records a date for; a condition applies to its own kind; purpose narrowing to touchpoints and consent events. ${MINIMUM_REFUSAL} Version 1 is kept; audited as configure.`,
          body: CreateRetentionRuleBody,
          response: { 201: Type.Ref('RetentionRule') },
        },
      },
      async (request, reply) => {
        const created = await rules.create(request.body, {
          actor: auditActor(actorOf(request)),
          requestId: request.id,
        })
        return reply.code(201).send(retentionRuleJson(created))
      },
    )

    app.patch(
      '/retention-rules/:key',
      {
        config: { access: 'retention:manage' },
        schema: {
          tags: ['retention'],
          summary: 'Change a retention rule',
          description: `Changes the given properties (period, start event, coverage, names, rule text; each replaced whole), bumps the version and keeps it. Nothing differs: the rule unchanged, nothing audited. ${MINIMUM_REFUSAL} A rule with a legal minimum keeps its record kind and start event (the law names them). Audited as configure with the names of the changed properties.`,
          params: RetentionRuleParams,
          body: UpdateRetentionRuleBody,
          response: { 200: Type.Ref('RetentionRule') },
        },
      },
      async (request) =>
        retentionRuleJson(
          await rules.update(request.params.key, request.body, {
            actor: auditActor(actorOf(request)),
            requestId: request.id,
          }),
        ),
    )
  }
