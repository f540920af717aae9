import { describe, expect, it } from 'vitest'
import { runTresor, tempDir } from '../support/cli.ts'

describe('tresor analytics', () => {
  it('fits the models and recomputes the scores of the demo customers, counting those without consent', async () => {
    const dataDir = tempDir()
    const d = ['--data-dir', dataDir]
    const demo = await runTresor(['demo', '--subjects', '400', '--seed', '3', ...d])
    expect(demo.code, demo.stderr).toBe(0)
    // The demo scores its customers with consent to profiling (about a fifth of them).
    expect(demo.stderr).toMatch(/demo scores: \d+ customers scored, \d+ without consent to profiling/)

    const fit = await runTresor(['analytics', 'fit', ...d])
    expect(fit.code, fit.stderr).toBe(0)
    expect(fit.stdout).toMatch(/^model version 2, fitted .* on \d+ customers/m)
    // The demo's dates move with the clock, so the fit does too: any finite number (convergence,
    // also at the bound of a and b, is the model's unit tests' business).
    const n = String.raw`\d+(?:\.\d+)?(?:e[+-]\d+)?`
    expect(fit.stdout).toMatch(
      new RegExp(`^BG/NBD \\(weeks\\): r ${n} {2}alpha ${n} {2}a ${n} {2}b ${n} `, 'm'),
    )
    expect(fit.stdout).toMatch(/^Gamma-Gamma: /m)

    const scores = await runTresor(['analytics', 'scores', '--json', ...d])
    expect(scores.code, scores.stderr).toBe(0)
    const result = JSON.parse(scores.stdout) as { scored: number; excluded: number; customers: number }
    expect(result.scored).toBeGreaterThan(0)
    expect(result.excluded).toBeGreaterThan(result.scored)
    expect(result.scored + result.excluded).toBe(result.customers)
    expect(scores.stderr).toMatch(/scoring subjects: .*\(100%\)/)

    const text = await runTresor(['analytics', 'scores', ...d])
    expect(text.stdout).toContain(`${result.scored} subjects scored (model version 4`)
    expect(text.stdout).toContain(
      `${result.excluded} of ${result.customers} customers have no scores: no consent to profiling, consent withdrawn, or objected`,
    )

    // Products bought together: counted over the demo customers' orders, then one product's partners.
    const recommend = await runTresor(['analytics', 'recommend', '--json', ...d])
    expect(recommend.code, recommend.stderr).toBe(0)
    const run = JSON.parse(recommend.stdout) as { pairs: number; customers: number; minCustomers: number }
    expect(run.customers).toBeGreaterThan(0)
    expect(run.pairs).toBeGreaterThan(0)
    expect(run.minCustomers).toBe(3)
    const partners = await runTresor(['analytics', 'recommend', '--sku', 'DEMO-001', ...d])
    expect(partners.code, partners.stderr).toBe(0)
    expect(partners.stdout).toMatch(/^DEMO-\d{3}\t.+\t\d+ customers\tconfidence [\d.]+ %\tlift [\d.]+$/m)

    const personas = await runTresor(['analytics', 'personas', '--k', '3', ...d])
    expect(personas.code, personas.stderr).toBe(0)
    expect(personas.stdout).toMatch(/^\d personas over \d+ customers/m)
    expect(personas.stdout).toMatch(/\tlast purchase \d+ days ago, [\d.]+ orders/)
  }, 420_000) // seven CLI runs, each a cold start of Node and the embedded database
})
