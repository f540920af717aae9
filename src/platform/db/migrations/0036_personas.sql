-- Issue #16: personas — k-means clusters over the customers' standardised RFM and P(alive), kept as
-- centroids, sizes and typical values; pseudonymous: no subject id, no per-person assignment stored.
create table persona_model (
  version integer generated always as identity primary key,
  fitted_at timestamptz not null,
  k integer not null check (k between 2 and 12),
  customers integer not null check (customers >= 0),
  sample integer not null check (sample >= 0),
  -- means and standard deviations of the (log) features, and the centroids in that standard space
  scaling jsonb not null,
  -- per persona: size, share, typical values (medians), the centroid, the name's levels
  personas jsonb not null
);
