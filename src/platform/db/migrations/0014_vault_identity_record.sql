-- Vault identity record (issue #4 bench, docs/adr/0009): a subject's identifiers are sealed as one
-- record beside its data key (AES-256-GCM of a JSON object, AAD 'identity:<subject id>') instead of
-- one row per field in subject_identifier. An import wrote nine identifier rows per person, the
-- largest part of its database time; one record is one row, one cipher call, and deleting the key
-- row (crypto-shredding) now removes key and ciphertext in one.
--
-- Expand step: rows of subject_identifier written before this migration are re-sealed into the
-- record by the vault when the runtime starts (VaultService.init, keys decrypted in the process,
-- never in SQL); the table stays, empty, until a later migration drops it.
alter table subject_key add column identity bytea;
