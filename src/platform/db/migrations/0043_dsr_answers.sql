-- Data subject requests answered per kind (issue #15, docs/adr/0021): the generated answer of a
-- rectification, erasure, restriction, objection or human review, the Art. 19 letter tasks, and the
-- Art. 18(3) notice before a restriction is lifted.

-- The answer Tresor generated for the request (kind, outcome, the text told to the person in German
-- and English, the fields corrected by name, the recipients notified, what an erasure kept and until
-- when, the DPO's decision and reasons). Built without personal values (field names, recipients'
-- names, the holds' laws and dates, the DPO's own words), so it stays readable as proof of the answer
-- after an erasure shredded the subject's key; null for a request answered before, or with a report.
alter table dsr_request add column answer jsonb;

-- Art. 19: a recipient the data was disclosed to that no webhook subscription tells of the change is
-- told by the DPO by other means (a letter, a mail): one task per request, recipient and event, open
-- until staff mark it done. Keyed by the request (whose row outlives an erasure and follows a merge),
-- not by the subject; the message names fields, never their values.
create table dsr_letter_task (
  id uuid primary key,
  request_id uuid not null,
  recipient_id uuid not null references recipient (id),
  event text not null check (event in ('subject.changed', 'subject.erased', 'subject.restricted')),
  fields text[] not null default '{}',
  message text not null check (length(message) between 1 and 4000),
  status text not null default 'open' check (status in ('open', 'done')),
  created_at timestamptz not null,
  done_at timestamptz,
  done_by_type text,
  done_by_id text,
  done_note text check (done_note is null or length(done_note) between 1 and 500),
  check ((status = 'done') = (done_at is not null))
);
create index dsr_letter_task_request_idx on dsr_letter_task (request_id);
create index dsr_letter_task_open_idx on dsr_letter_task (created_at, id) where status = 'open';

-- Art. 18(3): the person who obtained a restriction is told before it is lifted. When and how the
-- notice went (mailed by Tresor, or sent by letter and recorded by staff); a lift is refused until then.
alter table restriction_state add column lift_notice_at timestamptz;
alter table restriction_state add column lift_notice_channel text
  check (lift_notice_channel is null or lift_notice_channel in ('email', 'letter'));
