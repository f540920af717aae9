import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import cookie from '@fastify/cookie'
import fastifyStatic from '@fastify/static'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify'
import helmet from 'helmet'
import { Type } from 'typebox'
import { accessRoutes } from '../modules/access/access.routes.ts'
import { TokenInfo, User } from '../modules/access/access.schemas.ts'
import { roleRoutes } from '../modules/access/role.routes.ts'
import { RoleInfo } from '../modules/access/role.schemas.ts'
import { analyticsRoutes } from '../modules/analytics/analytics.routes.ts'
import { personaRoutes } from '../modules/analytics/personas/persona.routes.ts'
import { recommendationRoutes } from '../modules/analytics/recommendation.routes.ts'
import { auditRoutes } from '../modules/audit/audit.routes.ts'
import { breachRoutes } from '../modules/breaches/breach.routes.ts'
import { BreachJson } from '../modules/breaches/breach.schemas.ts'
import { campaignRoutes } from '../modules/campaigns/campaign.routes.ts'
import { campaignChannelRoutes } from '../modules/campaigns/channel-routes.ts'
import { campaignTrackingRoutes } from '../modules/campaigns/tracking.routes.ts'
import { consentProofRoutes } from '../modules/consents/consent-proof.routes.ts'
import { dashboardRoutes } from '../modules/dashboard/dashboard.routes.ts'
import { exportRoutes } from '../modules/export/export.routes.ts'
import { fieldRoutes } from '../modules/fields/field.routes.ts'
import { formRoutes } from '../modules/forms/form.routes.ts'
import { formPublicRoutes } from '../modules/forms/form-public.routes.ts'
import { holdRoutes } from '../modules/holds/hold.routes.ts'
import { importRoutes } from '../modules/import/import.routes.ts'
import { ImportResult, ImportSummary } from '../modules/import/import.schemas.ts'
import { eventRoutes } from '../modules/journey/event.routes.ts'
import { journeyRoutes } from '../modules/journeys/journey.routes.ts'
import { milestoneRoutes } from '../modules/milestones/milestone.routes.ts'
import { orderRoutes } from '../modules/orders/order.routes.ts'
import { Product } from '../modules/orders/order.schemas.ts'
import { organisationRoutes } from '../modules/organisations/organisation.routes.ts'
import { Organisation } from '../modules/organisations/organisation.schemas.ts'
import { permissionRoutes } from '../modules/permissions/permission.routes.ts'
import { portalRoutes } from '../modules/portal/portal.routes.ts'
import { purposeRoutes } from '../modules/purposes/purpose.routes.ts'
import { recipientRoutes } from '../modules/recipients/recipient.routes.ts'
import { Recipient, WebhookSubscription } from '../modules/recipients/recipient.schemas.ts'
import { processingRecordRoutes } from '../modules/records-of-processing/processing-record.routes.ts'
import { requestRoutes } from '../modules/requests/request.routes.ts'
import { retentionRuleRoutes } from '../modules/retention/retention-rule.routes.ts'
import { RetentionRule } from '../modules/retention/retention-rule.schemas.ts'
import { retentionSweepRoutes } from '../modules/retention/retention-sweep.routes.ts'
import { salesRoutes } from '../modules/sales/sales.routes.ts'
import { segmentRoutes } from '../modules/segments/segment.routes.ts'
import { brandPublicPages, settingsPages, settingsRoutes } from '../modules/settings/settings.routes.ts'
import { subjectRoutes } from '../modules/subjects/subject.routes.ts'
import { Subject } from '../modules/subjects/subject.schemas.ts'
import { trackingPages, trackingRoutes } from '../modules/tracking/tracking.routes.ts'
import { unsubscribeRoutes } from '../modules/unsubscribe/unsubscribe.routes.ts'
import { databaseErrorOf, problemOfDatabaseError } from '../platform/db/database-error.ts'
import { PROBLEM_KINDS, ProblemError, type ProblemKind, problemType, toProblem } from '../platform/problem.ts'
import { CatalogFieldJson } from '../privacy/fields/field.schemas.ts'
import { SubjectPermissions } from '../privacy/permissions/permission.schemas.ts'
import { Purpose } from '../privacy/purposes/purpose.schemas.ts'
import type { Runtime } from '../runtime.ts'
import { registerAuth } from './auth.ts'
import { registerNulGuard } from './nul-guard.ts'
import { PROBLEM_RESPONSES, ProblemJson } from './problem.schema.ts'
import { fieldErrors, validatorCompiler } from './validation.ts'

