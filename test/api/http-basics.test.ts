import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachEngine } from '../support/engines.ts'
import { buildTestApp, problemOf, type TestApp } from '../support/http.ts'

describeEachEngine('HTTP basics', (runtime, engine) => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp(runtime())
  })
  afterAll(async () => {
    await t.app.close()
  })

  it('answers /healthz with the engine', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'ok', engine })
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('publishes OpenAPI 3.1 generated from the route schemas', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' })
    expect(res.statusCode).toBe(200)
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, unknown>> }
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/healthz', '/api/v1/auth/login', '/api/v1/subjects', '/api/v1/tokens/{id}']),
    )
    const subjects = doc.paths['/api/v1/subjects']?.get as { parameters: { name: string }[] }
    expect(subjects.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['limit', 'cursor', 'sort', 'order', 'kind']),
    )
  })

  it('documents the problem responses, with the code and params of field errors', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>
      >
      components: { schemas: Record<string, Schema> }
    }
    interface Schema {
      properties?: Record<string, Schema & { description?: string }>
      items?: Schema
      required?: string[]
    }
    const problem = doc.components.schemas.Problem
    const fieldError = problem?.properties?.errors?.items
    expect(fieldError?.required).toEqual(['in', 'field', 'reason'])
    expect(fieldError?.properties?.code?.description).toContain('`max-length`')
    expect(fieldError?.properties?.params?.description).toContain('`limit`')
    const created = doc.paths['/api/v1/subjects']?.post?.responses ?? {}
    expect(created['4XX']?.content?.['application/problem+json']).toEqual({
      schema: { $ref: '#/components/schemas/Problem' },
    })
    expect(created['201']).toBeDefined()
  })

  it('serves the API docs page at /docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('text/html')
  })

  it('answers unknown API paths with a problem+json 404', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here?x=1' })
    expect(res.statusCode).toBe(404)
    const problem = problemOf(res)
    expect(problem.type).toBe('urn:tresor:problem:not-found')
    expect(problem.detail).not.toContain('x=1')
  })

  it('serves the web UI for app routes but 404s a missing build asset', async () => {
    const html = { accept: 'text/html,application/xhtml+xml' }
    const page = await t.app.inject({ method: 'GET', url: '/contacts', headers: html })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('<div id="root">')
    const asset = await t.app.inject({ method: 'GET', url: '/assets/missing-1234.js', headers: html })
    expect(asset.statusCode).toBe(404)
    expect(problemOf(asset).type).toBe('urn:tresor:problem:not-found')
  })

  it('refuses API calls without credentials, and with an unknown token', async () => {
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/v1/subjects' })
    expect(anonymous.statusCode).toBe(401)
    expect(problemOf(anonymous).type).toBe('urn:tresor:problem:unauthenticated')
    const badToken = await t.app.inject({
      method: 'GET',
      url: '/api/v1/subjects',
      headers: { authorization: 'Bearer tresor_nope' },
    })
    expect(badToken.statusCode).toBe(401)
  })

  it('answers an anonymous call with 401 before looking at its body', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    })
    expect(res.statusCode).toBe(401)
  })
})
