import { type Static, Type } from 'typebox'
import { nullable } from '../../platform/nullable.ts'

const StageKey = Type.String({
  pattern: '^[a-z][a-z0-9_]{1,39}$',
  description: 'A stage of GET /api/v1/pipeline-stages.',
})

export const PipelineStage = Type.Object({
  key: Type.String(),
  name: Type.Object({ de: Type.String(), en: Type.String() }),
  position: Type.Integer(),
  probability: Type.Integer({ description: 'Percent.' }),
  outcome: nullable(Type.Union([Type.Literal('won'), Type.Literal('lost')])),
})
export type PipelineStage = Static<typeof PipelineStage>

export const NewDeal = Type.Object(
  {
    title: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'What is being sold; no personal details.',
    }),
    stageKey: Type.Optional(StageKey),
    amountCents: Type.Optional(nullable(Type.Integer({ minimum: 0, maximum: 1e12 }))),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
    organisationId: Type.Optional(nullable(Type.String({ format: 'uuid' }))),
    expectedCloseOn: Type.Optional(nullable(Type.String({ format: 'date' }))),
  },
  { additionalProperties: false },
)
export type NewDeal = Static<typeof NewDeal>

export const Deal = Type.Object({
  id: Type.String({ format: 'uuid' }),
  title: Type.String(),
  stageKey: Type.String(),
  amountCents: nullable(Type.Integer()),
  currency: Type.String(),
  organisationId: nullable(Type.String()),
  ownerUserId: nullable(Type.String()),
  expectedCloseOn: nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})
export type Deal = Static<typeof Deal>

export const DealMove = Type.Object({ stageKey: StageKey }, { additionalProperties: false })

export const NewNote = Type.Object(
  {
    kind: Type.Optional(Type.Union([Type.Literal('note'), Type.Literal('task')], { default: 'note' })),
    text: Type.String({
      minLength: 1,
      maxLength: 10_000,
      description: 'Stored encrypted under the person’s key.',
    }),
    dueOn: Type.Optional(nullable(Type.String({ format: 'date', description: 'Tasks only.' }))),
  },
  { additionalProperties: false },
)
export type NewNote = Static<typeof NewNote>

export const Note = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: Type.Union([Type.Literal('note'), Type.Literal('task')]),
  text: Type.String(),
  author: Type.Object({ type: Type.String(), id: Type.String() }),
  dueOn: nullable(Type.String()),
  doneAt: nullable(Type.String({ format: 'date-time' })),
  createdAt: Type.String({ format: 'date-time' }),
})
export type Note = Static<typeof Note>

export const SubjectParams = Type.Object(
  { id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
)
export const DealParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), dealId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
)
export const NoteParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), noteId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
)
