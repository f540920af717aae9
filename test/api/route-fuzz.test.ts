import fc from 'fast-check'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildApp } from '../../src/server/app.ts'
import { routeTable } from '../../src/server/auth.ts'
import { describeEachEngine } from '../support/engines.ts'
import { createSubject, sessionCookie } from '../support/http.ts'

/**
 * Every route, fed bounded random input generated from its own OpenAPI schema (path parameters,
 * query, JSON body): valid-looking values, NUL characters, very long and odd Unicode strings,
 * wrong types, non-UUID ids, huge numbers — as an admin (session cookie or API token) and
 * anonymously. The bar: no answer is a 5xx. The routes missing from the OpenAPI document (the
 * public HTML pages under /p/) get random path parameters and form bodies. A fixed seed keeps runs
 * reproducible; set TRESOR_FUZZ_SEED locally to explore further.
 */
const SEED = Number(process.env.TRESOR_FUZZ_SEED ?? 20_251_012)
/**
 * Inputs per operation and caller; small enough for about a minute per engine on two busy cores
 * (TRESOR_FUZZ_RUNS for more, locally).
 */
const ADMIN_RUNS = Number(process.env.TRESOR_FUZZ_RUNS ?? 10)
const ANONYMOUS_RUNS = Math.ceil(ADMIN_RUNS / 3)

type Schema = Record<string, unknown>
type Mode = 'clean' | 'nul' | 'wild'
type Caller = 'token' | 'session' | 'anonymous'
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

interface Parameter {
  name: string
  in: string
  required?: boolean
  schema: Schema
}
interface Operation {
  method: Method
  path: string
  parameters: Parameter[]
  body: Schema | undefined
  anonymous: boolean
}
interface Input {
  url: string
  payload: string | undefined
  contentType: string | undefined
  headers: Record<string, string>
}
interface Failure {
  method: string
  url: string
  status: number
  caller: Caller
  error: string
}

const ODD_STRINGS = [
  '',
  ' ',
  'ä',
  '🦄',
  'ﬀ',
  'İ',
  'e\u0301',
  '\u202e\u202d',
  '\u200b',
  '\ufeff',
  '\ud800',
  '\udfff',
  '\uffff',
  '%00',
  '%',
  '..',
  '../..',
  '\\',
  "'; drop table subject; --",
  '<script>',
  '{{7*7}}',
  '\r\n',
  'null',
  '-1',
  '1e309',
  'NaN',
  '0000-00-00',
]
const NUL = '\u0000'
const HUGE_NUMBERS = [
  1e308,
  -1e308,
  2 ** 53,
  2 ** 63,
  -(2 ** 63),
  1e20,
  -1,
  0.5,
  2_147_483_648,
  -2_147_483_649,
]
const DATES = ['0000-01-01', '0001-01-01', '9999-12-31', '2024-02-29', '1970-01-01']
const DATE_TIMES = [
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00+14:00',
  '2024-02-29T12:00:00-12:00',
]
const NIL_UUID = '00000000-0000-0000-0000-000000000000'

const withNul = (s: string, at: number): string => {
  const i = Math.min(at, s.length)
  return `${s.slice(0, i)}${NUL}${s.slice(i)}`
}

/**
 * Arbitraries built from the OpenAPI document's schemas. `known` offers existing ids and keys by
 * parameter or property name, so that generated calls also reach past "not found".
 */
class Generator {
  readonly #components: Record<string, Schema>
  readonly #known: Record<string, readonly string[]>
  constructor(components: Record<string, Schema>, known: Record<string, readonly string[]>) {
    this.#components = components
    this.#known = known
  }

  value(schema: Schema, mode: Mode, depth = 0): fc.Arbitrary<unknown> {
    const shaped = this.#shaped(this.#resolve(schema), mode, depth)
    if (mode !== 'wild') return shaped
    return fc.oneof({ weight: 6, arbitrary: shaped }, { weight: 1, arbitrary: wrongValue() })
  }

  /** A value for a named parameter or property: often a known one, where there are any. */
  named(name: string, schema: Schema, mode: Mode, depth = 0): fc.Arbitrary<unknown> {
    const generated = this.value(schema, mode, depth)
    const pool = this.#known[name] ?? []
    const resolved = this.#resolve(schema)
    const types = [resolved.type, ...((resolved.anyOf ?? []) as Schema[]).map((m) => this.#resolve(m).type)]
    // Known values are strings: only for a string (or one of a union).
    if (!pool.length || mode === 'nul' || !types.includes('string')) return generated
    return fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: generated })
  }

