/**
 * Bounce reports, parsed (pure): a delivery status notification (RFC 3464, `multipart/report;
 * report-type=delivery-status`), a spam complaint in the Abuse Reporting Format (RFC 5965,
 * `report-type=feedback-report`), or a provider's JSON webhook. What comes out names the original
 * message by its Message-ID and says hard, soft or complaint with the status code — never an
 * address: the recipient fields of a DSN are read only to be dropped.
 */

/** What a report says about one message. */
export interface BounceReport {
  /** The original message's Message-ID (or the provider's id), as found; matched with and without brackets. */
  messageIds: string[]
  kind: 'hard' | 'soft' | 'complaint'
  /** The enhanced status code (RFC 3463, `5.1.1`), or the provider's status; never an address. */
  status: string
}

export class BounceFormatError extends Error {
  readonly field: string
  constructor(field: string, message: string) {
    super(message)
    this.name = 'BounceFormatError'
    this.field = field
  }
}

/** Header fields of a block (lower-cased names; unfolded; the first of a name wins). */
type Fields = Map<string, string>

const MAX_RAW = 5 * 1024 * 1024
const STATUS = /^([245])\.(\d{1,3})\.(\d{1,3})$/

/** Splits a header block from its body at the first empty line. */
function splitHead(text: string): { head: string; body: string } {
  const m = /\r?\n\r?\n/.exec(text)
  if (!m) return { head: text, body: '' }
  return { head: text.slice(0, m.index), body: text.slice(m.index + m[0].length) }
}

/** Parses header fields (RFC 5322 2.2: unfolding continuation lines). */
export function parseFields(head: string): Fields {
  const fields: Fields = new Map()
  let name: string | undefined
  let value = ''
  const flush = () => {
    if (name !== undefined && !fields.has(name)) fields.set(name, value.trim())
  }
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && name !== undefined) {
      value += ` ${line.trim()}`
      continue
    }
    flush()
    const colon = line.indexOf(':')
    if (colon <= 0) {
      name = undefined
      continue
    }
    name = line.slice(0, colon).trim().toLowerCase()
    value = line.slice(colon + 1)
  }
  flush()
  return fields
}

/** A Content-Type value: the type and its parameters (lower-cased names; quotes removed). */
function contentType(value: string | undefined): { type: string; params: Map<string, string> } {
  const [type = 'text/plain', ...rest] = (value ?? 'text/plain').split(';')
  const params = new Map<string, string>()
  for (const p of rest) {
    const eq = p.indexOf('=')
    if (eq < 0) continue
    params.set(
      p.slice(0, eq).trim().toLowerCase(),
      p
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1'),
    )
  }
  return { type: type.trim().toLowerCase(), params }
}

/** Decodes a part's body by its Content-Transfer-Encoding (7bit, 8bit, base64, quoted-printable). */
function decodeBody(body: string, encoding: string | undefined): string {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('utf8')
    case 'quoted-printable':
      return Buffer.from(
        body
          .replace(/=\r?\n/g, '')
          .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
        'latin1',
      ).toString('utf8')
    default:
      return body
  }
}

interface Part {
  fields: Fields
  type: string
  params: Map<string, string>
  body: string
}

/** The leaf parts of a MIME message, depth first (multiparts opened; at most 4 levels, 50 parts). */
function leafParts(text: string, depth = 0, out: Part[] = []): Part[] {
  const { head, body } = splitHead(text)
  const fields = parseFields(head)
  const { type, params } = contentType(fields.get('content-type'))
  const boundary = params.get('boundary')
  if (type.startsWith('multipart/') && boundary && depth < 4) {
    const delimiter = `--${boundary}`
    const chunks = body.split(delimiter)
    // Before the first delimiter is the preamble; after the closing one (`--boundary--`) the epilogue.
    for (const chunk of chunks.slice(1)) {
      if (chunk.startsWith('--') || out.length >= 50) break
      leafParts(chunk.replace(/^[ \t]*\r?\n/, ''), depth + 1, out)
    }
    return out
  }
  out.push({ fields, type, params, body: decodeBody(body, fields.get('content-transfer-encoding')) })
  return out
}

/** The blocks of a delivery-status body: the per-message fields, then one block per recipient. */
function statusBlocks(body: string): Fields[] {
  return body
    .split(/\r?\n[ \t]*\r?\n/)
    .map((block) => block.trim())
    .filter((block) => block.length > 0)
    .map((block) => parseFields(block))
}

/** `rfc822;5.1.1`-style or bare status fields; the code only. */
function statusCode(value: string | undefined): string | undefined {
  if (!value) return undefined
  const code =
    value
      .replace(/^[a-z0-9-]+;/i, '')
      .trim()
      .split(/\s/)[0] ?? ''
  return STATUS.test(code) ? code : undefined
}

