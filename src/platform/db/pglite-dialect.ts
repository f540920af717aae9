import type { PGlite, Transaction } from '@electric-sql/pglite'
import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'

/**
 * Kysely dialect for the embedded PGlite.
 *
 * PGlite is one PostgreSQL session in this process. Plain queries are serialised by PGlite
 * itself; a Kysely transaction runs inside `PGlite.transaction()`, which holds PGlite's
 * transaction lock from BEGIN to COMMIT/ROLLBACK, so no other caller's statement can land inside
 * it. Two consequences that matter to callers:
 * - inside `db.transaction().execute(trx => …)` use `trx`, never `db`: a query on `db` waits for
 *   the lock the transaction holds and deadlocks;
 * - a failed statement aborts the transaction; Kysely then rolls back through the same
 *   `Transaction`, so the session is clean again for the next caller (PGlite's transaction
 *   wrapper also rolls back if the callback throws). Nothing is left poisoned.
 */
export class PGliteDialect implements Dialect {
  readonly #pglite: PGlite
  constructor(pglite: PGlite) {
    this.#pglite = pglite
  }
  createAdapter(): DialectAdapter {
    return new PostgresAdapter()
  }
  createDriver(): Driver {
    return new PGliteDriver(this.#pglite)
  }
  // biome-ignore lint/suspicious/noExplicitAny: Kysely's own signature
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db)
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler()
  }
}

interface OpenTransaction {
  tx: Transaction
  finish: (outcome: 'commit' | 'rollback') => void
  done: Promise<unknown>
}

class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite
  open: OpenTransaction | undefined
  constructor(pglite: PGlite) {
    this.#pglite = pglite
  }
  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const runner = this.open?.tx ?? this.#pglite
    const result = await runner.query<R>(compiled.sql, compiled.parameters as unknown[])
    const affected = result.affectedRows
    const isWrite = compiled.query.kind !== 'SelectQueryNode' && compiled.query.kind !== 'RawNode'
    return {
      rows: result.rows,
      ...(affected !== undefined && (isWrite || result.rows.length === 0)
        ? { numAffectedRows: BigInt(affected) }
        : {}),
    }
  }
  // biome-ignore lint/correctness/useYield: PGlite has no cursor streaming; refuse clearly
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on the embedded database')
  }
}

class PGliteDriver implements Driver {
  readonly #pglite: PGlite
  constructor(pglite: PGlite) {
    this.#pglite = pglite
  }
  async init(): Promise<void> {
    await this.#pglite.waitReady
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    return new PGliteConnection(this.#pglite)
  }
  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const conn = connection as PGliteConnection
    let finish!: (outcome: 'commit' | 'rollback') => void
    const outcome = new Promise<'commit' | 'rollback'>((resolve) => {
      finish = resolve
    })
    let started!: (tx: Transaction) => void
    let failed!: (error: unknown) => void
    const begun = new Promise<Transaction>((resolve, reject) => {
      started = resolve
      failed = reject
    })
    // The callback holds PGlite's transaction lock until commit/rollback settles `outcome`.
    const done = this.#pglite.transaction(async (tx) => {
      started(tx)
      if ((await outcome) === 'rollback') await tx.rollback()
    })
    done.catch(failed) // BEGIN itself failed: surface it here; later failures surface in #end
    const open: OpenTransaction = { tx: await begun, finish, done }
    conn.open = open
    if (settings.isolationLevel) {
      await open.tx.query(`set transaction isolation level ${settings.isolationLevel}`)
    }
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#end(connection as PGliteConnection, 'commit')
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#end(connection as PGliteConnection, 'rollback')
  }
  async #end(conn: PGliteConnection, outcome: 'commit' | 'rollback'): Promise<void> {
    const open = conn.open
    if (!open) return
    conn.open = undefined
    open.finish(outcome)
    await open.done
  }
  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const conn = connection as PGliteConnection
    // A connection released with its transaction still open (caller bug) must not keep the lock.
    if (conn.open) await this.#end(conn, 'rollback')
  }
  async destroy(): Promise<void> {
    // The PGlite instance is owned (and closed) by the Database that created this dialect.
  }
}
