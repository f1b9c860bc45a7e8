-- A rerun of allocate replaces the decision support of its send date.
delete from bandit.segment_decisions
where campaign_id = %(campaign_id)s and send_date = %(send_date)s;
