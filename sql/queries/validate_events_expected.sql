-- Whether any send's attribution window covers the day, i.e. whether events are expected.
-- Each campaign looks only at the send partitions of its own attribution window.
select exists (
    select 1
    from config.campaigns as campaign
    where exists (
        select 1
        from core.sends as send
        where
            send.campaign_id = campaign.campaign_id
            and send.send_date <= %(window_date)s
            and send.send_date > %(window_date)s::date - campaign.attribution_days
    )
) as expected;
