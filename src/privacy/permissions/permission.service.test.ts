import fc from 'fast-check'
import { CompiledQuery, type Kysely, sql } from 'kysely'
import { beforeAll, describe, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import type { Schema } from '../../platform/db/schema.ts'
import { ProblemError } from '../../platform/problem.ts'
import type { AuditActor, AuditRecordInput, AuditWriter } from '../audit/audit-record.ts'
import { PurposeRepository } from '../purposes/purpose.repository.ts'
import type { CreatePurposeBody } from '../purposes/purpose.schemas.ts'
import { DEFAULT_SCOPE, PurposeService } from '../purposes/purpose.service.ts'
import type { Channel, Purpose, PurposeDefinition } from '../purposes/purpose.ts'
import { PermissionRepository } from './permission.repository.ts'
import { PermissionService, type SubjectPermissions } from './permission.service.ts'
import {
  ALL_MARKETING_TARGET,
  type ConsentEventKind,
  decide,
  decisionPlan,
  type ObjectionKey,
} from './permission-rules.ts'

const STAFF: AuditActor = { type: 'user', id: '00000000-0000-4000-8000-000000000001', role: 'marketing' }
const PROOF = { source: 'form', formKey: 'test-form', textVersion: 'v1' } as const

/** Records what the services audit; `failNext` makes the next append throw (to prove atomicity). */
class RecordingAudit implements AuditWriter {
  records: AuditRecordInput[] = []
  failNext = false
  async append(records: readonly AuditRecordInput[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false
      throw new Error('audit log unavailable')
    }
    this.records.push(...records)
  }
}

async function newSubjects(db: Kysely<Schema>, n: number, kinds = ['customer']): Promise<string[]> {
  const rows = await db
    .insertInto('subject')
    .values(
      Array.from({ length: n }, () => ({
        kinds,
        source: 'manual',
        attributes: '{}' as unknown as Record<string, unknown>,
      })),
    )
    .returning('id')
    .execute()
  return rows.map((r) => r.id)
}

/** What the vault's erasure leaves behind: the tombstone. */
async function erase(db: Kysely<Schema>, ids: readonly string[]): Promise<void> {
  await db.updateTable('subject').set({ erased_at: new Date() }).where('id', 'in', ids).execute()
}

const problemKind = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise
  } catch (error) {
    if (error instanceof ProblemError) return error.kind
    throw error
  }
  return 'none'
}

/** A contract purpose that processes special categories on explicit consent (Art. 9(2)(a)). */
const CARE_CONTRACT: CreatePurposeBody = {
  key: 'care_contract',
  name: { de: 'Pflegevertrag', en: 'Care contract' },
  description: { de: 'Test', en: 'Test' },
  legalBasis: 'contract',
  art9Basis: 'explicit_consent',
  channels: ['none', 'phone'],
  doubleOptIn: false,
  profiling: false,
  directMarketing: false,
  retention: { period: 'P3Y', rule: { de: 'Test', en: 'Test' } },
}

/** A purpose an older registry accepted: e-mail advertising on legitimate interest, no § 7(3) flag. */
const LEGACY_MAILING: PurposeDefinition = {
  key: 'legacy_mailing',
  name: { de: 'Altbestand', en: 'Legacy mailing' },
  description: { de: 'Test', en: 'Test' },
  legalBasis: 'legitimate_interest',
  art9Basis: null,
  channels: ['email', 'post'],
  doubleOptIn: false,
  profiling: false,
  directMarketing: true,
  existingCustomers: false,
  retention: { period: 'P2Y', rule: { de: 'Test', en: 'Test' } },
  consentValidity: null,
  scope: DEFAULT_SCOPE,
  dpvPurpose: 'dpv:DirectMarketing',
  dpvLegalBasis: 'eu-gdpr:A6-1-f',
}

