import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import ExcelJS from 'exceljs'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTable, type TableInput } from './read-table.ts'
import {
  type Cell,
  type CellRows,
  type CsvDialect,
  neutralizeFormula,
  writeCsv,
  writeXlsx,
} from './write-table.ts'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tresor-write-table-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A Writable that keeps what it is given. */
function memorySink() {
  const chunks: Buffer[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk)
      callback()
    },
  })
  return { sink, bytes: () => Buffer.concat(chunks) }
}

async function csvBytes(columns: string[], rows: CellRows, dialect?: CsvDialect): Promise<Buffer> {
  const { sink, bytes } = memorySink()
  await writeCsv(sink, columns, rows, { dialect })
  return bytes()
}

async function xlsxBytes(columns: string[], rows: CellRows, sheetName?: string): Promise<Buffer> {
  const { sink, bytes } = memorySink()
  await writeXlsx(sink, columns, rows, { sheetName })
  return bytes()
}

/** Header and rows of a table, the rows as cell arrays in header order. */
async function readBack(input: TableInput) {
  const table = await openTable(input)
  const rows: string[][] = []
  for await (const row of table.rows) {
    expect(row.problem).toBeUndefined()
    rows.push(table.source.headers.map((name) => row.cells[name] ?? '(missing)'))
  }
  return { source: table.source, rows }
}

const FORMULA_STARTS = ['=', '+', '-', '@', '＝', '＋', '－', '＠']

/** The test's own statement of which leading characters a spreadsheet may skip. */
function isSkippable(char: string): boolean {
  const code = char.codePointAt(0) ?? 0
  return code <= 0x20 || (code >= 0x7f && code <= 0xa0) || /^[\s\p{Zs}\p{Zl}\p{Zp}\p{Cf}]$/u.test(char)
}

function needsNeutralising(value: string): boolean {
  if (value.startsWith('\t') || value.startsWith('\r')) return true
  const visible = [...value].find((char) => !isSkippable(char))
  return visible !== undefined && FORMULA_STARTS.includes(visible)
}

// Strings rich in what matters here: formula starts, invisible characters, quotes, delimiters, line breaks.
const tricky = fc.string({
  maxLength: 12,
  unit: fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(...FORMULA_STARTS, "'", '"', ',', ';', '|', 'a', 'ä', '€', '😀', '1'),
    },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '\t',
        '\r',
        '\n',
        '\r\n',
        ' ',
        '\u0000',
        '\u001f',
        '\u007f',
        '\u0085',
        '\u00a0',
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('\u2003', '\u200b', '\u202e', '\u2060', '\u3000', '\ufeff', '\u00ad'),
    },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  ),
})

