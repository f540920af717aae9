import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import { textArray } from '../../platform/db/array-literal.ts'
import type { Schema } from '../../platform/db/schema.ts'
import { ProblemError } from '../../platform/problem.ts'
import { TRACKING_PURPOSE } from '../campaign-channels/campaign-tracking.ts'
import type { PersonalField } from '../fields/field-catalog.ts'
import type { Gate, GateActor, GatedSubject } from '../gate/gate.service.ts'
import type { PermissionService } from '../permissions/permission.service.ts'
import type { SegmentEngine } from '../segments/segment-engine.ts'
import type { SegmentGroup } from '../segments/segment-rules.ts'

/** The channels a campaign reaches people on (migration 0038). */
export type LedgerChannel = 'email' | 'sms' | 'post' | 'phone'

/** The segment a campaign is for: its purpose (the one it is evaluated under) and rules. */
export interface LedgerSegment {
  purpose: string
  rules: SegmentGroup
}

/** A channel of a campaign under its direct-marketing purpose. */
export interface LedgerChannelSpec {
  channel: LedgerChannel
  purposeKey: string
}

/** The frequency cap: at most `messages` marketing messages per channel per person within `days`. */
export interface FrequencyCap {
  messages: number
  days: number
}

/** The audience of one channel: segment ∩ permission, less the suppressed and capped. */
export interface ChannelAudienceCount {
  channel: LedgerChannel
  purposeKey: string
  /** Segment ∩ the gate's decision plan for the purpose and channel. */
  permitted: number
  /** Of the permitted: a suppression (hard bounce, complaint) on the channel. */
  suppressed: number
  /** Of the permitted and not suppressed: the frequency cap reached. */
  capped: number
  /** Who is (or would be) queued: permitted − suppressed − capped. */
  audience: number
  /** The members left out by the gate's first denial rule, and `suppressed`, `frequency-cap`. */
  excludedBy: Record<string, number>
}

export interface AudienceCounts {
  countedAt: string
  segment: { total: number }
  channels: ChannelAudienceCount[]
}

/** The audience as decided at a send's start: the segment's total still to be counted (`excluded`). */
export interface DecidedAudience {
  countedAt: string
  segment: { total: number | null }
  channels: ChannelAudienceCount[]
}

/** A ledger row claimed by a batch (now `sending`). */
export interface ClaimedRow {
  subjectId: string
  messageId: string
  attempts: number
}

/** A ledger row's new state after its batch. */
export interface LedgerOutcome {
  subjectId: string
  status: 'sent' | 'queued' | 'failed' | 'skipped'
  reason?: string | undefined
  retryAt?: Date | undefined
  messageId?: string | undefined
}

/** The report's counts of one channel, from the ledger. */
export interface LedgerCounts {
  channel: LedgerChannel
  byStatus: Record<string, number>
  skippedBy: Record<string, number>
  opened: number
  clicked: number
}

const emptyCounts = (channel: LedgerChannel): LedgerCounts => ({
  channel,
  byStatus: {},
  skippedBy: {},
  opened: 0,
  clicked: 0,
})

/** Subject ids per chunk of a decided audience (docs/adr/0022). */
const DEFAULT_CHUNK = 5000
/** The chunks of the n-th range of a split decision are numbered from n × this (an `integer`). */
const CHUNK_BASE = 2 ** 26

/**
 * `n` ranges of the uuid space (split at the first 32 bits), as conditions on `s.id`: random ids
 * spread evenly, and each range is a range scan of the id-ordered indexes.
 */
function idRanges(n: number): { condition: RawBuilder<SqlBool> }[] {
  const bound = (k: number) =>
    `${Math.floor((k * 2 ** 32) / n)
      .toString(16)
      .padStart(8, '0')}-0000-0000-0000-000000000000`
  return Array.from({ length: n }, (_, k) => {
    const lower = k > 0 ? sql<SqlBool>`s.id >= ${bound(k)}::uuid` : sql<SqlBool>`true`
    const upper = k < n - 1 ? sql<SqlBool>`s.id < ${bound(k + 1)}::uuid` : sql<SqlBool>`true`
    return { condition: sql<SqlBool>`${lower} and ${upper}` }
  })
}

