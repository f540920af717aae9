import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ConfigError,
  loadConfig,
  loadMasterKey,
  loadMasterKeys,
  masterKeyFiles,
  prepareNextKeyFile,
  promoteNextKeyFile,
} from './config.ts'

const dirs: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tresor-keyfiles-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('loading the master keys', () => {
  it('loads the next key beside the current one while a rotation is unfinished (key files)', () => {
    const dataDir = tempDir()
    const current = loadMasterKey({ dataDir }, {})
    expect(loadMasterKeys({ dataDir }, {})).toEqual({ current, next: undefined, source: 'file' })
    expect(prepareNextKeyFile(dataDir)).toBe(true)
    const keys = loadMasterKeys({ dataDir }, {})
    expect(keys.current.equals(current)).toBe(true)
    expect(keys.next?.length).toBe(32)
    expect(keys.next?.equals(current)).toBe(false)
    // a second prepare keeps the key a resumed rotation needs
    expect(prepareNextKeyFile(dataDir)).toBe(false)
    expect(loadMasterKeys({ dataDir }, {}).next?.equals(keys.next as Buffer)).toBe(true)
  })

  it('takes both keys from the environment, and refuses a next key without a current one', () => {
    const dataDir = tempDir()
    const a = randomBytes(32)
    const b = randomBytes(32)
    const keys = loadMasterKeys(
      { dataDir },
      { TRESOR_MASTER_KEY: a.toString('hex'), TRESOR_MASTER_KEY_NEXT: b.toString('base64') },
    )
    expect(keys).toEqual({ current: a, next: b, source: 'env' })
    expect(existsSync(path.join(dataDir, 'master.key'))).toBe(false)
    expect(() => loadMasterKeys({ dataDir }, { TRESOR_MASTER_KEY_NEXT: b.toString('hex') })).toThrow(
      /TRESOR_MASTER_KEY_NEXT/,
    )
    expect(() =>
      loadMasterKeys({ dataDir }, { TRESOR_MASTER_KEY: a.toString('hex'), TRESOR_MASTER_KEY_NEXT: 'short' }),
    ).toThrow(ConfigError)
  })

  it('never invents a master key when the key file is gone but a next one exists, or when reloading', () => {
    const dataDir = tempDir()
    loadMasterKey({ dataDir }, {})
    prepareNextKeyFile(dataDir)
    rmSync(path.join(dataDir, 'master.key'))
    expect(() => loadMasterKeys({ dataDir }, {})).toThrow(/missing/)
    expect(existsSync(path.join(dataDir, 'master.key'))).toBe(false)
    const empty = tempDir()
    expect(() => loadMasterKeys({ dataDir: empty }, {}, { create: false })).toThrow(/missing/)
    expect(existsSync(path.join(empty, 'master.key'))).toBe(false)
  })

  it('refuses a next key file others can read', () => {
    const dataDir = tempDir()
    loadMasterKey({ dataDir }, {})
    writeFileSync(path.join(dataDir, 'master.key.next'), `${randomBytes(32).toString('base64')}\n`)
    chmodSync(path.join(dataDir, 'master.key.next'), 0o644)
    expect(() => loadMasterKeys({ dataDir }, {})).toThrow(/too open/)
  })

  it('reads the phone region, default DE', () => {
    expect(loadConfig({}).phoneRegion).toBe('DE')
    expect(loadConfig({ TRESOR_PHONE_REGION: 'at' }).phoneRegion).toBe('AT')
    expect(() => loadConfig({ TRESOR_PHONE_REGION: 'Germany' })).toThrow(/TRESOR_PHONE_REGION/)
  })
})

describe('retiring the old key file', () => {
  it('keeps the old key as master.key.retired-<id> and puts the next one in place, 0600', () => {
    const dataDir = tempDir()
    const files = masterKeyFiles(dataDir)
    const old = loadMasterKey({ dataDir }, {})
    prepareNextKeyFile(dataDir)
    const next = readFileSync(files.next)
    const retired = promoteNextKeyFile(dataDir, 'abcdef0123456789')
    expect(retired).toBe(path.join(dataDir, 'master.key.retired-abcdef0123456789'))
    expect(
      loadMasterKeys({ dataDir }, {}).current.equals(Buffer.from(next.toString().trim(), 'base64')),
    ).toBe(true)
    expect(Buffer.from(readFileSync(retired, 'utf8').trim(), 'base64').equals(old)).toBe(true)
    expect(statSync(retired).mode & 0o777).toBe(0o600)
    expect(existsSync(files.next)).toBe(false)
  })

  it('completes after a crash between copying the old key and the switch', () => {
    const dataDir = tempDir()
    const files = masterKeyFiles(dataDir)
    loadMasterKey({ dataDir }, {})
    const old = readFileSync(files.current)
    prepareNextKeyFile(dataDir)
    // the copy was made, the rename not: master.key is still the old key
    writeFileSync(files.retired('k1'), old, { mode: 0o600 })
    promoteNextKeyFile(dataDir, 'k1')
    expect(existsSync(files.next)).toBe(false)
    expect(readFileSync(files.retired('k1')).equals(old)).toBe(true)
    // a retired file holding another key is never overwritten
    prepareNextKeyFile(dataDir)
    writeFileSync(files.retired('k2'), 'something else\n', { mode: 0o600 })
    expect(() => promoteNextKeyFile(dataDir, 'k2')).toThrow(/another key/)
    expect(existsSync(files.next)).toBe(true)
  })

  it('has nothing to rotate before the first start', () => {
    expect(() => prepareNextKeyFile(tempDir())).toThrow(/no master key/)
  })
})
