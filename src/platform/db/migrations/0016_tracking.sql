-- Web tracking (issue #5): how many events POST /api/v1/track took and dropped, per day (UTC),
-- sending site (`source`) and outcome (`accepted`, `duplicate`, or the reason it was dropped:
-- `gpc`, `tcf-refused`, `consent-refused`, `no-consent`, ...). Counts only: no subject, no event,
-- nothing of a dropped event but that it was dropped and why. Not personal data.
create table tracking_count (
  day date not null,
  source text not null,
  outcome text not null,
  count bigint not null check (count >= 0),
  primary key (day, source, outcome)
);