const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist')

import { VERSION } from '../platform/version.ts'

export { VERSION }

/**
 * Headers of the staff UI, the API and the docs (helmet): a CSP that allows only this
 * origin's scripts, styles, images and fetches and no framing at all (clickjacking), DENY for
 * older browsers, nosniff, no referrer. Inline styles are allowed (Mantine and Swagger UI set
 * them); inline scripts are not (neither the Vite build nor Swagger UI has any). The public pages
 * under /p/ send their own, stricter CSP.
 */
const STAFF_UI_HEADERS = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      scriptSrcAttr: ["'none'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  frameguard: { action: 'deny' as const },
  referrerPolicy: { policy: 'no-referrer' as const },
}

/** Assembles the HTTP application: API under /api/v1, OpenAPI, the web UI, problem+json errors. */
export async function buildApp(
  runtime: Runtime,
  options: { webDist?: string } = {},
): Promise<FastifyInstance> {
  const { config, logger, services } = runtime
  const app = Fastify({
    loggerInstance: logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    // TRESOR_TRUST_PROXY: behind a reverse proxy, request.ip is the client's (rate limits, proofs).
    trustProxy: config.trustProxy,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    ajv: { customOptions: { removeAdditional: false } },
    routerOptions: { ignoreTrailingSlash: true },
    // One line per request, written when it is answered (below), instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>()

  // The request log: method, path (no query string: it may hold search terms), status and time.
  // The API and the public pages at info; the UI's static files at debug, so a terminal shows what
  // happened rather than every script and icon the browser fetched.
  app.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    const level = reply.statusCode >= 500 ? 'error' : /^\/(api|p)\//.test(path) ? 'info' : 'debug'
    request.log[level](
      {
        req: { method: request.method, path },
        res: { statusCode: reply.statusCode },
        responseTime: Math.round(reply.elapsedTime),
      },
      'request',
    )
  })

  app.setValidatorCompiler(validatorCompiler)
  // Security headers first, so that every answer has them, refusals by later hooks included. The
  // middleware is built once (its options parsed once), not per request.
  const securityHeaders = helmet(STAFF_UI_HEADERS)
  app.addHook('onRequest', (request, reply, done) => {
    securityHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined))
  })
  // Then, before any other hook: no route (public pages included) ever sees a NUL.
  registerNulGuard(app)
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id)
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'no-referrer')
    // Answers of the API and of the public pages may carry personal data: no cache keeps them.
    // (A public page that may be cached, like the tracking snippet, says so itself.)
    if (
      request.url.startsWith('/api/') ||
      (request.url.startsWith('/p/') && !reply.hasHeader('cache-control'))
    )
      reply.header('cache-control', 'no-store')
  })
  // The installation's look (logo, colour, controller) on every public HTML page under /p/; added
  // before any route, so that every plugin's pages inherit it.
  app.addHook('onSend', brandPublicPages(services.settings))
  registerProblemHandling(app)

  await app.register(cookie)
  registerAuth(app, { access: services.access, roles: services.roles, publicUrl: config.publicUrl })

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tresor API',
        version: VERSION,
        description:
          'GDPR-native CRM. Errors are application/problem+json (RFC 9457) with a stable `type` per kind: ' +
          Object.keys(PROBLEM_KINDS)
            .map((k) => `\`${problemType(k as ProblemKind)}\``)
            .join(', '),
      },
      components: {
        schemas: { Problem: ProblemJson },
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'tresor_session' },
          token: { type: 'http', scheme: 'bearer', description: 'An API token from `tresor token create`.' },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
    // Every operation of the API may answer with a problem (components.schemas.Problem).
    transformObject: (document) =>
      'openapiObject' in document ? withProblemResponses(document.openapiObject) : document.swaggerObject,
  })
  for (const schema of [
    User,
    TokenInfo,
    RoleInfo,
    Subject,
    Purpose,
    SubjectPermissions,
    Organisation,
    Product,
    ImportResult,
    ImportSummary,
    CatalogFieldJson,
    RetentionRule,
    Recipient,
    WebhookSubscription,
    BreachJson,
  ])
    app.addSchema(schema)
  await app.register(swaggerUi, { routePrefix: '/docs' })

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness and database check',
        security: [],
        response: {
          200: Type.Object({ status: Type.Literal('ok'), engine: Type.String(), version: Type.String() }),
        },
      },
    },
    async () => {
      try {
        await services.ping()
      } catch {
        throw new ProblemError('unavailable', 'the database does not answer')
      }
      return { status: 'ok' as const, engine: runtime.database.engine, version: VERSION }
    },
  )

  await app.register(
    async (api) => {
      await api.register(accessRoutes(services.access, services.roles))
      await api.register(roleRoutes(services.roles))
      await api.register(subjectRoutes(services.subjects, services.overviews))
      await api.register(purposeRoutes(services.purposes))
      await api.register(
        permissionRoutes(services.permissions, (ctx, id) =>
          services.consents.assertMayRead(ctx, id, 'permissions'),
        ),
      )
      await api.register(consentProofRoutes(services.consents))
      await api.register(auditRoutes(services.audit))
      await api.register(eventRoutes(services.events))
      await api.register(trackingRoutes(services.tracking))
      await api.register(organisationRoutes(services.organisations))
      await api.register(orderRoutes(services.orders))
      await api.register(salesRoutes(services.sales))
      await api.register(importRoutes(services.imports))
      await api.register(exportRoutes(services.exports))
      await api.register(recipientRoutes(services.recipients, services.disclosures, services.webhooks))
      await api.register(fieldRoutes(services.fields))
      await api.register(formRoutes(services.forms, services.consentTexts, config.publicUrl))
      await api.register(
        requestRoutes(
          services.requests,
          (ctx, ids) => services.subjects.namesOf(ctx, ids),
          services.requestWorkflow,
        ),
      )
      await api.register(analyticsRoutes(services.scores, services.scoreCharts))
      await api.register(recommendationRoutes(services.recommendations))
      await api.register(personaRoutes(services.personas))
      await api.register(segmentRoutes(services.segments))
      await api.register(campaignRoutes(services.campaigns))
      await api.register(campaignChannelRoutes(services.campaignChannelOps))
      await api.register(journeyRoutes(services.journeys))
      await api.register(dashboardRoutes(services.statistics, services.roles))
      await api.register(holdRoutes(services.holds))
      await api.register(milestoneRoutes(services.milestones))
      await api.register(retentionRuleRoutes(services.retention, services.deletionConcept))
      await api.register(retentionSweepRoutes(services.sweeper))
      await api.register(breachRoutes(services.breaches, services.breachNotices))
      await api.register(processingRecordRoutes(services.processingRecords))
      await api.register(settingsRoutes(services.settings, config.publicUrl))
    },
    { prefix: '/api/v1' },
  )

  // Public forms: the pages and the confirmation link under /p/, the JSON endpoints under
  // /api/v1/public/forms; no sign-in, rate-limited per IP address.
  await app.register(
    formPublicRoutes(services.formSubmissions, { rateLimitPerMinute: config.formRateLimitPerMinute }),
  )

  // Unsubscribe links of marketing mails (page and RFC 8058 one-click POST), public, rate-limited.
  await app.register(
    unsubscribeRoutes(services.unsubscribe, { rateLimitPerMinute: config.unsubscribeRateLimitPerMinute }),
  )

  // The privacy portal: sign-in by a mailed link, consents, objections and requests of the person.
  await app.register(portalRoutes(services.portal, { rateLimitPerMinute: config.portal.rateLimitPerMinute }))

  // The installation's logo for the public pages and mails.
  await app.register(settingsPages(services.settings))

  // Opens and clicks of campaign e-mails (public, no cookies; recorded only with the tracking consent).
  await app.register(campaignTrackingRoutes(services.campaignChannelOps.tracking))

  // The tracking snippet and its consent banner example, for websites (public, no cookies).
  await app.register(trackingPages)
  await registerWebUi(app, options.webDist ?? WEB_DIST)
  return app
}

