import { type TSchema, Type } from 'typebox'

/** A schema that also accepts null (a field that may be cleared, or has no value). */
export const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
