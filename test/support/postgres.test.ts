import { existsSync } from 'node:fs'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { createDatabase, dropDatabase, startPostgres } from './postgres.ts'

describe('startPostgres', () => {
  it('starts a throwaway server, serves a fresh database and cleans up after itself', async () => {
    const server = await startPostgres()
    const port = Number(new URL(server.url).port)
    const dir = await dataDirOf(server.url)
    try {
      expect(new URL(server.url).hostname).toBe('127.0.0.1')
      expect(port).toBeGreaterThan(0)

      const url = await createDatabase(server.url, 'tresor_smoke')
      expect(new URL(url).pathname).toBe('/tresor_smoke')
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        const { rows } = await client.query<{ version: string; db: string }>(
          'select version() as version, current_database() as db',
        )
        expect(rows[0]?.version).toMatch(/^PostgreSQL \d+/)
        expect(rows[0]?.db).toBe('tresor_smoke')
      } finally {
        await client.end()
      }
      await dropDatabase(server.url, 'tresor_smoke')
      await expect(createDatabase(server.url, 'Robert"; drop')).rejects.toThrow(/invalid database name/)
    } finally {
      await server.stop()
    }
    await server.stop()
    expect(existsSync(dir)).toBe(false)
    await expect(connects(server.url)).resolves.toBe(false)
  }, 60_000)
})

/** The server's temp dir, found through the server itself rather than by peeking at module internals. */
async function dataDirOf(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ setting: string }>(
      `select setting from pg_settings where name = 'data_directory'`,
    )
    const dataDir = rows[0]?.setting ?? ''
    expect(dataDir).toMatch(/tresor-pg-/)
    return dataDir.replace(/\/data$/, '')
  } finally {
    await client.end()
  }
}

async function connects(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.end()
    return true
  } catch {
    return false
  }
}
