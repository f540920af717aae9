import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ProblemError } from '../../platform/problem.ts'
import { type CampaignTrackingLinks, PIXEL_GIF } from './tracking.ts'

const NO_STORE = { 'cache-control': 'no-store, private', 'referrer-policy': 'no-referrer' }

/**
 * The public tracking URLs of campaign e-mails (no sign-in, no cookie): the open pixel and the click
 * redirect. Nothing is recorded unless the campaign tracks and the person's `web_tracking` consent
 * holds; the answer is the same either way.
 */
export const campaignTrackingRoutes =
  (tracking: CampaignTrackingLinks): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/t/o/:file',
      {
        schema: {
          tags: ['campaigns'],
          summary: 'The open pixel of a campaign e-mail',
          description:
            "Public. `{token}.gif`: answers a transparent 1×1 GIF (never cached) whatever the token. Records the message's open (the delivery's `openedAt`, the first time) only when the campaign has `trackOpens` and the person's consent to `web_tracking` holds now. The token is the message's id, signed (HMAC under a vault secret): no personal data in the URL.",
          security: [],
          params: Type.Object({ file: Type.String({ maxLength: 500, description: '`{token}.gif`' }) }),
        },
      },
      async (request, reply) => {
        const m = /^(.+)\.gif$/.exec(request.params.file)
        if (m?.[1]) await tracking.open(m[1], request.id)
        return reply.headers(NO_STORE).type('image/gif').send(PIXEL_GIF)
      },
    )

    app.get(
      '/t/c/:token',
      {
        schema: {
          tags: ['campaigns'],
          summary: 'The click redirect of a link in a campaign e-mail',
          description:
            "Public. Redirects (302) to `u` when `u` is a link of the campaign's e-mail content (no open redirect: any other URL, or an unknown token, is a 404 problem). Records the click (the delivery's `clickedAt`, and `openedAt` if it had none) only when the campaign has `trackOpens` and the person's consent to `web_tracking` holds now.",
          security: [],
          params: Type.Object({ token: Type.String({ maxLength: 500 }) }),
          querystring: Type.Object({
            u: Type.String({ minLength: 1, maxLength: 4000, description: 'The link of the e-mail.' }),
          }),
        },
      },
      async (request, reply) => {
        const outcome = await tracking.click(request.params.token, request.query.u, request.id)
        if (!outcome.redirectTo) throw new ProblemError('not-found', 'there is no such link')
        return reply.headers(NO_STORE).redirect(outcome.redirectTo, 302)
      },
    )
  }
