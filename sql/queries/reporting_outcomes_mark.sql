-- Remember the latest night that refreshed the campaign's outcomes, its attribution window and
-- the night the campaign had learned up to.
insert into bandit.outcomes_refreshed as refreshed (
    campaign_id, as_of, attribution_days, learned_as_of
)
values (%(campaign_id)s, %(as_of)s, %(attribution_days)s, %(learned_as_of)s)
on conflict (campaign_id) do update set
    as_of = greatest(refreshed.as_of, excluded.as_of),
    attribution_days = excluded.attribution_days,
    learned_as_of = excluded.learned_as_of;
