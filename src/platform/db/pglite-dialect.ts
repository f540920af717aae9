import { type PGlite, parse, protocol, type Results, type Transaction } from '@electric-sql/pglite'
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

/** Statements kept prepared in the session; the least recently used is closed beyond this. */
const STATEMENT_CACHE_SIZE = 256

/** DML (and queries) only: DDL and session commands are run as they come, never kept prepared. */
const PREPARABLE = /^\s*(?:select|insert|update|delete|with)\b/i

interface PreparedStatement {
  name: string
  /** The parameter type OIDs the server inferred, which pick each value's serializer. */
  paramTypes: number[]
}

/**
 * Named prepared statements for the session, by SQL text. `PGlite.query` parses, plans and
 * describes every statement anew in six calls into the engine; a statement prepared once is then
 * bound and executed in one call, with the plan cached by PostgreSQL, which more than halves the
 * cost of the small indexed queries most requests are made of.
 */
class StatementCache {
  readonly #pglite: PGlite
  readonly #statements = new Map<string, PreparedStatement>()
  #counter = 0
  constructor(pglite: PGlite) {
    this.#pglite = pglite
  }

  preparable(compiled: CompiledQuery): boolean {
    return PREPARABLE.test(compiled.sql)
  }

  /**
   * Runs a statement through its prepared form. The caller holds PGlite's query lock (and the
   * transaction lock, or runs inside the transaction that holds it).
   */
  async run(text: string, params: readonly unknown[]): Promise<Results> {
    let statement = this.#statements.get(text)
    if (statement) {
      // most recently used last, so the first entry is the one to evict
      this.#statements.delete(text)
      this.#statements.set(text, statement)
    } else {
      statement = await this.#prepare(text)
    }
    try {
      return await this.#execute(statement, params)
    } catch (error) {
      // A plan cached before a schema change may no longer fit ("cached plan must not change
      // result type"): prepare afresh once.
      if ((error as { code?: string }).code !== '0A000') throw error
      await this.#forget(text)
      return this.#execute(await this.#prepare(text), params)
    }
  }

  async #prepare(text: string): Promise<PreparedStatement> {
    if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
      const [oldest] = this.#statements.keys()
      if (oldest !== undefined) await this.#forget(oldest)
    }
    const name = `kysely_${++this.#counter}`
    const messages = await this.#exchange(
      protocol.serialize.parse({ name, text }),
      protocol.serialize.describe({ type: 'S', name }),
    )
    const statement = { name, paramTypes: parse.parseDescribeStatementResults(messages) }
    this.#statements.set(text, statement)
    return statement
  }

  async #execute(statement: PreparedStatement, params: readonly unknown[]): Promise<Results> {
    const serializers = this.#pglite.serializers
    const values = params.map((value, i) => {
      if (value === null || value === undefined) return null
      if (value instanceof Uint8Array) return value
      const serialize = serializers[statement.paramTypes[i] ?? 0]
      return serialize ? serialize(value) : String(value)
    })
    const messages = await this.#exchange(
      protocol.serialize.bind({ statement: statement.name, values }),
      protocol.serialize.describe({ type: 'P' }),
      protocol.serialize.execute({}),
    )
    const [result] = parse.parseResults(messages, this.#pglite.parsers)
    if (!result) throw new Error('the embedded database returned no result')
    return result
  }

  async #forget(text: string): Promise<void> {
    const statement = this.#statements.get(text)
    if (!statement) return
    this.#statements.delete(text)
    await this.#exchange(protocol.serialize.close({ type: 'S', name: statement.name }))
  }

  /** Sends the messages and a Sync in one call; an error surfaces after the Sync was processed. */
  async #exchange(...messages: Uint8Array[]) {
    const sync = protocol.serialize.sync()
    const length = messages.reduce((n, m) => n + m.length, sync.length)
    const buffer = new Uint8Array(length)
    let at = 0
    for (const m of [...messages, sync]) {
      buffer.set(m, at)
      at += m.length
    }
    return this.#pglite.execProtocolStream(buffer, { syncToFs: false })
  }
}

class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite
  readonly #statements: StatementCache
  open: OpenTransaction | undefined
  constructor(pglite: PGlite, statements: StatementCache) {
    this.#pglite = pglite
    this.#statements = statements
  }
  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const result = this.#statements.preparable(compiled)
      ? await this.#prepared(compiled)
      : await (this.open?.tx ?? this.#pglite).query<R>(compiled.sql, compiled.parameters as unknown[])
    const affected = result.affectedRows
    const isWrite = compiled.query.kind !== 'SelectQueryNode' && compiled.query.kind !== 'RawNode'
    return {
      rows: result.rows as R[],
      ...(affected !== undefined && (isWrite || result.rows.length === 0)
        ? { numAffectedRows: BigInt(affected) }
        : {}),
    }
  }
  /**
   * The locks `PGlite.query` takes, taken the same way: inside an open transaction only the query
   * lock (the transaction holds the other); outside, the transaction lock too, so no statement
   * lands inside someone else's transaction, and the data directory is synced after it.
   * `_runExclusiveQuery`/`_runExclusiveTransaction` are PGlite's own (public, underscore-named)
   * locking methods that `query` uses; the dialect tests fail if an upgrade changes them.
   */
  async #prepared(compiled: CompiledQuery): Promise<Results> {
    const run = () =>
      this.#pglite._runExclusiveQuery(() => this.#statements.run(compiled.sql, compiled.parameters))
    if (this.open) return run()
    const result = await this.#pglite._runExclusiveTransaction(run)
    await this.#pglite.syncToFs()
    return result
  }
  // biome-ignore lint/correctness/useYield: PGlite has no cursor streaming; refuse clearly
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on the embedded database')
  }
}

class PGliteDriver implements Driver {
  readonly #pglite: PGlite
  readonly #statements: StatementCache
  constructor(pglite: PGlite) {
    this.#pglite = pglite
    this.#statements = new StatementCache(pglite)
  }
  async init(): Promise<void> {
    await this.#pglite.waitReady
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    return new PGliteConnection(this.#pglite, this.#statements)
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
