import { Type } from 'typebox'
import { FIELD_CATEGORIES } from '../../privacy/fields/field-catalog.ts'
import { PERMISSIONS, ROLE_NAME_PATTERN } from './roles.ts'

const Permissions = Type.Array(Type.Enum([...PERMISSIONS]), {
  uniqueItems: true,
  maxItems: PERMISSIONS.length,
  description: 'What the role may do; every API route names the permission it needs.',
})
const FieldCategories = Type.Array(Type.Enum([...FIELD_CATEGORIES]), {
  uniqueItems: true,
  maxItems: FIELD_CATEGORIES.length,
  description: 'Which categories of personal data the role may use (checked by the privacy gate).',
})
const Description = Type.String({ maxLength: 500 })

export const RoleInfo = Type.Object(
  {
    name: Type.String(),
    description: Type.String(),
    permissions: Type.Array(Type.String()),
    fieldCategories: Type.Array(Type.String()),
    builtin: Type.Boolean({ description: 'Seeded by Tresor: can be edited, not deleted.' }),
  },
  { $id: 'Role' },
)
export const RoleList = Type.Object({ items: Type.Array(Type.Ref('Role')) })
export const RoleEnvelope = Type.Object({ role: Type.Ref('Role') })

export const CreateRoleBody = Type.Object(
  {
    name: Type.String({ pattern: ROLE_NAME_PATTERN, description: 'Lower case letters, digits, - and _.' }),
    description: Type.Optional(Description),
    permissions: Permissions,
    fieldCategories: FieldCategories,
    purposes: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]{1,62}$' }), {
        maxItems: 100,
        uniqueItems: true,
        description:
          'The purposes the role acts under: the role is added to each purpose’s scope (audited as a change of the purpose). Default: contact_management. Other purposes are granted by the DPO in the purpose’s scope.',
      }),
    ),
  },
  { additionalProperties: false },
)
export const UpdateRoleBody = Type.Object(
  {
    description: Type.Optional(Description),
    permissions: Type.Optional(Permissions),
    fieldCategories: Type.Optional(FieldCategories),
  },
  { additionalProperties: false, minProperties: 1 },
)
export const RoleParams = Type.Object(
  { name: Type.String({ pattern: ROLE_NAME_PATTERN }) },
  { additionalProperties: false },
)
