-- What a send's reward is, in one place: the reporting view reporting.attributed_sends (all
-- sends) and the report step's refresh of bandit.daily_outcomes (only the send dates a night
-- touched, reading only the event partitions those dates can have) both compute it with
-- these functions. Plain SQL functions: the planner inlines them.

-- Whether a send's attribution window has closed by the last night the campaign learned from.
create function reporting.send_matured(
    send_date date, attribution_days integer, learned_as_of date
) returns boolean
language sql immutable parallel safe
as $$
    select coalesce(send_date + attribution_days - 1 <= learned_as_of, false)
$$;

-- Whether an event counts towards its send's reward: the campaign's reward event, within the
-- send's attribution window, and arrived by the last night the campaign learned from.
create function reporting.counts_as_reward(
    event_type text,
    event_ts timestamptz,
    arrival_date date,
    reward_event_type text,
    send_date date,
    attribution_days integer,
    learned_as_of date
) returns boolean
language sql stable parallel safe
as $$
    select
        event_type = reward_event_type
        and event_ts >= send_date::timestamp at time zone 'UTC'
        and event_ts < (send_date + attribution_days)::timestamp at time zone 'UTC'
        and arrival_date <= learned_as_of
$$;

-- A send's reward from its counting events: 0 until matured; then 1 for any reward event, or
-- the capped value sum / cap when the campaign caps a value.
create function reporting.send_reward(
    matured boolean, value_cap double precision, reward_events bigint, reward_value double precision
) returns double precision
language sql immutable parallel safe
as $$
    select case
        when not matured then 0::double precision
        when value_cap is null then (reward_events > 0)::integer::double precision
        else least(greatest(reward_value, 0), value_cap) / value_cap
    end
$$;
