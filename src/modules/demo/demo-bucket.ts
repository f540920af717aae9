/**
 * Which share of the demo data a person falls in: a number 0-999 from a hash of the seed, the
 * person's index and a salt (one salt per decision, so the shares are independent). A pure
 * function: the same seed gives everyone the same consents, orders and touchpoints again.
 */
export function demoBucket(salt: string, seed: number, index: number): number {
  // FNV-1a over the text, then murmur3's finaliser so that the last characters (the index) spread
  // over every bit before the remainder is taken.
  let h = 0x811c9dc5
  for (const c of `${salt}:${seed}:${index}`) h = Math.imul(h ^ (c.codePointAt(0) as number), 0x01000193)
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return ((h ^ (h >>> 16)) >>> 0) % 1000
}

/** A demo subject as stored: its id, and what the generator made it from. */
export interface DemoSubject {
  id: string
  /** The person's index in the generator (with the seed, it decides everything about them). */
  index: number
  kinds: readonly string[]
  createdAt: Date
}

/** At most `now`: the demo never writes what happens in the future. */
export const notAfter = (at: number, now: Date): Date => new Date(Math.min(at, now.getTime()))

export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000
