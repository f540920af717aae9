import formbody from '@fastify/formbody'
import multipart from '@fastify/multipart'
import rateLimit from '@fastify/rate-limit'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { ProblemError } from '../../platform/problem.ts'
import type { UnsubscribeScope, UnsubscribeService } from '../../privacy/unsubscribe/unsubscribe.service.ts'
import { type Lang, pickLanguage, proofUserAgent, truncateIp } from '../forms/client-info.ts'
import { PAGE_HEADERS } from '../forms/form-page.ts'
import { renderNoticePage, renderOutcomePage, renderUnsubscribePage } from './unsubscribe-page.ts'
import { UNSUBSCRIBE_TEXTS } from './unsubscribe-texts.ts'

/** Largest post: a one-click body or a button's `scope`. */
const BODY_LIMIT = 4 * 1024

const TokenParams = Type.Object({ token: Type.String({ maxLength: 100 }) })

const asRecord = (body: unknown): Record<string, unknown> =>
  body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {}

const langOf = (request: FastifyRequest, fromBody?: unknown): Lang => {
  const query = (request.query ?? {}) as Record<string, unknown>
  return pickLanguage(query.lang ?? fromBody, request.headers['accept-language'])
}

/**
 * The unsubscribe link of every marketing message, public (no sign-in, no cookie):
 * `GET /p/unsubscribe/{token}` shows what it is about with the choices (and changes nothing: link
 * scanners and mail previews follow links); `POST` unsubscribes — the RFC 8058 one-click POST of a
 * mailbox provider (`List-Unsubscribe=One-Click`, urlencoded or multipart, answered 200) and the
 * page's buttons (`scope=this`, `scope=all`). The token's path stays out of the request log; both
 * are rate-limited per IP address (`TRESOR_UNSUBSCRIBE_RATE_LIMIT` a minute).
 */
export const unsubscribeRoutes =
  (unsubscribe: UnsubscribeService, settings: { rateLimitPerMinute: number }) =>
  async (app: FastifyInstance): Promise<void> => {
    if (!app.hasDecorator('rateLimit')) await app.register(rateLimit, { global: false })
    const limit = { max: settings.rateLimitPerMinute, timeWindow: 60_000 }

    await app.register(async (pages) => {
      await pages.register(formbody, { bodyLimit: BODY_LIMIT })
      // RFC 8058 § 3.1: mailbox providers SHOULD send the one-click POST as multipart/form-data.
      // A handful of short fields, no files: anything bigger is refused by the parser's limits.
      await pages.register(multipart, {
        attachFieldsToBody: 'keyValues',
        limits: { fieldNameSize: 40, fieldSize: 100, fields: 5, files: 0, parts: 5, headerPairs: 20 },
      })
      pages.setErrorHandler((error: FastifyError | ProblemError, request, reply) => {
        const lang = langOf(request)
        const t = UNSUBSCRIBE_TEXTS[lang]
        const status = error instanceof ProblemError ? error.status : (error.statusCode ?? 500)
        if (status >= 500)
          request.log.error({ err: { type: error.name, message: error.message } }, 'unsubscribe page failed')
        const [title, text] =
          status === 404
            ? [t.invalidTitle, t.invalid]
            : status === 429
              ? [t.tooManyTitle, t.tooMany]
              : status >= 500
                ? [t.failedTitle, t.failed]
                : [t.badChoiceTitle, t.badChoice]
        return page(reply, status, renderNoticePage(lang, title, text))
      })

      const options = {
        // The token is the key to a person's permissions: its path stays out of the request log.
        logLevel: 'warn' as const,
        config: { rateLimit: limit },
        schema: { hide: true, params: TokenParams },
      }

      pages.get(
        '/p/unsubscribe/:token',
        // A HEAD request (link checkers) gets no page either.
        { ...options, exposeHeadRoute: false },
        async (request, reply) => {
          const { token } = request.params as { token: string }
          const lang = langOf(request)
          const info = await unsubscribe.describe(token)
          if (info.kind === 'invalid') {
            const t = UNSUBSCRIBE_TEXTS[lang]
            return page(reply, 404, renderNoticePage(lang, t.invalidTitle, t.invalid))
          }
          return page(reply, 200, renderUnsubscribePage(info, token, lang))
        },
      )

      pages.post('/p/unsubscribe/:token', { ...options, bodyLimit: BODY_LIMIT }, async (request, reply) => {
        const { token } = request.params as { token: string }
        const body = asRecord(request.body)
        const lang = langOf(request, body.lang)
        const t = UNSUBSCRIBE_TEXTS[lang]
        // No `scope`: the one-click POST (or a bare POST), which unsubscribes from this kind.
        const scope = body.scope ?? 'this'
        if (scope !== 'this' && scope !== 'all')
          return page(reply, 400, renderNoticePage(lang, t.badChoiceTitle, t.badChoice))
        const outcome = await unsubscribe.unsubscribe(token, {
          scope: scope as UnsubscribeScope,
          via: body['List-Unsubscribe'] === 'One-Click' ? 'one-click' : 'page',
          client: { ip: truncateIp(request.ip), userAgent: proofUserAgent(request.headers['user-agent']) },
          requestId: request.id,
        })
        if (outcome.kind === 'invalid')
          return page(reply, 404, renderNoticePage(lang, t.invalidTitle, t.invalid))
        return page(reply, 200, renderOutcomePage(outcome, token, lang))
      })
    })
  }

function page(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(html)
}
