-- § 7(3) UWG: e-mail or SMS advertising without consent is lawful only to the controller's own
-- customers whose address was obtained in a sale (the existing-customer exception). The flag marks
-- a legitimate-interest direct-marketing purpose as one that reaches only them; the permission
-- kernel then demands an order of the subject (rule not-existing-customer). Existing purposes keep
-- false: the registry has no version history table, the purpose row is the one place it lives.
alter table purpose add column existing_customers boolean not null default false;
