import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { isIP } from 'node:net'
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
  /**
   * A read replica of `databaseUrl` (PostgreSQL streaming replication, hot standby): heavy
   * pseudonymous reads — the dashboard's and the analytics page's counts, the population aggregates
   * models are fitted on, personas, "bought together" — go there; writes and everything read about
   * one person stay on the primary. Env DATABASE_REPLICA_URL; only with DATABASE_URL.
   */
  databaseReplicaUrl: string | undefined
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
  /**
   * Region (ISO 3166-1 alpha-2) for phone numbers written without a country code, e.g. `0151 …`;
   * env TRESOR_PHONE_REGION, default `DE`. Used to normalise numbers to E.164 for the blind index.
   */
  phoneRegion: string
  /** Outgoing mail (src/platform/mail): SMTP, or .eml files in `<dataDir>/mail/outbox/`. */
  mail: MailSettings
  /**
   * Where Tresor is reached from outside: the base of the links in mails (double opt-in
   * confirmation, unsubscribe). Env TRESOR_PUBLIC_URL, default `http://localhost:<port>`.
   */
  publicUrl: string
  /** Double opt-in of public forms. */
  doubleOptIn: {
    /** How long a confirmation link stays valid; env TRESOR_DOI_EXPIRY_HOURS, default 48. */
    expiryHours: number
    /**
     * One address gets at most one confirmation mail in this window, however often it is signed
     * up; env TRESOR_DOI_RESEND_MINUTES, default 15.
     */
    resendWindowMinutes: number
  }
  /** Public form submissions accepted per IP address and minute; env TRESOR_FORM_RATE_LIMIT, default 10. */
  formRateLimitPerMinute: number
  /**
   * Unsubscribe link requests (page and RFC 8058 one-click POST) per IP address and minute; env
   * TRESOR_UNSUBSCRIBE_RATE_LIMIT, default 300. Higher than the forms': mailbox providers send the
   * one-click POSTs of many recipients from few addresses, and none of them may be turned away.
   */
  unsubscribeRateLimitPerMinute: number
  /**
   * Which reverse proxies are trusted to say who the client is (X-Forwarded-For, -Proto, -Host),
   * so that the client's address is used for rate limits and (truncated) in consent proofs; env
   * TRESOR_TRUST_PROXY. `false` (default): the headers are ignored and the peer's address counts.
   * A list: the proxies' addresses or CIDR ranges (also `loopback`, `linklocal`, `uniquelocal`),
   * the recommended form. `true`: trust any peer (only when nothing but the proxy can reach
   * Tresor). A hop count is refused: it can't check the peer, so a client reaching Tresor directly
   * could claim any address (Fastify 5 ignores one for that reason). Passed to Fastify's `trustProxy`.
   */
  trustProxy: TrustProxy
  /** The privacy portal `/p/portal` (src/modules/portal). */
  portal: PortalSettings
  /** Data subject requests (src/modules/requests). */
  dsr: DsrSettings
  /** Customer analytics scores (src/modules/analytics): CLV horizon and discount, churn bands, currency. */
  scores: ScoreSettings
  /**
   * The erasure ledger file (docs/adr/0010): every erasure appended (subject id, time, kind) and
   * flushed, for `tresor erasures replay` after a restore. Put it on storage the database's backup
   * doesn't cover; env TRESOR_ERASURE_LEDGER, default `<dataDir>/erasure-ledger.jsonl`.
   */
  erasureLedgerPath: string
  /**
   * Webhooks (src/privacy/recipients): whether receivers on loopback, private and link-local
   * addresses are allowed (SSRF protection is on by default); env TRESOR_WEBHOOKS_ALLOW_PRIVATE,
   * `true` or `false` (default).
   */
  webhooksAllowPrivate: boolean
  /** Campaign sends (src/modules/campaigns, issue #17): batch size, SMTP pool and rate, lease. */
  campaigns: CampaignSettings
  /** The campaign channels' providers and webhook secrets (src/modules/campaigns/channels/README.md). */
  campaignChannels: CampaignChannelSettings
}

