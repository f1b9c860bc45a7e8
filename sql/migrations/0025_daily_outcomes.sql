-- Outcomes of the sends per campaign x send date x segment x template x cohort, kept by the
-- report step for the send dates each night touched (bandit_core/outcomes.py), so that the
-- nightly report and the views built on reporting.daily_outcomes cost what a night changed,
-- not the campaign's whole history. The first refresh of a campaign builds it in full.
create table bandit.daily_outcomes (
    campaign_id text not null,
    send_date date not null,
    segment text not null,
    template_id text not null,
    is_holdout boolean not null,
    propensity double precision not null,
    sends bigint not null,
    delivered_sends bigint not null,
    matured_sends bigint not null,
    rewards double precision not null,
    reward_sq_sum double precision not null,
    primary key (campaign_id, send_date, segment, template_id, is_holdout)
);

-- the latest as-of date whose night refreshed a campaign's outcomes
create table bandit.outcomes_refreshed (
    campaign_id text primary key,
    as_of date not null
);
