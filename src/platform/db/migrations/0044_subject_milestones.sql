-- Milestones of a relationship that start retention clocks (issue #13, the deletion concept): the
-- decision on an application — a rejected applicant's data goes 6 months after the rejection
-- (§ 15(4) AGG, § 61b ArbGG) — and the end of a contract (rules starting at "end of contract").
-- Recorded by staff through the API, the CLI or the contact page. Personal data (a record kind),
-- deleted with the subject; the latest application decision is the one that counts.
create table subject_milestone (
  subject_id uuid not null references subject (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  kind text not null
    check (kind in ('application_rejected', 'application_accepted', 'application_withdrawn', 'contract_ended')),
  -- when it happened (a contract's end may lie ahead: its clock starts then)
  occurred_at timestamptz not null,
  recorded_at timestamptz not null,
  actor_type text not null,
  actor_id text not null,
  primary key (subject_id, id)
);
-- the sweeper's "decided before the cutoff" and "latest decision" probes per subject
create index subject_milestone_kind_idx on subject_milestone (subject_id, kind, occurred_at);
