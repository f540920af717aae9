-- The live subjects in id order with their kinds, for a send's audience decision (issue #17,
-- docs/adr/0022): walked as an index-only scan, it meets the permission index
-- (`permission_state_audience_idx`, also in subject id order) and the objection and restriction
-- keys in a merge join — no hash table over a million ids — and hands the audience over already in
-- id order, so its chunks are ranges of ids. Segments on other columns still read the heap.
create index subject_live_id_idx on subject (id) include (kinds) where erased_at is null;
