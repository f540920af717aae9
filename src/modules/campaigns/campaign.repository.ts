import { type Kysely, type Selectable, sql } from 'kysely'
import type { CampaignTable, Schema } from '../../platform/db/schema.ts'
import type { CampaignChannel } from './channels/channel-sender.ts'

export type CampaignRow = Selectable<CampaignTable>

export interface ChannelRow {
  channel: CampaignChannel
  purposeKey: string
  recipientId: string | null
}

export interface ContentRow {
  channel: CampaignChannel
  lang: 'de' | 'en'
  subject: string
  bodyText: string
  bodyHtml: string | null
}

/** A campaign with its channels and content, as stored. */
export interface StoredCampaign {
  row: CampaignRow
  channels: ChannelRow[]
  content: ContentRow[]
}

/** What a save writes. */
export interface CampaignWrite {
  name: string
  description: string
  segmentId: string
  defaultLang: 'de' | 'en'
  capMessages: number | null
  capDays: number | null
  trackOpens: boolean
  channels: ChannelRow[]
  content: ContentRow[]
}

/**
 * The campaign's configuration tables (campaign, campaign_channel, campaign_content): not personal
 * data. The send ledger and suppressions are the kernel's (src/privacy/campaigns).
 */
export class CampaignRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  transaction<T>(work: (trx: Kysely<Schema>) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute(work)
  }

  async list(): Promise<StoredCampaign[]> {
    const rows = await this.#db.selectFrom('campaign').selectAll().orderBy('created_at', 'desc').execute()
    return this.#withChildren(rows)
  }

  async find(id: string, trx: Kysely<Schema> = this.#db): Promise<StoredCampaign | undefined> {
    const row = await trx.selectFrom('campaign').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) return undefined
    return (await this.#withChildren([row], trx))[0]
  }

  async lock(id: string, trx: Kysely<Schema>): Promise<CampaignRow | undefined> {
    return trx.selectFrom('campaign').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
  }

  async #withChildren(rows: CampaignRow[], db: Kysely<Schema> = this.#db): Promise<StoredCampaign[]> {
    if (rows.length === 0) return []
    const ids = rows.map((r) => r.id)
    const [channels, content] = await Promise.all([
      db
        .selectFrom('campaign_channel')
        .selectAll()
        .where('campaign_id', 'in', ids)
        .orderBy('channel')
        .execute(),
      db
        .selectFrom('campaign_content')
        .selectAll()
        .where('campaign_id', 'in', ids)
        .orderBy('channel')
        .orderBy('lang')
        .execute(),
    ])
    return rows.map((row) => ({
      row,
      channels: channels
        .filter((c) => c.campaign_id === row.id)
        .map((c) => ({ channel: c.channel, purposeKey: c.purpose_key, recipientId: c.recipient_id })),
      content: content
        .filter((c) => c.campaign_id === row.id)
        .map((c) => ({
          channel: c.channel,
          lang: c.lang,
          subject: c.subject,
          bodyText: c.body_text,
          bodyHtml: c.body_html,
        })),
    }))
  }

  async insert(
    write: CampaignWrite,
    meta: { at: Date; actor: { type: string; id: string } },
    trx: Kysely<Schema>,
  ): Promise<string> {
    const { id } = await trx
      .insertInto('campaign')
      .values({
        name: write.name,
        description: write.description,
        segment_id: write.segmentId,
        default_lang: write.defaultLang,
        cap_messages: write.capMessages,
        cap_days: write.capDays,
        track_opens: write.trackOpens,
        created_at: meta.at,
        updated_at: meta.at,
        created_by_type: meta.actor.type,
        created_by_id: meta.actor.id,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await this.#writeChildren(id, write, trx)
    return id
  }

  async update(
    id: string,
    version: number,
    write: CampaignWrite,
    at: Date,
    trx: Kysely<Schema>,
  ): Promise<void> {
    await trx
      .updateTable('campaign')
      .set({
        name: write.name,
        description: write.description,
        segment_id: write.segmentId,
        default_lang: write.defaultLang,
        cap_messages: write.capMessages,
        cap_days: write.capDays,
        track_opens: write.trackOpens,
        version,
        updated_at: at,
      })
      .where('id', '=', id)
      .execute()
    await trx.deleteFrom('campaign_channel').where('campaign_id', '=', id).execute()
    await trx.deleteFrom('campaign_content').where('campaign_id', '=', id).execute()
    await this.#writeChildren(id, write, trx)
  }

  async #writeChildren(id: string, write: CampaignWrite, trx: Kysely<Schema>): Promise<void> {
    if (write.channels.length > 0)
      await trx
        .insertInto('campaign_channel')
        .values(
          write.channels.map((c) => ({
            campaign_id: id,
            channel: c.channel,
            purpose_key: c.purposeKey,
            recipient_id: c.recipientId,
          })),
        )
        .execute()
    if (write.content.length > 0)
      await trx
        .insertInto('campaign_content')
        .values(
          write.content.map((c) => ({
            campaign_id: id,
            channel: c.channel,
            lang: c.lang,
            subject: c.subject,
            body_text: c.bodyText,
            body_html: c.bodyHtml,
          })),
        )
        .execute()
  }

  /** Moves the status (and what goes with it); `from`: only from these. Returns whether it moved. */
  async setStatus(
    id: string,
    from: readonly CampaignRow['status'][],
    set: Partial<Pick<CampaignRow, 'status' | 'scheduled_at' | 'started_at' | 'finished_at'>> & { at: Date },
    trx: Kysely<Schema> = this.#db,
  ): Promise<boolean> {
    const { at, ...rest } = set
    const result = await trx
      .updateTable('campaign')
      .set({ ...rest, updated_at: at, version: sql`version + 1` })
      .where('id', '=', id)
      .where('status', 'in', [...from])
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async delete(id: string, trx: Kysely<Schema>): Promise<void> {
    await trx.deleteFrom('campaign').where('id', '=', id).execute()
  }

  async segmentName(id: string | null): Promise<{ id: string; name: string; version: number } | null> {
    if (!id) return null
    const row = await this.#db
      .selectFrom('segment')
      .select(['id', 'name', 'version'])
      .where('id', '=', id)
      .executeTakeFirst()
    return row ?? null
  }

  async segmentNames(): Promise<Map<string, string>> {
    const rows = await this.#db.selectFrom('segment').select(['id', 'name']).execute()
    return new Map(rows.map((r) => [r.id, r.name]))
  }

  /**
   * Takes (or renews) the send's lease for `owner`: only a campaign that is due (scheduled and its
   * time come, or sending) and whose lease is free, ran out or is the owner's. Returns the row.
   */
  async takeLease(id: string, owner: string, now: Date, seconds: number): Promise<CampaignRow | undefined> {
    return this.#db
      .updateTable('campaign')
      .set({ send_lease_owner: owner, send_lease_until: new Date(now.getTime() + seconds * 1000) })
      .where('id', '=', id)
      .where((eb) =>
        eb.or([
          eb('status', '=', 'sending'),
          eb.and([
            eb('status', '=', 'scheduled'),
            eb.or([eb('scheduled_at', 'is', null), eb('scheduled_at', '<=', now)]),
          ]),
        ]),
      )
      .where((eb) =>
        eb.or([
          eb('send_lease_until', 'is', null),
          eb('send_lease_until', '<', now),
          eb('send_lease_owner', '=', owner),
        ]),
      )
      .returningAll()
      .executeTakeFirst()
  }

  /** Renews the owner's lease; the campaign's status, or undefined when the lease is lost. */
  async renewLease(id: string, owner: string, now: Date, seconds: number): Promise<CampaignRow | undefined> {
    return this.#db
      .updateTable('campaign')
      .set({ send_lease_until: new Date(now.getTime() + seconds * 1000) })
      .where('id', '=', id)
      .where('send_lease_owner', '=', owner)
      .returningAll()
      .executeTakeFirst()
  }

  async releaseLease(id: string, owner: string): Promise<void> {
    await this.#db
      .updateTable('campaign')
      .set({ send_lease_owner: null, send_lease_until: null })
      .where('id', '=', id)
      .where('send_lease_owner', '=', owner)
      .execute()
  }

  async markStarted(id: string, at: Date, segmentVersion: number | null): Promise<void> {
    await this.#db
      .updateTable('campaign')
      .set({ status: 'sending', started_at: at, segment_version: segmentVersion, updated_at: at })
      .where('id', '=', id)
      .where('status', '=', 'scheduled')
      .execute()
  }

  async setAudience(id: string, audience: Record<string, unknown>): Promise<void> {
    await this.#db
      .updateTable('campaign')
      .set({ audience: JSON.stringify(audience) as never })
      .where('id', '=', id)
      .execute()
  }

  async markSent(id: string, at: Date): Promise<boolean> {
    const result = await this.#db
      .updateTable('campaign')
      .set({
        status: 'sent',
        finished_at: at,
        updated_at: at,
        send_lease_owner: null,
        send_lease_until: null,
      })
      .where('id', '=', id)
      .where('status', '=', 'sending')
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  /** Campaigns a send should run for now: scheduled and due, or sending with a free lease. */
  async due(now: Date): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('campaign')
      .select('id')
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'scheduled'), eb('scheduled_at', '<=', now)]),
          eb.and([
            eb('status', '=', 'sending'),
            eb.or([eb('send_lease_until', 'is', null), eb('send_lease_until', '<', now)]),
          ]),
        ]),
      )
      .execute()
    return rows.map((r) => r.id)
  }
}
