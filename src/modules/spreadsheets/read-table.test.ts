import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type OpenTableOptions,
  openTable,
  TableFormatError,
  type TableInput,
  type TableRow,
} from './read-table.ts'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tresor-read-table-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

let fileCount = 0
async function fixture(content: Uint8Array | string): Promise<{ path: string }> {
  const file = path.join(dir, `fixture-${++fileCount}`)
  await writeFile(file, content)
  return { path: file }
}

async function readAll(input: TableInput, options?: OpenTableOptions) {
  const table = await openTable(input, options)
  const rows: TableRow[] = []
  for await (const row of table.rows) rows.push(row)
  return { source: table.source, rows }
}

/** Reads rows until the iteration fails; returns what came before and the error. */
async function readUntilError(input: TableInput) {
  const table = await openTable(input)
  const rows: TableRow[] = []
  try {
    for await (const row of table.rows) rows.push(row)
  } catch (error) {
    return { rows, error }
  }
  return { rows, error: undefined }
}

const utf8Bom = (text: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])

describe('openTable on CSV: encodings', () => {
  it('decodes German Excel\'s "CSV (Trennzeichen-getrennt)": Windows-1252 with semicolons', async () => {
    const bytes = iconv.encode(
      'Name;Straße;Betrag\r\nJürgen Öztürk;Große Bleiche 5;12,50 €\r\n',
      'windows-1252',
    )
    expect(bytes.includes(0x80)).toBe(true) // € is 0x80 in Windows-1252
    const { source, rows } = await readAll(await fixture(bytes))
    expect(source).toMatchObject({ format: 'csv', encoding: 'windows-1252', delimiter: ';' })
    expect(source.headers).toEqual(['Name', 'Straße', 'Betrag'])
    expect(rows).toEqual([
      { rowNumber: 2, cells: { Name: 'Jürgen Öztürk', Straße: 'Große Bleiche 5', Betrag: '12,50 €' } },
    ])
  })

  it('judges the encoding by the first non-ASCII bytes even when they come after the first 64 KiB', async () => {
    const ascii = Array.from({ length: 5000 }, (_, i) => `Person ${i};Ort ${i}`).join('\r\n')
    const bytes = iconv.encode(`Name;Ort\r\n${ascii}\r\nMüller;Köln\r\n`, 'windows-1252')
    expect(bytes.length).toBeGreaterThan(64 * 1024)
    const { source, rows } = await readAll(await fixture(bytes))
    expect(source.encoding).toBe('windows-1252')
    expect(rows.at(-1)).toEqual({ rowNumber: 5002, cells: { Name: 'Müller', Ort: 'Köln' } })
  })

  it('reads UTF-8 with BOM and keeps the BOM out of the first header name', async () => {
    const { source, rows } = await readAll(await fixture(utf8Bom('Name;Stadt\r\nZoë;Düsseldorf\r\n')))
    expect(source.encoding).toBe('utf-8')
    expect(source.headers).toEqual(['Name', 'Stadt'])
    expect(rows[0]?.cells).toEqual({ Name: 'Zoë', Stadt: 'Düsseldorf' })
  })

  it('reads UTF-8 without BOM', async () => {
    const { source, rows } = await readAll(
      await fixture(Buffer.from('Name,Stadt\nŁukasz,Gdańsk 🏠\n', 'utf8')),
    )
    expect(source).toMatchObject({ encoding: 'utf-8', delimiter: ',' })
    expect(rows[0]?.cells).toEqual({ Name: 'Łukasz', Stadt: 'Gdańsk 🏠' })
  })

  it('reads Excel\'s "Unicode text": UTF-16LE with BOM and TAB delimiters', async () => {
    const bytes = iconv.encode(
      '\ufeffName\tStadt\tNotiz\r\nÄnne\tMünchen\t"Zeile 1\r\nZeile 2"\r\nBo\tΑθήνα\tok\r\n',
      'utf-16le',
    )
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe])
    const { source, rows } = await readAll(await fixture(bytes))
    expect(source).toMatchObject({
      encoding: 'utf-16le',
      delimiter: '\t',
      headers: ['Name', 'Stadt', 'Notiz'],
    })
    expect(rows).toEqual([
      { rowNumber: 2, cells: { Name: 'Änne', Stadt: 'München', Notiz: 'Zeile 1\r\nZeile 2' } },
      { rowNumber: 4, cells: { Name: 'Bo', Stadt: 'Αθήνα', Notiz: 'ok' } },
    ])
  })

  it('reads UTF-16BE with BOM', async () => {
    const bytes = iconv.encode('\ufeffa;b\r\nß;€\r\n', 'utf-16be')
    const { source, rows } = await readAll(await fixture(bytes))
    expect(source.encoding).toBe('utf-16be')
    expect(rows[0]?.cells).toEqual({ a: 'ß', b: '€' })
  })

  it('decodes characters split across read chunks and keeps line numbers over many chunks', async () => {
    const lines = Array.from({ length: 8000 }, (_, i) => `Grüße ${i};"Straße\r\n${i}";€${i}`)
    const text = `Name;Adresse;Betrag\r\n${lines.join('\r\n')}\r\n`
    for (const encoding of ['utf-8', 'windows-1252', 'utf-16le']) {
      const bytes =
        encoding === 'utf-16le' ? iconv.encode(`\ufeff${text}`, encoding) : iconv.encode(text, encoding)
      expect(bytes.length).toBeGreaterThan(3 * 64 * 1024)
      const { source, rows } = await readAll(await fixture(bytes))
      expect(source.encoding).toBe(encoding)
      expect(rows).toHaveLength(8000)
      rows.forEach((row, i) => {
        expect(row).toEqual({
          rowNumber: 2 + 2 * i,
          cells: { Name: `Grüße ${i}`, Adresse: `Straße\r\n${i}`, Betrag: `€${i}` },
        })
      })
    }
  })

  it('uses the encoding option for files without BOM, and a BOM over the option', async () => {
    const latin = iconv.encode('a;b\r\nä;ö\r\n', 'windows-1252')
    expect((await readAll({ bytes: latin }, { encoding: 'latin1' })).rows[0]?.cells).toEqual({
      a: 'ä',
      b: 'ö',
    })
    const withBom = utf8Bom('a;b\r\nä;ö\r\n')
    const { source, rows } = await readAll({ bytes: withBom }, { encoding: 'windows-1252' })
    expect(source.encoding).toBe('utf-8')
    expect(rows[0]?.cells).toEqual({ a: 'ä', b: 'ö' })
  })

  it('rejects an unknown encoding name', async () => {
    await expect(openTable({ bytes: Buffer.from('a;b\n') }, { encoding: 'klingon-8' })).rejects.toThrow(
      /unknown text encoding "klingon-8"/,
    )
  })
})

