-- Issue #16: "bought this, also bought" — item-to-item co-occurrence over the customers' purchases.
-- Products only, never a subject: a pair is kept only when at least `min_customers` different
-- customers bought both (so no pair tells what one person bought), and only each product's best
-- `top` partners. Rebuilt whole by each run (one transaction).
create table product_association (
  product_id uuid not null references product (id) on delete cascade,
  other_product_id uuid not null references product (id) on delete cascade,
  -- customers who bought both
  customers integer not null check (customers > 0),
  -- P(bought other | bought product)
  confidence double precision not null check (confidence > 0 and confidence <= 1),
  -- confidence / P(bought other): above 1, bought together more often than by chance
  lift double precision not null check (lift > 0),
  rank smallint not null check (rank > 0),
  primary key (product_id, other_product_id),
  check (product_id <> other_product_id)
);
create index product_association_rank_idx on product_association (product_id, rank);

-- The last run: when, over how many customers and products, with which thresholds. One row.
create table product_association_run (
  id boolean primary key default true check (id),
  computed_at timestamptz not null,
  customers integer not null,
  products integer not null,
  pairs integer not null,
  min_customers integer not null,
  top integer not null
);
