-- Posterior summaries the allocate step stores for the reports (bandit_core/posterior_summary.py).
-- Columns added here are null on allocations written before this migration.

-- per template: the Beta posterior, its 95% equal-tailed credible interval and P(best)
alter table bandit.allocations
    add column posterior_alpha double precision,
    add column posterior_beta double precision,
    add column credible_low double precision,
    add column credible_high double precision,
    add column p_best double precision;

-- per segment and send date: how decided the segment is
create table bandit.segment_decisions (
    campaign_id text not null,
    send_date date not null,
    segment text not null,
    as_of date not null,
    leader_template_id text not null,
    leader_p_best double precision not null,
    -- 95th percentile of (max_j θ_j − θ_leader) / θ_leader under the posterior
    value_remaining double precision not null check (value_remaining >= 0),
    decided_below double precision not null,
    matured bigint not null,
    -- projected further matured sends until value_remaining < decided_below; null: beyond 10^9
    matured_needed double precision,
    seed bigint not null,
    primary key (campaign_id, send_date, segment)
);
