import { type Kysely, sql } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'

/** The channels of the send ledger (migration 0038). */
export type LedgerChannel = 'email' | 'sms' | 'post' | 'phone'
/** The statuses of a ledger row (migration 0038). */
export type LedgerStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'bounced' | 'failed' | 'skipped'
/** What an agent records of a call (migration 0040). */
export type CallOutcome = 'reached' | 'no-answer' | 'wrong-number' | 'callback' | 'objected' | 'withdrawn'

/** A campaign's channel with what the channels' kernel needs of the campaign. */
export interface CampaignChannelRow {
  campaignId: string
  name: string
  status: string
  defaultLang: 'de' | 'en'
  channel: LedgerChannel
  purposeKey: string
  recipientId: string | null
}

/** One ledger row as the channels read it (no message id: that is the sender's business). */
export interface LedgerRow {
  subjectId: string
  status: LedgerStatus
  reason: string | null
  attempts: number
  sentAt: Date | null
}

/** A ledger row found by the message id a bounce or a delivery report names. */
export interface LedgerMatch {
  campaignId: string
  subjectId: string
  channel: LedgerChannel
  status: LedgerStatus
}

/**
 * The SQL of the campaign channels' kernel part: the send ledger's rows of one channel, their
 * outcomes, suppressions, the agents' calls and the print lists. Only `privacy/` uses it.
 */
