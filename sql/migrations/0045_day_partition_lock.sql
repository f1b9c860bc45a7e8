-- One day partition created at a time. Campaigns are mapped tasks: on the CeleryExecutor two
-- campaigns publish their lists for the same send date at the same moment, and both found the
-- date's partition of core.sends missing and created it; the second failed on the catalog's
-- unique index (pg_type_typname_nsp_index) and its publish waited for a retry. The check and
-- the creation now run under a transaction-level advisory lock, as staging.prepare_build's do
-- (migration 0042): the second caller waits for the first to commit, then finds the partition.
create or replace function core.ensure_day_partition(parent text, day date)
returns boolean
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    perform pg_advisory_xact_lock(hashtext('core.ensure_day_partition'));
    if core.create_day_table(parent, day) is null then
        return false;
    end if;
    perform core.attach_day_table(parent, day);
    return true;
end
$$;
