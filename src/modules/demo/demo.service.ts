import type { RequestContext } from '../../privacy/gate/request-context.ts'
import type { SubjectService } from '../subjects/subject.service.ts'
import type { DemoSubject } from './demo-bucket.ts'
import { generatePeople } from './demo-generator.ts'
import { type DemoPermissionPorts, seedDemoPermissions } from './demo-permissions.ts'
import { type DemoRecordPorts, seedDemoCatalogue, seedDemoRecords } from './demo-records.ts'
import {
  type DemoRetentionPorts,
  seedDemoApplicationDecisions,
  seedDemoDoiRequests,
  seedDemoReturningVisitors,
} from './demo-retention.ts'

export interface DemoOptions {
  subjects: number
  seed: number
  /** Subjects per batch; large enough to amortise round trips, small enough for the 65,535-parameter limit. */
  batchSize?: number
  onProgress?: (done: number) => void
}

/** The services the demo writes through: the gate's entry points, never the personal tables. */
export interface DemoServices extends DemoPermissionPorts, DemoRecordPorts, DemoRetentionPorts {
  subjects: Pick<SubjectService, 'importMany'>
}

/** What a demo run wrote. */
export interface DemoSummary {
  subjects: number
  consents: number
  objections: number
  restrictions: number
  organisations: number
  memberships: number
  touchpoints: number
  orders: number
  invoices: number
  /** Newsletter sign-ups never confirmed (double opt-in requests the deletion concept lets go). */
  unconfirmedSignUps: number
  /** Page views of returning visitors from more than 13 months ago (web tracking lets them go). */
  pastPageViews: number
  /** Decisions on applications (most of them rejections: 6 months later the applicants go). */
  applicationDecisions: number
}

/** The demo generator acts as a job of Tresor itself, in the admin role (it writes every field). */
const DEMO_CONTEXT = { actor: { type: 'job', id: 'demo', role: 'admin' } } satisfies RequestContext

/**
 * Writes `subjects` synthetic subjects, batch by batch, each batch with its consents, objections,
 * restrictions and records (memberships, touchpoints, orders, invoices): all of it through the
 * gate like any import, audited as the demo job.
 */
export async function generateDemoData(services: DemoServices, options: DemoOptions): Promise<DemoSummary> {
  const batchSize = options.batchSize ?? 2_000
  const catalogue = await seedDemoCatalogue(services, { subjects: options.subjects })
  const summary: DemoSummary = {
    subjects: 0,
    consents: 0,
    objections: 0,
    restrictions: 0,
    organisations: catalogue.organisationIds.length,
    memberships: 0,
    touchpoints: 0,
    orders: 0,
    invoices: 0,
    unconfirmedSignUps: 0,
    pastPageViews: 0,
    applicationDecisions: 0,
  }
  for (let offset = 0; offset < options.subjects; offset += batchSize) {
    const count = Math.min(batchSize, options.subjects - offset)
    const people = [...generatePeople({ seed: options.seed, count, offset })]
    // Through the gate like any import: encrypted per subject, audited as one import per batch.
    const ids = await services.subjects.importMany(
      DEMO_CONTEXT,
      people.map((person) => ({
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
      })),
    )
    const batch: DemoSubject[] = people.map((person, i) => ({
      id: ids[i] as string,
      index: person.index,
      kinds: person.kinds,
      createdAt: new Date(person.createdAt),
    }))
    // Permissions first: the record gate checks the legal basis of each record against them.
    const permissions = await seedDemoPermissions(services, batch, {
      seed: options.seed,
      actor: DEMO_CONTEXT.actor,
    })
    const records = await seedDemoRecords(services, batch, {
      seed: options.seed,
      actor: DEMO_CONTEXT.actor,
      catalogue,
    })
    summary.unconfirmedSignUps += await seedDemoDoiRequests(services, batch, {
      seed: options.seed,
      actor: DEMO_CONTEXT.actor,
    })
    summary.pastPageViews += await seedDemoReturningVisitors(services, batch, {
      seed: options.seed,
      actor: DEMO_CONTEXT.actor,
    })
    summary.applicationDecisions += await seedDemoApplicationDecisions(services, batch, {
      seed: options.seed,
      actor: DEMO_CONTEXT.actor,
    })
    summary.subjects += batch.length
    summary.consents += permissions.consents
    summary.objections += permissions.objections
    summary.restrictions += permissions.restrictions
    summary.memberships += records.memberships
    summary.touchpoints += records.touchpoints
    summary.orders += records.orders
    summary.invoices += records.invoices
    options.onProgress?.(batch.length)
  }
  return summary
}
