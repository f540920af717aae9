import { readFileSync } from 'node:fs'
import i18next, { type TFunction } from 'i18next'
import { beforeAll, describe, expect, it } from 'vitest'
import { FIELD_ERROR_CODES } from '../../src/platform/problem.ts'
import { problemLine, reasonText } from '../../web/src/app/problem-text.ts'

type Locale = Record<string, unknown>
const locale = (lang: string): Locale =>
  JSON.parse(readFileSync(new URL(`../../web/src/locales/${lang}.json`, import.meta.url), 'utf8')) as Locale

/** The UI's texts for field errors, through i18next as the app sets it up (no HTML escaping). */
describe('reasonText', () => {
  let de: TFunction
  let en: TFunction
  beforeAll(async () => {
    const i18n = i18next.createInstance()
    await i18n.init({
      resources: { de: { translation: locale('de') }, en: { translation: locale('en') } },
      lng: 'de',
      fallbackLng: 'en',
      interpolation: { escapeValue: false },
    })
    de = i18n.getFixedT('de')
    en = i18n.getFixedT('en')
  })

  it('says a known code in German and English, filled in with its params', () => {
    const tooLong = {
      reason: 'must NOT have more than 200 characters',
      code: 'max-length',
      params: { limit: 200 },
    }
    expect(reasonText(de, tooLong)).toBe('darf höchstens 200 Zeichen lang sein')
    expect(reasonText(en, tooLong)).toBe('must not be longer than 200 characters')
    expect(reasonText(en, { ...tooLong, params: { limit: 1 } })).toBe('must not be longer than 1 character')
    expect(reasonText(de, { reason: 'is required', code: 'required' })).toBe('ist erforderlich')
    expect(reasonText(en, { reason: 'is required', code: 'required' })).toBe('is required')
    const oneOf = {
      reason: 'must be one of: a, b',
      code: 'one-of',
      params: { allowed: 'requested, granted' },
    }
    expect(reasonText(de, oneOf)).toBe('muss einer dieser Werte sein: requested, granted')
    expect(reasonText(de, { reason: 'must be >= 1', code: 'minimum', params: { limit: 1 } })).toBe(
      'muss mindestens 1 sein',
    )
    expect(
      reasonText(de, { reason: 'must NOT have fewer than 1 items', code: 'min-items', params: { limit: 1 } }),
    ).toBe('muss mindestens einen Eintrag haben')
  })

  it('has a sentence for a known format and type, and a general one for the others', () => {
    const email = { reason: 'must match format "email"', code: 'format', params: { format: 'email' } }
    expect(reasonText(de, email)).toBe('muss eine gültige E-Mail-Adresse sein')
    expect(reasonText(en, email)).toBe('must be a valid e-mail address')
    expect(reasonText(de, { ...email, params: { format: 'ipv6' } })).toBe('muss das Format ipv6 haben')
    expect(reasonText(de, { reason: 'must be integer', code: 'type', params: { type: 'integer' } })).toBe(
      'muss eine ganze Zahl sein',
    )
  })

  it('keeps merge fields in the params as they are (not read as placeholders of the text)', () => {
    const unknown = {
      reason: 'names unknown merge fields ({{iban}}); only {{firstName}} and {{lastName}}',
      code: 'unknown-merge-field',
      params: { names: '{{iban}}', known: '{{firstName}}, {{lastName}}' },
    }
    expect(reasonText(de, unknown)).toBe(
      'enthält unbekannte Platzhalter ({{iban}}); möglich sind: {{firstName}}, {{lastName}}',
    )
  })

  it('falls back to the English reason without a code, for an unknown code, and for bad params', () => {
    expect(reasonText(de, { reason: 'is not an organisation' })).toBe('is not an organisation')
    expect(reasonText(de, { reason: 'is a new kind of problem', code: 'brand-new' })).toBe(
      'is a new kind of problem',
    )
    // A code the server gives for an object's own property name is no translation key.
    expect(reasonText(de, { reason: 'odd', code: 'constructor' })).toBe('odd')
    // A param that is no string or number is left out, not shown as "[object Object]"; the text
    // that needs it is not shown with a hole.
    expect(
      reasonText(de, {
        reason: 'must be one of: a',
        code: 'one-of',
        params: { allowed: { a: 1 } } as unknown as Record<string, string>,
      }),
    ).toBe('must be one of: a')
    expect(reasonText(de, { reason: 'must be <= 5', code: 'maximum' })).toBe('must be <= 5')
  })

  it('writes a line with the field, by its label when the form has one', () => {
    const error = { field: 'proof.reference', reason: 'is required', code: 'required' }
    expect(problemLine(de, error)).toBe('proof.reference: ist erforderlich')
    expect(problemLine(de, error, (f) => (f === 'proof.reference' ? 'Referenz' : undefined))).toBe(
      'Referenz: ist erforderlich',
    )
  })

  it('has a German and an English text for every code', () => {
    const reasons = (lang: string) => (locale(lang).problems as { reasons: Record<string, string> }).reasons
    for (const lang of ['de', 'en']) {
      const keys = Object.keys(reasons(lang)).map((k) => k.replace(/_(one|other)$/, ''))
      expect(new Set(keys), lang).toEqual(new Set(FIELD_ERROR_CODES))
    }
  })
})
