import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/**
 * CPU time of processes, from Linux's /proc: what a request costs the server and the database,
 * which on a shared machine says more than throughput does (a busy neighbour halves the requests
 * per second, not the milliseconds of CPU each one takes). Undefined where there is no /proc.
 */

let ticksPerSecond: number | undefined
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      ticksPerSecond = 100
    }
  }
  return ticksPerSecond
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return text.slice(text.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/** User plus system CPU from a process's stat fields, in milliseconds. */
// After the name: state(0) ppid(1) … utime(11) stime(12), in clock ticks.
const cpuMsOf = (fields: string[]): number =>
  ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks()

/** User plus system CPU of one process so far, in milliseconds; undefined if it is not there. */
export function processCpuMs(pid: number): number | undefined {
  const fields = statFields(pid)
  return fields ? cpuMsOf(fields) : undefined
}

/** The process's parent, or undefined. */
export function parentOf(pid: number): number | undefined {
  const fields = statFields(pid)
  return fields ? Number(fields[1]) : undefined
}

/** CPU so far of every child of `parent` (a PostgreSQL postmaster's backends and workers). */
function childrenCpuMs(parent: number): Map<number, number> {
  const result = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const pid = Number(name)
    const fields = statFields(pid)
    if (fields && Number(fields[1]) === parent) result.set(pid, cpuMsOf(fields))
  }
  return result
}

/**
 * Measures the CPU a process (and, if given, every child of a second one) spends between `start`
 * and the returned function's call. Children that ended in between are not counted; a new child is
 * counted from zero.
 */
export function cpuMeter(
  pid: number,
  childrenOfPid?: number,
): () => { processMs: number; childrenMs: number } {
  const process0 = processCpuMs(pid) ?? Number.NaN
  const children0 = childrenOfPid === undefined ? new Map<number, number>() : childrenCpuMs(childrenOfPid)
  return () => {
    const processMs = (processCpuMs(pid) ?? Number.NaN) - process0
    let childrenMs = 0
    if (childrenOfPid !== undefined)
      for (const [child, ms] of childrenCpuMs(childrenOfPid)) childrenMs += ms - (children0.get(child) ?? 0)
    return { processMs, childrenMs }
  }
}

/** Whether this machine has /proc to measure with. */
export function canMeasureCpu(): boolean {
  return processCpuMs(process.pid) !== undefined
}

/** The machine's CPU counters (all CPUs together, clock ticks): total, and steal. */
function machineTicks(): { total: number; steal: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? ''
    // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
    const values = line.trim().split(/\s+/).slice(1, 9).map(Number)
    if (values.length < 8 || values.some((v) => !Number.isFinite(v))) return undefined
    return { total: values.reduce((a, b) => a + b, 0), steal: values[7] ?? 0 }
  } catch {
    return undefined
  }
}

/**
 * The share of the machine's CPU time a hypervisor gave to other guests between the call and the
 * returned function's call ("steal"), in percent: a virtual machine's neighbours slow every figure
 * measured in that time, and this says how much. NaN where /proc/stat is missing.
 */
export function stealMeter(): () => number {
  const before = machineTicks()
  return () => {
    const after = machineTicks()
    if (!before || !after || after.total <= before.total) return Number.NaN
    return ((after.steal - before.steal) * 100) / (after.total - before.total)
  }
}
