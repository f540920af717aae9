import { mkdtempSync, rmSync, statSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { SOCKET_FILE, SOCKET_PORT, type SocketShare, shareOverSocket } from './pglite-socket.ts'

const dir = mkdtempSync(path.join(os.tmpdir(), 'tresor-socket-'))
const socketDir = path.join(dir, 'pgdata.sock')
const socketPath = path.join(socketDir, SOCKET_FILE)
let pglite: PGlite
let share: SocketShare
const warnings: string[] = []
const clients: pg.Client[] = []

async function client(): Promise<pg.Client> {
  const c = new pg.Client({
    host: socketDir,
    port: SOCKET_PORT,
    user: 'postgres',
    database: 'postgres',
    ssl: false,
  })
  c.on('error', () => {})
  await c.connect()
  clients.push(c)
  return c
}

const rows = async () =>
  (await pglite.query<{ x: number }>('select x from t order by x')).rows.map((r) => r.x)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

beforeAll(async () => {
  pglite = await PGlite.create()
  await pglite.exec('create table t (x int primary key)')
  share = await shareOverSocket(pglite, socketPath, {
    idleInTransactionMs: 500,
    maxConnections: 3,
    onWarning: (message) => warnings.push(message),
  })
})

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => {})))
  await pglite.exec('delete from t')
})

afterAll(async () => {
  await share.close()
  await pglite.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the embedded database shared over a Unix socket', () => {
  it('is reachable only by its OS user: socket 0600 in a directory 0700', () => {
    expect(statSync(socketPath).mode & 0o777).toBe(0o600)
    expect(statSync(socketDir).mode & 0o777).toBe(0o700)
  })

  it('runs a client’s queries with parameters, and its errors leave the session clean', async () => {
    const c = await client()
    const { rows: result } = await c.query('select $1::int + 1 as n, current_database() as db', [41])
    expect(result).toEqual([{ n: 42, db: 'postgres' }])
    await expect(c.query('select 1/0')).rejects.toThrow(/division by zero/)
    await expect(c.query('select * from no_such_table where x = $1', [1])).rejects.toThrow(/no_such_table/)
    expect((await c.query('select 2 as two')).rows).toEqual([{ two: 2 }])
    expect((await pglite.query('select 3 as three')).rows).toEqual([{ three: 3 }])
    expect(pglite.isInTransaction()).toBe(false)
  })

  it('never runs a client’s statement inside a transaction of the server', async () => {
    const c = await client()
    let inserted = false
    const server = pglite
      .transaction(async (tx) => {
        await tx.query('insert into t values (1)')
        await sleep(200) // the client's insert arrives meanwhile and waits
        expect(inserted).toBe(false)
        await tx.query('insert into t values (2)')
        throw new Error('undo')
      })
      .catch((error: Error) => error.message)
    await sleep(50)
    await c.query('insert into t values ($1)', [10])
    inserted = true
    expect(await server).toBe('undo')
    expect(await rows()).toEqual([10]) // the server's rollback took none of the client's work
  })

  it('holds the session for a client’s transaction: the server waits, then sees only what was committed', async () => {
    const c = await client()
    await c.query('begin')
    await c.query('insert into t values (20)')
    let served = false
    const serverRead = rows().then((xs) => {
      served = true
      return xs
    })
    await sleep(150)
    expect(served).toBe(false)
    await c.query('insert into t values (21)')
    await c.query('rollback')
    expect(await serverRead).toEqual([])
    await c.query('begin')
    await c.query('insert into t values (22)')
    await c.query('commit')
    expect(await rows()).toEqual([22])
  })

  it('serves several clients and the server in turn without mixing their transactions', async () => {
    const [a, b, c] = [await client(), await client(), await client()]
    const transfer = async (c: pg.Client, x: number, fail: boolean) => {
      await c.query('begin')
      await c.query('insert into t values ($1)', [x])
      await sleep(10)
      await c.query('insert into t values ($1)', [x + 1])
      await c.query(fail ? 'rollback' : 'commit')
    }
    await Promise.all([
      transfer(a, 100, false),
      transfer(b, 200, true),
      pglite.transaction(async (tx) => {
        await tx.query('insert into t values (300)')
        await sleep(10)
        await tx.query('insert into t values (301)')
      }),
      transfer(c, 400, true).then(() => transfer(c, 500, false)),
    ])
    expect(await rows()).toEqual([100, 101, 300, 301, 500, 501])
  })

  it('rolls back a client that disconnects inside a transaction, and frees the session', async () => {
    const c = await client()
    await c.query('begin')
    await c.query('insert into t values (30)')
    c.connection.stream.destroy()
    expect(await rows()).toEqual([]) // waits for the rollback, not forever
    expect(pglite.isInTransaction()).toBe(false)
  })

  it('drops a client idle in a transaction past the limit, rolled back', async () => {
    const c = await client()
    await c.query('begin')
    await c.query('insert into t values (40)')
    await vi.waitFor(() => expect(warnings.some((w) => w.includes('idle in a transaction'))).toBe(true), {
      timeout: 60_000,
      interval: 50,
    })
    await expect(c.query('commit')).rejects.toThrow()
    expect(await rows()).toEqual([])
  })

  it('refuses connections beyond the limit with a PostgreSQL error', async () => {
    await Promise.all([client(), client(), client()])
    const extra = new pg.Client({ host: socketDir, port: SOCKET_PORT, user: 'postgres', ssl: false })
    await expect(extra.connect()).rejects.toThrow(/too many connections/)
  })

  it('answers an SSL request with no, and drops what is not PostgreSQL', async () => {
    const socket = net.createConnection(socketPath)
    const answer = await new Promise<Buffer>((resolve) => {
      socket.once('data', resolve)
      const ssl = Buffer.alloc(8)
      ssl.writeInt32BE(8, 0)
      ssl.writeInt32BE(80877103, 4)
      socket.write(ssl)
    })
    expect(answer.toString()).toBe('N')
    const closed = new Promise((resolve) => socket.once('close', resolve))
    socket.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'))
    await closed
  })
})

describe('closing the share', () => {
  it('rolls back a client’s open transaction and removes the socket', async () => {
    const own = await PGlite.create()
    await own.exec('create table u (x int)')
    const ownPath = path.join(dir, 'other.sock', SOCKET_FILE)
    const ownShare = await shareOverSocket(own, ownPath)
    const c = new pg.Client({ host: path.dirname(ownPath), port: SOCKET_PORT, user: 'postgres', ssl: false })
    c.on('error', () => {})
    await c.connect()
    await c.query('begin')
    await c.query('insert into u values (1)')
    await ownShare.close()
    expect(() => statSync(ownPath)).toThrow()
    expect((await own.query('select count(*)::int as n from u')).rows).toEqual([{ n: 0 }])
    await own.close()
  }, 180_000) // a second PGlite starts: seconds on a busy machine

  it('refuses a socket path longer than Unix sockets allow', async () => {
    await expect(shareOverSocket(pglite, path.join(dir, 'x'.repeat(120), SOCKET_FILE))).rejects.toThrow(
      /longer than/,
    )
  })
})
