copy bandit.segment_decisions (
    campaign_id, send_date, segment, as_of, leader_template_id, leader_p_best,
    value_remaining, decided_below, matured, matured_needed, seed
) from stdin
