import { chmodSync, mkdirSync, rmSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import type { PGlite } from '@electric-sql/pglite'

/**
 * The embedded database shared with other processes of the same OS user over a Unix socket
 * (docs/adr/0013): `tresor serve` holds the one PGlite of a data dir, and a CLI command started
 * beside it talks PostgreSQL's wire protocol to it with the `pg` driver instead of failing.
 *
 * PGlite is one PostgreSQL session. The server's own code reaches it through PGlite's two locks:
 * every statement outside a transaction and every whole transaction holds the transaction lock,
 * every single statement the query lock (`PGlite.query`, `exec`, `transaction`, the Kysely dialect,
 * pg-boss's adapter). A socket client is served under the same locks, so nothing interleaves:
 * - a client's messages are run one round trip at a time (everything up to a Sync or a simple
 *   Query, together), under both locks, like one `PGlite.query`: no statement of the server lands
 *   between a client's Parse and its Sync, and none of the client's inside a server transaction;
 * - when the answer leaves the session inside a transaction (ReadyForQuery `T` or `E`), or in the
 *   middle of the extended protocol (no ReadyForQuery yet), the client keeps the transaction lock
 *   until a later answer finds the session idle again: its transaction is its own, and the
 *   server's requests wait for it as they wait for one of their own transactions;
 * - a client that disconnects while it holds the session, or sits idle in a transaction longer
 *   than `idleInTransactionMs`, is rolled back and dropped, as PostgreSQL ends a lost backend's
 *   transaction.
 * Waiters queue in order (the locks are FIFO), so neither side starves the other; a client's long
 * transaction does hold up the server, as a long transaction of its own would.
 *
 * Not `@electric-sql/pglite-socket`: its multiplexer serialises socket clients among themselves
 * but runs each message under PGlite's query lock only, so its statements could land inside the
 * server's own transactions (and the server's between a client's Parse and Sync); and each of its
 * releases pins one exact PGlite version and seven extension packages as peers.
 */

/** pg and libpq find a server's socket as `<directory>/.s.PGSQL.<port>`; the port is only a name here. */
export const SOCKET_PORT = 5432
export const SOCKET_FILE = `.s.PGSQL.${SOCKET_PORT}`
/** `sun_path` holds 108 bytes on Linux and 104 on macOS, with the terminating NUL. */
export const MAX_SOCKET_PATH = 103

export interface ShareOptions {
  /** A client holding the session in a transaction, with nothing in flight, is dropped after this. */
  idleInTransactionMs?: number
  /** Connections beyond this are refused (each CLI command opens one). */
  maxConnections?: number
  /** Told about a client dropped for idling in a transaction, and about server errors. */
  onWarning?: (message: string) => void
}

export interface SocketShare {
  readonly path: string
  /** Stops accepting, rolls back what clients left open, and removes the socket. */
  close(): Promise<void>
}

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const CANCEL_REQUEST = 80877102
const PROTOCOL_3 = 196608
/** Larger than any startup packet a PostgreSQL server accepts. */
const MAX_STARTUP_PACKET = 10_000

const code = (c: string) => c.charCodeAt(0)
/** Messages after which a client waits for an answer: Sync, Query, Flush, CopyDone, CopyFail. */
const ANSWERED = new Set([code('S'), code('Q'), code('H'), code('c'), code('f')])
const TERMINATE = code('X')
const READY_FOR_QUERY = code('Z')
const IDLE = code('I')

/** Listens on `socketPath` (mode 0600, in a directory of mode 0700) for clients of `pglite`. */
export async function shareOverSocket(
  pglite: PGlite,
  socketPath: string,
  options: ShareOptions = {},
): Promise<SocketShare> {
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new Error(
      `the socket path ${socketPath} is longer than ${MAX_SOCKET_PATH} bytes, which Unix sockets allow; ` +
        'use a shorter data dir (TRESOR_DATA_DIR)',
    )
  }
  const settings = {
    idleInTransactionMs: options.idleInTransactionMs ?? 60_000,
    onWarning: options.onWarning ?? (() => {}),
  }
  const maxConnections = options.maxConnections ?? 16
  // Only this OS user may reach the socket: the directory is searchable by nobody else, which
  // also covers the moment between bind and chmod.
  const dir = path.dirname(socketPath)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
  // Left by a process that is gone: the caller holds the data dir's lock.
  rmSync(socketPath, { force: true })
  const connections = new Set<Connection>()
  const refused = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    if (connections.size >= maxConnections) {
      refused.add(socket)
      socket.on('error', () => {})
      socket.on('close', () => refused.delete(socket))
      socket.end(fatal('53300', 'too many connections to the embedded database'))
      return
    }
    const connection = new Connection(pglite, socket, settings, () => connections.delete(connection))
    connections.add(connection)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(socketPath, () => {
      server.off('error', reject)
      resolve()
    })
  })
  server.on('error', (error) => settings.onWarning(`socket server: ${error.message}`))
  chmodSync(socketPath, 0o600)
  let closing: Promise<void> | undefined
  return {
    path: socketPath,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        for (const socket of refused) socket.destroy()
        await Promise.all([...connections].map((connection) => connection.end()))
        await closed
        rmSync(socketPath, { force: true })
      })()
      return closing
    },
  }
}

/** Resolves once PGlite's transaction lock is held; the function it yields releases it. */
function holdTransactionLock(pglite: PGlite): Promise<() => void> {
  return new Promise((held, failed) => {
    pglite._runExclusiveTransaction(() => new Promise<void>((release) => held(release))).catch(failed)
  })
}

