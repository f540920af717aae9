import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll } from 'vitest'

/** The `tresor` binary, independent of the working directory the tests run in. */
export const TRESOR_BIN = fileURLToPath(new URL('../../bin/tresor.js', import.meta.url))

/** What one run of the CLI left behind. */
export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface RunTresorOptions {
  /** Added to the environment, after `TRESOR_LOG_LEVEL=warn`. */
  env?: Record<string, string>
  /** Written to stdin, which is then closed (stdin is always an empty pipe, never a terminal). */
  input?: string
  cwd?: string
  /**
   * Leaves out every `TRESOR_*` variable and `DATABASE_URL` of this process, so that only `env`
   * decides database and keys.
   */
  cleanEnv?: boolean
}

/** Runs `tresor <args>` in a child process and collects its output and exit code. */
export function runTresor(args: string[], options: RunTresorOptions = {}): Promise<CliResult> {
  const inherited: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!options.cleanEnv || (!key.startsWith('TRESOR_') && key !== 'DATABASE_URL')) inherited[key] = value
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TRESOR_BIN, ...args], {
      env: { ...inherited, TRESOR_LOG_LEVEL: 'warn', ...options.env },
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    // A command that exits without reading its input must not fail the test with EPIPE.
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
  })
}

const cleanups: (() => Promise<void> | void)[] = []
// Importing this module registers the clean-up in the importing test file (files are isolated).
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Runs `fn` after all tests of the file, in reverse order of registration. */
export function deferCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn)
}

/** A fresh temp directory, removed after all tests of the file. */
export function tempDir(prefix = 'tresor-cli-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix))
  deferCleanup(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
