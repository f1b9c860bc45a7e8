-- Drop the campaign's build for the send date, and builds older than a week (already
-- published or abandoned: publish keeps the latest build so that it can be repeated).
delete from staging.sends
where
    campaign_id = %(campaign_id)s
    and (send_date = %(send_date)s or send_date < %(send_date)s::date - 7);
