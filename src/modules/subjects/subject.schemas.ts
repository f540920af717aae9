import { type Static, Type } from 'typebox'
import { Page, pageQuery } from '../../server/pagination.ts'
import { SUBJECT_SORT_FIELDS } from './subject.repository.ts'
import { SUBJECT_KINDS } from './subject-kinds.ts'

export { SUBJECT_KINDS }

export const SubjectKind = Type.Union(
  SUBJECT_KINDS.map((k) => Type.Literal(k)),
  { description: 'What the person is to the company.' },
)

export const Subject = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kinds: Type.Array(Type.String()),
    source: Type.String({ description: 'touchpoint, import, manual or demo' }),
    attributes: Type.Record(Type.String(), Type.Unknown(), {
      description: 'Pseudonymous attributes for segmentation (country, region, ageBand, gender, ...).',
    }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Subject' },
)
export type Subject = Static<typeof Subject>

export const SubjectListQuery = Type.Object(
  { ...pageQuery(SUBJECT_SORT_FIELDS, 'createdAt'), kind: Type.Optional(SubjectKind) },
  { additionalProperties: false },
)
export type SubjectListQuery = Static<typeof SubjectListQuery>

export const SubjectPage = Page(Type.Ref('Subject'))
