/**
 * What an import file's columns can mean, per kind, and the header names (German and English, as
 * office users write them) that map to each field without an explicit mapping.
 */
export const IMPORT_KINDS = ['subjects', 'events', 'orders'] as const
export type ImportKind = (typeof IMPORT_KINDS)[number]

export const SUBJECT_IMPORT_FIELDS = {
  firstName: ['vorname', 'firstname', 'first name', 'given name', 'rufname'],
  lastName: ['nachname', 'lastname', 'last name', 'surname', 'familienname', 'name'],
  email: ['e-mail', 'email', 'mail', 'e-mail-adresse', 'emailadresse', 'email address'],
  phone: ['telefon', 'phone', 'tel', 'telefonnummer', 'mobil', 'handy', 'mobile'],
  street: ['straße', 'strasse', 'street', 'anschrift', 'adresse', 'address'],
  postalCode: ['plz', 'postleitzahl', 'zip', 'postal code', 'postcode'],
  city: ['ort', 'stadt', 'city', 'wohnort'],
  countryCode: ['land', 'country', 'ländercode', 'country code'],
  birthDate: ['geburtsdatum', 'birth date', 'birthdate', 'birthday', 'geburtstag'],
  kinds: ['art', 'typ', 'kind', 'kinds', 'kontaktart'],
  gender: ['geschlecht', 'gender'],
  ageBand: ['altersgruppe', 'age band', 'ageband'],
  region: ['region'],
} as const satisfies Record<string, readonly string[]>

export const EVENT_IMPORT_FIELDS = {
  subjectId: ['subject id', 'subjectid', 'kontakt-id', 'id'],
  email: ['e-mail', 'email', 'mail'],
  type: ['typ', 'type', 'ereignis', 'event'],
  occurredAt: ['zeitpunkt', 'datum', 'occurred at', 'occurredat', 'timestamp', 'time', 'date'],
  channel: ['kanal', 'channel'],
  purpose: ['zweck', 'purpose'],
  externalId: ['externe id', 'external id', 'externalid', 'event id'],
} as const satisfies Record<string, readonly string[]>

export const ORDER_IMPORT_FIELDS = {
  subjectId: ['subject id', 'subjectid', 'kontakt-id'],
  email: ['e-mail', 'email', 'mail'],
  orderNumber: ['bestellnummer', 'auftragsnummer', 'order number', 'ordernumber', 'order'],
  orderedAt: ['bestelldatum', 'datum', 'order date', 'ordered at', 'orderedat', 'date'],
  sku: ['artikelnummer', 'sku', 'art.-nr.', 'artnr'],
  description: ['bezeichnung', 'artikel', 'description', 'product', 'produkt'],
  quantity: ['menge', 'anzahl', 'quantity', 'qty'],
  unitPrice: ['einzelpreis', 'preis', 'unit price', 'price'],
  currency: ['währung', 'waehrung', 'currency'],
  paymentMethod: ['zahlungsart', 'payment method', 'payment'],
  status: ['status'],
} as const satisfies Record<string, readonly string[]>

export const FIELDS_OF: Record<ImportKind, Record<string, readonly string[]>> = {
  subjects: SUBJECT_IMPORT_FIELDS,
  events: EVENT_IMPORT_FIELDS,
  orders: ORDER_IMPORT_FIELDS,
}

export const normaliseHeader = (name: string) =>
  name
    .trim()
    .toLowerCase()
    .replace(/[\s_.]+/g, ' ')
    .replace(/\s*-\s*/g, '-')

/**
 * The column for each field: an explicit mapping (field ← header) wins; other fields are found by
 * their aliases. Returns the mapping and the headers nothing maps to (events keep those as
 * properties; other kinds report them as ignored).
 */
export function mapColumns(
  kind: ImportKind,
  headers: readonly string[],
  explicit: Readonly<Record<string, string>> = {},
  /** More fields of this import with their header names (people: the catalog's attributes). */
  extra: Readonly<Record<string, readonly string[]>> = {},
): { columns: Record<string, string>; unmapped: string[]; problems: string[] } {
  const fields: Record<string, readonly string[]> = { ...extra, ...FIELDS_OF[kind] }
  const columns: Record<string, string> = {}
  const problems: string[] = []
  for (const [field, header] of Object.entries(explicit)) {
    if (!Object.hasOwn(fields, field)) problems.push(`${field} is not a field of a ${kind} import`)
    else if (!headers.includes(header)) problems.push(`the file has no column ${header} (for ${field})`)
    else columns[field] = header
  }
  const used = new Set(Object.values(columns))
  for (const [field, aliases] of Object.entries(fields)) {
    if (columns[field] !== undefined) continue
    const header = headers.find(
      (h) => !used.has(h) && (aliases as readonly string[]).includes(normaliseHeader(h)),
    )
    if (header !== undefined) {
      columns[field] = header
      used.add(header)
    }
  }
  return { columns, unmapped: headers.filter((h) => !used.has(h)), problems }
}

