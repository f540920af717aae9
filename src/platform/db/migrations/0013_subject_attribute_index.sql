-- Lists filtered on attributes (issue #4): `attributes @> '{"region":"DE-10"}'` answered from a GIN
-- index instead of a scan of every subject.
create index subject_attributes_idx on subject using gin (attributes jsonb_path_ops);
