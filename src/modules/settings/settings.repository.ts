import { type Kysely, type Selectable, sql } from 'kysely'
import type { InstallationSettingTable, Schema } from '../../platform/db/schema.ts'

/** The settings row without the logo's bytes. */
export type SettingsRow = Omit<Selectable<InstallationSettingTable>, 'id' | 'logo'> & {
  logo_size: number | null
}

/** The columns a change may set (the logo is set on its own). */
export interface SettingsValues {
  controller_name?: string | null
  controller_address?: string | null
  controller_email?: string | null
  dpo_name?: string | null
  dpo_email?: string | null
  dpo_address?: string | null
  primary_color?: string | null
  time_zone?: string
}

const COLUMNS = [
  'controller_name',
  'controller_address',
  'controller_email',
  'dpo_name',
  'dpo_email',
  'dpo_address',
  'primary_color',
  'logo_media_type',
  'logo_sha256',
  'time_zone',
  'version',
  'updated_at',
] as const

/** SQL for the one row of installation settings; one query per method. */
export class SettingsRepository {
  readonly #db: Kysely<Schema>
  constructor(db: Kysely<Schema>) {
    this.#db = db
  }

  /** The settings (the migration inserts the row). */
  get(db = this.#db): Promise<SettingsRow> {
    return db
      .selectFrom('installation_setting')
      .select([...COLUMNS, sql<number | null>`octet_length(logo)`.as('logo_size')])
      .executeTakeFirstOrThrow()
  }

  /** Sets the given columns and bumps the version; returns the row as it is now. */
  update(values: SettingsValues, at: Date, db = this.#db): Promise<SettingsRow> {
    return db
      .updateTable('installation_setting')
      .set({ ...values, version: sql`version + 1`, updated_at: at })
      .returning([...COLUMNS, sql<number | null>`octet_length(logo)`.as('logo_size')])
      .executeTakeFirstOrThrow()
  }

  /** Replaces the logo (or removes it with null) and bumps the version. */
  setLogo(
    logo: { data: Uint8Array; mediaType: string; sha256: string } | null,
    at: Date,
    db = this.#db,
  ): Promise<SettingsRow> {
    return db
      .updateTable('installation_setting')
      .set({
        logo: logo?.data ?? null,
        logo_media_type: logo?.mediaType ?? null,
        logo_sha256: logo?.sha256 ?? null,
        version: sql`version + 1`,
        updated_at: at,
      })
      .returning([...COLUMNS, sql<number | null>`octet_length(logo)`.as('logo_size')])
      .executeTakeFirstOrThrow()
  }

  /** The logo's bytes and type, if one is set. */
  logo(db = this.#db) {
    return db
      .selectFrom('installation_setting')
      .select(['logo', 'logo_media_type', 'logo_sha256'])
      .where('logo', 'is not', null)
      .executeTakeFirst()
  }
}
