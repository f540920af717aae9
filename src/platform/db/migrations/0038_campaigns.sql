-- Campaigns (issue #17; docs/adr/0020-campaigns-send-ledger.md): a segment reached on one or more
-- channels, each under a direct-marketing purpose; the audience decided at send time and re-checked
-- per batch through the gate; a send ledger with one row per campaign × subject × channel so a
-- redelivered or restarted job never sends twice; suppressions after hard bounces and complaints.

-- A campaign: configuration, not personal data (the audience is computed, never typed in).
create table campaign (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 200),
  description text not null default '' check (length(description) <= 2000),
  -- who is meant (segment ∩ permission decides who is reached); null only for journeys' one-off sends
  segment_id uuid references segment (id) on delete restrict,
  -- the segment's version the audience was decided from (set when the send starts)
  segment_version integer,
  -- draft → scheduled → sending → sent; paused (by a user) and cancelled on the way
  status text not null default 'draft'
    check (status in ('draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled')),
  -- when the send starts (scheduled); null: on demand
  scheduled_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  -- the language of subjects whose own language has no content
  default_lang text not null default 'de' check (default_lang in ('de', 'en')),
  -- frequency cap: at most cap_messages marketing messages per channel per person within cap_days
  -- (counting every campaign's sent ledger rows); null: no cap
  cap_messages integer check (cap_messages is null or cap_messages >= 1),
  cap_days integer check (cap_days is null or cap_days between 1 and 365),
  -- the audience decided at send time, per channel: {"email": {"audience": n, "excludedBy": {...}}}
  audience jsonb,
  version integer not null default 1,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  created_by_type text not null,
  created_by_id text not null
);
create index campaign_status_idx on campaign (status, scheduled_at);

-- The channels of a campaign, each under its own direct-marketing purpose that uses the channel
-- (newsletter_email on email, sms_marketing on sms, postal_advertising on post, phone_marketing on
-- phone, as seeded). For post the letter shop is a recipient (a processor) of the registry.
create table campaign_channel (
  campaign_id uuid not null references campaign (id) on delete cascade,
  channel text not null check (channel in ('email', 'sms', 'post', 'phone')),
  purpose_key text not null references purpose (key),
  -- post: the letter shop the print list is disclosed to
  recipient_id uuid references recipient (id),
  primary key (campaign_id, channel)
);

-- The content per channel and language. Merge fields ({{firstName}} …) are checked against the
-- fields the channel's purpose and the sender's role may use when the content is saved.
create table campaign_content (
  campaign_id uuid not null references campaign (id) on delete cascade,
  channel text not null check (channel in ('email', 'sms', 'post', 'phone')),
  lang text not null check (lang in ('de', 'en')),
  -- e-mail subject line; letter heading; call-script title
  subject text not null default '' check (length(subject) <= 500),
  body_text text not null check (length(body_text) <= 100000),
  body_html text check (body_html is null or length(body_html) <= 500000),
  primary key (campaign_id, channel, lang)
);

-- The send ledger: one row per campaign × subject × channel, written when the audience is decided
-- (status queued) and moved on by each batch. Its primary key is what makes a redelivered job or a
-- restart after a crash send nothing twice: a row leaves `queued` for `sending` in the batch's
-- transaction before the message goes out, and a `sending` row found after a crash is resolved by
-- the sender (SMTP: the Message-ID was fixed before sending, so a resend is recognisable), never
-- blindly re-sent. Personal data (who was sent what): a record kind, deleted on erasure.
create table campaign_delivery (
  campaign_id uuid not null references campaign (id) on delete cascade,
  subject_id uuid not null references subject (id) on delete cascade,
  channel text not null check (channel in ('email', 'sms', 'post', 'phone')),
  -- queued: in the audience, not yet sent; sending: claimed by a batch; sent: handed to the SMTP
  -- server / SMS provider / print list / call list; delivered: confirmed by the provider or the
  -- call's outcome; bounced: a hard bounce; failed: a permanent error (5xx); skipped: no longer
  -- permitted when its batch came (withdrawal, objection, restriction, erasure, suppression, cap)
  status text not null default 'queued'
    check (status in ('queued', 'sending', 'sent', 'delivered', 'bounced', 'failed', 'skipped')),
  -- skipped: the gate's denial rule, or suppressed / frequency-cap / no-address; failed/bounced:
  -- the SMTP reply code or the provider's status; phone: the call's outcome
  reason text,
  attempts integer not null default 0,
  -- the Message-ID (e-mail) or the provider's message id (SMS), fixed before the first attempt
  message_id text,
  -- a temporary failure (4xx) waits until then
  retry_at timestamptz,
  queued_at timestamptz not null,
  sent_at timestamptz,
  updated_at timestamptz not null,
  -- opens and clicks: only recorded with a tracking consent (off by default)
  opened_at timestamptz,
  clicked_at timestamptz,
  primary key (campaign_id, subject_id, channel)
) with (fillfactor = 70);
-- the batch's next rows and the report's counts
create index campaign_delivery_status_idx on campaign_delivery (campaign_id, channel, status, subject_id);
-- the frequency cap: a person's recent marketing messages on a channel
create index campaign_delivery_subject_idx on campaign_delivery (subject_id, channel, sent_at);
-- a bounce or a provider report names the message
create index campaign_delivery_message_idx on campaign_delivery (message_id) where message_id is not null;

-- Suppressions: a channel no campaign reaches a person on any more, whatever the permission says
-- (a hard bounce: the address does not exist; a spam complaint). Personal data, deleted on erasure.
create table campaign_suppression (
  subject_id uuid not null references subject (id) on delete cascade,
  channel text not null check (channel in ('email', 'sms', 'post', 'phone')),
  -- hard-bounce, complaint, manual
  reason text not null check (reason in ('hard-bounce', 'complaint', 'manual')),
  -- the DSN's status code or the provider's report, no address
  detail text not null default '' check (length(detail) <= 500),
  created_at timestamptz not null,
  primary key (subject_id, channel)
);
