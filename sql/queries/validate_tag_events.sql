-- Record the validation rules each staged row of the window breaks, for the rows that break
-- any (validate_clear_event_rules runs first). The rule names are the contract of
-- quarantine.events.rules (see docs/operations.md).
--
-- Cost follows the window, not the history. An on-time event happened on the window's day,
-- within its send's attribution window, so its send is on one of the lists of the longest
-- attribution window up to that day: sends are joined from those partitions only. A row
-- whose send is not there is looked up by send id, first in the partitions that its event's
-- own day can be answered from (a late event, which happened before the window's day), then
-- in every partition (unknown sends, events outside their send's window, and events naming a
-- list published for a later day, which break event_before_send). Joining one day more, the
-- whole horizon's lists (the horizon is the window's day minus the longest attribution
-- window), found late events in the join too, but its hash then spilled to disk in two
-- batches at full size: the benchmark's day-4 rule query took 10.8-14.5 s against 9.4-12.5 s.
-- Event ids are compared with the events that arrived since the row's send's day: a repeated
-- event arrives on or after its send's day, as its first copy did (validation quarantines an
-- event that happened before its send, or after the night it arrived). An event of the
-- window's own send date therefore has no earlier window to compare with, and those of older
-- sends are looked up by (arrival day, id) in the few partitions since their send's day
-- instead of hashing every id loaded since the horizon (4.4 s of the rule query's 22.1 s on
-- the benchmark's day 4). A row whose send is unknown, or dated after the window, is compared
-- with the events that arrived since the horizon.
with repeated_in_window as (
    -- lines repeating an event id of an earlier line of the window (by file, then line; rows
    -- without an event id count as one id): only the few ids seen twice are ranked
    select source_file, line_no
    from (
        select
            s.source_file,
            s.line_no,
            row_number() over (partition by s.event_id order by s.source_file, s.line_no)
                as event_id_rank
        from staging.events as s
        where
            s.window_date = %(window_date)s
            and (
                s.event_id is null
                or s.event_id in (
                    select twice.event_id
                    from staging.events as twice
                    where twice.window_date = %(window_date)s
                    group by twice.event_id
                    having count(*) > 1
                )
            )
    ) as ranked
    where event_id_rank > 1
),

horizon as (
    select
        %(window_date)s::date - coalesce(max(attribution_days), 0) as first_day,
        coalesce(max(attribution_days), 0) as longest
    from config.campaigns
),

located as (
    -- each staged row with the send it names, if published
    select
        s.*,
        coalesce(recent.send_id, (old.send).send_id) as found_send_id,
        coalesce(recent.send_date, (old.send).send_date) as send_date,
        coalesce(recent.campaign_id, (old.send).campaign_id) as send_campaign_id,
        coalesce(recent.user_id, (old.send).user_id) as send_user_id,
        coalesce(recent.template_id, (old.send).template_id) as send_template_id,
        -- the first night a copy of the row's event can have arrived
        case
            when coalesce(recent.send_date, (old.send).send_date) <= %(window_date)s::date
                then coalesce(recent.send_date, (old.send).send_date)
            else (select first_day from horizon)
        end as copies_from
    from staging.events as s
    left join core.sends as recent
        on
            s.send_id = recent.send_id
            and recent.send_date > (select first_day from horizon)
            and recent.send_date <= %(window_date)s
    cross join lateral (
        -- the lookups run inside the case, for the rows the joined lists did not answer only:
        -- as a lateral join of its own the lookup in every partition visited every partition's
        -- plan for every staged row (0.7 s of nothing for 200,000 rows); coalesce looks in
        -- every partition only when the partitions of the event's own day have no such send
        select case when recent.send_id is null then coalesce(
            (
                select o from core.sends as o
                where
                    o.send_id = s.send_id
                    and o.send_date > (s.event_ts_parsed at time zone 'UTC')::date
                    - (select longest from horizon)
                    and o.send_date <= (s.event_ts_parsed at time zone 'UTC')::date
                limit 1
            ),
            (select o from core.sends as o where o.send_id = s.send_id limit 1)
        ) end as send
        offset 0  -- kept a subquery, so that each row runs the lookup once
    ) as old
    where s.window_date = %(window_date)s
),

checked as (
    select
        s.window_date,
        s.source_file,
        s.line_no,
        -- a line that could not be read breaks only 'unparsable': its fields mean nothing
        case when s.parse_error is not null then array['unparsable'] else array_remove(array[
            case
                when (
                    s.event_id is null or s.send_id is null or s.campaign_id is null
                    or s.user_id is null or s.template_id is null or s.event_type is null
                    or s.event_ts is null
                ) then 'missing_field'
            end,
            case when s.event_ts is not null and s.event_ts_parsed is null then 'bad_timestamp' end,
            case when s.value is not null and s.value_parsed is null then 'bad_value' end,
            case
                when s.value_parsed in ('NaN', 'Infinity', '-Infinity') then 'value_not_finite'
            end,
            case when s.value_parsed < 0 then 'negative_value' end,
            case
                when s.event_type is not null and known_type.event_type is null
                    and campaign.reward_event_type is distinct from s.event_type
                    then 'unknown_event_type'
            end,
            case
                when s.campaign_id is not null and campaign.campaign_id is null
                    then 'unknown_campaign'
            end,
            case
                when campaign.campaign_id is not null and s.template_id is not null
                    and template.template_id is null
                    then 'unknown_template'
            end,
            case when s.user_id is not null and app_user.user_id is null then 'unknown_user' end,
            case when s.send_id is not null and s.found_send_id is null then 'unknown_send' end,
            case
                when s.found_send_id is not null
                    and (s.send_campaign_id, s.send_user_id, s.send_template_id)
                    is distinct from (s.campaign_id, s.user_id, s.template_id)
                    then 'send_mismatch'
            end,
            case
                when s.event_ts_parsed >= (s.window_date + 1)::timestamp at time zone 'UTC'
                    then 'event_in_future'
            end,
            case
                when s.event_ts_parsed < s.send_date::timestamp at time zone 'UTC'
                    then 'event_before_send'
            end,
            case
                when s.event_type is distinct from 'unsubscribe'
                    and s.event_ts_parsed >= (s.send_date + send_campaign.attribution_days)
                    ::timestamp at time zone 'UTC'
                    then 'outside_attribution_window'
            end,
            case when in_window.line_no is not null then 'duplicate_event_id' end,
            case
                -- one probe of the primary key (arrival_date, event_id) per night since
                -- copies_from: a range on arrival_date would scan each partition's index whole
                when s.copies_from < s.window_date and s.event_id is not null and exists (
                    select 1
                    from generate_series(
                        s.copies_from, s.window_date - 1, interval '1 day'
                    ) as night (day)
                    inner join core.events as earlier
                        on earlier.arrival_date = night.day::date
                        and earlier.event_id = s.event_id
                ) then 'duplicate_event_id_earlier_window'
            end
        ], null) end as rules
    from located as s
    left join config.event_types as known_type
        on s.event_type = known_type.event_type
    left join config.campaigns as campaign
        on s.campaign_id = campaign.campaign_id
    left join config.templates as template
        on s.campaign_id = template.campaign_id
        and s.template_id = template.template_id
    left join core.users as app_user
        on s.user_id = app_user.user_id
    left join config.campaigns as send_campaign
        on s.send_campaign_id = send_campaign.campaign_id
    left join repeated_in_window as in_window
        on s.source_file = in_window.source_file and s.line_no = in_window.line_no
)

insert into staging.event_rule_hits (window_date, source_file, line_no, rules)
select window_date, source_file, line_no, rules
from checked
where cardinality(rules) > 0;
