-- staging.events becomes partitioned by window date, like core.events by arrival date: staging
-- keeps every window's lines (reporting.window_outcomes counts them), and a night's extract,
-- validation and load read only the window's own partition instead of scanning every
-- window staged so far. Extract creates the window's partition before copying into it.
alter table staging.events rename to events_unpartitioned;
alter index staging.events_pkey rename to events_unpartitioned_pkey;

create table staging.events (
    window_date date not null,
    source_file text not null,
    line_no integer not null,
    event_id text,
    send_id text,
    campaign_id text,
    user_id text,
    template_id text,
    event_type text,
    event_ts text,
    value text,
    event_ts_parsed timestamptz,
    value_parsed double precision,
    parse_error text,
    raw_line text,
    primary key (window_date, source_file, line_no)
) partition by range (window_date);

create table staging.events_default partition of staging.events default;

-- The day partitions of migration 0031, now also of staging.events ('staged_events', by
-- window_date). Same behaviour for 'events' and 'sends'.
create or replace function core.ensure_day_partition(parent text, day date)
returns boolean
language plpgsql
security definer  -- partitions belong to the owner role, whoever runs the pipeline
set search_path = pg_catalog, pg_temp
as $$
declare
    schema_name text := case parent when 'staged_events' then 'staging' else 'core' end;
    base text := case parent when 'staged_events' then 'events' else parent end;
    part text := base || '_' || to_char(day, 'YYYYMMDD');
    key text := case parent
        when 'events' then 'arrival_date'
        when 'sends' then 'send_date'
        when 'staged_events' then 'window_date'
    end;
begin
    if key is null then
        raise exception
            'expected a partitioned table (events, sends or staged_events), found %', parent;
    end if;
    if to_regclass(format('%I.%I', schema_name, part)) is not null then
        return false;
    end if;
    execute format(
        'create table %I.%I (like %I.%I including defaults including constraints, '
        'check (%I >= %L and %I < %L))',
        schema_name, part, schema_name, base, key, day, key, day + 1
    );
    execute format(
        'with moved as (delete from %I.%I where %I = %L returning *) '
        'insert into %I.%I select * from moved',
        schema_name, base || '_default', key, day, schema_name, part
    );
    execute format(
        'alter table %I.%I attach partition %I.%I for values from (%L) to (%L)',
        schema_name, base, schema_name, part, day, day + 1
    );
    return true;
end
$$;

create or replace function core.analyze_day_partition(parent text, day date)
returns void
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if parent not in ('events', 'sends', 'staged_events') then
        raise exception
            'expected a partitioned table (events, sends or staged_events), found %', parent;
    end if;
    execute format(
        'analyze %I.%I',
        case parent when 'staged_events' then 'staging' else 'core' end,
        case parent when 'staged_events' then 'events' else parent end
            || '_' || to_char(day, 'YYYYMMDD')
    );
end
$$;

select core.ensure_day_partition('staged_events', window_date)
from (select distinct window_date from staging.events_unpartitioned) as days;

insert into staging.events select * from staging.events_unpartitioned;

-- the views over staging.events are re-created by the view step that follows every upgrade
drop table staging.events_unpartitioned cascade;
