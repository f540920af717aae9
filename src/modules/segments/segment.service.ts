import { ProblemError } from '../../platform/problem.ts'
import type { AuditWriter } from '../../privacy/audit/audit-record.ts'
import type { GatedSubject } from '../../privacy/gate/gate.service.ts'
import type { RequestContext } from '../../privacy/gate/request-context.ts'
import type { ChannelAudience, SegmentCounts, SegmentEngine } from '../../privacy/segments/segment-engine.ts'
import type { SegmentGroup } from '../../privacy/segments/segment-rules.ts'
import type { SegmentRepository, SegmentRow, SegmentVersionRow } from './segment.repository.ts'

/** A saved segment as the API shows it. */
export interface SegmentView {
  id: string
  name: string
  description: string
  purpose: string
  rules: SegmentGroup
  version: number
  createdAt: string
  updatedAt: string
}

export interface SegmentVersionView {
  version: number
  name: string
  description: string
  purpose: string
  rules: SegmentGroup
  savedAt: string
  savedBy: { type: string; id: string }
}

/** What a save carries. */
export interface SegmentInput {
  name: string
  description?: string | undefined
  purpose: string
  rules: SegmentGroup
}

export type { ChannelAudience, SegmentCounts }

/** Members per page at most. */
export const MEMBERS_MAX_PAGE = 500

const toView = (row: SegmentRow): SegmentView => ({
  id: row.id,
  name: row.name,
  description: row.description,
  purpose: row.purpose_key,
  rules: row.rules as unknown as SegmentGroup,
  version: row.version,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
})

const toVersion = (row: SegmentVersionRow): SegmentVersionView => ({
  version: row.version,
  name: row.name,
  description: row.description,
  purpose: row.purpose_key,
  rules: row.rules as unknown as SegmentGroup,
  savedAt: row.saved_at.toISOString(),
  savedBy: { type: row.actor_type, id: row.actor_id },
})

/**
 * Segments (issue #16): saved, named, versioned definitions (every save a new version, kept), each
 * checked by the kernel for the saver's role and the segment's purpose before it is stored; live
 * counts and the permitted audience per channel computed by the kernel's one statement (no cache,
 * so nothing goes stale), members listed through the gate.
 */
export class SegmentService {
  readonly #repo: SegmentRepository
  readonly #engine: SegmentEngine
  readonly #audit: AuditWriter
  readonly #clock: () => Date
  constructor(deps: {
    repository: SegmentRepository
    engine: SegmentEngine
    audit: AuditWriter
    clock?: () => Date
  }) {
    this.#repo = deps.repository
    this.#engine = deps.engine
    this.#audit = deps.audit
    this.#clock = deps.clock ?? (() => new Date())
  }

