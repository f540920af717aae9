-- Recipients and transfers (issue #14; Art. 4(9), 28, 44-49): the registry of those personal data
-- is disclosed to, the Commission's adequacy decisions as seeded, reviewable data, and the
-- disclosures made (Art. 15(1)(c), Art. 19). src/privacy/recipients/README.md has the words.

-- The adequacy decisions (Art. 45(3)) the transfer check reads: seeded from LEGAL.md by
-- RecipientService.seed() without overwriting the DPO's `valid_until`. Not personal data.
create table adequacy_decision (
  country text primary key check (country ~ '^[A-Z]{2}$'),
  name_de text not null,
  name_en text not null,
  decision text not null,
  adopted_on date not null,
  -- full: the country; commercial: organisations of a law (Canada's PIPEDA); certified: only
  -- organisations certified under a framework (the EU-US Data Privacy Framework)
  scope text not null check (scope in ('full', 'commercial', 'certified')),
  note_de text not null,
  note_en text not null,
  -- from this day on the decision carries no transfer (invalidated, expired); null: in force
  valid_until date,
  updated_at timestamptz not null default now()
);

-- A recipient: processor, controller, joint controller or authority, its country and the ground
-- of a transfer there, and what it receives. Configuration, not personal data (on Citus a
-- reference table). The vocabularies are src/privacy/recipients/recipient.ts's.
create table recipient (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 200),
  role text not null check (role in ('processor', 'controller', 'joint_controller', 'authority')),
  country text not null check (country ~ '^[A-Z]{2}$'),
  -- Art. 28(3): the processing contract's date
  contract_date date,
  mechanism text not null check (mechanism in ('eea', 'adequacy', 'scc', 'bcr', 'derogation_49', 'none')),
  -- the EU-US Data Privacy Framework: the day the certification was last confirmed on the DPF list
  dpf_certified_on date,
  scc_module smallint check (scc_module between 1 and 4),
  scc_date date,
  bcr_reference text check (length(bcr_reference) between 1 and 200),
  derogation_point text check (derogation_point in ('a', 'b', 'c', 'd', 'e', 'f', 'g', 'compelling_interests')),
  derogation_reason text check (length(derogation_reason) between 1 and 1000),
  purposes text[] not null default '{}',
  field_categories text[] not null default '{}',
  note text check (length(note) <= 2000),
  retired_at timestamptz,
  version integer not null default 1 check (version > 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((derogation_point is null) = (derogation_reason is null))
);

-- A disclosure: one export to a recipient, or one webhook delivery — when, by whom, under which
-- purpose, which fields (names, never values). Its subjects are in disclosure_subject.
create table disclosure (
  id uuid primary key,
  recipient_id uuid not null references recipient (id),
  at timestamptz not null,
  channel text not null check (channel in ('export', 'webhook')),
  purpose_key text not null,
  fields text[] not null,
  actor_type text not null,
  actor_id text not null,
  request_id text,
  -- the webhook delivery's id, or the export's format
  reference text
);
create index disclosure_recipient_idx on disclosure (recipient_id, at);

-- The subjects of a disclosure: the Art. 15(1)(c) answer and the list Art. 19 notifications go to.
-- Personal (the pseudonymous id only); kept through an erasure (Art. 19, Art. 5(2)).
create table disclosure_subject (
  subject_id uuid not null references subject (id),
  disclosure_id uuid not null references disclosure (id),
  primary key (subject_id, disclosure_id)
);
