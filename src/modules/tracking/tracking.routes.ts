import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { contextOf } from '../../server/request-context.ts'
import { renderExample } from './example-texts.ts'
import { TrackRequest, TrackResult, TrackStats, TrackStatsQuery } from './tracking.schemas.ts'
import type { TrackingService } from './tracking.service.ts'
import { TRACKING_PURPOSE } from './tracking-config.ts'

const PUBLIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public')

/**
 * A website's snippet calls from the site's origin, with a site key and never with cookies: any
 * origin may send (the key is what authenticates), no credentials are allowed.
 */
function allowCrossOrigin(reply: FastifyReply): FastifyReply {
  return reply
    .header('access-control-allow-origin', '*')
    .header('access-control-expose-headers', 'x-request-id')
    .header('vary', 'origin')
}

/** POST /api/v1/track (the snippet's endpoint) and GET /api/v1/track/stats (the counts). */
export const trackingRoutes =
  (tracking: TrackingService): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Also on refusals (401, 400), so the snippet can read why.
    app.addHook('onSend', async (request, reply) => {
      if (request.routeOptions.url?.endsWith('/track')) allowCrossOrigin(reply)
    })

    app.options('/track', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) =>
      allowCrossOrigin(reply)
        .header('access-control-allow-methods', 'POST')
        .header('access-control-allow-headers', 'authorization, content-type')
        .header('access-control-max-age', '86400')
        .code(204)
        .send(),
    )

    app.post(
      '/track',
      {
        config: { access: 'events:write' },
        schema: {
          tags: ['tracking'],
          summary: 'Web events of one visitor from a website, stored only with consent for web tracking',
          description:
            `For the tracking snippet (\`/p/tracking/tresor.js\`), authenticated with a site key: an API token in a role with only \`events:write\` (and the behavioural field category). ` +
            `Events are stored under the purpose \`${TRACKING_PURPOSE.key}\` only with a consent signal, and only through the record gate. ` +
            'A request with the header `Sec-GPC: 1` (Global Privacy Control) has every event dropped (`gpc`), whatever else it carries. ' +
            'A TCF v2 string (`tcString` or `gdpr_consent`) is decoded with the IAB library: lacking a mapped TCF purpose (1, 8, 9) it drops the events (`tcf-refused`) and withdraws a recorded consent; granting them all it is recorded as the consent (proof: CMP and the string’s hash). ' +
            'The banner’s choice (`consent.granted`) works the same way (`consent-refused`; proof: the text version). ' +
            'Without a signal the subject’s recorded consent decides (`no-consent`, …). An undecodable TC string is a 400 naming the field. ' +
            'Every outcome is counted per day, site and reason (GET /api/v1/track/stats); nothing of a dropped event is stored or logged.',
          body: TrackRequest,
          response: { 200: TrackResult },
        },
      },
      (request) =>
        tracking.track(contextOf(request), request.body, { gpc: request.headers['sec-gpc'] === '1' }),
    )

    app.get(
      '/track/stats',
      {
        config: { access: 'audit:read' },
        schema: {
          tags: ['tracking'],
          summary: 'How many tracked events were stored and dropped, per reason, day and site',
          description:
            'Counts only (no subject, no event): `gpc`, `tcf-refused`, `consent-refused`, `no-consent` and the other legal-basis rules, `invalid`; for the DPO (`audit:read`).',
          querystring: TrackStatsQuery,
          response: { 200: TrackStats },
        },
      },
      (request) => tracking.stats(request.query),
    )
  }

/**
 * The public files a website uses: the snippet and the consent banner example (German and
 * English). Read once at start; served with their content types, no cookies.
 */
export const trackingPages: FastifyPluginAsyncTypebox = async (app) => {
  const read = (file: string) => readFileSync(path.join(PUBLIC_DIR, file), 'utf8')
  const snippet = read('tresor.js')
  const exampleScript = read('example.js')
  const template = read('example.html')
  const examples = { de: renderExample(template, 'de'), en: renderExample(template, 'en') }

  app.get(
    '/p/tracking/tresor.js',
    { config: { access: 'public' }, schema: { hide: true } },
    async (_r, reply) =>
      reply
        .type('text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=3600')
        // Loaded by other sites' pages, also those that isolate themselves (COEP).
        .header('cross-origin-resource-policy', 'cross-origin')
        .send(snippet),
  )

  app.get(
    '/p/tracking/example.js',
    { config: { access: 'public' }, schema: { hide: true } },
    async (_r, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(exampleScript),
  )

  app.get(
    '/p/tracking/example',
    {
      config: { access: 'public' },
      schema: {
        hide: true,
        querystring: Type.Object({
          lang: Type.Optional(Type.Union([Type.Literal('de'), Type.Literal('en')])),
        }),
      },
    },
    async (request, reply) => {
      const lang =
        request.query.lang ?? (/^de\b/i.test(request.headers['accept-language'] ?? '') ? 'de' : 'en')
      return reply
        .type('text/html; charset=utf-8')
        .header('vary', 'accept-language')
        .header('cache-control', 'no-cache')
        .header(
          'content-security-policy',
          "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        )
        .send(examples[lang])
    },
  )
}