/** § 7(3) UWG: makes the subject an existing customer (one order). */
async function addOrder(db: Kysely<Schema>, subjectId: string): Promise<void> {
  await db
    .insertInto('customer_order')
    .values({
      subject_id: subjectId,
      order_number: 'A-1',
      ordered_at: new Date('2026-01-05T10:00:00Z'),
      status: 'fulfilled',
      currency: 'EUR',
      total_cents: 1999,
      item_count: 1,
      source: 'test',
      created_at: new Date('2026-01-05T10:00:00Z'),
    })
    .execute()
}

/** Record-bound duties (§ 147 AO): gives the subject one invoice. */
async function addInvoice(db: Kysely<Schema>, subjectId: string): Promise<void> {
  await db
    .insertInto('invoice')
    .values({
      subject_id: subjectId,
      invoice_number: 'R-1',
      issued_at: new Date('2026-01-06T10:00:00Z'),
      due_on: '2026-01-20',
      amount_cents: 1999,
      currency: 'EUR',
      created_at: new Date('2026-01-06T10:00:00Z'),
    })
    .execute()
}

describeEachEngine('permission service', (runtime) => {
  let audit: RecordingAudit
  let purposes: PurposeService
  let permissions: PermissionService
  let db: Kysely<Schema>
  let clock = new Date('2026-01-10T12:00:00Z')

  beforeAll(async () => {
    db = runtime().database.db
    audit = new RecordingAudit()
    purposes = new PurposeService(new PurposeRepository(db), db, audit)
    permissions = new PermissionService(new PermissionRepository(db), purposes, db, audit, () => clock)
    await purposes.create(CARE_CONTRACT, { actor: STAFF })
    // Stored before the registry refused it (written past the validation, as an old database
    // holds it): legitimate-interest advertising by e-mail without the existing-customer flag.
    await new PurposeRepository(db).insert(LEGACY_MAILING)
  })

  describe('purpose registry', () => {
    it('is seeded at start-up, and seeding again changes nothing, not even a DPO edit', async () => {
      const listed = await purposes.list()
      expect(listed.map((p) => p.key)).toEqual(
        expect.arrayContaining(['newsletter_email', 'postal_advertising']),
      )
      await purposes.update(
        'postal_advertising',
        { retention: { period: 'P1Y', rule: { de: 'x', en: 'y' } } },
        { actor: STAFF },
      )
      expect(await purposes.seed()).toEqual([])
      const edited = await purposes.get('postal_advertising')
      expect(edited.retention.period).toBe('P1Y')
      expect(edited.version).toBe(2)
    })

    it('audits a change with the names of the changed properties, in the same transaction', async () => {
      audit.records = []
      await purposes.update(
        'fraud_prevention',
        { profiling: false, description: { de: 'Neu', en: 'New' } },
        { actor: STAFF },
      )
      expect(audit.records).toEqual([
        expect.objectContaining({
          action: 'configure',
          purpose: 'fraud_prevention',
          fields: ['description'],
        }),
      ])
      audit.failNext = true
      await expect(
        purposes.update(
          'fraud_prevention',
          { description: { de: 'Verloren', en: 'Lost' } },
          { actor: STAFF },
        ),
      ).rejects.toThrow('audit log unavailable')
      expect((await purposes.get('fraud_prevention')).description.en).toBe('New')
    })

    it('refuses to change the basis of a purpose consents were recorded for', async () => {
      const [id] = await newSubjects(db, 1)
      await permissions.recordConsent([
        {
          subjectId: id as string,
          purposeKey: 'profiling_offers',
          channel: 'none',
          kind: 'granted',
          proof: PROOF,
          actor: STAFF,
        },
      ])
      const change = purposes.update(
        'profiling_offers',
        { legalBasis: 'legitimate_interest' },
        { actor: STAFF },
      )
      expect(await problemKind(change)).toBe('conflict')
    })
  })

  describe('consents', () => {
    it('derives the state from the events, with proof, purpose version and audit', async () => {
      const [id] = (await newSubjects(db, 1)) as [string]
      audit.records = []
      await permissions.recordConsent([
        {
          subjectId: id,
          purposeKey: 'newsletter_email',
          channel: 'email',
          kind: 'requested',
          proof: PROOF,
          actor: STAFF,
        },
      ])
      clock = new Date('2026-01-10T12:05:00Z')
      await permissions.recordConsent([
        {
          subjectId: id,
          purposeKey: 'newsletter_email',
          channel: 'email',
          kind: 'confirmed',
          proof: { source: 'email', doi: { confirmedAt: '2026-01-10T12:05:00Z', ip: '192.0.2.0' } },
          actor: { type: 'subject', id },
        },
      ])
      const [state] = (await permissions.stateOf([id])) as [SubjectPermissions]
      expect(state.consents).toEqual([
        expect.objectContaining({
          purposeKey: 'newsletter_email',
          channel: 'email',
          status: 'confirmed',
          requestedAt: new Date('2026-01-10T12:00:00Z'),
          confirmedAt: new Date('2026-01-10T12:05:00Z'),
          expiresAt: null,
        }),
      ])
      const history = await permissions.history(id)
      expect(history.map((h) => h.what)).toEqual(['requested', 'confirmed'])
      expect(history[1]).toMatchObject({
        purposeVersion: 1,
        proof: { source: 'email' },
        actor: { type: 'subject', id },
      })
      expect(audit.records.map((r) => [r.action, r.purpose, r.subjectIds])).toEqual([
        ['consent', 'newsletter_email', [id]],
        ['consent', 'newsletter_email', [id]],
      ])
    })

    it('refuses invalid transitions, purposes without consent, foreign channels, unknown and erased subjects', async () => {
      const [id, gone] = (await newSubjects(db, 2)) as [string, string]
      const event = (over: Partial<Parameters<PermissionService['recordConsent']>[0][number]>) =>
        permissions.recordConsent([
          {
            subjectId: id,
            purposeKey: 'newsletter_email',
            channel: 'email',
            kind: 'granted',
            proof: PROOF,
            actor: STAFF,
            ...over,
          },
        ])
      expect(await problemKind(event({ kind: 'confirmed' }))).toBe('conflict')
      expect(await problemKind(event({ purposeKey: 'order_processing' }))).toBe('validation')
      expect(await problemKind(event({ channel: 'sms' }))).toBe('validation')
      expect(await problemKind(event({ purposeKey: 'no_such_purpose' }))).toBe('validation')
      expect(await problemKind(event({ proof: { source: 'phone' } }))).toBe('validation')
      expect(await problemKind(event({ subjectId: '00000000-0000-4000-8000-00000000dead' }))).toBe(
        'not-found',
      )
      await erase(db, [gone])
      expect(await problemKind(event({ subjectId: gone }))).toBe('conflict')
      expect(await permissions.history(id)).toEqual([])
    })

    it('applies a batch in order, all or nothing', async () => {
      const [a, b] = (await newSubjects(db, 2)) as [string, string]
      const ok = { purposeKey: 'phone_marketing', channel: 'phone' as Channel, proof: PROOF, actor: STAFF }
      const bad = permissions.recordConsent([
        { ...ok, subjectId: a, kind: 'granted' },
        { ...ok, subjectId: b, kind: 'confirmed' },
      ])
      expect(await problemKind(bad)).toBe('conflict')
      expect(await permissions.stateOf([a]).then((s) => s[0]?.consents)).toEqual([])
      await permissions.recordConsent([
        { ...ok, subjectId: a, kind: 'granted' },
        { ...ok, subjectId: a, kind: 'withdrawn' },
        { ...ok, subjectId: b, kind: 'granted' },
      ])
      const states = await permissions.stateOf([a, b], 'phone_marketing')
      expect(states.map((s) => s.consents[0]?.status)).toEqual(['withdrawn', 'granted'])
    })
  })

  describe('objections and restriction', () => {
    it('raises and lifts objections; refuses objections to a contract', async () => {
      const [id] = (await newSubjects(db, 1)) as [string]
      await permissions.recordObjection([
        { subjectId: id, scope: 'all_marketing', action: 'raised', source: 'letter', actor: STAFF },
        { subjectId: id, scope: 'channel', channel: 'post', action: 'raised', source: 'phone', actor: STAFF },
        { subjectId: id, scope: 'channel', channel: 'post', action: 'lifted', source: 'phone', actor: STAFF },
      ])
      const [state] = (await permissions.stateOf([id])) as [SubjectPermissions]
      expect(state.objections).toEqual([
        expect.objectContaining({ scope: 'all_marketing', purposeKey: null, channel: null }),
      ])
      const denied = await permissions.denials({ purposeKey: 'postal_advertising', subjectIds: [id] })
      expect(denied.get(id)?.rule).toBe('objected')
      expect(
        await problemKind(
          permissions.recordObjection([
            {
              subjectId: id,
              scope: 'purpose',
              purposeKey: 'order_processing',
              action: 'raised',
              source: 'api',
              actor: STAFF,
            },
          ]),
        ),
      ).toBe('validation')
      expect(
        await problemKind(
          permissions.recordObjection([
            {
              subjectId: id,
              scope: 'channel',
              channel: 'sms',
              action: 'lifted',
              source: 'api',
              actor: STAFF,
            },
          ]),
        ),
      ).toBe('conflict')
    })

    it('restricts everything but the Art. 18(2) exceptions (invoice retention for the tax audit), and lifts', async () => {
      const [id] = (await newSubjects(db, 1)) as [string]
      await addInvoice(db, id)
      await permissions.setRestriction([{ subjectId: id, ground: 'accuracy-contested', actor: STAFF }])
      expect(
        (await permissions.denials({ purposeKey: 'order_processing', subjectIds: [id] })).get(id)?.rule,
      ).toBe('restricted')
      expect((await permissions.denials({ purposeKey: 'invoicing_retention', subjectIds: [id] })).size).toBe(
        0,
      )
      expect(await permissions.restrictedAmong([id])).toEqual([id])
      // Art. 18(3): not before the person was told.
      expect(await problemKind(permissions.liftRestriction([{ subjectId: id, actor: STAFF }]))).toBe(
        'conflict',
      )
      await permissions.recordLiftNotice({ subjectId: id, channel: 'letter', actor: STAFF })
      await permissions.liftRestriction([{ subjectId: id, actor: STAFF }])
      expect((await permissions.denials({ purposeKey: 'order_processing', subjectIds: [id] })).size).toBe(0)
      expect(await problemKind(permissions.liftRestriction([{ subjectId: id, actor: STAFF }]))).toBe(
        'not-found',
      )
      expect((await permissions.history(id)).map((h) => `${h.type}:${h.what}`)).toEqual([
        'restriction:set',
        'restriction:lifted',
      ])
    })
  })

  describe('audience and denials over sets', () => {
    it('reads a list page with its verdicts, and the sealed records of only the usable rows, in one statement', async () => {
      const ids = await newSubjects(db, 3, ['lead'])
      const [usable, objected, keyless] = ids as [string, string, string]
      // what the vault stores: a wrapped key and a sealed record (bytes are bytes to this statement)
      await db
        .insertInto('subject_key')
        .values(
          [usable, objected].map((subjectId, i) => ({
            subject_id: subjectId,
            wrapped_key: Buffer.alloc(60, i + 1),
            master_key_id: 'test-master',
            identity: Buffer.alloc(40, i + 11),
          })),
        )
        .execute()
      await permissions.recordObjection([
        { subjectId: objected, scope: 'all_marketing', action: 'raised', source: 'letter', actor: STAFF },
      ])
      for (const prepared of [false, true]) {
        const page = await permissions.checkPage({
          purposeKey: 'postal_advertising',
          page: db
            .selectFrom('subject')
            .selectAll()
            .where('id', 'in', ids)
            .orderBy('created_at', 'desc')
            .orderBy('id', 'desc')
            .limit(sql.lit(10)),
          order: { column: 'created_at', direction: 'desc' },
          prepared,
          sealed: true,
        })
        expect(page.subjects.map((r) => r.id).sort()).toEqual([...ids].sort())
        expect([...page.denied.keys()]).toEqual([objected])
        // the objected person's key and record were not read; the keyless one has none to read
        expect(page.sealed?.map((r) => r.subjectId)).toEqual([usable])
        expect(Buffer.from(page.sealed?.[0]?.wrapped ?? []).equals(Buffer.alloc(60, 1))).toBe(true)
        expect(Buffer.from(page.sealed?.[0]?.identity ?? []).equals(Buffer.alloc(40, 11))).toBe(true)
        expect(page.sealed?.[0]?.keyId).toBe('test-master')
        expect(page.subjects.find((r) => r.id === keyless)).toBeDefined()
      }
    })

    it('pages through the audience in subject order and reports unknown subjects', async () => {
      const ids = await newSubjects(db, 7, ['lead'])
      await permissions.recordConsent(
        ids.slice(0, 5).map((subjectId) => ({
          subjectId,
          purposeKey: 'phone_marketing',
          channel: 'phone' as Channel,
          kind: 'granted' as ConsentEventKind,
          proof: PROOF,
          actor: STAFF,
        })),
      )
      const pages: string[][] = []
      for await (const page of permissions.audiencePages({
        purposeKey: 'phone_marketing',
        filter: { subjectIds: ids },
        pageSize: 2,
      }))
        pages.push(page)
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1])
      expect(pages.flat()).toEqual([...ids.slice(0, 5)].sort())
      expect(
        await permissions.countAudience({
          purposeKey: 'phone_marketing',
          filter: { kinds: ['lead'], subjectIds: ids },
        }),
      ).toBe(5)
      const unknown = '00000000-0000-4000-8000-00000000beef'
      const denied = await permissions.denials({
        purposeKey: 'phone_marketing',
        subjectIds: [...ids, unknown],
      })
      expect([...denied.entries()].map(([id, d]) => [id, d.rule]).sort()).toEqual(
        [...ids.slice(5).map((id) => [id, 'no-consent']), [unknown, 'unknown-subject']].sort(),
      )
    })

    it('reads a consent audience from the partial audience index in subject order, also in a generic plan', async () => {
      const ids = await newSubjects(db, 40)
      await permissions.recordConsent(
        ids.map((subjectId) => ({
          subjectId,
          purposeKey: 'newsletter_email',
          channel: 'email' as Channel,
          kind: 'requested' as ConsentEventKind,
          proof: PROOF,
          actor: STAFF,
        })),
      )
      await sql`analyze permission_state`.execute(db)
      const purpose = await purposes.get('newsletter_email')
      const query = new PermissionRepository(db).audienceQuery({
        purposeKey: 'newsletter_email',
        channel: 'email',
        plan: decisionPlan(purpose, 'email', false),
        now: new Date(),
        after: ids[0],
        limit: 10,
      })
      // A prepared statement's generic plan knows no parameter values: the consent statuses must
      // be literals for the planner to prove the partial index applies. Scans that would hide the
      // index's absence (sequential, bitmap) are off, as they lose to it on large tables anyway.
      const plan = await db.transaction().execute(async (trx) => {
        await sql`set local plan_cache_mode = force_generic_plan`.execute(trx)
        await sql`set local enable_seqscan = off`.execute(trx)
        await sql`set local enable_bitmapscan = off`.execute(trx)
        await trx.executeQuery(CompiledQuery.raw(`prepare audience_probe as ${query.sql}`))
        // A generic plan doesn't depend on the values, so nulls will do.
        const args = query.parameters.map(() => 'null').join(', ')
        const explained = await trx.executeQuery<{ 'QUERY PLAN': string }>(
          CompiledQuery.raw(`explain execute audience_probe(${args})`),
        )
        await sql`deallocate audience_probe`.execute(trx)
        return explained.rows.map((r) => r['QUERY PLAN']).join('\n')
      })
      expect(plan).toMatch(/Index Only Scan using permission_state_audience_idx on permission_state p/)
      expect(plan).not.toMatch(/Sort/)
    })

    it('asks for a channel where the purpose has several, and refuses unknown attributes', async () => {
      expect(await problemKind(permissions.audience({ purposeKey: 'b2b_prospecting' }))).toBe('validation')
      expect(await problemKind(permissions.audience({ purposeKey: 'b2b_prospecting', channel: 'fax' }))).toBe(
        'validation',
      )
      expect(await problemKind(permissions.audience({ purposeKey: 'nope' }))).toBe('not-found')
      expect(
        await problemKind(
          permissions.audience({
            purposeKey: 'order_processing',
            filter: { attributes: { iban: ['x'] } as never },
          }),
        ),
      ).toBe('validation')
    })
  })

  /**
   * The SQL over sets must say exactly what the pure rules say for each subject: random states
   * are written through the service, then audience, count and denials are compared with `decide`.
   */
  describe('property: SQL audience and denials equal the pure rules', () => {
    const CONSENT_KEYS: readonly { purposeKey: string; channel: Channel }[] = [
      { purposeKey: 'newsletter_email', channel: 'email' },
      { purposeKey: 'web_tracking', channel: 'web' },
      { purposeKey: 'phone_marketing', channel: 'phone' },
      { purposeKey: 'care_contract', channel: 'none' },
      { purposeKey: 'care_contract', channel: 'phone' },
    ]
    const OBJECTIONS: readonly ObjectionKey[] = [
      { scope: 'all_marketing', target: ALL_MARKETING_TARGET },
      { scope: 'channel', target: 'post' },
      { scope: 'channel', target: 'email' },
      { scope: 'channel', target: 'phone' },
      { scope: 'purpose', target: 'postal_advertising' },
      { scope: 'purpose', target: 'newsletter_email' },
      { scope: 'purpose', target: 'fraud_prevention' },
      { scope: 'purpose', target: 'existing_customer_email' },
    ]
    const QUESTIONS = [
      'newsletter_email',
      'web_tracking',
      'phone_marketing',
      'postal_advertising',
      'b2b_prospecting',
      'existing_customer_email',
      'legacy_mailing',
      'fraud_prevention',
      'order_processing',
      'invoicing_retention',
      'legal_claims',
      'care_contract',
    ]
    const kind = fc.constantFrom<ConsentEventKind>(
      'requested',
      'granted',
      'confirmed',
      'withdrawn',
      'expired',
    )
    const subjectArb = fc.record({
      erased: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      restricted: fc.boolean(),
      customer: fc.boolean(),
      invoiced: fc.boolean(),
      kinds: fc.subarray(['customer', 'lead', 'b2b_contact'], { minLength: 1 }),
      objections: fc.subarray([...OBJECTIONS], { maxLength: 3 }),
      consents: fc.array(
        fc.record({
          key: fc.integer({ min: 0, max: CONSENT_KEYS.length - 1 }),
          kinds: fc.array(kind, { minLength: 1, maxLength: 4 }),
        }),
        { maxLength: 4 },
      ),
    })
    const runArb = fc.record({
      subjects: fc.array(subjectArb, { minLength: 1, maxLength: 5 }),
      // Decide now, or 13 months later: web tracking consents (P12M) have lapsed by then.
      monthsLater: fc.constantFrom(0, 13),
    })

    it('for random states of a few subjects', async () => {
      await fc.assert(
        fc.asyncProperty(runArb, async (run) => {
          clock = new Date('2026-02-01T00:00:00Z')
          const ids = await newSubjects(db, run.subjects.length)
          let minute = 0
          for (const [i, s] of run.subjects.entries()) {
            const subjectId = ids[i] as string
            for (const c of s.consents) {
              const key = CONSENT_KEYS[c.key] as (typeof CONSENT_KEYS)[number]
              for (const k of c.kinds) {
                minute += 1
                const at = new Date(clock.getTime() + minute * 60_000)
                // Invalid transitions are refused; the property holds for whatever was accepted.
                await permissions
                  .recordConsent([{ subjectId, ...key, kind: k, proof: PROOF, actor: STAFF, at }])
                  .catch((error: unknown) => {
                    if (!(error instanceof ProblemError && error.kind === 'conflict')) throw error
                  })
              }
            }
            if (s.objections.length > 0) {
              await permissions.recordObjection(
                s.objections.map((o) => ({
                  subjectId,
                  scope: o.scope,
                  ...(o.scope === 'purpose' ? { purposeKey: o.target } : {}),
                  ...(o.scope === 'channel' ? { channel: o.target as Channel } : {}),
                  action: 'raised' as const,
                  source: 'api' as const,
                  actor: STAFF,
                })),
              )
            }
            if (s.customer) await addOrder(db, subjectId)
            if (s.invoiced) await addInvoice(db, subjectId)
            await db.updateTable('subject').set({ kinds: s.kinds }).where('id', '=', subjectId).execute()
            if (s.restricted)
              await permissions.setRestriction([{ subjectId, ground: 'legal-claims', actor: STAFF }])
          }
          const erased = ids.filter((_, i) => run.subjects[i]?.erased)
          if (erased.length > 0) await erase(db, erased)
          const now = new Date(Date.UTC(2026, 1 + run.monthsLater, 1, 12))
          const states = new Map((await permissions.stateOf(ids)).map((s) => [s.subjectId, s]))
          const registry = await purposes.findMany(QUESTIONS)
          for (const key of QUESTIONS) {
            const purpose = registry.get(key) as Purpose
            const channels: Channel[] = [
              ...purpose.channels,
              purpose.channels.includes('sms') ? 'web' : 'sms',
            ]
            for (const channel of channels) {
              for (const specialCategory of [false, true]) {
                const question = {
                  purposeKey: key,
                  channel,
                  specialCategory,
                  now,
                  filter: { subjectIds: ids },
                }
                const audience = new Set<string>()
                for await (const page of permissions.audiencePages({ ...question, pageSize: 2 }))
                  for (const id of page) audience.add(id)
                const denied = await permissions.denials({ ...question, subjectIds: ids })
                const count = await permissions.countAudience(question)
                for (const id of ids) {
                  const state = states.get(id) as SubjectPermissions
                  const consent = state.consents.find((c) => c.purposeKey === key && c.channel === channel)
                  const expected = decide({
                    purpose,
                    channel,
                    specialCategory,
                    now,
                    subject: {
                      erased: state.erased,
                      restricted: state.restriction !== null,
                      consent: consent ? { status: consent.status, expiresAt: consent.expiresAt } : null,
                      objections: state.objections.map((o) => ({
                        scope: o.scope,
                        target: o.purposeKey ?? o.channel ?? ALL_MARKETING_TARGET,
                      })),
                      customer: state.customer,
                      kinds: state.kinds,
                      invoiced: state.invoiced,
                    },
                  })
                  const where = `${key}/${channel}/special=${specialCategory}`
                  expect(audience.has(id), where).toBe(expected.allowed)
                  expect(denied.get(id)?.rule, where).toBe(expected.allowed ? undefined : expected.rule)
                }
                expect(count).toBe(audience.size)
              }
            }
          }
        }),
        { numRuns: 20 },
      )
    })
  })
})
