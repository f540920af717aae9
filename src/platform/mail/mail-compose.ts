import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { lazy, onFirstUse } from '../lazy.ts'

/** Loaded with the first mail, not with every process that could send one (issue #18). */
export const nodemailer = lazy<typeof import('nodemailer')>('nodemailer')

/**
 * Building mails (MIME, encodings, headers) with nodemailer's composer, for a bulk sender on
 * worker threads: at a campaign's pace composing is most of the sending thread's work, while the
 * SMTP conversation, the gate and the database wait behind it (issue #17). The mails of one turn
 * of the event loop travel to a worker as one message. Plain data in, the finished message out;
 * nothing stays in a worker between jobs.
 */

/** What the composer needs of a mail: plain values only (they cross a thread boundary). */
export interface ComposableMail {
  from: string
  to: string
  subject: string
  text: string
  html?: string
  messageId?: string
  headers: Record<string, string>
}

/** The finished message with the envelope and Message-ID the composer gave it. */
export interface ComposedMail {
  message: Buffer
  envelope: { from: string | false; to: string[] }
  messageId: string
}

/** One mail composed in this thread (the file transport's and a single mail's way). */
export function composer(): { compose(mail: ComposableMail): Promise<ComposedMail>; close(): void } {
  const transport = onFirstUse(() =>
    nodemailer().createTransport({ streamTransport: true, buffer: true, newline: 'windows' }),
  )
  return {
    async compose(mail) {
      const info = await transport.get().sendMail(mail)
      return {
        message: info.message as Buffer,
        envelope: info.envelope as ComposedMail['envelope'],
        messageId: info.messageId,
      }
    },
    close: () => transport.close(),
  }
}

/** A worker's answer: the mails of a job in order, each composed or the reason it failed. */
export type ComposeAnswer = { id: number; results: ({ mail: ComposedMail } | { error: string })[] }

/** Mails per job a worker composes and answers at once. */
const JOB_SIZE = 25

interface Waiting {
  mail: ComposableMail
  resolve: (composed: ComposedMail) => void
  reject: (error: Error) => void
}

/**
 * Composes on `size` worker threads. Mails asked for in the same turn of the event loop are sent
 * as one job per worker. Idle workers don't keep the process alive; a crashed one fails its jobs
 * and is replaced on the next need.
 */
export class ComposePool {
  readonly #size: number
  #workers: Worker[] = []
  readonly #jobs = new Map<number, Waiting[]>()
  #queue: Waiting[] = []
  #scheduled = false
  #next = 0
  #closed = false

  constructor(size: number) {
    this.#size = Math.max(1, Math.trunc(size))
  }

  compose(mail: ComposableMail): Promise<ComposedMail> {
    if (this.#closed) return Promise.reject(new Error('the mail composer is closed'))
    return new Promise<ComposedMail>((resolve, reject) => {
      this.#queue.push({ mail, resolve, reject })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => this.#flush())
      }
    })
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#fail(new Error('the mail composer is closed'))
    const workers = this.#workers
    this.#workers = []
    await Promise.all(workers.map((w) => w.terminate()))
  }

  #flush(): void {
    this.#scheduled = false
    const queue = this.#queue
    this.#queue = []
    if (queue.length === 0) return
    if (this.#workers.length === 0) this.#start()
    // Small jobs, dealt out in turn: the first mails are back and on their way while the rest
    // are still being built.
    for (let i = 0; i < queue.length; i += JOB_SIZE) {
      const part = queue.slice(i, i + JOB_SIZE)
      const id = this.#next++
      if (this.#jobs.size === 0) for (const w of this.#workers) w.ref()
      this.#jobs.set(id, part)
      this.#workers[(id % this.#workers.length) as number]?.postMessage({
        id,
        mails: part.map((w) => w.mail),
      })
    }
  }

  #start(): void {
    for (let i = 0; i < this.#size; i++) {
      const worker = new Worker(new URL('./mail-compose.worker.ts', import.meta.url))
      worker.on('message', (answer: ComposeAnswer) => {
        const job = this.#jobs.get(answer.id)
        if (!job) return
        this.#jobs.delete(answer.id)
        if (this.#jobs.size === 0) for (const w of this.#workers) w.unref()
        job.forEach((waiting, k) => {
          const result = answer.results[k]
          if (result && 'mail' in result) {
            // A Buffer crosses the thread boundary as a plain Uint8Array: wrapped, not copied.
            const bytes = result.mail.message as Uint8Array
            waiting.resolve({
              ...result.mail,
              message: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
            })
          } else waiting.reject(new Error(result?.error ?? 'the mail was not composed'))
        })
      })
      // A worker that fails or ends fails the jobs in flight (their mails are retried as a sender
      // error); the next mails get fresh workers.
      const lost = (error: Error) => {
        if (!this.#workers.includes(worker)) return
        this.#fail(error)
        const workers = this.#workers
        this.#workers = []
        for (const w of workers) void w.terminate()
      }
      worker.on('error', lost)
      worker.on('exit', () => lost(new Error('the mail composer stopped')))
      // Idle workers must not keep the process alive (after the listeners: adding a 'message'
      // listener refs the worker again); busy ones must, or it exits with the job unanswered.
      worker.unref()
      this.#workers.push(worker)
    }
  }

  #fail(error: Error): void {
    for (const job of this.#jobs.values()) for (const waiting of job) waiting.reject(error)
    this.#jobs.clear()
    for (const waiting of this.#queue) waiting.reject(error)
    this.#queue = []
  }
}

/** Worker threads for a bulk sender's composing: all cores but one (none on a single core). */
export function composeWorkers(): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1))
}
