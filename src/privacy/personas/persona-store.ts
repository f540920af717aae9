import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { ProblemError } from '../../platform/problem.ts'
import type { AuditWriter } from '../audit/audit-record.ts'
import type { GateActor, GatePurpose } from '../gate/gate.service.ts'
import { requireActUnder } from '../gate/purpose-scope.ts'
import { SCORE_PURPOSE } from '../scores/score-store.ts'
import type {
  FeatureRow,
  PersonaCounts,
  PersonaModelRow,
  PersonaRepository,
  Scaling,
} from './persona.repository.ts'

export type { FeatureRow, PersonaCounts, PersonaModelRow, Scaling }

/**
 * The kernel's side of personas (issue #16): the customers' scores as anonymous feature rows to
 * cluster, and every customer counted into the nearest cluster — both over `subject_score`, which
 * holds only subjects the profiling purpose may use. The role must act under that purpose; a fit is
 * audited as one read of the scores naming nobody. Nothing per person is stored.
 */
export class PersonaStore {
  readonly #repository: PersonaRepository
  readonly #audit: AuditWriter
  readonly #purposes: { find(key: string, trx?: Kysely<Schema>): Promise<GatePurpose | undefined> }
  constructor(deps: {
    repository: PersonaRepository
    audit: AuditWriter
    purposes: { find(key: string, trx?: Kysely<Schema>): Promise<GatePurpose | undefined> }
  }) {
    this.#repository = deps.repository
    this.#audit = deps.audit
    this.#purposes = deps.purposes
  }

  /** A random sample of at most about `limit` customers' features, and how many customers there are. */
  async sample(
    request: { actor: GateActor; requestId?: string | undefined },
    limit: number,
  ): Promise<{ customers: number; rows: FeatureRow[] }> {
    const purpose = await this.#purposes.find(SCORE_PURPOSE)
    if (!purpose) throw new ProblemError('not-found', `there is no purpose ${SCORE_PURPOSE}`)
    await requireActUnder(purpose, request, this.#audit)
    const customers = await this.#repository.countCustomers()
    const rows = customers === 0 ? [] : await this.#repository.sample(Math.min(1, limit / customers))
    await this.#audit.append([
      {
        actor: request.actor,
        action: 'read',
        purpose: purpose.key,
        legalBasis: purpose.legalBasis,
        fields: ['scores'],
        reason: 'scores of all customers clustered into personas (no subject named)',
        ...(request.requestId ? { requestId: request.requestId } : {}),
      },
    ])
    return { customers, rows }
  }

  assign(scaling: Scaling, centroids: readonly number[][]): Promise<PersonaCounts[]> {
    return this.#repository.assign(scaling, centroids)
  }

  save(model: Omit<PersonaModelRow, 'version'>): Promise<PersonaModelRow> {
    return this.#repository.save(model)
  }

  latest(): Promise<PersonaModelRow | undefined> {
    return this.#repository.latest()
  }
}