describe('openTable on CSV: delimiters and quoting', () => {
  it('detects comma, pipe and tab, and prefers ; when commas are decimal separators', async () => {
    expect((await readAll({ bytes: Buffer.from('a,b,c\n1,2,3\n') })).source.delimiter).toBe(',')
    expect((await readAll({ bytes: Buffer.from('a|b\n1|2\n') })).rows[0]?.cells).toEqual({ a: '1', b: '2' })
    expect((await readAll({ bytes: Buffer.from('a\tb\n1\t2\n') })).source.delimiter).toBe('\t')
    const german = await readAll({ bytes: Buffer.from('Name;Betrag\nA;1,5\nB;2,75\n') })
    expect(german.source.delimiter).toBe(';')
    expect(german.rows[1]?.cells).toEqual({ Name: 'B', Betrag: '2,75' })
  })

  it('ignores delimiters inside quotes when detecting', async () => {
    const { source, rows } = await readAll({
      bytes: Buffer.from('"Name, Vorname";Ort\n"Muster, Max";"A;B"\n'),
    })
    expect(source.delimiter).toBe(';')
    expect(rows[0]?.cells).toEqual({ 'Name, Vorname': 'Muster, Max', Ort: 'A;B' })
  })

  it("follows Excel's sep= line and the delimiter option", async () => {
    const declared = await readAll({ bytes: Buffer.from('sep=|\r\na|b;c\r\n1|2;3\r\n') })
    expect(declared.source).toMatchObject({ delimiter: '|', headers: ['a', 'b;c'], headerRowNumber: 2 })
    expect(declared.rows).toEqual([{ rowNumber: 3, cells: { a: '1', 'b;c': '2;3' } }])
    const forced = await readAll({ bytes: Buffer.from('a;b,c\n1;2,3\n') }, { delimiter: ',' })
    expect(forced.source.headers).toEqual(['a;b', 'c'])
  })

  it('reads quoted delimiters, doubled quotes and line breaks in fields, with CRLF', async () => {
    const text =
      'id;text;more\r\n1;"a;b";"say ""hi"""\r\n2;"line 1\r\nline 2\nline 3";x\r\n3;"";" padded "\r\n'
    const { rows } = await readAll({ bytes: Buffer.from(text) })
    expect(rows).toEqual([
      { rowNumber: 2, cells: { id: '1', text: 'a;b', more: 'say "hi"' } },
      { rowNumber: 3, cells: { id: '2', text: 'line 1\r\nline 2\nline 3', more: 'x' } },
      { rowNumber: 6, cells: { id: '3', text: '', more: ' padded ' } },
    ])
  })

  it('reads LF and old-Mac CR line endings alike', async () => {
    for (const eol of ['\n', '\r', '\r\n']) {
      const { rows } = await readAll({ bytes: Buffer.from(['a;b', '1;2', '3;4'].join(eol) + eol) })
      expect(rows).toEqual([
        { rowNumber: 2, cells: { a: '1', b: '2' } },
        { rowNumber: 3, cells: { a: '3', b: '4' } },
      ])
    }
  })

  it('skips empty and all-empty lines but counts them in the row numbers', async () => {
    const text = '\r\n\r\nName;Ort\r\n\r\nA;B\r\n;\r\n  ;\t\r\n\r\nC;D'
    const { source, rows } = await readAll({ bytes: Buffer.from(text) })
    expect(source.headerRowNumber).toBe(3)
    expect(rows).toEqual([
      { rowNumber: 5, cells: { Name: 'A', Ort: 'B' } },
      { rowNumber: 9, cells: { Name: 'C', Ort: 'D' } },
    ])
  })

  it('trims header names but not values', async () => {
    const { source, rows } = await readAll({ bytes: Buffer.from(' Name ;\tOrt\n  A ; B\t\n') })
    expect(source.headers).toEqual(['Name', 'Ort'])
    expect(rows[0]?.cells).toEqual({ Name: '  A ', Ort: ' B\t' })
  })

  it('reads a path and the same bytes in memory alike', async () => {
    const bytes = iconv.encode('a;b\r\nä;"x\r\ny"\r\n', 'windows-1252')
    expect(await readAll({ bytes })).toEqual(await readAll(await fixture(bytes)))
  })

  it('keeps a column named __proto__ an ordinary key', async () => {
    const { rows } = await readAll({ bytes: Buffer.from('__proto__;b\nx;y\n') })
    expect(Object.keys(rows[0]?.cells ?? {})).toEqual(['__proto__', 'b'])
    expect(Object.getOwnPropertyDescriptor(rows[0]?.cells, '__proto__')?.value).toBe('x')
    expect(Object.getPrototypeOf(rows[0]?.cells)).toBe(Object.prototype)
  })
})

