import { Type } from 'typebox'
import { describe, expect, it } from 'vitest'
import { fieldErrors, validatorCompiler } from './validation.ts'

/** The field errors of a value the schema refuses, as the API would answer them. */
function errorsOf(schema: object, value: unknown, httpPart = 'body') {
  const validate = validatorCompiler({ schema, httpPart })
  expect(validate(value)).toBe(false)
  return fieldErrors(validate.errors ?? [], httpPart)
}

const Schema = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 200 }),
    name: Type.Optional(Type.String({ minLength: 2 })),
    kind: Type.Optional(Type.Enum(['requested', 'granted'])),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    share: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
    code: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
    tags: Type.Optional(Type.Array(Type.String(), { minItems: 1, maxItems: 2 })),
    version: Type.Optional(Type.Literal(2)),
    format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('xlsx')])),
    nested: Type.Optional(Type.Object({ flag: Type.Boolean() })),
  },
  { additionalProperties: false },
)

describe('fieldErrors', () => {
  it('names a missing field and an unknown property, each with its code', () => {
    expect(errorsOf(Schema, { isAdmin: true })).toEqual([
      { in: 'body', field: 'email', reason: 'is required', code: 'required' },
      { in: 'body', field: 'isAdmin', reason: 'is not a known property', code: 'unknown-property' },
    ])
    expect(errorsOf(Schema, { email: 'a@example.test', nested: {} })).toEqual([
      { in: 'body', field: 'nested.flag', reason: 'is required', code: 'required' },
    ])
  })

  it('gives the limit of lengths, bounds and item counts as params.limit', () => {
    const errors = errorsOf(Schema, {
      email: `${'a'.repeat(200)}@example.test`,
      name: 'x',
      count: 501,
      share: 1,
      tags: [],
    })
    expect(errors).toEqual([
      {
        in: 'body',
        field: 'email',
        reason: 'must NOT have more than 200 characters',
        code: 'max-length',
        params: { limit: 200 },
      },
      {
        in: 'body',
        field: 'name',
        reason: 'must NOT have fewer than 2 characters',
        code: 'min-length',
        params: { limit: 2 },
      },
      { in: 'body', field: 'count', reason: 'must be <= 500', code: 'maximum', params: { limit: 500 } },
      { in: 'body', field: 'share', reason: 'must be < 1', code: 'exclusive-maximum', params: { limit: 1 } },
      {
        in: 'body',
        field: 'tags',
        reason: 'must NOT have fewer than 1 items',
        code: 'min-items',
        params: { limit: 1 },
      },
    ])
    expect(errorsOf(Schema, { email: 'a@example.test', count: 0, share: 0, tags: ['a', 'b', 'c'] })).toEqual([
      { in: 'body', field: 'count', reason: 'must be >= 1', code: 'minimum', params: { limit: 1 } },
      { in: 'body', field: 'share', reason: 'must be > 0', code: 'exclusive-minimum', params: { limit: 0 } },
      {
        in: 'body',
        field: 'tags',
        reason: 'must NOT have more than 2 items',
        code: 'max-items',
        params: { limit: 2 },
      },
    ])
  })

  it('names the allowed values, the format, the pattern and the type', () => {
    expect(
      errorsOf(Schema, {
        email: 'not an address',
        kind: 'maybe',
        code: 'eur',
        version: 3,
        nested: { flag: 'yes' },
      }),
    ).toEqual([
      {
        in: 'body',
        field: 'email',
        reason: 'must match format "email"',
        code: 'format',
        params: { format: 'email' },
      },
      {
        in: 'body',
        field: 'kind',
        reason: 'must be one of: requested, granted',
        code: 'one-of',
        params: { allowed: 'requested, granted' },
      },
      {
        in: 'body',
        field: 'code',
        reason: 'must match pattern "^[A-Z]{3}$"',
        code: 'pattern',
        params: { pattern: '^[A-Z]{3}$' },
      },
      {
        in: 'body',
        field: 'version',
        reason: 'must be equal to constant',
        code: 'equal-to',
        params: { allowed: '2' },
      },
      {
        in: 'body',
        field: 'nested.flag',
        reason: 'must be boolean',
        code: 'type',
        params: { type: 'boolean' },
      },
    ])
  })

  it('says a value that fits none of the allowed shapes is invalid', () => {
    const errors = errorsOf(Schema, { email: 'a@example.test', format: 'pdf' })
    expect(errors).toContainEqual({
      in: 'body',
      field: 'format',
      reason: 'must match a schema in anyOf',
      code: 'invalid',
    })
    expect(errors.filter((e) => e.code === 'equal-to')).toEqual([
      {
        in: 'body',
        field: 'format',
        reason: 'must be equal to constant',
        code: 'equal-to',
        params: { allowed: 'csv' },
      },
    ])
  })

  it('names the part of the request: a query string is coerced, then checked', () => {
    const Query = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500 }) })
    expect(errorsOf(Query, { limit: 'many' }, 'querystring')).toEqual([
      { in: 'query', field: 'limit', reason: 'must be integer', code: 'type', params: { type: 'integer' } },
    ])
    expect(errorsOf(Query, { limit: '0' }, 'querystring')).toEqual([
      { in: 'query', field: 'limit', reason: 'must be >= 1', code: 'minimum', params: { limit: 1 } },
    ])
  })
})