  #resolve(schema: Schema): Schema {
    const ref = schema.$ref
    if (typeof ref !== 'string') return schema
    const name = ref.split('/').at(-1) as string
    return this.#resolve(this.#components[name] ?? {})
  }

  #shaped(schema: Schema, mode: Mode, depth: number): fc.Arbitrary<unknown> {
    const members = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined
    if (members) return fc.oneof(...members.map((m) => this.value(m, mode, depth + 1)))
    if (schema.const !== undefined) return fc.constant(schema.const)
    if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]))
    const type = schema.type
    if (Array.isArray(type))
      return fc.oneof(...type.map((t) => this.#shaped({ ...schema, type: t }, mode, depth)))
    switch (type) {
      case 'string':
        return stringOf(schema, mode)
      case 'integer':
      case 'number':
        return numberOf(schema, type === 'integer')
      case 'boolean':
        return fc.boolean()
      case 'null':
        return fc.constant(null)
      case 'array': {
        if (depth > 5) return fc.constant([])
        const items = this.value((schema.items as Schema) ?? {}, mode, depth + 1)
        const minLength = Math.min(Number(schema.minItems ?? 0), 4)
        const maxLength = Math.max(minLength, Math.min(Number(schema.maxItems ?? 4), 4))
        return schema.uniqueItems
          ? fc.uniqueArray(items, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
          : fc.array(items, { minLength, maxLength })
      }
      case 'object':
        return this.#object(schema, mode, depth)
      default:
        return depth > 5 ? fc.constant(null) : fc.jsonValue({ maxDepth: 2 })
    }
  }

  #object(schema: Schema, mode: Mode, depth: number): fc.Arbitrary<unknown> {
    if (depth > 5) return fc.constant({})
    const properties = (schema.properties ?? {}) as Record<string, Schema>
    const required = (schema.required ?? []) as string[]
    const names = Object.keys(properties)
    const extra = schema.additionalProperties
    if (names.length === 0 && extra && typeof extra === 'object') {
      const key = mode === 'nul' ? fc.string({ maxLength: 8 }).map((s) => withNul(s, 1)) : keyString()
      return fc.dictionary(key, this.value(extra as Schema, mode, depth + 1), { maxKeys: 4 })
    }
    const model = Object.fromEntries(
      names.map((n) => [n, this.named(n, properties[n] ?? {}, mode, depth + 1)]),
    )
    const record = fc.record(model, { requiredKeys: required.filter((r) => names.includes(r)) })
    if (mode !== 'wild') return record
    // Unknown properties, and required ones left out.
    return fc.oneof(
      { weight: 4, arbitrary: record },
      {
        weight: 1,
        arbitrary: fc
          .tuple(record, keyString(), wrongValue())
          .map(([r, k, v]) => ({ ...(r as object), [k]: v })),
      },
      { weight: 1, arbitrary: fc.record(model, { requiredKeys: [] }) },
    )
  }
}

const keyString = () =>
  fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', ''))

function wrongValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.constantFrom(...HUGE_NUMBERS),
    fc.integer(),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.string({ maxLength: 10 }).map((s) => withNul(s, 3)),
    fc.constant('x'.repeat(20_000)),
    fc.constant([]),
    fc.constant({}),
    fc.constantFrom(...ODD_STRINGS),
  )
}

/** `s` cut or padded (by code points, as JSON Schema counts) to fit the schema's lengths. */
function fitted(s: string, minLength: number, maxLength: number | undefined): string {
  const points = [...s]
  if (maxLength !== undefined && points.length > maxLength) return points.slice(0, maxLength).join('')
  return points.length < minLength ? s + 'a'.repeat(minLength - points.length) : s
}

