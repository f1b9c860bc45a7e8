-- Sends per send date, segment and template up to a send date: earlier dates from the daily
-- growth of the arm state (a row per day and template, not per send), the newly published
-- date from its send list.
with state as (
    select
        as_of as send_date,
        segment,
        template_id,
        sends - coalesce(
            lag(sends) over (partition by segment, template_id order by as_of), 0
        ) as sends
    from bandit.arm_state
    where campaign_id = %(campaign_id)s and as_of <= %(as_of)s
),

published as (
    select send_date, segment, template_id, count(*) as sends
    from core.sends
    where campaign_id = %(campaign_id)s and send_date = %(send_date)s
    group by send_date, segment, template_id
)

select send_date, segment, template_id, sends
from state
where sends > 0
union all
select send_date, segment, template_id, sends
from published
order by send_date, segment, template_id;
