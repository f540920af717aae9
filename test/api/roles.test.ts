import { afterAll, beforeAll, expect, it } from 'vitest'
import { RoleRepository } from '../../src/modules/access/role.repository.ts'
import { RoleService } from '../../src/modules/access/role.service.ts'
import {
  PERMISSIONS,
  ROLE_FIELD_CATEGORIES,
  ROLE_PERMISSIONS,
  ROLES,
} from '../../src/modules/access/roles.ts'
import type { AuditRecordInput } from '../../src/privacy/audit/audit-record.ts'
import { FIELD_CATALOG, FIELD_CATEGORIES, IDENTIFIER_FIELDS } from '../../src/privacy/fields/field-catalog.ts'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../support/http.ts'

interface RoleBody {
  name: string
  description: string
  permissions: string[]
  fieldCategories: string[]
  builtin: boolean
}

const SYSTEM = { actor: { type: 'system' as const, id: 'test' } }

describeEachEngine('roles in the database', (runtime) => {
  let t: TestApp
  let admin: string
  beforeAll(async () => {
    t = await buildTestApp(runtime())
    admin = await t.signIn('roles.admin@example.com', 'admin')
  })
  afterAll(async () => {
    await t.app.close()
  })
  const listRoles = async (cookie = admin) => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/roles', headers: { cookie } })
    expect(res.statusCode).toBe(200)
    return (res.json() as { items: RoleBody[] }).items
  }
  const post = (payload: object, cookie = admin) =>
    t.app.inject({ method: 'POST', url: '/api/v1/roles', headers: { cookie }, payload })
  const patch = (name: string, payload: object, cookie = admin) =>
    t.app.inject({ method: 'PATCH', url: `/api/v1/roles/${name}`, headers: { cookie }, payload })
  const remove = (name: string, cookie = admin) =>
    t.app.inject({ method: 'DELETE', url: `/api/v1/roles/${name}`, headers: { cookie } })

  it('seeds the department roles with permissions and field categories', async () => {
    const roles = await listRoles(await t.signIn('reader@example.com', 'product'))
    for (const name of ROLES) {
      const role = roles.find((r) => r.name === name)
      expect(role, name).toMatchObject({ builtin: true })
      expect(new Set(role?.permissions)).toEqual(new Set(ROLE_PERMISSIONS[name]))
      expect(new Set(role?.fieldCategories)).toEqual(new Set(ROLE_FIELD_CATEGORIES[name]))
      expect(role?.description.length).toBeGreaterThan(0)
    }
    const of = (name: string) => roles.find((r) => r.name === name) as RoleBody
    expect(of('admin').permissions).toEqual([...PERMISSIONS])
    expect(of('admin').permissions).toContain('roles:manage')
    expect(of('dpo').fieldCategories).toEqual([...FIELD_CATEGORIES])
    // Marketing never sees bank data; accounting sees bank data but no psychographic profile.
    expect(of('marketing').fieldCategories).not.toContain('bank')
    expect(of('accounting').fieldCategories).toContain('bank')
    expect(of('accounting').fieldCategories).not.toContain('psychographic')
    // Product is pseudonymous: not one identifier field is in its categories.
    const identifierCategories = new Set(IDENTIFIER_FIELDS.map((f) => FIELD_CATALOG[f]?.category))
    expect(of('product').fieldCategories.filter((c) => identifierCategories.has(c as never))).toEqual([])
    // Exports and bulk reads are an explicit permission, only for the DPO (and admin).
    expect(
      roles
        .filter((r) => r.permissions.includes('subjects:export'))
        .map((r) => r.name)
        .sort(),
    ).toEqual(['admin', 'dpo'])
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/v1/roles' })
    expect(anonymous.statusCode).toBe(401)
  })

  it('answers the gate and the guard from the database roles', () => {
    const { roles } = runtime().services
    expect(roles.fieldCategoriesOf('marketing')).toEqual(ROLE_FIELD_CATEGORIES.marketing)
    expect(roles.fieldCategoriesOf('no-such-role')).toEqual([])
    expect(roles.has('dpo', 'subjects:export')).toBe(true)
    expect(roles.has('sales', 'subjects:export')).toBe(false)
    expect(roles.has('no-such-role', 'subjects:read')).toBe(false)
  })

  it('defines a role, and a user in it can do exactly what it grants', async () => {
    const created = await post({
      name: 'field-sales',
      description: 'Sales reps on the road',
      permissions: ['subjects:read', 'tokens:own'],
      fieldCategories: ['contact', 'identity'],
    })
    expect(created.statusCode).toBe(201)
    expect(created.json()).toEqual({
      role: {
        name: 'field-sales',
        description: 'Sales reps on the road',
        permissions: ['subjects:read', 'tokens:own'],
        fieldCategories: ['identity', 'contact'],
        builtin: false,
      },
    })
    expect((await post({ name: 'field-sales', permissions: [], fieldCategories: [] })).statusCode).toBe(409)
    const rep = await t.signIn('rep@example.com', 'field-sales')
    const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { cookie: rep } })
    expect((await get('/api/v1/tokens')).statusCode).toBe(200)
    expect((await get('/api/v1/users')).statusCode).toBe(403)
    expect(runtime().services.roles.fieldCategoriesOf('field-sales')).toEqual(['identity', 'contact'])
  })

  it('applies a change to a role at once, without a restart or a new sign-in', async () => {
    const rep = await t.signIn('rep2@example.com', 'field-sales')
    const users = () => t.app.inject({ method: 'GET', url: '/api/v1/users', headers: { cookie: rep } })
    expect((await users()).statusCode).toBe(403)
    const changed = await patch('field-sales', {
      permissions: ['subjects:read', 'tokens:own', 'users:manage'],
    })
    expect(changed.statusCode).toBe(200)
    expect((await users()).statusCode).toBe(200)
    expect((await patch('field-sales', { permissions: ['subjects:read', 'tokens:own'] })).statusCode).toBe(
      200,
    )
    expect((await users()).statusCode).toBe(403)
    const described = await patch('field-sales', { description: 'Reps' })
    expect(described.json()).toMatchObject({
      role: { description: 'Reps', permissions: ['subjects:read', 'tokens:own'] },
    })
  })

  it('validates names, permissions and field categories', async () => {
    const badName = await post({ name: 'Bad Name', permissions: [], fieldCategories: [] })
    expect(badName.statusCode).toBe(400)
    expect(problemOf(badName).errors?.[0]?.field).toBe('name')
    const badPermission = await post({ name: 'odd', permissions: ['subjects:fly'], fieldCategories: [] })
    expect(badPermission.statusCode).toBe(400)
    expect(problemOf(badPermission).errors?.[0]?.reason).toContain('subjects:read')
    const badCategory = await post({ name: 'odd', permissions: [], fieldCategories: ['dna'] })
    expect(badCategory.statusCode).toBe(400)
    expect((await patch('field-sales', {})).statusCode).toBe(400)
    expect((await patch('no-such-role', { description: 'x' })).statusCode).toBe(404)
  })

  it('keeps admin whole, so there is always a way back in', async () => {
    const narrowed = await patch('admin', { permissions: ['subjects:read'] })
    expect(narrowed.statusCode).toBe(409)
    expect((await patch('admin', { fieldCategories: ['identity'] })).statusCode).toBe(409)
    expect((await patch('admin', { description: 'The keyholders' })).statusCode).toBe(200)
    expect(runtime().services.roles.permissionsOf('admin')).toEqual(PERMISSIONS)
  })

  it('lets a role manager grant only what their own role has', async () => {
    await runtime().services.roles.create(
      {
        name: 'role-desk',
        permissions: ['roles:manage', 'subjects:read', 'tokens:own'],
        fieldCategories: ['identity', 'contact'],
      },
      SYSTEM,
    )
    const desk = await t.signIn('role.desk@example.com', 'role-desk')
    const escalate = await post({ name: 'sneaky', permissions: ['users:manage'], fieldCategories: [] }, desk)
    expect(escalate.statusCode).toBe(403)
    expect(
      (await post({ name: 'sneaky', permissions: [], fieldCategories: ['bank'] }, desk)).statusCode,
    ).toBe(403)
    expect((await patch('product', { permissions: ['subjects:export'] }, desk)).statusCode).toBe(403)
    // Granting within one's own role is allowed.
    expect(
      (await post({ name: 'lite', permissions: ['subjects:read'], fieldCategories: ['contact'] }, desk))
        .statusCode,
    ).toBe(201)
  })

  it('lets a role manager take away only what their own role has (issue #12), and audits a refusal', async () => {
    await runtime().services.roles.create(
      {
        name: 'strip-desk',
        permissions: ['roles:manage', 'subjects:read'],
        fieldCategories: ['identity', 'socio_demographic'],
      },
      SYSTEM,
    )
    const desk = await t.signIn('strip.desk@example.com', 'strip-desk')
    const before = runtime().services.roles.get('product')
    expect(before?.permissions).toContain('catalog:manage')
    expect(before?.fieldCategories).toContain('behavioural')
    // product holds catalog:manage and the behavioural category; the desk holds neither.
    const strip = await patch(
      'product',
      { permissions: before?.permissions.filter((p) => p !== 'catalog:manage') },
      desk,
    )
    expect(strip.statusCode, strip.body).toBe(403)
    expect(problemOf(strip).errors).toEqual([
      expect.objectContaining({
        in: 'body',
        field: 'permissions',
        reason: expect.stringContaining('catalog:manage'),
      }),
    ])
    const narrow = await patch(
      'product',
      { fieldCategories: ['socio_demographic', 'derived', 'purchases'] },
      desk,
    )
    expect(narrow.statusCode, narrow.body).toBe(403)
    expect(problemOf(narrow).errors).toEqual([
      expect.objectContaining({ field: 'fieldCategories', reason: expect.stringContaining('behavioural') }),
    ])
    expect(runtime().services.roles.get('product')).toEqual(before)
    // Granting is refused the same way, naming what is missing.
    const grant = await post({ name: 'sneaky2', permissions: ['users:manage'], fieldCategories: [] }, desk)
    expect(problemOf(grant).errors).toEqual([
      expect.objectContaining({ field: 'permissions', reason: expect.stringContaining('users:manage') }),
    ])
    const { rows } = await runtime().database.transaction((tx) =>
      tx.query<{ reason: string }>(
        `select reason from audit_event where action = 'denied' and actor_role = 'strip-desk' order by seq`,
      ),
    )
    expect(rows.map((r) => r.reason)).toEqual([
      expect.stringMatching(/role product.*catalog:manage/),
      expect.stringMatching(/role product.*behavioural/),
      expect.stringMatching(/role sneaky2.*users:manage/),
    ])
    // What the desk holds itself it may take away (and give back).
    const socio = await patch(
      'product',
      { fieldCategories: before?.fieldCategories.filter((c) => c !== 'socio_demographic') },
      desk,
    )
    expect(socio.statusCode, socio.body).toBe(200)
    expect((await patch('product', { fieldCategories: before?.fieldCategories }, desk)).statusCode).toBe(200)
    expect(runtime().services.roles.get('product')).toEqual(before)
  })

  it('deletes only admin-defined roles nobody uses', async () => {
    expect((await remove('sales')).statusCode).toBe(409)
    const inUse = await remove('field-sales')
    expect(inUse.statusCode).toBe(409)
    expect(problemOf(inUse).detail).toContain('in use')
    await post({ name: 'for-tokens', permissions: ['subjects:read'], fieldCategories: [] })
    const owner = (await runtime().services.access.findUserByEmail('roles.admin@example.com'))!
    const { info } = await runtime().services.access.createToken(
      { userId: owner.id, role: 'admin' },
      't',
      'for-tokens',
    )
    expect((await remove('for-tokens')).statusCode).toBe(409)
    await runtime().services.access.revokeToken(owner.id, info.id)
    expect((await remove('for-tokens')).statusCode).toBe(204)
    expect((await remove('for-tokens')).statusCode).toBe(404)
    expect((await listRoles()).some((r) => r.name === 'for-tokens')).toBe(false)
  })

  it('re-seeds idempotently: a later seed adds what it newly grants and keeps admin edits', async () => {
    const db = runtime().database.db
    const audit: AuditRecordInput[] = []
    const roles = new RoleService(new RoleRepository(db), {
      append: async (records) => {
        audit.push(...records)
      },
    })
    // As if marketing had been seeded by an older release without permissions:write, and an admin
    // had since taken subjects:history away and given psychographic data... to nobody new.
    await db
      .updateTable('role')
      .set({
        permissions: ROLE_PERMISSIONS.marketing.filter(
          (p) => p !== 'permissions:write' && p !== 'subjects:history',
        ),
        seeded_permissions: ROLE_PERMISSIONS.marketing.filter((p) => p !== 'permissions:write'),
      })
      .where('name', '=', 'marketing')
      .execute()
    await roles.init()
    const marketing = roles.get('marketing')
    expect(marketing?.permissions).toContain('permissions:write')
    expect(marketing?.permissions).not.toContain('subjects:history')
    expect(audit).toHaveLength(1)
    expect(audit[0]).toMatchObject({ action: 'configure', actor: { type: 'system' } })
    expect(audit[0]?.reason).toMatch(/^built-in role marketing updated from the seed/)
    await roles.init()
    expect(audit).toHaveLength(1)
  })

  it('a second process sees a change within its refresh interval, off the request path', async () => {
    const other = new RoleService(
      new RoleRepository(runtime().database.db),
      { append: async () => {} },
      { maxAgeMs: 0 },
    )
    await other.reload()
    expect(other.has('logistics', 'audit:read')).toBe(false)
    await runtime().services.roles.update(
      'logistics',
      { permissions: [...ROLE_PERMISSIONS.logistics, 'audit:read'] },
      SYSTEM,
    )
    await expect.poll(() => other.has('logistics', 'audit:read')).toBe(true)
    await runtime().services.roles.update('logistics', { permissions: ROLE_PERMISSIONS.logistics }, SYSTEM)
  })
})
