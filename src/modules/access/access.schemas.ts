import { type Static, Type } from 'typebox'
import { PASSWORD_MAX_LENGTH } from './password.ts'
import { ROLE_NAME_PATTERN } from './roles.ts'
import { TOTP_CODE_PATTERN } from './totp.ts'

export const Email = Type.String({ format: 'email', maxLength: 254 })
export const RoleName = Type.String({
  pattern: ROLE_NAME_PATTERN,
  description: 'A role from GET /api/v1/roles (built-in department roles or admin-defined).',
})
export const TotpCode = Type.String({
  pattern: TOTP_CODE_PATTERN,
  description: 'The 6-digit code of the authenticator app.',
})

export const User = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    email: Type.String(),
    displayName: Type.Union([Type.String(), Type.Null()]),
    role: Type.String(),
  },
  { $id: 'User' },
)
export type User = Static<typeof User>

export const LoginBody = Type.Object(
  {
    // Not format-checked: people paste addresses with stray spaces; the service normalises.
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }),
  },
  { additionalProperties: false },
)
export const UserEnvelope = Type.Object({ user: Type.Ref('User') })
/** The signed-in user and what their role (or the token's) may do, for the UI to show what applies. */
export const MeEnvelope = Type.Object({
  user: Type.Ref('User'),
  permissions: Type.Array(Type.String(), { description: 'The permissions of the role you act in.' }),
  fieldCategories: Type.Array(Type.String(), { description: 'The field categories of that role.' }),
})

export const TotpChallenge = Type.Object(
  {
    status: Type.Literal('totp-required'),
    challenge: Type.String({
      description:
        'Send it with a code to POST /api/v1/auth/login/totp. Single use, valid for a few minutes.',
    }),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { description: 'The password was right; the account has a second factor, so no session yet.' },
)

export const TotpLoginBody = Type.Object(
  { challenge: Type.String({ minLength: 1, maxLength: 100 }), code: TotpCode },
  { additionalProperties: false },
)
export const TotpCodeBody = Type.Object({ code: TotpCode }, { additionalProperties: false })
export const TotpEnrolment = Type.Object({
  secret: Type.String({
    description: 'Base32; shown only in this response. Type it into the app if you cannot scan.',
  }),
  uri: Type.String({ description: 'otpauth:// URI for the authenticator app (as a QR code or pasted).' }),
})
export const TotpStatus = Type.Object({
  enabled: Type.Boolean(),
  pending: Type.Boolean({ description: 'Set up, but not confirmed with a code yet.' }),
})

export const CreateUserBody = Type.Object(
  {
    email: Email,
    role: RoleName,
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    password: Type.Optional(
      Type.String({
        maxLength: PASSWORD_MAX_LENGTH,
        description: 'Omit to have one generated (returned once).',
      }),
    ),
  },
  { additionalProperties: false },
)
export const CreatedUser = Type.Object({
  user: Type.Ref('User'),
  generatedPassword: Type.Optional(Type.String({ description: 'Shown only in this response.' })),
})
export const UserInfo = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  displayName: Type.Union([Type.String(), Type.Null()]),
  role: Type.String(),
  disabled: Type.Boolean(),
  totpEnabled: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
})
export const UserList = Type.Object({ items: Type.Array(UserInfo) })
export const UpdateUserBody = Type.Object(
  {
    role: Type.Optional(RoleName),
    disabled: Type.Optional(
      Type.Boolean({
        description: 'true locks the user out at once (sessions end); false lets them in again.',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
)
export const UpdatedUser = Type.Object({ user: UserInfo })

export const TokenInfo = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    prefix: Type.String({ description: 'The first characters of the token, to tell tokens apart.' }),
    role: Type.String({ description: 'The role the token acts in (within its owner’s role).' }),
    createdAt: Type.String({ format: 'date-time' }),
    lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'When the token stops working by itself; null: until revoked.',
    }),
  },
  { $id: 'TokenInfo' },
)
export const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    role: Type.Optional(
      Type.String({
        pattern: ROLE_NAME_PATTERN,
        description: 'The role the token acts in; default your own. Must grant nothing beyond your role.',
      }),
    ),
    expiresAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'When the token stops working by itself (in the future); absent: until revoked.',
      }),
    ),
  },
  { additionalProperties: false },
)
export const CreatedToken = Type.Object({
  token: Type.String({ description: 'The secret; shown only in this response.' }),
  info: Type.Ref('TokenInfo'),
})
export const TokenList = Type.Object({ items: Type.Array(Type.Ref('TokenInfo')) })
export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })
