import { ProblemError } from '../../../platform/problem.ts'
import type { GateActor } from '../../../privacy/gate/gate.service.ts'
import type {
  FeatureRow,
  PersonaModelRow,
  PersonaStore,
  Scaling,
} from '../../../privacy/personas/persona-store.ts'
import { kMeans } from './k-means.ts'

/** Customers fitted on at most: the clusters of a random 50,000 describe a million well. */
const SAMPLE = 50_000

/** Where a persona stands on each feature against all customers (its centroid, in SDs). */
export type Level = 'high' | 'mid' | 'low'

/** One persona as the API shows it. */
export interface Persona {
  index: number
  name: { de: string; en: string }
  description: { de: string; en: string }
  customers: number
  share: number
  typical: { recencyDays: number; orders: number; revenue: number; pAlive: number }
  levels: { recency: Level; frequency: Level; monetary: Level; pAlive: Level }
}

export interface PersonaModelView {
  version: number
  fittedAt: string
  k: number
  customers: number
  sample: number
  personas: Persona[]
}

/** The features as clustered: logs of the skewed counts and sums, P(alive) as it is. */
const transform = (row: FeatureRow): number[] => [
  Math.log1p(Math.max(row[0], 0)),
  Math.log1p(Math.max(row[1], 0)),
  Math.log1p(Math.max(row[2], 0)),
  row[3],
]

function scalingOf(points: readonly number[][]): Scaling {
  const dims = (points[0] as number[]).length
  const means = Array.from(
    { length: dims },
    (_, d) => points.reduce((s, p) => s + (p[d] as number), 0) / points.length,
  )
  const sds = means.map((m, d) => {
    const v = points.reduce((s, p) => s + ((p[d] as number) - m) ** 2, 0) / points.length
    // A feature with no spread (every customer alike) must not divide by zero.
    return Math.sqrt(v) || 1
  })
  return { means, sds }
}

const level = (z: number): Level => (z > 0.5 ? 'high' : z < -0.5 ? 'low' : 'mid')

/**
 * A name from where the centroid stands: recency (fewer days is more recent), frequency, spend. The
 * usual RFM segment names, so a marketer recognises them.
 */
export function personaName(levels: Persona['levels']): {
  name: Persona['name']
  description: Persona['description']
} {
  const recent = levels.recency === 'low'
  const lapsed = levels.recency === 'high'
  const frequent = levels.frequency === 'high'
  const big = levels.monetary === 'high'
  if (recent && frequent && big)
    return {
      name: { de: 'Top-Kundschaft', en: 'Champions' },
      description: { de: 'Kauft oft, viel und zuletzt', en: 'Buy often, spend most, bought recently' },
    }
  if (!lapsed && (frequent || big))
    return {
      name: { de: 'Treue Kundschaft', en: 'Loyal customers' },
      description: {
        de: 'Kauft regelmäßig und gibt überdurchschnittlich aus',
        en: 'Buy regularly and spend above average',
      },
    }
  if (lapsed && (frequent || big))
    return {
      name: { de: 'Gefährdet: einst wertvoll', en: 'At risk: once valuable' },
      description: {
        de: 'Hat viel gekauft, aber lange nicht mehr',
        en: 'Bought a lot, but not for a long time',
      },
    }
  if (recent)
    return {
      name: { de: 'Neu oder gelegentlich', en: 'New or occasional' },
      description: { de: 'Hat kürzlich gekauft, bisher wenig', en: 'Bought recently, little so far' },
    }
  if (lapsed)
    return {
      name: { de: 'Inaktiv', en: 'Hibernating' },
      description: { de: 'Wenig gekauft und lange nicht mehr', en: 'Bought little and not for a long time' },
    }
  return {
    name: { de: 'Durchschnitt', en: 'Middle of the road' },
    description: { de: 'Liegt überall nahe dem Mittel', en: 'Close to the average on everything' },
  }
}

/**
 * Personas (issue #16): k-means over the customers' standardised RFM and P(alive), fitted on a
 * random sample, every customer counted into the nearest centroid in SQL, named by where each
 * centroid stands, kept as a versioned model. Pseudonymous: sizes and typical values only.
 */
export class PersonaService {
  readonly #store: PersonaStore
  readonly #clock: () => Date
  constructor(deps: { store: PersonaStore; clock?: () => Date }) {
    this.#store = deps.store
    this.#clock = deps.clock ?? (() => new Date())
  }

  async recompute(
    ctx: { actor: GateActor; requestId?: string | undefined },
    k = 5,
  ): Promise<PersonaModelView> {
    const { customers, rows } = await this.#store.sample(ctx, SAMPLE)
    if (rows.length < k)
      throw new ProblemError(
        'conflict',
        `too few scored customers for ${k} personas: score the customers first`,
      )
    const transformed = rows.map(transform)
    const scaling = scalingOf(transformed)
    const standard = transformed.map((p) =>
      p.map((x, d) => (x - (scaling.means[d] as number)) / (scaling.sds[d] as number)),
    )
    const clustering = kMeans(standard, k, { seed: 1, restarts: 4 })
    const counts = await this.#store.assign(scaling, clustering.centroids)
    const total = counts.reduce((s, c) => s + c.customers, 0)
    const personas = clustering.centroids
      .map((centroid, index): Persona => {
        const c = counts.find((x) => x.index === index)
        const levels = {
          recency: level(centroid[0] as number),
          frequency: level(centroid[1] as number),
          monetary: level(centroid[2] as number),
          pAlive: level(centroid[3] as number),
        }
        return {
          index,
          ...personaName(levels),
          customers: c?.customers ?? 0,
          share: total > 0 ? (c?.customers ?? 0) / total : 0,
          typical: {
            recencyDays: Math.round(c?.recencyDays ?? 0),
            orders: c?.orders ?? 0,
            revenue: Math.round((c?.revenue ?? 0) * 100) / 100,
            pAlive: Math.round((c?.pAlive ?? 0) * 1000) / 1000,
          },
          levels,
        }
      })
      .sort((a, b) => b.customers - a.customers)
    const saved = await this.#store.save({
      fitted_at: this.#clock(),
      k: clustering.centroids.length,
      customers,
      sample: rows.length,
      scaling: { ...scaling, centroids: clustering.centroids },
      personas,
    })
    return viewOf(saved)
  }

  async latest(): Promise<PersonaModelView> {
    const row = await this.#store.latest()
    if (!row)
      throw new ProblemError('not-found', 'no personas yet: POST /api/v1/analytics/personas/recompute')
    return viewOf(row)
  }
}

const viewOf = (row: PersonaModelRow): PersonaModelView => ({
  version: row.version,
  fittedAt: row.fitted_at.toISOString(),
  k: row.k,
  customers: row.customers,
  sample: row.sample,
  personas: row.personas as Persona[],
})
