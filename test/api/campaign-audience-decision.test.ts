import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ENGINES, openTestRuntime, type TestRuntime } from '../support/engines.ts'

const ACTOR = { actor: { type: 'system' as const, id: 'test', role: 'admin' } }

/**
 * Ids at the edges of the ranges a decision is split into on PostgreSQL (docs/adr/0022): the
 * first and last uuid, either side of the half, and some between.
 */
const IDS = [
  '00000000-0000-4000-8000-000000000000',
  '3fffffff-ffff-4fff-bfff-ffffffffffff',
  '7fffffff-ffff-4fff-bfff-ffffffffffff',
  '80000000-0000-0000-0000-000000000000',
  '80000000-0000-4000-8000-000000000001',
  'c0000000-0000-4000-8000-000000000000',
  'ffffffff-ffff-4fff-bfff-ffffffffffff',
]
/** In the segment but not permitted (withdrawn), and outside the segment (a supplier). */
const WITHDRAWN = '7fffffff-ffff-4fff-bfff-fffffffffffe'
const SUPPLIER = '80000000-0000-4000-8000-000000000002'

/**
 * Issue #17: the audience decided at a send's start holds every permitted member exactly once,
 * in chunks of at most the configured size whose order is the ids' order — on PostgreSQL, where
 * the id space is decided in two ranges side by side, as on PGlite.
 */
for (const engine of ENGINES) {
  describe(`a send's audience decision [${engine}]`, () => {
    let runtime: TestRuntime
    beforeAll(async () => {
      runtime = await openTestRuntime(engine, {
        TRESOR_SMTP_URL: 'smtp://127.0.0.1:9',
        TRESOR_MAIL_FROM: 'Tresor <news@test.example>',
        TRESOR_PUBLIC_URL: 'https://crm.test.example',
        TRESOR_CAMPAIGN_BATCH_SIZE: '2',
      })
      const db = runtime.database.db
      const all = [...IDS, WITHDRAWN, SUPPLIER]
      for (const id of all)
        await sql`
          insert into subject (id, kinds, source, attributes, created_at, updated_at)
          values (${id}, ${id === SUPPLIER ? '{supplier}' : '{customer}'}::text[], 'test', '{}'::jsonb, now(), now())
        `.execute(db)
      for (const id of all)
        await sql`
          insert into permission_state (subject_id, purpose_key, channel, status, requested_at, granted_at, confirmed_at, withdrawn_at, updated_at)
          values (${id}, 'newsletter_email', 'email', ${id === WITHDRAWN ? 'withdrawn' : 'confirmed'},
            now(), now(), now(), ${id === WITHDRAWN ? sql`now()` : null}, now())
        `.execute(db)
    }, 120_000)
    afterAll(async () => {
      await runtime?.dispose()
    })

    it('stores each permitted member once, in chunks of at most two, in id order', async () => {
      const { segments, campaigns, campaignSend } = runtime.services
      const segment = await segments.create(ACTOR, {
        name: 'Customers',
        purpose: 'newsletter_email',
        rules: { type: 'group', combine: 'and', conditions: [{ type: 'kind', kinds: ['customer'] }] },
      })
      const campaign = await campaigns.create(ACTOR, {
        name: 'Edges',
        segmentId: segment.id,
        defaultLang: 'de',
        channels: [{ channel: 'email', purposeKey: 'newsletter_email' }],
        content: [{ channel: 'email', lang: 'de', subject: 'Neu', bodyText: 'Angebote.\n' }],
      })
      await campaigns.schedule(ACTOR, campaign.id)
      const stop = new AbortController()
      let audience = -1
      await campaignSend.run(campaign.id, {
        signal: stop.signal,
        onAudience: (counts) => {
          audience = counts.channels[0]?.audience ?? -1
          stop.abort()
        },
      })
      expect(audience).toBe(IDS.length)
      const { rows } = await sql<{ chunk: number; subject_ids: string[] | string }>`
        select chunk, subject_ids::text[] as subject_ids from campaign_audience_chunk
        where campaign_id = ${campaign.id} and channel = 'email' order by chunk
      `.execute(runtime.database.db)
      const chunks = rows.map((r) =>
        Array.isArray(r.subject_ids) ? r.subject_ids : parseArray(r.subject_ids),
      )
      for (const ids of chunks) expect(ids.length).toBeLessThanOrEqual(2)
      expect(chunks.flat()).toEqual(IDS)
      await campaigns.cancel(ACTOR, campaign.id)
    })
  })
}

/** A `text[]` literal as PGlite may return it. */
function parseArray(literal: string): string[] {
  return literal
    .replace(/^\{|\}$/g, '')
    .split(',')
    .filter(Boolean)
}