export interface LedgerPorts {
  db: Kysely<Schema>
  segments: Pick<SegmentEngine, 'audienceCondition' | 'count'>
  gate: Pick<Gate, 'use'>
  /** The permission service's decision for a set of people (the tracking consent of a batch). */
  permissions: Pick<PermissionService, 'denials'>
  clock?: () => Date
  /**
   * Into how many ranges of the id space an audience decision is split, each decided on its own
   * connection (PostgreSQL: 2; PGlite has one connection: 1).
   */
  parallelism?: number
}

const SENT_STATUSES = sql`('sent', 'delivered', 'bounced')`

/** A new Message-ID of the sender's domain, `<uuid@domain>`, made in SQL where a row is claimed. */
const newMessageId = (domain: string) => sql`'<' || gen_random_uuid()::text || '@' || ${domain} || '>'`

/**
 * The kernel's part of campaigns (issue #17, docs/adr/0020): everything that reads the personal
 * tables — the audience decided into the send ledger in one `insert … select` (segment ∩ the
 * gate's decision plan ∩ not suppressed ∩ under the frequency cap), the batch's claim (committed,
 * `for update skip locked`), the per-batch re-check (suppression, cap, then `Gate.use` under the
 * channel's purpose, which asks the legal basis again and audits the read), the outcomes written
 * set-based, and the report's counts over the ledger. The campaign module (src/modules/campaigns)
 * holds the configuration and drives the send; it never reads these tables itself.
 */
export class CampaignLedger {
  readonly #db: Kysely<Schema>
  readonly #p: LedgerPorts
  readonly #clock: () => Date
  readonly #parallelism: number
  constructor(ports: LedgerPorts) {
    this.#db = ports.db
    this.#p = ports
    this.#clock = ports.clock ?? (() => new Date())
    this.#parallelism = Math.min(Math.max(Math.trunc(ports.parallelism ?? 1), 1), 16)
  }

