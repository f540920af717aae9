// autocannon ships no types; this covers only what the bench uses.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  export interface Options {
    url: string
    /** Concurrent connections (default 10). */
    connections?: number
    /** Seconds (default 10). */
    duration?: number
    /** Per-request timeout in seconds (default 10). */
    timeout?: number
    method?: string
    headers?: Record<string, string>
  }

  /** hdr-histogram percentiles; latency in whole milliseconds, requests per one-second sample. */
  export interface Histogram {
    average: number
    min: number
    max: number
    p50: number
    p99: number
  }

  export interface Result {
    requests: Histogram
    latency: Histogram
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    statusCodeStats: Record<string, { count: number }>
  }

  /** The running benchmark: an event emitter that is also a promise of the result. */
  export interface Instance extends EventEmitter, PromiseLike<Result> {
    stop(): void
  }

  export default function autocannon(options: Options): Instance
}
