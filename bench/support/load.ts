import autocannon from 'autocannon'
import { percentile } from '../harness.ts'

export interface LoadOptions {
  url: string
  headers?: Record<string, string>
  /** POST these bodies (JSON), round robin, instead of GETs. */
  bodies?: readonly string[]
  durationSeconds: number
  connections: number
}

export interface LoadResult {
  /** Mean of autocannon's one-second samples, as its own report shows it. */
  rps: number
  p50Ms: number
  p99Ms: number
  requests: number
}

/**
 * One closed-loop autocannon run. Fails on any non-2xx answer, connection error or timeout: a
 * fast error page would otherwise pass for a fast server.
 */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: 10,
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.bodies ? postBodies(options.bodies) : {}),
  })
  // autocannon's histogram keeps whole milliseconds, too coarse for sub-millisecond answers.
  let latencies = new Float64Array(1 << 16)
  let count = 0
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2)
      grown.set(latencies)
      latencies = grown
    }
    latencies[count++] = responseTime
  })
  let timedOut = false
  const guard = setTimeout(
    () => {
      timedOut = true
      instance.stop()
    },
    (options.durationSeconds + 30) * 1000,
  )
  const result = await Promise.resolve(instance).finally(() => clearTimeout(guard))
  if (timedOut) throw new Error(`autocannon against ${options.url} did not finish in time`)
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `load on ${options.url}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ` +
        `${result.timeouts} timeouts (status codes: ${JSON.stringify(result.statusCodeStats)})`,
    )
  }
  if (count === 0) throw new Error(`load on ${options.url}: no responses at all`)
  const sorted = latencies.subarray(0, count).sort()
  return {
    rps: result.requests.average,
    p50Ms: percentile(sorted, 50, true),
    p99Ms: percentile(sorted, 99, true),
    requests: count,
  }
}

/** autocannon's request setup for POSTing a fixed set of JSON bodies in turn. */
function postBodies(bodies: readonly string[]) {
  let next = 0
  return {
    method: 'POST' as const,
    requests: [
      {
        method: 'POST' as const,
        headers: { 'content-type': 'application/json' },
        setupRequest: (request: { body?: string }) => {
          request.body = bodies[next++ % bodies.length]
          return request
        },
      },
    ],
  }
}
