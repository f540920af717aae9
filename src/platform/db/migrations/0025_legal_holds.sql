-- Legal holds and the erasure that keeps only what the law requires (issue #13, docs/adr/0010).

-- Art. 17(3): an erasure asked for while a legal hold runs keeps what the hold covers, restricted,
-- and finishes when the last hold ends. Set at the (held) erasure; erased_at is set when it finishes.
alter table subject add column erasure_requested_at timestamptz;
-- The sweep that finishes held erasures walks only these (few) subjects.
create index subject_erasure_held_idx on subject (id)
  where erasure_requested_at is not null and erased_at is null;

-- Art. 18(2): a held erasure restricts the subject on a ground of its own, which only the erasure
-- sets and only its completion ends (the four grounds of Art. 18(1) stay the DPO's).
alter table restriction_event drop constraint restriction_event_ground_check;
alter table restriction_event add constraint restriction_event_ground_check
  check (ground in ('accuracy-contested', 'unlawful-processing', 'legal-claims', 'objection-pending', 'erasure-held'));
alter table restriction_state drop constraint restriction_state_ground_check;
alter table restriction_state add constraint restriction_state_ground_check
  check (ground in ('accuracy-contested', 'unlawful-processing', 'legal-claims', 'objection-pending', 'erasure-held'));

-- A hold the DPO entered (Art. 17(3)(b), (e)): what it keeps of one subject, why, until when. Holds
-- derived from the data (invoices, § 7a UWG consent proof) are computed, never stored.
create table legal_hold (
  subject_id uuid not null references subject (id) on delete cascade,
  id uuid not null,
  ground text not null check (ground in ('legal_claims', 'dispute', 'authority_request', 'other')),
  -- why, for the DPO and the person's answer; no personal data (the service checks the length)
  reason text not null check (length(reason) between 10 and 500),
  -- the field categories whose identifiers it keeps, and the record kinds (tables) it keeps
  field_categories text[] not null default '{}',
  record_kinds text[] not null default '{}',
  -- null: until lifted
  until timestamptz,
  set_by_type text not null,
  set_by_id text not null,
  created_at timestamptz not null,
  lifted_at timestamptz,
  lifted_by_type text,
  lifted_by_id text,
  primary key (subject_id, id),
  check (cardinality(field_categories) + cardinality(record_kinds) > 0)
);

-- Every erasure, no personal data beyond the pseudonymous id: after a restore from a backup taken
-- earlier, `tresor erasures replay` erases again whoever was erased since (the copy that survives
-- the database is the append-only file TRESOR_ERASURE_LEDGER). `holds`: the ids of the holds a held
-- erasure kept for (invoice ids, `phone-consent:<purpose>`, legal_hold ids), so the sweep sees one end.
create table erasure_ledger (
  subject_id uuid not null references subject (id),
  seq bigint generated always as identity,
  erased_at timestamptz not null,
  kind text not null check (kind in ('full', 'held', 'finished')),
  holds text[] not null default '{}',
  primary key (subject_id, seq)
);
