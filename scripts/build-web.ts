// Builds the web UI (web/ -> web/dist) with Vite's JS API.
// Usage: node scripts/build-web.ts [--if-stale]
//   --if-stale  skip the build when web/dist/index.html is newer than every source file under web/
//               and src/ (the UI shares a few constant modules with the server)
//               and than package-lock.json (a dependency upgrade changes the bundle too).
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const webDir = join(repoRoot, 'web')
const distDir = join(webDir, 'dist')
const builtIndex = join(distDir, 'index.html')
const lockFile = join(repoRoot, 'package-lock.json')

/** Newest modification time of the inputs: everything under web/ except build output and caches. */
function newestInputMtime(): number {
  let newest = existsSync(lockFile) ? statSync(lockFile).mtimeMs : 0
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        if (path === distDir || entry.name === 'node_modules' || entry.name === '.vite') continue
        walk(path)
      } else {
        newest = Math.max(newest, statSync(path).mtimeMs)
      }
    }
  }
  walk(webDir)
  // The UI imports a few plain constant modules from the server (roles, subject kinds).
  walk(join(repoRoot, 'src'))
  return newest
}

function isUpToDate(): boolean {
  if (!existsSync(builtIndex)) return false
  return statSync(builtIndex).mtimeMs > newestInputMtime()
}

const ifStale = process.argv.includes('--if-stale')
if (ifStale && isUpToDate()) {
  console.log(`web UI up to date (${relative(repoRoot, distDir)})`)
} else {
  const started = performance.now()
  await build({ configFile: join(webDir, 'vite.config.ts'), logLevel: 'warn' })
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  console.log(`web UI built to ${relative(repoRoot, distDir)} in ${seconds}s`)
}
