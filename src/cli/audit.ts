import { createPublicKey, type KeyObject } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { ConfigError } from '../platform/config.ts'
import type { AuditVerification } from '../privacy/audit/audit-log.service.ts'
import { rawPublicKey } from '../privacy/audit/audit-signer.ts'
import { withDataDirOption, withRuntime } from './shared.ts'

/** `tresor audit verify` exits with this when the trail is not intact (1 stays "unexpected error"). */
export const EXIT_AUDIT_BROKEN = 2

const VERIFY_HELP = `
What it checks:
  Every record's hash is recomputed from its stored fields and the previous record's hash, the
  sequence numbers must be contiguous, every linked subject set must match its digest, and every
  signed checkpoint must carry a valid Ed25519 signature by the trusted key and match the chain at
  its record. A log that ends before a checkpoint or the head is truncated. Nothing is decrypted:
  values sealed under an erased subject's key verify as the bytes they are.

Who computes the hashes:
  By default the database recomputes them (its built-in SHA-256 over its built-in binary row
  encoding, the same bytes Tresor hashed when it appended the record) and Tresor checks the
  results, the links, the sequence and the checkpoint signatures. --independent recomputes every
  hash in this process instead, trusting the database for nothing but the stored rows.

What it cannot see:
  Records after the newest checkpoint are protected by the hash chain only: someone who can
  write to the database and recomputes every later hash is caught at the next checkpoint, not
  before. The worker signs one every hour; \`tresor audit checkpoint\` signs one now.

Exit status: 0 intact, ${EXIT_AUDIT_BROKEN} not intact (the first bad record and what is wrong on stderr).
`

/** A public key given on the command line: the base64 of its 32 raw bytes, or a PEM file. */
function parsePublicKey(value: string): KeyObject {
  try {
    if (existsSync(value)) return createPublicKey(readFileSync(value))
    const raw = Buffer.from(value, 'base64')
    if (raw.length !== 32) throw new Error('not 32 bytes')
    return createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
      format: 'jwk',
    })
  } catch {
    throw new ConfigError(
      '--public-key',
      'must be an Ed25519 public key: the base64 that `tresor audit public-key` prints, or a PEM file',
    )
  }
}

function describe(result: AuditVerification): string[] {
  const lines = [
    result.checked === 0
      ? 'audit trail intact: no records to check'
      : `audit trail intact: ${result.checked.toLocaleString('en')} records checked (${result.from}–${result.to})`,
  ]
  if (result.lastCheckpoint) {
    lines.push(`newest checkpoint: record ${result.lastCheckpoint.seq}, signed ${result.lastCheckpoint.at}`)
  } else if (result.to > 0) {
    lines.push('no signed checkpoint yet')
  }
  if (result.unprotected > 0) {
    lines.push(
      `${result.unprotected.toLocaleString('en')} record(s) after it are protected by the hash chain only: ` +
        'a forger who recomputes every later hash is caught at the next checkpoint ' +
        '(hourly by the worker, or now with `tresor audit checkpoint`)',
    )
  }
  return lines
}

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the audit trail: verify it, sign checkpoints')

  withDataDirOption(
    audit
      .command('verify')
      .description('recompute the hash chain and check the signed checkpoints; exit 2 if not intact')
      .option(
        '--from-checkpoint',
        'start at the newest validly signed checkpoint instead of the first record',
      )
      .option(
        '--public-key <key>',
        'trust only this checkpoint key (base64 or PEM file) instead of the configured one',
      )
      .option(
        '--independent',
        'recompute every hash in this process from the stored fields (slower; trusts the database only for the rows)',
      )
      .option('--json', 'print the result as JSON (with the duration in ms)')
      .addHelpText('after', VERIFY_HELP),
  ).action(
    async (options: {
      fromCheckpoint?: boolean
      publicKey?: string
      independent?: boolean
      json?: boolean
      dataDir?: string
    }) => {
      const trustedKeys = options.publicKey ? [parsePublicKey(options.publicKey)] : undefined
      const result = await withRuntime(options, async (runtime) => {
        const started = performance.now()
        const verification = await runtime.services.audit.verify({
          fromCheckpoint: options.fromCheckpoint ?? false,
          independent: options.independent ?? false,
          ...(trustedKeys ? { trustedKeys } : {}),
        })
        return { ...verification, durationMs: Math.round((performance.now() - started) * 100) / 100 }
      })
      if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`)
      if (result.firstBad) {
        const bad = result.firstBad
        process.stderr.write(
          `tresor: audit trail NOT intact at record ${bad.seq}: ${bad.problem}: ${bad.detail}\n` +
            `(${result.checked.toLocaleString('en')} records checked up to there)\n`,
        )
        process.exitCode = EXIT_AUDIT_BROKEN
        return
      }
      if (!options.json) process.stdout.write(`${describe(result).join('\n')}\n`)
    },
  )

  withDataDirOption(
    audit
      .command('checkpoint')
      .description('sign the current head of the chain now (the worker does it hourly)')
      .option('--json', 'print the checkpoint as JSON'),
  ).action(async (options: { json?: boolean; dataDir?: string }) => {
    const checkpoint = await withRuntime(options, (runtime) => runtime.services.audit.checkpoint())
    if (options.json) {
      process.stdout.write(`${JSON.stringify(checkpoint)}\n`)
    } else if (!checkpoint) {
      process.stdout.write('nothing to sign: the audit trail is empty\n')
    } else {
      process.stdout.write(
        `${checkpoint.created ? 'signed checkpoint' : 'no new records since the checkpoint'} at record ${checkpoint.seq}\n` +
          `hash ${checkpoint.hash}\n` +
          `at   ${checkpoint.at}\n`,
      )
    }
  })

  withDataDirOption(
    audit
      .command('public-key')
      .description('print the public key that checkpoints are signed with (base64 of its 32 bytes)'),
  ).action(async (options: { dataDir?: string }) => {
    const [key] = await withRuntime(options, (runtime) => runtime.services.audit.trustedKeys())
    if (!key) throw new ConfigError('audit', 'no checkpoint signing key is configured')
    process.stdout.write(`${rawPublicKey(key).toString('base64')}\n`)
  })
}
