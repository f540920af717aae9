import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { contextOf } from '../../server/request-context.ts'
import {
  EnrolmentsPage,
  EnrolmentsQuery,
  Journey,
  JourneyInput,
  JourneyList,
  JourneyParams,
  JourneyPatch,
  JourneyStats,
} from './journey.schemas.ts'
import type { JourneyService, JourneyInput as ServiceInput } from './journey.service.ts'

const HOW_IT_RUNS =
  'A journey is automation (issue #17, "Triggers"): its trigger enrols people — `doi-confirmed` (a welcome after a double opt-in is confirmed), `p-alive-below` (a reactivation when a customer\'s P(alive) falls below a threshold), `order-abandoned` (a reminder for an order still open after N hours) — who then run its steps: `wait` (minutes) and `send` (one e-mail — or one SMS where an SMS provider is set up — under a direct-marketing purpose that uses the channel, content per language with `{{firstName}}`/`{{lastName}}`). The job `journeys.tick` runs every minute. Every message asks the permission rules for the person, purpose and channel again (consent confirmed and not withdrawn, or legitimate interest and no objection; not restricted, not erased) and carries the unsubscribe link with RFC 8058 one-click headers; a refusal stops the person\'s enrolment with the rule (a person who withdraws or objects gets nothing more). An abandoned-order enrolment stops when the order is paid, completed or followed by another. A send ledger keyed by journey, step and person makes a redelivered or concurrent tick send each step at most once.'

export const journeyRoutes =
  (journeys: JourneyService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/journeys',
      {
        config: { access: 'campaigns:read' },
        schema: {
          tags: ['journeys'],
          summary: 'List the journeys (triggered marketing automation)',
          description: `Every journey with its trigger, steps, status and version, by name. ${HOW_IT_RUNS}`,
          response: { 200: JourneyList },
        },
      },
      async () => ({ items: await journeys.list() }),
    )

    app.post(
      '/journeys',
      {
        config: { access: 'campaigns:manage' },
        schema: {
          tags: ['journeys'],
          summary: 'Create a journey (a draft, version 1)',
          description: `Checked when saved, each mistake a 400 naming its field in \`errors[]\`: the trigger's field for its kind (\`trigger.purposeKey\` an existing purpose, \`trigger.threshold\` 0–1, \`trigger.hours\` 1–720); each send step's purpose must exist, be direct marketing and use e-mail; its content must exist in \`defaultLang\`; merge fields other than \`{{firstName}}\`/\`{{lastName}}\` are refused. Names are unique (409). Nothing runs until POST /journeys/{id}/activate. Audited as a configuration change. ${HOW_IT_RUNS}`,
          body: JourneyInput,
          response: { 201: Journey },
        },
      },
      async (request, reply) => {
        const journey = await journeys.create(contextOf(request), request.body as ServiceInput)
        return reply.code(201).header('location', `/api/v1/journeys/${journey.id}`).send(journey)
      },
    )

    app.get(
      '/journeys/:id',
      {
        config: { access: 'campaigns:read' },
        schema: {
          tags: ['journeys'],
          summary: 'A journey',
          params: JourneyParams,
          response: { 200: Journey },
        },
      },
      (request) => journeys.get(request.params.id),
    )

    app.patch(
      '/journeys/:id',
      {
        config: { access: 'campaigns:manage' },
        schema: {
          tags: ['journeys'],
          summary: 'Change a draft or paused journey (a new version)',
          description:
            'The fields given replace the saved ones, checked as on create. An active journey is a 409: pause it first. Every change bumps the version; people already in the journey run the version they entered with. With `version` (the one the edit started from), a journey changed since is a 409. Audited.',
          params: JourneyParams,
          body: JourneyPatch,
          response: { 200: Journey },
        },
      },
      (request) =>
        journeys.update(
          contextOf(request),
          request.params.id,
          request.body as Partial<ServiceInput> & { version?: number },
        ),
    )

    app.delete(
      '/journeys/:id',
      {
        config: { access: 'campaigns:manage' },
        schema: {
          tags: ['journeys'],
          summary: 'Delete a draft journey',
          description:
            'Only a draft nobody ever entered can be deleted (else 409: pause it instead, its enrolments and ledger are the record of what was sent). Audited.',
          params: JourneyParams,
          response: { 204: { type: 'null', description: 'Deleted.' } },
        },
      },
      async (request, reply) => {
        await journeys.delete(contextOf(request), request.params.id)
        return reply.code(204).send(null)
      },
    )

    app.post(
      '/journeys/:id/activate',
      {
        config: { access: 'campaigns:manage' },
        schema: {
          tags: ['journeys'],
          summary: 'Activate (or resume) a journey',
          description:
            'From now on the trigger enrols (only what happens after the first activation: no welcome for old sign-ups; what happened while paused does not enter) and the tick moves people on. Idempotent. Audited.',
          params: JourneyParams,
          response: { 200: Journey },
        },
      },
      (request) => journeys.activate(contextOf(request), request.params.id),
    )

    app.post(
      '/journeys/:id/pause',
      {
        config: { access: 'campaigns:manage' },
        schema: {
          tags: ['journeys'],
          summary: 'Pause a journey',
          description:
            'Nobody enters and nobody moves on until it is activated again (a wait that ends meanwhile continues on the resume). A draft is a 409. Idempotent. Audited.',
          params: JourneyParams,
          response: { 200: Journey },
        },
      },
      (request) => journeys.pause(contextOf(request), request.params.id),
    )

    app.get(
      '/journeys/:id/enrolments',
      {
        config: { access: 'campaigns:read' },
        schema: {
          tags: ['journeys'],
          summary: "A page of the journey's enrolments (pseudonymous), with their status",
          description:
            "Who is in the journey by pseudonymous subject id only — the step, the status (`active`, `completed`, `stopped`) and why it stopped (the permission rule that refused a message, `order-completed`, …) — in id order, keyset pages (`after` = the previous `nextCursor`). No identifiers; the listed people's histories record the read (audit).",
          params: JourneyParams,
          querystring: EnrolmentsQuery,
          response: { 200: EnrolmentsPage },
        },
      },
      (request) => journeys.enrolments(contextOf(request), request.params.id, request.query),
    )

    app.get(
      '/journeys/:id/stats',
      {
        config: { access: 'campaigns:read' },
        schema: {
          tags: ['journeys'],
          summary:
            'Counts per step: entered, waiting, sent, refused, failed and stopped by reason, completed',
          description:
            'Aggregates over the enrolments and the send ledger, computed now; nobody is named. Per step of the current version: `entered` (people who reached it), `waiting` (whose next step it is), `sent`, `refused` by permission rule, `failed` by reason, `stopped` by reason; overall `enrolled`, `active`, `completed`, `stopped` by reason.',
          params: JourneyParams,
          response: { 200: JourneyStats },
        },
      },
      (request) => journeys.stats(request.params.id),
    )
  }
