import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { contextOf } from '../../server/request-context.ts'
import { ErasureAnswerJson } from '../holds/hold.schemas.ts'
import { erasureAnswerJson } from '../holds/hold-json.ts'
import {
  NewSubjectInput,
  SubjectGetQuery,
  SubjectKind,
  SubjectListPage,
  SubjectListQuery,
  SubjectPage,
  SubjectParams,
  SubjectPatch,
  SubjectReadQuery,
} from './subject.schemas.ts'
import type { SubjectService } from './subject.service.ts'
import { SubjectOverview } from './subject-overview.schemas.ts'
import type { SubjectOverviewService } from './subject-overview.service.ts'

export const subjectRoutes =
  (subjects: SubjectService, overviews: SubjectOverviewService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/subjects/:id/overview',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['subjects'],
          summary: 'The 360° view of a contact, through the privacy gate',
          description:
            'Identity, organisations, attributes, permissions per purpose and channel, the timeline of touchpoints, orders and notes, invoices (open first), deals and the history link. A part your role may not see is listed under `hidden` with the reason. Every part is read for the purpose (default contact_management) and audited.',
          params: SubjectParams,
          querystring: SubjectReadQuery,
          response: { 200: SubjectOverview },
        },
      },
      (request) => overviews.overview(contextOf(request), request.params.id, request.query.purpose),
    )

    app.get(
      '/subjects',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['subjects'],
          summary: 'List subjects',
          description:
            'Keyset-paginated; filter by kind and attributes; sort by createdAt or updatedAt. Lists show pseudonymous attributes and, where your role and the purpose may see them, the name (`identifiers.firstName`, `identifiers.lastName`) and `identifiers.email` — read for the whole page in one gated read that is audited once; other identifiers are read one contact at a time. A list asks only for the fields your role may see for the purpose: the others (a category your role lacks, a special category the purpose has no Art. 9(2) basis for) are left out of it without a record of their withholding, while reading one contact records what was withheld from you. Subjects the purpose may not use on the channel are left out, and not counted in `total` (`excluded` says how many were left out). A purpose with several channels (and not `none`) is listed for one: name it in `channel`. To find someone by e-mail address or name, POST /subjects/search (no address or name in a URL).',
          querystring: SubjectListQuery,
          response: { 200: SubjectListPage },
        },
      },
      (request) => subjects.list(contextOf(request), request.query),
    )

    app.get(
      '/subjects/count',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['subjects'],
          summary: 'How many subjects there are (not erased), optionally of one kind',
          description: 'An aggregate: reads no subject, so it leaves no record in anyone’s history.',
          querystring: Type.Object({ kind: Type.Optional(SubjectKind) }, { additionalProperties: false }),
          response: { 200: Type.Object({ total: Type.Integer() }) },
        },
      },
      async (request) => ({ total: await subjects.count(request.query.kind) }),
    )

    app.post(
      '/subjects/search',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['subjects'],
          summary: 'Find subjects by e-mail address or by name (keeps them out of the URL)',
          description:
            'By e-mail: case-insensitive, through the e-mail blind index. By name: every word of `name` must be a word of the first or last name (case, accents and umlauts folded: "mueller" finds "Müller"), through the name blind index (docs/adr/0008); up to 50 subjects. Nothing is decrypted to search; the found subjects are read through the gate for the purpose. Looking up by an identifier uses it: your role (and the purpose) must hold its field category — e-mail: contact, name: identity — or the search is refused (403, naming the field) before anything is looked up, and the refusal is audited.',
          body: Type.Union([
            Type.Object(
              {
                email: Type.String({ maxLength: 320 }),
                purpose: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]{1,62}$' })),
              },
              { additionalProperties: false },
            ),
            Type.Object(
              {
                // No minLength: the service says why a name has no word to search for (field `name`).
                name: Type.String({ maxLength: 200 }),
                purpose: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]{1,62}$' })),
              },
              { additionalProperties: false },
            ),
          ]),
          response: { 200: SubjectPage },
        },
      },
      (request) =>
        'name' in request.body
          ? subjects.findByName(contextOf(request), request.body.name, request.body.purpose)
          : subjects.findByEmail(contextOf(request), request.body.email, request.body.purpose),
    )

    app.post(
      '/subjects',
      {
        config: { access: 'subjects:write' },
        schema: {
          tags: ['subjects'],
          summary: 'Create a subject',
          description:
            'Identifiers are encrypted under a new per-subject key; e-mail and phone get blind indexes for lookup. Audited.',
          body: NewSubjectInput,
          response: { 201: Type.Ref('Subject') },
        },
      },
      async (request, reply) => {
        const subject = await subjects.create(contextOf(request), request.body)
        return reply.code(201).header('location', `/api/v1/subjects/${subject.id}`).send(subject)
      },
    )

    app.get(
      '/subjects/:id',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['subjects'],
          summary: 'Read one subject, through the privacy gate',
          description:
            'Only the fields your role may see; refused (403) when the purpose may not use the subject.',
          params: SubjectParams,
          querystring: SubjectGetQuery,
          response: { 200: Type.Ref('Subject') },
        },
      },
      (request) =>
        subjects.get(contextOf(request), request.params.id, request.query.purpose, request.query.channel),
    )

    app.get(
      '/subjects/:id/duplicates',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['subjects'],
          summary: 'Likely duplicates of a subject (Art. 5(1)(d) accuracy)',
          description:
            'Other subjects with the same e-mail address or phone number, or with the same words in first and last name (case, accents and umlauts folded), found through the blind indexes without decrypting anything, then read through the gate. `matched` says what matched. Matching uses those identifiers: your role (and the purpose) must hold their field categories (contact and identity), or the request is refused (403, naming the fields) before anything is looked up, and the refusal is audited.',
          params: SubjectParams,
          querystring: SubjectReadQuery,
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({ subject: Type.Ref('Subject'), matched: Type.Array(Type.String()) }),
              ),
            }),
          },
        },
      },
      (request) => subjects.duplicates(contextOf(request), request.params.id, request.query.purpose),
    )

    app.post(
      '/subjects/:id/merge',
      {
        config: { access: 'subjects:write' },
        schema: {
          tags: ['subjects'],
          summary: 'Merge a duplicate into this subject (Art. 5(1)(d) accuracy)',
          description:
            'This subject keeps its identifiers and gets the duplicate’s where it has none; attributes likewise, kinds joined. Touchpoints, orders, invoices, deals, notes and memberships move here, and so do the consent, objection and restriction events with their proof (state: the later consent per purpose and channel, any objection, any restriction). The duplicate is shredded and points here; its history becomes part of this one. Audited as `combine`, the duplicate’s data kept encrypted under this subject’s key. Your role must be able to see every field that moves.',
          params: SubjectParams,
          body: Type.Object(
            {
              duplicateId: Type.String({ format: 'uuid' }),
              reason: Type.String({
                minLength: 3,
                maxLength: 500,
                description: 'Why they are the same person.',
              }),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Ref('Subject') },
        },
      },
      (request) =>
        subjects.merge(contextOf(request), request.params.id, request.body.duplicateId, request.body.reason),
    )

    app.patch(
      '/subjects/:id',
      {
        config: { access: 'subjects:write' },
        schema: {
          tags: ['subjects'],
          summary: 'Correct a subject (Art. 16 rectification), with the reason',
          description:
            'Changes identifiers (re-encrypted; e-mail and phone re-indexed), attributes and kinds; null removes a field. Only fields your role may see. Audited as an update naming the fields and the reason; the old and new values are kept in the audit trail encrypted under the subject’s key (shredded with it).',
          params: SubjectParams,
          body: SubjectPatch,
          response: { 200: Type.Ref('Subject') },
        },
      },
      (request) => subjects.rectify(contextOf(request), request.params.id, request.body),
    )

    app.delete(
      '/subjects/:id',
      {
        config: { access: 'subjects:erase' },
        schema: {
          tags: ['subjects'],
          summary: 'Erase a subject (Art. 17) by crypto-shredding, keeping only what the law requires',
          description:
            "Without a legal hold in force: destroys the subject's data key, identifiers, blind indexes and attributes and deletes its records; the audit trail keeps the record of it. With holds (an invoice and its retention period, an unpaid invoice, § 7a UWG phone-consent proof, the DPO's holds; see GET /subjects/{id}/holds): the identifiers the holds keep are sealed under a new data key and the old key destroyed (everything else sealed under it is unreadable at once), every record no hold covers is deleted, and the subject is restricted (Art. 18(2)): only purposes with an exception (invoicing_retention, legal_claims) reach what is kept, until the last hold ends and the daily sweep finishes the erasure. Returns the answer to the person: what was erased, what was kept, why and until when. Recorded in the erasure ledger (replayed after a restore: `tresor erasures replay`).",
          params: SubjectParams,
          response: { 200: ErasureAnswerJson },
        },
      },
      async (request) => erasureAnswerJson(await subjects.erase(contextOf(request), request.params.id)),
    )
  }
