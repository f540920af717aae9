-- The CRM core (issue #4, docs/adr/0008): organisations, the subject's place in them, touchpoints,
-- products, orders, invoices, deals and notes. Every table that says something about a person
-- (a "personal table") carries subject_id leading its primary key and every unique constraint, so
-- it distributes by subject (DESIGN.md, "Beyond one machine"); only src/privacy reads them.

-- A legal entity: not personal data (a company's generic address, switchboard, info@ mailbox).
create table organisation (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 200),
  legal_form text,
  vat_id text,
  street text,
  postal_code text,
  city text,
  country_code text check (country_code ~ '^[A-Z]{2}$'),
  email text,
  phone text,
  website text,
  -- import idempotency: the same source row finds the same organisation
  external_ref text unique,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index organisation_name_idx on organisation (lower(name) text_pattern_ops);

-- A person's role in an organisation (B2B contact): personal.
create table subject_organisation (
  subject_id uuid not null references subject (id) on delete cascade,
  organisation_id uuid not null references organisation (id) on delete cascade,
  job_title text,
  department text,
  created_at timestamptz not null,
  primary key (subject_id, organisation_id)
);
create index subject_organisation_org_idx on subject_organisation (organisation_id);

-- Touchpoints of the customer journey: what happened, on which channel, under which purpose and
-- legal basis it was collected. Append-only; erasure deletes them with the subject.
create table touchpoint (
  subject_id uuid not null references subject (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  type text not null,
  channel text not null,
  occurred_at timestamptz not null,
  received_at timestamptz not null,
  purpose_key text not null references purpose (key),
  legal_basis text not null,
  properties jsonb not null default '{}',
  source text not null,
  -- the sender's id of the event, so a retried batch is stored once
  external_id text,
  primary key (subject_id, id)
);
create index touchpoint_timeline_idx on touchpoint (subject_id, occurred_at desc);
create unique index touchpoint_external_idx on touchpoint (subject_id, external_id) where external_id is not null;

-- The product catalogue: not personal data.
create table product (
  id uuid primary key default gen_random_uuid(),
  sku text not null unique check (length(sku) between 1 and 64),
  name text not null,
  category text,
  unit_price_cents bigint check (unit_price_cents >= 0),
  currency text not null default 'EUR' check (currency ~ '^[A-Z]{3}$'),
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- Orders: processed under the contract (Art. 6(1)(b)); kept for the commercial retention period.
create table customer_order (
  subject_id uuid not null references subject (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  order_number text not null,
  ordered_at timestamptz not null,
  status text not null check (status in ('open', 'fulfilled', 'cancelled', 'returned')),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  total_cents bigint not null check (total_cents >= 0),
  item_count integer not null check (item_count >= 0),
  payment_method text,
  source text not null,
  created_at timestamptz not null,
  primary key (subject_id, id),
  unique (subject_id, order_number)
);
create index customer_order_timeline_idx on customer_order (subject_id, ordered_at desc);

create table order_line (
  subject_id uuid not null,
  order_id uuid not null,
  line_no integer not null check (line_no > 0),
  product_id uuid references product (id),
  description text,
  quantity integer not null check (quantity > 0),
  unit_price_cents bigint not null check (unit_price_cents >= 0),
  primary key (subject_id, order_id, line_no),
  foreign key (subject_id, order_id) references customer_order (subject_id, id) on delete cascade
);

-- Invoices: a legal obligation to keep (§ 147 AO, § 257 HGB); open or paid.
create table invoice (
  subject_id uuid not null references subject (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  invoice_number text not null,
  order_id uuid,
  issued_at timestamptz not null,
  due_on date not null,
  amount_cents bigint not null check (amount_cents >= 0),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  paid_at timestamptz,
  created_at timestamptz not null,
  primary key (subject_id, id),
  unique (subject_id, invoice_number),
  foreign key (subject_id, order_id) references customer_order (subject_id, id)
);
create index invoice_open_idx on invoice (subject_id, due_on) where paid_at is null;

-- The sales pipeline: configuration, not personal data.
create table pipeline_stage (
  key text primary key check (key ~ '^[a-z][a-z0-9_]{1,39}$'),
  name_de text not null,
  name_en text not null,
  position integer not null unique,
  probability integer not null check (probability between 0 and 100),
  outcome text check (outcome in ('won', 'lost'))
);
insert into pipeline_stage (key, name_de, name_en, position, probability, outcome) values
  ('lead', 'Lead', 'Lead', 1, 10, null),
  ('qualified', 'Qualifiziert', 'Qualified', 2, 25, null),
  ('proposal', 'Angebot', 'Proposal', 3, 50, null),
  ('negotiation', 'Verhandlung', 'Negotiation', 4, 75, null),
  ('won', 'Gewonnen', 'Won', 5, 100, 'won'),
  ('lost', 'Verloren', 'Lost', 6, 0, 'lost');

-- A deal with a contact (and their organisation).
create table deal (
  subject_id uuid not null references subject (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  title text not null check (length(title) between 1 and 200),
  stage_key text not null references pipeline_stage (key),
  amount_cents bigint check (amount_cents >= 0),
  currency text not null default 'EUR' check (currency ~ '^[A-Z]{3}$'),
  organisation_id uuid references organisation (id),
  owner_user_id uuid,
  expected_close_on date,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (subject_id, id)
);

-- Notes and tasks by staff: free text may say anything about the person, so the text is sealed
-- under the subject's data key (the vault) and shredded with it.
create table subject_note (
  subject_id uuid not null references subject (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  kind text not null check (kind in ('note', 'task')),
  sealed_text bytea not null,
  author_type text not null,
  author_id text not null,
  due_on date,
  done_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (subject_id, id)
);
create index subject_note_timeline_idx on subject_note (subject_id, created_at desc);
create index subject_note_open_tasks_idx on subject_note (due_on) where kind = 'task' and done_at is null;
