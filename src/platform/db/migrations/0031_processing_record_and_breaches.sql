-- Issue #14, second half: the record of processing activities (Art. 30(1)) and the breach register
-- (Art. 33, 34). See src/modules/records-of-processing/README.md and src/privacy/breaches/README.md.

-- Art. 30(1), Art. 5(2): every version of the record the DPO adopted, as the canonical JSON Tresor
-- generated from its configuration (never typed), with its SHA-256 and who adopted it when; the
-- record shows what changed since the version before. Not personal data.
create table processing_record_version (
  version integer primary key check (version > 0),
  -- canonical JSON: keys sorted, no whitespace; what the hash is taken over
  content text not null,
  -- hex SHA-256 of content
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  adopted_by_type text not null,
  adopted_by_id text not null,
  adopted_at timestamptz not null
);

-- Art. 33(5): every personal data breach is documented — the facts, its effects and the remedial
-- action — whether or not it is notified. Not personal data of subjects: the affected people are in
-- breach_subject, by pseudonymous id only; texts are the DPO's description (no names or addresses).
create table breach (
  id uuid primary key,
  -- the register's running number, shown as B-<number>
  number integer generated always as identity unique,
  -- Art. 33(1): when the controller became aware; the 72 hours run from here
  aware_at timestamptz not null,
  -- when it happened, as far as known
  occurred_from timestamptz,
  occurred_until timestamptz,
  title text not null check (length(title) between 3 and 200),
  -- Art. 33(3)(a): the nature of the breach
  description text not null check (length(description) between 10 and 5000),
  -- confidentiality, integrity, availability (ENISA's classification)
  nature text[] not null default '{}',
  -- Art. 33(3)(a): categories of subjects (subject kinds) and of personal data (field categories)
  subject_categories text[] not null default '{}',
  data_categories text[] not null default '{}',
  -- Art. 33(3)(a): approximate numbers, as the DPO estimates them (the computed set is separate)
  approx_subjects integer check (approx_subjects >= 0),
  approx_records integer check (approx_records >= 0),
  -- Art. 33(3)(c), (d)
  consequences text not null default '' check (length(consequences) <= 5000),
  measures text not null default '' check (length(measures) <= 5000),
  -- Art. 33(1), 34(1): none (no notification needed), risk (notify the authority), high (and the people)
  risk text not null check (risk in ('none', 'risk', 'high')),
  status text not null default 'open' check (status in ('open', 'notified', 'closed')),
  authority_notified_at timestamptz,
  authority_reference text check (length(authority_reference) <= 200),
  -- Art. 33(1): a notification after 72 hours is accompanied by the reasons for the delay
  delay_reasons text check (length(delay_reasons) between 10 and 5000),
  -- the queries over the audit trail the affected set was computed from (actor, window, actions)
  affected_queries jsonb not null default '[]',
  -- the 72-hour reminders mailed to the DPO: 1 when 24 hours were left, 2 when the time ran out
  reminders_sent integer not null default 0 check (reminders_sent between 0 and 2),
  recorded_by_type text not null,
  recorded_by_id text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check (occurred_until is null or occurred_from is null or occurred_from <= occurred_until),
  check (
    authority_notified_at is null
    or authority_notified_at <= aware_at + interval '72 hours'
    or delay_reasons is not null
  )
);
create index breach_open_idx on breach (aware_at) where status = 'open';

-- The people a breach concerns, computed from the audit trail (never guessed): how many audit
-- records of the breach's queries named them, and the Art. 34 letter to each (sent, or why not).
create table breach_subject (
  subject_id uuid not null references subject (id),
  breach_id uuid not null references breach (id) on delete cascade,
  records integer not null check (records > 0),
  added_at timestamptz not null,
  -- Art. 34: the communication to the person: sent, or why not (refused by the gate, no address, failed)
  letter_status text check (letter_status in ('sent', 'refused', 'no-address', 'failed')),
  letter_note text check (length(letter_note) <= 300),
  letter_at timestamptz,
  primary key (subject_id, breach_id)
);
create index breach_subject_breach_idx on breach_subject (breach_id, subject_id);

-- The affected set of a breach: what one actor (a user, an API token) did in a time window. The
-- per-subject indexes of migration 0003 answer "who read this person"; this one answers "whom did
-- this actor read", a range scan over one actor's records in time order.
create index audit_event_actor_at_idx on audit_event (actor_type, actor_id, at);
