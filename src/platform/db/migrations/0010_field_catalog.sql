-- The field catalog (issue #4): every identifier and attribute Tresor stores, its category, whether
-- it is an identifier (vault) or an Art. 9 special category, its type and allowed values, the
-- purposes it serves and its retention. Seeded by Tresor (builtin rows), extended and edited by
-- admins; every change audited. Not personal data.
create table field_definition (
  key text primary key check (key ~ '^[a-z][a-zA-Z0-9]{1,39}$'),
  label_de text not null,
  label_en text not null,
  category text not null,
  identifier boolean not null default false,
  special_category text check (special_category in ('health', 'religion', 'ethnic_origin', 'political_opinion',
    'union_membership', 'sexual_life', 'biometric', 'genetic')),
  data_type text not null check (data_type in ('text', 'number', 'boolean', 'date', 'enum', 'multi_enum')),
  options text[] not null default '{}',
  purposes text[] not null default '{}',
  retention_period text,
  retention_rule_de text,
  retention_rule_en text,
  builtin boolean not null default false,
  position integer not null,
  version integer not null default 1,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check ((data_type in ('enum', 'multi_enum')) = (cardinality(options) > 0))
);
