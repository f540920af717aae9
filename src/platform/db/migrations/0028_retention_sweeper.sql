-- Issue #13, the sweeper: the deletion concept's rules applied. A plan (dry run) says per rule how
-- many subjects and records are due and from which cutoff on; the DPO approves it; a run executes an
-- approved plan with its cutoffs, batch by batch, resumable. Not personal tables: rule keys,
-- versions, cutoffs, counts, and pseudonymous ids (a sample of due subjects and records, the
-- subjects a run could not handle) — no names, no values.
create table retention_plan (
  id uuid primary key,
  created_at timestamptz not null,
  -- the instant the plan judged due at: its cutoffs are derived from it
  as_of timestamptz not null,
  created_by_type text not null,
  created_by_id text not null,
  -- manual: asked for by someone; schedule: the daily sweep's, under the standing approval
  trigger text not null check (trigger in ('manual', 'schedule')),
  -- per rule: key, version, record kind, status, cutoff, columns, counts, sample (see RetentionPlanRule)
  rules jsonb not null,
  approved_at timestamptz,
  approved_by_type text,
  approved_by_id text,
  -- dpo: approved by a person; standing: run by the schedule under an earlier approval of the same versions
  approval text check (approval in ('dpo', 'standing')),
  check ((approved_at is null) = (approval is null))
);
create index retention_plan_created_idx on retention_plan (created_at desc, id);
create index retention_plan_approved_idx on retention_plan (approved_at desc) where approval = 'dpo';

create table retention_run (
  id uuid primary key,
  plan_id uuid not null references retention_plan (id),
  trigger text not null check (trigger in ('manual', 'schedule')),
  actor_type text not null,
  actor_id text not null,
  status text not null default 'running' check (status in ('running', 'done')),
  started_at timestamptz not null,
  finished_at timestamptz
);
create index retention_run_started_idx on retention_run (started_at desc, id);
create index retention_run_running_idx on retention_run (started_at) where status = 'running';

-- Progress per rule of a run: the cursor is the last subject id whose batch committed, so a run
-- stopped half-way goes on after it; a batch and its cursor move commit together.
create table retention_run_rule (
  run_id uuid not null references retention_run (id) on delete cascade,
  rule_key text not null,
  rule_version integer not null,
  record_kind text,
  status text not null check (status in ('pending', 'done', 'skipped')),
  -- why a rule was not run (its version changed since the approval, nothing recorded, …)
  skip_reason text,
  cutoff timestamptz,
  planned_subjects bigint not null default 0,
  planned_records bigint not null default 0,
  cursor uuid,
  subjects_done bigint not null default 0,
  records_deleted bigint not null default 0,
  erased bigint not null default 0,
  held bigint not null default 0,
  failed bigint not null default 0,
  -- the first failures: [{ "subject": uuid, "reason": text }], pseudonymous, bounded
  failures jsonb not null default '[]',
  position integer not null,
  updated_at timestamptz not null,
  primary key (run_id, rule_key)
);

-- The sweeper's § 7a UWG tests (the proof of a phone consent is kept while its latest grant or use
-- is recent) look up a subject's consent events by channel and purpose: the few phone consents among
-- many web and e-mail ones, without reading them all.
create index consent_event_channel_idx on consent_event (channel, purpose_key, subject_id, occurred_at);
