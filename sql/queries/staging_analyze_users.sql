-- Fresh planner statistics for the staged rows, so the validation joins are planned for
-- the day's real volume (a bulk load leaves none until autovacuum runs).
analyze staging.users;
