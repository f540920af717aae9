import { type RawBuilder, sql } from 'kysely'

/**
 * Named prepared statements for the few statements every request runs (a list page and its
 * verdicts, the vault read, the audit append). PostgreSQL parses and analyses an unnamed statement
 * again on every execution; for these that was a fifth of the database's time per list request
 * (ADR 0023). A statement opts in by starting with `preparedAs(label)`; the connection prepares it
 * once and afterwards sends only its parameters. Everything else stays unnamed: a prepared
 * statement's plan may become a generic plan, which is right for a page of 50 ids and wrong for a
 * statement over a million.
 *
 * On the embedded engine the mark is an SQL comment and nothing more. The client that sends the
 * names is in prepared-client.ts, loaded only by a process that talks to a PostgreSQL server.
 */
export function preparedAs(label: string): RawBuilder<unknown> {
  if (!LABEL.test(label)) throw new Error(`not a statement label: ${label}`)
  return sql.raw(`${MARK}${label}*/ `)
}

const MARK = '/*prepared:'
const LABEL = /^[a-z][a-z0-9-]{0,40}$/

/**
 * Distinct statement texts given a name, for the whole process: a label's statement may have a few
 * shapes (a list filtered by kind or not), each its own prepared statement on every connection
 * that runs it. Past the bound, texts run unnamed; the bound keeps a shape that varies without
 * limit from filling the server's memory.
 */
const MAX_NAMED = 256
/** Per label, so one label's many shapes (a page size is part of the text) can't starve the others. */
const MAX_PER_LABEL = 32
const names = new Map<string, string>()
const perLabel = new Map<string, number>()

/** The name for a marked statement text; undefined when it is not marked (or past the bounds). */
export function statementName(text: string): string | undefined {
  if (!text.startsWith(MARK)) return undefined
  const known = names.get(text)
  if (known !== undefined || names.size >= MAX_NAMED) return known
  const label = text.slice(MARK.length, text.indexOf('*/'))
  const shapes = perLabel.get(label) ?? 0
  if (shapes >= MAX_PER_LABEL) return undefined
  perLabel.set(label, shapes + 1)
  const name = `${label}-${shapes + 1}`
  names.set(text, name)
  return name
}
