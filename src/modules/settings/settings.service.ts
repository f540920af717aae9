import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { isTimeZone } from '../../platform/local-time.ts'
import { ProblemError } from '../../platform/problem.ts'
import type { AuditActor, AuditWriter } from '../../privacy/audit/audit-record.ts'
import type { SettingsRepository, SettingsRow, SettingsValues } from './settings.repository.ts'

/** The installation's settings: who the controller is, the DPO's contact, the look of pages and mails. */
export interface InstallationSettings {
  /** Art. 13(1)(a): the controller's identity and contact details. */
  controller: { name: string | null; address: string | null; email: string | null }
  /** Art. 13(1)(b), Art. 37(7): the data protection officer's contact details. */
  dpo: { name: string | null; email: string | null; address: string | null }
  branding: {
    /** `#rrggbb`: buttons of the public pages and the link button of the mails. */
    primaryColor: string | null
    logo: { mediaType: LogoMediaType; sha256: string; size: number } | null
  }
  /** The IANA time zone mails and the privacy portal show times in (and name). */
  timeZone: string
  /** Bumped by every change. */
  version: number
  updatedAt: Date
}

/** A change of the settings: only what is given changes; null clears. */
export interface SettingsPatch {
  controller?: Partial<InstallationSettings['controller']>
  dpo?: Partial<InstallationSettings['dpo']>
  branding?: { primaryColor?: string | null }
  timeZone?: string
}

/** The logo types accepted: raster images only. An SVG is a document that can carry script and links. */
export const LOGO_MEDIA_TYPES = ['image/png', 'image/jpeg'] as const
export type LogoMediaType = (typeof LOGO_MEDIA_TYPES)[number]

/** The largest logo accepted (the database checks the same). A logo on a form is a few KB. */
export const LOGO_MAX_BYTES = 256 * 1024

/** Who changes the settings, for the audit record. */
export interface SettingsChangeContext {
  actor: AuditActor
  requestId?: string | undefined
}