export interface CampaignChannelSettings {
  /** The SMS provider's endpoint for a JSON POST per message; env TRESOR_SMS_URL. Absent: SMS campaigns fail with `no-provider`. */
  smsUrl: string | undefined
  /** Sent as `Authorization: Bearer …` to the SMS provider; env TRESOR_SMS_TOKEN. */
  smsToken: string | undefined
  /** The sender id shown on the phone (alphanumeric up to 11 characters, or a number); env TRESOR_SMS_SENDER, default Tresor. */
  smsSender: string
  /** Segments an SMS may have at most (the opt-out line included); env TRESOR_SMS_MAX_SEGMENTS, default 3. */
  smsMaxSegments: number
  /** The shared secret of `POST /campaigns/sms-status` (Bearer or HMAC); env TRESOR_SMS_STATUS_SECRET. Absent: the endpoint refuses. */
  smsStatusSecret: string | undefined
  /** The shared secret of `POST /campaigns/bounces` (Bearer or HMAC); env TRESOR_BOUNCE_SECRET. Absent: the endpoint refuses. */
  bounceSecret: string | undefined
}

export interface CampaignSettings {
  /** Ledger rows one batch claims, re-checks through the gate and sends; env TRESOR_CAMPAIGN_BATCH_SIZE, default 500. */
  batchSize: number
  /** Pooled SMTP connections of the campaign sender; env TRESOR_SMTP_POOL_SIZE, default 5. */
  smtpPoolSize: number
  /** Mails per second at most over the pool (0: no limit); env TRESOR_SMTP_RATE_PER_SECOND, default 0. */
  smtpRatePerSecond: number
  /**
   * How long a send holds its campaign without renewing (a process that died frees it after that);
   * env TRESOR_CAMPAIGN_LEASE_SECONDS, default 60.
   */
  leaseSeconds: number
  /** The first retry after a temporary failure (doubled per attempt); env TRESOR_CAMPAIGN_RETRY_SECONDS, default 60. */
  retryBaseSeconds: number
}

export interface PortalSettings {
  /** How long a sign-in link stays valid; env TRESOR_PORTAL_LINK_MINUTES, default 30. */
  linkMinutes: number
  /** One sign-in mail per address in this window; env TRESOR_PORTAL_RESEND_MINUTES, default 5. */
  resendMinutes: number
  /** How long a portal session lasts (absolute); env TRESOR_PORTAL_SESSION_MINUTES, default 60. */
  sessionMinutes: number
  /** Sign-in requests and links followed per IP address and minute; env TRESOR_PORTAL_RATE_LIMIT, default 10. */
  rateLimitPerMinute: number
}

export interface ScoreSettings {
  /** Discount rate per month of the CLV; env TRESOR_SCORES_DISCOUNT_RATE, default 0.01 (1 %). */
  monthlyDiscountRate: number
  /** The CLV's horizon in months; env TRESOR_SCORES_HORIZON_MONTHS, default 12. */
  horizonMonths: number
  /**
   * Churn-risk bands from P(alive): high below `churnHigh`, medium below `churnMedium`, low from it;
   * env TRESOR_SCORES_CHURN_HIGH (default 0.3) and TRESOR_SCORES_CHURN_MEDIUM (default 0.7).
   */
  churnHigh: number
  churnMedium: number
  /** Orders in this currency count (the others are left out); env TRESOR_SCORES_CURRENCY, default EUR. */
  currency: string
}

export interface DsrSettings {
  /**
   * Art. 12(3) GDPR: a request is answered within one month of receipt. The deadline every
   * recorded request gets (`due_at`), as an ISO 8601 duration of at most one month: `P1M`
   * (default), `P<n>W` (n ≤ 4) or `P<n>D` (n ≤ 28) for a stricter internal target. Env
   * TRESOR_DSR_DEADLINE.
   */
  deadline: string
}

