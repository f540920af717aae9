import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { ProblemError } from '../../platform/problem.ts'
import { changedByOf } from '../../server/auth.ts'
import { brandPublicPage, LOGO_PATH, logoPath } from './branding.ts'
import { DpoPatchBody, SettingsJson, SettingsPatchBody } from './settings.schemas.ts'
import { type InstallationSettings, LOGO_MAX_BYTES, type SettingsService } from './settings.service.ts'

/** What a browser or curl sends as the type of an image file; the service accepts PNG and JPEG. */
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/svg+xml']

/** The settings API under /api/v1: read by everyone signed in, changed by admins (the DPO: their contact). */
export const settingsRoutes =
  (settings: SettingsService, publicUrl: string): FastifyPluginAsyncTypebox =>
  async (app) => {
    const json = (s: InstallationSettings) => {
      const logo = s.branding.logo
      const path = logoPath(s)
      return {
        controller: s.controller,
        dpo: s.dpo,
        branding: {
          primaryColor: s.branding.primaryColor,
          logo:
            logo && path
              ? {
                  mediaType: logo.mediaType,
                  size: logo.size,
                  sha256: logo.sha256,
                  url: `${publicUrl}${path}`,
                }
              : null,
        },
        timeZone: s.timeZone,
        version: s.version,
        updatedAt: s.updatedAt.toISOString(),
      }
    }

    // The logo is the raw request body, its type the Content-Type (an SVG is parsed to be refused
    // with a reason, not with Fastify's bare 415).
    app.addContentTypeParser(
      IMAGE_TYPES,
      { parseAs: 'buffer', bodyLimit: LOGO_MAX_BYTES + 1024 },
      (_request, body, done) => done(null, body),
    )

    app.get(
      '/settings',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: ['settings'],
          summary: 'The installation’s settings: controller, data protection officer, logo and colour',
          description:
            'What the Art. 13 notice of the public forms names as controller and DPO (forms whose notice still carries the placeholder of a fresh installation), and the logo and primary colour of the public pages (/p/forms, /p/portal, confirmation and unsubscribe pages) and of the confirmation and sign-in mails; every mail ends with the controller and the DPO. Readable by everyone signed in: it is what the public pages show anyway.',
          response: { 200: SettingsJson },
        },
      },
      async () => json(await settings.current()),
    )

    app.patch(
      '/settings',
      {
        config: { access: 'settings:manage' },
        schema: {
          tags: ['settings'],
          summary: 'Change the controller, the DPO’s contact, the primary colour or the time zone',
          description:
            'Only what the body names changes; `null` clears a value (so does blank text, except for e-mail addresses). E-mail addresses must be addresses, the colour `#rrggbb`, the time zone an IANA name the server knows (`timeZone`, else 400 naming it). Takes effect at once on every public page and in every mail sent after it. Audited as `configure`, naming the settings changed (not their values); bumps the version.',
          body: SettingsPatchBody,
          response: { 200: SettingsJson },
        },
      },
      async (request) => json(await settings.update(request.body, changedByOf(request))),
    )

    app.patch(
      '/settings/dpo',
      {
        config: { access: 'settings:dpo' },
        schema: {
          tags: ['settings'],
          summary: 'Change the data protection officer’s contact details',
          description:
            'For the DPO (Art. 37(7): the controller publishes the DPO’s contact details) — the rest of the settings is the admin’s. Same rules as PATCH /settings for the `dpo` part. Audited.',
          body: DpoPatchBody,
          response: { 200: SettingsJson },
        },
      },
      async (request) => json(await settings.updateDpo(request.body, changedByOf(request))),
    )

    app.put(
      '/settings/logo',
      {
        config: { access: 'settings:manage' },
        bodyLimit: LOGO_MAX_BYTES + 1024,
        schema: {
          tags: ['settings'],
          summary: 'Upload the logo (PNG or JPEG, the raw image as the body)',
          description: `The image is the request body, \`Content-Type: image/png\` or \`image/jpeg\`, at most ${LOGO_MAX_BYTES / 1024} KiB (413 beyond), and its bytes must be what the type says (400 otherwise). SVG is refused (415): an SVG is a document that can carry script and links, and the logo is served from this origin. Shown at the top of the public pages and in the mails, served at ${LOGO_PATH}. Audited.`,
          response: { 200: SettingsJson },
        },
      },
      async (request) => {
        const body = request.body
        // Any other type was read by another parser (text, JSON): not an image.
        if (!Buffer.isBuffer(body))
          throw new ProblemError(
            'unsupported-media-type',
            'send the logo as the request body with Content-Type image/png or image/jpeg',
          )
        return json(
          await settings.setLogo(
            { mediaType: String(request.headers['content-type'] ?? ''), data: body },
            changedByOf(request),
          ),
        )
      },
    )

    app.delete(
      '/settings/logo',
      {
        config: { access: 'settings:manage' },
        schema: {
          tags: ['settings'],
          summary: 'Remove the logo',
          description: 'The public pages and mails show the controller’s name instead. Audited.',
          response: { 200: SettingsJson },
        },
      },
      async (request) => json(await settings.removeLogo(changedByOf(request))),
    )
  }

/**
 * `GET /p/logo`: the logo for the public pages and mails (no sign-in). Cached briefly by browsers;
 * the pages ask for it with its digest (`?v=`), so a new logo shows at once. Sent with its own
 * type, `nosniff` and a CSP that lets nothing in it run.
 */
export const settingsPages =
  (settings: SettingsService) =>
  async (app: FastifyInstance): Promise<void> => {
    app.get(
      LOGO_PATH,
      {
        schema: {
          hide: true,
          querystring: Type.Object({ v: Type.Optional(Type.String({ maxLength: 64 })) }),
        },
      },
      async (request, reply) => {
        const logo = await settings.logo()
        if (!logo) return reply.code(404).type('text/plain; charset=utf-8').send('no logo')
        const etag = `"${logo.sha256}"`
        reply.headers({
          'cache-control': 'public, max-age=300',
          etag,
          'content-security-policy': "default-src 'none'; sandbox",
          'x-content-type-options': 'nosniff',
          'cross-origin-resource-policy': 'cross-origin',
        })
        if (request.headers['if-none-match'] === etag) return reply.code(304).send()
        return reply.type(logo.mediaType).send(Buffer.from(logo.data))
      },
    )
  }

/**
 * An `onSend` hook for the whole app: every HTML page under /p/ (forms, confirmation, unsubscribe,
 * privacy portal) gets the installation's look (`brandPublicPage`) in one place, whichever module
 * rendered it. If the settings can't be read the page goes out as rendered.
 */
export const brandPublicPages =
  (settings: Pick<SettingsService, 'current'>) =>
  async (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    if (typeof payload !== 'string' || !request.url.startsWith('/p/')) return payload
    if (!String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return payload
    try {
      return brandPublicPage(payload, await settings.current())
    } catch (error) {
      request.log.warn({ err: { type: (error as Error).name } }, 'settings unreadable: page sent unbranded')
      return payload
    }
  }
