import pg from 'pg'
import { statementName } from './prepared.ts'

/** pg's client, sending marked statements as named prepared statements. */
export class PreparingClient extends pg.Client {
  // pg's `query` has a dozen overloads; this one only looks at (text, values[, callback]).
  // biome-ignore lint/suspicious/noExplicitAny: forwarded to pg unchanged
  override query(config: any, values?: any, callback?: any): any {
    if (typeof config === 'string') {
      const name = statementName(config)
      if (name !== undefined)
        return typeof values === 'function'
          ? super.query({ name, text: config }, values)
          : super.query({ name, text: config, values }, callback)
    }
    return super.query(config, values, callback)
  }
}
