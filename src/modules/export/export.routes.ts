import { PassThrough } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { contextOf } from '../../server/request-context.ts'
import { channelParam, SubjectKind } from '../subjects/subject.schemas.ts'
import type { ExportService } from './export.service.ts'

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

const ExportQuery = Type.Object(
  {
    format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')], { default: 'csv' }),
    purpose: Type.Optional(
      Type.String({
        pattern: '^[a-z][a-z0-9_]{1,62}$',
        description: 'The purpose of the export (a key of the purpose registry); default contact_management.',
      }),
    ),
    channel: Type.Optional(channelParam),
    kind: Type.Optional(SubjectKind),
    fields: Type.Optional(Type.String({ maxLength: 1000, description: 'Comma-separated field names.' })),
    recipient: Type.Optional(
      Type.String({
        pattern: '^(internal|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$',
        description:
          "Who receives the file: `internal` (default: the controller's own staff) or the id of a recipient of the registry (`GET /recipients`).",
      }),
    ),
  },
  { additionalProperties: false },
)

const { format: _format, ...previewProperties } = ExportQuery.properties
const PreviewQuery = Type.Object(previewProperties, { additionalProperties: false })

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
            "Needs the export permission. Only the fields your role may see (the header `X-Tresor-Withheld-Fields` names asked-for fields that were left out) and only the subjects the purpose may use on the channel (a purpose with several channels, and not `none`, needs `channel`). Format, fields, purpose and channel are checked before anything is sent: a bad one is a 400 problem naming it. Streams; every page is audited as an export, and the whole export with its row count and the SHA-256 of the exported ids. Cells a spreadsheet would run as a formula are neutralised. With `recipient` (an id of the recipient registry) the file is a disclosure to that recipient: before anything is read, the transfer to its country must be lawful today (EEA, an adequacy decision — for the US with the recipient's Data Privacy Framework certification —, SCC, BCR or an Art. 49 derogation; a processor needs its Art. 28 contract) and the purpose one it receives, else 403 problem+json naming the recipient and what is missing (audited); only fields of the categories it receives are written (the others are named in `X-Tresor-Withheld-Fields`), and each page's subjects are recorded as disclosed to it (`GET /subjects/{id}/disclosures`).",
          querystring: ExportQuery,
        },
      },
      async (request, reply) => {
        const ctx = contextOf(request)
        const q = request.query
        const exportRequest = {
          format: q.format,
          purpose: q.purpose,
          channel: q.channel,
          kind: q.kind,
          fields: q.fields
            ?.split(',')
            .map((f) => f.trim())
            .filter(Boolean),
          recipient: q.recipient?.toLowerCase(),
        }
        // Refuses unknown fields, purposes and channels (400, as problem+json) before anything is sent.
        const started = await exports.start(ctx, exportRequest)
        const { withheld } = started
        const body = new PassThrough()
        const stamp = new Date().toISOString().slice(0, 10)
        reply
          .type(q.format === 'xlsx' ? XLSX_TYPE : 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="tresor-export-${stamp}.${q.format}"`)
          .header('x-tresor-withheld-fields', withheld.join(','))
        started.write(body).catch((error: unknown) => {
          request.log.error({ err: error }, 'export failed while streaming')
          body.destroy(error instanceof Error ? error : new Error('export failed'))
        })
        return reply.send(body)
      },
    )

    app.get(
      '/subjects/export/preview',
      {
        config: { access: 'subjects:export' },
        schema: {
          tags: ['export'],
          summary:
            'What an export would hold: its columns, the fields withheld, how many people, who is left out and why',
          description:
            'The same checks as `GET /subjects/export` with the same parameters (a bad purpose, channel or field is a 400 naming it; an unlawful transfer to `recipient` a 403 naming what is missing, audited), then counts only — nobody is read, so nothing is audited for the subjects. `withheld` names the asked-for fields left out (your role, the purpose, or the recipient does not receive them); `total` is how many subjects the export would hold, `excluded` how many the purpose may not use on the channel, `excludedBy` why (by first denial rule: objected, no-consent, restricted, …).',
          querystring: PreviewQuery,
          response: {
            200: Type.Object({
              columns: Type.Array(Type.String()),
              withheld: Type.Array(Type.String()),
              total: Type.Integer(),
              excluded: Type.Integer(),
              excludedBy: Type.Record(Type.String(), Type.Integer()),
            }),
          },
        },
      },
      async (request) => {
        const q = request.query
        return exports.preview(contextOf(request), {
          purpose: q.purpose,
          channel: q.channel,
          kind: q.kind,
          fields: q.fields
            ?.split(',')
            .map((f) => f.trim())
            .filter(Boolean),
          recipient: q.recipient?.toLowerCase(),
        })
      },
    )
  }
