-- Campaign configuration, as applied by `smartarm campaigns apply`.

create table config.campaigns (
    campaign_id text primary key,
    version integer not null,
    name text not null,
    start_date date not null,
    end_date date,
    seed bigint not null,
    reward_event_type text not null,
    attribution_days integer not null check (attribution_days >= 1),
    value_cap double precision check (value_cap > 0),
    frequency_cap_sends integer,
    frequency_cap_days integer,
    spec jsonb not null,
    spec_sha256 text not null,
    applied_at timestamptz not null
);

-- every config ever applied, so any allocation can be traced to the config in force
create table config.campaign_versions (
    campaign_id text not null references config.campaigns (campaign_id),
    version integer not null,
    spec jsonb not null,
    spec_sha256 text not null,
    applied_at timestamptz not null,
    primary key (campaign_id, version)
);

create table config.templates (
    campaign_id text not null references config.campaigns (campaign_id),
    template_id text not null,
    position integer not null,
    channel text not null,
    features jsonb not null default '{}'::jsonb,
    active boolean not null default true,
    primary key (campaign_id, template_id)
);

-- the user attributes whose values define a campaign's segments, in order
create table config.segment_attributes (
    campaign_id text not null references config.campaigns (campaign_id),
    position integer not null,
    attribute text not null,
    primary key (campaign_id, position),
    unique (campaign_id, attribute)
);

create table config.policies (
    campaign_id text primary key references config.campaigns (campaign_id),
    policy text not null,
    params jsonb not null default '{}'::jsonb,
    holdout_share double precision not null check (holdout_share >= 0 and holdout_share < 1),
    min_share double precision not null check (min_share >= 0 and min_share <= 1),
    warmup_min_matured integer not null default 0 check (warmup_min_matured >= 0)
);
