-- Vault writes (issue #3 bench): the foreign key from subject_identifier to subject cost a
-- referential check per identifier row, half of what writing identifiers took (four to ten rows
-- per subject in an import). What it guarded is guaranteed without it:
-- - the vault is the only writer of subject_identifier (the architecture test enforces it), and it
--   writes only after locking the subject's row and its data key (`lockSubjectsWithKeys`), refusing
--   unknown and erased subjects;
-- - subject rows are never deleted: erasure keeps a tombstone and shreds the key and identifiers,
--   so there is nothing for the cascade to do.
-- subject_key keeps its foreign key (one row per subject).
alter table subject_identifier drop constraint subject_identifier_subject_id_fkey;
