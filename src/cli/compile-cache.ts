import { enableCompileCache } from 'node:module'
import { homedir } from 'node:os'
import path from 'node:path'

/**
 * Node's compile cache for the modules a command loads after this call (the application behind
 * each command is imported on first use): the type-stripped sources and V8's compiled code are
 * kept between runs, which takes about a quarter off a command that opens the database (issue
 * #18). Kept in the user's own cache directory, not a shared temp dir another user could write to.
 * Entries are checked against the source, so an edited file is compiled afresh. Where the
 * directory can't be written Node goes on without a cache; `NODE_DISABLE_COMPILE_CACHE=1` turns it
 * off, `NODE_COMPILE_CACHE` picks another directory.
 */
export function enableCliCompileCache(env: NodeJS.ProcessEnv = process.env): void {
  const base = env.XDG_CACHE_HOME || path.join(homedir(), '.cache')
  enableCompileCache(env.NODE_COMPILE_CACHE || path.join(base, 'tresor', 'node-compile-cache'))
}
