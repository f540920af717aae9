-- Merging duplicates (issue #4, Art. 5(1)(d)): a subject merged into another keeps a tombstone that
-- points at the survivor, so the survivor's history includes the merged subject's past.
alter table subject add column merged_into uuid references subject (id);
create index subject_merged_into_idx on subject (merged_into) where merged_into is not null;
