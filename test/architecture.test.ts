import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = path.resolve('src')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    return statSync(full).isDirectory() ? files(full) : full.endsWith('.ts') ? [full] : []
  })
}

const sources = files(SRC).filter((f) => !f.endsWith('.test.ts'))
const importsOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/^\s*import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1] as string)
const rel = (file: string) => path.relative(SRC, file)

describe('architecture: dependencies point one way', () => {
  it('routes, jobs and CLI never reach past the services into repositories', () => {
    const offenders = sources
      .filter((f) => /\.(routes|jobs)\.ts$/.test(f) || rel(f).startsWith('cli/'))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => i.endsWith('.repository.ts'))
          .map((i) => `${rel(f)} → ${i}`),
      )
    expect(offenders).toEqual([])
  })

  it('repositories hold SQL only: they import no services, routes or server code', () => {
    const offenders = sources
      .filter((f) => f.endsWith('.repository.ts'))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => /\.(service|routes)\.ts$/.test(i) || i.includes('/server/'))
          .map((i) => `${rel(f)} → ${i}`),
      )
    expect(offenders).toEqual([])
  })

  it('only the platform talks to the database drivers', () => {
    const offenders = sources
      .filter((f) => !rel(f).startsWith('platform/db/'))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => i === 'pg' || i.startsWith('@electric-sql/pglite'))
          .map((i) => `${rel(f)} → ${i}`),
      )
    expect(offenders).toEqual([])
  })

  it('modules and the platform never import the entry points', () => {
    const offenders = sources
      .filter((f) => /^(modules|platform|privacy)\//.test(rel(f)))
      .flatMap((f) =>
        importsOf(f)
          .filter((i) => /\/(cli|worker)\//.test(i) || i.endsWith('/server/app.ts'))
          .map((i) => `${rel(f)} → ${i}`),
      )
    expect(offenders).toEqual([])
  })

  it('every module explains itself in a README', () => {
    const modules = readdirSync(path.join(SRC, 'modules'))
    expect(modules.length).toBeGreaterThan(0)
    for (const m of modules)
      expect(() => statSync(path.join(SRC, 'modules', m, 'README.md')), m).not.toThrow()
  })
})
