#!/usr/bin/env node
// Entry point for `npx tresor`. npm puts the project's Node 24 (devDependency `node`) first on
// the PATH, which runs the TypeScript sources directly (type stripping).
const [major] = process.versions.node.split('.').map(Number)
if (major < 24) {
  process.stderr.write(
    `tresor: needs Node.js 24 or newer (this is ${process.version}); run it through npm (npx tresor, npm start), which uses the project's Node 24\n`,
  )
  process.exit(78)
}
await import('../src/cli/main.ts')
