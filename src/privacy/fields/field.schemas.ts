import { type Static, Type } from 'typebox'
import { FIELD_CATEGORIES, SPECIAL_CATEGORIES } from './field-catalog.ts'
import { FIELD_DATA_TYPES } from './field-registry.ts'

const Label = Type.Object(
  { de: Type.String({ minLength: 1, maxLength: 100 }), en: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
)
const RetentionRule = Type.Object(
  { de: Type.String({ minLength: 1, maxLength: 500 }), en: Type.String({ minLength: 1, maxLength: 500 }) },
  { additionalProperties: false },
)
const PurposeKeys = Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]{1,62}$' }), {
  maxItems: 50,
  uniqueItems: true,
})
const Options = Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { maxItems: 200, uniqueItems: true })
const RetentionPeriod = Type.Union(
  [Type.String({ pattern: '^P(?!$)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?$' }), Type.Null()],
  {
    description: 'ISO 8601 duration (P2Y, P6M); null: kept as long as the subject.',
  },
)

export const CatalogFieldJson = Type.Object(
  {
    key: Type.String(),
    label: Label,
    category: Type.Enum(FIELD_CATEGORIES),
    identifier: Type.Boolean({ description: 'Stored only encrypted in the vault (fixed set).' }),
    special: Type.Union([Type.Enum(SPECIAL_CATEGORIES), Type.Null()], {
      description: 'Art. 9(1) special category.',
    }),
    dataType: Type.Enum(FIELD_DATA_TYPES),
    options: Options,
    purposes: PurposeKeys,
    retentionPeriod: Type.Union([Type.String(), Type.Null()]),
    retentionRule: Type.Union([RetentionRule, Type.Null()]),
    builtin: Type.Boolean(),
    version: Type.Integer(),
  },
  { $id: 'CatalogField' },
)
export type CatalogFieldJson = Static<typeof CatalogFieldJson>

export const NewField = Type.Object(
  {
    key: Type.String({ pattern: '^[a-z][a-zA-Z0-9]{1,39}$', description: 'camelCase, e.g. favouriteStore.' }),
    label: Label,
    category: Type.Enum(FIELD_CATEGORIES),
    special: Type.Optional(Type.Union([Type.Enum(SPECIAL_CATEGORIES), Type.Null()])),
    dataType: Type.Enum(FIELD_DATA_TYPES),
    options: Type.Optional(Options),
    purposes: Type.Optional(PurposeKeys),
    retentionPeriod: Type.Optional(RetentionPeriod),
    retentionRule: Type.Optional(Type.Union([RetentionRule, Type.Null()])),
  },
  { additionalProperties: false },
)
export type NewField = Static<typeof NewField>

export const FieldPatch = Type.Object(
  {
    label: Type.Optional(Label),
    category: Type.Optional(Type.Enum(FIELD_CATEGORIES)),
    special: Type.Optional(Type.Union([Type.Enum(SPECIAL_CATEGORIES), Type.Null()])),
    options: Type.Optional(Options),
    purposes: Type.Optional(PurposeKeys),
    retentionPeriod: Type.Optional(RetentionPeriod),
    retentionRule: Type.Optional(Type.Union([RetentionRule, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type FieldPatch = Static<typeof FieldPatch>

export const FieldParams = Type.Object(
  { key: Type.String({ maxLength: 40 }) },
  { additionalProperties: false },
)
