import { parentPort } from 'node:worker_threads'
import { type ComposableMail, type ComposeAnswer, composer } from './mail-compose.ts'

/**
 * A worker of the mail composer pool (mail-compose.ts). Jobs are composed one after the other, so
 * the first job's mails go back (and out over SMTP) while the later ones are still being built.
 */

const { compose } = composer()
let queue: Promise<void> = Promise.resolve()

async function run(id: number, mails: ComposableMail[]): Promise<void> {
  const results = await Promise.all(
    mails.map((mail) =>
      compose(mail).then(
        (composed) => ({ mail: composed }),
        // The message only: never the addresses or the content the mail carried.
        (error: unknown) => ({ error: error instanceof Error ? error.message : 'composing the mail failed' }),
      ),
    ),
  )
  const answer: ComposeAnswer = { id, results }
  parentPort?.postMessage(answer)
}

parentPort?.on('message', ({ id, mails }: { id: number; mails: ComposableMail[] }) => {
  queue = queue.then(() => run(id, mails))
})