export interface MailSettings {
  /**
   * `smtp://user:password@host:587` (STARTTLS when the server offers it) or `smtps://…:465`;
   * env TRESOR_SMTP_URL. Absent: every mail is written as an .eml file into `outboxDir`.
   */
  smtpUrl: string | undefined
  /** The sender; env TRESOR_MAIL_FROM, default `Tresor <tresor@localhost>`. */
  from: string
  /** Where the file transport writes: `<dataDir>/mail/outbox`. */
  outboxDir: string
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
  const databaseReplicaUrl = overrides.databaseReplicaUrl ?? (env.DATABASE_REPLICA_URL?.trim() || undefined)
  if (databaseReplicaUrl !== undefined) {
    if (databaseUrl === undefined)
      throw new ConfigError(
        'DATABASE_REPLICA_URL',
        'needs DATABASE_URL: a replica of the embedded database is not possible',
      )
    let protocol = ''
    try {
      protocol = new URL(databaseReplicaUrl).protocol
    } catch {
      throw new ConfigError(
        'DATABASE_REPLICA_URL',
        'is not a URL (expected postgres://user:password@host:port/database)',
      )
    }
    if (protocol !== 'postgres:' && protocol !== 'postgresql:')
      throw new ConfigError('DATABASE_REPLICA_URL', 'must start with postgres:// or postgresql://')
  }
  const logLevel = (overrides.logLevel ?? env.TRESOR_LOG_LEVEL ?? 'info') as LogLevel
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError('TRESOR_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`)
  const host = overrides.host ?? env.HOST ?? '127.0.0.1'
  const port = overrides.port ?? intSetting(env, 'PORT', 3000, 0, 65535)
  return {
    dataDir,
    databaseUrl,
    databaseReplicaUrl,
    port,
    host,
    logLevel,
    sessionIdleMinutes:
      overrides.sessionIdleMinutes ?? intSetting(env, 'TRESOR_SESSION_IDLE_MINUTES', 30, 1, 24 * 60),
    sessionAbsoluteHours:
      overrides.sessionAbsoluteHours ?? intSetting(env, 'TRESOR_SESSION_ABSOLUTE_HOURS', 12, 1, 24 * 30),
    bodyLimitBytes:
      overrides.bodyLimitBytes ??
      intSetting(env, 'TRESOR_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 512 * 1024 * 1024),
    phoneRegion: phoneRegionSetting(overrides.phoneRegion ?? env.TRESOR_PHONE_REGION),
    mail: overrides.mail ?? {
      smtpUrl: smtpUrlSetting(env.TRESOR_SMTP_URL),
      from: mailFromSetting(env.TRESOR_MAIL_FROM),
      outboxDir: path.join(dataDir, 'mail', 'outbox'),
    },
    publicUrl: overrides.publicUrl ?? publicUrlSetting(env.TRESOR_PUBLIC_URL, port),
    doubleOptIn: overrides.doubleOptIn ?? {
      expiryHours: intSetting(env, 'TRESOR_DOI_EXPIRY_HOURS', 48, 1, 24 * 30),
      resendWindowMinutes: intSetting(env, 'TRESOR_DOI_RESEND_MINUTES', 15, 1, 24 * 60),
    },
    formRateLimitPerMinute:
      overrides.formRateLimitPerMinute ?? intSetting(env, 'TRESOR_FORM_RATE_LIMIT', 10, 1, 100_000),
    unsubscribeRateLimitPerMinute:
      overrides.unsubscribeRateLimitPerMinute ??
      intSetting(env, 'TRESOR_UNSUBSCRIBE_RATE_LIMIT', 300, 1, 100_000),
    trustProxy: overrides.trustProxy ?? trustProxySetting(env.TRESOR_TRUST_PROXY),
    portal: overrides.portal ?? {
      linkMinutes: intSetting(env, 'TRESOR_PORTAL_LINK_MINUTES', 30, 5, 24 * 60),
      resendMinutes: intSetting(env, 'TRESOR_PORTAL_RESEND_MINUTES', 5, 1, 60),
      sessionMinutes: intSetting(env, 'TRESOR_PORTAL_SESSION_MINUTES', 60, 5, 12 * 60),
      rateLimitPerMinute: intSetting(env, 'TRESOR_PORTAL_RATE_LIMIT', 10, 1, 100_000),
    },
    dsr: overrides.dsr ?? { deadline: dsrDeadlineSetting(env.TRESOR_DSR_DEADLINE) },
    scores: overrides.scores ?? scoreSettings(env),
    erasureLedgerPath:
      overrides.erasureLedgerPath ??
      (env.TRESOR_ERASURE_LEDGER?.trim()
        ? path.resolve(env.TRESOR_ERASURE_LEDGER.trim())
        : path.join(dataDir, 'erasure-ledger.jsonl')),
    webhooksAllowPrivate:
      overrides.webhooksAllowPrivate ?? booleanSetting(env, 'TRESOR_WEBHOOKS_ALLOW_PRIVATE'),
    campaigns: overrides.campaigns ?? {
      batchSize: intSetting(env, 'TRESOR_CAMPAIGN_BATCH_SIZE', 500, 1, 10_000),
      smtpPoolSize: intSetting(env, 'TRESOR_SMTP_POOL_SIZE', 5, 1, 100),
      smtpRatePerSecond: intSetting(env, 'TRESOR_SMTP_RATE_PER_SECOND', 0, 0, 1_000_000),
      leaseSeconds: intSetting(env, 'TRESOR_CAMPAIGN_LEASE_SECONDS', 60, 1, 3600),
      retryBaseSeconds: intSetting(env, 'TRESOR_CAMPAIGN_RETRY_SECONDS', 60, 0, 86_400),
    },
    campaignChannels: overrides.campaignChannels ?? {
      smsUrl: env.TRESOR_SMS_URL?.trim() || undefined,
      smsToken: env.TRESOR_SMS_TOKEN?.trim() || undefined,
      smsSender: env.TRESOR_SMS_SENDER?.trim() || 'Tresor',
      smsMaxSegments: intSetting(env, 'TRESOR_SMS_MAX_SEGMENTS', 3, 1, 10),
      smsStatusSecret: env.TRESOR_SMS_STATUS_SECRET?.trim() || undefined,
      bounceSecret: env.TRESOR_BOUNCE_SECRET?.trim() || undefined,
    },
  }
}

function booleanSetting(env: Env, name: string): boolean {
  const raw = env[name]?.trim()
  if (raw === undefined || raw === '' || raw === 'false') return false
  if (raw === 'true') return true
  throw new ConfigError(name, 'must be true or false')
}

// The URL carries the SMTP password: errors name the setting, never the value.
function smtpUrlSetting(raw: string | undefined): string | undefined {
  const value = raw?.trim()
  if (!value) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ConfigError('TRESOR_SMTP_URL', 'is not a URL (expected smtp://user:password@host:587)')
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new ConfigError('TRESOR_SMTP_URL', 'must start with smtp:// or smtps://')
  if (!url.hostname) throw new ConfigError('TRESOR_SMTP_URL', 'names no host')
  return value
}

function mailFromSetting(raw: string | undefined): string {
  const value = raw?.trim() || 'Tresor <tresor@localhost>'
  if (/[\r\n]/.test(value) || !/^(?:[^<>]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/.test(value))
    throw new ConfigError('TRESOR_MAIL_FROM', 'must be an address, e.g. Tresor <news@example.com>')
  return value
}

function publicUrlSetting(raw: string | undefined, port: number): string {
  const value = raw?.trim() || `http://localhost${port === 0 || port === 80 ? '' : `:${port}`}`
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ConfigError('TRESOR_PUBLIC_URL', 'is not a URL (expected https://crm.example.com)')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError('TRESOR_PUBLIC_URL', 'must start with https:// (or http://)')
  if (url.search || url.hash) throw new ConfigError('TRESOR_PUBLIC_URL', 'takes no query or fragment')
  return url.toString().replace(/\/+$/, '')
}

function fractionSetting(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim()
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!/^\d*\.?\d+$/.test(raw) || !(value >= min && value <= max))
    throw new ConfigError(name, `must be a number from ${min} to ${max}, e.g. ${fallback}`)
  return value
}

function scoreSettings(env: Env): ScoreSettings {
  const churnHigh = fractionSetting(env, 'TRESOR_SCORES_CHURN_HIGH', 0.3, 0, 1)
  const churnMedium = fractionSetting(env, 'TRESOR_SCORES_CHURN_MEDIUM', 0.7, 0, 1)
  if (churnMedium < churnHigh)
    throw new ConfigError('TRESOR_SCORES_CHURN_MEDIUM', 'must not be below TRESOR_SCORES_CHURN_HIGH')
  const currency = (env.TRESOR_SCORES_CURRENCY?.trim() || 'EUR').toUpperCase()
  if (!/^[A-Z]{3}$/.test(currency))
    throw new ConfigError('TRESOR_SCORES_CURRENCY', 'must be an ISO 4217 code such as EUR')
  return {
    monthlyDiscountRate: fractionSetting(env, 'TRESOR_SCORES_DISCOUNT_RATE', 0.01, 0, 1),
    horizonMonths: intSetting(env, 'TRESOR_SCORES_HORIZON_MONTHS', 12, 1, 120),
    churnHigh,
    churnMedium,
    currency,
  }
}

// Art. 12(3): "within one month of receipt" is the law's limit; a shorter internal target is fine,
// a longer one is not (the two-month extension is decided per request, with reasons).
function dsrDeadlineSetting(raw: string | undefined): string {
  const value = raw?.trim() || 'P1M'
  const match = /^P(\d+)([MWD])$/.exec(value)
  const n = Number(match?.[1])
  const max = { M: 1, W: 4, D: 28 }[match?.[2] as 'M' | 'W' | 'D']
  if (!match || n < 1 || n > max)
    throw new ConfigError(
      'TRESOR_DSR_DEADLINE',
      'must be at most one month (Art. 12(3) GDPR): P1M, P<n>W with n up to 4, or P<n>D with n up to 28',
    )
  return value
}

/** Fastify's `trustProxy` as TRESOR_TRUST_PROXY sets it: off, any peer, or the proxies' addresses. */
export type TrustProxy = boolean | string[]

const PROXY_KEYWORDS = ['loopback', 'linklocal', 'uniquelocal']

function trustProxySetting(raw: string | undefined): TrustProxy {
  const value = raw?.trim().toLowerCase()
  if (!value || value === 'false' || value === '0') return false
  if (value === 'true') return true
  const reason =
    'must be false, true, or the proxies as comma-separated addresses or CIDR ranges, e.g. 10.0.0.5,172.16.0.0/12'
  if (/^\d+$/.test(value))
    throw new ConfigError(
      'TRESOR_TRUST_PROXY',
      'a number of proxy hops can not tell a proxy from a client that sends X-Forwarded-For itself; name the proxies as comma-separated addresses or CIDR ranges (or true if only the proxy can reach Tresor)',
    )
  const entries = value.split(',').map((entry) => entry.trim())
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.split('/')
    const family = isIP(address)
    const validPrefix =
      prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32))
    if (!PROXY_KEYWORDS.includes(entry) && (family === 0 || !validPrefix || extra !== undefined))
      throw new ConfigError('TRESOR_TRUST_PROXY', reason)
  }
  return entries
}

