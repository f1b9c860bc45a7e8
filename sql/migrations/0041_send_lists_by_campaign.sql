-- A campaign's published list becomes a table of its own, filled before it is indexed.
--
-- Publishing inserted each list row by row into the send date's partition, which the
-- campaigns of the night share, maintaining its three indexes for every row: 1.2-1.5 s for
-- 100,000 rows on the benchmark's database, against 0.3 s to fill an unindexed table and
-- 0.3 s to index, analyse and attach it (the way validation loads a window's events since
-- migration 0037). So a send date's partition of core.sends is now itself partitioned by
-- campaign (a list partition per campaign, and a default one), and the first publish of a
-- campaign's list for a date builds its partition and attaches it
-- (core.publish_list_table). A republish, and a date partitioned before this migration,
-- replace rows in place as before.
--
-- Every key of a partitioned table must hold its partition keys, so core.sends' primary
-- key becomes (send_id, send_date, campaign_id); a send id stays unique (it is derived from
-- campaign, date and user), and lookups by send id still lead the key.

alter table core.sends drop constraint sends_pkey;
alter table core.sends add primary key (send_id, send_date, campaign_id);

-- Give a filled, unattached table its parent's indexes, analyse it and attach it with the
-- given bound (a day's range, or a campaign's list value). Each index is built once over the
-- loaded rows; a primary key or unique constraint is re-created on its index so that the
-- attach adopts it. A partitioned child (a send date) gets its constraints directly, which
-- builds them on its partitions.
create function core.attach_filled_table(parent regclass, child regclass, bound text)
returns void
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    parent_name text := (select relname from pg_class where oid = parent);
    child_name text := (select relname from pg_class where oid = child);
    child_schema text := (select relnamespace::regnamespace::text from pg_class where oid = child);
    partitioned boolean := (select relkind = 'p' from pg_class where oid = child);
    parent_index record;
    index_name text;
begin
    for parent_index in
        select
            i.indexrelid,
            c.relname,
            con.oid as constraint_oid,
            con.contype
        from pg_index as i
        inner join pg_class as c on i.indexrelid = c.oid
        left join pg_constraint as con
            on i.indexrelid = con.conindid and con.conrelid = i.indrelid
        where i.indrelid = parent
        order by c.relname
    loop
        index_name := child_name || substr(parent_index.relname, length(parent_name) + 1);
        if partitioned and parent_index.contype in ('p', 'u') then
            execute format(
                'alter table %I.%I add constraint %I %s',
                child_schema, child_name, index_name,
                pg_get_constraintdef(parent_index.constraint_oid)
            );
            continue;
        end if;
        execute regexp_replace(
            pg_get_indexdef(parent_index.indexrelid),
            '^CREATE (UNIQUE )?INDEX \S+ ON ONLY \S+',
            format('CREATE \1INDEX %I ON %I.%I', index_name, child_schema, child_name)
        );
        if parent_index.contype = 'p' then
            execute format(
                'alter table %I.%I add constraint %I primary key using index %I',
                child_schema, child_name, index_name, index_name
            );
        elsif parent_index.contype = 'u' then
            execute format(
                'alter table %I.%I add constraint %I unique using index %I',
                child_schema, child_name, index_name, index_name
            );
        end if;
    end loop;
    execute format('analyze %I.%I', child_schema, child_name);
    execute format('alter table %s attach partition %I.%I %s', parent, child_schema, child_name, bound);
end
$$;

create or replace function core.attach_day_table(parent text, day date)
returns void
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    t record;
begin
    select * into t from core.day_partition(parent, day);
    perform core.attach_filled_table(
        format('%I.%I', t.schema_name, t.base)::regclass,
        format('%I.%I', t.schema_name, t.part)::regclass,
        format('for values from (%L) to (%L)', day, day + 1)
    );
end
$$;

-- A send date's table is partitioned by campaign, with a default partition that takes the
-- rows of campaigns without one (rows written directly, and the rows of the day that waited
-- in core.sends_default, which move in here).
create or replace function core.create_day_table(parent text, day date)
returns text
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    t record;
begin
    select * into t from core.day_partition(parent, day);
    if to_regclass(format('%I.%I', t.schema_name, t.part)) is not null then
        return null;
    end if;
    execute format(
        'create table %I.%I (like %I.%I including defaults including constraints, '
        'check (%I >= %L and %I < %L))%s',
        t.schema_name, t.part, t.schema_name, t.base, t.key, day, t.key, day + 1,
        case when parent = 'sends' then ' partition by list (campaign_id)' else '' end
    );
    if parent = 'sends' then
        execute format(
            'create table %I.%I partition of %I.%I default',
            t.schema_name, t.part || '_default', t.schema_name, t.part
        );
    end if;
    execute format(
        'with moved as (delete from %I.%I where %I = %L returning *) '
        'insert into %I.%I select * from moved',
        t.schema_name, t.base || '_default', t.key, day, t.schema_name, t.part
    );
    return t.schema_name || '.' || t.part;
end
$$;

-- The names of a send date's table and of a campaign's list partition in it (in core.sends,
-- and in staging.sends for builds, migration 0042). The list's name carries a digest of the
-- campaign id, which may hold any text.
create function core.list_partition(
    day date, campaign text, out day_table text, out list_table text
)
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
    select t.part, t.part || '_' || left(md5(campaign), 12)
    from core.day_partition('sends', day) as t
$$;

-- Publish the built list of a campaign (staging.sends) for a send date as a partition of its
-- own: created, filled, indexed, analysed and attached, in the caller's transaction, so that
-- readers see the whole list at its commit or nothing. Returns the rows published, or null
-- when the list must be replaced in place instead: its date's partition is not partitioned
-- by campaign (a date published before migration 0041), the campaign has its partition
-- already (a republish), or rows of the campaign wait in the date's default partition (the
-- attach finds them and is undone).
--
-- Nothing here reads the date's table before the attach, so two campaigns publishing at once
-- only queue for the attach (each holds its date's table until it commits) and cannot
-- deadlock on the default partition.
create function core.publish_list_table(day date, campaign text)
returns bigint
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    day_table text;
    list_table text;
    published bigint;
begin
    select * into day_table, list_table from core.list_partition(day, campaign);
    if
        (select relkind from pg_class where oid = to_regclass(format('core.%I', day_table)))
        is distinct from 'p'
        or to_regclass(format('core.%I', list_table)) is not null
    then
        return null;
    end if;
    begin
        -- like the date's table: its checks (the date's range among them) must be inherited
        execute format(
            'create table core.%I (like core.%I including defaults including constraints, '
            'check (campaign_id = %L))',
            list_table, day_table, campaign
        );
        execute format(
            'insert into core.%I (send_id, send_date, campaign_id, user_id, template_id, '
            'segment, propensity, is_holdout, model_version) '
            'select send_id, send_date, campaign_id, user_id, template_id, segment, '
            'propensity, is_holdout, model_version from staging.sends '
            'where campaign_id = %L and send_date = %L',
            list_table, campaign, day
        );
        get diagnostics published = row_count;
        perform core.attach_filled_table(
            format('core.%I', day_table)::regclass,
            format('core.%I', list_table)::regclass,
            format('for values in (%L)', campaign)
        );
    exception when check_violation then
        -- rows of the campaign in the date's default partition: replaced in place instead
        return null;
    end;
    return published;
end
$$;
