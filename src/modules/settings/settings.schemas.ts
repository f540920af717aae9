import { Type } from 'typebox'
import { nullable } from '../../platform/nullable.ts'

const Name = (description: string) => nullable(Type.String({ maxLength: 200, description }))
const Address = (description: string) => nullable(Type.String({ maxLength: 500, description }))
const Email = (description: string) =>
  nullable(Type.String({ format: 'email', minLength: 3, maxLength: 254, description }))

const Controller = Type.Object(
  {
    name: Name('The controller’s name (company or person), as the Art. 13 notice and the mails name it.'),
    address: Address('Postal address; lines may be separated by line breaks.'),
    email: Email('Where people reach the controller about their data.'),
  },
  { additionalProperties: false },
)

const Dpo = Type.Object(
  {
    name: Name('The data protection officer (or the firm acting as one).'),
    email: Email('The DPO’s e-mail address (Art. 37(7): published).'),
    address: Address('The DPO’s postal address, if it differs.'),
  },
  { additionalProperties: false },
)

const Color = Type.String({
  pattern: '^#[0-9a-fA-F]{6}$',
  description: 'A colour as `#rrggbb` (stored in lower case).',
})

const TimeZone = Type.String({
  minLength: 1,
  maxLength: 64,
  description:
    'The IANA time zone (e.g. `Europe/Berlin`, the default) in which mails and the privacy portal show times, naming it.',
})

/** The settings as `GET /api/v1/settings` returns them. */
export const SettingsJson = Type.Object({
  controller: Controller,
  dpo: Dpo,
  branding: Type.Object({
    primaryColor: nullable(Color),
    logo: nullable(
      Type.Object({
        mediaType: Type.String({ description: '`image/png` or `image/jpeg`.' }),
        size: Type.Integer({ description: 'Bytes.' }),
        sha256: Type.String({ description: 'Hex digest of the image.' }),
        url: Type.String({ description: 'Where the public pages and mails load it from (absolute).' }),
      }),
    ),
  }),
  timeZone: TimeZone,
  version: Type.Integer({ description: 'Bumped by every change.' }),
  updatedAt: Type.String({ format: 'date-time' }),
})

const Partial = <T extends Parameters<typeof Type.Partial>[0]>(schema: T) =>
  Type.Partial(schema, { additionalProperties: false, minProperties: 1 })

/** `PATCH /api/v1/settings`: only what is given changes; null (or blank text) clears. */
export const SettingsPatchBody = Type.Object(
  {
    controller: Type.Optional(Partial(Controller)),
    dpo: Type.Optional(Partial(Dpo)),
    branding: Type.Optional(
      Type.Object(
        { primaryColor: Type.Optional(nullable(Color)) },
        { additionalProperties: false, minProperties: 1 },
      ),
    ),
    timeZone: Type.Optional(TimeZone),
  },
  { additionalProperties: false, minProperties: 1 },
)

/** `PATCH /api/v1/settings/dpo`: the DPO's contact details alone. */
export const DpoPatchBody = Partial(Dpo)
