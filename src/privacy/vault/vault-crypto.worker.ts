import { parentPort } from 'node:worker_threads'
import { BlindIndex } from './blind-index.ts'
import { type CryptoJob, digestItems, sealGroups } from './vault-crypto.ts'

/** A worker of the vault's crypto pool (vault-crypto.ts): runs one job per message. */

parentPort?.on('message', ({ id, job }: { id: number; job: CryptoJob }) => {
  try {
    const result =
      job.op === 'seal'
        ? sealGroups(job.groups)
        : digestItems(new BlindIndex(job.index.key, { phoneRegion: job.index.phoneRegion }), job.items)
    parentPort?.postMessage({ id, result })
  } catch (error) {
    // The message only: never the values the job carried.
    parentPort?.postMessage({ id, error: error instanceof Error ? error.message : 'vault crypto failed' })
  }
})
