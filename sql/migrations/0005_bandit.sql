-- Learning state: arm statistics per as-of date, and the allocations computed from them.

-- cumulative statistics of matured sends, one versioned row per as-of date
create table bandit.arm_state (
    campaign_id text not null,
    segment text not null,
    template_id text not null,
    as_of date not null,
    sends bigint not null,
    matured bigint not null,
    reward_sum double precision not null,
    reward_sq_sum double precision not null,
    primary key (campaign_id, segment, template_id, as_of)
);

create table bandit.allocations (
    campaign_id text not null,
    send_date date not null,
    segment text not null,
    template_id text not null,
    as_of date not null,
    policy text not null,
    policy_params jsonb not null,
    seed bigint not null,
    policy_probability double precision not null,
    probability double precision not null,
    cum_low double precision not null,
    cum_high double precision not null,
    posterior_mean double precision not null,
    expected_regret double precision not null,
    holdout_share double precision not null,
    model_version text not null,
    primary key (campaign_id, send_date, segment, template_id)
);
