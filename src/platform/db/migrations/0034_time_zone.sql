-- Issue #18: the installation's time zone (an IANA name), in which mails and the privacy portal
-- show times and say so. The service checks the name against the zones the runtime knows; the
-- check here is a backstop. Germany's by default.
alter table installation_setting
  add column time_zone text not null default 'Europe/Berlin'
  check (time_zone ~ '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$');
