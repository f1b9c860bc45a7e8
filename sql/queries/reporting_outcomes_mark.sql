-- Remember the latest night that refreshed the campaign's outcomes.
insert into bandit.outcomes_refreshed as refreshed (campaign_id, as_of)
values (%(campaign_id)s, %(as_of)s)
on conflict (campaign_id) do update set
    as_of = greatest(refreshed.as_of, excluded.as_of);
