import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import type { AuditWriter } from '../audit/audit-record.ts'
import type { PermissionService } from '../permissions/permission.service.ts'
import { CHANNEL_REPORTS_ACTOR } from './campaign-channels.service.ts'

/** The vault secret the tracking tokens are signed with (32 random bytes, wrapped by the master key). */
export const TRACKING_SECRET = 'campaign-tracking'
/** The purpose whose consent an open or a click needs to be recorded (§ 25 TDDDG, Art. 6(1)(a)). */
export const TRACKING_PURPOSE = 'web_tracking'

/** What became of an open or a click. */
export interface TrackingOutcome {
  /** Whether the token was valid and named a message of a campaign. */
  known: boolean
  /** Whether it was recorded (the campaign tracks, and the person's tracking consent holds). */
  recorded: boolean
}

/**
 * Opens and clicks of campaign e-mails (docs/adr/0020): off unless the campaign asks for it
 * (`campaign.track_opens`), and recorded — `opened_at`, `clicked_at` of the ledger row, the first
 * time only — only for people whose consent to `web_tracking` holds now. The token in the URL is the
 * message's id (random, names nobody) with an HMAC under a vault secret: no personal data in the
 * URL, and no token can be made up. A click is redirected only to a URL that is in the campaign's
 * e-mail content (no open redirect), whether or not it is recorded.
 */
export class CampaignTracking {
  readonly #db: Kysely<Schema>
  readonly #permissions: Pick<PermissionService, 'denials'>
  readonly #secrets: { get(name: string, create: () => Buffer): Promise<Buffer> }
  readonly #audit: AuditWriter
  readonly #clock: () => Date

  constructor(deps: {
    db: Kysely<Schema>
    permissions: Pick<PermissionService, 'denials'>
    secrets: { get(name: string, create: () => Buffer): Promise<Buffer> }
    audit: AuditWriter
    clock?: () => Date
  }) {
    this.#db = deps.db
    this.#permissions = deps.permissions
    this.#secrets = deps.secrets
    this.#audit = deps.audit
    this.#clock = deps.clock ?? (() => new Date())
  }

  async #mac(payload: string): Promise<string> {
    const key = await this.#secrets.get(TRACKING_SECRET, () => randomBytes(32))
    return createHmac('sha256', key)
      .update(`campaign-tracking\u0000${payload}`)
      .digest('base64url')
      .slice(0, 22)
  }

  /** The token of a message (its Message-ID, with or without angle brackets). */
  async tokenFor(messageId: string): Promise<string> {
    const payload = Buffer.from(messageId.replace(/^<|>$/g, ''), 'utf8').toString('base64url')
    return `${payload}.${await this.#mac(payload)}`
  }

  /** The message id a token names, if its signature holds. */
  async #messageIdOf(token: string): Promise<string | undefined> {
    const m = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{22})$/.exec(token)
    if (!m) return undefined
    const [, payload = '', mac = ''] = m
    const expected = Buffer.from(await this.#mac(payload))
    const given = Buffer.from(mac)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
    return Buffer.from(payload, 'base64url').toString('utf8')
  }

  async #row(token: string) {
    const bare = await this.#messageIdOf(token)
    if (!bare) return undefined
    return this.#db
      .selectFrom('campaign_delivery as d')
      .innerJoin('campaign as c', 'c.id', 'd.campaign_id')
      .select(['d.campaign_id', 'd.subject_id', 'd.opened_at', 'd.clicked_at', 'c.track_opens'])
      .where('d.message_id', 'in', [bare, `<${bare}>`])
      .where('d.channel', '=', 'email')
      .executeTakeFirst()
  }

  async #consents(subjectId: string): Promise<boolean> {
    const denied = await this.#permissions.denials({
      purposeKey: TRACKING_PURPOSE,
      channel: 'web',
      subjectIds: [subjectId],
    })
    return !denied.has(subjectId)
  }

  async #record(
    row: { campaign_id: string; subject_id: string },
    what: 'open' | 'click',
    requestId?: string | undefined,
  ): Promise<void> {
    const now = this.#clock()
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable('campaign_delivery')
        .set((eb) => ({
          opened_at: eb.fn.coalesce('opened_at', eb.val(now)),
          ...(what === 'click' ? { clicked_at: eb.fn.coalesce('clicked_at', eb.val(now)) } : {}),
        }))
        .where('campaign_id', '=', row.campaign_id)
        .where('subject_id', '=', row.subject_id)
        .where('channel', '=', 'email')
        .execute()
      await this.#audit.append(
        [
          {
            actor: CHANNEL_REPORTS_ACTOR,
            action: 'create',
            subjectIds: [row.subject_id],
            purpose: TRACKING_PURPOSE,
            legalBasis: 'consent',
            ...(requestId ? { requestId } : {}),
            reason: `campaign ${row.campaign_id}: e-mail ${what === 'open' ? 'opened' : 'link clicked'} (recorded with the tracking consent)`,
          },
        ],
        trx,
      )
    })
  }

  /** An open (the pixel was loaded). */
  async open(token: string, requestId?: string): Promise<TrackingOutcome> {
    const row = await this.#row(token)
    if (!row) return { known: false, recorded: false }
    if (!row.track_opens || row.opened_at !== null || !(await this.#consents(row.subject_id)))
      return { known: true, recorded: false }
    await this.#record(row, 'open', requestId)
    return { known: true, recorded: true }
  }

  /**
   * A click on `url`: where to redirect (only a URL of the campaign's e-mail content; otherwise
   * none), and whether it was recorded.
   */
  async click(
    token: string,
    url: string,
    requestId?: string,
  ): Promise<TrackingOutcome & { redirectTo?: string }> {
    const row = await this.#row(token)
    if (!row) return { known: false, recorded: false }
    const contents = await this.#db
      .selectFrom('campaign_content')
      .select(['body_text', 'body_html'])
      .where('campaign_id', '=', row.campaign_id)
      .where('channel', '=', 'email')
      .execute()
    const allowed = new Set(contents.flatMap((c) => urlsIn(`${c.body_text}\n${c.body_html ?? ''}`)))
    if (!allowed.has(url)) return { known: true, recorded: false }
    if (!row.track_opens || row.clicked_at !== null || !(await this.#consents(row.subject_id)))
      return { known: true, recorded: false, redirectTo: url }
    await this.#record(row, 'click', requestId)
    return { known: true, recorded: true, redirectTo: url }
  }
}

const decodeEntities = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')

/** The http(s) URLs of a text or HTML (href values and bare URLs), as written (entities decoded). */
export function urlsIn(text: string): string[] {
  const found = new Set<string>()
  for (const m of text.matchAll(/href\s*=\s*("([^"]*)"|'([^']*)')/gi)) {
    const value = decodeEntities((m[2] ?? m[3] ?? '').trim())
    if (/^https?:\/\//i.test(value)) found.add(value)
  }
  for (const m of text.matchAll(/https?:\/\/[^\s"'<>]+/gi))
    found.add(decodeEntities(m[0]).replace(/[.,;:!?)]+$/, ''))
  return [...found]
}
