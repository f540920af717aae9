import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { ProblemError } from '../../platform/problem.ts'
import type { AuditWriter } from '../audit/audit-record.ts'
import type { GateActor, GatePurpose } from '../gate/gate.service.ts'
import { requireActUnder } from '../gate/purpose-scope.ts'
import { PURCHASE_STATUSES, SCORE_PURPOSE, type ScoreStore } from '../scores/score-store.ts'
import type {
  AssociatedProduct,
  AssociationRun,
  RecommendationRepository,
  RecommendedProduct,
} from './recommendation.repository.ts'

export type { AssociatedProduct, AssociationRun, RecommendedProduct }

/** A pair is kept only when this many different customers bought both: no pair tells one person's purchase. */
export const MIN_CUSTOMERS = 3
/** Each product keeps its best partners only. */
export const TOP_PARTNERS = 20

export interface RecommendationStorePorts {
  repository: RecommendationRepository
  scores: Pick<ScoreStore, 'authorizeProfilingRead'>
  audit: AuditWriter
  purposes: { find(key: string, trx?: Kysely<Schema>): Promise<GatePurpose | undefined> }
  clock?: () => Date
}

/**
 * "Bought this, also bought" (issue #16): item-to-item co-occurrence over all customers' purchases,
 * stored as product pairs (no subject; a pair needs {@link MIN_CUSTOMERS} customers), and per
 * customer the products that go with what they bought — a profile of the person, so read only under
 * the profiling purpose with its checks (consent or legitimate interest without objection, the
 * `derived` category), audited like a score.
 */
export class RecommendationStore {
  readonly #p: RecommendationStorePorts
  constructor(ports: RecommendationStorePorts) {
    this.#p = ports
  }

  /**
   * Recounts every pair from the orders (open and fulfilled; restricted and erased subjects left
   * out). The role must act under the profiling purpose; audited as one use of the orders naming
   * nobody.
   */
  async rebuild(request: { actor: GateActor; requestId?: string | undefined }): Promise<AssociationRun> {
    const purpose = await this.#purpose(request)
    const run = await this.#p.repository.rebuild({
      statuses: PURCHASE_STATUSES,
      minCustomers: MIN_CUSTOMERS,
      top: TOP_PARTNERS,
      at: (this.#p.clock ?? (() => new Date()))(),
    })
    await this.#p.audit.append([
      {
        actor: request.actor,
        action: 'read',
        purpose: purpose.key,
        legalBasis: purpose.legalBasis,
        fields: ['orders'],
        reason: `products bought together, counted over all customers' orders (no subject named; pairs of at least ${MIN_CUSTOMERS} customers)`,
        ...(request.requestId ? { requestId: request.requestId } : {}),
      },
    ])
    return run
  }

  lastRun(): Promise<AssociationRun | undefined> {
    return this.#p.repository.lastRun()
  }

  /** The products bought together with the product `sku` (404 for an unknown SKU). */
  async forProduct(sku: string, limit = 10): Promise<AssociatedProduct[]> {
    const product = await this.#p.repository.productBySku(sku)
    if (!product) throw new ProblemError('not-found', 'no such product')
    return this.#p.repository.associated(product.id, limit)
  }

  /** The strongest pairs of the catalogue. */
  strongest(limit = 20) {
    return this.#p.repository.strongest(limit)
  }

  /**
   * Products for one customer, from what they bought — under the profiling purpose's checks
   * (`ScoreStore.authorizeProfilingRead`: 404 unknown/erased, 403 naming the rule, audited).
   */
  async forSubject(request: {
    actor: GateActor
    subjectId: string
    requestId?: string | undefined
    limit?: number
  }): Promise<RecommendedProduct[]> {
    const common = await this.#p.scores.authorizeProfilingRead({ ...request, field: 'scores' })
    const products = await this.#p.repository.forSubject(request.subjectId, request.limit ?? 10)
    await this.#p.audit.append([{ ...common, action: 'read', reason: 'product recommendations' }])
    return products
  }

  async #purpose(who: { actor: GateActor; requestId?: string | undefined }): Promise<GatePurpose> {
    const purpose = await this.#p.purposes.find(SCORE_PURPOSE)
    if (!purpose) throw new ProblemError('not-found', `there is no purpose ${SCORE_PURPOSE}`)
    await requireActUnder(purpose, who, this.#p.audit)
    return purpose
  }
}
