-- Clear the outcome cells of the send dates being recomputed.
delete from bandit.daily_outcomes
where campaign_id = %(campaign_id)s and send_date = any(%(dates)s);
