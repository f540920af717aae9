-- The audience of a consent purpose (issue #3 bench): only granted or confirmed
-- consents can be in it, so the index holds only those (withdrawn, requested and expired rows,
-- a quarter of the table in the demo data, are no longer read and filtered out). The audience query
-- states the statuses as literals, so the planner proves it may use this partial index also for
-- prepared (generic) plans.
drop index permission_state_audience_idx;
create index permission_state_audience_idx
  on permission_state (purpose_key, channel, subject_id) include (status, expires_at)
  where status in ('granted', 'confirmed');

-- purpose_key, channel and status are strongly dependent (a purpose has one or two channels; a
-- double opt-in purpose has almost only confirmed rows). Without these statistics the planner
-- multiplied their selectivities, guessed a seventh of the real audience, and chose a bitmap scan
-- plus a sort of everything after the page's start instead of reading the index in order up to the
-- page's limit.
create statistics permission_state_purpose_stats (dependencies, mcv)
  on purpose_key, channel, status from permission_state;
