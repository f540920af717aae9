import type { Writable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Waits while exceljs holds more than `limitBytes` of a sheet's XML that the zip has not taken yet.
 *
 * exceljs 4.4 writes a sheet through its own StreamBuf, which hands the XML to the zip entry (an archiver
 * PassThrough) without honouring write()'s return value. When `out` or deflate is slower than the rows
 * come, that entry buffers the whole sheet — we measured the heap growing with the row count. Nothing
 * public reports the backlog, so it is read from those objects; if a later exceljs changes them, the
 * backlog reads 0 and writing falls back to no throttling (the XLSX round-trip tests still pass, the
 * backpressure test fails).
 */
export async function waitForSheetBacklog(
  worksheet: object,
  out: Writable,
  limitBytes: number,
): Promise<void> {
  while (sheetBacklog(worksheet) > limitBytes) {
    if (out.destroyed)
      throw out.errored ?? new Error('the output stream closed before the workbook was complete')
    // Polled: the PassThrough only emits 'drain' when a write returned false, and StreamBuf ignores that.
    await sleep(2)
  }
}

/** Bytes of sheet XML buffered in front of the zip: in the StreamBuf and in the entry it pipes into. */
function sheetBacklog(worksheet: object): number {
  const streamBuf: unknown = Reflect.get(worksheet, 'stream')
  if (typeof streamBuf !== 'object' || streamBuf === null) return 0
  let bytes = 0
  for (const buffer of arrayProperty(streamBuf, 'buffers')) bytes += numberProperty(buffer, 'length')
  for (const pipe of arrayProperty(streamBuf, 'pipes')) {
    const writable: unknown =
      typeof pipe === 'object' && pipe !== null ? Reflect.get(pipe, '_writableState') : undefined
    const readable: unknown =
      typeof pipe === 'object' && pipe !== null ? Reflect.get(pipe, '_readableState') : undefined
    bytes += numberProperty(writable, 'length') + numberProperty(readable, 'length')
  }
  return bytes
}

function arrayProperty(target: object, key: string): unknown[] {
  const value: unknown = Reflect.get(target, key)
  return Array.isArray(value) ? value : []
}

function numberProperty(target: unknown, key: string): number {
  if (typeof target !== 'object' || target === null) return 0
  const value: unknown = Reflect.get(target, key)
  return typeof value === 'number' ? value : 0
}
