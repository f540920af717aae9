import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { SubjectParams } from '../../privacy/permissions/permission.schemas.ts'
import { contextOf } from '../../server/request-context.ts'
import { ConsentProofView, ConsentRecords27560 } from './consent-proof.schemas.ts'
import type { ConsentProofService } from './consent-proof.service.ts'

export const consentProofRoutes =
  (consents: ConsentProofService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/subjects/:id/consents',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['permissions'],
          summary: "A subject's consents as proof (Art. 7(1))",
          description:
            'The focused view of GET /subjects/{id}/permissions for demonstrating consent: the current state per purpose and channel (status, since when, expiry, whether it counts now), every consent event with its proof (the text version shown, the form or source, the channel, the time, who recorded it, the reference to evidence kept elsewhere, the double opt-in data) and what the proof lacks, the objections (doNotContact: an objection to all direct marketing), and until when the proof must be kept (§ 7a UWG). Needs the field category contact. Audited as a read. The same as ISO/IEC TS 27560 records: GET /subjects/{id}/consent-records.',
          params: SubjectParams,
          response: { 200: ConsentProofView },
        },
      },
      (request) => consents.view(contextOf(request), request.params.id),
    )

    app.get(
      '/subjects/:id/consent-records',
      {
        config: { access: 'subjects:read' },
        schema: {
          tags: ['permissions'],
          summary: "A subject's consents as ISO/IEC TS 27560 consent records (JSON-LD, W3C DPV)",
          description:
            'One dpv:ConsentRecord per purpose and channel in the DPV-27560 profile (https://w3id.org/dpv/guides/consent-27560): data subject, controller, jurisdiction, legal basis (eu-gdpr:A6-1-a …), the purpose as a DPV concept, the notices (consent text versions), and every event as a dpv:hasConsentStatus (dpv:ConsentRequested, dpv:ConsentGiven, dpv:ConsentWithdrawn, dpv:ConsentExpired) with its time, who indicated it, who recorded it, how, and the proof. Content type application/ld+json. Needs the field category contact. Audited as a read.',
          params: SubjectParams,
          response: { 200: ConsentRecords27560 },
        },
      },
      async (request, reply) => {
        const records = await consents.records27560(contextOf(request), request.params.id)
        return reply.type('application/ld+json; charset=utf-8').send(records)
      },
    )
  }
