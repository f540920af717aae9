import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../support/http.ts'

/**
 * Issue #12: a lookup by an identifier uses that identifier. A role without its field category
 * (e-mail, phone: contact; name: identity) must not find anyone by it, or it could re-identify a
 * pseudonymous profile; refused before the blind index is even asked, and the refusal audited.
 */
describeEachEngine('lookups by an identifier need its field category', (runtime) => {
  let t: TestApp
  let admin: string
  let product: string
  let nameOnly: string
  let subjectId: string

  const search = (payload: object, cookie: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/subjects/search', headers: { cookie }, payload })
  const deniedRecords = async (actorRole: string) => {
    const { rows } = await runtime().database.transaction((tx) =>
      tx.query<{ fields: string[] | null; reason: string | null; subject_ids: string[] | null }>(
        `select fields, reason, subject_ids from audit_event where action = 'denied' and actor_role = $1 order by seq`,
        [actorRole],
      ),
    )
    return rows
  }

  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('admin@lookup.test', 'admin')
    product = await t.signIn('product@lookup.test', 'product')
    const role = await t.app.inject({
      method: 'POST',
      url: '/api/v1/roles',
      headers: { cookie: admin },
      payload: { name: 'names-only', permissions: ['subjects:read'], fieldCategories: ['identity'] },
    })
    expect(role.statusCode, role.body).toBe(201)
    nameOnly = await t.signIn('names@lookup.test', 'names-only')
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects',
      headers: { cookie: admin },
      payload: {
        kinds: ['customer'],
        identifiers: { firstName: 'Ilse', lastName: 'Quartz', email: 'ilse@lookup.test' },
        attributes: { country: 'DE', region: 'DE-10' },
      },
    })
    expect(created.statusCode, created.body).toBe(201)
    subjectId = (created.json() as { id: string }).id
    // The same e-mail address again: a likely duplicate.
    const twin = await t.app.inject({
      method: 'POST',
      url: '/api/v1/subjects',
      headers: { cookie: admin },
      payload: { kinds: ['lead'], identifiers: { email: 'ILSE@lookup.test' } },
    })
    expect(twin.statusCode, twin.body).toBe(201)
  })
  afterEach(() => {
    vi.restoreAllMocks()
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('refuses a search by e-mail to a role without the contact category, before the blind index', async () => {
    const lookup = vi.spyOn(runtime().services.vault, 'findByBlindIndex')
    const res = await search({ email: 'ilse@lookup.test' }, product)
    expect(res.statusCode, res.body).toBe(403)
    expect(problemOf(res).errors).toEqual([
      expect.objectContaining({ in: 'body', field: 'email', reason: expect.stringContaining('contact') }),
    ])
    expect(res.body).not.toContain(subjectId)
    // A role with names but no contact data (and outside contact_management's scope) finds nobody either.
    const names = await search({ email: 'ilse@lookup.test' }, nameOnly)
    expect(names.statusCode, names.body).toBe(403)
    expect(names.body).not.toContain(subjectId)
    expect(lookup).not.toHaveBeenCalled()
    const records = await deniedRecords('product')
    expect(records).toContainEqual(
      expect.objectContaining({ fields: ['email'], reason: expect.stringContaining('contact') }),
    )
    // A refused lookup names no subject: nobody was looked up.
    expect(records.every((r) => r.subject_ids === null)).toBe(true)
  })

  it('refuses a search by name to a role without the identity category, before the name index', async () => {
    const lookup = vi.spyOn(runtime().services.vault, 'findByName')
    const res = await search({ name: 'quartz' }, product)
    expect(res.statusCode, res.body).toBe(403)
    expect(problemOf(res).errors?.map((e) => e.field)).toEqual(['name'])
    expect(problemOf(res).errors?.[0]?.reason).toContain('identity')
    expect(res.body).not.toContain(subjectId)
    expect(lookup).not.toHaveBeenCalled()
    expect(await deniedRecords('product')).toContainEqual(
      expect.objectContaining({
        fields: ['firstName', 'lastName'],
        reason: expect.stringContaining('identity'),
      }),
    )
  })

  it('still finds for a role that holds the category', async () => {
    const sales = await t.signIn('sales@lookup.test', 'sales')
    const byName = await search({ name: 'quartz' }, sales)
    expect(byName.statusCode, byName.body).toBe(200)
    expect((byName.json() as { items: { id: string }[] }).items.map((i) => i.id)).toEqual([subjectId])
    const byEmail = await search({ email: 'ilse@lookup.test' }, sales)
    expect(byEmail.statusCode, byEmail.body).toBe(200)
    expect((byEmail.json() as { items: { id: string }[] }).items.map((i) => i.id)).toContain(subjectId)
  })

  it('refuses duplicates (matched by e-mail, phone and name) to a role without those categories', async () => {
    const lookup = vi.spyOn(runtime().services.vault, 'lookalikes')
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/subjects/${subjectId}/duplicates`,
      headers: { cookie: product },
    })
    expect(res.statusCode, res.body).toBe(403)
    expect(problemOf(res).errors?.map((e) => e.field)).toEqual(['email', 'phone', 'firstName', 'lastName'])
    expect(res.body).not.toContain(subjectId)
    const names = await t.app.inject({
      method: 'GET',
      url: `/api/v1/subjects/${subjectId}/duplicates`,
      headers: { cookie: nameOnly },
    })
    expect(names.statusCode, names.body).toBe(403)
    expect(lookup).not.toHaveBeenCalled()
    expect(await deniedRecords('product')).toContainEqual(
      expect.objectContaining({
        fields: ['email', 'phone', 'firstName', 'lastName'],
        reason: expect.stringMatching(
          /role product lacks the field categories (contact, identity|identity, contact)/,
        ),
      }),
    )
    const allowed = await t.app.inject({
      method: 'GET',
      url: `/api/v1/subjects/${subjectId}/duplicates`,
      headers: { cookie: await t.signIn('sales@lookup.test', 'sales') },
    })
    expect(allowed.statusCode, allowed.body).toBe(200)
    expect((allowed.json() as { items: unknown[] }).items).toHaveLength(1)
  })
})
