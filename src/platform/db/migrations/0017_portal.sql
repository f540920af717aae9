-- Issue #5: the privacy portal (/p/portal) and the recording of data subject requests.
-- Personal data (who asked to sign in and when, what they asked for): keyed by subject_id like
-- every personal table; lookups by another key live in their own table keyed by that value.

-- A sign-in link mailed to a subject's address on request: works once, for a short time.
create table portal_link (
  subject_id uuid not null references subject (id),
  id uuid not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  primary key (subject_id, id)
);
-- The purge job's sweep, and the resend window (the subject's latest link).
create index portal_link_expiry_idx on portal_link (expires_at);

-- A signed-in portal session; the browser holds its token in an HttpOnly cookie.
create table portal_session (
  subject_id uuid not null references subject (id),
  id uuid not null,
  link_id uuid not null,
  -- when the link that opened the session was mailed: part of the proof of a consent given in the
  -- portal (the address owner followed a link sent to that address, like a double opt-in)
  link_sent_at timestamptz not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  primary key (subject_id, id)
);
create index portal_session_expiry_idx on portal_session (expires_at);

-- A link's or a session's token → what it opens. Only the SHA-256 of the 256-bit token is stored,
-- so a copy of the database signs no one in. Keyed by that digest (DESIGN.md "Beyond one
-- machine"), hence no foreign key.
create table portal_token (
  token_hash bytea primary key check (octet_length(token_hash) = 32),
  kind text not null check (kind in ('link', 'session')),
  subject_id uuid not null,
  ref_id uuid not null
);
create index portal_token_subject_idx on portal_token (subject_id);

-- Data subject requests (Art. 15-18, 20, 21 GDPR) as received: through the portal, or recorded by
-- staff from a letter, a call, an e-mail or a visit. Handling them is a later issue; here
-- they are recorded with the time of receipt and the deadline that runs from it (Art. 12(3)).
-- Erasure keeps the row (proof that the request was received and when, Art. 5(2)); the details are
-- sealed under the subject's data key, so crypto-shredding makes them unreadable.
create table dsr_request (
  subject_id uuid not null references subject (id),
  id uuid not null,
  -- copy: Art. 15(3) and Art. 20 answered together (see src/modules/requests/README.md)
  kind text not null
    check (kind in ('access', 'copy', 'rectification', 'erasure', 'restriction', 'objection')),
  channel text not null check (channel in ('portal', 'email', 'letter', 'phone', 'in-person')),
  received_at timestamptz not null,
  -- received_at plus the deadline of the configuration (TRESOR_DSR_DEADLINE, default one month)
  due_at timestamptz not null,
  status text not null default 'received' constraint dsr_request_status_check check (status in ('received')),
  -- what the person wrote (what is wrong, their grounds), AES-256-GCM under the subject's data key,
  -- bound to 'dsr:<id>'
  details_sealed bytea,
  -- where the original is kept (the scanned letter, the call note): a reference, not its content
  reference text check (reference is null or length(reference) between 1 and 200),
  recorded_by_type text not null,
  recorded_by_id text not null,
  recorded_at timestamptz not null,
  primary key (subject_id, id)
);
-- The inbox: open requests, the one due first on top.
create index dsr_request_open_idx on dsr_request (due_at, id) where status = 'received';
