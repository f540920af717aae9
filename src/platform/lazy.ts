import { createRequire } from 'node:module'

const load = createRequire(import.meta.url)

/**
 * A dependency loaded when first used instead of when its importer is (issue #18: a CLI command
 * loads what it runs, not every library of the application). Synchronous — Node's `require`, which
 * loads CommonJS and ES modules alike — so synchronous code can call it. Type it with
 * `typeof import('…')`, a type-only reference that loads nothing.
 */
export function lazy<T>(specifier: string): () => T {
  let loaded: T | undefined
  return () => {
    loaded ??= load(specifier) as T
    return loaded
  }
}

/** `make` runs on the first `get`, not before; `close` closes only what was made. */
export function onFirstUse<T extends { close(): void }>(make: () => T): { get(): T; close(): void } {
  let made: T | undefined
  return {
    get: () => {
      made ??= make()
      return made
    },
    close: () => made?.close(),
  }
}
