-- Build the campaign's send list for one send date into staging.sends, set-based.
-- Every eligible user gets one template, chosen by hashing (campaign, user, date, seed):
--   * the first hash puts a holdout_share of users in the uniform holdout;
--   * the second picks the template: uniformly for holdout users, else the allocation
--     interval [cum_low, cum_high) of the user's segment that contains it.
-- The propensity is the probability with which that mechanism picked the template.
-- Eligible: not unsubscribed before the send date, and under the campaign's frequency cap.
with campaign as (
    select
        campaign.campaign_id,
        campaign.seed,
        campaign.frequency_cap_sends,
        campaign.frequency_cap_days,
        policy.holdout_share,
        -- the send date as the hash keys spell it, computed once (to_char is not immutable,
        -- so written inline it ran for every user and every hash)
        to_char(%(send_date)s::date, 'YYYY-MM-DD') as day_text
    from config.campaigns as campaign
    inner join config.policies as policy
        on campaign.campaign_id = policy.campaign_id
    where campaign.campaign_id = %(campaign_id)s
),

names as (
    select coalesce(array_agg(attribute order by position), '{}') as names
    from config.segment_attributes
    where campaign_id = %(campaign_id)s
),

templates as (
    select
        template_id,
        (row_number() over (order by position) - 1)::integer as idx,
        count(*) over () as k
    from config.templates
    where campaign_id = %(campaign_id)s and active
),

recent_sends as (
    select send.user_id, count(*) as sends
    from core.sends as send
    cross join campaign
    where
        send.campaign_id = campaign.campaign_id
        and campaign.frequency_cap_sends is not null
        and send.send_date < %(send_date)s
        and send.send_date > %(send_date)s::date - campaign.frequency_cap_days
    group by send.user_id
),

eligible as (
    select
        app_user.user_id,
        bandit.segment_key(app_user.attributes, names.names) as segment
    from core.users as app_user
    cross join names
    cross join campaign
    left join recent_sends
        on app_user.user_id = recent_sends.user_id
    where
        (
            app_user.unsubscribed_at is null
            or app_user.unsubscribed_at >= %(send_date)s::timestamp at time zone 'UTC'
        )
        and (
            campaign.frequency_cap_sends is null
            or coalesce(recent_sends.sends, 0) < campaign.frequency_cap_sends
        )
),

hashed as (
    select
        eligible.user_id,
        eligible.segment,
        campaign.holdout_share,
        bandit.unit_hash(concat_ws(
            chr(31), campaign.campaign_id, eligible.user_id,
            campaign.day_text, campaign.seed::text, 'holdout'
        )) as u_holdout,
        bandit.unit_hash(concat_ws(
            chr(31), campaign.campaign_id, eligible.user_id,
            campaign.day_text, campaign.seed::text, 'template'
        )) as u_template
    from eligible
    cross join campaign
),

holdout_rows as (
    select
        hashed.user_id,
        hashed.segment,
        templates.template_id,
        1.0::double precision / templates.k as propensity,
        true as is_holdout
    from hashed
    inner join templates
        on floor(hashed.u_template * templates.k)::integer = templates.idx
    where hashed.u_holdout < hashed.holdout_share
),

bandit_rows as (
    select
        hashed.user_id,
        hashed.segment,
        allocation.template_id,
        allocation.probability as propensity,
        false as is_holdout
    from hashed
    inner join bandit.allocations as allocation
        on allocation.campaign_id = %(campaign_id)s
        and allocation.send_date = %(send_date)s
        and hashed.segment = allocation.segment
        and hashed.u_template >= allocation.cum_low
        and hashed.u_template < allocation.cum_high
    where hashed.u_holdout >= hashed.holdout_share
),

assigned as (
    select * from holdout_rows
    union all
    select * from bandit_rows
)

insert into staging.sends (
    send_id, send_date, campaign_id, user_id, template_id, segment, propensity, is_holdout,
    model_version
)
select
    md5(concat_ws(
        chr(31), campaign.campaign_id, campaign.day_text, assigned.user_id
    ))::uuid::text,
    %(send_date)s,
    %(campaign_id)s,
    assigned.user_id,
    assigned.template_id,
    assigned.segment,
    assigned.propensity,
    assigned.is_holdout,
    %(model_version)s
from assigned
cross join campaign;
