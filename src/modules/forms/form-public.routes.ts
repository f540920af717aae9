import formbody from '@fastify/formbody'
import rateLimit from '@fastify/rate-limit'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { ProblemError } from '../../platform/problem.ts'
import { type Lang, pickLanguage } from './client-info.ts'
import { PublicFormJson, PublicFormQuery, SubmissionBody, SubmissionResult } from './form.schemas.ts'
import { PAGE_HEADERS, renderConfirmPage, renderFormPage, renderMessagePage } from './form-page.ts'
import type { FormSubmissionService } from './form-submission.service.ts'
import { PAGE_TEXTS } from './form-texts.ts'
import { FORM_FIELD_INPUTS } from './form-types.ts'

/** Largest form post: a form has a handful of short fields. */
const FORM_BODY_LIMIT = 16 * 1024

const KeyParams = Type.Object({ key: Type.String({ maxLength: 63 }) }, { additionalProperties: false })

const langOf = (request: FastifyRequest, fromBody?: unknown): Lang => {
  const query = (request.query ?? {}) as Record<string, unknown>
  return pickLanguage(query.lang ?? fromBody, request.headers['accept-language'])
}

const asRecord = (body: unknown): Record<string, unknown> =>
  body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {}

/**
 * The public side of forms, outside the sign-in: the form pages and the confirmation link under
 * `/p/` (server-rendered HTML, German and English), and the JSON endpoints under
 * `/api/v1/public/forms` for websites that render the form themselves. Submissions and
 * confirmation links share one budget per IP address (@fastify/rate-limit,
 * `TRESOR_FORM_RATE_LIMIT` a minute, over all of them together).
 */
