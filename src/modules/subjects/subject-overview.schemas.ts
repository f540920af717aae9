import { type Static, Type } from 'typebox'
import { nullable } from '../../platform/nullable.ts'
import { Invoice, Order } from '../orders/order.schemas.ts'
import { Organisation } from '../organisations/organisation.schemas.ts'
import { Deal, Note } from '../sales/sales.schemas.ts'
import { OVERVIEW_PARTS } from './overview-parts.ts'

export { OVERVIEW_PARTS }

export const TimelineItem = Type.Object({
  kind: Type.Union([Type.Literal('touchpoint'), Type.Literal('order'), Type.Literal('note')]),
  at: Type.String({ format: 'date-time' }),
  id: Type.String({ format: 'uuid' }),
  title: Type.String({ description: 'Touchpoint type, order number, or note/task.' }),
  channel: Type.Optional(Type.String()),
  purpose: Type.Optional(Type.String()),
  legalBasis: Type.Optional(Type.String()),
  properties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  amountCents: Type.Optional(Type.Integer()),
  currency: Type.Optional(Type.String()),
  text: Type.Optional(Type.String()),
})

const MembershipView = Type.Object({
  organisation: Type.Pick(Organisation, ['id', 'name', 'city']),
  jobTitle: nullable(Type.String()),
  department: nullable(Type.String()),
})

export const SubjectOverview = Type.Object({
  subject: Type.Ref('Subject'),
  purpose: Type.String({ description: 'The purpose this view was read for.' }),
  hidden: Type.Array(
    Type.Object({
      part: Type.Enum(OVERVIEW_PARTS),
      reason: Type.String({ description: 'Why it is not shown, e.g. the field category your role lacks.' }),
      category: Type.Optional(
        Type.String({ description: 'The field category your role lacks, if that is why.' }),
      ),
      permission: Type.Optional(
        Type.String({ description: 'The permission your role lacks, if that is why.' }),
      ),
    }),
    { description: 'Parts of the view your role may not see: shown as hidden, never dropped silently.' },
  ),
  organisations: Type.Optional(Type.Array(MembershipView)),
  permissions: Type.Optional(
    Type.Ref('SubjectPermissions', {
      description:
        'Consents per purpose and channel, objections, restriction and what each purpose may do now. `history` is empty here: the events with their proof are at GET /subjects/{id}/permissions.',
    }),
  ),
  timeline: Type.Optional(
    Type.Array(TimelineItem, {
      description: 'Touchpoints, orders and notes your role may see, newest first, up to 50 of each kind.',
    }),
  ),
  orders: Type.Optional(Type.Array(Order)),
  invoices: Type.Optional(Type.Array(Invoice, { description: 'Open and overdue first.' })),
  deals: Type.Optional(Type.Array(Deal)),
  notes: Type.Optional(Type.Array(Note)),
  historyUrl: Type.Optional(Type.String()),
  erasure: Type.Optional(
    Type.Object(
      {
        requestedAt: Type.String({ format: 'date-time' }),
        kept: Type.Array(
          Type.Object({
            law: Type.String(),
            reason: Type.Object({ de: Type.String(), en: Type.String() }),
            until: nullable(Type.String({ format: 'date-time' })),
            untilEvent: nullable(Type.Enum(['paid', 'lifted'])),
            categories: Type.Array(Type.String()),
            records: Type.Array(Type.String({ description: 'Record kinds (tables) it keeps.' })),
          }),
        ),
      },
      {
        description:
          'The erasure was asked for and legal holds keep parts (Art. 17(3)): what is kept, why and until when. Restricted: only the duty’s purposes reach it.',
      },
    ),
  ),
})
export type SubjectOverview = Static<typeof SubjectOverview>