  async list(): Promise<SegmentView[]> {
    return (await this.#repo.list()).map(toView)
  }

  async get(id: string): Promise<SegmentView> {
    const row = await this.#repo.find(id)
    if (!row) throw new ProblemError('not-found', 'no such segment')
    return toView(row)
  }

  async versions(id: string): Promise<SegmentVersionView[]> {
    await this.get(id)
    return (await this.#repo.versions(id)).map(toVersion)
  }

  async #nameFree(name: string, except: string | undefined): Promise<void> {
    if (await this.#repo.nameTaken(name, except))
      throw new ProblemError('conflict', 'a segment of this name exists', {
        errors: [{ in: 'body', field: 'name', reason: 'another segment has this name' }],
      })
  }

  /** Saves a new segment (version 1) after the kernel checked it for the role and purpose; audited. */
  async create(ctx: RequestContext, input: SegmentInput, where = 'body'): Promise<SegmentView> {
    await this.#engine.check({ ...ctx, purpose: input.purpose, rules: input.rules, where })
    const name = input.name.trim()
    await this.#nameFree(name, undefined)
    const row = await this.#repo.transaction(async (trx) => {
      const inserted = await this.#repo.insert(this.#write(ctx, input, name), trx)
      await this.#audit.append(
        [{ actor: ctx.actor, action: 'configure', reason: `segment ${inserted.id} created (version 1)` }],
        trx,
      )
      return inserted
    })
    return toView(row)
  }

  /**
   * Saves a new version. With `version` (the one the editor started from), a save over someone
   * else's newer version is a 409 instead of overwriting it.
   */
  async update(
    ctx: RequestContext,
    id: string,
    input: SegmentInput & { version?: number | undefined },
  ): Promise<SegmentView> {
    await this.get(id)
    await this.#engine.check({ ...ctx, purpose: input.purpose, rules: input.rules })
    const name = input.name.trim()
    await this.#nameFree(name, id)
    const row = await this.#repo.transaction(async (trx) => {
      const current = await this.#repo.lock(id, trx)
      if (!current) throw new ProblemError('not-found', 'no such segment')
      if (input.version !== undefined && input.version !== current.version)
        throw new ProblemError(
          'conflict',
          `the segment is at version ${current.version}, not ${input.version}: reload it and save again`,
          { errors: [{ in: 'body', field: 'version', reason: `is ${current.version} now` }] },
        )
      const next = current.version + 1
      const updated = await this.#repo.update(id, next, this.#write(ctx, input, name), trx)
      await this.#audit.append(
        [{ actor: ctx.actor, action: 'configure', reason: `segment ${id} changed (version ${next})` }],
        trx,
      )
      return updated
    })
    return toView(row)
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    await this.#repo.transaction(async (trx) => {
      if (!(await this.#repo.delete(id, trx))) throw new ProblemError('not-found', 'no such segment')
      await this.#audit.append(
        [{ actor: ctx.actor, action: 'configure', reason: `segment ${id} deleted with its versions` }],
        trx,
      )
    })
  }

  #write(ctx: RequestContext, input: SegmentInput, name: string) {
    return {
      name,
      description: input.description ?? '',
      purposeKey: input.purpose,
      rules: input.rules,
      at: this.#clock(),
      actor: { type: ctx.actor.type, id: ctx.actor.id },
    }
  }

  /** The live count of an unsaved definition: size and permitted audience per channel. */
  preview(
    ctx: RequestContext,
    input: {
      purpose: string
      audiencePurpose?: string | undefined
      rules: SegmentGroup
      channels?: readonly string[] | undefined
      reasons?: boolean | undefined
    },
  ): Promise<SegmentCounts> {
    return this.#engine.count({
      ...ctx,
      purpose: input.purpose,
      audiencePurpose: input.audiencePurpose,
      audienceField: { in: 'body', field: 'audiencePurpose' },
      rules: input.rules,
      ...(input.channels ? { channels: input.channels } : {}),
      reasons: input.reasons ?? false,
    })
  }

  /** A saved segment's live counts, under its purpose or the one given. */
  async count(
    ctx: RequestContext,
    id: string,
    query: { purpose?: string | undefined; channel?: string | undefined; reasons?: boolean | undefined },
  ): Promise<SegmentCounts & { segment: { id: string; version: number } }> {
    const segment = await this.get(id)
    const counts = await this.#engine.count({
      ...ctx,
      purpose: segment.purpose,
      audiencePurpose: query.purpose,
      rules: segment.rules,
      ...(query.channel ? { channels: [query.channel] } : {}),
      reasons: query.reasons ?? false,
      where: 'segment',
    })
    return { ...counts, segment: { id: segment.id, version: segment.version } }
  }

  /** One keyset page of the permitted audience, read through the gate (audited). */
  async members(
    ctx: RequestContext,
    id: string,
    query: {
      purpose?: string | undefined
      channel?: string | undefined
      after?: string | undefined
      limit: number
    },
  ): Promise<{ subjects: GatedSubject[]; nextCursor: string | null; purpose: string; channel: string }> {
    const segment = await this.get(id)
    const purpose = query.purpose ?? segment.purpose
    const page = await this.#engine.members({
      ...ctx,
      purpose: segment.purpose,
      audiencePurpose: purpose,
      rules: segment.rules,
      channel: query.channel,
      after: query.after,
      limit: Math.min(Math.max(1, query.limit), MEMBERS_MAX_PAGE),
      reason: `members of segment ${segment.id} (version ${segment.version})`,
      where: 'segment',
    })
    return { ...page, purpose }
  }
}
