-- Imports (issue #4): one row per import run, with its provenance and the report of rejected rows
-- (row number, column, reason — never a cell's value), so the report can be downloaded later. Not
-- personal data: it names no subject.
create table import_batch (
  id uuid primary key,
  kind text not null check (kind in ('subjects', 'events', 'orders')),
  status text not null check (status in ('running', 'done', 'failed')),
  actor_type text not null,
  actor_id text not null,
  source text,
  purpose_key text references purpose (key),
  consent_reference text,
  format jsonb not null default '{}',
  rows integer not null default 0,
  imported integer not null default 0,
  skipped integer not null default 0,
  rejected integer not null default 0,
  problems jsonb not null default '[]',
  problems_truncated boolean not null default false,
  error text,
  started_at timestamptz not null,
  finished_at timestamptz
);
create index import_batch_started_idx on import_batch (started_at desc);
