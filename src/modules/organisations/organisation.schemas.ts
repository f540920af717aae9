import { type Static, Type } from 'typebox'
import { nullable } from '../../platform/nullable.ts'

const text = (maxLength: number, description?: string) =>
  Type.String({ minLength: 1, maxLength, ...(description ? { description } : {}) })

/** A legal entity. Its contact data is the company's (info@, switchboard), not a person's. */
const OrganisationFields = {
  name: text(200),
  legalForm: Type.Optional(nullable(text(40, 'GmbH, AG, KG, e.K., …'))),
  vatId: Type.Optional(
    nullable(Type.String({ pattern: '^[A-Z]{2}[0-9A-Z+*.]{2,13}$', description: 'EU VAT id.' })),
  ),
  street: Type.Optional(nullable(text(200))),
  postalCode: Type.Optional(nullable(text(20))),
  city: Type.Optional(nullable(text(200))),
  countryCode: Type.Optional(nullable(Type.String({ pattern: '^[A-Z]{2}$' }))),
  email: Type.Optional(
    nullable(
      Type.String({
        format: 'email',
        maxLength: 320,
        description: 'A generic mailbox (info@), not a person’s.',
      }),
    ),
  ),
  phone: Type.Optional(nullable(text(40, 'Switchboard.'))),
  website: Type.Optional(nullable(Type.String({ format: 'uri', maxLength: 300 }))),
  externalRef: Type.Optional(nullable(text(100, 'Your system’s id; makes imports idempotent.'))),
}

export const NewOrganisation = Type.Object(OrganisationFields, { additionalProperties: false })
export type NewOrganisation = Static<typeof NewOrganisation>

export const OrganisationPatch = Type.Partial(Type.Object(OrganisationFields), {
  additionalProperties: false,
})
export type OrganisationPatch = Static<typeof OrganisationPatch>

export const Organisation = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    legalForm: nullable(Type.String()),
    vatId: nullable(Type.String()),
    street: nullable(Type.String()),
    postalCode: nullable(Type.String()),
    city: nullable(Type.String()),
    countryCode: nullable(Type.String()),
    email: nullable(Type.String()),
    phone: nullable(Type.String()),
    website: nullable(Type.String()),
    externalRef: nullable(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Organisation' },
)
export type Organisation = Static<typeof Organisation>

export const OrganisationParams = Type.Object(
  { id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
)

export const OrganisationListQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'Name prefix, case-insensitive.' }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    after: Type.Optional(Type.String({ format: 'uuid', description: 'The last id of the previous page.' })),
  },
  { additionalProperties: false },
)
export type OrganisationListQuery = Static<typeof OrganisationListQuery>

export const Membership = Type.Object(
  {
    organisationId: Type.String({ format: 'uuid' }),
    jobTitle: Type.Optional(nullable(text(200))),
    department: Type.Optional(nullable(text(200))),
  },
  { additionalProperties: false },
)
export type Membership = Static<typeof Membership>

export const MembershipParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), organisationId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
)
