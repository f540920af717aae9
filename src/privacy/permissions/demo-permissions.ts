import { type Kysely, sql } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'

/**
 * Synthetic permission state for the demo subjects, in a handful of set-based statements (a
 * million subjects take seconds, not a loop of inserts). Each subject's share is a pure function
 * of its id and the seed: `bucket` is a number 0-999 from a hash, one hash per purpose, so the
 * shares are independent. Events are written with the state, so the history is consistent.
 * Subjects that already have a state for a purpose keep it (running the demo twice adds, never
 * rewrites).
 */

/** A consent purpose's demo shares, in ‰ of the subjects. */
interface ConsentShare {
  purposeKey: string
  channel: string
  /** Consent given (confirmed where double opt-in applies). */
  given: number
  /** Asked for, not confirmed yet (double opt-in) or not given yet. */
  pending: number
  /** Given once, withdrawn since. */
  withdrawn: number
  formKey: string
}

const CONSENT_SHARES: readonly ConsentShare[] = [
  {
    purposeKey: 'newsletter_email',
    channel: 'email',
    given: 400,
    pending: 60,
    withdrawn: 80,
    formKey: 'newsletter-signup',
  },
  {
    purposeKey: 'sms_marketing',
    channel: 'sms',
    given: 50,
    pending: 20,
    withdrawn: 10,
    formKey: 'sms-signup',
  },
  {
    purposeKey: 'phone_marketing',
    channel: 'phone',
    given: 100,
    pending: 0,
    withdrawn: 20,
    formKey: 'phone-consent',
  },
  {
    purposeKey: 'profiling_offers',
    channel: 'none',
    given: 200,
    pending: 0,
    withdrawn: 30,
    formKey: 'account-settings',
  },
  {
    purposeKey: 'web_tracking',
    channel: 'web',
    given: 300,
    pending: 0,
    withdrawn: 50,
    formKey: 'cookie-banner',
  },
]

/** Bucket 0-999 of a subject for a salt; hashtext is int4, shifted to stay non-negative. */
const bucket = (salt: string, seed: number) =>
  sql<number>`mod(hashtext(s.id::text || ${`:${salt}:${seed}`})::bigint + 2147483648, 1000)`

export async function seedDemoPermissions(
  db: Kysely<Schema>,
  options: { seed: number },
): Promise<{ consents: number; objections: number; restrictions: number }> {
  return db.transaction().execute(async (trx) => {
    let consents = 0
    for (const share of CONSENT_SHARES) {
      const { rows } = await sql<{ n: number }>`
        with purpose_row as (
          select key, version, double_opt_in, consent_validity from purpose
          where key = ${share.purposeKey} and (legal_basis = 'consent' or art9_basis = 'explicit_consent')
        ),
        picked as (
          select s.id, s.created_at, ${bucket(share.purposeKey, options.seed)} as b,
            pr.double_opt_in as doi, pr.consent_validity as validity
          from subject s cross join purpose_row pr
          where s.source = 'demo' and s.erased_at is null
        ),
        shaped as (
          select id, b, doi, validity, created_at,
            case when b < ${share.given} then (case when doi then 'confirmed' else 'granted' end)
                 when b < ${share.given + share.pending} then 'requested'
                 else 'withdrawn' end as status,
            least(created_at + make_interval(days => (b % 365 + 1)::int), now()) as withdrawn_at
          from picked
          where b < ${share.given + share.pending + share.withdrawn}
        ),
        states as (
          insert into permission_state (subject_id, purpose_key, channel, status, requested_at, granted_at,
            confirmed_at, withdrawn_at, expires_at, updated_at)
          select id, ${share.purposeKey}, ${share.channel}, status,
            case when doi or status = 'requested' then created_at end,
            case when not doi and status <> 'requested' then created_at end,
            case when doi and status <> 'requested' then created_at + interval '10 minutes' end,
            case when status = 'withdrawn' then withdrawn_at end,
            case when status in ('granted', 'confirmed') and validity is not null
              then created_at + (case when doi then interval '10 minutes' else interval '0' end) + validity::interval end,
            case when status = 'withdrawn' then withdrawn_at
                 when doi and status = 'confirmed' then created_at + interval '10 minutes'
                 else created_at end
          from shaped
          on conflict (subject_id, purpose_key, channel) do nothing
          returning *
        ),
        events as (
          insert into consent_event (subject_id, purpose_key, purpose_version, channel, kind, proof, actor_type, actor_id, occurred_at)
          select st.subject_id, st.purpose_key, pr.version, st.channel, e.kind,
            jsonb_build_object('source', 'form', 'formKey', ${share.formKey}::text, 'textVersion', ${`${share.formKey}-v1`}::text),
            'system', 'demo', e.at
          from states st
          cross join purpose_row pr
          cross join lateral (values
            (1, 'requested', st.requested_at), (2, 'granted', st.granted_at),
            (3, 'confirmed', st.confirmed_at), (4, 'withdrawn', st.withdrawn_at)
          ) as e(step, kind, at)
          where e.at is not null
          order by st.subject_id, e.step
          returning 1
        )
        select (select count(*) from states) as n
      `.execute(trx)
      consents += Number(rows[0]?.n ?? 0)
    }

    // Art. 21 objections: 3 % to all marketing, 2 % to post, 2 % to postal advertising.
    const objections = await sql<{ n: number }>`
      with picked as (
        select s.id, s.created_at, ${bucket('objection', options.seed)} as b
        from subject s where s.source = 'demo' and s.erased_at is null
      ),
      states as (
        insert into objection_state (subject_id, scope, target, source, raised_at)
        select id,
          case when b < 30 then 'all_marketing' when b < 50 then 'channel' else 'purpose' end,
          case when b < 30 then '*' when b < 50 then 'post' else 'postal_advertising' end,
          'letter', least(created_at + interval '30 days', now())
        from picked where b < 70
        on conflict (subject_id, scope, target) do nothing
        returning *
      ),
      events as (
        insert into objection_event (subject_id, scope, purpose_key, channel, action, source, actor_type, actor_id, occurred_at)
        select subject_id, scope,
          case when scope = 'purpose' then target end,
          case when scope = 'channel' then target end,
          'raised', source, 'system', 'demo', raised_at
        from states
        returning 1
      )
      select (select count(*) from states) as n
    `.execute(trx)

    // Art. 18: 0.5 % restricted while the accuracy of their data is checked.
    const restrictions = await sql<{ n: number }>`
      with picked as (
        select s.id, s.created_at, ${bucket('restriction', options.seed)} as b
        from subject s where s.source = 'demo' and s.erased_at is null
      ),
      states as (
        insert into restriction_state (subject_id, ground, note, since)
        select id, 'accuracy-contested', 'demo', least(created_at + interval '60 days', now())
        from picked where b < 5
        on conflict (subject_id) do nothing
        returning *
      ),
      events as (
        insert into restriction_event (subject_id, action, ground, note, actor_type, actor_id, occurred_at)
        select subject_id, 'set', ground, note, 'system', 'demo', since from states
        returning 1
      )
      select (select count(*) from states) as n
    `.execute(trx)

    return {
      consents,
      objections: Number(objections.rows[0]?.n ?? 0),
      restrictions: Number(restrictions.rows[0]?.n ?? 0),
    }
  })
}
