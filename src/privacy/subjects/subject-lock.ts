import type { Kysely } from 'kysely'
import type { Schema } from '../../platform/db/schema.ts'

/**
 * Locks one subject's row in the caller's transaction (`FOR NO KEY UPDATE`, like every writer of a
 * subject's records), so that concurrent changes to one subject decide one after the other; says
 * whether it is erased, or undefined for an unknown subject.
 */
export async function lockSubjectRow(
  trx: Kysely<Schema>,
  subjectId: string,
): Promise<{ erased: boolean } | undefined> {
  const row = await trx
    .selectFrom('subject')
    .select('erased_at')
    .where('id', '=', subjectId)
    .forNoKeyUpdate()
    .executeTakeFirst()
  return row && { erased: row.erased_at !== null }
}
