import type { Kysely } from 'kysely'
import { beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import type { Schema } from '../../platform/db/schema.ts'
import { applyConsentEvent, type ConsentRecord } from './consent-transition.ts'
import type { ConsentEventKind } from './permission-rules.ts'

const N = 2_000

describeEachEngine('demo permissions', (runtime) => {
  let db: Kysely<Schema>
  let first: { consents: number; objections: number; restrictions: number }
  beforeAll(async () => {
    db = runtime().database.db
    const created = new Date('2024-06-01T00:00:00Z')
    await db
      .insertInto('subject')
      .values(
        Array.from({ length: N }, () => ({
          kinds: ['customer'],
          source: 'demo',
          attributes: '{}' as unknown as Record<string, unknown>,
          created_at: created,
          updated_at: created,
        })),
      )
      .execute()
    first = await runtime().services.permissions.seedDemo({ seed: 1 })
  })

  it('gives about the intended shares, and adds nothing when run again', async () => {
    const newsletter = await runtime().services.permissions.countAudience({ purposeKey: 'newsletter_email' })
    // 40 % confirmed, less the 3 % objecting to all marketing and the 0.5 % restricted.
    expect(newsletter / N).toBeGreaterThan(0.3)
    expect(newsletter / N).toBeLessThan(0.45)
    expect(first.objections / N).toBeGreaterThan(0.04)
    expect(first.restrictions).toBeGreaterThan(0)
    expect(await runtime().services.permissions.seedDemo({ seed: 1 })).toEqual({
      consents: 0,
      objections: 0,
      restrictions: 0,
    })
  })

  it('writes a history that replays to exactly the stored state', async () => {
    const states = await db
      .selectFrom('permission_state')
      .selectAll()
      .orderBy('subject_id')
      .limit(300)
      .execute()
    const events = await db
      .selectFrom('consent_event')
      .selectAll()
      .where(
        'subject_id',
        'in',
        states.map((s) => s.subject_id),
      )
      .orderBy('seq')
      .execute()
    const validity = new Map(
      (await db.selectFrom('purpose').select(['key', 'consent_validity']).execute()).map((p) => [
        p.key,
        p.consent_validity,
      ]),
    )
    const replayed = new Map<string, ConsentRecord | null>()
    for (const e of events) {
      const key = `${e.subject_id}/${e.purpose_key}/${e.channel}`
      const next = applyConsentEvent(
        replayed.get(key) ?? null,
        e.kind as ConsentEventKind,
        e.occurred_at,
        validity.get(e.purpose_key) ?? null,
      )
      expect(next.ok, `${key}: ${e.kind}`).toBe(true)
      if (next.ok) replayed.set(key, next.state)
    }
    for (const s of states) {
      const r = replayed.get(`${s.subject_id}/${s.purpose_key}/${s.channel}`)
      expect(r, s.subject_id).toMatchObject({
        status: s.status,
        requestedAt: s.requested_at,
        grantedAt: s.granted_at,
        confirmedAt: s.confirmed_at,
        withdrawnAt: s.withdrawn_at,
        expiresAt: s.expires_at,
      })
    }
  })
})
