-- Views of the reporting work whose columns changed (names or types) after they were first
-- committed: a database upgraded in between holds the older column lists, which
-- `create or replace view` cannot change. Dropping them here (and what depends on them) lets
-- the view step that follows every upgrade create them afresh; on a new database they do not
-- exist yet and nothing happens. Grants are re-applied after the views, as on every upgrade.
-- A later change to a view's existing columns needs another migration like this one.
drop view if exists reporting.sample_ratio;
drop view if exists reporting.lift;
drop view if exists reporting.regret_true;