/** The first bytes each accepted type starts with: the body must be what its Content-Type says. */
const SIGNATURES: Readonly<Record<LogoMediaType, readonly number[]>> = {
  'image/png': [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  'image/jpeg': [0xff, 0xd8, 0xff],
}

const toSettings = (row: SettingsRow): InstallationSettings => ({
  controller: { name: row.controller_name, address: row.controller_address, email: row.controller_email },
  dpo: { name: row.dpo_name, email: row.dpo_email, address: row.dpo_address },
  branding: {
    primaryColor: row.primary_color,
    logo:
      row.logo_media_type && row.logo_sha256
        ? {
            mediaType: row.logo_media_type as LogoMediaType,
            sha256: row.logo_sha256,
            size: Number(row.logo_size ?? 0),
          }
        : null,
  },
  timeZone: row.time_zone,
  version: row.version,
  updatedAt: row.updated_at,
})

/** Text as stored: trimmed, and empty text is no text. */
const text = (value: string | null | undefined): string | null | undefined =>
  value === undefined ? undefined : value === null ? null : value.trim() || null

/**
 * The installation's settings (one row, `installation_setting`): the controller and the DPO as the
 * Art. 13 notice of every form names them, and the logo and primary colour of the public pages and
 * the mails. Every change is audited (`configure`, naming what changed, never a value: the audit
 * trail is no place for addresses) and bumps the version. Read on every public page and mail
 * (one row by its key), so a change shows at once in every process.
 */
export class SettingsService {
  readonly #repository: SettingsRepository
  readonly #db: Kysely<Schema>
  readonly #audit: AuditWriter
  constructor(deps: { repository: SettingsRepository; db: Kysely<Schema>; audit: AuditWriter }) {
    this.#repository = deps.repository
    this.#db = deps.db
    this.#audit = deps.audit
  }

  async current(): Promise<InstallationSettings> {
    return toSettings(await this.#repository.get())
  }

  /** Changes what the patch names (null clears it); the DPO's part alone is `updateDpo`. */
  async update(patch: SettingsPatch, ctx: SettingsChangeContext): Promise<InstallationSettings> {
    if (patch.timeZone !== undefined && !isTimeZone(patch.timeZone))
      throw new ProblemError('validation', 'timeZone: not a time zone', {
        errors: [
          {
            in: 'body',
            field: 'timeZone',
            reason: 'is not a time zone name Tresor knows (IANA, e.g. Europe/Berlin)',
          },
        ],
      })
    const values: SettingsValues = {
      ...defined('time_zone', patch.timeZone),
      ...defined('controller_name', text(patch.controller?.name)),
      ...defined('controller_address', text(patch.controller?.address)),
      ...defined('controller_email', text(patch.controller?.email)),
      ...dpoValues(patch.dpo),
      ...defined(
        'primary_color',
        patch.branding?.primaryColor === undefined
          ? undefined
          : (patch.branding.primaryColor?.toLowerCase() ?? null),
      ),
    }
    return this.#change(values, ctx)
  }

  /** Changes the DPO's contact details only (Art. 37(7): the DPO publishes them). */
  updateDpo(patch: SettingsPatch['dpo'] & object, ctx: SettingsChangeContext): Promise<InstallationSettings> {
    return this.#change(dpoValues(patch), ctx)
  }

  /**
   * Replaces the logo: a PNG or JPEG of at most {@link LOGO_MAX_BYTES}, whose bytes are what its type
   * says. An SVG is refused: it is a document that can carry script, styles and links to elsewhere,
   * and a logo served from this origin must not.
   */
  async setLogo(
    logo: { mediaType: string; data: Uint8Array },
    ctx: SettingsChangeContext,
  ): Promise<InstallationSettings> {
    const type = logo.mediaType.split(';')[0]?.trim().toLowerCase() ?? ''
    if (type === 'image/svg+xml')
      throw new ProblemError(
        'unsupported-media-type',
        'an SVG logo is not accepted (it can carry script and links): upload a PNG or JPEG',
      )
    if (!(LOGO_MEDIA_TYPES as readonly string[]).includes(type))
      throw new ProblemError('unsupported-media-type', 'the logo must be a PNG or JPEG image')
    const mediaType = type as LogoMediaType
    if (logo.data.length === 0) throw invalidLogo('is empty')
    if (logo.data.length > LOGO_MAX_BYTES)
      throw new ProblemError('payload-too-large', `the logo is larger than ${LOGO_MAX_BYTES / 1024} KiB`)
    if (!SIGNATURES[mediaType].every((byte, i) => logo.data[i] === byte))
      throw invalidLogo(`is not a ${mediaType === 'image/png' ? 'PNG' : 'JPEG'} image`)
    const sha256 = createHash('sha256').update(logo.data).digest('hex')
    return this.#db.transaction().execute(async (trx) => {
      const row = await this.#repository.setLogo({ data: logo.data, mediaType, sha256 }, new Date(), trx)
      await this.#audit.append(
        [{ ...record(ctx), reason: `settings changed: logo (${mediaType}, ${logo.data.length} bytes)` }],
        trx,
      )
      return toSettings(row)
    })
  }

  async removeLogo(ctx: SettingsChangeContext): Promise<InstallationSettings> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await this.#repository.setLogo(null, new Date(), trx)
      await this.#audit.append([{ ...record(ctx), reason: 'settings changed: logo removed' }], trx)
      return toSettings(row)
    })
  }

  /** The logo's bytes, type and digest, if one is set. */
  async logo(): Promise<{ data: Uint8Array; mediaType: LogoMediaType; sha256: string } | undefined> {
    const row = await this.#repository.logo()
    if (!row?.logo || !row.logo_media_type || !row.logo_sha256) return undefined
    return { data: row.logo, mediaType: row.logo_media_type as LogoMediaType, sha256: row.logo_sha256 }
  }

  async #change(values: SettingsValues, ctx: SettingsChangeContext): Promise<InstallationSettings> {
    const changed = Object.keys(values)
    if (changed.length === 0) return this.current()
    return this.#db.transaction().execute(async (trx) => {
      const row = await this.#repository.update(values, new Date(), trx)
      // The names of what changed, never the values (addresses are not for the audit trail).
      await this.#audit.append([{ ...record(ctx), reason: `settings changed: ${changed.join(', ')}` }], trx)
      return toSettings(row)
    })
  }
}

const defined = <K extends keyof SettingsValues>(key: K, value: SettingsValues[K] | undefined) =>
  value === undefined ? {} : ({ [key]: value } as Pick<SettingsValues, K>)

const dpoValues = (dpo: SettingsPatch['dpo']): SettingsValues => ({
  ...defined('dpo_name', text(dpo?.name)),
  ...defined('dpo_email', text(dpo?.email)),
  ...defined('dpo_address', text(dpo?.address)),
})

const record = (ctx: SettingsChangeContext) => ({
  actor: ctx.actor,
  action: 'configure' as const,
  ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
})

const invalidLogo = (reason: string) =>
  new ProblemError('validation', `logo: ${reason}`, { errors: [{ in: 'body', field: 'logo', reason }] })
