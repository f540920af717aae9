-- Issue #16 (Art. 22(3)): a person may ask that a human reviews a decision that rested on a score.
alter table dsr_request drop constraint dsr_request_kind_check;
alter table dsr_request add constraint dsr_request_kind_check
  check (kind in ('access', 'copy', 'rectification', 'erasure', 'restriction', 'objection', 'human_review'));
