import { parentPort } from 'node:worker_threads'
import { BlindIndex } from './blind-index.ts'
import {
  type BlindIndexSpec,
  type DigestItem,
  digestItems,
  type SealGroup,
  sealGroups,
} from './vault-crypto.ts'

/** A worker of the vault's crypto pool (vault-crypto.ts): runs one job per message. */

type Job =
  | { op: 'seal'; groups: readonly SealGroup[] }
  | { op: 'digest'; index: BlindIndexSpec; items: readonly DigestItem[] }

parentPort?.on('message', ({ id, job }: { id: number; job: Job }) => {
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