function stringOf(schema: Schema, mode: Mode): fc.Arbitrary<string> {
  const minLength = Number(schema.minLength ?? 0)
  const maxLength = schema.maxLength === undefined ? undefined : Number(schema.maxLength)
  const withinLength = (arbitrary: fc.Arbitrary<string>) =>
    mode === 'wild' ? arbitrary : arbitrary.map((s) => fitted(s, minLength, maxLength))
  const cap = Math.min(maxLength ?? 40, 40)
  let base: fc.Arbitrary<string>
  switch (schema.format) {
    case 'uuid':
      base = fc.oneof(
        fc.uuid(),
        fc.uuid().map((u) => u.toUpperCase()),
        fc.constantFrom(NIL_UUID, 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'not-a-uuid'),
      )
      break
    case 'date':
      base = fc.oneof(
        { weight: 1, arbitrary: fc.constantFrom(...DATES) },
        {
          weight: 3,
          arbitrary: fc
            .date({
              min: new Date('0001-01-01T00:00:00Z'),
              max: new Date('9999-12-31T00:00:00Z'),
              noInvalidDate: true,
            })
            .map((d) => d.toISOString().slice(0, 10)),
        },
      )
      break
    case 'date-time':
      base = fc.oneof(
        { weight: 1, arbitrary: fc.constantFrom(...DATE_TIMES) },
        {
          weight: 3,
          arbitrary: fc
            .date({
              min: new Date('0001-01-01T00:00:00Z'),
              max: new Date('9999-12-31T00:00:00Z'),
              noInvalidDate: true,
            })
            .map((d) => d.toISOString()),
        },
      )
      break
    case 'email':
      base = fc.oneof(
        {
          weight: 3,
          arbitrary: fc.stringMatching(/^[a-z0-9]{1,12}(\.[a-z0-9+]{1,8})?@[a-z0-9]{1,10}\.test$/),
        },
        { weight: 1, arbitrary: fc.emailAddress({ size: 'small' }) },
        { weight: 1, arbitrary: fc.constantFrom('a@b', 'ä@example.com', `${'x'.repeat(64)}@example.com`) },
      )
      break
    case 'uri':
      base = fc.oneof(fc.webUrl(), fc.constantFrom('javascript:alert(1)', 'http://[::1]:0/'))
      break
    default:
      if (typeof schema.pattern === 'string') {
        base = matching(schema.pattern) ?? fc.string({ maxLength: cap })
      } else {
        base = withinLength(
          fc.oneof(
            {
              weight: 3,
              arbitrary: fc.string({ unit: 'grapheme', minLength: Math.min(minLength, cap), maxLength: cap }),
            },
            {
              weight: 2,
              arbitrary: fc.string({ unit: 'binary', minLength: Math.min(minLength, cap), maxLength: cap }),
            },
            { weight: 2, arbitrary: fc.constantFrom(...ODD_STRINGS) },
            // At the limit (or far beyond one that is not set): long values reach the database.
            { weight: 1, arbitrary: fc.constant('x'.repeat(maxLength ?? 5_000)) },
            { weight: 1, arbitrary: fc.constant('ü'.repeat(maxLength ?? 5_000)) },
          ),
        )
      }
  }
  if (mode === 'nul')
    return fc
      .tuple(base, fc.nat(8))
      .map(([s, at]) =>
        withNul(fitted(s, 0, maxLength === undefined ? undefined : Math.max(0, maxLength - 1)), at),
      )
  return base
}

/** Strings matching a pattern (near enough: fast-check reads no lookahead, so it is left out). */
function matching(pattern: string): fc.Arbitrary<string> | undefined {
  try {
    return fc.stringMatching(new RegExp(pattern.replace(/\(\?[=!][^)]*\)/g, '')))
  } catch {
    return undefined
  }
}

function numberOf(schema: Schema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.minimum === undefined ? undefined : Number(schema.minimum)
  const max = schema.maximum === undefined ? undefined : Number(schema.maximum)
  const bounds = [min, max].filter((n): n is number => n !== undefined)
  const inRange = integer
    ? fc.integer({
        min: Math.max(min ?? -(2 ** 31), Number.MIN_SAFE_INTEGER),
        max: Math.min(max ?? 2 ** 31, Number.MAX_SAFE_INTEGER),
      })
    : fc.double({ min: min ?? -1e9, max: max ?? 1e9, noNaN: true, noDefaultInfinity: true })
  return fc.oneof(
    { weight: 4, arbitrary: inRange },
    { weight: 1, arbitrary: bounds.length ? fc.constantFrom(...bounds) : inRange },
    { weight: 1, arbitrary: fc.constantFrom(...HUGE_NUMBERS) },
  )
}

/** A path parameter as it goes into the URL; lone surrogates become invalid UTF-8 escapes. */
function encodeSegment(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return text
    .split(/([\ud800-\udfff])/)
    .map((part, i) => {
      if (i % 2 === 0) return encodeURIComponent(part)
      try {
        return encodeURIComponent(part)
      } catch {
        return '%ED%A0%80'
      }
    })
    .join('')
}

