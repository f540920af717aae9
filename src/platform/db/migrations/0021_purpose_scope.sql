-- What a purpose covers (Art. 5(1)(b)-(c), Art. 18(2), § 7 UWG): the roles that may act under it,
-- the subject kinds it reaches (empty: all), a record the subject must have (invoicing retention:
-- an invoice), the field categories it uses, and the Art. 18(2) ground on which it may process a
-- restricted subject. Null scope_roles means "not declared yet": at start-up the registry fills in
-- the seeded scope for seeded purposes and a narrow default for others, audited (PurposeService.seed).
alter table purpose add column scope_roles text[];
alter table purpose add column scope_subject_kinds text[] not null default '{}';
alter table purpose add column scope_requires_record text check (scope_requires_record in ('order', 'invoice'));
alter table purpose add column scope_field_categories text[] not null default '{}';
alter table purpose add column scope_restriction_exception text check (
  scope_restriction_exception in ('consent', 'legal_claims', 'rights_of_others', 'important_public_interest')
);
