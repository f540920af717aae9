import { ProblemError } from '../../platform/problem.ts'
import type { RequestContext } from '../../privacy/gate/request-context.ts'
import type { RecordGate } from '../../privacy/records/record-gate.ts'
import type { OrganisationRepository, OrganisationRow } from './organisation.repository.ts'
import type {
  Membership,
  NewOrganisation,
  Organisation,
  OrganisationListQuery,
  OrganisationPatch,
} from './organisation.schemas.ts'

/** Linking a person to their employer is contact management (legitimate interest, Art. 6(1)(f)). */
const MEMBERSHIP_PURPOSE = 'contact_management'

const toOrganisation = (r: OrganisationRow): Organisation => ({
  id: r.id,
  name: r.name,
  legalForm: r.legal_form,
  vatId: r.vat_id,
  street: r.street,
  postalCode: r.postal_code,
  city: r.city,
  countryCode: r.country_code,
  email: r.email,
  phone: r.phone,
  website: r.website,
  externalRef: r.external_ref,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
})

const columns = (o: OrganisationPatch) => ({
  ...(o.name !== undefined ? { name: o.name } : {}),
  ...(o.legalForm !== undefined ? { legal_form: o.legalForm } : {}),
  ...(o.vatId !== undefined ? { vat_id: o.vatId } : {}),
  ...(o.street !== undefined ? { street: o.street } : {}),
  ...(o.postalCode !== undefined ? { postal_code: o.postalCode } : {}),
  ...(o.city !== undefined ? { city: o.city } : {}),
  ...(o.countryCode !== undefined ? { country_code: o.countryCode } : {}),
  ...(o.email !== undefined ? { email: o.email } : {}),
  ...(o.phone !== undefined ? { phone: o.phone } : {}),
  ...(o.website !== undefined ? { website: o.website } : {}),
  ...(o.externalRef !== undefined ? { external_ref: o.externalRef } : {}),
})

/** Organisations (legal entities) and the people's place in them. */
export class OrganisationService {
  readonly #repo: OrganisationRepository
  readonly #records: RecordGate
  readonly #clock: () => Date
  constructor(repo: OrganisationRepository, records: RecordGate, clock: () => Date = () => new Date()) {
    this.#repo = repo
    this.#records = records
    this.#clock = clock
  }

  async create(input: NewOrganisation): Promise<{ organisation: Organisation; created: boolean }> {
    const now = this.#clock()
    const { row, created } = await this.#repo.insert({
      ...columns(input),
      name: input.name,
      created_at: now,
      updated_at: now,
    })
    return { organisation: toOrganisation(row), created }
  }

  async update(id: string, patch: OrganisationPatch): Promise<Organisation> {
    const row = await this.#repo.update(id, { ...columns(patch), updated_at: this.#clock() })
    if (!row) throw new ProblemError('not-found', 'no organisation with this id')
    return toOrganisation(row)
  }

  async get(id: string): Promise<Organisation> {
    const row = await this.#repo.find(id)
    if (!row) throw new ProblemError('not-found', 'no organisation with this id')
    return toOrganisation(row)
  }

  async list(query: OrganisationListQuery): Promise<{ items: Organisation[]; nextCursor: string | null }> {
    const rows = await this.#repo.list({ prefix: query.q, limit: query.limit + 1, after: query.after })
    const page = rows.slice(0, query.limit)
    return {
      items: page.map(toOrganisation),
      nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
    }
  }

  async link(ctx: RequestContext, subjectId: string, membership: Membership): Promise<void> {
    await this.get(membership.organisationId)
    await this.#records.linkOrganisation(
      { actor: ctx.actor, purpose: MEMBERSHIP_PURPOSE, subjectId, requestId: ctx.requestId },
      membership,
    )
  }

  unlink(ctx: RequestContext, subjectId: string, organisationId: string): Promise<void> {
    return this.#records.unlinkOrganisation(
      { actor: ctx.actor, purpose: MEMBERSHIP_PURPOSE, subjectId, requestId: ctx.requestId },
      organisationId,
    )
  }
}
