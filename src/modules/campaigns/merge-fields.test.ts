import { describe, expect, it } from 'vitest'
import type { FieldCategory } from '../../privacy/fields/field-catalog.ts'
import { FIELD_CATALOG } from '../../privacy/fields/field-catalog.ts'
import { checkMergeFields, fieldsOfTemplates, parseTemplate, render, valuesOf } from './merge-fields.ts'

const categoryOf = (field: string) => FIELD_CATALOG[field]?.category as FieldCategory | undefined
const purpose = {
  key: 'newsletter_email',
  categories: ['identity', 'contact', 'socio_demographic'] as FieldCategory[],
}

describe('merge fields', () => {
  it('parses names, refuses stray braces', () => {
    expect(parseTemplate('Hallo {{ firstName }} {{lastName}}{{firstName}}')).toEqual({
      names: ['firstName', 'lastName'],
    })
    expect(parseTemplate('Hallo {{firstName').error).toMatch(/no merge field/)
    expect(parseTemplate('a }} b').error).toBeDefined()
    expect(parseTemplate('{{ 1 }}').error).toBeDefined()
  })

  it('checks names against the catalog, the purpose and the role, by path', () => {
    const texts = [
      { path: 'content.0.subject', text: '{{firstName}}' },
      { path: 'content.0.bodyText', text: '{{iban}} {{city}}' },
    ]
    const found = checkMergeFields(texts, categoryOf, purpose, ['contact'])
    // iban is no merge field; city is address (not the purpose's); firstName is identity (not the role's).
    expect(found.invalid.map((e) => e.field)).toEqual(['content.0.bodyText', 'content.0.bodyText'])
    expect(found.invalid[0]?.reason).toContain('{{iban}}')
    expect(found.invalid[1]?.reason).toContain('address')
    expect(found.forbidden).toEqual([expect.objectContaining({ field: 'content.0.subject' })])
    // Each with a code and the values its reason names, for a client that translates it.
    expect(found.invalid[0]).toMatchObject({
      code: 'unknown-merge-field',
      params: { names: '{{iban}}', known: expect.stringContaining('{{firstName}}, {{lastName}}') },
    })
    expect(found.invalid[1]).toMatchObject({
      code: 'merge-field-purpose',
      params: { name: '{{city}}', purpose: 'newsletter_email', category: 'address', field: 'city' },
    })
    expect(found.forbidden[0]).toMatchObject({
      code: 'merge-field-role',
      params: { name: '{{firstName}}', category: 'identity', field: 'firstName' },
    })
    expect(
      checkMergeFields([{ path: 'content.0.bodyText', text: 'Hallo {{firstName' }], categoryOf, purpose, [])
        .invalid,
    ).toEqual([expect.objectContaining({ field: 'content.0.bodyText', code: 'merge-field-syntax' })])
    expect(fieldsOfTemplates(['{{salutation}}', '{{city}}'])).toEqual(['firstName', 'lastName', 'city'])
  })

  it('renders values, escaped in HTML; samples without a person; a greeting without a name', () => {
    const person = {
      id: 'x',
      kinds: [],
      source: 'manual',
      identifiers: { firstName: '<Eve>', lastName: "O'Neil" },
      attributes: {},
      createdAt: new Date(),
      updatedAt: new Date(),
    }
    const values = valuesOf(person, 'en')
    expect(render('{{salutation}}!', values)).toBe("Hello <Eve> O'Neil!")
    expect(render('<p>{{firstName}}</p>', values, true)).toBe('<p>&lt;Eve&gt;</p>')
    expect(render('{{firstName}}', valuesOf(null, 'de'))).toBe('Erika')
    expect(valuesOf({ ...person, identifiers: {} }, 'de').salutation).toBe('Hallo')
  })
})
