import pino, { type Logger } from 'pino'
import type { LogLevel } from './config.ts'

export type { Logger }

/**
 * The process logger. Personal data never goes into logs: request logs carry method, path
 * (without query string: queries may hold search terms) and status; credentials are redacted.
 */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'tresor' },
      serializers: {
        // Method and path only: query strings may carry search terms, headers carry credentials.
        req: (req: { method?: string; url?: string }) => ({
          method: req.method,
          path: req.url?.split('?')[0],
        }),
      },
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.password'],
        censor: '[redacted]',
      },
    },
    destination,
  )
}
