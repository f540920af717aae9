-- Platform tables: users and their credentials, and the subject skeleton.
-- Identifiers of subjects (names, addresses, ...) are NOT stored here: they arrive with the vault,
-- encrypted per subject. What a subject row holds in the clear is pseudonymous.

create table app_user (
  id uuid primary key default gen_random_uuid(),
  email text not null,
  -- lower-cased, trimmed: the login key
  email_normalized text not null unique,
  display_name text,
  -- argon2id PHC string
  password_hash text not null,
  role text not null,
  disabled_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table user_session (
  -- SHA-256 of the session secret, hex; the secret itself only ever lives in the cookie
  token_hash text primary key,
  user_id uuid not null references app_user (id) on delete cascade,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  -- absolute timeout; the idle timeout is checked against last_seen_at
  expires_at timestamptz not null
);
create index user_session_user_idx on user_session (user_id);
create index user_session_expires_idx on user_session (expires_at);

create table api_token (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references app_user (id) on delete cascade,
  name text not null,
  -- SHA-256 of the token, hex; tokens are 256-bit random, so a fast hash is enough
  token_hash text not null unique,
  -- first characters, shown in lists so a user can tell tokens apart
  prefix text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_token_user_idx on api_token (user_id);

-- A natural person Tresor holds data about. subject_id is the distribution key of every personal
-- table (see DESIGN.md, "Beyond one machine").
create table subject (
  id uuid primary key default gen_random_uuid(),
  kinds text[] not null check (cardinality(kinds) > 0),
  -- where the record came from: touchpoint, import, manual, demo
  source text not null,
  -- pseudonymous attributes for segmentation (country, postcode region, age band, ...)
  attributes jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index subject_created_idx on subject (created_at, id);
create index subject_updated_idx on subject (updated_at, id);
create index subject_kinds_idx on subject using gin (kinds);