function phoneRegionSetting(raw: string | undefined): string {
  const region = (raw?.trim() || 'DE').toUpperCase()
  if (!/^[A-Z]{2}$/.test(region))
    throw new ConfigError('TRESOR_PHONE_REGION', 'must be a two-letter country code such as DE')
  return region
}

export const MASTER_KEY_FILE = 'master.key'

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

/** The master key in use and, while a rotation is unfinished, the one it rotates to. */
export interface MasterKeys {
  current: Buffer
  next: Buffer | undefined
  /** Where they come from: TRESOR_MASTER_KEY(_NEXT), or `master.key`(`.next`) in the data dir. */
  source: 'env' | 'file'
}

export const NEXT_MASTER_KEY_FILE = 'master.key.next'

/**
 * The master key (see `loadMasterKey`) plus the next one during an unfinished `tresor keys
 * rotate`: `TRESOR_MASTER_KEY_NEXT` when the key comes from the environment, else
 * `<dataDir>/master.key.next`. With `create: false` a missing key file is an error instead of
 * being created (reloading keys in a running process must never invent a key).
 */
export function loadMasterKeys(
  config: Pick<Config, 'dataDir'>,
  env: Env = process.env,
  options: { create?: boolean } = {},
): MasterKeys {
  const fromEnv = env.TRESOR_MASTER_KEY?.trim()
  const nextFromEnv = env.TRESOR_MASTER_KEY_NEXT?.trim()
  if (fromEnv) {
    return {
      current: parseKey(fromEnv, 'TRESOR_MASTER_KEY'),
      next: nextFromEnv ? parseKey(nextFromEnv, 'TRESOR_MASTER_KEY_NEXT') : undefined,
      source: 'env',
    }
  }
  if (nextFromEnv)
    throw new ConfigError(
      'TRESOR_MASTER_KEY_NEXT',
      'is set, but TRESOR_MASTER_KEY (the key it replaces) is not',
    )
  const file = path.join(config.dataDir, MASTER_KEY_FILE)
  const nextFile = path.join(config.dataDir, NEXT_MASTER_KEY_FILE)
  if (!existsSync(file) && (options.create === false || existsSync(nextFile))) {
    // A next key without a current one: the current key file was lost or moved. Creating a fresh
    // key here would make every data key in the database unreadable.
    throw new ConfigError(file, 'is missing; restore it from your key backup (never create a new one)')
  }
  return {
    current: loadMasterKey(config, {}),
    next: existsSync(nextFile) ? readKeyFile(nextFile) : undefined,
    source: 'file',
  }
}

