import pino, { type Logger } from 'pino'
import type { LogLevel } from './config.ts'
import { lazy } from './lazy.ts'

// Only a process logging to a terminal formats lines (issue #18: a CLI command loads what it runs).
const pinoPretty = lazy<typeof import('pino-pretty')>('pino-pretty')

export type { Logger }

/**
 * The process logger. Personal data never goes into logs: request logs carry method, path
 * (without query string: queries may hold search terms) and status; credentials are redacted.
 */
export function createLogger(
  level: LogLevel,
  destination: pino.DestinationStream | undefined = terminalStream(),
): Logger {
  return pino(
    {
      level,
      base: { app: 'tresor' },
      serializers: {
        // Method and path only: query strings may carry search terms, headers carry credentials.
        req: (req: { method?: string; url?: string; path?: string }) => ({
          method: req.method,
          path: req.path ?? req.url?.split('?')[0],
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

/**
 * On a terminal, human-readable lines (`12:00:01 INFO  GET /api/v1/subjects 200 4ms`); elsewhere
 * (a file, a pipe, a container's log collector) undefined: pino's JSON lines on stdout.
 * `TRESOR_LOG_FORMAT=json` keeps JSON on a terminal too.
 */
function terminalStream(): pino.DestinationStream | undefined {
  if (!process.stdout.isTTY || process.env.TRESOR_LOG_FORMAT === 'json') return undefined
  return pinoPretty()({
    colorize: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,app,component,req,res,responseTime,reqId',
    messageFormat: (log, messageKey) => {
      const req = log.req as { method?: string; path?: string } | undefined
      const res = log.res as { statusCode?: number } | undefined
      if (log[messageKey] === 'request' && req)
        return `${req.method} ${req.path} ${res?.statusCode ?? ''} ${String(log.responseTime ?? '')}ms`
      return String(log[messageKey] ?? '')
    },
  })
}