function queryString(values: [string, unknown][]): string {
  const parts: string[] = []
  for (const [name, value] of values) {
    for (const v of Array.isArray(value) ? value : [value])
      parts.push(`${encodeSegment(name)}=${encodeSegment(typeof v === 'string' ? v : JSON.stringify(v))}`)
  }
  return parts.length ? `?${parts.join('&')}` : ''
}

const headerArbitrary = fc.record(
  {
    'accept-language': fc.constantFrom('de', 'en-GB,en;q=0.8', '*', 'xx', 'q=;,', 'de'.repeat(500)),
    'user-agent': fc.oneof(fc.string({ maxLength: 60 }), fc.constant('u'.repeat(5_000))),
    'x-forwarded-for': fc.constantFrom('1.2.3.4', 'not-an-ip', '::1, 10.0.0.1', ''),
  },
  { requiredKeys: [] },
)

/** Inputs for one operation; `known` are existing ids and keys by parameter name. */
function inputsFor(gen: Generator, op: Operation, seed: number, runs: number): Input[] {
  const arbitrary = fc.constantFrom<Mode>('clean', 'clean', 'clean', 'nul', 'wild', 'wild').chain((mode) => {
    const path = op.parameters.filter((p) => p.in === 'path')
    const query = op.parameters.filter((p) => p.in === 'query')
    const pathValues = fc.tuple(...path.map((p) => gen.named(p.name, p.schema, mode)))
    // Optional parameters now and then: each one can refuse the whole call.
    const queryValues = fc.tuple(
      ...query.map((p) =>
        p.required
          ? gen.named(p.name, p.schema, mode)
          : fc.option(gen.named(p.name, p.schema, mode), { nil: undefined, freq: 2 }),
      ),
    )
    const body = op.body ? gen.value(op.body, mode) : fc.constant(undefined)
    const malformed = fc.constantFrom('{"a":', '[]', 'null', '"x"', '{"__proto__":{"admin":true}}', '\u0000')
    return fc.record({
      pathValues,
      queryValues,
      body,
      raw: mode === 'wild' ? fc.option(malformed, { freq: 4, nil: undefined }) : fc.constant(undefined),
      headers: headerArbitrary,
    })
  })
  return fc
    .sample(arbitrary, { seed, numRuns: runs })
    .map(({ pathValues, queryValues, body, raw, headers }) => {
      const path = op.parameters.filter((p) => p.in === 'path')
      const query = op.parameters.filter((p) => p.in === 'query')
      let url = op.path
      path.forEach((p, i) => {
        url = url.replace(`{${p.name}}`, encodeSegment(pathValues[i]))
      })
      const q = query.flatMap((p, i): [string, unknown][] =>
        queryValues[i] === undefined ? [] : [[p.name, queryValues[i]]],
      )
      const payload = raw ?? (op.body && body !== undefined ? JSON.stringify(body) : undefined)
      return {
        url: url + queryString(q),
        payload,
        contentType: payload === undefined ? undefined : 'application/json',
        headers: headers as Record<string, string>,
      }
    })
}

