-- Decision support of every send date (the slider replays it; the table shows the latest).
select
    send_date, segment, leader_template_id, leader_p_best, value_remaining, decided,
    matured_needed, days_needed
from reporting.decision_support
where campaign_id = %(campaign_id)s
order by send_date, segment;