describe('openTable on CSV: bad rows and bad files', () => {
  it('reports short and long rows and goes on with the following rows', async () => {
    const text = 'a;b;c\n1;2;3\n4;5\n6;7;8;9;10\n"multi\nline";x\n11;12;13\n'
    const { rows } = await readAll({ bytes: Buffer.from(text) })
    expect(rows).toEqual([
      { rowNumber: 2, cells: { a: '1', b: '2', c: '3' } },
      { rowNumber: 3, cells: { a: '4', b: '5', c: '' }, problem: 'row has 2 cells, the header has 3' },
      { rowNumber: 4, cells: { a: '6', b: '7', c: '8' }, problem: 'row has 5 cells, the header has 3' },
      {
        rowNumber: 5,
        cells: { a: 'multi\nline', b: 'x', c: '' },
        problem: 'row has 2 cells, the header has 3',
      },
      { rowNumber: 7, cells: { a: '11', b: '12', c: '13' } },
    ])
  })

  it("accepts Excel's trailing separators: empty columns after the header's last name, and empty cells beyond it", async () => {
    const text = 'Name;Ort;;\r\nAnna;Berlin;;\r\nBen;Köln\r\nCara;Essen;;x\r\n'
    const { source, rows } = await readAll({ bytes: Buffer.from(text) })
    expect(source.headers).toEqual(['Name', 'Ort'])
    expect(rows).toEqual([
      { rowNumber: 2, cells: { Name: 'Anna', Ort: 'Berlin' } },
      { rowNumber: 3, cells: { Name: 'Ben', Ort: 'Köln' } },
      { rowNumber: 4, cells: { Name: 'Cara', Ort: 'Essen' }, problem: 'row has 4 cells, the header has 2' },
    ])
  })

  it('rejects a header with a duplicate name, naming the columns', async () => {
    const error = await openTable({ bytes: Buffer.from('Name;E-Mail;Ort;E-Mail \n1;2;3;4\n') }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(TableFormatError)
    expect(error).toMatchObject({
      message: 'the header names "E-Mail" twice, in column 2 (B) and column 4 (D)',
      rowNumber: 1,
    })
  })

  it('rejects a header with an empty name, naming the column', async () => {
    await expect(openTable({ bytes: Buffer.from('\nName;  ;Ort\n1;2;3\n') })).rejects.toMatchObject({
      name: 'TableFormatError',
      message: 'the header has no name in column 2 (B)',
      rowNumber: 2,
    })
  })

  it('rejects a file without a header row', async () => {
    await expect(openTable({ bytes: Buffer.from('\r\n;;\r\n\r\n') })).rejects.toThrow(
      'the file has no header row',
    )
    await expect(openTable({ bytes: new Uint8Array() })).rejects.toThrow('the file has no header row')
  })

  it('reports a record with a quote inside an unquoted field (Excel users type =HYPERLINK("…","…")) and keeps every other row', async () => {
    const semicolons = 'a;b;c\n1;"two\nlines";3\n4;=HYPERLINK("http://x","y");6\n7;8;9\n'
    expect((await readAll({ bytes: Buffer.from(semicolons) })).rows).toEqual([
      { rowNumber: 2, cells: { a: '1', b: 'two\nlines', c: '3' } },
      {
        rowNumber: 4,
        cells: { a: '', b: '', c: '' },
        problem:
          'CSV syntax error: a quote appears inside a field that does not start with one in column 2 (B)',
      },
      { rowNumber: 5, cells: { a: '7', b: '8', c: '9' } },
    ])
    // With commas the formula's own comma starts a quoted field that never closes properly: the
    // lines after it are still read as records of their own, not swallowed into it.
    const commas = 'a,b,c\r\n1,=HYPERLINK("http://x","y"),3\r\n4,5,6\r\n7,"8",9\r\n'
    const { rows } = await readAll({ bytes: Buffer.from(commas) })
    expect(rows.map((row) => [row.rowNumber, row.problem === undefined ? row.cells : 'problem'])).toEqual([
      [2, 'problem'],
      [3, { a: '4', b: '5', c: '6' }],
      [4, { a: '7', b: '8', c: '9' }],
    ])
    // The reason names where, never what: the field's value stays out of it.
    expect(JSON.stringify(rows)).not.toContain('HYPERLINK')
  })

  it('reports a record whose quote never closes and reads the lines after it as records', async () => {
    const { rows } = await readAll({ bytes: Buffer.from('a;b\r\n1;2\r\n3;"open\r\n\r\n5;6\r\n7;8\r\n') })
    expect(rows).toEqual([
      { rowNumber: 2, cells: { a: '1', b: '2' } },
      {
        rowNumber: 3,
        cells: { a: '', b: '' },
        problem: 'CSV syntax error: a quoted field is never closed',
      },
      { rowNumber: 5, cells: { a: '5', b: '6' } },
      { rowNumber: 6, cells: { a: '7', b: '8' } },
    ])
    // closed too late: a quote that ends a field further down, followed by more text
    const late = await readAll({ bytes: Buffer.from('a;b\n1;"Müller" GmbH\n3;4\n5;"6"x\n7;8\n') })
    expect(late.rows.map((row) => [row.rowNumber, row.problem ?? row.cells])).toEqual([
      [2, 'CSV syntax error: a closing quote is followed by other characters in column 2 (B)'],
      [3, { a: '3', b: '4' }],
      [4, 'CSV syntax error: a closing quote is followed by other characters in column 2 (B)'],
      [5, { a: '7', b: '8' }],
    ])
  })

  it('keeps line numbers right after a malformed record wherever the read chunks end', async () => {
    const cases = [
      [';y"z', 'a quote appears inside a field that does not start with one in column 2 (B)'],
      [';"y', 'a closing quote is followed by other characters in column 2 (B)'],
    ] as const
    for (const [bad, reason] of cases) {
      // The CR of the malformed line lands on the last byte of the first 64 KiB chunk, or near it.
      for (const shift of [-3, -2, -1, 0, 1, 2]) {
        const filler = `a;b\r\n${'1;2\r\n'.repeat(13_000)}`
        const pad = 'x'.repeat(65_535 - filler.length - bad.length + shift)
        const text = `${filler}${pad}${bad}\r\n4;"5"\r\n\r\n6;7\r\n`
        const { rows } = await readAll(await fixture(text))
        expect(rows.slice(-3), `${bad} shifted by ${shift}`).toEqual([
          { rowNumber: 13_002, cells: { a: '', b: '' }, problem: `CSV syntax error: ${reason}` },
          { rowNumber: 13_003, cells: { a: '4', b: '5' } },
          { rowNumber: 13_005, cells: { a: '6', b: '7' } },
        ])
        expect(rows).toHaveLength(13_003)
      }
    }
  })

  it('reports a record longer than 8 MiB (a quote that is never closed) instead of reading the file into one field', async () => {
    const text = `a;b\n1;2\n3;"open\n${'x;'.repeat(4_500_000)}\n5;6\n`
    const { rows } = await readAll({ bytes: Buffer.from(text) })
    expect(rows.map((row) => [row.rowNumber, row.problem ?? row.cells])).toEqual([
      [2, { a: '1', b: '2' }],
      [3, 'CSV syntax error: the record is longer than 8 MiB, probably a quote that is never closed'],
      // the line after it is read as a record again: too long for the header, not for the reader
      [4, 'row has 4500001 cells, the header has 2'],
      [5, { a: '5', b: '6' }],
    ])
  })

  it('still refuses a file whose header is not valid CSV, and one that is hardly CSV at all', async () => {
    await expect(openTable({ bytes: Buffer.from('a;b"c\n1;2\n') })).rejects.toMatchObject({
      name: 'TableFormatError',
      rowNumber: 1,
      message:
        'CSV syntax error in the record starting at line 1: a quote appears inside a field that does not start with one in column 2 (B)',
    })
    const { rows, error } = await readUntilError({
      bytes: Buffer.from(`a;b\n${'1;x"y\n'.repeat(1_001)}`),
    })
    expect(rows).toHaveLength(1_000)
    expect(error).toMatchObject({
      name: 'TableFormatError',
      message: expect.stringContaining('more than 1,000 records are not valid CSV'),
    })
  })

  it('recognises an old .xls file instead of reading it as text', async () => {
    const xls = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0])
    await expect(openTable({ bytes: xls })).rejects.toThrow(/old Excel \.xls file/)
  })

  it('stops reading when closed before the end', async () => {
    const text = `a;b\n${Array.from({ length: 50_000 }, (_, i) => `${i};x`).join('\n')}\n`
    const table = await openTable(await fixture(text))
    const first = await table.rows.next()
    expect(first.value).toEqual({ rowNumber: 2, cells: { a: '0', b: 'x' } })
    await table.close()
    expect(await table.rows.next()).toEqual({ done: true, value: undefined })
  })
})