/** `31.12.1980`, `1980-12-31` or `31/12/1980` → `1980-12-31`; undefined if it is no real date. */
export function parseDate(text: string): string | undefined {
  const value = text.trim()
  let y: number
  let m: number
  let d: number
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value)
  if (match) [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])]
  else {
    match = /^(\d{1,2})[./](\d{1,2})[./](\d{4})$/.exec(value)
    if (!match) return undefined
    ;[d, m, y] = [Number(match[1]), Number(match[2]), Number(match[3])]
  }
  const date = new Date(Date.UTC(y, m - 1, d))
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined
  return date.toISOString().slice(0, 10)
}

/** A date-time, or a date (midnight UTC), as German and ISO writers produce it; undefined otherwise. */
export function parseDateTime(text: string): Date | undefined {
  const value = text.trim()
  const day = parseDate(value)
  if (day) return new Date(`${day}T00:00:00Z`)
  const german = /^(\d{1,2})\.(\d{1,2})\.(\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(value)
  if (german) {
    const iso = parseDate(`${german[1]}.${german[2]}.${german[3]}`)
    if (!iso) return undefined
    const date = new Date(`${iso}T${german[4]?.padStart(2, '0')}:${german[5]}:${german[6] ?? '00'}Z`)
    return Number.isNaN(date.getTime()) ? undefined : date
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return undefined
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/**
 * An amount as German or English spreadsheets write it (`1.234,56`, `1,234.56`, `12,5`, `12.50`,
 * `€ 12,50`) → cents; undefined if it is no amount.
 */
export function parseAmountCents(text: string): number | undefined {
  let value = text.trim().replace(/[€$£\s]|EUR|USD/gi, '')
  if (!/^-?[\d.,]+$/.test(value)) return undefined
  const lastComma = value.lastIndexOf(',')
  const lastDot = value.lastIndexOf('.')
  if (lastComma > lastDot) value = value.replace(/\./g, '').replace(',', '.')
  else value = value.replace(/,/g, '')
  if (!/^-?\d+(\.\d{1,2})?$/.test(value)) return undefined
  const cents = Math.round(Number(value) * 100)
  return Number.isSafeInteger(cents) ? cents : undefined
}

/** The words a spreadsheet writes for yes and no (German and English). */
const YES = new Set(['ja', 'j', 'yes', 'y', 'true', 'wahr', '1', 'x'])
const NO = new Set(['nein', 'n', 'no', 'false', 'falsch', '0'])

/**
 * A cell as the value of a catalog attribute of `dataType`: German and English number formats,
 * yes/no words, dates as DD.MM.YYYY or YYYY-MM-DD, options matched without regard to case, a list
 * of options separated by `,`, `;`, `|` or `/`. Undefined when the cell can't be read as one (the
 * catalog's own check then says what is expected).
 */
export function parseAttributeCell(
  text: string,
  dataType: 'text' | 'number' | 'boolean' | 'date' | 'enum' | 'multi_enum',
  options: readonly string[],
): unknown {
  const value = text.trim()
  const option = (word: string) => options.find((o) => o.toLowerCase() === word.trim().toLowerCase())
  switch (dataType) {
    case 'text':
      return value
    case 'number': {
      const german = /^-?\d{1,3}(\.\d{3})+(,\d+)?$/.test(value) || /^-?\d+,\d+$/.test(value)
      const plain = german ? value.replaceAll('.', '').replace(',', '.') : value
      if (!/^-?\d+(\.\d+)?$/.test(plain)) return undefined
      return Number(plain)
    }
    case 'boolean': {
      const word = value.toLowerCase()
      return YES.has(word) ? true : NO.has(word) ? false : undefined
    }
    case 'date':
      return parseDate(value)
    case 'enum':
      return option(value)
    case 'multi_enum': {
      const parts = value.split(/[,;|/]/).filter((p) => p.trim() !== '')
      const picked = parts.map(option)
      return picked.every((p) => p !== undefined) ? [...new Set(picked)] : undefined
    }
  }
}
