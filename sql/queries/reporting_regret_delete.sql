-- A rerun of a window's report step replaces the posterior regret it computed.
delete from bandit.regret_posterior
where campaign_id = %(campaign_id)s and as_of = %(as_of)s;