describe('neutralizeFormula', () => {
  it('prefixes what a spreadsheet would run as a formula', () => {
    for (const value of [
      '=1+1',
      '+49 30 1234567',
      '-5',
      '@SUM(A1)',
      ' =cmd',
      '\u00a0=cmd',
      '\ufeff=cmd',
      '\u200b=cmd',
      '\u0000\u0085=cmd',
      '\n\t+1',
      '＝1+1',
      '－1',
      '\tanything',
      '\ranything',
    ]) {
      expect(neutralizeFormula(value), JSON.stringify(value)).toBe(`'${value}`)
    }
  })

  it('leaves everything else alone', () => {
    for (const value of ['', 'Müller', 'a=b', "'=already", '1-2', 'x@example.org', '\nline', ' ', '5']) {
      expect(neutralizeFormula(value), JSON.stringify(value)).toBe(value)
    }
  })

  it('property: the result never starts with a formula after invisible characters, unless it starts with an apostrophe', () => {
    fc.assert(
      fc.property(tricky, (value) => {
        const result = neutralizeFormula(value)
        expect(result.startsWith("'") || !needsNeutralising(result)).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })

  it('property: identity on strings that need nothing, one apostrophe on the others, idempotent', () => {
    fc.assert(
      fc.property(tricky, (value) => {
        const result = neutralizeFormula(value)
        expect(result).toBe(needsNeutralising(value) ? `'${value}` : value)
        expect(neutralizeFormula(result)).toBe(result)
      }),
      { numRuns: 2000 },
    )
  })
})

const columns = ['Name', 'Betrag', 'Aktiv', 'Datum', 'Zeit', 'Leer', '=Spalte']
const rows: Cell[][] = [
  [
    '=HYPERLINK("x")',
    -12.5,
    true,
    new Date(Date.UTC(2024, 1, 29)),
    new Date(Date.UTC(2024, 1, 29, 13, 45, 7, 120)),
    null,
    'a;b',
  ],
  ['Zeile\nzwei', Number.NaN, false, new Date(Number.NaN), Number.POSITIVE_INFINITY, '', 'say "hi"'],
  ['Müller, Jürgen', 1234567.891, false, new Date(Date.UTC(1999, 11, 31)), 0, ' ', '+49 30 1234567'],
]
/** What `rows` read back as, in both formats. */
const rowsAsText = [
  ['\'=HYPERLINK("x")', '-12.5', 'true', '2024-02-29', '2024-02-29T13:45:07.120Z', '', 'a;b'],
  ['Zeile\nzwei', '', 'false', '', '', '', 'say "hi"'],
  ['Müller, Jürgen', '1234567.891', 'false', '1999-12-31', '0', ' ', "'+49 30 1234567"],
]

describe('writeCsv', () => {
  it('writes the excel-de dialect: UTF-8 BOM, semicolons, CRLF, quoting only where needed', async () => {
    const bytes = await csvBytes(columns, rows.slice(0, 2))
    expect(bytes.toString('utf8')).toBe(
      "\ufeffName;Betrag;Aktiv;Datum;Zeit;Leer;'=Spalte\r\n" +
        '"\'=HYPERLINK(""x"")";-12.5;true;2024-02-29;2024-02-29T13:45:07.120Z;;"a;b"\r\n' +
        '"Zeile\nzwei";;false;;;;"say ""hi"""\r\n',
    )
  })

  it('writes the rfc4180 dialect: no BOM, commas, CRLF', async () => {
    const bytes = await csvBytes(
      ['a', 'b'],
      [
        ['x,y', 1],
        ['a;b', -0.5],
      ],
      'rfc4180',
    )
    expect(bytes.toString('utf8')).toBe('a,b\r\n"x,y",1\r\na;b,-0.5\r\n')
  })

  it('quotes a field holding a lone CR or LF, so it cannot split the record', async () => {
    const bytes = await csvBytes(['a', 'b'], [['1\r2', '3\n4']], 'rfc4180')
    expect(bytes.toString('utf8')).toBe('a,b\r\n"1\r2","3\n4"\r\n')
  })

  it('rejects a row that does not match the columns', async () => {
    await expect(csvBytes(['a', 'b'], [['1', '2'], ['3']])).rejects.toThrow(
      'export row 2 has 1 cells, but there are 2 columns',
    )
  })

  for (const dialect of ['excel-de', 'rfc4180'] as const) {
    it(`round-trips through openTable (${dialect})`, async () => {
      const { source, rows: read } = await readBack({ bytes: await csvBytes(columns, rows, dialect) })
      expect(source).toMatchObject({ encoding: 'utf-8', delimiter: dialect === 'excel-de' ? ';' : ',' })
      expect(source.headers).toEqual(['Name', 'Betrag', 'Aktiv', 'Datum', 'Zeit', 'Leer', "'=Spalte"])
      expect(read).toEqual(rowsAsText)
    })
  }

  it('property: any table of strings round-trips as its neutralised values (rfc4180)', async () => {
    const headerName = fc.stringMatching(/^[A-Za-zÄÖÜäöüß][A-Za-z0-9_ÄÖÜäöüß]{0,8}$/)
    const table = fc
      .integer({ min: 2, max: 5 })
      .chain((width) =>
        fc.tuple(
          fc.uniqueArray(headerName, { minLength: width, maxLength: width }),
          fc.array(fc.array(tricky, { minLength: width, maxLength: width }), { maxLength: 15 }),
        ),
      )
    await fc.assert(
      fc.asyncProperty(table, async ([header, body]) => {
        const { source, rows: read } = await readBack({ bytes: await csvBytes(header, body, 'rfc4180') })
        expect(source.headers).toEqual(header)
        // A row whose cells are all empty or whitespace carries no data and is skipped by the reader.
        const expected = body
          .map((row) => row.map(neutralizeFormula))
          .filter((row) => !row.every((cell) => cell.trim() === ''))
        expect(read).toEqual(expected)
      }),
      { numRuns: 300 },
    )
  })
})

describe('writeXlsx', () => {
  it('round-trips through openTable', async () => {
    const bytes = await xlsxBytes(columns, rows, 'Kunden')
    const { source, rows: read } = await readBack({ bytes })
    expect(source).toMatchObject({ format: 'xlsx', sheet: 'Kunden' })
    expect(source.headers).toEqual(['Name', 'Betrag', 'Aktiv', 'Datum', 'Zeit', 'Leer', "'=Spalte"])
    expect(read).toEqual(rowsAsText)
  })

  it('writes typed cells under a bold, frozen header', async () => {
    const workbook = new ExcelJS.Workbook()
    // exceljs types load()'s argument as an ArrayBuffer; a copy gives one of exactly the right size.
    await workbook.xlsx.load(Uint8Array.from(await xlsxBytes(columns, rows)).buffer)
    const sheet = workbook.getWorksheet('Export')
    expect(sheet?.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 })
    expect(sheet?.getCell('A1').font?.bold).toBe(true)
    expect(sheet?.getCell('A2').value).toBe('\'=HYPERLINK("x")')
    expect(sheet?.getCell('B2').value).toBe(-12.5)
    expect(sheet?.getCell('C2').value).toBe(true)
    expect(sheet?.getCell('D2').value).toEqual(new Date(Date.UTC(2024, 1, 29)))
    expect(sheet?.getCell('E2').value).toEqual(new Date(Date.UTC(2024, 1, 29, 13, 45, 7, 120)))
    expect(sheet?.getCell('E2').numFmt).toBe('yyyy-mm-dd hh:mm:ss')
    expect(sheet?.getCell('B3').value).toBeNull() // NaN
  })

  it('loses the control characters XML cannot hold (exceljs drops them) and keeps tab and LF', async () => {
    const { rows: read } = await readBack({ bytes: await xlsxBytes(['a'], [['x\u0001y\u000bz\tq\nr']]) })
    expect(read).toEqual([['xyz\tq\nr']])
  })

  it('rejects a row that does not match the columns and destroys the output', async () => {
    const { sink } = memorySink()
    await expect(writeXlsx(sink, ['a', 'b'], [['1', '2', '3']])).rejects.toThrow(
      'export row 1 has 3 cells, but there are 2 columns',
    )
    expect(sink.destroyed).toBe(true)
  })
})

describe('streaming', () => {
  /** A Writable that takes nothing until released, and the count of rows pulled from the source meanwhile. */
  async function pulledWhileBlocked(write: (out: Writable, rows: Iterable<Cell[]>) => Promise<void>) {
    let release = () => {}
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    let received = 0
    const out = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        received += chunk.length
        void released.then(() => callback())
      },
    })
    const total = 20_000
    let pulled = 0
    function* source(): Generator<Cell[]> {
      // Random text: incompressible, so the zip of the XLSX writer cannot hide a backlog by shrinking it.
      for (let i = 0; i < total; i++, pulled++) yield [i, randomBytes(750).toString('base64')]
    }
    const done = write(out, source())
    for (let last = -1; last !== pulled; ) {
      last = pulled
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    const pulledBlocked = pulled
    release()
    await done
    return { pulledBlocked, total, pulledInTheEnd: pulled, received }
  }

  it('writeCsv stops pulling rows while the output does not take them', async () => {
    const result = await pulledWhileBlocked((out, rows) => writeCsv(out, ['id', 'text'], rows))
    expect(result.pulledBlocked).toBeLessThan(result.total / 10)
    expect(result.pulledInTheEnd).toBe(result.total)
    expect(result.received).toBeGreaterThan(result.total * 1000)
  })

  it('writeXlsx stops pulling rows while the output does not take them', async () => {
    const result = await pulledWhileBlocked((out, rows) => writeXlsx(out, ['id', 'text'], rows))
    expect(result.pulledBlocked).toBeLessThan(result.total / 2)
    expect(result.pulledInTheEnd).toBe(result.total)
    expect(result.received).toBeGreaterThan(result.total * 750)
  })

  it('writes and reads back 200,000 CSV rows in bounded memory', async () => {
    const count = 200_000
    const file = path.join(dir, 'large.csv')
    const before = process.memoryUsage().heapUsed
    let peak = before
    const sampleHeap = () => {
      peak = Math.max(peak, process.memoryUsage().heapUsed)
    }
    function* source(): Generator<Cell[]> {
      for (let i = 0; i < count; i++) {
        if (i % 10_000 === 0) sampleHeap()
        yield [
          i,
          `Kundin ${i} Müller`,
          `kundin${i}@example.org`,
          new Date(Date.UTC(2020, 0, 1 + (i % 1000))),
          i / 4,
        ]
      }
    }
    await writeCsv(createWriteStream(file), ['id', 'name', 'email', 'since', 'amount'], source())

    const table = await openTable({ path: file })
    expect(table.source).toMatchObject({ encoding: 'utf-8', delimiter: ';' })
    let read = 0
    let last: Record<string, string> | undefined
    for await (const row of table.rows) {
      expect(row.rowNumber).toBe(read + 2)
      if (++read % 10_000 === 0) sampleHeap()
      last = row.cells
    }
    expect(read).toBe(count)
    expect(last).toEqual({
      id: '199999',
      name: 'Kundin 199999 Müller',
      email: 'kundin199999@example.org',
      since: '2022-09-26',
      amount: '49999.75',
    })
    expect(peak - before).toBeLessThan(150 * 1024 * 1024)
  })
})