function readKeyFile(file: string): Buffer {
  const mode = statSync(file).mode & 0o777
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(
      file,
      `permissions ${mode.toString(8).padStart(4, '0')} are too open; run chmod 600 on it`,
    )
  }
  return parseKey(readFileSync(file, 'utf8').trim(), file)
}

function parseKey(text: string, setting: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64')
  if (key.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(text) && key.toString('base64') !== text)) {
    throw new ConfigError(setting, 'must be 32 random bytes, written as 64 hex characters or base64')
  }
  return key
}

/**
 * The key files of a master-key rotation (`tresor keys rotate`) in the data dir: `master.key` (in
 * use), `master.key.next` (the key being rotated to; its presence means a rotation is unfinished)
 * and `master.key.retired-<key id>` (the old key, kept until no backup taken under it must be
 * restorable, then destroyed by the operator; see docs/adr/0004).
 */
export interface MasterKeyFiles {
  current: string
  next: string
  retired(keyId: string): string
}

export function masterKeyFiles(dataDir: string): MasterKeyFiles {
  const current = path.join(dataDir, MASTER_KEY_FILE)
  return {
    current,
    next: path.join(dataDir, NEXT_MASTER_KEY_FILE),
    retired: (keyId) => `${current}.retired-${keyId}`,
  }
}

