import { invalidField, ProblemError } from '../../platform/problem.ts'
import type { RequestContext } from '../../privacy/gate/request-context.ts'
import type { DealRow, OpenedNote, RecordGate } from '../../privacy/records/record-gate.ts'
import type { PipelineRepository } from './pipeline.repository.ts'
import type { Deal, NewDeal, NewNote, Note, PipelineStage } from './sales.schemas.ts'

/**
 * Deals and notes serve the business relationship: contact management (legitimate interest,
 * Art. 6(1)(f)), so an objection to it ends them too.
 */
export const SALES_PURPOSE = 'contact_management'

export const toDeal = (d: DealRow): Deal => ({
  id: d.id,
  title: d.title,
  stageKey: d.stage_key,
  amountCents: d.amount_cents,
  currency: d.currency,
  organisationId: d.organisation_id,
  ownerUserId: d.owner_user_id,
  expectedCloseOn: d.expected_close_on,
  createdAt: d.created_at.toISOString(),
  updatedAt: d.updated_at.toISOString(),
})

export const toNote = (n: OpenedNote): Note => ({
  id: n.id,
  kind: n.kind,
  text: n.text,
  author: { type: n.authorType, id: n.authorId },
  dueOn: n.dueOn,
  doneAt: n.doneAt?.toISOString() ?? null,
  createdAt: n.createdAt.toISOString(),
})

/** The sales pipeline, deals with contacts, and staff notes and tasks. */
export class SalesService {
  readonly #records: RecordGate
  readonly #pipeline: PipelineRepository
  constructor(records: RecordGate, pipeline: PipelineRepository) {
    this.#records = records
    this.#pipeline = pipeline
  }

  async stages(): Promise<PipelineStage[]> {
    return (await this.#pipeline.stages()).map((s) => ({
      key: s.key,
      name: { de: s.name_de, en: s.name_en },
      position: s.position,
      probability: s.probability,
      outcome: s.outcome as PipelineStage['outcome'],
    }))
  }

  async addDeal(ctx: RequestContext, subjectId: string, input: NewDeal): Promise<Deal> {
    const stageKey = input.stageKey ?? (await this.stages())[0]?.key ?? 'lead'
    await this.#requireStage(stageKey)
    if (input.organisationId && !(await this.#pipeline.hasOrganisation(input.organisationId)))
      throw invalidField('body', 'organisationId', 'is not an organisation')
    const id = await this.#records.addDeal(this.#write(ctx, subjectId), {
      title: input.title,
      stageKey,
      amountCents: input.amountCents,
      currency: input.currency,
      organisationId: input.organisationId,
      ownerUserId: ctx.actor.type === 'user' ? ctx.actor.id : null,
      expectedCloseOn: input.expectedCloseOn,
    })
    return this.#deal(ctx, subjectId, id)
  }

  async moveDeal(ctx: RequestContext, subjectId: string, dealId: string, stageKey: string): Promise<Deal> {
    await this.#requireStage(stageKey)
    await this.#records.moveDeal(this.#write(ctx, subjectId), dealId, stageKey)
    return this.#deal(ctx, subjectId, dealId)
  }

  async deals(ctx: RequestContext, subjectId: string): Promise<Deal[]> {
    const result = await this.#records.read({ ...this.#read(ctx, subjectId), fields: ['deals'] })
    if (!result.records.deals) throw new ProblemError('forbidden', 'your role may not see deals')
    return result.records.deals.map(toDeal)
  }

  async addNote(ctx: RequestContext, subjectId: string, input: NewNote): Promise<Note> {
    const kind = input.kind ?? 'note'
    if (kind === 'note' && input.dueOn) throw invalidField('body', 'dueOn', 'only a task has a due date')
    const id = await this.#records.addNote(this.#write(ctx, subjectId), {
      kind,
      text: input.text,
      dueOn: input.dueOn,
    })
    const note = (await this.notes(ctx, subjectId)).find((n) => n.id === id)
    if (!note) throw new Error('the note just stored is not readable')
    return note
  }

  async completeTask(ctx: RequestContext, subjectId: string, noteId: string): Promise<Note> {
    await this.#records.completeTask(this.#write(ctx, subjectId), noteId)
    const note = (await this.notes(ctx, subjectId)).find((n) => n.id === noteId)
    if (!note) throw new Error('the task just completed is not readable')
    return note
  }

  async notes(ctx: RequestContext, subjectId: string): Promise<Note[]> {
    const result = await this.#records.read({
      ...this.#read(ctx, subjectId),
      fields: ['staffNotes'],
      limit: 200,
    })
    if (!result.records.staffNotes) throw new ProblemError('forbidden', 'your role may not see notes')
    return result.records.staffNotes.map(toNote)
  }

  async #deal(ctx: RequestContext, subjectId: string, id: string): Promise<Deal> {
    const deal = (await this.deals(ctx, subjectId)).find((d) => d.id === id)
    if (!deal) throw new Error('the deal just stored is not readable')
    return deal
  }

  async #requireStage(key: string): Promise<void> {
    if (!(await this.stages()).some((s) => s.key === key))
      throw invalidField('body', 'stageKey', 'is not a pipeline stage')
  }

  #write(ctx: RequestContext, subjectId: string) {
    return { actor: ctx.actor, purpose: SALES_PURPOSE, subjectId, requestId: ctx.requestId }
  }

  #read(ctx: RequestContext, subjectId: string) {
    return { actor: ctx.actor, purpose: SALES_PURPOSE, subjectId, requestId: ctx.requestId }
  }
}
