import type { ColumnType, Generated, Selectable } from 'kysely'

/** Columns the database fills in (defaults) but that may be set explicitly. */
type Defaulted<T> = ColumnType<T, T | undefined, T>
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>

export interface AppUserTable {
  id: Generated<string>
  email: string
  email_normalized: string
  display_name: string | null
  password_hash: string
  role: string
  disabled_at: Timestamp | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface UserSessionTable {
  token_hash: string
  user_id: string
  created_at: Timestamp
  last_seen_at: Timestamp
  expires_at: Timestamp
}

export interface ApiTokenTable {
  id: Generated<string>
  user_id: string
  name: string
  token_hash: string
  prefix: string
  created_at: Timestamp
  last_used_at: Timestamp | null
  revoked_at: Timestamp | null
}

export interface SubjectTable {
  id: Generated<string>
  kinds: string[]
  source: string
  attributes: Defaulted<Record<string, unknown>>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface SchemaMigrationTable {
  version: number
  name: string
  checksum: string
  applied_at: Timestamp
}

/** Every table Kysely sees. Add a table here in the same change as its migration. */
export interface Schema {
  app_user: AppUserTable
  user_session: UserSessionTable
  api_token: ApiTokenTable
  subject: SubjectTable
  schema_migration: SchemaMigrationTable
}

export type AppUserRow = Selectable<AppUserTable>
export type SubjectRow = Selectable<SubjectTable>