describe('openTable on XLSX', () => {
  async function workbookFile(build: (workbook: ExcelJS.Workbook) => void): Promise<{ path: string }> {
    const workbook = new ExcelJS.Workbook()
    build(workbook)
    const file = path.join(dir, `workbook-${++fileCount}.xlsx`)
    await workbook.xlsx.writeFile(file)
    return { path: file }
  }

  it('converts every kind of cell to text, with Excel row numbers, skipping empty rows', async () => {
    const input = await workbookFile((workbook) => {
      const sheet = workbook.addWorksheet('Kunden')
      sheet.getCell('A3').value = ' Name '
      sheet.getCell('B3').value = 'Betrag'
      sheet.getCell('C3').value = 'Datum'
      sheet.getCell('D3').value = 'Aktiv'
      sheet.getCell('E3').value = 'Formel'
      sheet.getCell('F3').value = 'Web'
      sheet.getCell('G3').value = 'Notiz'
      sheet.getRow(4).values = [
        'Jürgen',
        1234.5,
        new Date(Date.UTC(2024, 1, 29)),
        true,
        { formula: 'B4*2', result: 2469 },
        { text: 'Tresor', hyperlink: 'https://example.org' },
        { richText: [{ text: 'fett ' }, { font: { bold: true }, text: 'und kursiv' }] },
      ]
      sheet.getRow(6).values = [
        'Zoë',
        -0.25,
        new Date(Date.UTC(2024, 2, 1, 13, 45, 30)),
        false,
        { formula: 'A6&"!"', result: 'Zoë!' },
        { error: '#N/A' },
        { formula: '1/0', result: { error: '#DIV/0!' } },
      ]
      sheet.getCell('A7').style = { font: { bold: true } } // styled but empty: still an empty row
    })
    const { source, rows } = await readAll(input)
    expect(source).toEqual({
      format: 'xlsx',
      sheet: 'Kunden',
      headers: ['Name', 'Betrag', 'Datum', 'Aktiv', 'Formel', 'Web', 'Notiz'],
      headerRowNumber: 3,
    })
    expect(rows).toEqual([
      {
        rowNumber: 4,
        cells: {
          Name: 'Jürgen',
          Betrag: '1234.5',
          Datum: '2024-02-29',
          Aktiv: 'true',
          Formel: '2469',
          Web: 'Tresor',
          Notiz: 'fett und kursiv',
        },
      },
      {
        rowNumber: 6,
        cells: {
          Name: 'Zoë',
          Betrag: '-0.25',
          Datum: '2024-03-01T13:45:30.000Z',
          Aktiv: 'false',
          Formel: 'Zoë!',
          Web: '',
          Notiz: '',
        },
      },
    ])
  })

  it("reads a date-formatted formula result as a date, not as Excel's serial number", async () => {
    const input = await workbookFile((workbook) => {
      const sheet = workbook.addWorksheet('Termine')
      sheet.addRow(['Start', 'Ende'])
      sheet.addRow([
        new Date(Date.UTC(2024, 0, 31)),
        { formula: 'A2+30', result: new Date(Date.UTC(2024, 2, 1)) },
      ])
      sheet.getCell('B2').numFmt = 'dd.mm.yyyy'
    })
    expect((await readAll(input)).rows[0]?.cells).toEqual({ Start: '2024-01-31', Ende: '2024-03-01' })
  })

  it("reads a formula's boolean result as 1 or 0 (exceljs's streaming reader drops the type)", async () => {
    const input = await workbookFile((workbook) => {
      workbook.addWorksheet('x').addRows([['ok'], [{ formula: '1=1', result: true }]])
    })
    expect((await readAll(input)).rows[0]?.cells).toEqual({ ok: '1' })
  })

  it('reads the first sheet, or the one named', async () => {
    const input = await workbookFile((workbook) => {
      workbook.addWorksheet('Hinweise').addRows([['Hinweis'], ['bitte Blatt Kunden nehmen']])
      workbook.addWorksheet('Kunden').addRows([['Name'], ['A'], ['B']])
    })
    const first = await readAll(input)
    expect(first.source).toMatchObject({ sheet: 'Hinweise', headers: ['Hinweis'] })
    const named = await readAll(input, { sheet: 'Kunden' })
    expect(named.source).toMatchObject({ sheet: 'Kunden', headers: ['Name'] })
    expect(named.rows.map((row) => row.cells.Name)).toEqual(['A', 'B'])
    await expect(openTable(input, { sheet: 'Bestellungen' })).rejects.toThrow(
      'the workbook has no sheet named "Bestellungen" (it has "Hinweise", "Kunden")',
    )
  })

  it("takes the first sheet in tab order, not the zip's file order", async () => {
    const file = path.join(dir, `workbook-${++fileCount}.xlsx`)
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: createWriteStream(file) })
    const second = workbook.addWorksheet('Zweites') // xl/worksheets/sheet1.xml, first in the zip
    const first = workbook.addWorksheet('Erstes')
    second.addRow(['b']).commit()
    first.addRow(['a']).commit()
    // Tab order follows the writer's internal sheet list; swapping it puts sheet2.xml first in workbook.xml,
    // as Excel does after a user drags a tab to the front.
    Reflect.set(workbook, '_worksheets', Object.assign([], { 1: first, 2: second }))
    await workbook.commit()
    expect((await readAll({ path: file })).source).toMatchObject({ sheet: 'Erstes', headers: ['a'] })
  })

  it('reports a value right of the header and rejects gaps in the header', async () => {
    const input = await workbookFile((workbook) => {
      workbook.addWorksheet('x').addRows([
        ['a', 'b'],
        ['1', '2', 'stray'],
        ['3', '4', '  '],
      ])
    })
    expect((await readAll(input)).rows).toEqual([
      {
        rowNumber: 2,
        cells: { a: '1', b: '2' },
        problem: "row has a value in column C, right of the header's last column (B)",
      },
      { rowNumber: 3, cells: { a: '3', b: '4' } },
    ])
    const gap = await workbookFile((workbook) => {
      workbook.addWorksheet('x').addRows([['a', null, 'c']])
    })
    await expect(openTable(gap)).rejects.toThrow('the header has no name in column B')
  })

  it('reads a workbook given as bytes', async () => {
    const workbook = new ExcelJS.Workbook()
    workbook.addWorksheet('x').addRows([['n'], [42]])
    const bytes = new Uint8Array(await workbook.xlsx.writeBuffer())
    expect((await readAll({ bytes })).rows).toEqual([{ rowNumber: 2, cells: { n: '42' } }])
  })

  it('rejects a damaged workbook without quoting its content', async () => {
    const bytes = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(200, 0x41)])
    await expect(openTable({ bytes })).rejects.toThrow('the file is damaged or not an XLSX workbook')
  })
})
