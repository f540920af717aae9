-- The vault: direct identifiers encrypted under a per-subject data key, the data keys wrapped by
-- the master key (which never enters the database), blind indexes for lookup, and long-lived
-- secrets wrapped by the master key. See docs/adr/0004-key-hierarchy-and-crypto-shredding.md.

-- Art. 17: an erased subject stays as a tombstone row (attributes cleared, data key destroyed) so
-- that audit records naming its id keep their meaning.
alter table subject add column erased_at timestamptz;

-- Which master key new wraps use. One row. Writers read it with FOR SHARE in the transaction that
-- wraps, and a rotation switches it with an UPDATE that waits for them, so once the switch has
-- committed no row can appear under the old key any more.
create table vault_keyring (
  id smallint primary key default 1 check (id = 1),
  -- first 8 bytes (hex) of HMAC-SHA256(master key, 'tresor/key-id'); not secret
  active_key_id text not null,
  updated_at timestamptz not null default now()
);

-- Secrets that must outlive a master-key rotation unchanged (the blind-index HMAC key, the audit
-- signing key): stored wrapped, so a rotation rewraps them and their plaintext stays the same.
create table vault_secret (
  name text primary key,
  -- AES-256-GCM under the master key, AAD 'secret:<name>': version | iv | tag | ciphertext
  wrapped bytea not null,
  master_key_id text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- One data key per subject. Deleting the row is the crypto-shredding of the subject (Art. 17).
create table subject_key (
  subject_id uuid primary key references subject (id) on delete cascade,
  -- the 32-byte data key, AES-256-GCM under the master key, AAD 'subject-key:<subject id>'
  wrapped_key bytea not null,
  master_key_id text not null,
  created_at timestamptz not null default now()
);

-- Direct identifiers (IDENTIFIER_FIELDS of the field catalog), one row per subject and field,
-- AES-256-GCM under the subject's data key with AAD '<subject id>:<field>', so a ciphertext moved
-- to another field or subject fails to decrypt.
create table subject_identifier (
  subject_id uuid not null references subject (id) on delete cascade,
  field text not null,
  ciphertext bytea not null,
  updated_at timestamptz not null default now(),
  primary key (subject_id, field)
);

-- Keyed HMAC-SHA256 of 'kind:normalised value' (blind-index secret): lookup and de-duplication
-- without decrypting. Keyed by the value, not by the subject (DESIGN.md "Beyond one machine":
-- distributed by digest), hence no foreign key to subject; subject rows are never deleted, only
-- tombstoned, and the vault deletes a subject's index rows when it replaces or shreds them.
create table blind_index (
  kind text not null check (kind in ('email', 'phone')),
  digest bytea not null,
  subject_id uuid not null,
  primary key (kind, digest, subject_id)
);
-- replacing and shredding a subject's entries
create index blind_index_subject_idx on blind_index (subject_id);
