import cliProgress from 'cli-progress'

export interface Progress {
  /** Adds `n` finished units. */
  tick(n: number): void
  done(): void
}

/**
 * A progress bar on a terminal; elsewhere (CI, pipes, logs) a plain line every 10 % or 5 s, so
 * output stays readable. Written to stderr: stdout is for results.
 */
export function startProgress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  let current = 0
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`,
        stream,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    )
    bar.start(total, 0)
    return {
      tick(n) {
        current += n
        bar.update(current)
      },
      done: () => bar.stop(),
    }
  }
  const started = Date.now()
  let lastLine = 0
  let lastDecile = -1
  const line = () => {
    const pct = total ? Math.floor((current / total) * 100) : 100
    stream.write(`${label}: ${current.toLocaleString('en')}/${total.toLocaleString('en')} (${pct}%)\n`)
    lastLine = Date.now()
  }
  return {
    tick(n) {
      current += n
      const decile = total ? Math.floor((current / total) * 10) : 10
      if (decile !== lastDecile || Date.now() - lastLine > 5000) {
        lastDecile = decile
        line()
      }
    },
    done() {
      if (current < total || lastDecile !== 10) line()
      stream.write(`${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
    },
  }
}
