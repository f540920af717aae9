// Preloaded (--import) into every process the bench spawns. The harness kills its children on any exit it
// gets to see, but not when it is itself killed with SIGKILL; the IPC channel closing tells the child then.
if (process.channel) {
  // The channel must not keep a child alive that would otherwise exit on its own (one-shot CLI commands).
  process.channel.unref()
  process.once('disconnect', () => {
    setTimeout(() => process.exit(1), 15_000).unref()
    // SIGTERM rather than exit: `serve` shuts down gracefully on it, so PGlite is closed cleanly.
    process.kill(process.pid, 'SIGTERM')
  })
}