/** Inputs for the public HTML pages (not in the OpenAPI document): path segments and form bodies. */
function pageInputs(
  route: { method: string; url: string },
  keys: readonly string[],
  seed: number,
  runs: number,
): Input[] {
  const segment = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.constantFrom(...ODD_STRINGS, 'x'.repeat(500)),
    fc.tuple(fc.string({ maxLength: 8 }), fc.nat(8)).map(([s, at]) => withNul(s, at)),
    fc.uuid(),
    fc.constantFrom(...keys, 'contact'),
  )
  const formField = fc.constantFrom(
    'email',
    'firstName',
    'lastName',
    'lang',
    'csrf',
    'scope',
    'purpose',
    'channel',
    'action',
    'kind',
    'details',
    'textVersion',
    'agreed',
    'List-Unsubscribe',
    'website',
  )
  const arbitrary = fc.record({
    params: fc.array(segment, { minLength: 3, maxLength: 3 }),
    lang: fc.option(segment, { nil: undefined }),
    form: fc.dictionary(
      formField,
      fc.oneof(
        segment,
        fc.string({ maxLength: 8 }).map((s) => withNul(s, 2)),
      ),
      {
        maxKeys: 6,
      },
    ),
    json: fc.boolean(),
    headers: headerArbitrary,
  })
  return fc.sample(arbitrary, { seed, numRuns: runs }).map(({ params, lang, form, json, headers }) => {
    let n = 0
    const url = route.url.replace(/:([A-Za-z0-9_]+)/g, () => encodeSegment(params[n++] ?? ''))
    const withQuery = lang === undefined ? url : `${url}?lang=${encodeSegment(lang)}`
    if (route.method === 'GET') return { url: withQuery, payload: undefined, contentType: undefined, headers }
    const payload = json
      ? JSON.stringify(form)
      : Object.entries(form)
          .map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`)
          .join('&')
    return {
      url: withQuery,
      payload,
      contentType: json ? 'application/json' : 'application/x-www-form-urlencoded',
      headers,
    }
  })
}

describeEachEngine('random input on every route never gets a 5xx', (runtime) => {
  let app: FastifyInstance
  let token: string
  let cookie: string
  /** Why each request failed, by request id (the error handler's input, for the report). */
  const errors = new Map<string, string>()
  const known: Record<string, string[]> = {}
  let clientNo = 0

  const signIn = async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'fuzz-admin@example.test', password: 'a long fuzzing password' },
    })
    if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode}`)
    cookie = sessionCookie(res)
  }

  beforeAll(async () => {
    app = await buildApp(runtime())
    app.addHook('onError', async (request, _reply, error) => {
      const code = (error as { code?: unknown }).code
      errors.set(request.id, `${error.name}${code ? ` ${String(code)}` : ''}: ${error.message.slice(0, 200)}`)
    })
    await app.ready()
    const { access } = runtime().services
    const { user } = await access.createUser({
      email: 'fuzz-admin@example.test',
      role: 'admin',
      password: 'a long fuzzing password',
    })
    token = (await access.createToken({ userId: user.id, role: 'admin' }, 'fuzz', 'admin')).token
    await signIn()
    // Existing objects, so that some generated calls reach past "not found".
    const subjects = [
      await createSubject(app, `${cookie}`, { firstName: 'Fuzz', email: 'fuzz-1@example.test' }),
      await createSubject(app, `${cookie}`, { firstName: 'Fuzz', email: 'fuzz-2@example.test' }),
      await createSubject(app, `${cookie}`, { lastName: 'Fuzz' }),
    ]
    const auth = { authorization: `Bearer ${token}` }
    const org = await app.inject({
      method: 'POST',
      url: '/api/v1/organisations',
      headers: auth,
      payload: { name: 'Fuzz GmbH' },
    })
    const deal = await app.inject({
      method: 'POST',
      url: `/api/v1/subjects/${subjects[0]}/deals`,
      headers: auth,
      payload: { title: 'Fuzz deal' },
    })
    const note = await app.inject({
      method: 'POST',
      url: `/api/v1/subjects/${subjects[0]}/notes`,
      headers: auth,
      payload: { kind: 'task', text: 'Fuzz task' },
    })
    const idOf = (res: { statusCode: number; json(): unknown }) =>
      res.statusCode < 300 ? [(res.json() as { id: string }).id] : []
    const keysOf = async (url: string, field = 'key') => {
      const res = await app.inject({ method: 'GET', url, headers: auth })
      const items = res.json() as unknown
      const list = Array.isArray(items) ? items : ((items as { items?: unknown[] }).items ?? [])
      return (list as Record<string, string>[]).slice(0, 3).map((i) => String(i[field]))
    }
    known.id = subjects
    known.organisationId = idOf(org)
    known.dealId = idOf(deal)
    known.noteId = idOf(note)
    known.key = [
      ...(await keysOf('/api/v1/forms')),
      ...(await keysOf('/api/v1/purposes')),
      ...(await keysOf('/api/v1/fields')),
    ]
    known.name = ['sales']
    known.subjectId = subjects
    known.duplicateId = subjects
    known.formKey = await keysOf('/api/v1/forms')
    known.purposeKey = await keysOf('/api/v1/purposes')
    known.purpose = known.purposeKey
    known.role = ['sales', 'marketing']
    known.phone = ['+49 30 1234567', '030 1234567', '+1 202-555-0143']
    known.stageKey = await keysOf('/api/v1/pipeline-stages')
    known.currency = ['EUR']
    known.countryCode = ['DE', 'AT']
    known.field = ['email', 'firstName']
  })
  afterAll(async () => {
    await app?.close()
  })

  const operations = (): Operation[] => {
    const doc = app.swagger() as unknown as {
      paths: Record<string, Record<string, Schema>>
      components?: { schemas?: Record<string, Schema> }
    }
    return Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map(([method, op]) => ({
          method: method.toUpperCase() as Method,
          path,
          parameters: (op.parameters ?? []) as Parameter[],
          body: (op.requestBody as { content?: Record<string, { schema: Schema }> } | undefined)?.content?.[
            'application/json'
          ]?.schema,
          anonymous: Array.isArray(op.security) && op.security.length === 0,
        })),
    )
  }

  const send = async (method: string, input: Input, caller: Caller, failures: Failure[]) => {
    const headers: Record<string, string> = { ...input.headers }
    if (input.contentType) headers['content-type'] = input.contentType
    if (caller === 'token') headers.authorization = `Bearer ${token}`
    if (caller === 'session') {
      headers.cookie = cookie
      headers['sec-fetch-site'] = 'same-origin'
    }
    const options: InjectOptions = {
      method: method as Method,
      url: input.url,
      headers,
      // A fresh address per request: the rate limits are not what this test is about.
      remoteAddress: `10.${(clientNo >> 16) & 255}.${(clientNo >> 8) & 255}.${clientNo++ & 255}`,
      ...(input.payload !== undefined ? { payload: input.payload } : {}),
    }
    let res: Awaited<ReturnType<FastifyInstance['inject']>>
    try {
      res = await app.inject(options)
    } catch (error) {
      failures.push({ method, url: input.url.slice(0, 160), status: 0, caller, error: String(error) })
      return
    }
    if (res.statusCode >= 500) {
      const requestId = String(res.headers['x-request-id'] ?? '')
      failures.push({
        method,
        url: input.url.length > 160 ? `${input.url.slice(0, 160)}…` : input.url,
        status: res.statusCode,
        caller,
        error: errors.get(requestId) ?? res.body.slice(0, 200),
      })
    }
    // A contact the fuzzer made is one more to address.
    if (res.statusCode === 201 && method === 'POST' && input.url === '/api/v1/subjects')
      known.id?.push((res.json() as { id: string }).id)
    // The fuzzer signed the session out (or changed what it may do): sign in again.
    if (caller === 'session' && (res.statusCode === 401 || /\/auth\/logout$/.test(input.url))) await signIn()
  }

  const report = (failures: Failure[]) =>
    failures.map((f) => `${f.method} ${f.url} → ${f.status} (${f.caller}): ${f.error}`).join('\n')

  it('documented API operations', async () => {
    const gen = new Generator(
      ((app.swagger() as unknown as { components?: { schemas?: Record<string, Schema> } }).components
        ?.schemas ?? {}) as Record<string, Schema>,
      known,
    )
    // Reads first, erasures and merges last: the known subjects stay around for most calls.
    const rank = (op: Operation) =>
      op.method === 'GET' ? 0 : op.method === 'DELETE' || op.path.endsWith('/merge') ? 2 : 1
    const ops = operations().sort((a, b) => rank(a) - rank(b))
    expect(ops.length).toBeGreaterThan(50)
    const failures: Failure[] = []
    for (const [index, op] of ops.entries()) {
      const seed = SEED + index
      const inputs = inputsFor(gen, op, seed, ADMIN_RUNS)
      for (const [n, input] of inputs.entries())
        await send(op.method, input, n % 2 === 0 ? 'token' : 'session', failures)
      const anonymous = op.anonymous ? inputs : inputsFor(gen, op, seed + 7, ANONYMOUS_RUNS)
      for (const input of anonymous) await send(op.method, input, 'anonymous', failures)
    }
    expect(failures, `5xx answers:\n${report(failures)}`).toEqual([])
  }, 300_000)

  it('public pages outside the OpenAPI document', async () => {
    const documented = new Set(
      operations().map((op) => `${op.method} ${op.path.replace(/\{(\w+)\}/g, ':$1')}`),
    )
    const pages = routeTable(app).filter(
      (r) =>
        r.url.startsWith('/p/') &&
        ['GET', 'POST'].includes(r.method) &&
        !documented.has(`${r.method} ${r.url}`),
    )
    expect(pages.length).toBeGreaterThan(5)
    const failures: Failure[] = []
    for (const [index, route] of pages.entries()) {
      for (const input of pageInputs(route, known.key ?? [], SEED + 1000 + index, ADMIN_RUNS))
        await send(route.method, input, 'anonymous', failures)
    }
    expect(failures, `5xx answers:\n${report(failures)}`).toEqual([])
  }, 120_000)
})
