import { Type } from 'typebox'

/** Query parameters shared by every list endpoint. Sort fields come from a per-endpoint allowlist. */
export const pageQuery = <const S extends readonly string[]>(sortFields: S, defaultSort: S[number]) => ({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'Items per page (1–500).' }),
  cursor: Type.Optional(
    Type.String({ maxLength: 512, description: 'The `nextCursor` of the previous page.' }),
  ),
  sort: Type.Enum(sortFields, { default: defaultSort, description: `Sort field: ${sortFields.join(', ')}.` }),
  order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' }),
})

export const Page = <T extends import('typebox').TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page.',
    }),
    total: Type.Optional(
      Type.Integer({
        description:
          'Items matching the filter, over all pages. Only on the first page (no `cursor`): counting is the costly part of a list call, and the total does not change meaningfully while one pages on.',
      }),
    ),
  })
