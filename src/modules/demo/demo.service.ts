import type { RequestContext, SubjectService } from '../subjects/subject.service.ts'
import { generatePeople } from './demo-generator.ts'

export interface DemoOptions {
  subjects: number
  seed: number
  /** Rows per INSERT; large enough to amortise round trips, small enough for the 65,535-parameter limit. */
  batchSize?: number
  onProgress?: (done: number) => void
}

/** The demo generator acts as a job of Tresor itself, in the admin role (it writes every field). */
const DEMO_CONTEXT: RequestContext = { actor: { type: 'job', id: 'demo', role: 'admin' } }

/** Writes `subjects` synthetic subjects; returns how many were written. */
export async function generateDemoData(subjects: SubjectService, options: DemoOptions): Promise<number> {
  const batchSize = options.batchSize ?? 2_000
  let written = 0
  for (let offset = 0; offset < options.subjects; offset += batchSize) {
    const count = Math.min(batchSize, options.subjects - offset)
    const batch = []
    for (const person of generatePeople({ seed: options.seed, count, offset })) {
      batch.push({
        kinds: person.kinds,
        source: 'demo',
        attributes: { ...person.attributes },
        createdAt: new Date(person.createdAt),
        identifiers: {
          firstName: person.firstName,
          lastName: person.lastName,
          birthDate: person.birthDate,
          email: person.email,
          phone: person.phone,
          street: person.street,
          postalCode: person.postcode,
          city: person.city,
          countryCode: person.country,
        },
      })
    }
    // Through the gate like any import: encrypted per subject, audited as one import per batch.
    await subjects.importMany(DEMO_CONTEXT, batch)
    written += batch.length
    options.onProgress?.(batch.length)
  }
  return written
}
