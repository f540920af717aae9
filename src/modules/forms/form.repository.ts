import { type Kysely, type Selectable, sql } from 'kysely'
import type { FormTable, Schema } from '../../platform/db/schema.ts'

export type FormRow = Selectable<FormTable>

/** A form as stored: the JSON columns as values. */
export interface FormValues {
  key: string
  type: string
  title: { de: string; en: string }
  fields: FormRow['fields']
  purposes: FormRow['purposes']
  notice: FormRow['notice']
  active: boolean
  builtin: boolean
}

const columns = (f: FormValues) => ({
  key: f.key,
  type: f.type,
  title_de: f.title.de,
  title_en: f.title.en,
  fields: JSON.stringify(f.fields),
  purposes: JSON.stringify(f.purposes),
  notice: JSON.stringify(f.notice),
  active: f.active,
  builtin: f.builtin,
})

/** SQL for form definitions; one query per method. */
export class FormRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  list(db = this.#db): Promise<FormRow[]> {
    return db.selectFrom('form').selectAll().orderBy('key').execute()
  }

  find(key: string, db = this.#db): Promise<FormRow | undefined> {
    return db.selectFrom('form').selectAll().where('key', '=', key).executeTakeFirst()
  }

  /** Inserts the form unless its key is taken; undefined when it was. */
  insert(form: FormValues, at: Date, db = this.#db): Promise<FormRow | undefined> {
    return db
      .insertInto('form')
      .values({ ...columns(form), created_at: at, updated_at: at })
      .onConflict((oc) => oc.column('key').doNothing())
      .returningAll()
      .executeTakeFirst()
  }

  /** Replaces the definition and bumps the version, if it is still the version the change was made on. */
  update(form: FormValues, version: number, at: Date, db = this.#db): Promise<FormRow | undefined> {
    const { key: _key, type: _type, builtin: _builtin, ...rest } = columns(form)
    return db
      .updateTable('form')
      .set({ ...rest, version: sql`version + 1`, updated_at: at })
      .where('key', '=', form.key)
      .where('version', '=', version)
      .returningAll()
      .executeTakeFirst()
  }
}
