-- Unsubscribe links (issue #5; LEGAL.md "Direct marketing channels": every marketing mail carries
-- one, with the RFC 8058 one-click headers). One row per subject, purpose and channel: the link is
-- derived from them (an HMAC under a vault secret), so every mail of that kind carries the same
-- link and a campaign adds no rows. Only the SHA-256 of the link's token is stored: a copy of the
-- database unsubscribes no one.
--
-- No expiry: people find old mails years later and must still be able to object (Art. 21(2)-(3)
-- GDPR, Art. 7(3): withdrawal as easy as giving). A link is valid while its subject exists; an
-- erasure (Art. 17) deletes the subject's rows, and the link then finds nothing.
--
-- The lookup is by the token's digest (DESIGN.md "Beyond one machine": a lookup by another key
-- lives in its own table keyed by that value), hence no foreign key. Personal data (which subject
-- gets which kind of advertising): only src/privacy/ queries it.
create table unsubscribe_token (
  token_hash bytea primary key check (octet_length(token_hash) = 32),
  subject_id uuid not null,
  purpose_key text not null,
  channel text not null check (channel in ('email', 'sms', 'post')),
  created_at timestamptz not null,
  -- When the link was first followed to unsubscribe (a POST; a GET changes nothing).
  used_at timestamptz
);
create index unsubscribe_token_subject_idx on unsubscribe_token (subject_id);
