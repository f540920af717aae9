import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { BreachService } from '../../privacy/breaches/breach.service.ts'
import {
  type AffectedCounts,
  type Breach,
  breachClock,
  breachReference,
  DISCLOSING_ACTIONS,
} from '../../privacy/breaches/breach.ts'
import { actorOf } from '../../server/auth.ts'
import { contextOf } from '../../server/request-context.ts'
import { auditActor } from '../access/access.service.ts'
import {
  AffectedPage,
  AffectedPageQuery,
  AffectedQueryBody,
  AffectedResult,
  type BreachJson,
  BreachList,
  BreachParams,
  BreachPatchBody,
  LetterSummaryJson,
  LettersBody,
  NewBreachBody,
  NoticeQuery,
  NotificationBody,
} from './breach.schemas.ts'
import type { BreachNoticeService } from './breach-notice.service.ts'

const iso = (d: Date | null) => (d ? d.toISOString() : null)
const date = (s: string | null | undefined) => (s === undefined ? undefined : s === null ? null : new Date(s))

/** A breach as the API shows it: with its reference, the 72-hour clock now, and the affected set's counts. */
export function breachJson(b: Breach, counts: AffectedCounts, now: Date): BreachJson {
  const clock = breachClock(b, now)
  return {
    id: b.id,
    reference: breachReference(b.number),
    awareAt: b.awareAt.toISOString(),
    occurredFrom: iso(b.occurredFrom),
    occurredUntil: iso(b.occurredUntil),
    title: b.title,
    description: b.description,
    nature: b.nature,
    subjectCategories: b.subjectCategories,
    dataCategories: b.dataCategories,
    approxSubjects: b.approxSubjects,
    approxRecords: b.approxRecords,
    consequences: b.consequences,
    measures: b.measures,
    risk: b.risk,
    status: b.status,
    authorityNotifiedAt: iso(b.authorityNotifiedAt),
    authorityReference: b.authorityReference,
    delayReasons: b.delayReasons,
    affectedQueries: b.affectedQueries.map((q) => ({
      actor: q.actor,
      from: q.from.toISOString(),
      until: q.until.toISOString(),
      actions: q.actions,
    })),
    clock: {
      deadline: clock.deadline.toISOString(),
      notificationRequired: clock.notificationRequired,
      remainingSeconds: clock.remainingMs === null ? null : Math.trunc(clock.remainingMs / 1000),
      overdue: clock.overdue,
      late: clock.late,
    },
    affected: counts,
    recordedBy: b.recordedBy,
    createdAt: b.createdAt.toISOString(),
    updatedAt: b.updatedAt.toISOString(),
  }
}

const TAG = ['breaches']

