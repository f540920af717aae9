import type { Kysely, Selectable } from 'kysely'
import type { PipelineStageTable, Schema } from '../../platform/db/schema.ts'

export type PipelineStageRow = Selectable<PipelineStageTable>

/** SQL for the pipeline stages (configuration) and what deals refer to; one query per method. */
export class PipelineRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  stages(): Promise<PipelineStageRow[]> {
    return this.#db.selectFrom('pipeline_stage').selectAll().orderBy('position').execute()
  }

  /** Whether an organisation exists (a deal may name one). */
  async hasOrganisation(id: string): Promise<boolean> {
    const row = await this.#db.selectFrom('organisation').select('id').where('id', '=', id).executeTakeFirst()
    return row !== undefined
  }
}
