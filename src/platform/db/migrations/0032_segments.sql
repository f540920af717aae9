-- Segments (issue #16): a named, saved, versioned rule tree over the subjects (kinds, pseudonymous
-- attributes, touchpoints, orders, scores, permission for a purpose and channel). A definition is
-- pseudonymous: it names no subject, and its members are computed when asked (one SQL statement in
-- src/privacy/segments), never stored. Not personal data (on Citus reference tables).
create table segment (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 200),
  description text not null default '' check (length(description) <= 2000),
  -- the purpose the segment is built for and evaluated under by default (the audience's purpose)
  purpose_key text not null references purpose (key),
  -- the rule tree (AND/OR groups of conditions), as validated by the API's schema
  rules jsonb not null,
  -- bumped by every change; each version is kept in segment_version
  version integer not null default 1,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index segment_name_idx on segment (lower(name));

-- Every version of a definition as it was saved, with who saved it: what a count or a list was made
-- from can be shown later. Deleted with its segment.
create table segment_version (
  segment_id uuid not null references segment (id) on delete cascade,
  version integer not null,
  name text not null,
  description text not null,
  purpose_key text not null,
  rules jsonb not null,
  saved_at timestamptz not null,
  actor_type text not null,
  actor_id text not null,
  primary key (segment_id, version)
);

-- Behaviour conditions ("touchpoints of a type within the last n days"): the touchpoints of a type
-- in a window are found without reading every subject's timeline.
create index touchpoint_type_time_idx on touchpoint (type, occurred_at) include (subject_id, channel);
