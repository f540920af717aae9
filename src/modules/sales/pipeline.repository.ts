import type { Kysely, Selectable } from 'kysely'
import type { PipelineStageTable, Schema } from '../../platform/db/schema.ts'

export type PipelineStageRow = Selectable<PipelineStageTable>

/** SQL for the pipeline stages (configuration); one query per method. */
export class PipelineRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  stages(): Promise<PipelineStageRow[]> {
    return this.#db.selectFrom('pipeline_stage').selectAll().orderBy('position').execute()
  }
}
