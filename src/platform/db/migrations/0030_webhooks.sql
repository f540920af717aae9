-- Webhooks (issue #14): a recipient subscribes to events about subjects; each event is delivered
-- to each subscription by the worker, signed, retried with backoff, through the disclosure gate.
-- docs/adr/0016 says why deliveries are an outbox table of our own rather than pg-boss retries.

-- A subscription: the recipient's URL (http/https, checked by the service), the events, and the
-- purpose its payloads are disclosed under. The signing secret is derived from a vault secret and
-- the subscription's id and secret_version (rotation bumps it): nothing secret is stored here.
create table webhook_subscription (
  id uuid primary key default gen_random_uuid(),
  recipient_id uuid not null references recipient (id),
  url text not null check (length(url) between 8 and 2000 and url ~ '^https?://'),
  events text[] not null check (cardinality(events) > 0),
  purpose_key text not null references purpose (key),
  secret_version integer not null default 1 check (secret_version > 0),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index webhook_subscription_events_idx on webhook_subscription using gin (events) where active;

-- One event for one subscription: written in the transaction of the change it reports (an
-- outbox), delivered by the job `webhooks.deliver`. The id is the receiver's idempotency key
-- (header `webhook-id`), the same on every attempt. The payload is built when it is delivered,
-- through the gate: only the pseudonymous id and the fields the recipient may receive then.
-- Personal (the subject's id, no values); kept through an erasure (Art. 19: the erasure is itself
-- an event the recipients are told of).
create table webhook_delivery (
  subject_id uuid not null references subject (id),
  id uuid not null,
  subscription_id uuid not null references webhook_subscription (id),
  event text not null,
  occurred_at timestamptz not null,
  -- pending (to be tried at next_attempt_at), delivered, failed (attempts used up), refused (the
  -- transfer check or the gate said no), cancelled (the subscription ended before delivery)
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed', 'refused', 'cancelled')),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz not null,
  last_attempt_at timestamptz,
  -- the receiver's HTTP status, or null when there was no answer
  last_status integer,
  -- why the last attempt failed, in words (no payload, no personal data)
  last_error text,
  delivered_at timestamptz,
  disclosure_id uuid references disclosure (id),
  primary key (subject_id, id)
);
create index webhook_delivery_due_idx on webhook_delivery (next_attempt_at) where status = 'pending';
create index webhook_delivery_subscription_idx on webhook_delivery (subscription_id, occurred_at desc);
