-- Issue #5: an objection received by letter, phone or e-mail keeps a reference to its evidence
-- (the scanned letter, the call note), like a consent's proof does. Not personal data itself: an
-- identifier of a document kept elsewhere.
alter table objection_event
  add column reference text check (reference is null or length(reference) between 1 and 200);
