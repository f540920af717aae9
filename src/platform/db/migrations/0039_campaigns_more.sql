-- Campaigns, continued (issue #17; docs/adr/0020-campaigns-send-ledger.md).

-- Opens and clicks are recorded only when the campaign asks for it (off by default), and then only
-- for people whose tracking consent holds.
alter table campaign add column track_opens boolean not null default false;

-- The send's lease: one process at a time sends a campaign (a redelivered job, a second worker or
-- a `tresor campaigns send` beside the worker find it held and leave). The holder renews it before
-- every batch; a process that died frees it when `send_lease_until` has passed, and the next
-- holder puts the rows the dead one left `sending` back to `queued` (same Message-ID).
alter table campaign add column send_lease_owner text;
alter table campaign add column send_lease_until timestamptz;
