import { type RawBuilder, type SqlBool, sql } from 'kysely'
import { type FieldError, ProblemError } from '../../platform/problem.ts'
import type { AuditWriter } from '../audit/audit-record.ts'
import type { FieldCategory, PersonalField } from '../fields/field-catalog.ts'
import type { FieldRegistry } from '../fields/field-registry.ts'
import { splitFieldsByRole, withholdSpecialCategories } from '../gate/field-access.ts'
import type { Gate, GateActor, GatedSubject } from '../gate/gate.service.ts'
import { requireActUnder, withholdOutsideScope } from '../gate/purpose-scope.ts'
import { type PlanQuery, permittedCondition } from '../permissions/permission.repository.ts'
import { type DenialRule, decisionPlan, defaultChannel } from '../permissions/permission-rules.ts'
import { type Channel, isChannel, type Purpose } from '../purposes/purpose.ts'
import { compileSegment, inspectSegment, planKey } from './segment-compiler.ts'
import type { SegmentQueryRepository } from './segment-query.repository.ts'
import type { SegmentGroup } from './segment-rules.ts'

/** What the engine needs: the kernel's own parts. */
export interface SegmentEnginePorts {
  queries: SegmentQueryRepository
  purposes: { find(key: string): Promise<Purpose | undefined> }
  roles: { fieldCategoriesOf(role: string): readonly FieldCategory[] }
  fields: FieldRegistry
  audit: AuditWriter
  /** Members are handed out through the gate (its checks, its audit record). */
  gate: Pick<Gate, 'use'>
  clock?: () => Date
}

/** A segment evaluation asked for: who, under which purpose, which definition. */
export interface SegmentRequest {
  actor: GateActor
  /**
   * The purpose the segment is evaluated under (its own, e.g. `profiling_offers` for behaviour and
   * scores): the role must act under it and its scope must cover the fields the conditions read.
   */
  purpose: string
  /**
   * The purpose the audience is for (default: `purpose`). When another, the audience is only the
   * members the segment's purpose may use too: selecting people by their data is a use of it.
   */
  audiencePurpose?: string | undefined
  /** Where `audiencePurpose` came from, for a problem naming it (default: the query's `purpose`). */
  audienceField?: { in: string; field: string } | undefined
  rules: SegmentGroup
  requestId?: string | undefined
  /** Where the definition came from, for problems (`body`, or a file name). */
  where?: string | undefined
}

/** The permitted audience of a segment on one channel of the purpose. */
export interface ChannelAudience {
  channel: Channel
  permitted: number
  excluded: number
  /** With `reasons`: the excluded members by the gate's first denial rule. */
  excludedBy?: Partial<Record<DenialRule | 'segment-purpose', number>> | undefined
}

export interface SegmentCounts {
  /** The purpose the segment was evaluated under. */
  purpose: string
  /** The purpose the audience was counted for. */
  audiencePurpose: string
  /** Members of the segment (erased subjects aside), whatever the permissions. */
  total: number
  audience: ChannelAudience[]
  /** When the counts were taken (live: one query each, no cache), ISO 8601. */
  countedAt: string
}

interface Compiled {
  /** The audience's purpose. */
  purpose: Purpose
  segmentPurpose: Purpose
  where: RawBuilder<SqlBool>
  /** Where the audience is for another purpose: the segment's own purpose's plan (an audience needs it too). */
  basePlans: PlanQuery[]
  /** The segment ∩ what the segment's purpose may use, where the audience is for another purpose. */
  audienceWhere: RawBuilder<SqlBool>
  specialCategory: boolean
  now: Date
  fields: PersonalField[]
}

/**
 * Segments in the kernel (issue #16): checks a definition as the gate checks a read (the role acts
 * under the purpose; each field a condition reads is one the role holds the category of, the
 * purpose's scope uses, and, for a special category, one with an Art. 9 basis), compiles it to one
 * parameterised SQL condition, and counts it, its permitted audience (segment ∩ the gate's decision
 * plan, in the same statement) and lists that audience through the gate.
 */
export class SegmentEngine {
  readonly #p: SegmentEnginePorts
  readonly #clock: () => Date
  constructor(ports: SegmentEnginePorts) {
    this.#p = ports
    this.#clock = ports.clock ?? (() => new Date())
  }

  /** Checks a definition for the actor and purpose: a validation problem naming each bad condition, 403 for a field not theirs. */
  async check(request: SegmentRequest): Promise<{ fields: PersonalField[] }> {
    const compiled = await this.#compile(request)
    return { fields: compiled.fields }
  }

