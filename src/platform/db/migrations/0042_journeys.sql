-- Journeys (issue #17, "Triggers"; src/modules/journeys, src/privacy/journeys): automated single
-- messages with steps and waits — a welcome after a double opt-in is confirmed, a reactivation when
-- a customer's P(alive) falls below a threshold, a reminder after an abandoned order. Each send step
-- asks the permission again (MarketingMailService); a person who withdraws or objects is stopped.

-- A journey: configuration, not personal data (who enters is decided by the trigger, never typed in).
create table journey (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 200),
  description text not null default '' check (length(description) <= 2000),
  -- doi-confirmed {purposeKey}; p-alive-below {threshold}; order-abandoned {hours}
  trigger_kind text not null check (trigger_kind in ('doi-confirmed', 'p-alive-below', 'order-abandoned')),
  trigger jsonb not null,
  -- the steps in order: {type: wait, minutes} | {type: send, channel, purposeKey, content: {de, en}}
  steps jsonb not null,
  -- only members of this segment enter (its current definition, evaluated with the permission for the
  -- first send step's purpose on e-mail when the trigger fires); null: everyone the trigger finds
  segment_id uuid references segment (id) on delete restrict,
  -- the language of the content sent (a person's own language is not known yet)
  default_lang text not null default 'de' check (default_lang in ('de', 'en')),
  -- draft → active ⇄ paused; only a draft may be deleted
  status text not null default 'draft' check (status in ('draft', 'active', 'paused')),
  -- bumped by every change; every version is kept in journey_version, an enrolment follows its own
  version integer not null default 1,
  -- the first activation: only what happens after it enters (no welcome for old sign-ups)
  activated_at timestamptz,
  -- the trigger scan's high-water mark (each tick looks back a little before it, see the README)
  scanned_until timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_type text not null,
  created_by_id text not null
);
create unique index journey_name_idx on journey (lower(name));
create index journey_status_idx on journey (status);

-- Every version of a journey as saved, with who saved it: an enrolment runs the steps of the version
-- it entered with, so an edit never shifts someone mid-way. Deleted with its journey.
create table journey_version (
  journey_id uuid not null references journey (id) on delete cascade,
  version integer not null,
  name text not null,
  trigger_kind text not null,
  trigger jsonb not null,
  steps jsonb not null,
  segment_id uuid,
  default_lang text not null,
  saved_at timestamptz not null,
  actor_type text not null,
  actor_id text not null,
  primary key (journey_id, version)
);

-- Who is in a journey: one row per person × journey × what triggered it ('doi', 'p-alive',
-- 'order:<order id>'), so a redelivered tick never enrols twice. Personal data (that the person is
-- being advertised to): a record kind, deleted on erasure.
create table journey_enrolment (
  subject_id uuid not null references subject (id) on delete cascade,
  journey_id uuid not null references journey (id) on delete cascade,
  trigger_ref text not null check (length(trigger_ref) between 1 and 100),
  journey_version integer not null,
  -- the index of the next step to run (= the number of steps when completed)
  step integer not null default 0 check (step >= 0),
  -- when the next step is due (a wait's end; a claimed row's lease); null once ended
  next_at timestamptz,
  status text not null default 'active' check (status in ('active', 'completed', 'stopped')),
  -- stopped: the permission rule that refused (consent-withdrawn, objected, ...), order-completed,
  -- send-failed, no-address; never an address or a name
  reason text check (reason is null or length(reason) <= 200),
  -- failed send attempts of the current step (a temporary SMTP failure is retried)
  attempts integer not null default 0,
  entered_at timestamptz not null,
  updated_at timestamptz not null,
  ended_at timestamptz,
  primary key (subject_id, journey_id, trigger_ref)
);
-- the tick's due rows
create index journey_enrolment_due_idx on journey_enrolment (next_at) where status = 'active';
-- a journey's list and counts
create index journey_enrolment_journey_idx on journey_enrolment (journey_id, status, step);

-- The send ledger: one row per person × journey × trigger × step, written (status sending) before the
-- message goes out and marked sent after; its primary key is what makes a redelivered or concurrent
-- tick send a step at most once. Personal data: a record kind, deleted on erasure.
create table journey_send (
  subject_id uuid not null references subject (id) on delete cascade,
  journey_id uuid not null references journey (id) on delete cascade,
  trigger_ref text not null,
  step integer not null,
  channel text not null check (channel in ('email', 'sms')),
  purpose_key text not null,
  -- sending: claimed, the message may be out; sent: accepted by the SMTP server; refused: the
  -- permission rules deny it now (reason: the rule); failed: gave up (reason: why)
  status text not null check (status in ('sending', 'sent', 'refused', 'failed')),
  reason text check (reason is null or length(reason) <= 200),
  message_id text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (subject_id, journey_id, trigger_ref, step)
);
create index journey_send_journey_idx on journey_send (journey_id, step, status);

-- The triggers' sources, read by time window each tick: confirmed consents (double opt-in) and open
-- orders. Partial, so they hold only the rows a trigger can match.
create index consent_event_confirmed_idx on consent_event (purpose_key, occurred_at) where kind = 'confirmed';
create index customer_order_open_idx on customer_order (ordered_at) where status = 'open';
