-- Access control (issue #3): roles defined in the database, a TOTP second factor, login challenges
-- between password and code, API tokens scoped to a role. The code's seed for the built-in roles
-- is src/modules/access/roles.ts; it is applied at every start (RoleService.init).

create table role (
  name text primary key check (name ~ '^[a-z][a-z0-9_-]{1,39}$'),
  description text not null default '',
  -- from the closed set PERMISSIONS in roles.ts; entries the code no longer knows are ignored
  permissions text[] not null default '{}',
  -- categories of the field catalog (src/privacy/fields/field-catalog.ts) the role may use
  field_categories text[] not null default '{}',
  -- seeded from the code: can be edited, never deleted
  builtin boolean not null default false,
  -- what the code's seed said at the last start (null for roles an admin defined): lets a later
  -- release add a permission to a built-in role without undoing an admin's edits of it
  seeded_permissions text[],
  seeded_field_categories text[],
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Users exist already: their roles must exist before the foreign key. The start-up seed fills in
-- the permissions of the built-in ones.
insert into role (name) select distinct role from app_user on conflict do nothing;
alter table app_user add constraint app_user_role_fkey foreign key (role) references role (name);
create index app_user_role_idx on app_user (role);

alter table app_user
  -- the TOTP secret, sealed (AES-256-GCM, bound to the user id); pending until totp_enabled_at
  add column totp_secret bytea,
  add column totp_enabled_at timestamptz,
  -- the last accepted time step: a code is accepted once, and never one older than it
  add column totp_last_step bigint;

-- A token acts in its own role, which must stay within its owner's role (checked at every use).
-- Existing tokens keep acting as their owner's role. No foreign key: a revoked token must not keep
-- a role from being deleted; a token whose role is gone simply stops working.
alter table api_token add column role text;
update api_token t set role = u.role from app_user u where u.id = t.user_id;
alter table api_token alter column role set not null;
create index api_token_role_idx on api_token (role) where revoked_at is null;

-- Between a correct password and a correct TOTP code: no session yet, only this short-lived,
-- single-use challenge.
create table login_challenge (
  -- SHA-256 of the challenge, hex; the challenge itself only ever goes to the client
  token_hash text primary key,
  user_id uuid not null references app_user (id) on delete cascade,
  -- wrong codes entered against this challenge; it is dropped after a few
  attempts integer not null default 0,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index login_challenge_user_idx on login_challenge (user_id);
create index login_challenge_expires_idx on login_challenge (expires_at);
