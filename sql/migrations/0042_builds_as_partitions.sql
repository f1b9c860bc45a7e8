-- A campaign's build of a send list (staging.sends) becomes a partition of its own, without
-- indexes. Builds were rows of one table with a primary key over every build of the last
-- week: inserting a 100,000-row build cost 0.65-0.74 s on the benchmark's database, of which
-- 0.15 s is the rows themselves and the rest the key. A build is only ever read whole (publish
-- counts it and copies it), so staging.sends is now partitioned by send date, each date by
-- campaign, and has no index: a build's partition is found by pruning. Its rows stay unique
-- by construction (one per eligible user).
--
-- staging.prepare_build(day, campaign) makes the campaign's build partition for a date ready
-- and empty before assign fills it: it empties an earlier build of the same list (a rerun),
-- or creates the partition, filled tables being attached rather than created as partitions
-- so that campaigns building at once do not wait for each other's inserts. It also drops the
-- dates more than a week before `day` (already published or abandoned), as assign's delete
-- did.
alter table staging.sends rename to sends_unpartitioned;
alter index staging.sends_pkey rename to sends_unpartitioned_pkey;

create table staging.sends (
    send_id text not null,
    send_date date not null,
    campaign_id text not null,
    user_id text not null,
    template_id text not null,
    segment text not null,
    propensity double precision not null,
    is_holdout boolean not null,
    model_version text not null
) partition by range (send_date);

create function staging.prepare_build(day date, campaign text)
returns void
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    day_table text;
    build_table text;
    old record;
begin
    select * into day_table, build_table from core.list_partition(day, campaign);
    -- one preparation at a time: two campaigns must not both create the date's table
    perform pg_advisory_xact_lock(hashtext('staging.prepare_build'));
    if to_regclass(format('staging.%I', build_table)) is not null then
        execute format('truncate staging.%I', build_table);
    else
        if to_regclass(format('staging.%I', day_table)) is null then
            execute format(
                'create table staging.%I (like staging.sends) partition by list (campaign_id)',
                day_table
            );
            execute format(
                'alter table staging.sends attach partition staging.%I '
                'for values from (%L) to (%L)',
                day_table, day, day + 1
            );
        end if;
        execute format('create table staging.%I (like staging.sends)', build_table);
        execute format(
            'alter table staging.%I attach partition staging.%I for values in (%L)',
            day_table, build_table, campaign
        );
    end if;
    for old in
        select child.relname
        from pg_inherits as link
        inner join pg_class as child on link.inhrelid = child.oid
        where
            link.inhparent = 'staging.sends'::regclass
            and child.relname ~ '^sends_[0-9]{8}$'
            and to_date(substr(child.relname, 7), 'YYYYMMDD') < day - 7
    loop
        execute format('drop table staging.%I', old.relname);
    end loop;
end
$$;

select staging.prepare_build(send_date, campaign_id)
from (select distinct send_date, campaign_id from staging.sends_unpartitioned) as builds
where send_date >= (select max(send_date) - 7 from staging.sends_unpartitioned);

insert into staging.sends
select built.*
from staging.sends_unpartitioned as built
where built.send_date >= (select max(send_date) - 7 from staging.sends_unpartitioned);

drop table staging.sends_unpartitioned;
