import { type Kysely, sql } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'
import { AuditRepository } from './audit.repository.ts'
import { AuditLog, type AuditLogOptions } from './audit-log.service.ts'
import type { AuditRecordInput } from './audit-record.ts'

/** Test helpers for the audit trail: a log over a database, and an attacker with owner rights. */

export function auditLogFor(db: Kysely<Schema>, options: AuditLogOptions = {}): AuditLog {
  return new AuditLog(db, new AuditRepository(db), options)
}

/**
 * Runs `fn` the way an attacker with the table owner's rights would: with the append-only
 * triggers disabled for one transaction (ALTER TABLE is transactional, so they are back on after).
 */
export async function asTamperer(
  db: Kysely<Schema>,
  fn: (trx: Kysely<Schema>) => Promise<void>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`alter table audit_event disable trigger audit_event_append_only`.execute(trx)
    await sql`alter table audit_subject_set disable trigger audit_subject_set_append_only`.execute(trx)
    await sql`alter table audit_checkpoint disable trigger audit_checkpoint_append_only`.execute(trx)
    await fn(trx)
    await sql`alter table audit_event enable trigger audit_event_append_only`.execute(trx)
    await sql`alter table audit_subject_set enable trigger audit_subject_set_append_only`.execute(trx)
    await sql`alter table audit_checkpoint enable trigger audit_checkpoint_append_only`.execute(trx)
  })
}

/** Empties the audit tables and resets the head to genesis, so the next history starts at seq 1. */
export function resetAuditTrail(db: Kysely<Schema>): Promise<void> {
  return asTamperer(db, async (trx) => {
    await sql`delete from audit_event`.execute(trx)
    await sql`delete from audit_subject_set`.execute(trx)
    await sql`delete from audit_checkpoint`.execute(trx)
    await sql`update audit_head set seq = 0, hash = ${Buffer.alloc(32)}`.execute(trx)
  })
}

/** A plain record, for tests that don't care about its content. */
export const someRecord = (overrides: Partial<AuditRecordInput> = {}): AuditRecordInput => ({
  actor: { type: 'user', id: '00000000-0000-4000-8000-000000000001', role: 'sales' },
  action: 'read',
  purpose: 'service',
  legalBasis: 'contract',
  fields: ['email'],
  ...overrides,
})
