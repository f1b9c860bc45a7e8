-- Whether any send's attribution window covers the day, i.e. whether events are expected.
select exists (
    select 1
    from core.sends as send
    inner join config.campaigns as campaign
        on send.campaign_id = campaign.campaign_id
    where
        send.send_date <= %(window_date)s
        and send.send_date + campaign.attribution_days > %(window_date)s
) as expected;
