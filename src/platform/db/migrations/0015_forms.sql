-- Forms and double opt-in (issue #5, first part).

-- Art. 7(1): the exact wording of a purpose's consent checkbox, in both languages, versioned. A
-- consent event names the version shown (proof.textVersion = 'v<version>'), so a version is never
-- changed or removed: a new wording is a new version. Not personal data.
create table consent_text (
  purpose_key text not null references purpose (key),
  version integer not null check (version > 0),
  text_de text not null check (length(text_de) between 1 and 2000),
  text_en text not null check (length(text_en) between 1 and 2000),
  created_at timestamptz not null default now(),
  primary key (purpose_key, version)
);

create function consent_text_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'a consent text version is never changed: % on consent_text is refused; add a new version', tg_op
    using errcode = '42501';
end
$$;
create trigger consent_text_versions_fixed before update or delete or truncate on consent_text
  for each statement execute function consent_text_refuse_change();

-- A form per touchpoint (newsletter sign-up, contact request, ...): the fields it asks for (only
-- those its type may ask for, Art. 5(1)(c)), the consent purposes it offers, each with the text
-- version shown, and the parts of its Art. 13 notice that are not in the purpose registry.
-- Not personal data.
create table form (
  key text primary key check (key ~ '^[a-z][a-z0-9_-]{1,62}$'),
  type text not null,
  title_de text not null,
  title_en text not null,
  -- [{ "field": "email", "required": true }, ...]
  fields jsonb not null,
  -- [{ "purposeKey": "newsletter_email", "textVersion": 1 }, ...]
  purposes jsonb not null,
  -- { "controller": { "de": …, "en": … }, "recipients": { "de": …, "en": … } }
  notice jsonb not null,
  active boolean not null default true,
  builtin boolean not null default false,
  version integer not null default 1 check (version > 0),
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- Double opt-in (LEGAL.md, "Consent"): one row per confirmation asked for, with the purposes it
-- confirms. The link's token is never stored, only its SHA-256 (doi_token). `mailed_at` is when
-- the one confirmation mail was sent; a flood of sign-ups for one address finds it and sends none.
-- Personal data (who signed up for what, when): keyed by subject_id like every personal table.
create table doi_request (
  subject_id uuid not null references subject (id),
  id uuid not null,
  form_key text not null references form (key),
  -- [{ "purposeKey": …, "channel": "email", "textVersion": "v1" }, ...]
  purposes jsonb not null,
  requested_at timestamptz not null,
  expires_at timestamptz not null,
  mailed_at timestamptz,
  status text not null default 'pending' check (status in ('pending', 'confirmed', 'expired', 'superseded')),
  closed_at timestamptz,
  primary key (subject_id, id)
);
-- The expiry job's sweep: pending requests in expiry order.
create index doi_request_pending_idx on doi_request (expires_at) where status = 'pending';

-- The lookup of a confirmation link: keyed by the token's digest (DESIGN.md "Beyond one machine":
-- a lookup by another key lives in its own table keyed by that value), hence no foreign key.
create table doi_token (
  token_hash bytea primary key check (octet_length(token_hash) = 32),
  subject_id uuid not null,
  request_id uuid not null
);
create index doi_token_subject_idx on doi_token (subject_id);
