import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { Readable } from 'node:stream'

/** A table to read: a file on disk (streamed) or bytes already in memory. */
export type TableInput = { path: string } | { bytes: Uint8Array }

/** Size of the pieces the file is read in. */
const CHUNK_BYTES = 64 * 1024

/** Up to `length` bytes of the input starting at `position` (fewer at the end of the input). */
export async function readBytes(input: TableInput, position: number, length: number): Promise<Buffer> {
  if ('bytes' in input) return asBuffer(input.bytes).subarray(position, position + length)
  const handle = await open(input.path, 'r')
  try {
    const buffer = Buffer.alloc(length)
    const { bytesRead } = await handle.read(buffer, 0, length, position)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/**
 * Position of the first byte ≥ 0x80 at or after `from`, or -1 when the rest is ASCII. Reads up to the
 * whole file, in chunks, when the start of it is plain ASCII.
 */
export async function findNonAscii(input: TableInput, from: number): Promise<number> {
  if ('bytes' in input) return nonAsciiIn(asBuffer(input.bytes), from)
  const handle = await open(input.path, 'r')
  try {
    const buffer = Buffer.alloc(16 * CHUNK_BYTES)
    for (let position = from; ; ) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position)
      if (bytesRead === 0) return -1
      const found = nonAsciiIn(buffer.subarray(0, bytesRead), 0)
      if (found >= 0) return position + found
      position += bytesRead
    }
  } finally {
    await handle.close()
  }
}

/** The input from byte `start` on, in chunks of about CHUNK_BYTES; reading it holds one chunk at a time. */
export function byteChunks(input: TableInput, start: number): AsyncIterable<Buffer> {
  if ('bytes' in input) return sliced(asBuffer(input.bytes), start)
  return createReadStream(input.path, { start, highWaterMark: CHUNK_BYTES })
}

/** The whole input as a byte stream, for libraries that want a Readable. */
export function byteStream(input: TableInput): Readable {
  if ('bytes' in input) return Readable.from([asBuffer(input.bytes)], { objectMode: false })
  return createReadStream(input.path, { highWaterMark: CHUNK_BYTES })
}

async function* sliced(bytes: Buffer, start: number): AsyncGenerator<Buffer> {
  for (let position = start; position < bytes.length; position += CHUNK_BYTES) {
    yield bytes.subarray(position, position + CHUNK_BYTES)
  }
}

function nonAsciiIn(bytes: Buffer, from: number): number {
  // latin1 maps each byte to one UTF-16 unit, so the regex search runs natively over the bytes.
  const found = bytes.toString('latin1', from).search(/[\x80-\xff]/)
  return found < 0 ? -1 : from + found
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
