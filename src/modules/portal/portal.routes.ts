import formbody from '@fastify/formbody'
import rateLimit from '@fastify/rate-limit'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { ProblemError } from '../../platform/problem.ts'
import { type Lang, pickLanguage } from '../forms/client-info.ts'
import { PAGE_HEADERS } from '../forms/form-page.ts'
import { type PortalClient, PortalRefusal, type PortalService, type PortalSession } from './portal.service.ts'
import {
  renderLinkSentPage,
  renderLoginPage,
  renderMessage,
  renderPortalPage,
  renderSignInPage,
} from './portal-page.ts'
import { DONE_TEXTS, type DoneCode, PORTAL_TEXTS, type RefusalCode } from './portal-texts.ts'

/** The portal's session cookie: only for /p/portal, never sent cross-site, never readable by script. */
export const PORTAL_COOKIE = 'tresor_portal'
/** A request form carries up to 2000 characters of text, percent-encoded. */
const PORTAL_BODY_LIMIT = 32 * 1024

const TokenParams = Type.Object({ token: Type.String({ maxLength: 100 }) })

const asRecord = (body: unknown): Record<string, unknown> =>
  body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {}

const langOf = (request: FastifyRequest): Lang =>
  pickLanguage(((request.query ?? {}) as Record<string, unknown>).lang, request.headers['accept-language'])

const clientOf = (request: FastifyRequest): PortalClient => ({
  ip: request.ip,
  userAgent: request.headers['user-agent'],
  requestId: request.id,
  log: request.log,
})

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(body)
}

/**
 * The privacy portal under `/p/portal` (server-rendered HTML, German and English, no script):
 * sign-in by a link mailed to the address, the person's consents, objections and requests, and
 * the POST actions that change them — each with the session's anti-CSRF token. No route here is
 * under /api: the session is the portal's own cookie, not a staff sign-in.
 */