/** Adds the 4XX and 5XX problem responses to each operation under /api/ that doesn't describe its own. */
function withProblemResponses<T extends { paths?: Record<string, unknown> }>(doc: T): T {
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!path.startsWith('/api/')) continue
    for (const op of Object.values(item as Record<string, { responses?: Record<string, unknown> }>)) {
      if (typeof op !== 'object' || op === null || !op.responses) continue
      for (const [status, response] of Object.entries(PROBLEM_RESPONSES)) op.responses[status] ??= response
    }
  }
  return doc
}

function registerProblemHandling(app: FastifyInstance): void {
  app.setErrorHandler((thrown: FastifyError | ProblemError, request, reply) => {
    // Safety net: the database refusing a value (class 22 or 23) is a 4xx, whatever let it through.
    const fromDatabase = thrown instanceof ProblemError ? undefined : problemOfDatabaseError(thrown)
    if (fromDatabase)
      request.log.warn(
        { db: databaseErrorOf(thrown) },
        'the database refused a value that got past validation',
      )
    const error = fromDatabase ?? thrown
    let kind: ProblemKind
    let detail: string | undefined
    let errors = undefined as ReturnType<typeof fieldErrors> | undefined
    let mergedInto: string | undefined
    if (error instanceof ProblemError) {
      kind = error.kind
      mergedInto = error.mergedInto
      detail = error.detail
      errors = error.errors
      reply.headers(error.headers)
    } else if ((error as FastifyError).validation) {
      const fe = error as FastifyError
      kind = 'validation'
      errors = fieldErrors(fe.validation ?? [], fe.validationContext)
      detail = errors.map((e) => `${e.field}: ${e.reason}`).join('; ')
    } else {
      const fe = error as FastifyError
      switch (fe.code) {
        case 'FST_ERR_CTP_BODY_TOO_LARGE':
          kind = 'payload-too-large'
          detail = `the body may be at most ${app.initialConfig.bodyLimit} bytes`
          break
        case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
          kind = 'unsupported-media-type'
          detail = 'send the body as application/json'
          break
        case 'FST_ERR_CTP_EMPTY_JSON_BODY':
          kind = 'malformed-body'
          detail = 'the body is empty but the content type says JSON'
          break
        case 'FST_ERR_CTP_INVALID_JSON_BODY':
          kind = 'malformed-body'
          detail = 'the body is not valid JSON'
          break
        default:
          if (fe.statusCode === 400 && error instanceof SyntaxError) {
            kind = 'malformed-body'
            detail = 'the body is not valid JSON'
          } else if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
            kind = fe.statusCode === 404 ? 'not-found' : fe.statusCode === 429 ? 'rate-limited' : 'validation'
            detail = fe.message
          } else {
            kind = 'internal'
            // Logged without the request body or query: they may carry personal data.
            request.log.error(
              { err: { type: error.name, message: error.message, stack: error.stack } },
              'unhandled error',
            )
          }
      }
    }
    const problem = {
      ...toProblem(kind, detail, errors),
      ...(mergedInto ? { mergedInto } : {}),
      instance: request.id,
    }
    return reply.code(problem.status).type('application/problem+json').send(problem)
  })
}

async function registerWebUi(app: FastifyInstance, webDist: string): Promise<void> {
  const built = existsSync(path.join(webDist, 'index.html'))
  if (built) {
    await app.register(fastifyStatic, { root: webDist, wildcard: false, index: ['index.html'] })
  }
  app.setNotFoundHandler((request, reply) => {
    const accept = request.headers.accept ?? ''
    // Missing API routes and missing build assets are 404s, never the SPA's index.html.
    const isApi = /^\/(api|assets|openapi\.json|healthz|docs)(\/|$|\?)/.test(request.url)
    if (request.method === 'GET' && !isApi && accept.includes('text/html')) {
      if (built) return reply.type('text/html').sendFile('index.html')
      return reply
        .code(503)
        .type('text/plain')
        .send('The web UI is not built yet: run `npm run build:web` (npm start does it for you).')
    }
    const problem = {
      ...toProblem('not-found', `no route for ${request.method} ${request.url.split('?')[0]}`),
      instance: request.id,
    }
    return reply.code(404).type('application/problem+json').send(problem)
  })
}
