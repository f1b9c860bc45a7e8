-- Segment-days whose realised counts disagree with the intended allocation.
select send_date, segment, listed_p_value, delivered_p_value, delivered_rate,
    worst_template_id, worst_is_holdout, worst_delivered_rate
from reporting.sample_ratio
where campaign_id = %(campaign_id)s and flagged
order by send_date desc, segment;
