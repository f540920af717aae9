-- Data subject requests answered (issue #15; Art. 12 GDPR): the workflow of a request and the
-- answers Tresor generates. The steps are columns of the request (its current state); every step
-- is also an audit record (who, when, which step), so the history is the audit trail's.

-- received → identity_verified → in_progress → answered | refused; extended (Art. 12(3)) from any
-- open state within the first month of receipt.
alter table dsr_request drop constraint dsr_request_status_check;
alter table dsr_request add constraint dsr_request_status_check
  check (status in ('received', 'identity_verified', 'in_progress', 'extended', 'answered', 'refused'));

-- the staff member the request is assigned to (a user of Tresor, not a subject)
alter table dsr_request add column assignee_id uuid references app_user (id);
-- Art. 12(6): how the person's identity was verified; the note says how without personal data
-- ("called back on the number on file"), never the document's number
alter table dsr_request add column verified_at timestamptz;
alter table dsr_request add column verification_method text check (verification_method is null or verification_method in
  ('portal_sign_in', 'known_contact_details', 'id_document', 'in_person', 'signature', 'other'));
alter table dsr_request add column verification_note text
  check (verification_note is null or length(verification_note) between 1 and 500);
alter table dsr_request add column started_at timestamptz;
-- Art. 12(3): the extension, its reason (told to the person) and the due date before it
alter table dsr_request add column extended_at timestamptz;
alter table dsr_request add column extension_reason text
  check (extension_reason is null or length(extension_reason) between 1 and 2000);
alter table dsr_request add column first_due_at timestamptz;
-- answered or refused; Art. 12(4)-(5): the reasons told to the person
alter table dsr_request add column closed_at timestamptz;
alter table dsr_request add column refusal_reason text
  check (refusal_reason is null or length(refusal_reason) between 1 and 2000);
-- a request of a kind Tresor doesn't answer itself yet: what staff did, in a sentence (no personal data)
alter table dsr_request add column answer_note text check (answer_note is null or length(answer_note) between 1 and 2000);
alter table dsr_request add column refusal_ground text check (refusal_ground is null or refusal_ground in
  ('identity_not_verified', 'manifestly_unfounded', 'excessive', 'rights_of_others', 'other'));
-- the last step's actor (the audit trail has them all)
alter table dsr_request add column updated_at timestamptz;

-- A request filed in the portal was filed by a signed-in person: the mailed sign-in link verified them.
update dsr_request set status = 'identity_verified', verified_at = received_at, verification_method = 'portal_sign_in'
  where channel = 'portal' and status = 'received';

-- Art. 18(2): a purpose answering the person's own requests reaches restricted data (the seed's
-- dsr_fulfilment); a restriction keeps data from use, not from the person asking for it.
alter table purpose drop constraint purpose_scope_restriction_exception_check;
alter table purpose add constraint purpose_scope_restriction_exception_check check (
  scope_restriction_exception in
    ('consent', 'legal_claims', 'rights_of_others', 'important_public_interest', 'data_subject_rights')
);

-- The steps address a request by its id alone (POST /requests/{id}/...).
create index dsr_request_id_idx on dsr_request (id);

-- The inbox: open requests, the one due first on top.
drop index dsr_request_open_idx;
create index dsr_request_open_idx on dsr_request (due_at, id)
  where status in ('received', 'identity_verified', 'in_progress', 'extended');

-- The answer given (Art. 15): the generated report, sealed under the subject's data key (AAD
-- 'dsr-answer:<request id>'), downloadable by the signed-in person until expires_at. An erasure
-- deletes it (and shreds the key it is sealed with); the request row stays as proof of the answer.
create table dsr_answer (
  subject_id uuid not null references subject (id),
  request_id uuid not null,
  lang text not null check (lang in ('de', 'en')),
  report_sealed bytea not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  created_by_type text not null,
  created_by_id text not null,
  -- when the person last downloaded it (proof that it reached them)
  downloaded_at timestamptz,
  -- no foreign key to dsr_request: a merge moves the request and drops the duplicate's answer
  primary key (subject_id, request_id)
);
