import iconv from 'iconv-lite'
import { findNonAscii, readBytes, type TableInput } from './byte-source.ts'
import { TableFormatError } from './table-format-error.ts'

/** How many bytes the encoding guess looks at, from the first non-ASCII byte on. */
const GUESS_WINDOW_BYTES = 64 * 1024

// Excel's "Unicode text" export is UTF-16LE with a BOM; "CSV UTF-8" is UTF-8 with a BOM.
const BYTE_ORDER_MARKS = [
  { bytes: [0xef, 0xbb, 0xbf], encoding: 'utf-8' },
  { bytes: [0xff, 0xfe], encoding: 'utf-16le' },
  { bytes: [0xfe, 0xff], encoding: 'utf-16be' },
] as const

/** The byte order mark the bytes start with, if any. */
export function byteOrderMark(head: Uint8Array): { encoding: string; length: number } | undefined {
  const mark = BYTE_ORDER_MARKS.find(({ bytes }) => bytes.every((byte, index) => head[index] === byte))
  return mark && { encoding: mark.encoding, length: mark.bytes.length }
}

/** The encoding the caller named, checked against what iconv-lite can decode. */
export function namedEncoding(encoding: string): string {
  if (!iconv.encodingExists(encoding)) throw new TableFormatError(`unknown text encoding "${encoding}"`)
  return encoding
}

/**
 * UTF-8 when the bytes are valid UTF-8, else Windows-1252 (what German Excel's "CSV (Trennzeichen-
 * getrennt)" writes). Only the 64 KiB from the first non-ASCII byte decide: before it both read the same,
 * so a file whose first umlaut sits on line 50,000 is still judged by that umlaut.
 */
export async function guessEncoding(input: TableInput, start: number): Promise<string> {
  const first = await findNonAscii(input, start)
  if (first < 0) return 'utf-8'
  const window = await readBytes(input, first, GUESS_WINDOW_BYTES)
  return isValidUtf8(window, window.length < GUESS_WINDOW_BYTES) ? 'utf-8' : 'windows-1252'
}

/** True when `bytes` are valid UTF-8; unless `complete`, a sequence cut off at the end is not held against it. */
function isValidUtf8(bytes: Uint8Array, complete: boolean): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: !complete })
    return true
  } catch {
    return false
  }
}

/** Decodes a whole (small) piece of bytes, e.g. the sample the delimiter is detected from. */
export function decodeBytes(bytes: Buffer, encoding: string): string {
  return isUtf8(encoding) ? bytes.toString('utf8') : iconv.decode(bytes, encoding)
}

/**
 * Re-encodes a byte stream as UTF-8 chunk by chunk (the CSV parser works on UTF-8 bytes). The iconv-lite
 * decoder keeps a character split across two chunks intact.
 */
export async function* toUtf8(chunks: AsyncIterable<Buffer>, encoding: string): AsyncGenerator<Buffer> {
  if (isUtf8(encoding)) {
    yield* chunks
    return
  }
  // The BOM, if any, was skipped by the caller; stripBOM: false keeps a later U+FEFF as data.
  const decoder = iconv.getDecoder(encoding, { stripBOM: false })
  for await (const chunk of chunks) {
    const text = decoder.write(chunk)
    if (text !== '') yield Buffer.from(text, 'utf8')
  }
  const rest = decoder.end()
  if (rest) yield Buffer.from(rest, 'utf8')
}

function isUtf8(encoding: string): boolean {
  return /^utf-?8$/i.test(encoding)
}
