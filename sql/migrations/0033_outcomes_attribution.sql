-- The attribution window a campaign's outcome cells were kept with: when the campaign's
-- config changes it, the next refresh rebuilds every send date (the cells depend on it).
alter table bandit.outcomes_refreshed add column attribution_days integer;