export class CampaignChannelRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** The campaign and its channel; undefined: no such campaign; `channel` null: the campaign lacks it. */
  async channel(
    campaignId: string,
    channel: LedgerChannel,
    db = this.#db,
  ): Promise<
    | {
        campaign: Omit<CampaignChannelRow, 'channel' | 'purposeKey' | 'recipientId'>
        channel: CampaignChannelRow | null
      }
    | undefined
  > {
    const campaign = await db
      .selectFrom('campaign')
      .select(['id', 'name', 'status', 'default_lang'])
      .where('id', '=', campaignId)
      .executeTakeFirst()
    if (!campaign) return undefined
    const row = await db
      .selectFrom('campaign_channel')
      .select(['purpose_key', 'recipient_id'])
      .where('campaign_id', '=', campaignId)
      .where('channel', '=', channel)
      .executeTakeFirst()
    const base = {
      campaignId: campaign.id,
      name: campaign.name,
      status: campaign.status,
      defaultLang: campaign.default_lang,
    }
    return {
      campaign: base,
      channel: row ? { ...base, channel, purposeKey: row.purpose_key, recipientId: row.recipient_id } : null,
    }
  }

  /** The campaign's content on a channel, per language. */
  content(
    campaignId: string,
    channel: LedgerChannel,
  ): Promise<{ lang: 'de' | 'en'; subject: string; body_text: string }[]> {
    return this.#db
      .selectFrom('campaign_content')
      .select(['lang', 'subject', 'body_text'])
      .where('campaign_id', '=', campaignId)
      .where('channel', '=', channel)
      .orderBy('lang')
      .execute()
  }

  /** A keyset page (by subject id) of the campaign's ledger rows on a channel in the given statuses. */
  async ledgerPage(
    query: {
      campaignId: string
      channel: LedgerChannel
      statuses: readonly LedgerStatus[]
      after?: string | undefined
      limit: number
    },
    db = this.#db,
  ): Promise<LedgerRow[]> {
    const rows = await db
      .selectFrom('campaign_delivery')
      .select(['subject_id', 'status', 'reason', 'attempts', 'sent_at'])
      .where('campaign_id', '=', query.campaignId)
      .where('channel', '=', query.channel)
      .where('status', 'in', [...query.statuses])
      .$if(query.after !== undefined, (qb) => qb.where('subject_id', '>', query.after as string))
      .orderBy('subject_id')
      .limit(query.limit)
      .execute()
    return rows.map((r) => ({
      subjectId: r.subject_id,
      status: r.status,
      reason: r.reason,
      attempts: r.attempts,
      sentAt: r.sent_at,
    }))
  }

  /** One ledger row. */
  async ledgerRow(
    campaignId: string,
    subjectId: string,
    channel: LedgerChannel,
    db = this.#db,
  ): Promise<LedgerRow | undefined> {
    return (await this.ledgerPageOf(campaignId, channel, [subjectId], db))[0]
  }

  async ledgerPageOf(
    campaignId: string,
    channel: LedgerChannel,
    subjectIds: readonly string[],
    db = this.#db,
  ): Promise<LedgerRow[]> {
    if (subjectIds.length === 0) return []
    const rows = await db
      .selectFrom('campaign_delivery')
      .select(['subject_id', 'status', 'reason', 'attempts', 'sent_at'])
      .where('campaign_id', '=', campaignId)
      .where('channel', '=', channel)
      .where('subject_id', 'in', [...subjectIds])
      .execute()
    return rows.map((r) => ({
      subjectId: r.subject_id,
      status: r.status,
      reason: r.reason,
      attempts: r.attempts,
      sentAt: r.sent_at,
    }))
  }

  /**
   * Moves ledger rows on: to `status` with `reason`, only from one of `from` (a row moved on by
   * someone else meanwhile stays as it is). Returns how many rows moved.
   */
  async setOutcome(
    rows: readonly { campaignId: string; subjectId: string; channel: LedgerChannel; reason: string | null }[],
    status: LedgerStatus,
    from: readonly LedgerStatus[],
    now: Date,
    db = this.#db,
  ): Promise<number> {
    let moved = 0
    for (const row of rows) {
      const result = await db
        .updateTable('campaign_delivery')
        .set({ status, reason: row.reason, updated_at: now })
        .where('campaign_id', '=', row.campaignId)
        .where('subject_id', '=', row.subjectId)
        .where('channel', '=', row.channel)
        .where('status', 'in', [...from])
        .executeTakeFirst()
      moved += Number(result.numUpdatedRows)
    }
    return moved
  }

  /** Sets the reason only (a soft bounce, a call without an answer): the status stays. */
  async setReason(
    row: { campaignId: string; subjectId: string; channel: LedgerChannel },
    reason: string,
    now: Date,
    db = this.#db,
  ): Promise<void> {
    await db
      .updateTable('campaign_delivery')
      .set({ reason, updated_at: now })
      .where('campaign_id', '=', row.campaignId)
      .where('subject_id', '=', row.subjectId)
      .where('channel', '=', row.channel)
      .execute()
  }

  /** The ledger rows whose message id is one of `messageIds` (a Message-ID with and without brackets). */
  async byMessageId(messageIds: readonly string[], db = this.#db): Promise<LedgerMatch[]> {
    if (messageIds.length === 0) return []
    const rows = await db
      .selectFrom('campaign_delivery')
      .select(['campaign_id', 'subject_id', 'channel', 'status'])
      .where('message_id', 'in', [...messageIds])
      .limit(10)
      .execute()
    return rows.map((r) => ({
      campaignId: r.campaign_id,
      subjectId: r.subject_id,
      channel: r.channel,
      status: r.status,
    }))
  }

  /** Suppresses a channel for a person (the first reason stays); whether it was new. */
  async suppress(
    entry: {
      subjectId: string
      channel: LedgerChannel
      reason: 'hard-bounce' | 'complaint' | 'manual'
      detail: string
    },
    now: Date,
    db = this.#db,
  ): Promise<boolean> {
    const result = await db
      .insertInto('campaign_suppression')
      .values({
        subject_id: entry.subjectId,
        channel: entry.channel,
        reason: entry.reason,
        detail: entry.detail.slice(0, 500),
        created_at: now,
      })
      .onConflict((oc) => oc.columns(['subject_id', 'channel']).doNothing())
      .executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0
  }

  /** Records a call; its id. */
  async insertCall(
    row: {
      subjectId: string
      campaignId: string
      outcome: CallOutcome
      noteSealed: Uint8Array | null
      agentType: string
      agentId: string
      occurredAt: Date
    },
    db = this.#db,
  ): Promise<string> {
    const inserted = await db
      .insertInto('campaign_call')
      .values({
        subject_id: row.subjectId,
        campaign_id: row.campaignId,
        outcome: row.outcome,
        note_sealed: row.noteSealed ? Buffer.from(row.noteSealed) : null,
        agent_type: row.agentType,
        agent_id: row.agentId,
        occurred_at: row.occurredAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return inserted.id
  }

  /** Per subject of the set: how many calls of the campaign, and the last one's outcome and time. */
  async callsOf(
    campaignId: string,
    subjectIds: readonly string[],
  ): Promise<Map<string, { calls: number; lastOutcome: CallOutcome; lastAt: Date }>> {
    if (subjectIds.length === 0) return new Map()
    const { rows } = await sql<{
      subject_id: string
      calls: number
      outcome: CallOutcome
      occurred_at: Date
    }>`
      select subject_id, calls, outcome, occurred_at from (
        select subject_id, outcome, occurred_at,
          count(*) over (partition by subject_id) as calls,
          row_number() over (partition by subject_id order by occurred_at desc, id desc) as n
        from campaign_call
        where campaign_id = ${campaignId}::uuid and subject_id = any(${[...subjectIds]}::uuid[])
      ) c
      where n = 1
    `.execute(this.#db)
    return new Map(
      rows.map((r) => [
        r.subject_id,
        { calls: Number(r.calls), lastOutcome: r.outcome, lastAt: new Date(r.occurred_at) },
      ]),
    )
  }

  /** Records a print list handed to the letter shop. */
  async insertPrintList(
    row: {
      id: string
      campaignId: string
      disclosureId: string
      format: 'csv' | 'xlsx'
      rows: number
      leftOut: number
      leftOutBy: Record<string, number>
      actorType: string
      actorId: string
      at: Date
    },
    db = this.#db,
  ): Promise<void> {
    await db
      .insertInto('campaign_print_list')
      .values({
        id: row.id,
        campaign_id: row.campaignId,
        disclosure_id: row.disclosureId,
        format: row.format,
        row_count: row.rows,
        left_out: row.leftOut,
        left_out_by: JSON.stringify(row.leftOutBy),
        actor_type: row.actorType,
        actor_id: row.actorId,
        created_at: row.at,
      })
      .execute()
  }

  /** The print lists of a campaign, newest first. */
  printLists(campaignId: string) {
    return this.#db
      .selectFrom('campaign_print_list')
      .select(['id', 'disclosure_id', 'format', 'row_count', 'left_out', 'left_out_by', 'created_at'])
      .where('campaign_id', '=', campaignId)
      .orderBy('created_at', 'desc')
      .execute()
  }
}
