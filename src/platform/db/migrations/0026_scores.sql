-- Scores (issue #16): what customer analytics computes about a person — P(alive), expected
-- purchases, CLV, churn risk, RFM and ABC — kept only while the profiling purpose holds for them
-- (consent to profiling_offers, no objection: Art. 6(1)(a), Art. 21(2)-(3)), each with what it was
-- computed from, so that its explanation can be given (Art. 13(2)(f), 15(1)(h); CJEU C-203/22).
-- Personal tables: only src/privacy/ reads or writes them (src/privacy/scores).

-- A fitted model: population parameters from pseudonymous aggregates of all customers (no
-- subject id), the settings a run used, and the words that explain its scores, as they were when
-- the scores were computed. Not personal data (on Citus a reference table).
create table score_model (
  version integer generated always as identity primary key,
  -- the models fitted, e.g. 'bg-nbd/gamma-gamma'
  model text not null,
  fitted_at timestamptz not null,
  -- the end of the observation (the day histories are measured to)
  as_of date not null,
  -- per model: parameters, log-likelihood, customers, groups, converged; RFM cut points; ABC limits
  parameters jsonb not null,
  -- discount rate, horizon, churn thresholds, currency
  settings jsonb not null,
  -- per score kind: what it means, its outputs and its inputs, in German and English
  explanation jsonb not null,
  -- expected vs actual cumulative repeat purchases by week (the BG/NBD paper's tracking chart)
  calibration jsonb not null,
  actor_type text not null,
  actor_id text not null
);

-- One row per subject and score kind: its outputs, the inputs it was computed from (this person's
-- numbers), the model version, when. Erasure deletes it; a merge drops it (the next run computes the
-- survivor's from the merged orders); a withdrawal of the consent or an objection deletes it at once.
-- Every run rewrites every row: no index but the key (its columns never change) and half-full pages,
-- so the rewrite is a heap-only update that touches no index. `model_version` names a score_model
-- row without a foreign key (model rows are never deleted; a check per row would cost a lookup).
create table subject_score (
  subject_id uuid not null references subject (id) on delete cascade,
  -- 'clv' (BG/NBD + Gamma-Gamma) or 'rfm' (RFM quintiles and ABC class)
  kind text not null check (kind ~ '^[a-z][a-z0-9_]{1,39}$'),
  -- the headline number (CLV over the horizon; the RFM cell as a number)
  value double precision,
  -- the band a campaign segments on (churn risk high/medium/low; ABC class A/B/C)
  band text,
  -- every number and band of the kind
  outputs jsonb not null,
  inputs jsonb not null,
  model text not null,
  model_version integer not null,
  computed_at timestamptz not null,
  primary key (subject_id, kind)
) with (fillfactor = 50);

-- Events a recomputation raises (an outbox the campaigns read): a customer moved into the high
-- churn-risk band. Deleted with the scores on withdrawal, objection or erasure.
create table score_event (
  subject_id uuid not null references subject (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  -- 'churn_risk_high'
  kind text not null,
  occurred_at timestamptz not null,
  model_version integer not null,
  -- the band before and after, P(alive)
  details jsonb not null,
  primary key (subject_id, id)
);
create index score_event_time_idx on score_event (occurred_at, subject_id, id);
