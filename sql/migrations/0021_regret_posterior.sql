-- Posterior-expected regret per send date, as each night's posterior sees every send so far
-- (bandit_core/posterior_regret.py). One version per as-of date, so earlier beliefs stay
-- queryable; reporting.regret_posterior shows the latest.
create table bandit.regret_posterior (
    campaign_id text not null,
    as_of date not null,
    send_date date not null,
    sends double precision not null,
    daily_mean double precision not null,
    daily_low double precision not null,
    daily_high double precision not null,
    cumulative_mean double precision not null,
    cumulative_low double precision not null,
    cumulative_high double precision not null,
    uniform_mean double precision not null,
    uniform_low double precision not null,
    uniform_high double precision not null,
    saved_mean double precision not null,
    saved_low double precision not null,
    saved_high double precision not null,
    draws integer not null,
    seed bigint not null,
    primary key (campaign_id, as_of, send_date)
);
