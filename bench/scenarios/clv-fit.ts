import { type BgNbdParams, fitBgNbd, groupHistories } from '../../src/modules/analytics/clv/bg-nbd.model.ts'
import { readCdnowSummary } from '../../src/modules/analytics/clv/cdnow.fixture.ts'
import {
  fitGammaGamma,
  type GammaGammaParams,
  groupSpend,
} from '../../src/modules/analytics/clv/gamma-gamma.model.ts'
import { simulatePopulation } from '../../src/modules/analytics/clv/simulate-population.ts'
import { measure, type Scenario } from '../harness.ts'

/** The published CDNOW estimates: the population the synthetic customers are drawn from. */
const BG_NBD: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }
const GAMMA_GAMMA: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 }
const SEED = 1997

/** Fails the run when a fit did not converge or strays from where it must land. */
function check(
  label: string,
  converged: boolean,
  got: Record<string, number>,
  want: Record<string, number>,
  tolerance: number,
) {
  if (!converged) throw new Error(`${label}: the fit did not converge`)
  for (const [key, value] of Object.entries(want)) {
    if (!(Math.abs(got[key]! / value - 1) <= tolerance)) {
      throw new Error(`${label}: ${key} = ${got[key]}, expected ${value} ± ${tolerance * 100} %`)
    }
  }
}

/**
 * The statistics core of customer-lifetime-value analysis (issue #16): maximum-likelihood fits of the
 * BG/NBD and Gamma-Gamma models on grouped sufficient statistics. Pure computation, no database.
 */
export const clvFit: Scenario = {
  name: 'clv-fit',
  description:
    'in-process, no database: BG/NBD + Gamma-Gamma maximum-likelihood fits on the grouped CDNOW sample ' +
    '(2,357 customers) and on `scale` synthetic customers drawn from the CDNOW estimates (seeded).',
  defaultScale: 1_000_000,
  async run(ctx) {
    const cdnow = readCdnowSummary()
    ctx.log(`drawing ${ctx.scale.toLocaleString('en')} synthetic customers (seed ${SEED}, untimed)`)
    let t = performance.now()
    const population = simulatePopulation({
      bgNbd: BG_NBD,
      gammaGamma: GAMMA_GAMMA,
      customers: ctx.scale,
      seed: SEED,
      firstPurchaseDays: 84,
      calibrationEndDay: 272,
      daysPerUnit: 7,
    })
    ctx.log(
      `drawn in ${Math.round(performance.now() - t)} ms: ${population.histories.length.toLocaleString('en')} ` +
        `(x, t_x, T) groups, ${population.spend.length.toLocaleString('en')} (x, mean spend) groups`,
    )

    const cdnowFigures = await measure(
      ctx,
      'cdnow',
      { warmups: 1, runs: 5 },
      { cdnow_fit_ms: 'ms' },
      async () => {
        t = performance.now()
        const bgNbd = fitBgNbd(groupHistories(cdnow))
        const gammaGamma = fitGammaGamma(groupSpend(cdnow))
        const ms = performance.now() - t
        // The paper's estimates, to their three significant digits.
        check('CDNOW BG/NBD', bgNbd.converged, { ...bgNbd.params }, { ...BG_NBD }, 0.005)
        check('CDNOW Gamma-Gamma', gammaGamma.converged, { ...gammaGamma.params }, { ...GAMMA_GAMMA }, 0.005)
        return { cdnow_fit_ms: ms }
      },
    )

    // The population is drawn from known parameters: a fit must find them again, within sampling
    // error of a million customers (well under 5 %), or the timing is of a wrong answer.
    const populationFigures = await measure(
      ctx,
      'population',
      { warmups: 1, runs: 3 },
      { population_fit_ms: 'ms', bg_nbd_fit_ms: 'ms', gamma_gamma_fit_ms: 'ms', population_groups: 'groups' },
      async () => {
        t = performance.now()
        const bgNbd = fitBgNbd(population.histories)
        const bgNbdMs = performance.now() - t
        t = performance.now()
        const gammaGamma = fitGammaGamma(population.spend)
        const gammaGammaMs = performance.now() - t
        check('synthetic BG/NBD', bgNbd.converged, { ...bgNbd.params }, { ...BG_NBD }, 0.05)
        check(
          'synthetic Gamma-Gamma',
          gammaGamma.converged,
          { ...gammaGamma.params },
          { ...GAMMA_GAMMA },
          0.05,
        )
        if (bgNbd.customers !== ctx.scale)
          throw new Error(`fitted ${bgNbd.customers} customers, not ${ctx.scale}`)
        return {
          population_fit_ms: bgNbdMs + gammaGammaMs,
          bg_nbd_fit_ms: bgNbdMs,
          gamma_gamma_fit_ms: gammaGammaMs,
          population_groups: population.histories.length + population.spend.length,
        }
      },
    )
    return { ...cdnowFigures, ...populationFigures }
  },
}
