import type { Command } from 'commander'
import { ConfigError, masterKeyFiles, prepareNextKeyFile, promoteNextKeyFile } from '../platform/config.ts'
import type { startProgress } from './progress.ts'
import { configFrom, parseIntOption, withDataDirOption, withRuntime } from './shared.ts'

const ROTATE_HELP = `
What it does:
  Rewraps every subject's data key and every vault secret from the current master key to a new
  one, in batches of one transaction each. Ciphertexts of identifiers are not touched. An
  interrupted run is resumed by running the command again; rows already under the new key are
  skipped. While a rotation is unfinished, Tresor processes load both keys and keep working.

With a key file (the default, <data dir>/master.key):
  1. A new random key is written to <data dir>/master.key.next (mode 0600). A re-run after an
     interruption continues with that file.
  2. Everything is rewrapped under it.
  3. master.key is kept as master.key.retired-<key id>, and master.key.next becomes master.key.

With TRESOR_MASTER_KEY (the key comes from the environment):
  Put the new key (32 random bytes, 64 hex characters or base64, e.g. from
  \`openssl rand -base64 32\`) into TRESOR_MASTER_KEY_NEXT, for this command and for every
  running Tresor process (restart them with it) before you start. When the command is done, set
  TRESOR_MASTER_KEY to the new key, unset TRESOR_MASTER_KEY_NEXT and restart the processes.

The retired key:
  Backups taken before the rotation can only be restored with the retired key. Keep it exactly as
  long as such a backup must stay restorable, then destroy it: only then are subjects erased
  before the rotation also shredded in those backups (see docs/adr/0004).
  On the embedded database, stop \`tresor serve\` first (it holds the data dir).
`

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('the master key: status and rotation')

  withDataDirOption(
    keys.command('status').description('show the active master key and how many rows each key wraps'),
  ).action(async (options: { dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const status = await runtime.services.masterKeys.status()
      const out: string[] = [`active master key: ${status.activeKeyId ?? '(none yet)'}`]
      out.push(`this process holds: ${status.currentKeyId} (current)`)
      if (status.nextKeyId) {
        out.push(
          `                    ${status.nextKeyId} (next: a rotation is unfinished; run \`tresor keys rotate\`)`,
        )
      }
      out.push('', 'table          master key          rows')
      for (const row of status.rows) {
        out.push(
          `${row.table.padEnd(14)} ${row.keyId.padEnd(18)} ${row.rows.toLocaleString('en').padStart(5)}`,
        )
      }
      if (status.rows.length === 0) out.push('(nothing wrapped yet)')
      process.stdout.write(`${out.join('\n')}\n`)
    })
  })

  withDataDirOption(
    keys
      .command('reindex-names')
      .description(
        'build the name search index again from the decrypted names (e.g. for data stored before it)',
      ),
  ).action(async (options: { dataDir?: string }) => {
    await withRuntime(options, async (runtime) => {
      const { startProgress } = await import('./progress.ts')
      const progress = startProgress('name index', await runtime.services.subjects.count())
      const n = await runtime.services.vault.reindexNames({ onProgress: (k) => progress.tick(k) })
      progress.done()
      process.stdout.write(`${n} subjects indexed by name\n`)
    })
  })

  withDataDirOption(
    keys
      .command('rotate')
      .description('rewrap every data key and vault secret under a new master key (resumable)')
      .option('--batch-size <n>', 'rows per transaction', parseIntOption('--batch-size', 1, 100_000), 5_000),
  )
    .addHelpText('after', ROTATE_HELP)
    .action(async (options: { dataDir?: string; batchSize: number }) => {
      const config = configFrom(options)
      const fromEnv = Boolean(process.env.TRESOR_MASTER_KEY?.trim())
      if (fromEnv && !process.env.TRESOR_MASTER_KEY_NEXT?.trim()) {
        throw new ConfigError(
          'TRESOR_MASTER_KEY_NEXT',
          'must hold the new master key when TRESOR_MASTER_KEY is used (see tresor keys rotate --help)',
        )
      }
      if (!fromEnv && prepareNextKeyFile(config.dataDir)) {
        process.stderr.write(`wrote a new master key to ${masterKeyFiles(config.dataDir).next}\n`)
      }
      const { from, to, result } = await withRuntime(options, async (runtime) => {
        const { startProgress } = await import('./progress.ts')
        const from = runtime.keyring.currentKeyId
        const to = runtime.keyring.nextKeyId
        let progress: ReturnType<typeof startProgress> | undefined
        const result = await runtime.services.masterKeys.rotate({
          batchSize: options.batchSize,
          onProgress: (rows, total) => {
            progress ??= startProgress('rewrapping keys', total)
            progress.tick(rows)
          },
        })
        progress?.done()
        return { from, to, result }
      })
      const counts = `${result.subjectKeys.toLocaleString('en')} data keys and ${result.secrets} secrets rewrapped`
      if (fromEnv) {
        process.stdout.write(
          `master key rotated: ${from} -> ${to} (${counts})\n` +
            'Now set TRESOR_MASTER_KEY to the new key, unset TRESOR_MASTER_KEY_NEXT and restart every Tresor process.\n' +
            `Keep the old key (${from}) only as long as a backup taken under it must stay restorable, then destroy it:\n` +
            'only then are subjects erased before now shredded in those backups too.\n',
        )
        return
      }
      const retired = promoteNextKeyFile(config.dataDir, from)
      process.stdout.write(
        `master key rotated: ${from} -> ${to} (${counts})\n` +
          `The old key is now ${retired}.\n` +
          'Keep it only as long as a backup taken under it must stay restorable, then destroy it (e.g. shred -u):\n' +
          'only then are subjects erased before now shredded in those backups too.\n' +
          'Restart running Tresor processes so they drop the old key from memory.\n',
      )
    })
}
