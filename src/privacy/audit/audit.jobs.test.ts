import { expect, it } from 'vitest'
import { describeEachEngine } from '../../../test/support/engines.ts'
import { auditCheckpointJob } from './audit.jobs.ts'
import { resetAuditTrail, someRecord } from './audit-test-support.ts'

describeEachEngine('audit.checkpoint job (runtime wiring: the vault signs)', (runtime) => {
  it('signs the head when it moved, and verify trusts the vault key', async () => {
    const { audit } = runtime().services
    await resetAuditTrail(runtime().database.db)
    expect(await auditCheckpointJob(audit)).toBeNull()
    await audit.append([someRecord(), someRecord()])
    expect(await auditCheckpointJob(audit)).toEqual({ seq: 2, created: true })
    expect(await auditCheckpointJob(audit)).toEqual({ seq: 2, created: false })
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 2, lastCheckpoint: { seq: 2 } })
  })
})
