import { type Static, Type } from 'typebox'
import { PASSWORD_MAX_LENGTH } from './password.ts'
import { ROLES } from './roles.ts'

export const Email = Type.String({ format: 'email', maxLength: 254 })
export const RoleName = Type.Union(
  ROLES.map((r) => Type.Literal(r)),
  { description: 'The department role.' },
)

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
export const UserList = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String({ format: 'uuid' }),
      email: Type.String(),
      displayName: Type.Union([Type.String(), Type.Null()]),
      role: Type.String(),
      disabled: Type.Boolean(),
      createdAt: Type.String({ format: 'date-time' }),
    }),
  ),
})

export const TokenInfo = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    prefix: Type.String({ description: 'The first characters of the token, to tell tokens apart.' }),
    createdAt: Type.String({ format: 'date-time' }),
    lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'TokenInfo' },
)
export const CreateTokenBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
)
export const CreatedToken = Type.Object({
  token: Type.String({ description: 'The secret; shown only in this response.' }),
  info: Type.Ref('TokenInfo'),
})
export const TokenList = Type.Object({ items: Type.Array(Type.Ref('TokenInfo')) })
export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })
