import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, type TestApp } from '../support/http.ts'

/**
 * Issue #12: the audit record of fields withheld from a read names the rule that withheld them —
 * the role lacking the field's category, or a special category (Art. 9) the purpose has no
 * Art. 9(2) basis for — one record per rule, never the role rule for everything.
 */
describeEachEngine('the audit names why each field was withheld', (runtime) => {
  let t: TestApp
  let subjectId: string

  const deniedFor = async (role: string) => {
    const { rows } = await runtime().database.transaction((tx) =>
      tx.query<{ fields: string[]; reason: string; purpose: string; subject_ids: string[] }>(
        `select fields, reason, purpose, subject_ids from audit_event
         where action = 'denied' and actor_role = $1 and fields is not null order by seq`,
        [role],
      ),
    )
    return rows
  }
  const read = async (role: string) => {
    const cookie = await t.signIn(`${role}@withheld.test`, role)
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/subjects/${subjectId}`,
      headers: { cookie },
    })
    expect(res.statusCode, res.body).toBe(200)
    return res.json() as { attributes: Record<string, unknown> }
  }

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    const admin = await t.signIn('admin@withheld.test', 'admin')
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects',
      headers: { cookie: admin },
      payload: { kinds: ['customer'], identifiers: { email: 'withheld@withheld.test' } },
    })
    expect(res.statusCode, res.body).toBe(201)
    subjectId = (res.json() as { id: string }).id
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('a special category withheld from a role that holds its category: the Art. 9 rule, not the role', async () => {
    // The DPO holds every field category; dietaryRequirements (health) is withheld only because
    // contact_management has no Art. 9(2) basis.
    await read('dpo')
    const records = await deniedFor('dpo')
    const art9 = records.filter((r) => r.fields.includes('dietaryRequirements'))
    expect(art9).toHaveLength(1)
    expect(art9[0]).toMatchObject({
      fields: ['dietaryRequirements'],
      purpose: 'contact_management',
      subject_ids: [subjectId],
    })
    expect(art9[0]?.reason).toMatch(/Art\. 9/)
    expect(art9[0]?.reason).toContain('contact_management')
    expect(records.map((r) => r.reason)).not.toContainEqual(expect.stringMatching(/role dpo lacks/))
  })

  it('one record per rule when both withhold fields', async () => {
    // Marketing holds psychographic (so dietaryRequirements falls to Art. 9) but not bank or notes.
    await read('marketing')
    const records = await deniedFor('marketing')
    const byRole = records.filter((r) => r.reason.startsWith('role '))
    const byArt9 = records.filter((r) => /Art\. 9/.test(r.reason))
    expect(byRole).toHaveLength(1)
    expect(byArt9).toHaveLength(1)
    expect(byRole[0]?.fields).toEqual(expect.arrayContaining(['iban', 'accountHolder', 'notes']))
    expect(byRole[0]?.fields).not.toContain('dietaryRequirements')
    expect(byRole[0]?.reason).toMatch(/role marketing lacks the field categories .*bank/)
    expect(byRole[0]?.reason).not.toContain('psychographic')
    expect(byArt9[0]?.fields).toEqual(['dietaryRequirements'])
  })

  it('a special category whose category the role lacks is withheld by the role rule', async () => {
    // Sales lacks psychographic: dietaryRequirements is the role's denial, not Art. 9's.
    await read('sales')
    const records = await deniedFor('sales')
    const byRole = records.filter((r) => r.reason.startsWith('role '))
    expect(byRole).toHaveLength(1)
    expect(byRole[0]?.fields).toEqual(expect.arrayContaining(['dietaryRequirements', 'interests', 'iban']))
    expect(byRole[0]?.reason).toMatch(/role sales lacks the field categories .*psychographic/)
    expect(records.filter((r) => /Art\. 9/.test(r.reason))).toEqual([])
  })
})