/** One client: its messages, cut into round trips, run in order. */
class Connection {
  readonly #pglite: PGlite
  readonly #socket: net.Socket
  readonly #settings: Required<Omit<ShareOptions, 'maxConnections'>>
  readonly #onEnd: () => void
  #buffer: Buffer = Buffer.alloc(0)
  #roundTrip: Buffer[] = []
  #started = false
  #ended = false
  /** Set while this client holds the session (in a transaction): releases PGlite's transaction lock. */
  #session: (() => void) | undefined
  #work: Promise<void> = Promise.resolve()
  #idle: NodeJS.Timeout | undefined

  constructor(
    pglite: PGlite,
    socket: net.Socket,
    settings: Required<Omit<ShareOptions, 'maxConnections'>>,
    onEnd: () => void,
  ) {
    this.#pglite = pglite
    this.#socket = socket
    this.#settings = settings
    this.#onEnd = onEnd
    socket.on('data', (chunk: Buffer) => this.#receive(chunk))
    socket.on('error', () => {}) // 'close' follows
    socket.on('close', () => void this.end())
  }

  /** Drops the client: what it left open is rolled back; resolves when the session is free of it. */
  end(): Promise<void> {
    if (!this.#ended) {
      this.#ended = true
      clearTimeout(this.#idle)
      this.#socket.destroy()
      this.#work = this.#work
        .catch(() => {})
        .then(() => this.#abandon())
        .catch((error: unknown) =>
          this.#settings.onWarning(`socket client not rolled back: ${describeError(error)}`),
        )
      this.#onEnd()
    }
    return this.#work
  }

  #receive(chunk: Buffer): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk
    while (!this.#ended) {
      const buffer = this.#buffer
      if (!this.#started) {
        // Before the session starts: length, then a request code, no type byte.
        if (buffer.length < 8) return
        const length = buffer.readInt32BE(0)
        if (length < 8 || length > MAX_STARTUP_PACKET) return void this.end()
        if (buffer.length < length) return
        const request = buffer.readInt32BE(4)
        const packet = buffer.subarray(0, length)
        this.#buffer = buffer.subarray(length)
        if (request === SSL_REQUEST || request === GSSENC_REQUEST) {
          this.#socket.write('N') // a local socket: no encryption
        } else if (request === PROTOCOL_3) {
          this.#started = true
          this.#schedule(Buffer.from(packet))
        } else if (request === CANCEL_REQUEST) {
          return void this.end() // PGlite runs in the server's thread: there is nothing to interrupt
        } else {
          return void this.end() // a protocol this isn't
        }
        continue
      }
      if (buffer.length < 5) return
      const total = 1 + buffer.readInt32BE(1)
      if (total < 5) return void this.end()
      if (buffer.length < total) return
      const type = buffer[0] as number
      const message = buffer.subarray(0, total)
      this.#buffer = buffer.subarray(total)
      if (type === TERMINATE) return void this.end()
      this.#roundTrip.push(message)
      if (ANSWERED.has(type)) {
        const messages = Buffer.concat(this.#roundTrip)
        this.#roundTrip = []
        this.#schedule(messages)
      }
    }
  }

  #schedule(messages: Buffer): void {
    this.#work = this.#work
      .then(() => this.#run(messages))
      .catch((error: unknown) => {
        this.#settings.onWarning(`socket client dropped: ${describeError(error)}`)
        void this.end()
      })
  }

  async #run(messages: Buffer): Promise<void> {
    if (this.#ended) return
    clearTimeout(this.#idle)
    // In the queue with the server's own statements and transactions.
    this.#session ??= await holdTransactionLock(this.#pglite)
    if (this.#ended) return // `#abandon`, queued behind this, releases the session
    const answer = Buffer.from(
      await this.#pglite._runExclusiveQuery(() => this.#pglite.execProtocolRaw(messages)),
    )
    if (lastReadyStatus(answer) === IDLE) {
      const release = this.#session
      this.#session = undefined
      release()
    } else {
      this.#idle = setTimeout(() => {
        this.#settings.onWarning(
          `socket client dropped: idle in a transaction for ${this.#settings.idleInTransactionMs} ms`,
        )
        void this.end()
      }, this.#settings.idleInTransactionMs)
    }
    if (!this.#socket.destroyed) this.#socket.write(answer)
  }

  /** Ends whatever the departed client left open: a pending extended query, then a transaction. */
  async #abandon(): Promise<void> {
    const release = this.#session
    this.#session = undefined
    if (!release) return
    try {
      await this.#pglite._runExclusiveQuery(() =>
        this.#pglite.execProtocolRaw(Buffer.concat([SYNC, simpleQuery('rollback')])),
      )
    } finally {
      release()
    }
  }
}

const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error))

const SYNC = Buffer.from([code('S'), 0, 0, 0, 4])

function simpleQuery(text: string): Buffer {
  const body = Buffer.from(`${text}\0`)
  const header = Buffer.alloc(5)
  header[0] = code('Q')
  header.writeInt32BE(4 + body.length, 1)
  return Buffer.concat([header, body])
}

/** The transaction status of the answer's last ReadyForQuery, if it has one. */
function lastReadyStatus(answer: Buffer): number | undefined {
  let status: number | undefined
  for (let at = 0; at + 5 <= answer.length; ) {
    const length = answer.readInt32BE(at + 1)
    if (answer[at] === READY_FOR_QUERY && length === 5) status = answer[at + 5]
    at += 1 + length
  }
  return status
}

/** An ErrorResponse of severity FATAL, for a client refused before its session starts. */
function fatal(sqlstate: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${sqlstate}\0M${message}\0\0`)
  const header = Buffer.alloc(5)
  header[0] = code('E')
  header.writeInt32BE(4 + fields.length, 1)
  return Buffer.concat([header, fields])
}
