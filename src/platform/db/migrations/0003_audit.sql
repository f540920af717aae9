-- The audit trail (Art. 5(2) GDPR accountability: who did what with whose data, when and why).
-- Append-only and hash-chained; see docs/adr/0005-audit-chain.md for the encoding, the
-- serialisation of appends, checkpoint trust and how the append-only rule is enforced.

create table audit_event (
  -- contiguous from 1, assigned by the log under the head lock (audit_head); a gap is tampering
  seq bigint primary key,
  at timestamptz not null,
  actor_type text not null,
  actor_id text not null,
  actor_role text,
  action text not null,
  -- small subject sets inline (sorted, distinct); null when the record names none or a linked set
  subject_ids uuid[],
  -- large sets (above the log's threshold) live once in audit_subject_set under this id
  subject_set_id uuid,
  -- size and SHA-256 of the sorted 16-byte ids of the linked set; the record's hash covers both
  subject_set_size integer,
  subject_set_digest bytea,
  purpose text,
  legal_basis text,
  -- field names touched, never values
  fields text[],
  request_id text,
  reason text,
  -- old/new values, encrypted by the vault under this subject's key: shredded with the key,
  -- while the bytes (and so the chain) stay intact
  sealed_subject_id uuid,
  sealed_values bytea,
  prev_hash bytea not null,
  hash bytea not null,
  check (seq > 0),
  check (octet_length(prev_hash) = 32 and octet_length(hash) = 32),
  check ((subject_set_id is null) = (subject_set_size is null) and (subject_set_id is null) = (subject_set_digest is null)),
  check (subject_ids is null or subject_set_id is null),
  check ((sealed_subject_id is null) = (sealed_values is null))
);
-- per-subject history: records naming the subject inline, or through a linked set
create index audit_event_subject_ids_idx on audit_event using gin (subject_ids);
create index audit_event_subject_set_idx on audit_event (subject_set_id) where subject_set_id is not null;

create table audit_subject_set (
  set_id uuid not null,
  subject_id uuid not null,
  primary key (set_id, subject_id)
);
create index audit_subject_set_subject_idx on audit_subject_set (subject_id, set_id);

-- The chain head: one row, locked by every append (select ... for update), so sequence numbers
-- are gap-free and each record links to the one before it, on PostgreSQL and PGlite alike.
create table audit_head (
  id boolean primary key default true check (id),
  seq bigint not null,
  hash bytea not null check (octet_length(hash) = 32)
);
insert into audit_head (id, seq, hash) values (true, 0, '\x0000000000000000000000000000000000000000000000000000000000000000');

-- Ed25519 signatures over (seq, hash, at) of the head at that time; verified against a trusted
-- public key from configuration, never against public_key alone (it is informational).
create table audit_checkpoint (
  seq bigint primary key,
  hash bytea not null check (octet_length(hash) = 32),
  at timestamptz not null,
  signature bytea not null,
  public_key bytea not null
);

-- Append-only. The trigger is what holds even for the table's owner; in production the
-- application's role is not the owner and additionally lacks the privileges (ADR 0005).
create function audit_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'the audit trail is append-only: % on % is refused', tg_op, tg_table_name
    using errcode = '42501';
end
$$;

create trigger audit_event_append_only before update or delete or truncate on audit_event
  for each statement execute function audit_refuse_change();
create trigger audit_subject_set_append_only before update or delete or truncate on audit_subject_set
  for each statement execute function audit_refuse_change();
create trigger audit_checkpoint_append_only before update or delete or truncate on audit_checkpoint
  for each statement execute function audit_refuse_change();
-- The head moves forward with every append; it may be updated, never removed.
create trigger audit_head_keep before delete or truncate on audit_head
  for each statement execute function audit_refuse_change();

revoke update, delete, truncate on audit_event, audit_subject_set, audit_checkpoint from public;
revoke delete, truncate on audit_head from public;
