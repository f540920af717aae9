import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import type { TableInput, TableRow } from '../spreadsheets/read-table.ts'

/** The columns `cdnowRows` delivers, for the order import. */
export const CDNOW_COLUMNS = {
  orderNumber: 'order_number',
  orderedAt: 'date',
  quantity: 'quantity',
  unitPrice: 'unit_price',
  description: 'description',
  currency: 'currency',
} as const

/**
 * The CDNOW purchase file (`customer_id date number_of_cds dollar_value`, whitespace separated,
 * one header line; see datasets/cdnow/README.md) as order-line rows: one purchase is one order
 * numbered by its line (so a re-run finds it again), of `number_of_cds` CDs in US dollars. When the
 * amount does not divide evenly by the CDs, the last CD takes the remainder (a second line of the
 * same order), so the order total is exactly the purchase's dollar value.
 */
export async function* cdnowRows(input: TableInput): AsyncGenerator<TableRow> {
  const stream = 'path' in input ? createReadStream(input.path) : Readable.from([Buffer.from(input.bytes)])
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })
  let lineNumber = 0
  for await (const line of lines) {
    lineNumber++
    const parts = line.trim().split(/\s+/)
    if (lineNumber === 1 && parts[0] === 'customer_id') continue
    if (parts.length === 1 && parts[0] === '') continue
    const [customer, date, cds, dollars] = parts
    const problem = (reason: string): TableRow => ({ rowNumber: lineNumber, cells: {}, problem: reason })
    if (parts.length !== 4 || !customer || !/^\d+$/.test(customer)) {
      yield problem('is not a line of customer_id date number_of_cds dollar_value')
      continue
    }
    if (!date || !/^\d{8}$/.test(date)) {
      yield problem('date is not YYYYMMDD')
      continue
    }
    const count = Number(cds)
    const cents = Math.round(Number(dollars) * 100)
    if (!Number.isInteger(count) || count < 1 || !Number.isFinite(cents) || cents < 0) {
      yield problem('number_of_cds or dollar_value is not a number')
      continue
    }
    const base = {
      customer_id: customer,
      order_number: `CDNOW-${lineNumber}`,
      date: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`,
      description: 'CD',
      currency: 'USD',
    }
    const each = Math.floor(cents / count)
    const rest = cents - each * count
    const money = (c: number) => (c / 100).toFixed(2)
    if (rest === 0) {
      yield { rowNumber: lineNumber, cells: { ...base, quantity: String(count), unit_price: money(each) } }
    } else {
      if (count > 1)
        yield {
          rowNumber: lineNumber,
          cells: { ...base, quantity: String(count - 1), unit_price: money(each) },
        }
      yield { rowNumber: lineNumber, cells: { ...base, quantity: '1', unit_price: money(each + rest) } }
    }
  }
}
