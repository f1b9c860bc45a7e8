-- Staging is a work area. A window's staged lines are needed until the window is validated
-- and loaded, and for some days after, to look into them; core and quarantine keep what
-- lasts. Kept forever, staging grew by every event line of every night (raw lines included,
-- about 0.5 GB a night at 2,000,000 events) and kept every user file's contact data.
--
-- core.drop_staged_windows(before) removes the staged windows before `before`: it drops the
-- day partitions of staging.events that lie wholly before it (a drop, not a delete: no dead
-- rows, no vacuum) and deletes older rows from staging.events_default,
-- staging.event_rule_hits and staging.users. It runs as the owner role, like
-- core.ensure_day_partition, because dropping a partition needs the owner's rights.
create function core.drop_staged_windows(
    before date,
    out partitions_dropped integer,
    out event_rows_deleted bigint,
    out rule_hits_deleted bigint,
    out user_rows_deleted bigint
)
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    part record;
begin
    partitions_dropped := 0;
    for part in
        select
            child.oid::regclass as name,
            (regexp_match(
                pg_get_expr(child.relpartbound, child.oid), 'TO \(''([0-9-]+)''\)'
            ))[1]::date as upper_bound
        from pg_inherits as link
        inner join pg_class as child
            on link.inhrelid = child.oid
        where link.inhparent = 'staging.events'::regclass
    loop
        -- the default partition has no upper bound and is only ever emptied
        if part.upper_bound is not null and part.upper_bound <= before then
            execute format('drop table %s', part.name);
            partitions_dropped := partitions_dropped + 1;
        end if;
    end loop;
    delete from staging.events_default where window_date < before;
    get diagnostics event_rows_deleted = row_count;
    delete from staging.event_rule_hits where window_date < before;
    get diagnostics rule_hits_deleted = row_count;
    delete from staging.users where window_date < before;
    get diagnostics user_rows_deleted = row_count;
end
$$;
