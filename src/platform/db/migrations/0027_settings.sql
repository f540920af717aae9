-- Issue #18: the installation's settings, edited in the UI instead of through each form's notice.
-- One row: who the controller is (Art. 13(1)(a), Art. 14(1)(a)), how to reach the data protection
-- officer (Art. 13(1)(b), Art. 37(7)), and the look of the public pages and the mails (logo and
-- primary colour). Not personal data of subjects; the DPO's contact is published on every form.
create table installation_setting (
  -- the single row
  id boolean primary key default true check (id),
  controller_name text check (length(controller_name) between 1 and 200),
  controller_address text check (length(controller_address) between 1 and 500),
  controller_email text check (length(controller_email) between 3 and 254),
  dpo_name text check (length(dpo_name) between 1 and 200),
  dpo_email text check (length(dpo_email) between 3 and 254),
  dpo_address text check (length(dpo_address) between 1 and 500),
  -- #rrggbb, lower case
  primary_color text check (primary_color ~ '^#[0-9a-f]{6}$'),
  -- PNG or JPEG only (an SVG can carry script); the size limit is the service's, the check a backstop
  logo bytea check (octet_length(logo) between 1 and 262144),
  logo_media_type text check (logo_media_type in ('image/png', 'image/jpeg')),
  -- hex SHA-256 of the logo: its version in URLs and its ETag
  logo_sha256 text check (logo_sha256 ~ '^[0-9a-f]{64}$'),
  -- bumped by every change
  version integer not null default 1 check (version > 0),
  updated_at timestamptz not null default now(),
  check ((logo is null) = (logo_media_type is null) and (logo is null) = (logo_sha256 is null))
);
insert into installation_setting (id) values (true);

-- API tokens may end by themselves: a token made for one integration or one migration need not
-- live for ever. Null: until revoked.
alter table api_token add column expires_at timestamptz;