  async #purpose(key: string, at: { in: string; field: string }): Promise<Purpose> {
    const purpose = await this.#p.purposes.find(key)
    if (!purpose)
      throw new ProblemError('validation', `${at.field}: is not a purpose in the registry`, {
        errors: [{ in: at.in, field: at.field, reason: 'is not a purpose in the registry' }],
      })
    return purpose
  }

  async #compile(request: SegmentRequest): Promise<Compiled> {
    const where = request.where ?? 'body'
    const purpose = await this.#purpose(request.purpose, { in: where, field: 'purpose' })
    await requireActUnder(purpose, request, this.#p.audit)
    const audiencePurpose =
      request.audiencePurpose === undefined || request.audiencePurpose === purpose.key
        ? purpose
        : await this.#purpose(
            request.audiencePurpose,
            request.audienceField ?? { in: 'query', field: 'purpose' },
          )
    if (audiencePurpose !== purpose) await requireActUnder(audiencePurpose, request, this.#p.audit)
    const ownChannel = defaultChannel(purpose)
    if (audiencePurpose !== purpose && ownChannel === undefined)
      throw new ProblemError(
        'validation',
        `purpose: ${purpose.key} uses several channels; a segment for another purpose's audience is evaluated under a purpose of one channel (e.g. profiling_offers)`,
        { errors: [{ in: where, field: 'purpose', reason: 'uses several channels' }] },
      )
    const inspection = inspectSegment(request.rules, this.#p.fields, where)
    const errors: FieldError[] = [...inspection.errors]
    const now = this.#clock()
    const plans = new Map<string, PlanQuery>()
    for (const use of inspection.permissions) {
      const other = await this.#p.purposes.find(use.purpose)
      if (!other) {
        errors.push({ in: where, field: `${use.path}.purpose`, reason: 'is not a purpose in the registry' })
        continue
      }
      if (!isChannel(use.channel) || !other.channels.includes(use.channel)) {
        errors.push({
          in: where,
          field: `${use.path}.channel`,
          reason: `purpose ${other.key} uses the channels ${other.channels.join(', ')}`,
        })
        continue
      }
      plans.set(planKey(use.purpose, use.channel), {
        purposeKey: other.key,
        channel: use.channel,
        plan: decisionPlan(other, use.channel, false),
        now,
      })
    }
    if (errors.length > 0)
      throw new ProblemError('validation', errors.map((e) => `${e.field}: ${e.reason}`).join('; '), {
        errors,
      })

    // Filtering on a field is using it: the gate's field steps, with the purpose's scope and Art. 9.
    const fields = [...inspection.fields.keys()]
    const split = withholdSpecialCategories(
      withholdOutsideScope(
        splitFieldsByRole(fields, this.#p.roles.fieldCategoriesOf(request.actor.role), this.#p.fields),
        purpose.scope,
        this.#p.fields,
      ),
      purpose,
      this.#p.fields,
    )
    if (split.denied.length > 0) {
      const denied = split.denied.map((d) => ({
        in: where,
        field: inspection.fields.get(d.field) ?? 'rules',
        reason:
          d.rule === 'role-lacks-field-category'
            ? `your role lacks the field category ${d.category} (${d.field})`
            : d.rule === 'purpose-lacks-field-category'
              ? `the purpose ${purpose.key} does not use the field category ${d.category} (${d.field})`
              : d.rule === 'special-category-without-art9-basis'
                ? `${d.field} is a special category (Art. 9(1)) without an Art. 9(2) basis for ${purpose.key}`
                : `${d.field} is not a field of the catalog`,
      }))
      await this.#p.audit.append([
        {
          actor: request.actor,
          action: 'denied',
          purpose: purpose.key,
          legalBasis: purpose.legalBasis,
          fields: split.denied.map((d) => d.field),
          reason: `segment condition on fields the role or purpose may not use: ${split.denied.map((d) => `${d.field} (${d.rule})`).join(', ')}`,
          ...(request.requestId ? { requestId: request.requestId } : {}),
        },
      ])
      throw new ProblemError('forbidden', denied.map((e) => `${e.field}: ${e.reason}`).join('; '), {
        errors: denied,
      })
    }
    const segment = compileSegment(request.rules, { now, catalog: this.#p.fields, plans })
    const basePlans: PlanQuery[] =
      audiencePurpose === purpose
        ? []
        : [
            {
              purposeKey: purpose.key,
              channel: ownChannel as Channel,
              plan: decisionPlan(purpose, ownChannel as Channel, split.specialCategory),
              now,
            },
          ]
    return {
      purpose: audiencePurpose,
      segmentPurpose: purpose,
      where: segment,
      basePlans,
      audienceWhere:
        basePlans.length === 0
          ? segment
          : sql<SqlBool>`(${segment} and ${sql.join(
              basePlans.map((plan) => permittedCondition(plan, sql.ref('s.id'))),
              sql` and `,
            )})`,
      specialCategory: split.specialCategory,
      now,
      fields: split.allowed,
    }
  }

  /** The plans a member of the audience on the channel must pass: the audience's purpose's, and the segment's own. */
  #audiencePlan(compiled: Compiled, channel: Channel): PlanQuery[] {
    return [this.#plan(compiled, channel), ...compiled.basePlans]
  }

  #plan(compiled: Compiled, channel: Channel): PlanQuery {
    return {
      purposeKey: compiled.purpose.key,
      channel,
      plan: decisionPlan(compiled.purpose, channel, compiled.specialCategory),
      now: compiled.now,
    }
  }

  /**
   * The segment's size and its permitted audience on each channel of the purpose (or the given
   * ones), with the excluded members by denial rule where `reasons` is asked. Aggregates, naming
   * nobody; each a single statement over the set.
   */
  async count(
    request: SegmentRequest & { channels?: readonly string[]; reasons?: boolean },
  ): Promise<SegmentCounts> {
    const compiled = await this.#compile(request)
    const channels = this.#channels(compiled.purpose, request.channels)
    // Total and the audience of every channel in one statement; with reasons, one more per channel.
    const counted = await this.#p.queries.counts(
      compiled.where,
      channels.map((channel) => this.#audiencePlan(compiled, channel)),
    )
    const total = counted.total
    const audience: ChannelAudience[] = []
    for (const [i, channel] of channels.entries()) {
      const permitted = counted.permitted[i] ?? 0
      if (!request.reasons) {
        audience.push({ channel, permitted, excluded: total - permitted })
        continue
      }
      const rows = await this.#p.queries.countByRule(compiled.audienceWhere, this.#plan(compiled, channel))
      const excludedBy: Partial<Record<DenialRule | 'segment-purpose', number>> = {}
      let decided = 0
      for (const row of rows) {
        decided += row.n
        if (row.rule !== null) excludedBy[row.rule] = row.n
      }
      // Members the segment's own purpose may not use are not in any other purpose's audience.
      if (decided < total) excludedBy['segment-purpose'] = total - decided
      audience.push({ channel, permitted, excluded: total - permitted, excludedBy })
    }
    return {
      purpose: compiled.segmentPurpose.key,
      audiencePurpose: compiled.purpose.key,
      total,
      audience,
      countedAt: compiled.now.toISOString(),
    }
  }

  #channels(purpose: Purpose, asked: readonly string[] | undefined): Channel[] {
    if (asked === undefined || asked.length === 0) return [...purpose.channels]
    const out: Channel[] = []
    for (const channel of asked) {
      if (!isChannel(channel) || !purpose.channels.includes(channel))
        throw new ProblemError(
          'validation',
          `channel: purpose ${purpose.key} uses the channels ${purpose.channels.join(', ')}`,
          {
            errors: [
              {
                in: 'query',
                field: 'channel',
                reason: `purpose ${purpose.key} uses the channels ${purpose.channels.join(', ')}`,
              },
            ],
          },
        )
      out.push(channel)
    }
    return out
  }

  /**
   * The condition (over `subject s`) of the segment's permitted audience on one channel of the
   * audience's purpose — segment ∩ the gate's decision plan, erased subjects left out — checked as
   * `count` checks it: what a campaign's send inserts into its ledger in one statement
   * (src/privacy/campaigns, docs/adr/0020).
   */
  async audienceCondition(
    request: SegmentRequest & { channel: string },
  ): Promise<{ purpose: Purpose; channel: Channel; condition: RawBuilder<SqlBool> }> {
    const compiled = await this.#compile(request)
    const [channel] = this.#channels(compiled.purpose, [request.channel]) as [Channel]
    const plan = this.#plan(compiled, channel)
    return {
      purpose: compiled.purpose,
      channel,
      condition: sql<SqlBool>`(s.erased_at is null and ${compiled.audienceWhere} and ${permittedCondition(plan, sql.ref('s.id'))})`,
    }
  }

  /**
   * One keyset page of the segment's permitted audience on the channel, read through the gate
   * (`Gate.use`: the role's fields of the catalog's attributes, the legal basis asked again, the
   * use audited with `reason`). `nextCursor`: pass as `after` for the next page; null at the end.
   */
  async members(
    request: SegmentRequest & {
      channel?: string | undefined
      after?: string | undefined
      limit: number
      reason: string
    },
  ): Promise<{ subjects: GatedSubject[]; nextCursor: string | null; channel: Channel }> {
    const compiled = await this.#compile(request)
    const [channel] =
      request.channel === undefined && compiled.purpose.channels.length === 1
        ? [compiled.purpose.channels[0] as Channel]
        : this.#channels(compiled.purpose, request.channel === undefined ? ['(none)'] : [request.channel])
    const ids = await this.#p.queries.members(
      compiled.audienceWhere,
      this.#plan(compiled, channel as Channel),
      {
        after: request.after,
        limit: request.limit,
      },
    )
    if (ids.length === 0) return { subjects: [], nextCursor: null, channel: channel as Channel }
    const used = await this.#p.gate.use({
      actor: request.actor,
      purpose: compiled.purpose.key,
      channel: channel as Channel,
      subjectIds: ids,
      fields: this.#p.fields.attributes(),
      reason: request.reason,
      ...(request.requestId ? { requestId: request.requestId } : {}),
    })
    return {
      subjects: used.subjects,
      nextCursor: ids.length === request.limit ? (ids.at(-1) ?? null) : null,
      channel: channel as Channel,
    }
  }
}
