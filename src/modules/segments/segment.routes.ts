import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { contextOf } from '../../server/request-context.ts'
import {
  CountQuery,
  MembersPage,
  MembersQuery,
  PreviewInput,
  SavedSegmentCounts,
  Segment,
  SegmentCounts,
  SegmentInput,
  SegmentList,
  SegmentParams,
  SegmentUpdate,
  SegmentVersions,
} from './segment.schemas.ts'
import type { SegmentService } from './segment.service.ts'

const FIELD_RULES =
  'Every condition is checked as a read is: your role must act under the purpose (its scope), and each field a condition reads — a catalog attribute, `touchpoints` (behavioural), `orders` (purchases), `scores` (derived) — must be of a category your role holds and the purpose uses, a special category only under an Art. 9 basis the field serves; else 403 naming the condition (`rules.conditions.1.field`) and the refusal is audited. A bad condition is a 400 naming its path in `errors[]`.'

export const segmentRoutes =
  (segments: SegmentService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/segments',
      {
        config: { access: 'segments:read' },
        schema: {
          tags: ['segments'],
          summary: 'List the saved segments',
          description:
            'Every saved segment with its current definition and version, by name. A segment is a pseudonymous definition: it names nobody; counts are taken live by GET /segments/{id}/count.',
          response: { 200: SegmentList },
        },
      },
      async () => ({ items: await segments.list() }),
    )

    app.post(
      '/segments',
      {
        config: { access: 'segments:manage' },
        schema: {
          tags: ['segments'],
          summary: 'Save a new segment (version 1)',
          description: `An AND/OR rule tree over subject kinds, pseudonymous attributes, behaviour (touchpoints of a type or channel in a window), orders (count, amount, recency), scores (CLV, P(alive), RFM, churn band, ABC: only subjects with scores match) and permission for a purpose and channel. ${FIELD_RULES} Names are unique (409). Audited as a configuration change.`,
          body: SegmentInput,
          response: { 201: Segment },
        },
      },
      async (request, reply) => {
        const segment = await segments.create(contextOf(request), request.body)
        return reply.code(201).header('location', `/api/v1/segments/${segment.id}`).send(segment)
      },
    )

    app.post(
      '/segments/preview',
      {
        config: { access: 'segments:read' },
        schema: {
          tags: ['segments'],
          summary: 'Count an unsaved definition live',
          description: `What the rule builder asks while you edit: the segment's size (members, erased subjects aside) and, for each channel of the purpose (or those in \`channels\`), its permitted audience — segment ∩ the gate's decision for the purpose and channel (consent, objection, restriction, erasure, subject kinds, records) — in one SQL statement each, computed now (nothing cached). With \`reasons\`, also the excluded members by rule. Aggregates only: nobody is named or read, so no one's history records it. ${FIELD_RULES}`,
          body: PreviewInput,
          response: { 200: SegmentCounts },
        },
      },
      (request) => segments.preview(contextOf(request), request.body),
    )

    app.get(
      '/segments/:id',
      {
        config: { access: 'segments:read' },
        schema: {
          tags: ['segments'],
          summary: 'A saved segment',
          params: SegmentParams,
          response: { 200: Segment },
        },
      },
      (request) => segments.get(request.params.id),
    )

    app.put(
      '/segments/:id',
      {
        config: { access: 'segments:manage' },
        schema: {
          tags: ['segments'],
          summary: 'Save a new version of a segment',
          description: `Replaces the definition and bumps the version; every version stays readable (GET /segments/{id}/versions). With \`version\` (the one you started from), a segment changed since is a 409 instead of being overwritten. ${FIELD_RULES}`,
          params: SegmentParams,
          body: SegmentUpdate,
          response: { 200: Segment },
        },
      },
      (request) => segments.update(contextOf(request), request.params.id, request.body),
    )

    app.delete(
      '/segments/:id',
      {
        config: { access: 'segments:manage' },
        schema: {
          tags: ['segments'],
          summary: 'Delete a segment with its versions',
          description: 'Audited as a configuration change. No subject data is touched.',
          params: SegmentParams,
          response: { 204: { type: 'null', description: 'Deleted.' } },
        },
      },
      async (request, reply) => {
        await segments.delete(contextOf(request), request.params.id)
        return reply.code(204).send(null)
      },
    )

    app.get(
      '/segments/:id/versions',
      {
        config: { access: 'segments:read' },
        schema: {
          tags: ['segments'],
          summary: 'Every saved version of a segment, newest first, with who saved it',
          params: SegmentParams,
          response: { 200: SegmentVersions },
        },
      },
      async (request) => ({ items: await segments.versions(request.params.id) }),
    )

    app.get(
      '/segments/:id/count',
      {
        config: { access: 'segments:read' },
        schema: {
          tags: ['segments'],
          summary: "A segment's size and permitted audience per channel, live",
          description: `Computed now from the current definition (one statement each, no cache, so touchpoints, orders, consents and objections count at once): \`total\` members, and per channel of the purpose (the segment's, or \`purpose\`; one channel with \`channel\`) the members the purpose may use and those it may not; with \`reasons=true\` the excluded by rule. Aggregates only, naming nobody. ${FIELD_RULES}`,
          params: SegmentParams,
          querystring: CountQuery,
          response: { 200: SavedSegmentCounts },
        },
      },
      (request) => segments.count(contextOf(request), request.params.id, request.query),
    )

    app.get(
      '/segments/:id/members',
      {
        config: { access: 'segments:read' },
        schema: {
          tags: ['segments'],
          summary: "A page of a segment's permitted audience, through the gate",
          description:
            "The members the purpose (the segment's, or `purpose`) may use on the channel (needed when the purpose has several), in subject-id order: keyset pages (`after` = the previous `nextCursor`). Each page is read through the gate like the subjects list: the pseudonymous attributes your role may see for the purpose, the legal basis asked again, the use recorded in every listed subject's history (audit, with the segment and its version as the reason). Identifiers are never listed here: open the contact.",
          params: SegmentParams,
          querystring: MembersQuery,
          response: { 200: MembersPage },
        },
      },
      async (request) => {
        const page = await segments.members(contextOf(request), request.params.id, request.query)
        return {
          purpose: page.purpose,
          channel: page.channel,
          items: page.subjects.map((s) => ({ id: s.id, kinds: s.kinds, attributes: s.attributes })),
          nextCursor: page.nextCursor,
        }
      },
    )
  }
