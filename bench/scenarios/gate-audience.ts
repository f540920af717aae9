import { sql } from 'kysely'
import { measure, type Scenario } from '../harness.ts'
import { openDemoRuntime } from '../support/in-process.ts'

/** Ids per audience page: one query each, large enough that round trips don't dominate. */
const PAGE = 100_000
/** The set the gate decides for in one call when it reads a batch of subjects. */
const DENIAL_SET = 10_000

/**
 * The gate's set decisions: which subjects a consent-based e-mail purpose may use, over all
 * subjects of a demo installation (`tresor demo`, which also writes the demo permission state:
 * about 40 % confirmed newsletter consents, pending and withdrawn ones, objections, restrictions).
 */
export const gateAudience: Scenario = {
  name: 'gate-audience',
  description:
    'in-process, as the gate calls it: the audience of newsletter_email (consent, double opt-in) on e-mail over ' +
    '`scale` demo subjects, all ids in keyset pages and as a count; the audience of a legitimate-interest ' +
    `purpose (postal_advertising); the denial rule for a set of ${DENIAL_SET.toLocaleString('en')} subjects.`,
  defaultScale: 100_000,
  async run(ctx) {
    // The audience is not an HTTP resource (the gate computes it for campaigns and exports), so the
    // figures are taken in this process, through PermissionService, exactly as the gate calls it.
    const runtime = await openDemoRuntime(ctx, 'gate-audience')
    const { permissions } = runtime.services
    const db = runtime.database.db

    const subjects = Number(
      (await sql<{ n: number }>`select count(*) as n from subject`.execute(db)).rows[0]?.n,
    )
    if (subjects !== ctx.scale)
      throw new Error(`the installation holds ${subjects} subjects, not ${ctx.scale}`)
    const newsletter = { purposeKey: 'newsletter_email', channel: 'email' }
    const expected = await permissions.countAudience(newsletter)
    if (expected < ctx.scale * 0.3 || expected > ctx.scale * 0.45)
      throw new Error(
        `the newsletter audience is ${expected} of ${ctx.scale}: the demo permissions are not as expected`,
      )
    ctx.log(
      `newsletter audience: ${expected.toLocaleString('en')} of ${ctx.scale.toLocaleString('en')} subjects`,
    )
    const sample = (
      await db.selectFrom('subject').select('id').orderBy('id').limit(DENIAL_SET).execute()
    ).map((r) => r.id)

    const walk = async (query: { purposeKey: string; channel: string }): Promise<number> => {
      let n = 0
      let last = ''
      for await (const page of permissions.audiencePages({ ...query, pageSize: PAGE })) {
        if ((page[0] as string) <= last) throw new Error('audience pages are not in subject order')
        last = page[page.length - 1] as string
        n += page.length
      }
      return n
    }

    return measure(
      ctx,
      'audience',
      { warmups: 1, runs: 5 },
      {
        audience_ids_ms: 'ms',
        audience_count_ms: 'ms',
        audience_subjects: 'subjects',
        postal_ids_ms: 'ms',
        denials_10k_ms: 'ms',
      },
      async () => {
        let t = performance.now()
        const ids = await walk(newsletter)
        const idsMs = performance.now() - t
        if (ids !== expected)
          throw new Error(`the audience walk found ${ids} subjects, the count says ${expected}`)

        t = performance.now()
        const count = await permissions.countAudience(newsletter)
        const countMs = performance.now() - t
        if (count !== expected) throw new Error(`count ${count}, expected ${expected}`)

        t = performance.now()
        const postal = await walk({ purposeKey: 'postal_advertising', channel: 'post' })
        const postalMs = performance.now() - t
        if (postal < ctx.scale * 0.8) throw new Error(`the postal audience is only ${postal}`)

        t = performance.now()
        const denied = await permissions.denials({ ...newsletter, subjectIds: sample })
        const denialsMs = performance.now() - t
        if (denied.size === 0 || denied.size === sample.length)
          throw new Error(`${denied.size} of ${sample.length} denied: not a mixed set`)

        return {
          audience_ids_ms: idsMs,
          audience_count_ms: countMs,
          audience_subjects: ids,
          postal_ids_ms: postalMs,
          denials_10k_ms: denialsMs,
        }
      },
    )
  },
}
