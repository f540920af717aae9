-- The audience of a send decided at its start, written as chunks of subject ids (issue #17,
-- docs/adr/0022): one statement takes segment ∩ permission ∩ not suppressed ∩ under the cap and
-- stores it here as arrays of a few thousand ids, instead of a million ledger rows at once. The
-- sender moves a chunk into `campaign_delivery` (as `queued`) whenever its queue runs low — the
-- chunk's delete and the ledger's insert are one statement, so a crash neither skips nor repeats
-- anyone — and each batch is re-checked through the gate as before. Pseudonymous (ids only).
create table campaign_audience_chunk (
  campaign_id uuid not null references campaign (id) on delete cascade,
  channel text not null check (channel in ('email', 'sms', 'post', 'phone')),
  chunk integer not null,
  subject_ids uuid[] not null,
  -- the send was cancelled before the chunk entered the ledger (kept for the report's count)
  cancelled boolean not null default false,
  primary key (campaign_id, channel, chunk)
);
-- random ids don't compress: store the arrays out of line without trying
alter table campaign_audience_chunk alter column subject_ids set storage external;