const messageIdsOf = (...values: (string | undefined)[]): string[] =>
  values.flatMap((v) => (v ? (v.match(/<[^<>\s]+>/g) ?? [v.trim()]) : [])).filter((v) => v.length > 0)

/**
 * Parses a DSN (RFC 3464) or an ARF complaint (RFC 5965) as received (the whole message, e.g. an
 * `.eml` of a bounce mailbox). The original message is named by the `Original-Message-ID` of the
 * report or the `Message-ID` of the returned message (`message/rfc822` or `text/rfc822-headers`).
 * A recipient whose `Action` is `failed` with a `5.x.x` status is a hard bounce; `delayed` or a
 * `4.x.x` a soft one. Throws `BounceFormatError` naming what is missing.
 */
export function parseBounceMessage(raw: string): BounceReport {
  if (raw.length > MAX_RAW) throw new BounceFormatError('raw', 'is larger than 5 MiB')
  if (raw.includes('\u0000')) throw new BounceFormatError('raw', 'contains a NUL character')
  const { head } = splitHead(raw)
  const top = contentType(parseFields(head).get('content-type'))
  const reportType = top.params.get('report-type')?.toLowerCase()
  if (
    top.type !== 'multipart/report' ||
    (reportType !== 'delivery-status' && reportType !== 'feedback-report')
  )
    throw new BounceFormatError(
      'raw',
      'is not a delivery status notification (multipart/report; report-type=delivery-status, RFC 3464) or a complaint (report-type=feedback-report, RFC 5965)',
    )
  const parts = leafParts(raw)
  const returned = parts.find((p) => p.type === 'message/rfc822' || p.type === 'text/rfc822-headers')
  const returnedIds = returned
    ? messageIdsOf(parseFields(splitHead(returned.body).head).get('message-id'))
    : []
  if (reportType === 'feedback-report') {
    const feedback = parts.find((p) => p.type === 'message/feedback-report')
    const fields = feedback ? parseFields(feedback.body.trim()) : new Map<string, string>()
    const ids = [...messageIdsOf(fields.get('original-message-id')), ...returnedIds]
    if (ids.length === 0)
      throw new BounceFormatError('raw', 'names no original message (no Message-ID in the returned message)')
    const type = (fields.get('feedback-type') ?? 'abuse').toLowerCase()
    return {
      messageIds: ids,
      kind: 'complaint',
      status: type.replace(/[^a-z-]/g, '').slice(0, 40) || 'abuse',
    }
  }
  const report = parts.find(
    (p) => p.type === 'message/delivery-status' || p.type === 'message/global-delivery-status',
  )
  if (!report) throw new BounceFormatError('raw', 'has no message/delivery-status part')
  const [perMessage = new Map<string, string>(), ...recipients] = statusBlocks(report.body)
  const ids = [...messageIdsOf(perMessage.get('original-message-id')), ...returnedIds]
  // Some servers put Original-Message-ID with the recipient's fields.
  for (const r of recipients) ids.push(...messageIdsOf(r.get('original-message-id')))
  if (ids.length === 0)
    throw new BounceFormatError(
      'raw',
      'names no original message (no Original-Message-ID, and no Message-ID in the returned message or headers)',
    )
  let hard: string | undefined
  let soft: string | undefined
  for (const r of recipients) {
    const action = (r.get('action') ?? '').trim().toLowerCase()
    const code =
      statusCode(r.get('status')) ??
      statusCode(r.get('diagnostic-code')?.match(/\b[245]\.\d{1,3}\.\d{1,3}\b/)?.[0])
    if (action === 'failed' && code?.startsWith('5')) hard ??= code
    else if (action === 'failed' && !code) hard ??= '5.0.0'
    else if (action === 'delayed' || code?.startsWith('4')) soft ??= code ?? '4.0.0'
  }
  if (hard) return { messageIds: [...new Set(ids)], kind: 'hard', status: hard }
  if (soft) return { messageIds: [...new Set(ids)], kind: 'soft', status: soft }
  throw new BounceFormatError(
    'raw',
    'reports no failed or delayed delivery (Action: failed or delayed with a Status)',
  )
}

/**
 * A provider's JSON webhook: `{ messageId, type: 'hard' | 'soft' | 'complaint', status? }`. The
 * status is kept only as a code (`5.1.1`, `550`, a short word), never free text that could hold an
 * address.
 */
export function bounceFromProvider(body: {
  messageId: string
  type: 'hard' | 'soft' | 'complaint'
  status?: string | undefined
}): BounceReport {
  const status = (body.status ?? '').trim()
  if (status !== '' && !/^[A-Za-z0-9._-]{1,40}$/.test(status))
    throw new BounceFormatError('status', 'must be a status code (e.g. 5.1.1 or 550), not free text')
  return { messageIds: [body.messageId], kind: body.type, status }
}
