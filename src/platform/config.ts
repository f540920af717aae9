import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/** Raised for any invalid setting; the CLI prints `message` as one line and exits 78 (EX_CONFIG). */
export class ConfigError extends Error {
  readonly setting: string
  constructor(setting: string, reason: string) {
    super(`invalid configuration: ${setting}: ${reason}`)
    this.name = 'ConfigError'
    this.setting = setting
  }
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

export interface Config {
  /** Where the embedded database, the master key file and other state live. Default `./.tresor`. */
  dataDir: string
  /** PostgreSQL connection string; when absent Tresor runs on the embedded PGlite in `dataDir/pgdata`. */
  databaseUrl: string | undefined
  /** HTTP port, default 3000. 0 picks a free port. */
  port: number
  /** Interface to listen on, default 127.0.0.1. */
  host: string
  logLevel: LogLevel
  /** Session idle timeout in minutes (default 30) and absolute lifetime in hours (default 12). */
  sessionIdleMinutes: number
  sessionAbsoluteHours: number
  /** Request body limit in bytes (default 1 MiB). */
  bodyLimitBytes: number
}

export type Env = Record<string, string | undefined>

function intSetting(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number from ${min} to ${max}`)
  const value = Number(raw.trim())
  if (value < min || value > max) throw new ConfigError(name, `must be a whole number from ${min} to ${max}`)
  return value
}

/** Reads the configuration from the environment, with CLI overrides taking precedence. */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const dataDir = path.resolve(overrides.dataDir ?? env.TRESOR_DATA_DIR ?? '.tresor')
  const databaseUrl = overrides.databaseUrl ?? (env.DATABASE_URL?.trim() || undefined)
  if (databaseUrl !== undefined) {
    let url: URL
    try {
      url = new URL(databaseUrl)
    } catch {
      throw new ConfigError(
        'DATABASE_URL',
        'is not a URL (expected postgres://user:password@host:port/database)',
      )
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      throw new ConfigError('DATABASE_URL', 'must start with postgres:// or postgresql://')
    }
  }
  const logLevel = (overrides.logLevel ?? env.TRESOR_LOG_LEVEL ?? 'info') as LogLevel
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError('TRESOR_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`)
  const host = overrides.host ?? env.HOST ?? '127.0.0.1'
  return {
    dataDir,
    databaseUrl,
    port: overrides.port ?? intSetting(env, 'PORT', 3000, 0, 65535),
    host,
    logLevel,
    sessionIdleMinutes:
      overrides.sessionIdleMinutes ?? intSetting(env, 'TRESOR_SESSION_IDLE_MINUTES', 30, 1, 24 * 60),
    sessionAbsoluteHours:
      overrides.sessionAbsoluteHours ?? intSetting(env, 'TRESOR_SESSION_ABSOLUTE_HOURS', 12, 1, 24 * 30),
    bodyLimitBytes:
      overrides.bodyLimitBytes ??
      intSetting(env, 'TRESOR_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 512 * 1024 * 1024),
  }
}

const MASTER_KEY_FILE = 'master.key'

/**
 * The vault's master key: from `TRESOR_MASTER_KEY` (32 bytes, hex or base64), else from
 * `<dataDir>/master.key`, created on first run with mode 0600. Never stored in the database:
 * a dump of the database alone must not be enough to decrypt anything.
 */
export function loadMasterKey(config: Pick<Config, 'dataDir'>, env: Env = process.env): Buffer {
  const fromEnv = env.TRESOR_MASTER_KEY?.trim()
  if (fromEnv) return parseKey(fromEnv, 'TRESOR_MASTER_KEY')
  const file = path.join(config.dataDir, MASTER_KEY_FILE)
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777
    if ((mode & 0o077) !== 0) {
      throw new ConfigError(
        file,
        `permissions ${mode.toString(8).padStart(4, '0')} are too open; run chmod 600 on it`,
      )
    }
    return parseKey(readFileSync(file, 'utf8').trim(), file)
  }
  mkdirSync(config.dataDir, { recursive: true })
  const key = randomBytes(32)
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
  chmodSync(file, 0o600) // the umask may have narrowed, never widened; make it exact
  return key
}

function parseKey(text: string, setting: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64')
  if (key.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(text) && key.toString('base64') !== text)) {
    throw new ConfigError(setting, 'must be 32 random bytes, written as 64 hex characters or base64')
  }
  return key
}
