import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'

/**
 * Runs `fn` in the caller's transaction `trx` when there is one, else in a new transaction on
 * `db`. On PGlite a query on `db` while a transaction is open waits for that transaction's lock,
 * so everything inside `fn` must use the handle it is given.
 */
export function withTransaction<T>(
  db: Kysely<Schema>,
  trx: Kysely<Schema> | undefined,
  fn: (trx: Kysely<Schema>) => Promise<T>,
): Promise<T> {
  const handle = trx ?? db
  return handle.isTransaction ? fn(handle) : handle.transaction().execute(fn)
}
