import { type Static, Type } from 'typebox'

const count = (description: string) => Type.Integer({ minimum: 0, description })

export const DashboardJson = Type.Object({
  timeZone: Type.String({ description: 'The IANA time zone weeks are counted in (the installation’s).' }),
  generatedAt: Type.String({
    format: 'date-time',
    description: 'When these counts were made (kept for a minute).',
  }),
  contactsByKind: Type.Optional(
    Type.Array(Type.Object({ kind: Type.String(), count: count('Living contacts with this kind.') }), {
      description:
        'Contacts per kind (customer, lead, …), erased, merged and held-for-erasure ones left out; a contact with two kinds counts in both. Roles with subjects:read.',
    }),
  ),
  consentWeeks: Type.Optional(
    Type.Array(
      Type.Object({
        week: Type.String({ description: 'The Monday the week starts on (YYYY-MM-DD).' }),
        granted: count('Consents granted that week.'),
        confirmed: count('Consents confirmed by double opt-in that week.'),
        withdrawn: count('Consents withdrawn that week.'),
      }),
      { description: 'The last twelve weeks, oldest first, every week present. Roles with subjects:read.' },
    ),
  ),
  consentCoverage: Type.Optional(
    Type.Array(
      Type.Object({
        purpose: Type.String({ description: 'The purpose key.' }),
        channel: Type.String(),
        count: count('Contacts whose consent is granted or confirmed and not withdrawn.'),
      }),
      {
        description:
          'Consents in force per purpose and channel (a consent awaiting its double opt-in confirmation counts as granted here; the gate decides whether it may be used). Roles with subjects:read.',
      },
    ),
  ),
  requests: Type.Optional(
    Type.Object(
      {
        overdue: count('Open requests past their due date.'),
        dueWithin7Days: count('Open requests due within seven days.'),
        dueLater: count('Open requests due later.'),
      },
      { description: 'Open data subject requests by due date. Roles with requests:manage.' },
    ),
  ),
})
export type DashboardJson = Static<typeof DashboardJson>