  #capped(
    campaignId: string | null,
    channel: string,
    cap: FrequencyCap | null,
    now: Date,
  ): RawBuilder<SqlBool> {
    if (!cap) return sql<SqlBool>`false`
    const since = new Date(now.getTime() - cap.days * 86_400_000)
    const other = campaignId === null ? sql`true` : sql`h.campaign_id <> ${campaignId}`
    return sql<SqlBool>`((select count(*) from campaign_delivery h where h.subject_id = s.id and h.channel = ${channel} and ${other} and h.status in ${SENT_STATUSES} and h.sent_at > ${since}) >= ${cap.messages})`
  }

  #suppressed(channel: string): RawBuilder<SqlBool> {
    return sql<SqlBool>`exists (select 1 from campaign_suppression x where x.subject_id = s.id and x.channel = ${channel})`
  }

  /** One channel's counts: the gate's excluded by rule, and the permitted split into suppressed, capped and the rest — two statements side by side (on PostgreSQL on two connections). */
  async #countChannel(
    request: {
      actor: GateActor
      requestId?: string | undefined
      campaignId: string | null
      segment: LedgerSegment
      cap: FrequencyCap | null
    },
    spec: LedgerChannelSpec,
    now: Date,
  ): Promise<{ total: number; channel: ChannelAudienceCount }> {
    const base = {
      actor: request.actor,
      ...(request.requestId ? { requestId: request.requestId } : {}),
      purpose: request.segment.purpose,
      audiencePurpose: spec.purposeKey,
      rules: request.segment.rules,
      where: 'segment',
    }
    const { condition } = await this.#p.segments.audienceCondition({ ...base, channel: spec.channel })
    const [counts, { rows }] = await Promise.all([
      this.#p.segments.count({ ...base, channels: [spec.channel], reasons: true }),
      sql<{ permitted: string; suppressed: string; capped: string }>`
        with c as materialized (
          select ${this.#suppressed(spec.channel)} as sup, ${this.#capped(request.campaignId, spec.channel, request.cap, now)} as capped
          from subject s where ${condition}
        )
        select count(*) as permitted, count(*) filter (where sup) as suppressed,
          count(*) filter (where not sup and capped) as capped from c
      `.execute(this.#db),
    ])
    return { total: counts.total, channel: channelCount(spec, rows[0], counts.audience[0]?.excludedBy) }
  }

  /**
   * The live audience per channel before sending: aggregates only (nobody is read or named), the
   * excluded members by the gate's first denial rule. The actor's role must act under the segment's
   * and each channel's purpose (the segment engine's checks).
   */
  async count(request: {
    actor: GateActor
    requestId?: string | undefined
    campaignId: string | null
    segment: LedgerSegment
    channels: readonly LedgerChannelSpec[]
    cap: FrequencyCap | null
  }): Promise<AudienceCounts> {
    const now = this.#clock()
    const counted = await Promise.all(request.channels.map((spec) => this.#countChannel(request, spec, now)))
    return {
      countedAt: now.toISOString(),
      segment: { total: counted[0]?.total ?? 0 },
      channels: counted.map((c) => c.channel),
    }
  }

  /**
   * Decides the audience when the send starts (docs/adr/0022): per channel one statement takes
   * segment ∩ the gate's decision plan ∩ not suppressed ∩ under the frequency cap — set-based, in
   * one pass — and stores it as chunks of `chunkSize` subject ids (`campaign_audience_chunk`), with
   * the counts of the permitted, suppressed and capped. The segment's total and the excluded by the
   * gate's rule are counted after it (`excluded`): here `segment.total` is null and `excludedBy`
   * holds only `suppressed` and `frequency-cap`. A second run (a crash before the audience was
   * stored) starts the chunks afresh.
   */
  async decide(request: {
    actor: GateActor
    campaignId: string
    segment: LedgerSegment
    channels: readonly LedgerChannelSpec[]
    cap: FrequencyCap | null
    chunkSize?: number
  }): Promise<DecidedAudience> {
    const now = this.#clock()
    const chunkSize = Math.max(Math.trunc(request.chunkSize ?? DEFAULT_CHUNK), 1)
    await this.#db
      .deleteFrom('campaign_audience_chunk')
      .where('campaign_id', '=', request.campaignId)
      .execute()
    const channels = await Promise.all(
      request.channels.map(async (spec) => {
        const { condition } = await this.#p.segments.audienceCondition({
          actor: request.actor,
          purpose: request.segment.purpose,
          audiencePurpose: spec.purposeKey,
          rules: request.segment.rules,
          where: 'segment',
          channel: spec.channel,
        })
        // The id space split into ranges decided side by side (on PostgreSQL, one connection each):
        // each range's chunks are numbered from its own base, so the chunks stay in id order.
        const parts = await Promise.all(
          idRanges(this.#parallelism).map((range, index) =>
            this.#db.transaction().execute(async (trx) => {
              // The chunks' aggregate in memory rather than in temp files; no JIT (its compilation
              // costs more than it saves here); index pages priced as the cached pages they are, so
              // the planner walks the id-ordered indexes in a merge join (migration 0046) instead of
              // hashing a million ids and sorting them again.
              await sql`set local work_mem = '256MB'`.execute(trx)
              await sql`set local jit = off`.execute(trx)
              await sql`set local random_page_cost = 1.1`.execute(trx)
              const { rows } = await sql<{ permitted: string; suppressed: string; capped: string }>`
                with m as (
                  select s.id, ${this.#suppressed(spec.channel)} as sup,
                    ${this.#capped(request.campaignId, spec.channel, request.cap, now)} as capped,
                    (row_number() over (order by s.id) - 1) / ${chunkSize} as chunk
                  from subject s where ${condition} and ${range.condition}
                ), g as (
                  select chunk, count(*) as permitted, count(*) filter (where sup) as suppressed,
                    count(*) filter (where capped and not sup) as capped,
                    array_agg(id) filter (where not sup and not capped) as ids
                  from m group by chunk
                ), ins as (
                  insert into campaign_audience_chunk (campaign_id, channel, chunk, subject_ids)
                  select ${request.campaignId}, ${spec.channel}, ${CHUNK_BASE * index} + chunk, ids
                  from g where ids is not null
                  returning 1
                )
                select coalesce(sum(permitted), 0) as permitted, coalesce(sum(suppressed), 0) as suppressed,
                  coalesce(sum(capped), 0) as capped, (select count(*) from ins) as chunks
                from g
              `.execute(trx)
              return rows[0]
            }),
          ),
        )
        const sum = (key: 'permitted' | 'suppressed' | 'capped') =>
          String(parts.reduce((total, part) => total + Number(part?.[key] ?? 0), 0))
        return channelCount(
          spec,
          { permitted: sum('permitted'), suppressed: sum('suppressed'), capped: sum('capped') },
          undefined,
        )
      }),
    )
    return { countedAt: now.toISOString(), segment: { total: null }, channels }
  }

  /**
   * The rest of a decided audience's counts, taken right after the decision (docs/adr/0022): the
   * segment's members and, per channel, the excluded by the gate's first denial rule — aggregates
   * only, one statement per channel.
   */
  async excluded(request: {
    actor: GateActor
    segment: LedgerSegment
    channels: readonly LedgerChannelSpec[]
  }): Promise<{ countedAt: string; total: number; excludedBy: Map<LedgerChannel, Record<string, number>> }> {
    const countedAt = this.#clock().toISOString()
    let total = 0
    const excludedBy = new Map<LedgerChannel, Record<string, number>>()
    for (const spec of request.channels) {
      const counts = await this.#p.segments.count({
        actor: request.actor,
        purpose: request.segment.purpose,
        audiencePurpose: spec.purposeKey,
        rules: request.segment.rules,
        where: 'segment',
        channels: [spec.channel],
        reasons: true,
      })
      total = counts.total
      excludedBy.set(spec.channel, excludedByReason(counts.audience[0]?.excludedBy, 0, 0))
    }
    return { countedAt, total, excludedBy }
  }

  /**
   * Moves the next chunk of a channel's audience into the ledger as the next batch, claimed at once
   * (`sending`, attempt 1, its Message-ID fixed — as `claim` leaves a row): the chunk's delete and
   * the ledger's insert are one statement (the chunk locked, skipped by a concurrent mover), so a
   * crash moved the whole chunk or none of it, and the rows it moved are `sending` rows the next
   * holder puts back to `queued` (docs/adr/0022). Whoever was erased (or merged away) since the
   * start never enters: the ledger is a record kind of the person, and an erasure must not be
   * followed by a new row about them. Returns the rows that entered, in id order; null when no
   * chunk is left (a send decided before migration 0045 has its whole audience in the ledger).
   */
  async fill(
    campaignId: string,
    channel: LedgerChannel,
    messageDomain: string,
  ): Promise<ClaimedRow[] | null> {
    const now = this.#clock()
    const { rows } = await sql<{ chunks: string; ids: string[] | null; message_ids: string[] | null }>`
      with next as (
        select chunk from campaign_audience_chunk
        where campaign_id = ${campaignId} and channel = ${channel} and not cancelled
        order by chunk limit 1
        for update skip locked
      ), taken as (
        delete from campaign_audience_chunk c using next
        where c.campaign_id = ${campaignId} and c.channel = ${channel} and c.chunk = next.chunk
        returning c.subject_ids
      ), ins as (
        insert into campaign_delivery
          (campaign_id, subject_id, channel, status, attempts, message_id, queued_at, updated_at)
        select ${campaignId}, u.id, ${channel}, 'sending', 1, ${newMessageId(messageDomain)}, ${now}, ${now}
        from taken, unnest(taken.subject_ids) as u(id)
        join subject s on s.id = u.id and s.erased_at is null
        on conflict do nothing
        returning subject_id, message_id
      )
      select (select count(*) from taken) as chunks,
        array_agg(subject_id::text order by subject_id) as ids,
        array_agg(message_id order by subject_id) as message_ids
      from ins
    `.execute(this.#db)
    const row = rows[0]
    if (Number(row?.chunks ?? 0) === 0) return null
    const ids = row?.ids ?? []
    const messageIds = row?.message_ids ?? []
    return ids.map((subjectId, i) => ({ subjectId, messageId: messageIds[i] as string, attempts: 1 }))
  }

  /**
   * Claims up to `limit` due `queued` rows of the campaign's channel for a batch, the first in id
   * order (retries, rows an ended run left, a send decided before chunks): `sending`, attempts + 1,
   * the Message-ID fixed if it isn't yet (`<uuid@domain>`). One committed statement; `for update
   * skip locked` keeps two claimers off each other's rows.
   */
  async claim(
    campaignId: string,
    channel: string,
    limit: number,
    messageDomain: string,
  ): Promise<ClaimedRow[]> {
    const now = this.#clock()
    const due = sql`select subject_id from campaign_delivery
      where campaign_id = ${campaignId} and channel = ${channel} and status = 'queued'
        and (retry_at is null or retry_at <= ${now})
      order by subject_id
      limit ${limit}
      for update skip locked`
    const { rows } = await sql<{ subject_id: string; message_id: string; attempts: number }>`
      with c as (${due})
      update campaign_delivery d set status = 'sending', attempts = d.attempts + 1, updated_at = ${now},
        message_id = coalesce(d.message_id, ${newMessageId(messageDomain)})
      where d.campaign_id = ${campaignId} and d.channel = ${channel}
        and d.subject_id = any (array(select subject_id from c))
      returning d.subject_id, d.message_id, d.attempts
    `.execute(this.#db)
    return rows.map((r) => ({
      subjectId: r.subject_id,
      messageId: r.message_id,
      attempts: Number(r.attempts),
    }))
  }

  /**
   * Rows a process that died left `sending` go back to `queued` (their Message-ID kept, so the
   * resend is recognisable). Only the lease holder calls this, after taking over the lease.
   */
  async requeueSending(campaignId: string): Promise<number> {
    const result = await sql`
      update campaign_delivery set status = 'queued', updated_at = ${this.#clock()}
      where campaign_id = ${campaignId} and status = 'sending'
    `.execute(this.#db)
    return Number(result.numAffectedRows ?? 0)
  }

  /**
   * When the next `queued` row of the campaign is due (null: none left), whether any is `sending`,
   * and the channels whose audience has not yet wholly entered the ledger (`unfilled`).
   */
  async pending(
    campaignId: string,
  ): Promise<{ queued: number; sending: number; nextDue: Date | null; unfilled: string[] }> {
    const { rows } = await sql<{ queued: string; sending: string; next_due: Date | string | null }>`
      select count(*) filter (where status = 'queued') as queued,
        count(*) filter (where status = 'sending') as sending,
        min(coalesce(retry_at, queued_at)) filter (where status = 'queued') as next_due
      from campaign_delivery where campaign_id = ${campaignId} and status in ('queued', 'sending')
    `.execute(this.#db)
    const row = rows[0]
    return {
      queued: Number(row?.queued ?? 0),
      sending: Number(row?.sending ?? 0),
      nextDue: row?.next_due ? new Date(row.next_due) : null,
      unfilled: await this.unfilled(campaignId),
    }
  }

  /** The channels of a send with audience chunks still to enter the ledger (not cancelled). */
  async unfilled(campaignId: string, trx: Kysely<Schema> = this.#db): Promise<string[]> {
    const rows = await trx
      .selectFrom('campaign_audience_chunk')
      .select('channel')
      .distinct()
      .where('campaign_id', '=', campaignId)
      .where('cancelled', '=', false)
      .execute()
    return rows.map((r) => r.channel)
  }

  /**
   * The per-batch re-check (docs/adr/0020): suppressed → skipped `suppressed`; the frequency cap
   * reached → `frequency-cap`; the rest read through `Gate.use` under the channel's purpose and
   * channel — the gate asks the legal basis again (a withdrawal, objection, restriction or erasure
   * since the start denies; its rule becomes the reason) and audits the read of `fields`.
   */
  async recheck(request: {
    actor: GateActor
    campaignId: string
    channel: LedgerChannel
    purposeKey: string
    subjectIds: readonly string[]
    fields: readonly PersonalField[]
    cap: FrequencyCap | null
    requestId?: string | undefined
  }): Promise<{ permitted: GatedSubject[]; skipped: { subjectId: string; reason: string }[] }> {
    const ids = request.subjectIds
    if (ids.length === 0) return { permitted: [], skipped: [] }
    const now = this.#clock()
    const { rows } = await sql<{ id: string; sup: boolean; capped: boolean }>`
      select s.id, ${this.#suppressed(request.channel)} as sup,
        ${this.#capped(request.campaignId, request.channel, request.cap, now)} as capped
      from unnest(${textArray(ids)}::uuid[]) as s(id)
    `.execute(this.#db)
    const skipped: { subjectId: string; reason: string }[] = []
    const rest: string[] = []
    for (const row of rows) {
      if (row.sup) skipped.push({ subjectId: row.id, reason: 'suppressed' })
      else if (row.capped) skipped.push({ subjectId: row.id, reason: 'frequency-cap' })
      else rest.push(row.id)
    }
    if (rest.length === 0) return { permitted: [], skipped }
    const used = await this.#p.gate.use({
      actor: request.actor,
      purpose: request.purposeKey,
      channel: request.channel,
      subjectIds: rest,
      fields: request.fields,
      reason: `campaign ${request.campaignId} on ${request.channel}`,
      ...(request.requestId ? { requestId: request.requestId } : {}),
    })
    for (const d of used.denied) skipped.push({ subjectId: d.subjectId, reason: d.rule })
    const seen = new Set([...used.subjects.map((s) => s.id), ...used.denied.map((d) => d.subjectId)])
    // Not found at all: erased (or merged away) since the start.
    for (const id of rest) if (!seen.has(id)) skipped.push({ subjectId: id, reason: 'erased' })
    return { permitted: used.subjects, skipped }
  }

  /**
   * Of a batch's permitted people (e-mail of a campaign with `trackOpens`): those whose consent to
   * `web_tracking` on `web` holds now — the permission service's decision (consent given and not
   * withdrawn, no objection, no restriction), one query for the batch. Only their mails get the
   * open pixel and the click redirects; everyone else's goes out untracked. Without the purpose in
   * the registry nobody is tracked. Nothing is read or audited: it decides the form of a message.
   */
  async trackingConsents(subjectIds: readonly string[]): Promise<Set<string>> {
    if (subjectIds.length === 0) return new Set()
    let denied: Map<string, unknown>
    try {
      denied = await this.#p.permissions.denials({
        purposeKey: TRACKING_PURPOSE,
        channel: 'web',
        subjectIds,
      })
    } catch (error) {
      if (error instanceof ProblemError && error.kind === 'not-found') return new Set()
      throw error
    }
    return new Set(subjectIds.filter((id) => !denied.has(id)))
  }

  /** Writes a batch's outcomes in one statement; only rows still `sending` move (a late writer changes nothing). */
  async record(campaignId: string, channel: string, outcomes: readonly LedgerOutcome[]): Promise<number> {
    if (outcomes.length === 0) return 0
    const now = this.#clock()
    const result = await sql`
      update campaign_delivery d set status = u.status, reason = u.reason, retry_at = u.retry_at,
        message_id = coalesce(u.message_id, d.message_id), updated_at = ${now},
        sent_at = case when u.status = 'sent' then ${now}::timestamptz else d.sent_at end
      from unnest(
        ${textArray(outcomes.map((o) => o.subjectId))}::uuid[],
        ${textArray(outcomes.map((o) => o.status))}::text[],
        ${textArray(outcomes.map((o) => o.reason ?? null))}::text[],
        ${textArray(outcomes.map((o) => o.retryAt?.toISOString() ?? null))}::timestamptz[],
        ${textArray(outcomes.map((o) => o.messageId ?? null))}::text[]
      ) as u(subject_id, status, reason, retry_at, message_id)
      where d.campaign_id = ${campaignId} and d.channel = ${channel} and d.subject_id = u.subject_id
        and d.status = 'sending'
    `.execute(this.#db)
    return Number(result.numAffectedRows ?? 0)
  }

  /**
   * Cancelling: the rows not yet sent become `skipped` (`cancelled`), and the audience not yet
   * entered never enters (the cursors stop; the report counts that rest as cancelled).
   */
  async cancelQueued(campaignId: string, trx: Kysely<Schema> = this.#db): Promise<number> {
    await trx
      .updateTable('campaign_audience_chunk')
      .set({ cancelled: true })
      .where('campaign_id', '=', campaignId)
      .execute()
    const result = await sql`
      update campaign_delivery set status = 'skipped', reason = 'cancelled', updated_at = ${this.#clock()}
      where campaign_id = ${campaignId} and status = 'queued'
    `.execute(trx)
    return Number(result.numAffectedRows ?? 0)
  }

  async hasRows(campaignId: string, trx: Kysely<Schema> = this.#db): Promise<boolean> {
    const { rows } = await sql<{ n: number }>`
      select 1 as n from campaign_delivery where campaign_id = ${campaignId} limit 1
    `.execute(trx)
    return rows.length > 0
  }

  /**
   * The report's counts: per channel, status and reason; opens and clicks. The audience still in
   * chunks counts as `queued` (or `skipped` `cancelled`). Aggregates only.
   */
  async counts(campaignId: string): Promise<LedgerCounts[]> {
    const { rows } = await sql<{
      channel: LedgerChannel
      status: string
      reason: string | null
      n: string
      opened: string
      clicked: string
    }>`
      select channel, status, reason, count(*) as n, count(opened_at) as opened, count(clicked_at) as clicked
      from campaign_delivery where campaign_id = ${campaignId}
      group by channel, status, reason
    `.execute(this.#db)
    // The audience not yet in the ledger: waiting, or cancelled before it entered.
    const chunks = await sql<{ channel: LedgerChannel; cancelled: boolean; n: string }>`
      select channel, cancelled, sum(cardinality(subject_ids)) as n from campaign_audience_chunk
      where campaign_id = ${campaignId} group by channel, cancelled
    `.execute(this.#db)
    const out = new Map<LedgerChannel, LedgerCounts>()
    for (const r of chunks.rows) {
      const c = out.get(r.channel) ?? emptyCounts(r.channel)
      const n = Number(r.n)
      if (r.cancelled) {
        c.byStatus.skipped = (c.byStatus.skipped ?? 0) + n
        c.skippedBy.cancelled = (c.skippedBy.cancelled ?? 0) + n
      } else c.byStatus.queued = (c.byStatus.queued ?? 0) + n
      out.set(r.channel, c)
    }
    for (const r of rows) {
      const c = out.get(r.channel) ?? emptyCounts(r.channel)
      const n = Number(r.n)
      c.byStatus[r.status] = (c.byStatus[r.status] ?? 0) + n
      if (r.status === 'skipped')
        c.skippedBy[r.reason ?? 'unknown'] = (c.skippedBy[r.reason ?? 'unknown'] ?? 0) + n
      c.opened += Number(r.opened)
      c.clicked += Number(r.clicked)
      out.set(r.channel, c)
    }
    return [...out.values()]
  }

  /** Sent, failed and bounced per minute (or hour) bucket, for the report's chart. */
  async timeline(
    campaignId: string,
    bucket: 'minute' | 'hour',
  ): Promise<{ at: string; sent: number; failed: number; bounced: number }[]> {
    const { rows } = await sql<{ at: Date | string; sent: string; failed: string; bounced: string }>`
      select date_trunc(${bucket}, coalesce(sent_at, updated_at)) as at,
        count(*) filter (where status in ('sent', 'delivered', 'bounced') and sent_at is not null) as sent,
        count(*) filter (where status = 'failed') as failed,
        count(*) filter (where status = 'bounced') as bounced
      from campaign_delivery
      where campaign_id = ${campaignId} and status in ('sent', 'delivered', 'bounced', 'failed')
      group by 1 order by 1
    `.execute(this.#db)
    return rows.map((r) => ({
      at: new Date(r.at).toISOString(),
      sent: Number(r.sent),
      failed: Number(r.failed),
      bounced: Number(r.bounced),
    }))
  }

  /**
   * Unsubscribes attributable to the campaign on a channel: the people it reached (sent, delivered)
   * who, since the send started, withdrew their consent for the channel's purpose on the channel or
   * raised an objection covering it (to the purpose, the channel or all marketing). Counted once
   * per person.
   */
  async unsubscribed(campaignId: string, channel: string, purposeKey: string, since: Date): Promise<number> {
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from campaign_delivery d
      where d.campaign_id = ${campaignId} and d.channel = ${channel} and d.status in ('sent', 'delivered')
        and (
          exists (select 1 from consent_event e where e.subject_id = d.subject_id and e.purpose_key = ${purposeKey}
            and e.channel = ${channel} and e.kind = 'withdrawn' and e.occurred_at >= ${since})
          or exists (select 1 from objection_event o where o.subject_id = d.subject_id and o.action = 'raised'
            and o.occurred_at >= ${since}
            and (o.scope = 'all_marketing' or (o.scope = 'purpose' and o.purpose_key = ${purposeKey})
              or (o.scope = 'channel' and o.channel = ${channel})))
        )
    `.execute(this.#db)
    return Number(rows[0]?.n ?? 0)
  }

  /** One keyset page of pseudonymous ledger rows (subject id, no name or address), by subject id. */
  async deliveries(
    campaignId: string,
    query: {
      channel?: string | undefined
      status?: string | undefined
      after?: string | undefined
      limit: number
    },
  ): Promise<{
    items: {
      subjectId: string
      channel: LedgerChannel
      status: string
      reason: string | null
      attempts: number
      sentAt: string | null
    }[]
    nextCursor: string | null
  }> {
    const [afterSubject, afterChannel] = (query.after ?? '').split('.')
    const { rows } = await sql<{
      subject_id: string
      channel: LedgerChannel
      status: string
      reason: string | null
      attempts: number
      sent_at: Date | null
    }>`
      select subject_id, channel, status, reason, attempts, sent_at from campaign_delivery
      where campaign_id = ${campaignId}
        ${query.channel ? sql`and channel = ${query.channel}` : sql``}
        ${query.status ? sql`and status = ${query.status}` : sql``}
        ${query.after ? sql`and (subject_id, channel) > (${afterSubject}::uuid, ${afterChannel ?? ''})` : sql``}
      order by subject_id, channel
      limit ${query.limit}
    `.execute(this.#db)
    const items = rows.map((r) => ({
      subjectId: r.subject_id,
      channel: r.channel,
      status: r.status,
      reason: r.reason,
      attempts: Number(r.attempts),
      sentAt: r.sent_at ? new Date(r.sent_at).toISOString() : null,
    }))
    const last = items.at(-1)
    return {
      items,
      nextCursor: items.length === query.limit && last ? `${last.subjectId}.${last.channel}` : null,
    }
  }
}

/** One channel's audience from its counting statement's row and the gate's excluded by rule. */
function channelCount(
  spec: LedgerChannelSpec,
  row: { permitted: string; suppressed: string; capped: string } | undefined,
  rules: Partial<Record<string, number>> | undefined,
): ChannelAudienceCount {
  const permitted = Number(row?.permitted ?? 0)
  const suppressed = Number(row?.suppressed ?? 0)
  const capped = Number(row?.capped ?? 0)
  return {
    channel: spec.channel,
    purposeKey: spec.purposeKey,
    permitted,
    suppressed,
    capped,
    audience: permitted - suppressed - capped,
    excludedBy: excludedByReason(rules, suppressed, capped),
  }
}

function excludedByReason(
  rules: Partial<Record<string, number>> | undefined,
  suppressed: number,
  capped: number,
): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [rule, n] of Object.entries(rules ?? {})) if (n) out[rule] = n
  if (suppressed) out.suppressed = suppressed
  if (capped) out['frequency-cap'] = capped
  return out
}