/** Writes a key file with mode 0600 and flushes it to disk before returning; fails if it exists. */
function writeKeyFile(file: string, text: string): void {
  const fd = openSync(file, 'wx', 0o600)
  try {
    writeSync(fd, text)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  chmodSync(file, 0o600) // the umask may have narrowed, never widened; make it exact
}

/**
 * The first step of a rotation with key files: a new random key in `master.key.next`, written and
 * flushed before anything is wrapped under it. Keeps an existing one: a re-run after an
 * interruption must continue with the same key. Returns whether the file was created.
 */
export function prepareNextKeyFile(dataDir: string): boolean {
  const files = masterKeyFiles(dataDir)
  if (!existsSync(files.current))
    throw new ConfigError(files.current, 'does not exist: there is no master key to rotate yet')
  if (existsSync(files.next)) return false
  writeKeyFile(files.next, `${randomBytes(32).toString('base64')}\n`)
  return true
}

/**
 * The last step, once nothing is wrapped under the old key any more: the old key is copied to
 * `master.key.retired-<id>`, then `master.key.next` atomically replaces `master.key`. At no point
 * is `master.key` missing, so a crash in between leaves a state a re-run completes. Returns the
 * retired file.
 */
export function promoteNextKeyFile(dataDir: string, retiredKeyId: string): string {
  const files = masterKeyFiles(dataDir)
  const retired = files.retired(retiredKeyId)
  const old = readFileSync(files.current)
  if (!existsSync(retired)) writeKeyFile(retired, old.toString('utf8'))
  else if (!readFileSync(retired).equals(old))
    throw new ConfigError(retired, 'exists with another key; move it away and run the rotation again')
  renameSync(files.next, files.current)
  // the rename itself must reach the disk, or a power cut could bring the old master.key back
  const dir = openSync(dataDir, 'r')
  try {
    fsyncSync(dir)
  } finally {
    closeSync(dir)
  }
  return retired
}
