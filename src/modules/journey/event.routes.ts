import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { contextOf } from '../../server/request-context.ts'
import { EVENT_BATCH_MAX, EventBatch, EventBatchResult, TouchpointTypeInfo } from './event.schemas.ts'
import type { EventService } from './event.service.ts'
import { TOUCHPOINT_TYPES } from './touchpoint-types.ts'

export const eventRoutes =
  (events: EventService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/events',
      {
        config: { access: 'events:write' },
        // A full batch of events with properties is larger than the default body limit.
        bodyLimit: 4 * 1024 * 1024,
        schema: {
          tags: ['journey'],
          summary: `Ingest touchpoints in batches of up to ${EVENT_BATCH_MAX}`,
          description:
            'Each event is checked on its own and gets a result: `accepted` (stored), `duplicate` (its `externalId` was stored before) or `rejected` with the rule — a bad shape (`invalid`, naming the field), an unknown subject, or no legal basis for the purpose (e.g. `no-consent` for page views without tracking consent). Accepted events are stored with the purpose and legal basis they were collected under, and audited per purpose; rejections for a legal-basis reason are audited too.',
          body: EventBatch,
          response: { 200: EventBatchResult },
        },
      },
      (request) => events.ingest(contextOf(request), request.body),
    )

    app.get(
      '/touchpoint-types',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: ['journey'],
          summary: 'The touchpoint types, their default purpose and channels',
          response: { 200: Type.Array(TouchpointTypeInfo) },
        },
      },
      async () =>
        Object.entries(TOUCHPOINT_TYPES).map(([key, t]) => ({
          key,
          purpose: t.purpose,
          ...('purposeChannel' in t ? { purposeChannel: t.purposeChannel } : {}),
          channels: [...t.channels],
          description: t.description,
        })),
    )
  }
