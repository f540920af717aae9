import { describe, expect, it } from 'vitest'
import type { Purpose } from '../../privacy/purposes/purpose.ts'
import { PURPOSE_SEED } from '../../privacy/purposes/purpose-seed.ts'
import type { RetentionRule } from '../../privacy/retention/retention-rule.ts'
import { RETENTION_SEED } from '../../privacy/retention/retention-seed.ts'
import {
  buildProcessingRecord,
  canonicalJson,
  diffProcessingRecords,
  type RecordSources,
  sha256Hex,
} from './processing-record.ts'
import { processingRecordDocument } from './processing-record-document.ts'
import { TECHNICAL_MEASURES } from './technical-measures.ts'

const at = new Date('2026-01-01T00:00:00Z')
const purposes: Purpose[] = PURPOSE_SEED.map((p) => ({ ...p, version: 1, createdAt: at, updatedAt: at }))
const rules = RETENTION_SEED.map((r) => ({
  ...r,
  version: 1,
  builtin: true,
  createdAt: at,
  updatedAt: at,
})) as unknown as RetentionRule[]
const sources: RecordSources = {
  controller: { name: 'Beispiel GmbH', address: 'Musterweg 1, 12345 Musterstadt', email: 'info@example.com' },
  dpo: { name: null, email: 'dpo@example.com', address: null },
  purposes,
  fields: [
    {
      key: 'email',
      label: { de: 'E-Mail', en: 'E-mail' },
      category: 'contact',
      identifier: true,
      special: null,
    },
    {
      key: 'religion',
      label: { de: 'Religion', en: 'Religion' },
      category: 'psychographic',
      identifier: false,
      special: 'religion',
    },
  ],
  recordFields: [{ key: 'orders', category: 'purchases' }],
  recipients: [],
  retentionRules: rules,
  measures: TECHNICAL_MEASURES,
}

describe('the record of processing activities as data', () => {
  it('is canonical: the same configuration in another order gives the same bytes and hash', () => {
    const a = buildProcessingRecord(sources)
    const b = buildProcessingRecord({
      ...sources,
      purposes: [...purposes].reverse(),
      retentionRules: [...rules].reverse(),
    })
    expect(canonicalJson(a)).toBe(canonicalJson(b))
    expect(sha256Hex(canonicalJson(a))).toMatch(/^[0-9a-f]{64}$/)
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: null }] })).toBe('{"a":[{"c":null,"d":2}],"b":1}')
  })

  it('names what changed: a purpose’s legal basis, a purpose added, the DPO’s contact', () => {
    const before = buildProcessingRecord(sources)
    const changed = purposes.map((p) =>
      p.key === 'web_tracking' ? { ...p, legalBasis: 'legitimate_interest' as const, version: 2 } : p,
    )
    const extra = { ...(purposes[0] as Purpose), key: 'zz_new_purpose' }
    const after = buildProcessingRecord({
      ...sources,
      purposes: [...changed, extra],
      dpo: { ...sources.dpo, name: 'Dana Schutz' },
    })
    const changes = diffProcessingRecords(before, after)
    // The new purpose reaches every kind of person and uses its categories: those entries change too.
    expect(changes.filter((c) => c.section === 'subjectCategories').map((c) => c.properties)).toContainEqual([
      'purposes',
    ])
    expect(changes.filter((c) => c.section === 'dpo' || c.section === 'purposes')).toEqual([
      { section: 'dpo', key: 'name', change: 'changed', properties: ['name'] },
      { section: 'purposes', key: 'web_tracking', change: 'changed', properties: ['legalBasis', 'version'] },
      { section: 'purposes', key: 'zz_new_purpose', change: 'added', properties: [] },
    ])
    expect(diffProcessingRecords(after, after)).toEqual([])
  })

  it('marks special categories and says when no recipients are registered, in both languages', () => {
    const record = buildProcessingRecord(sources)
    const facts = { adopted: null, previous: null, sha256: 'x'.repeat(64), generatedAt: at }
    const en = processingRecordDocument(record, [], facts, 'en')
    const data = en.sections.find((s) => s.key === 'dataCategories')
    expect(data?.items.find((i) => i.key === 'psychographic')?.rows[0]?.value).toBe(
      'Religion (special category: religion)',
    )
    expect(data?.items.find((i) => i.key === 'contact')?.rows[0]?.value).toBe('E-mail (encrypted)')
    expect(en.sections.find((s) => s.key === 'recipients')).toMatchObject({
      items: [],
      empty: 'No recipients are registered: Tresor discloses no data to third parties.',
    })
    const de = processingRecordDocument(record, [], facts, 'de')
    expect(de.title).toBe('Verzeichnis von Verarbeitungstätigkeiten')
    expect(de.meta[0]?.value).toBe('Beispiel GmbH, Musterweg 1, 12345 Musterstadt, info@example.com')
  })
})
