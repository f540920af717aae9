import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, loadMasterKey } from './config.ts'

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({})
    expect(config.dataDir).toBe(path.resolve('.tresor'))
    expect(config.databaseUrl).toBeUndefined()
    expect(config.port).toBe(3000)
    expect(config.bodyLimitBytes).toBe(1024 * 1024)
  })

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ TRESOR_LOG_LEVEL: 'loud' }, 'TRESOR_LOG_LEVEL'],
    [{ TRESOR_SESSION_IDLE_MINUTES: '0' }, 'TRESOR_SESSION_IDLE_MINUTES'],
  ])('stops with one line naming the setting for %o', (env, setting) => {
    let error: unknown
    try {
      loadConfig(env)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).setting).toBe(setting)
    expect((error as Error).message).toMatch(new RegExp(`^invalid configuration: ${setting}: `))
    expect((error as Error).message).not.toContain('\n')
  })

  it('never echoes a database URL (it may hold a password) in the error', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:s3cret@host/db' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret') }),
    )
  })
})

describe('TRESOR_TRUST_PROXY (which reverse proxies say who the client is)', () => {
  it('is off by default and for false / 0', () => {
    expect(loadConfig({}).trustProxy).toBe(false)
    expect(loadConfig({ TRESOR_TRUST_PROXY: 'false' }).trustProxy).toBe(false)
    expect(loadConfig({ TRESOR_TRUST_PROXY: ' 0 ' }).trustProxy).toBe(false)
    expect(loadConfig({ TRESOR_TRUST_PROXY: '' }).trustProxy).toBe(false)
  })

  it('takes true, or the proxies as addresses and CIDR ranges', () => {
    expect(loadConfig({ TRESOR_TRUST_PROXY: 'TRUE' }).trustProxy).toBe(true)
    expect(loadConfig({ TRESOR_TRUST_PROXY: '10.0.0.5' }).trustProxy).toEqual(['10.0.0.5'])
    expect(
      loadConfig({ TRESOR_TRUST_PROXY: '10.0.0.5, 172.16.0.0/12,fd00::/8 ,::1,loopback' }).trustProxy,
    ).toEqual(['10.0.0.5', '172.16.0.0/12', 'fd00::/8', '::1', 'loopback'])
  })

  it('refuses a hop count: it cannot tell the proxy from a client sending X-Forwarded-For itself', () => {
    expect(() => loadConfig({ TRESOR_TRUST_PROXY: '1' })).toThrow(
      /^invalid configuration: TRESOR_TRUST_PROXY: a number of proxy hops can not tell a proxy from a client/,
    )
  })

  it.each([
    'yes',
    '10.0.0.300',
    '10.0.0.0/33',
    '10.0.0.0/8/1',
    'fd00::/129',
    '10.0.0.1,',
    'proxy.example.com',
  ])('refuses %s, naming the setting', (value) => {
    expect(() => loadConfig({ TRESOR_TRUST_PROXY: value })).toThrow(
      /^invalid configuration: TRESOR_TRUST_PROXY: must be false, true, or the proxies as comma-separated/,
    )
  })
})

describe('TRESOR_UNSUBSCRIBE_RATE_LIMIT', () => {
  it('defaults to 300 a minute (mailbox providers post one-click unsubscribes from few addresses)', () => {
    expect(loadConfig({}).unsubscribeRateLimitPerMinute).toBe(300)
    expect(loadConfig({ TRESOR_UNSUBSCRIBE_RATE_LIMIT: '20' }).unsubscribeRateLimitPerMinute).toBe(20)
    expect(() => loadConfig({ TRESOR_UNSUBSCRIBE_RATE_LIMIT: '0' })).toThrow(/TRESOR_UNSUBSCRIBE_RATE_LIMIT/)
  })
})

describe('master key', () => {
  let dir: string
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('is created on first run in the data dir with mode 0600, then reused', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tresor-key-'))
    const key = loadMasterKey({ dataDir: dir }, {})
    expect(key).toHaveLength(32)
    const file = path.join(dir, 'master.key')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(loadMasterKey({ dataDir: dir }, {}).equals(key)).toBe(true)
    expect(readFileSync(file, 'utf8').trim()).toBe(key.toString('base64'))
  })

  it('refuses a key file others can read', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tresor-key-'))
    loadMasterKey({ dataDir: dir }, {})
    chmodSync(path.join(dir, 'master.key'), 0o644)
    expect(() => loadMasterKey({ dataDir: dir }, {})).toThrow(/too open/)
  })

  it('takes TRESOR_MASTER_KEY as hex or base64 and rejects anything else', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tresor-key-'))
    const hex = 'ab'.repeat(32)
    expect(loadMasterKey({ dataDir: dir }, { TRESOR_MASTER_KEY: hex }).toString('hex')).toBe(hex)
    const b64 = Buffer.alloc(32, 7).toString('base64')
    expect(loadMasterKey({ dataDir: dir }, { TRESOR_MASTER_KEY: b64 })[0]).toBe(7)
    for (const bad of ['short', 'ab'.repeat(31), Buffer.alloc(16).toString('base64')]) {
      expect(() => loadMasterKey({ dataDir: dir }, { TRESOR_MASTER_KEY: bad })).toThrow(/TRESOR_MASTER_KEY/)
    }
    // an env key means no key file is written
    expect(() => statSync(path.join(dir, 'master.key'))).toThrow()
  })
})
