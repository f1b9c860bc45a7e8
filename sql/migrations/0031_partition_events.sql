-- core.events partitioned by arrival_date, one partition per nightly window: a night writes
-- its events into a small partition of its own, whose indexes fit in memory whatever the
-- history, and every query bounded by arrival date reads only the partitions it names.
--
-- A partitioned table's primary key must hold its partition key, so the key becomes
-- (arrival_date, event_id); an event id stays unique across windows because validation
-- quarantines a repeat of an id loaded by an earlier window (duplicate_event_id_earlier_window).
-- core.ensure_day_partition('events', day) creates a window's partition (validate calls it before
-- loading); rows of a date without one land in core.events_default and move into the
-- partition when it is created. Existing rows are moved into their partitions here.
alter table core.events rename to events_unpartitioned;
alter index core.events_pkey rename to events_unpartitioned_pkey;
drop index core.events_send_idx;
drop index core.events_arrival_idx;

create table core.events (
    event_id text not null,
    send_id text not null,
    campaign_id text not null,
    user_id text not null,
    template_id text not null,
    event_type text not null,
    event_ts timestamptz not null,
    value double precision,
    arrival_date date not null,
    source_file text not null,
    line_no integer not null,
    primary key (arrival_date, event_id)
) partition by range (arrival_date);

-- events are found by send (learning, reporting) and by window (the key); the duplicate-id
-- check joins a whole window against them by hash, so no index on event_id alone is kept
create index events_send_idx on core.events (send_id);

create table core.events_default partition of core.events default;

-- The partition of core.<parent> for one day (parent 'events' by arrival_date, 'sends' by
-- send_date), created if missing; true if it was created. Rows of that day waiting in the
-- default partition move into it.
create function core.ensure_day_partition(parent text, day date)
returns boolean
language plpgsql
security definer  -- partitions belong to the owner role, whoever runs the pipeline
set search_path = pg_catalog, pg_temp
as $$
declare
    part text := parent || '_' || to_char(day, 'YYYYMMDD');
    key text := case parent when 'events' then 'arrival_date' when 'sends' then 'send_date' end;
begin
    if key is null then
        raise exception 'expected a partitioned table of core (events or sends), found %', parent;
    end if;
    if to_regclass(format('core.%I', part)) is not null then
        return false;
    end if;
    execute format(
        'create table core.%I (like core.%I including defaults including constraints, '
        'check (%I >= %L and %I < %L))',
        part, parent, key, day, key, day + 1
    );
    execute format(
        'with moved as (delete from core.%I where %I = %L returning *) '
        'insert into core.%I select * from moved',
        parent || '_default', key, day, part
    );
    execute format(
        'alter table core.%I attach partition core.%I for values from (%L) to (%L)',
        parent, part, day, day + 1
    );
    return true;
end
$$;

-- fresh planner statistics for one day's partition (analysing the parent would visit them all)
create function core.analyze_day_partition(parent text, day date)
returns void
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if parent not in ('events', 'sends') then
        raise exception 'expected a partitioned table of core (events or sends), found %', parent;
    end if;
    execute format('analyze core.%I', parent || '_' || to_char(day, 'YYYYMMDD'));
end
$$;

revoke all on function core.ensure_day_partition(text, date) from public;
revoke all on function core.analyze_day_partition(text, date) from public;

select core.ensure_day_partition('events', arrival_date)
from (select distinct arrival_date from core.events_unpartitioned) as days;

insert into core.events select * from core.events_unpartitioned;

-- the views over core.events are re-created by the view step that follows every upgrade
drop table core.events_unpartitioned cascade;
