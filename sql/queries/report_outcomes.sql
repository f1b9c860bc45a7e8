-- Sends, matured sends and rewards per send date, segment and template (both cohorts).
select
    send_date,
    segment,
    template_id,
    sum(sends) as sends,
    sum(matured_sends) as matured_sends,
    sum(rewards) as rewards
from reporting.daily_outcomes
where campaign_id = %(campaign_id)s
group by send_date, segment, template_id
order by send_date, segment, template_id;
