import { expect, it } from 'vitest'
import { createLogger } from '../../src/platform/logger.ts'
import { buildApp } from '../../src/server/app.ts'
import { describeEachEngine } from '../support/engines.ts'

/**
 * The request log (issue #18): one line per request, written when it is answered, with method,
 * path without its query string, status and time; the UI's static files only at debug.
 */
describeEachEngine('the request log', (runtime) => {
  it('writes one line per API request, without the query string, and leaves static files to debug', async () => {
    const lines: string[] = []
    const app = await buildApp({
      ...runtime(),
      logger: createLogger('info', { write: (line: string) => lines.push(line) }),
    })
    try {
      const res = await app.inject({ method: 'GET', url: '/api/v1/subjects?name=secret-search-term' })
      expect(res.statusCode).toBe(401)
      await app.inject({ method: 'GET', url: '/assets/does-not-matter.js' })
      const requests = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === 'request')
      expect(requests).toHaveLength(1)
      expect(requests[0]).toMatchObject({
        req: { method: 'GET', path: '/api/v1/subjects' },
        res: { statusCode: 401 },
        responseTime: expect.any(Number),
      })
      expect(lines.join('\n')).not.toContain('secret-search-term')
      expect(lines.join('\n')).not.toMatch(/incoming request|request completed/)
    } finally {
      await app.close()
    }
  })
})
