import { PassThrough } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { contextOf } from '../../server/request-context.ts'
import type { ExportService } from './export.service.ts'

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

export const exportRoutes =
  (exports: ExportService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/subjects/export',
      {
        config: { access: 'subjects:export' },
        schema: {
          tags: ['export'],
          summary: 'Export subjects as CSV or XLSX',
          description:
            'Needs the export permission. Only the fields your role may see (the header `X-Tresor-Withheld-Fields` names asked-for fields that were left out) and only the subjects the purpose may use. Streams; every page is audited as an export, and the whole export with its row count and the SHA-256 of the exported ids. Cells a spreadsheet would run as a formula are neutralised.',
          querystring: Type.Object(
            {
              format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')], { default: 'csv' }),
              purpose: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]{1,62}$' })),
              kind: Type.Optional(Type.String({ pattern: '^[a-z_]{2,40}$' })),
              fields: Type.Optional(
                Type.String({ maxLength: 1000, description: 'Comma-separated field names.' }),
              ),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => {
        const ctx = contextOf(request)
        const q = request.query
        const exportRequest = {
          format: q.format,
          purpose: q.purpose,
          kind: q.kind,
          fields: q.fields
            ?.split(',')
            .map((f) => f.trim())
            .filter(Boolean),
        }
        // Refuses unknown fields before anything is sent.
        const { withheld } = exports.plan(ctx, exportRequest)
        const body = new PassThrough()
        const stamp = new Date().toISOString().slice(0, 10)
        reply
          .type(q.format === 'xlsx' ? XLSX_TYPE : 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="tresor-export-${stamp}.${q.format}"`)
          .header('x-tresor-withheld-fields', withheld.join(','))
        exports.export(ctx, exportRequest, body).catch((error: unknown) => {
          request.log.error({ err: error }, 'export failed while streaming')
          body.destroy(error instanceof Error ? error : new Error('export failed'))
        })
        return reply.send(body)
      },
    )
  }
