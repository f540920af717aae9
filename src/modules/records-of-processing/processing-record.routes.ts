import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { actorOf } from '../../server/auth.ts'
import { auditActor } from '../access/access.service.ts'
import {
  AdoptedVersion,
  RecordDocumentQuery,
  RecordView,
  VersionList,
  VersionParams,
  VersionWithRecord,
} from './processing-record.schemas.ts'
import type { ProcessingRecordService, RecordVersionInfo } from './processing-record.service.ts'

const versionJson = (v: RecordVersionInfo) => ({ ...v, adoptedAt: v.adoptedAt.toISOString() })

/** The record of processing activities (Art. 30(1)): the record, its documents and its versions. */
export const processingRecordRoutes =
  (records: ProcessingRecordService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/records-of-processing',
      {
        config: { access: 'purposes:read' },
        schema: {
          tags: ['records-of-processing'],
          summary: 'The record of processing activities (Art. 30(1)) as data',
          description:
            'Generated from the configuration as it stands — the settings (controller, DPO), the purposes, the field catalog, the recipients, the retention rules and the measures Tresor implements — never typed. With its SHA-256, the adopted version it equals (if any), the newest version, and the changes since the last version.',
          response: { 200: RecordView },
        },
      },
      async () => {
        const view = await records.view()
        return {
          ...view,
          record: view.record as unknown as Record<string, unknown>,
          adopted: view.adopted ? versionJson(view.adopted) : null,
          latest: view.latest ? versionJson(view.latest) : null,
          generatedAt: view.generatedAt.toISOString(),
        }
      },
    )

    app.get(
      '/records-of-processing/document',
      {
        config: { access: 'purposes:read' },
        schema: {
          tags: ['records-of-processing'],
          summary: 'The record as a document: HTML, PDF, XLSX or JSON, German or English',
          description:
            'Title, controller and DPO, date, version and checksum, the changes since the last version, then one section per part of Art. 30(1): purposes with legal basis and scope, categories of data subjects, categories of personal data (special categories marked), recipients and third-country transfers with their safeguards (or that none are registered), erasure time limits, technical and organisational measures. As an attachment.',
          querystring: RecordDocumentQuery,
          response: {
            200: {
              description: 'The document.',
              content: {
                'text/html': { schema: Type.Unsafe<Buffer>({ type: 'string' }) },
                'application/pdf': { schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }) },
                'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
                  schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }),
                },
                'application/json': { schema: Type.Unsafe<Buffer>({ type: 'string' }) },
              },
            },
          },
        },
      },
      async (request, reply) => {
        const doc = await records.document(request.query.lang, request.query.format)
        return reply
          .type(doc.contentType)
          .header('content-disposition', `attachment; filename="${doc.filename}"`)
          .send(doc.body)
      },
    )

    app.get(
      '/records-of-processing/versions',
      {
        config: { access: 'purposes:read' },
        schema: {
          tags: ['records-of-processing'],
          summary: 'The adopted versions of the record, newest first',
          response: { 200: VersionList },
        },
      },
      async () => ({ items: (await records.versions()).map(versionJson) }),
    )

    app.post(
      '/records-of-processing/versions',
      {
        config: { access: 'purposes:manage' },
        schema: {
          tags: ['records-of-processing'],
          summary: 'Adopt the record as it stands as the next version',
          description:
            'Stores the canonical JSON of the record with its SHA-256, who adopted it and when (Art. 5(2)); audited as configure. A record equal to the newest version is not stored again: 200 with `created: false`; otherwise 201.',
          response: { 200: AdoptedVersion, 201: AdoptedVersion },
        },
      },
      async (request, reply) => {
        const adopted = await records.adopt({ actor: auditActor(actorOf(request)), requestId: request.id })
        return reply
          .code(adopted.created ? 201 : 200)
          .send({ ...versionJson(adopted), created: adopted.created })
      },
    )

    app.get(
      '/records-of-processing/versions/:version',
      {
        config: { access: 'purposes:read' },
        schema: {
          tags: ['records-of-processing'],
          summary: 'One adopted version with its record as stored',
          params: VersionParams,
          response: { 200: VersionWithRecord },
        },
      },
      async (request) => {
        const v = await records.version(request.params.version)
        return { ...versionJson(v), record: v.record as unknown as Record<string, unknown> }
      },
    )
  }
