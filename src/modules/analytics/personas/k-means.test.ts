import { describe, expect, it } from 'vitest'
import { seededRandom } from '../clv/seeded-random.ts'
import { kMeans, nearest } from './k-means.ts'

describe('k-means', () => {
  const random = seededRandom(7)
  const blob = (cx: number, cy: number, n: number) =>
    Array.from({ length: n }, () => [cx + (random() - 0.5) * 0.5, cy + (random() - 0.5) * 0.5])

  it('finds three well separated groups, with their sizes and centres', () => {
    const points = [...blob(0, 0, 100), ...blob(5, 5, 50), ...blob(-5, 5, 25)]
    const result = kMeans(points, 3, { seed: 1 })
    expect([...result.sizes].sort((a, b) => a - b)).toEqual([25, 50, 100])
    const centre = (x: number, y: number) => result.centroids[nearest([x, y], result.centroids)] as number[]
    expect(centre(5, 5)[0]).toBeCloseTo(5, 0)
    expect(centre(-5, 5)[0]).toBeCloseTo(-5, 0)
    // Every point in the group of its own blob.
    const first = result.assignment[0]
    for (let i = 0; i < 100; i++) expect(result.assignment[i]).toBe(first)
  })

  it('gives the same clusters for the same seed, and copes with fewer distinct points than k', () => {
    const points = [...blob(0, 0, 40), ...blob(3, 3, 40)]
    expect(kMeans(points, 2, { seed: 5 }).centroids).toEqual(kMeans(points, 2, { seed: 5 }).centroids)
    const same = kMeans(
      [
        [1, 1],
        [1, 1],
        [1, 1],
      ],
      4,
    )
    expect(same.centroids).toHaveLength(1)
    expect(same.sizes).toEqual([3])
    expect(() => kMeans([], 2)).toThrow()
  })
})