export const portalRoutes =
  (portal: PortalService, settings: { rateLimitPerMinute: number }) =>
  async (app: FastifyInstance): Promise<void> => {
    if (!app.hasDecorator('rateLimit')) await app.register(rateLimit, { global: false })
    await app.register(formbody, { bodyLimit: PORTAL_BODY_LIMIT })
    const limit = { max: settings.rateLimitPerMinute, timeWindow: 60_000 }
    const pageOptions = { bodyLimit: PORTAL_BODY_LIMIT, schema: { hide: true } }

    app.setErrorHandler((error: FastifyError | ProblemError, request, reply) => {
      const lang = langOf(request)
      const t = PORTAL_TEXTS[lang]
      const status = error instanceof ProblemError ? error.status : (error.statusCode ?? 500)
      if (status >= 500)
        request.log.error({ err: { type: error.name, message: error.message } }, 'portal page failed')
      const [title, text] =
        status === 404
          ? [t.notFoundTitle, t.notFound]
          : status === 429
            ? [t.tooManyTitle, t.tooMany]
            : status >= 500
              ? [t.failedTitle, t.failed]
              : [
                  t.refusedTitle,
                  error instanceof ProblemError ? (error.detail ?? error.message) : error.message,
                ]
      return html(reply, status, renderMessage(lang, title, [text]))
    })

    const cookieOf = (request: FastifyRequest): string | undefined => request.cookies[PORTAL_COOKIE]
    const backLink = (lang: Lang) => ({ href: `/p/portal/me?lang=${lang}`, label: PORTAL_TEXTS[lang].back })
    const signInLink = (lang: Lang) => ({
      href: `/p/portal?lang=${lang}`,
      label: PORTAL_TEXTS[lang].signInAgain,
    })
    const notSignedIn = (reply: FastifyReply, lang: Lang) =>
      html(
        reply,
        401,
        renderMessage(
          lang,
          PORTAL_TEXTS[lang].sessionEndedTitle,
          [PORTAL_TEXTS[lang].sessionEnded],
          signInLink(lang),
        ),
      )
    const meAgain = async (
      reply: FastifyReply,
      lang: Lang,
      session: PortalSession,
      status: number,
      refusal: RefusalCode,
    ) => html(reply, status, renderPortalPage(lang, await portal.overview(session), session, { refusal }))

    /**
     * A POST action of a signed-in person: the session from the cookie, the anti-CSRF token from
     * the form, then `run`; afterwards back to the page (303) with what was done.
     */
    const act =
      (
        run: (
          session: PortalSession,
          body: Record<string, unknown>,
          client: PortalClient,
        ) => Promise<DoneCode>,
      ) =>
      async (request: FastifyRequest, reply: FastifyReply) => {
        const lang = langOf(request)
        const session = await portal.session(cookieOf(request))
        if (!session) return notSignedIn(reply, lang)
        const body = asRecord(request.body)
        if (!portal.checkCsrf(session, body.csrf))
          return html(
            reply,
            403,
            renderMessage(lang, PORTAL_TEXTS[lang].csrfTitle, [PORTAL_TEXTS[lang].csrf], backLink(lang)),
          )
        try {
          const done = await run(session, body, clientOf(request))
          return reply.redirect(`/p/portal/me?lang=${lang}&done=${done}`, 303)
        } catch (error) {
          if (error instanceof PortalRefusal) return meAgain(reply, lang, session, 400, error.code)
          throw error
        }
      }

    app.get('/p/portal', { schema: { hide: true } }, async (request, reply) => {
      const lang = langOf(request)
      if (await portal.session(cookieOf(request))) return reply.redirect(`/p/portal/me?lang=${lang}`, 303)
      return html(reply, 200, renderLoginPage(lang))
    })

    app.post('/p/portal/login', { ...pageOptions, config: { rateLimit: limit } }, async (request, reply) => {
      const lang = langOf(request)
      const body = asRecord(request.body)
      const email = typeof body.email === 'string' ? body.email : ''
      try {
        await portal.requestLink(email, lang, clientOf(request))
      } catch (error) {
        if (!(error instanceof ProblemError) || error.kind !== 'validation') throw error
        const shown = email.length <= 254 ? email : undefined
        return html(
          reply,
          400,
          renderLoginPage(lang, {
            error: PORTAL_TEXTS[lang].notAnAddress,
            ...(shown ? { email: shown } : {}),
          }),
        )
      }
      // The same answer whether the address is unknown, erased, known, or was sent a link just now.
      return html(reply, 200, renderLinkSentPage(lang, portal.settings))
    })

    const tokenRoute = {
      // The token is a secret until used: its path stays out of the request log.
      logLevel: 'warn' as const,
      exposeHeadRoute: false,
      config: { rateLimit: limit },
      schema: { hide: true, params: TokenParams },
    }

    // Opening the link changes nothing: mail scanners follow links with GET, a person clicks the button.
    app.get('/p/portal/login/:token', tokenRoute, async (request, reply) => {
      const { token } = request.params as { token: string }
      const lang = langOf(request)
      const t = PORTAL_TEXTS[lang]
      const { state, subjectId } = await portal.linkState(token)
      switch (state) {
        case 'valid': {
          const current = await portal.session(cookieOf(request))
          const switching = current !== undefined && current.subjectId !== subjectId
          return html(reply, 200, renderSignInPage(lang, token, switching))
        }
        case 'used':
          return html(reply, 410, renderMessage(lang, t.usedTitle, [t.used], newLinkOf(lang)))
        case 'expired':
          return html(
            reply,
            410,
            renderMessage(
              lang,
              t.expiredTitle,
              [t.expired.replace('{minutes}', String(portal.settings.linkMinutes))],
              newLinkOf(lang),
            ),
          )
        case 'invalid':
          return html(reply, 404, renderMessage(lang, t.invalidTitle, [t.invalid], newLinkOf(lang)))
      }
    })

    app.post(
      '/p/portal/login/:token',
      { ...tokenRoute, bodyLimit: PORTAL_BODY_LIMIT },
      async (request, reply) => {
        const { token } = request.params as { token: string }
        const lang = langOf(request)
        const t = PORTAL_TEXTS[lang]
        const result = await portal.signIn(token, clientOf(request), cookieOf(request))
        switch (result.kind) {
          case 'signed-in':
            reply.setCookie(PORTAL_COOKIE, result.token, {
              path: '/p/portal',
              httpOnly: true,
              sameSite: 'strict',
              secure: portal.secureCookies,
              maxAge: Math.max(1, Math.floor((result.expiresAt.getTime() - Date.now()) / 1000)),
            })
            return reply.redirect(`/p/portal/me?lang=${lang}`, 303)
          case 'used':
            return html(reply, 410, renderMessage(lang, t.usedTitle, [t.used], newLinkOf(lang)))
          case 'expired':
            return html(
              reply,
              410,
              renderMessage(
                lang,
                t.expiredTitle,
                [t.expired.replace('{minutes}', String(portal.settings.linkMinutes))],
                newLinkOf(lang),
              ),
            )
          case 'invalid':
            return html(reply, 404, renderMessage(lang, t.invalidTitle, [t.invalid], newLinkOf(lang)))
        }
      },
    )

    app.get('/p/portal/me', { schema: { hide: true } }, async (request, reply) => {
      const lang = langOf(request)
      const session = await portal.session(cookieOf(request))
      if (!session) return notSignedIn(reply, lang)
      const done = ((request.query ?? {}) as Record<string, unknown>).done
      const known = typeof done === 'string' && done in DONE_TEXTS.en ? (done as DoneCode) : undefined
      return html(
        reply,
        200,
        renderPortalPage(lang, await portal.overview(session), session, { done: known }),
      )
    })

    app.post(
      '/p/portal/consent',
      pageOptions,
      act((session, body, client) => {
        const input = { purposeKey: body.purpose, channel: body.channel }
        if (body.action === 'give')
          return portal.giveConsent(
            session,
            { ...input, textVersion: body.textVersion, agreed: body.agreed },
            client,
          )
        if (body.action === 'withdraw') return portal.withdrawConsent(session, input, client)
        throw new PortalRefusal('unknown-choice')
      }),
    )

    app.post(
      '/p/portal/objection',
      pageOptions,
      act((session, body, client) =>
        portal.object(
          session,
          { scope: body.scope, purposeKey: body.purpose, channel: body.channel, action: body.action },
          client,
        ),
      ),
    )

    // The answer to one of the person's own requests (issue #15): only the signed-in person's
    // request, answered with a report, within its download window; anything else is 404.
    app.get(
      '/p/portal/answers/:requestId/:format',
      {
        schema: {
          hide: true,
          params: Type.Object({
            requestId: Type.String({ format: 'uuid' }),
            format: Type.Union([
              Type.Literal('html'),
              Type.Literal('pdf'),
              Type.Literal('json'),
              Type.Literal('csv'),
              Type.Literal('zip'),
            ]),
          }),
        },
      },
      async (request, reply) => {
        const lang = langOf(request)
        const session = await portal.session(cookieOf(request))
        if (!session) return notSignedIn(reply, lang)
        const { requestId, format } = request.params as {
          requestId: string
          format: 'html' | 'pdf' | 'json' | 'csv' | 'zip'
        }
        const file = await portal.download(session, requestId.toLowerCase(), format)
        if (!file) throw new ProblemError('not-found')
        return reply
          .code(200)
          .headers(PAGE_HEADERS)
          .type(file.contentType)
          .header(
            'content-disposition',
            `${format === 'html' ? 'inline' : 'attachment'}; filename="${file.filename}"`,
          )
          .send(file.body)
      },
    )

    app.post(
      '/p/portal/requests',
      pageOptions,
      act((session, body) => portal.fileRequest(session, { kind: body.kind, details: body.details })),
    )

    app.post('/p/portal/logout', pageOptions, async (request, reply) => {
      const lang = langOf(request)
      const token = cookieOf(request)
      const session = await portal.session(token)
      // Signing out needs the page's token too: another site must not sign the person out.
      if (session && !portal.checkCsrf(session, asRecord(request.body).csrf))
        return html(
          reply,
          403,
          renderMessage(lang, PORTAL_TEXTS[lang].csrfTitle, [PORTAL_TEXTS[lang].csrf], backLink(lang)),
        )
      await portal.signOut(token, clientOf(request))
      reply.clearCookie(PORTAL_COOKIE, { path: '/p/portal' })
      const t = PORTAL_TEXTS[lang]
      return html(reply, 200, renderMessage(lang, t.signedOutTitle, [t.signedOut], signInLink(lang)))
    })
  }

function newLinkOf(lang: Lang): { href: string; label: string } {
  return { href: `/p/portal?lang=${lang}`, label: PORTAL_TEXTS[lang].newLink }
}
