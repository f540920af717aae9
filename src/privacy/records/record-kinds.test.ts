import { randomBytes, randomUUID } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import { beforeAll, describe, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import type { Schema } from '../../platform/db/schema.ts'
import type { GateActor } from '../gate/gate.service.ts'
import { dsrAnswerAad, dsrDetailsAad } from '../requests/dsr.ts'
import {
  CAMPAIGN_CALL_NOTE_AAD,
  NOTE_AAD,
  type PersonalTable,
  RECORD_KINDS,
  type RegisteredKind,
} from './record-kinds.ts'

const ADMIN: GateActor = { type: 'user', id: 'registry-test', role: 'admin' }
/**
 * Kinds the test leaves empty: the vault's identifier rows of before migration 0014, a restriction
 * in force (it would keep the merge from using the subject at all), and the audit trail's subject
 * sets (only for records naming thousands).
 */
const EMPTY = new Set<string>(['subject_identifier', 'restriction_state', 'audit_subject_set'])
const json = (value: unknown) => JSON.stringify(value) as unknown as Record<string, unknown>

describe('the registry of personal record kinds', () => {
  it('registers each table once', () => {
    const tables = RECORD_KINDS.map((k) => k.table)
    expect(new Set(tables).size).toBe(tables.length)
  })

  it('sends every kind shown elsewhere, or timed by another, to a registered kind with its own section or clock', () => {
    const byTable = new Map<string, RegisteredKind>(RECORD_KINDS.map((k) => [k.table, k]))
    for (const kind of RECORD_KINDS) {
      if ('within' in kind.report)
        expect(byTable.get(kind.report.within)?.report, kind.table).toHaveProperty('title')
      if (typeof kind.retention !== 'string')
        expect(typeof byTable.get(kind.retention.with)?.retention, kind.table).toBe('string')
    }
  })

  it("leaves the subject as the one tombstone, and the vault's tables to the shredding", () => {
    // The subject stays (tombstone); the vault's tables go with the key (shred); both are the vault's.
    expect(RECORD_KINDS.filter((k) => k.erasure === 'tombstone').map((k) => k.table)).toEqual(['subject'])
    expect(
      RECORD_KINDS.filter((k) => k.erasure === 'shred')
        .map((k) => k.table)
        .sort(),
    ).toEqual(['blind_index', 'subject_identifier', 'subject_key'])
  })
})

/**
 * What erasure and merge do, per kind, is what the registry says: one row of every kind the
 * kernel writes for a duplicate and its survivor, then a merge and an erasure, each checked
 * against the kind's registered action.
 */
describeEachEngine('erasure and merge follow the registry', (runtime) => {
  let db: Kysely<Schema>
  let survivor: string
  let duplicate: string
  const count = async (table: PersonalTable, subjectId: string): Promise<number> => {
    const column =
      table === 'subject' ? sql.ref('id') : table === 'audit_event' ? null : sql.ref('subject_id')
    const { rows } = await (column
      ? sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where ${column} = ${subjectId}::uuid`
      : sql<{ n: number }>`select count(*) as n from audit_event where ${subjectId}::uuid = any(subject_ids)`
    ).execute(db)
    return Number(rows[0]?.n)
  }
  const counts = async (subjectId: string) =>
    new Map(
      await Promise.all(RECORD_KINDS.map(async (k) => [k.table, await count(k.table, subjectId)] as const)),
    )

  /** One row of every kind the kernel writes beside the vault and the audit trail. */
  async function fill(subjectId: string, organisationId: string): Promise<void> {
    const { vault } = runtime().services
    const now = new Date()
    const order = await db
      .insertInto('customer_order')
      .values({
        subject_id: subjectId,
        order_number: 'A-1',
        ordered_at: now,
        status: 'fulfilled',
        currency: 'EUR',
        total_cents: 100,
        item_count: 1,
        payment_method: null,
        source: 'test',
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await db
      .insertInto('order_line')
      .values({ subject_id: subjectId, order_id: order.id, line_no: 1, quantity: 1, unit_price_cents: 100 })
      .execute()
    // Paid, and its retention period long run (§ 147(3) AO): no legal hold keeps it from an erasure.
    await db
      .insertInto('invoice')
      .values({
        subject_id: subjectId,
        invoice_number: 'R-1',
        order_id: order.id,
        issued_at: new Date('2010-06-01T00:00:00Z'),
        due_on: '2010-06-30',
        amount_cents: 100,
        currency: 'EUR',
        paid_at: new Date('2010-06-15T00:00:00Z'),
        created_at: now,
      })
      .execute()
    await db
      .insertInto('touchpoint')
      .values({
        subject_id: subjectId,
        type: 'page_view',
        channel: 'web',
        occurred_at: now,
        received_at: now,
        purpose_key: 'contact_management',
        legal_basis: 'legitimate_interest',
        properties: json({}),
        source: 'test',
        external_id: 'same-sender-id',
      })
      .execute()
    await db
      .insertInto('deal')
      .values({ subject_id: subjectId, title: 'Deal', stage_key: 'lead', created_at: now, updated_at: now })
      .execute()
    await db
      .insertInto('subject_note')
      .values({
        subject_id: subjectId,
        kind: 'note',
        sealed_text: await vault.seal(subjectId, Buffer.from('a note'), NOTE_AAD),
        author_type: 'user',
        author_id: 'registry-test',
        created_at: now,
        updated_at: now,
      })
      .execute()
    await db
      .insertInto('subject_organisation')
      .values({ subject_id: subjectId, organisation_id: organisationId, job_title: 'CEO', created_at: now })
      .execute()
    const doi = randomUUID()
    await db
      .insertInto('doi_request')
      .values({
        subject_id: subjectId,
        id: doi,
        form_key: 'newsletter',
        purposes: '[]',
        requested_at: now,
        expires_at: now,
      })
      .execute()
    await db
      .insertInto('doi_token')
      .values({ token_hash: randomBytes(32), subject_id: subjectId, request_id: doi })
      .execute()
    const link = randomUUID()
    await db
      .insertInto('portal_link')
      .values({ subject_id: subjectId, id: link, created_at: now, expires_at: now })
      .execute()
    await db
      .insertInto('portal_session')
      .values({
        subject_id: subjectId,
        id: randomUUID(),
        link_id: link,
        link_sent_at: now,
        created_at: now,
        expires_at: now,
      })
      .execute()
    await db
      .insertInto('portal_token')
      .values({ token_hash: randomBytes(32), kind: 'link', subject_id: subjectId, ref_id: link })
      .execute()
    await db
      .insertInto('unsubscribe_token')
      .values({
        token_hash: randomBytes(32),
        subject_id: subjectId,
        purpose_key: 'newsletter_email',
        channel: 'email',
        created_at: now,
      })
      .execute()
    const request = randomUUID()
    await db
      .insertInto('dsr_request')
      .values({
        subject_id: subjectId,
        id: request,
        kind: 'access',
        channel: 'email',
        received_at: now,
        due_at: now,
        details_sealed: await vault.seal(subjectId, Buffer.from('what I wrote'), dsrDetailsAad(request)),
        recorded_by_type: 'user',
        recorded_by_id: 'registry-test',
        recorded_at: now,
      })
      .execute()
    // The answer given to it (migration 0033): the report, sealed under the subject's key.
    await db
      .insertInto('dsr_answer')
      .values({
        subject_id: subjectId,
        request_id: request,
        lang: 'de',
        report_sealed: await vault.seal(subjectId, Buffer.from('{}'), dsrAnswerAad(request)),
        created_at: now,
        expires_at: now,
        created_by_type: 'user',
        created_by_id: 'registry-test',
      })
      .execute()
    const actor = { type: 'user', id: 'registry-test' } as const
    const model = await db
      .insertInto('score_model')
      .values({
        model: 'test',
        fitted_at: now,
        as_of: '2026-01-31',
        parameters: '{}',
        settings: '{}',
        explanation: '{}',
        calibration: '{}',
        actor_type: actor.type,
        actor_id: actor.id,
      })
      .returning('version')
      .executeTakeFirstOrThrow()
    await db
      .insertInto('subject_score')
      .values({
        subject_id: subjectId,
        kind: 'clv',
        value: 12.5,
        band: 'low',
        outputs: JSON.stringify({ pAlive: 0.9 }),
        inputs: JSON.stringify({ repeatPurchases: 1 }),
        model: 'test',
        model_version: model.version,
        computed_at: now,
      })
      .execute()
    await db
      .insertInto('score_event')
      .values({
        subject_id: subjectId,
        kind: 'churn_risk_high',
        occurred_at: now,
        model_version: model.version,
        details: JSON.stringify({ from: 'medium', to: 'high' }),
      })
      .execute()
    await db
      .insertInto('subject_milestone')
      .values({
        subject_id: subjectId,
        kind: 'contract_ended',
        occurred_at: now,
        recorded_at: now,
        actor_type: actor.type,
        actor_id: actor.id,
      })
      .execute()
    const campaign = await db
      .insertInto('campaign')
      .values({
        name: 'Spring',
        created_at: now,
        updated_at: now,
        created_by_type: actor.type,
        created_by_id: actor.id,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await db
      .insertInto('campaign_delivery')
      .values({
        campaign_id: campaign.id,
        subject_id: subjectId,
        channel: 'email',
        status: 'sent',
        queued_at: now,
        sent_at: now,
        updated_at: now,
      })
      .execute()
    await db
      .insertInto('campaign_suppression')
      .values({
        subject_id: subjectId,
        channel: 'email',
        reason: 'hard-bounce',
        detail: '5.1.1',
        created_at: now,
      })
      .execute()
    await db
      .insertInto('campaign_call')
      .values({
        subject_id: subjectId,
        campaign_id: campaign.id,
        outcome: 'reached',
        note_sealed: await vault.seal(subjectId, Buffer.from('call back in May'), CAMPAIGN_CALL_NOTE_AAD),
        agent_type: actor.type,
        agent_id: actor.id,
        occurred_at: now,
      })
      .execute()
    const journey = await db
      .insertInto('journey')
      .values({
        name: `Welcome ${subjectId}`,
        trigger_kind: 'doi-confirmed',
        trigger: JSON.stringify({ purposeKey: 'newsletter_email' }),
        steps: JSON.stringify([]),
        created_at: now,
        updated_at: now,
        created_by_type: actor.type,
        created_by_id: actor.id,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await db
      .insertInto('journey_enrolment')
      .values({
        subject_id: subjectId,
        journey_id: journey.id,
        trigger_ref: 'doi',
        journey_version: 1,
        step: 1,
        status: 'completed',
        entered_at: now,
        updated_at: now,
        ended_at: now,
      })
      .execute()
    await db
      .insertInto('journey_send')
      .values({
        subject_id: subjectId,
        journey_id: journey.id,
        trigger_ref: 'doi',
        step: 0,
        channel: 'email',
        purpose_key: 'newsletter_email',
        status: 'sent',
        created_at: now,
        updated_at: now,
      })
      .execute()
    await db
      .insertInto('consent_event')
      .values({
        subject_id: subjectId,
        purpose_key: 'newsletter_email',
        purpose_version: 1,
        channel: 'email',
        kind: 'withdrawn',
        proof: json({ source: 'email' }),
        actor_type: actor.type,
        actor_id: actor.id,
        occurred_at: now,
      })
      .execute()
    await db
      .insertInto('permission_state')
      .values({
        subject_id: subjectId,
        purpose_key: 'newsletter_email',
        channel: 'email',
        status: 'withdrawn',
        withdrawn_at: now,
        updated_at: now,
      })
      .execute()
    await db
      .insertInto('objection_event')
      .values({
        subject_id: subjectId,
        scope: 'channel',
        purpose_key: null,
        channel: 'post',
        action: 'raised',
        source: 'letter',
        reference: null,
        actor_type: actor.type,
        actor_id: actor.id,
        occurred_at: now,
      })
      .execute()
    await db
      .insertInto('objection_state')
      .values({ subject_id: subjectId, scope: 'channel', target: 'post', source: 'letter', raised_at: now })
      .execute()
    // A legal hold lifted (one in force would keep an erasure from deleting what it names), and an
    // entry of the erasure ledger.
    await db
      .insertInto('legal_hold')
      .values({
        subject_id: subjectId,
        id: randomUUID(),
        ground: 'dispute',
        reason: 'Case 2026/17, settled',
        field_categories: ['identity'],
        record_kinds: ['deal'],
        until: null,
        set_by_type: actor.type,
        set_by_id: actor.id,
        created_at: now,
        lifted_at: now,
        lifted_by_type: actor.type,
        lifted_by_id: actor.id,
      })
      .execute()
    await db
      .insertInto('erasure_ledger')
      .values({ subject_id: subjectId, erased_at: now, kind: 'full' })
      .execute()
    // A disclosure to a recipient, and a webhook delivery to it (Art. 15(1)(c), 19).
    const recipient = await db
      .insertInto('recipient')
      .values({ name: 'Mailer GmbH', role: 'controller', country: 'DE', mechanism: 'eea' })
      .returning('id')
      .executeTakeFirstOrThrow()
    const disclosureId = randomUUID()
    await db
      .insertInto('disclosure')
      .values({
        id: disclosureId,
        recipient_id: recipient.id,
        at: now,
        channel: 'export',
        purpose_key: 'contact_management',
        fields: ['email'],
        actor_type: actor.type,
        actor_id: actor.id,
        request_id: null,
        reference: 'csv',
      })
      .execute()
    await db
      .insertInto('disclosure_subject')
      .values({ subject_id: subjectId, disclosure_id: disclosureId })
      .execute()
    const subscription = await db
      .insertInto('webhook_subscription')
      .values({
        recipient_id: recipient.id,
        url: 'https://hooks.example.com/tresor',
        events: ['subject.changed'],
        purpose_key: 'contact_management',
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await db
      .insertInto('webhook_delivery')
      .values({
        subject_id: subjectId,
        id: randomUUID(),
        subscription_id: subscription.id,
        event: 'subject.changed',
        occurred_at: now,
        next_attempt_at: now,
        disclosure_id: null,
      })
      .execute()
    // A breach that concerned the subject, and the letter it was sent (Art. 33(5), 34).
    const breachId = randomUUID()
    await db
      .insertInto('breach')
      .values({
        id: breachId,
        aware_at: now,
        occurred_from: null,
        occurred_until: null,
        title: 'Lost laptop',
        description: 'A laptop with an export was lost.',
        approx_subjects: 1,
        approx_records: 1,
        risk: 'high',
        authority_notified_at: null,
        authority_reference: null,
        delay_reasons: null,
        recorded_by_type: actor.type,
        recorded_by_id: actor.id,
        created_at: now,
        updated_at: now,
      })
      .execute()
    await db
      .insertInto('breach_subject')
      .values({
        subject_id: subjectId,
        breach_id: breachId,
        records: 1,
        added_at: now,
        letter_status: 'sent',
        letter_note: null,
        letter_at: now,
      })
      .execute()
    // A restriction lifted: one in force would keep the merge from using the subject at all.
    await db
      .insertInto('restriction_event')
      .values({
        subject_id: subjectId,
        action: 'lifted',
        ground: null,
        note: null,
        actor_type: actor.type,
        actor_id: actor.id,
        occurred_at: now,
      })
      .execute()
  }

  beforeAll(async () => {
    db = runtime().database.db
    const { gate } = runtime().services
    const ids = await gate.collect({
      actor: ADMIN,
      subjects: [
        {
          kinds: ['customer'],
          source: 'test',
          attributes: {},
          identifiers: { email: 'survivor@example.test' },
        },
        {
          kinds: ['customer'],
          source: 'test',
          attributes: {},
          identifiers: { email: 'duplicate@example.test' },
        },
      ],
    })
    survivor = ids[0] as string
    duplicate = ids[1] as string
    const now = new Date()
    const organisation = await db
      .insertInto('organisation')
      .values({ name: 'Registry Test GmbH', created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow()
    // The same keys at both (sender id, organisation, objection, consent), so that merging has something to decide.
    await fill(survivor, organisation.id)
    await fill(duplicate, organisation.id)
  })

  it('merges every kind as registered', async () => {
    const before = { survivor: await counts(survivor), duplicate: await counts(duplicate) }
    await runtime().services.gate.combine({
      actor: ADMIN,
      survivorId: survivor,
      duplicateId: duplicate,
      reason: 'test',
    })
    const after = { survivor: await counts(survivor), duplicate: await counts(duplicate) }
    for (const kind of RECORD_KINDS) {
      const t = kind.table
      const [s0, d0, s1, d1] = [
        before.survivor.get(t),
        before.duplicate.get(t),
        after.survivor.get(t),
        after.duplicate.get(t),
      ]
      const label = `${t} (${kind.merge}): survivor ${s0} → ${s1}, duplicate ${d0} → ${d1}`
      if (!EMPTY.has(t)) expect(d0, label).toBeGreaterThan(0)
      if (kind.merge === 'move' || kind.merge === 'move-renumbered' || kind.merge === 'reseal') {
        expect([s1, d1], label).toEqual([(s0 ?? 0) + (d0 ?? 0), 0])
      } else if (kind.merge === 'move-distinct' || kind.merge === 'latest-wins') {
        // Every row here has its twin at the survivor: the survivor's stays, the duplicate's goes.
        expect([s1, d1], label).toEqual([s0, 0])
      } else if (kind.merge === 'drop' || kind.merge === 'shred') {
        expect([s1, d1], label).toEqual([s0, 0])
      } else if (kind.merge === 'keep') {
        expect(d1, label).toBeGreaterThanOrEqual(d0 ?? 0)
      } else {
        expect(kind.merge).toBe('tombstone')
        expect(d1, label).toBe(1)
      }
    }
    const [tombstone] = await db
      .selectFrom('subject')
      .select('merged_into')
      .where('id', '=', duplicate)
      .execute()
    expect(tombstone?.merged_into).toBe(survivor)
    // What was sealed under the duplicate's key opens under the survivor's.
    const notes = await db
      .selectFrom('subject_note')
      .select('sealed_text')
      .where('subject_id', '=', survivor)
      .execute()
    for (const n of notes)
      expect((await runtime().services.vault.open(survivor, n.sealed_text, NOTE_AAD))?.toString()).toBe(
        'a note',
      )
  })

  it('shows every kind with a report section in the access report, sealed columns opened (issue #15)', async () => {
    const { requests, requestWorkflow } = runtime().services
    const by = { actor: ADMIN }
    const request = await requests.record({ subjectId: survivor, kind: 'access', channel: 'letter' }, by)
    await requestWorkflow.step(request.id, { step: 'verify', method: 'signature' }, by)
    const report = await requestWorkflow.report(request.id, by, { lang: 'en' })
    const shown = new Map(report.sections.map((s) => [s.table, s]))
    for (const kind of RECORD_KINDS) {
      if (!('title' in kind.report) || kind.table === 'subject') continue
      const section = shown.get(kind.table)
      expect(section, kind.table).toBeDefined()
      expect(section?.title).toEqual(kind.report.title)
      expect(section?.columns).toEqual(kind.report.columns)
      if (!EMPTY.has(kind.table)) expect(section?.rows.length, kind.table).toBeGreaterThan(0)
    }
    expect(report.subject.identifiers.email).toBe('survivor@example.test')
    expect(shown.get('subject_note')?.rows.map((r) => r.sealed_text)).toContain('a note')
    expect(shown.get('dsr_request')?.rows.map((r) => r.details_sealed)).toContain('what I wrote')
    expect(shown.get('customer_order')?.rows[0]?.lines).toHaveLength(1)
    expect(report.profiling.scores.length).toBeGreaterThan(0)
  })

  it('erases every kind as registered', async () => {
    const before = await counts(survivor)
    expect(await runtime().services.gate.erase({ actor: ADMIN, subjectIds: [survivor] })).toEqual([survivor])
    const after = await counts(survivor)
    for (const kind of RECORD_KINDS) {
      const label = `${kind.table} (${kind.erasure}): ${before.get(kind.table)} → ${after.get(kind.table)}`
      // No legal hold is in force: the holds themselves go with the rest.
      if (kind.erasure === 'delete' || kind.erasure === 'shred' || kind.erasure === 'keep-until-ended')
        expect(after.get(kind.table), label).toBe(0)
      else expect(after.get(kind.table), label).toBeGreaterThanOrEqual(before.get(kind.table) ?? 0)
      if (!EMPTY.has(kind.table)) expect(before.get(kind.table), label).toBeGreaterThan(0)
    }
    const [row] = await db
      .selectFrom('subject')
      .select(['erased_at', 'attributes'])
      .where('id', '=', survivor)
      .execute()
    expect(row?.erased_at).not.toBeNull()
  })
})
