-- Remember the latest night that refreshed the campaign's outcomes, and its attribution window.
insert into bandit.outcomes_refreshed as refreshed (campaign_id, as_of, attribution_days)
values (%(campaign_id)s, %(as_of)s, %(attribution_days)s)
on conflict (campaign_id) do update set
    as_of = greatest(refreshed.as_of, excluded.as_of),
    attribution_days = excluded.attribution_days;
