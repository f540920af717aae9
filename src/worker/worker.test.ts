import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { describeEachEngine } from '../../test/support/engines.ts'
import { SCHEDULES } from './jobs.ts'
import { startWorker } from './worker.ts'

describeEachEngine('worker', (runtime) => {
  it('runs a queued job through its handler and keeps the schedule table', async () => {
    const rt = runtime()
    const { user } = await rt.services.access.createUser({
      email: 'w@example.com',
      role: 'sales',
      password: 'long enough password',
    })
    await rt.database.db
      .insertInto('user_session')
      .values({ token_hash: 'expired', user_id: user.id, expires_at: new Date(Date.now() - 1000) })
      .execute()
    const worker = await startWorker(rt, { pollingIntervalSeconds: 0.5 })
    try {
      expect(await worker.send('access.purge-sessions', {})).toBeTruthy()
      const deadline = Date.now() + 20_000
      let left = 1
      while (left > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200))
        left = (await rt.database.db.selectFrom('user_session').select('token_hash').execute()).length
      }
      expect(left).toBe(0)
      const schedules = await sql<{
        name: string
        cron: string
      }>`select name, cron from pgboss.schedule`.execute(rt.database.db)
      expect(schedules.rows).toEqual(
        expect.arrayContaining(SCHEDULES.map(({ name, cron }) => expect.objectContaining({ name, cron }))),
      )
    } finally {
      await worker.stop()
    }
  })
})