export const formPublicRoutes =
  (submissions: FormSubmissionService, settings: { rateLimitPerMinute: number }) =>
  async (app: FastifyInstance): Promise<void> => {
    if (!app.hasDecorator('rateLimit')) await app.register(rateLimit, { global: false })
    // One budget per client (its IP address as the server sees it, TRESOR_TRUST_PROXY) across every
    // public submission endpoint — the HTML form, its JSON variant and the confirmation link, for
    // any form — not one per route: one limiter, one store, shared by all of them.
    const limit = app.rateLimit({ max: settings.rateLimitPerMinute, timeWindow: 60_000 })

    await app.register(async (api) => {
      api.get(
        '/api/v1/public/forms/:key',
        {
          config: { access: 'public' },
          schema: {
            tags: ['public forms'],
            summary: 'A form as a website needs it to render it itself',
            description:
              'Fields, consent checkboxes (each unticked, with its exact text and version), the honeypot field and the Art. 13 notice, in German or English (`lang`, else Accept-Language).',
            security: [],
            params: KeyParams,
            querystring: PublicFormQuery,
            response: { 200: PublicFormJson },
          },
        },
        (request) => submissions.describe((request.params as { key: string }).key, langOf(request)),
      )

      api.post(
        '/api/v1/public/forms/:key/submissions',
        {
          config: { access: 'public' },
          onRequest: limit,
          bodyLimit: FORM_BODY_LIMIT,
          schema: {
            tags: ['public forms'],
            summary: 'Send a form (for websites)',
            description:
              'The same names as the HTML form. A name the form does not have is refused (400, naming it in `errors[]`). A filled honeypot is accepted and dropped. Creates or finds the person and records each ticked consent with its proof; a consent with double opt-in sends one confirmation mail (at most one per address in the resend window). The answer is the same whatever happened to the address. Rate-limited per IP address, one budget shared with the HTML form pages and the confirmation links (429).',
            security: [],
            params: KeyParams,
            body: SubmissionBody,
            response: { 202: SubmissionResult },
          },
        },
        async (request, reply) => {
          const body = asRecord(request.body)
          const result = await submissions.submit((request.params as { key: string }).key, body, {
            lang: langOf(request, body.lang),
            ip: request.ip,
            userAgent: request.headers['user-agent'],
            requestId: request.id,
            log: request.log,
          })
          return reply.code(202).send(result)
        },
      )
    })

    await app.register(async (pages) => {
      await pages.register(formbody, { bodyLimit: FORM_BODY_LIMIT })
      pages.setErrorHandler((error: FastifyError | ProblemError, request, reply) => {
        const lang = langOf(request)
        const t = PAGE_TEXTS[lang]
        const status = error instanceof ProblemError ? error.status : (error.statusCode ?? 500)
        if (status >= 500)
          request.log.error({ err: { type: error.name, message: error.message } }, 'public page failed')
        const [title, text] =
          status === 404
            ? [t.notFoundTitle, t.notFound]
            : status === 429
              ? [t.tooManyTitle, t.tooMany]
              : status >= 500
                ? [t.failedTitle, t.failed]
                : [
                    t.errorTitle,
                    error instanceof ProblemError ? (error.detail ?? error.message) : error.message,
                  ]
        return page(reply, status, renderMessagePage(lang, title, [text]))
      })

      pages.get('/p/forms/:key', { schema: { hide: true } }, async (request, reply) => {
        const { key } = request.params as { key: string }
        return page(reply, 200, renderFormPage(await submissions.live(key), langOf(request)))
      })

      pages.post(
        '/p/forms/:key',
        { onRequest: limit, bodyLimit: FORM_BODY_LIMIT, schema: { hide: true } },
        async (request, reply) => {
          const { key } = request.params as { key: string }
          const body = asRecord(request.body)
          const lang = langOf(request, body.lang)
          const t = PAGE_TEXTS[lang]
          try {
            const result = await submissions.submit(key, body, {
              lang,
              ip: request.ip,
              userAgent: request.headers['user-agent'],
              requestId: request.id,
              log: request.log,
            })
            return page(
              reply,
              200,
              renderMessagePage(
                lang,
                t.thanksTitle,
                result.confirmation === 'email' ? [t.thanks, t.thanksConfirm] : [t.thanks],
              ),
            )
          } catch (error) {
            if (!(error instanceof ProblemError) || error.kind !== 'validation') throw error
            // The form again, with what was wrong and what was typed (never a ticked box).
            const live = await submissions.live(key)
            const values = Object.fromEntries(
              live.form.fields.flatMap(({ field }) => {
                const value = body[field]
                return typeof value === 'string' && value.length <= FORM_FIELD_INPUTS[field].maxLength
                  ? [[field, value]]
                  : []
              }),
            )
            return page(reply, 400, renderFormPage(live, lang, { values, errors: error.errors ?? [] }))
          }
        },
      )

      const confirmRoute = {
        // The token is a secret until used: its path stays out of the request log.
        logLevel: 'warn' as const,
        onRequest: limit,
        schema: { hide: true, params: Type.Object({ token: Type.String({ maxLength: 100 }) }) },
      }
      const linkGone = (
        reply: FastifyReply,
        lang: Lang,
        outcome: 'already-confirmed' | 'expired' | 'invalid',
      ) => {
        const t = PAGE_TEXTS[lang]
        switch (outcome) {
          case 'already-confirmed':
            return page(reply, 200, renderMessagePage(lang, t.alreadyTitle, [t.already]))
          case 'expired':
            return page(
              reply,
              410,
              renderMessagePage(lang, t.expiredTitle, [
                t.expired.replace('{hours}', String(submissions.confirmationHours)),
              ]),
            )
          case 'invalid':
            return page(reply, 404, renderMessagePage(lang, t.invalidTitle, [t.invalid]))
        }
      }

      // Following the link shows what it confirms and a button; it confirms nothing by itself:
      // mail servers' link scanners open links, and their visit is not the person's confirmation.
      // (A HEAD request gets nothing at all.)
      pages.get('/p/confirm/:token', { ...confirmRoute, exposeHeadRoute: false }, async (request, reply) => {
        const { token } = request.params as { token: string }
        const lang = langOf(request)
        const found = await submissions.inspect(token, lang)
        if (found.outcome !== 'open') return linkGone(reply, lang, found.outcome)
        return page(
          reply,
          200,
          renderConfirmPage(lang, `/p/confirm/${encodeURIComponent(token)}?lang=${lang}`, found.consents),
        )
      })

      pages.post('/p/confirm/:token', confirmRoute, async (request, reply) => {
        const { token } = request.params as { token: string }
        const lang = langOf(request)
        const t = PAGE_TEXTS[lang]
        const { outcome, confirmed } = await submissions.confirm(token, {
          lang,
          ip: request.ip,
          userAgent: request.headers['user-agent'],
        })
        if (outcome !== 'confirmed') return linkGone(reply, lang, outcome)
        return page(
          reply,
          200,
          renderMessagePage(lang, t.confirmedTitle, [t.confirmed, t.withdrawHint], confirmed),
        )
      })
    })
  }

function page(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(html)
}
