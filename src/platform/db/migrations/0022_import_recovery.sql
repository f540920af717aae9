-- Imports (issue #12).
--
-- An import whose process ended mid-way (killed, crashed, the machine restarted) was left `running`
-- for ever. At start-up every process marks the running imports no live process holds as
-- `interrupted`; running the same file again completes them (stored rows are recognised).
alter table import_batch drop constraint import_batch_status_check;
alter table import_batch add constraint import_batch_status_check
  check (status in ('running', 'done', 'failed', 'interrupted'));

-- "An address known already is not created again by an import" must hold for two imports at once
-- too. blind_index cannot be unique: two contacts may share an address (created through the API;
-- duplicates and merge find them). Instead an importing transaction claims the values it is about
-- to store — a key from each e-mail or phone blind-index digest — by inserting them here and deleting
-- them again at once, and only then looks which are stored already. Deleted by a transaction still
-- running, a row still holds its place in the unique index: another transaction claiming the same
-- key waits until the first ends, and then sees what it stored. No row ever outlives its transaction,
-- so nothing here is data about anyone; unlike advisory locks, claims need no room in the server's
-- shared lock table (a batch of 1,000 people claims 2,000 keys).
create table blind_index_claim (
  key bigint primary key
);
