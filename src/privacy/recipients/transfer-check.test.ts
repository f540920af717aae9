import { describe, expect, it } from 'vitest'
import { ADEQUACY_SEED } from './adequacy-seed.ts'
import type { TransferFacts } from './transfer-check.ts'
import { transferVerdict } from './transfer-check.ts'
import { isPublicAddress, webhookUrlProblem } from './webhook-url.ts'

const TODAY = '2026-12-07'
const base: TransferFacts = {
  role: 'controller',
  country: 'DE',
  contractDate: null,
  mechanism: 'none',
  dpfCertifiedOn: null,
  sccModule: null,
  sccDate: null,
  bcrReference: null,
  derogation: null,
  retiredAt: null,
}
const verdict = (facts: Partial<TransferFacts>) =>
  transferVerdict({ ...base, ...facts }, ADEQUACY_SEED, TODAY)

describe('the transfer check (Art. 28, 44-49)', () => {
  it('needs nothing more inside the EEA, but a processor needs its Art. 28(3) contract', () => {
    expect(verdict({ country: 'NO' })).toMatchObject({ lawful: true, thirdCountry: false })
    const processor = verdict({ role: 'processor', country: 'FR' })
    expect(processor.lawful).toBe(false)
    expect(processor.missing.map((m) => m.field)).toEqual(['contractDate'])
    expect(verdict({ role: 'processor', country: 'FR', contractDate: '2025-01-10' }).lawful).toBe(true)
  })

  it('refuses a US recipient without DPF certification or SCC, and allows it with either', () => {
    const none = verdict({ country: 'US' })
    expect(none.lawful).toBe(false)
    expect(none.missing[0]?.reason).toMatch(/Data Privacy Framework/)
    const uncertified = verdict({ country: 'US', mechanism: 'adequacy' })
    expect(uncertified.missing).toEqual([
      {
        field: 'dpfCertifiedOn',
        reason: expect.stringMatching(/US recipient without certification .* or use SCC/),
      },
    ])
    expect(verdict({ country: 'US', mechanism: 'adequacy', dpfCertifiedOn: '2026-03-01' })).toMatchObject({
      lawful: true,
      thirdCountry: true,
      basis: expect.stringMatching(/2023\/1795/),
    })
    // The certification is renewed every year.
    expect(
      verdict({ country: 'US', mechanism: 'adequacy', dpfCertifiedOn: '2025-12-07' }).missing[0]?.field,
    ).toBe('dpfCertifiedOn')
    expect(verdict({ country: 'US', mechanism: 'scc', sccModule: 2, sccDate: '2024-05-01' })).toMatchObject({
      lawful: true,
      basis: expect.stringMatching(/module 2/),
    })
  })

  it('takes adequacy only where a decision is in force', () => {
    expect(verdict({ country: 'JP', mechanism: 'adequacy' }).lawful).toBe(true)
    expect(verdict({ country: 'CN', mechanism: 'adequacy' }).missing[0]?.reason).toMatch(
      /no adequacy decision for CN/,
    )
    const ended = ADEQUACY_SEED.map((d) => (d.country === 'GB' ? { ...d, validUntil: '2026-01-01' } : d))
    const gb = transferVerdict({ ...base, country: 'GB', mechanism: 'adequacy' }, ended, TODAY)
    expect(gb.missing[0]?.reason).toMatch(/no longer in force/)
  })

  it('needs the SCC module and a date of the 2021 clauses, BCR approval, the Art. 49 point', () => {
    expect(verdict({ country: 'IN', mechanism: 'scc' }).missing.map((m) => m.field)).toEqual([
      'sccModule',
      'sccDate',
    ])
    expect(
      verdict({ country: 'IN', mechanism: 'scc', sccModule: 1, sccDate: '2019-01-01' }).missing[0]?.reason,
    ).toMatch(/repealed/)
    expect(verdict({ country: 'IN', mechanism: 'bcr' }).missing[0]?.field).toBe('bcrReference')
    expect(verdict({ country: 'IN', mechanism: 'bcr', bcrReference: 'BfDI 2024-17' }).lawful).toBe(true)
    expect(verdict({ country: 'BR', mechanism: 'derogation_49' }).missing[0]?.field).toBe('derogation')
    expect(
      verdict({
        country: 'BR',
        mechanism: 'derogation_49',
        derogation: { point: 'b', reason: 'hotel booking' },
      }).basis,
    ).toMatch(/Art\. 49\(1\)\(b\)/)
    expect(verdict({ country: 'DE', retiredAt: new Date() }).missing[0]?.field).toBe('retiredAt')
  })
})

describe('webhook URLs (SSRF)', () => {
  it('takes http(s) to public hosts only, unless private networks are allowed', () => {
    expect(webhookUrlProblem('https://hooks.example.com/x', false)).toBeNull()
    expect(webhookUrlProblem('ftp://example.com/', false)).toMatch(/http/)
    expect(webhookUrlProblem('file:///etc/passwd', false)).toMatch(/http/)
    expect(webhookUrlProblem('https://user:pw@example.com/', false)).toMatch(/password/)
    for (const host of [
      '127.0.0.1',
      'localhost',
      '10.1.2.3',
      '169.254.169.254',
      '[::1]',
      '192.168.0.1',
      '[fd00::1]',
    ])
      expect(webhookUrlProblem(`http://${host}/`, false), host).toMatch(/local|private/)
    // Spellings the URL parser turns into a loopback address.
    for (const url of ['http://2130706433/', 'http://0x7f.1/', 'http://[::ffff:127.0.0.1]/'])
      expect(webhookUrlProblem(url, false), url).toMatch(/private/)
    expect(webhookUrlProblem('http://127.0.0.1:8080/', true)).toBeNull()
    expect(isPublicAddress('8.8.8.8')).toBe(true)
    expect(isPublicAddress('::ffff:127.0.0.1')).toBe(false)
    expect(isPublicAddress('2a00:1450:4001::1')).toBe(true)
  })
})
