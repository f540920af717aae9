-- Name search (issue #4, docs/adr/0008): the words of first and last names get blind-index entries
-- of their own kinds. Names stored before this migration are indexed when they are next written.
alter table blind_index drop constraint blind_index_kind_check;
alter table blind_index add constraint blind_index_kind_check
  check (kind in ('email', 'phone', 'first_name', 'last_name'));
