import { type Kysely, sql } from 'kysely'
import type { Schema } from '../../src/platform/db/schema.ts'
import type { Context } from '../harness.ts'

/** How long to wait for PostgreSQL's autovacuum workers to finish with a freshly loaded database. */
const AUTOVACUUM_WAIT_MS = 300_000
/** A table counts as settled when this share of its pages is marked all-visible. */
const ALL_VISIBLE_SHARE = 0.95

/**
 * Brings a freshly loaded database into the state a running system reaches by itself: statistics
 * gathered and the visibility map set, so index-only scans are index-only.
 *
 * A plain `vacuum analyze` right after a bulk load is not enough on PostgreSQL: an autovacuum
 * worker's ANALYZE that began before the load committed holds back the oldest visible transaction,
 * and VACUUM then may not mark the loaded pages all-visible (seen on the 1M demo: permission_state
 * with 0 of 17,797 pages all-visible after the vacuum, every "index-only" row fetched from the
 * heap, the audience walk three times slower). So: wait for autovacuum to finish, vacuum, check
 * the visibility map of the tables the bench reads, and vacuum once more if it is not set yet.
 */
export async function settle(ctx: Context, db: Kysely<Schema>, tables: readonly string[]): Promise<void> {
  if (ctx.db === 'postgres') await autovacuumIdle(ctx, db)
  for (let attempt = 1; ; attempt++) {
    await sql`vacuum analyze`.execute(db)
    const lagging = await unsettled(db, tables)
    if (lagging.length === 0) return
    const describe = lagging.map((t) => `${t.name} ${t.allVisible}/${t.pages}`).join(', ')
    if (attempt === 2) throw new Error(`the visibility map is not set after two vacuums: ${describe}`)
    ctx.log(`vacuum left pages not all-visible (${describe}); waiting for autovacuum, vacuuming again`)
    if (ctx.db === 'postgres') await autovacuumIdle(ctx, db)
  }
}

async function autovacuumIdle(ctx: Context, db: Kysely<Schema>): Promise<void> {
  const started = performance.now()
  for (;;) {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity
      where backend_type = 'autovacuum worker' and datname = current_database()`.execute(db)
    if ((rows[0]?.n ?? 0) === 0) return
    if (performance.now() - started > AUTOVACUUM_WAIT_MS) {
      ctx.log('autovacuum is still busy; going on')
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

async function unsettled(
  db: Kysely<Schema>,
  tables: readonly string[],
): Promise<{ name: string; pages: number; allVisible: number }[]> {
  const { rows } = await sql<{ name: string; pages: number; allVisible: number }>`
    select relname as name, relpages as pages, relallvisible as "allVisible" from pg_class
    where relkind = 'r' and relname = any(${[...tables]}::text[])`.execute(db)
  // Small tables (a few pages) are read whole either way.
  return rows.filter((r) => r.pages > 10 && r.allVisible < r.pages * ALL_VISIBLE_SHARE)
}
