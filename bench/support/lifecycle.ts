import { type ChildProcess, type StdioNull, type StdioPipe, spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

/**
 * Every child process and temp dir the bench creates is registered here, so that one synchronous
 * 'exit' handler can kill and delete whatever a failing or interrupted run left behind.
 */
const children = new Set<ChildProcess>()
const tempDirs = new Set<string>()

const EXIT_WITH_PARENT = pathToFileURL(path.join(import.meta.dirname, 'exit-with-parent.ts')).href

process.on('exit', () => {
  for (const child of children) {
    try {
      child.kill('SIGKILL')
    } catch {}
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
})

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  /** Set when the process could not be spawned at all. */
  error?: Error
}

export interface Child {
  process: ChildProcess
  /** Settles once, when the process has exited or failed to spawn; never rejects. */
  exited: Promise<Exit>
  /** The exit once it happened, else undefined. */
  exit(): Exit | undefined
}

type Stdio = StdioNull | StdioPipe | number

/** Runs a Node script with this Node (the harness runs on the project's Node 24) and tracks it. */
export function spawnNode(
  script: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; stdio: [Stdio, Stdio, Stdio] },
): Child {
  // BENCH_NODE_ARGS: extra flags for the spawned processes, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"
  // (Node refuses --cpu-prof in NODE_OPTIONS) to see where a scenario's time goes.
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)
  const child = spawn(process.execPath, [...extra, '--import', EXIT_WITH_PARENT, script, ...args], {
    env: options.env,
    cwd: options.cwd,
    stdio: [...options.stdio, 'ipc'],
  })
  children.add(child)
  let exit: Exit | undefined
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal }
      resolve(exit)
    })
    child.once('error', (error) => {
      // 'error' without 'exit' means it never ran; with 'exit' (e.g. a failed kill) the exit wins.
      if (child.pid === undefined) {
        exit = { code: null, signal: null, error }
        resolve(exit)
      }
    })
  }).finally(() => children.delete(child))
  return { process: child, exited, exit: () => exit }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit and whether SIGKILL was needed. */
export async function stopChild(child: Child, graceMs: number): Promise<Exit & { killed: boolean }> {
  const done = child.exit()
  if (done) return { ...done, killed: false }
  child.process.kill('SIGTERM')
  const graceful = await within(child.exited, graceMs)
  if (graceful) return { ...graceful, killed: false }
  child.process.kill('SIGKILL')
  const killed = await within(child.exited, 10_000)
  if (!killed) throw new Error(`process ${child.process.pid} survived SIGKILL`)
  return { ...killed, killed: true }
}

/** The promise's value, or undefined if it takes longer than `ms`. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

export async function makeTempDir(label: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `tresor-bench-${label}-`))
  tempDirs.add(dir)
  return dir
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
  tempDirs.delete(dir)
}

/** Cleanups run in reverse order of registration, each once, all of them even if some fail. */
export class Scope {
  readonly #cleanups: (() => Promise<void> | void)[] = []

  defer(cleanup: () => Promise<void> | void): void {
    this.#cleanups.push(cleanup)
  }

  async close(): Promise<void> {
    const errors: unknown[] = []
    for (let cleanup = this.#cleanups.pop(); cleanup; cleanup = this.#cleanups.pop()) {
      try {
        await cleanup()
      } catch (error) {
        errors.push(error)
      }
    }
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) throw new AggregateError(errors, 'several cleanups failed')
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