/** The breach register (Art. 33, 34): the DPO's (`breaches:manage`). */
export const breachRoutes =
  (breaches: BreachService, notices: BreachNoticeService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const show = async (b: Breach) => breachJson(b, await breaches.counts(b.id), breaches.now())
    const ctxOf = (request: Parameters<typeof actorOf>[0]) => ({
      actor: auditActor(actorOf(request)),
      requestId: request.id,
    })

    app.get(
      '/breaches',
      {
        config: { access: 'breaches:manage' },
        schema: {
          tags: TAG,
          summary: 'The breach register, newest first',
          description:
            'Every personal data breach recorded (Art. 33(5)), with its 72-hour clock (Art. 33(1)) and the counts of its affected set.',
          response: { 200: BreachList },
        },
      },
      async () => ({ items: await Promise.all((await breaches.list()).map(show)) }),
    )

    app.post(
      '/breaches',
      {
        config: { access: 'breaches:manage' },
        schema: {
          tags: TAG,
          summary: 'Record a breach',
          description:
            'The facts as known (Art. 33(3)(a), (c), (d)): when the company became aware (the 72 hours run from here; not in the future), what happened, the categories and approximate numbers, the likely consequences, the measures, the risk. Audited.',
          body: NewBreachBody,
          response: { 201: Type.Ref('Breach') },
        },
      },
      async (request, reply) => {
        const b = request.body
        const created = await breaches.record(
          {
            ...b,
            awareAt: new Date(b.awareAt),
            occurredFrom: date(b.occurredFrom),
            occurredUntil: date(b.occurredUntil),
          },
          ctxOf(request),
        )
        return reply.code(201).send(await show(created))
      },
    )

    app.get(
      '/breaches/:id',
      {
        config: { access: 'breaches:manage' },
        schema: {
          tags: TAG,
          summary: 'One breach with its clock and counts',
          params: BreachParams,
          response: { 200: Type.Ref('Breach') },
        },
      },
      async (request) => show(await breaches.get(request.params.id)),
    )

    app.patch(
      '/breaches/:id',
      {
        config: { access: 'breaches:manage' },
        schema: {
          tags: TAG,
          summary: 'Change what is known about a breach',
          description:
            'Only the given properties change. Moving `awareAt` so that an earlier notification becomes late without reasons is refused. `status: closed` closes it. Audited with the names of the changed properties.',
          params: BreachParams,
          body: BreachPatchBody,
          response: { 200: Type.Ref('Breach') },
        },
      },
      async (request) => {
        const b = request.body
        const updated = await breaches.update(
          request.params.id,
          {
            ...b,
            awareAt: date(b.awareAt) ?? undefined,
            occurredFrom: date(b.occurredFrom),
            occurredUntil: date(b.occurredUntil),
          },
          ctxOf(request),
        )
        return show(updated)
      },
    )

    app.post(
      '/breaches/:id/notification',
      {
        config: { access: 'breaches:manage' },
        schema: {
          tags: TAG,
          summary: 'Record the notification of the supervisory authority',
          description:
            'Art. 33(1): within 72 hours of becoming aware; later only with `delayReasons` — a late notification without them is refused with a 400 naming `delayReasons`. Sets the status `notified`; audited.',
          params: BreachParams,
          body: NotificationBody,
          response: { 200: Type.Ref('Breach') },
        },
      },
      async (request) =>
        show(
          await breaches.notifyAuthority(
            request.params.id,
            {
              at: new Date(request.body.at),
              reference: request.body.reference,
              delayReasons: request.body.delayReasons,
            },
            ctxOf(request),
          ),
        ),
    )

    app.post(
      '/breaches/:id/affected',
      {
        config: { access: 'breaches:manage' },
        schema: {
          tags: TAG,
          summary: 'Compute affected people from the audit trail',
          description:
            'Adds to the breach’s affected set every person the actor (a user or an API token) read or exported (or the given audit actions) in [from, until), from the audit records — never guessed; one set-based query. Several queries add up (a person twice counts their records). Stored by pseudonymous subject id; the query is kept with the breach. Audited.',
          params: BreachParams,
          body: AffectedQueryBody,
          response: { 200: AffectedResult },
        },
      },
      async (request) => {
        const q = request.body
        const result = await breaches.computeAffected(
          request.params.id,
          {
            actor: q.actor,
            from: new Date(q.from),
            until: new Date(q.until),
            actions: q.actions ?? [...DISCLOSING_ACTIONS],
          },
          ctxOf(request),
        )
        return { added: result.added, affected: result.counts }
      },
    )

    app.get(
      '/breaches/:id/affected',
      {
        config: { access: 'breaches:manage' },
        schema: {
          tags: TAG,
          summary: 'The affected set, a page at a time',
          description:
            'Subject ids only (pseudonymous), with the number of audit records and the Art. 34 letter’s outcome.',
          params: BreachParams,
          querystring: AffectedPageQuery,
          response: { 200: AffectedPage },
        },
      },
      async (request) => {
        const { after, limit } = request.query
        const items = await breaches.affected(request.params.id, { after, limit })
        return {
          items: items.map((i) => ({
            subjectId: i.subjectId,
            records: i.records,
            addedAt: i.addedAt.toISOString(),
            letter: i.letter ? { ...i.letter, at: i.letter.at.toISOString() } : null,
          })),
          next: items.length === limit ? (items[items.length - 1]?.subjectId ?? null) : null,
        }
      },
    )

    app.get(
      '/breaches/:id/notice',
      {
        config: { access: 'breaches:manage' },
        schema: {
          tags: TAG,
          summary: 'The draft notification to the supervisory authority (Art. 33(3))',
          description:
            'Controller and DPO contact, when the company became aware and the deadline, the nature of the breach, categories and approximate numbers of people and records (and the count computed from the audit trail), likely consequences, measures, the risk, the Art. 34 letters, and the reasons for a delay. HTML, PDF or plain text, German or English, as an attachment.',
          params: BreachParams,
          querystring: NoticeQuery,
          response: {
            200: {
              description: 'The draft.',
              content: {
                'text/html': { schema: Type.Unsafe<Buffer>({ type: 'string' }) },
                'application/pdf': { schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }) },
                'text/plain': { schema: Type.Unsafe<Buffer>({ type: 'string' }) },
              },
            },
          },
        },
      },
      async (request, reply) => {
        const file = await notices.notice(request.params.id, request.query.lang, request.query.format)
        return reply
          .type(file.contentType)
          .header('content-disposition', `attachment; filename="${file.filename}"`)
          .send(file.body)
      },
    )

    app.post(
      '/breaches/:id/letters',
      {
        config: { access: 'breaches:manage' },
        schema: {
          tags: TAG,
          summary: 'Send the Art. 34 letters to the affected people',
          description:
            'Only for a breach assessed as a high risk (409 otherwise). To every person of the affected set no letter reached yet: name and e-mail address read through the gate under the purpose `breach_notification` (audited; people the gate refuses — erased, restricted — are recorded as refused with the rule), the letter in clear and plain language sent by the mailer, the outcome recorded per person. Calling again retries the failed ones.',
          params: BreachParams,
          body: LettersBody,
          response: { 200: LetterSummaryJson },
        },
      },
      async (request) =>
        notices.sendLetters(request.params.id, contextOf(request), request.body.lang ?? 'de'),
    )
  }
