import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FieldCategory } from '../../privacy/fields/field-catalog.ts'
import type { HoldService } from '../../privacy/holds/hold.service.ts'
import { SubjectParams } from '../../privacy/permissions/permission.schemas.ts'
import { contextOf } from '../../server/request-context.ts'
import { HoldJson, HoldParams, NewHoldBody, SubjectHoldsJson } from './hold.schemas.ts'
import { holdJson } from './hold-json.ts'

/** Legal holds of a subject (Art. 17(3)): the DPO's view and entries (under /api/v1). */
export const holdRoutes =
  (holds: HoldService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/subjects/:id/holds',
      {
        config: { access: 'holds:manage' },
        schema: {
          tags: ['holds'],
          summary: 'What the law keeps of a subject: every legal hold, derived and entered',
          description:
            'Holds derived from the data (each invoice: itself, its order and the billing identity until the end of the year of issue plus the vouchers period, § 147(3) AO, § 257(4) HGB; an unpaid invoice: until paid, Art. 17(3)(e); a phone consent: the number and the proof for 5 years from the grant and each use, § 7a UWG) and those the DPO entered, each with what it keeps, until when, why and the law, and whether it is in force. An erasure keeps what the holds in force name and nothing else.',
          params: SubjectParams,
          response: { 200: SubjectHoldsJson },
        },
      },
      async (request) => {
        const result = await holds.list(request.params.id)
        return {
          subjectId: result.subjectId,
          erasureRequestedAt: result.erasureRequestedAt?.toISOString() ?? null,
          erased: result.erased,
          holds: result.holds.map(holdJson),
        }
      },
    )

    app.post(
      '/subjects/:id/holds',
      {
        config: { access: 'holds:manage' },
        schema: {
          tags: ['holds'],
          summary: 'Enter a legal hold (legal claims, a dispute, an authority’s request)',
          description:
            'Keeps the identifiers of the named field categories and every record of the named kinds through an erasure, until `until` or until lifted (Art. 17(3)). The reason names the case without personal data (10–500 characters; an e-mail address or a long number is refused). 404 for an unknown subject, 409 for an erased one. Audited.',
          params: SubjectParams,
          body: NewHoldBody,
          response: { 201: HoldJson },
        },
      },
      async (request, reply) => {
        const body = request.body
        const ctx = contextOf(request)
        const hold = await holds.add(
          {
            subjectId: request.params.id,
            ground: body.ground,
            reason: body.reason,
            fieldCategories: (body.fieldCategories ?? []) as FieldCategory[],
            recordKinds: body.recordKinds ?? [],
            until: body.until ? new Date(body.until) : null,
          },
          ctx,
        )
        const listed = (await holds.list(hold.subjectId)).holds.find((h) => h.id === hold.id)
        if (!listed) throw new Error('the hold just entered is not listed')
        return reply.code(201).send(holdJson(listed))
      },
    )

    app.delete(
      '/subjects/:id/holds/:holdId',
      {
        config: { access: 'holds:manage' },
        schema: {
          tags: ['holds'],
          summary: 'Lift a legal hold the DPO entered',
          description:
            'The hold ends now. A held erasure it kept data for is finished by the daily sweep (or `tresor erasures finish`) once no other hold is in force. 404 when there is no such hold in force. Audited.',
          params: HoldParams,
          response: { 200: HoldJson },
        },
      },
      async (request) => {
        const lifted = await holds.lift(request.params.id, request.params.holdId, contextOf(request))
        const listed = (await holds.list(lifted.subjectId)).holds.find((h) => h.id === lifted.id)
        if (!listed) throw new Error('the hold just lifted is not listed')
        return holdJson(listed)
      },
    )
  }
