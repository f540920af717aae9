import { type Random, seededRandom } from '../clv/seeded-random.ts'

/** A clustering: the centroids, each point's cluster, and the within-cluster sum of squares. */
export interface Clustering {
  centroids: number[][]
  assignment: Int32Array
  sizes: number[]
  inertia: number
  iterations: number
}

const squaredDistance = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0
  for (let i = 0; i < a.length; i++) {
    const x = (a[i] as number) - (b[i] as number)
    d += x * x
  }
  return d
}

/** Index of the nearest centroid to `point`. */
export function nearest(point: ArrayLike<number>, centroids: readonly number[][]): number {
  let best = 0
  let bestDistance = Number.POSITIVE_INFINITY
  for (let c = 0; c < centroids.length; c++) {
    const d = squaredDistance(point, centroids[c] as number[])
    if (d < bestDistance) {
      bestDistance = d
      best = c
    }
  }
  return best
}

/** k-means++ seeding (Arthur & Vassilvitskii 2007): each next centroid drawn in proportion to D². */
function seed(points: readonly number[][], k: number, random: Random): number[][] {
  const first = points[Math.floor(random() * points.length)] as number[]
  const centroids = [[...first]]
  const d2 = points.map((p) => squaredDistance(p, first))
  while (centroids.length < k) {
    const total = d2.reduce((a, b) => a + b, 0)
    if (total === 0) break // fewer distinct points than k
    let r = random() * total
    let chosen = d2.length - 1
    for (let i = 0; i < d2.length; i++) {
      r -= d2[i] as number
      if (r <= 0) {
        chosen = i
        break
      }
    }
    const next = points[chosen] as number[]
    centroids.push([...next])
    for (let i = 0; i < points.length; i++)
      d2[i] = Math.min(d2[i] as number, squaredDistance(points[i] as number[], next))
  }
  return centroids
}

/**
 * Lloyd's k-means with k-means++ seeding, best of `restarts` seeded runs (lowest inertia): the same
 * input and seed give the same clusters on every machine. Points are rows of equal length, already
 * on comparable scales (standardise first).
 */
export function kMeans(
  points: readonly number[][],
  k: number,
  options: { seed?: number; restarts?: number; maxIterations?: number } = {},
): Clustering {
  if (points.length === 0) throw new Error('k-means needs points')
  const random = seededRandom(options.seed ?? 1)
  let best: Clustering | undefined
  for (let run = 0; run < (options.restarts ?? 4); run++) {
    const result = lloyd(
      points,
      seed(points, Math.min(k, points.length), random),
      options.maxIterations ?? 100,
    )
    if (!best || result.inertia < best.inertia) best = result
  }
  return best as Clustering
}

function lloyd(points: readonly number[][], start: number[][], maxIterations: number): Clustering {
  const dims = (points[0] as number[]).length
  let centroids = start
  const assignment = new Int32Array(points.length).fill(-1)
  let iterations = 0
  for (; iterations < maxIterations; iterations++) {
    let moved = 0
    for (let i = 0; i < points.length; i++) {
      const c = nearest(points[i] as number[], centroids)
      if (c !== assignment[i]) {
        assignment[i] = c
        moved++
      }
    }
    const sums = centroids.map(() => new Float64Array(dims))
    const counts = new Array<number>(centroids.length).fill(0)
    for (let i = 0; i < points.length; i++) {
      const c = assignment[i] as number
      counts[c] = (counts[c] as number) + 1
      const p = points[i] as number[]
      const sum = sums[c] as Float64Array
      for (let d = 0; d < dims; d++) sum[d] = (sum[d] as number) + (p[d] as number)
    }
    // An empty cluster keeps its centroid (rare with k-means++ seeding).
    centroids = centroids.map((old, c) =>
      (counts[c] as number) > 0 ? Array.from(sums[c] as Float64Array, (s) => s / (counts[c] as number)) : old,
    )
    if (moved === 0) break
  }
  const sizes = new Array<number>(centroids.length).fill(0)
  let inertia = 0
  for (let i = 0; i < points.length; i++) {
    const c = assignment[i] as number
    sizes[c] = (sizes[c] as number) + 1
    inertia += squaredDistance(points[i] as number[], centroids[c] as number[])
  }
  return { centroids, assignment, sizes, inertia, iterations }
}
