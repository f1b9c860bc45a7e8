-- Users, sends and deduplicated engagement events.

create table core.users (
    user_id text primary key,
    attributes jsonb not null default '{}'::jsonb,
    unsubscribed_at timestamptz
);

-- contact data is PII: kept apart so that no reporting or CRM view can reach it by accident
create table core.user_contacts (
    user_id text primary key references core.users (user_id),
    email text,
    phone text
);

-- one row per user x campaign x send date: what the bandit decided (published through crm)
create table core.sends (
    send_id text primary key,
    send_date date not null,
    campaign_id text not null,
    user_id text not null,
    template_id text not null,
    segment text not null,
    propensity double precision not null check (propensity > 0 and propensity <= 1),
    is_holdout boolean not null,
    model_version text not null,
    unique (campaign_id, send_date, user_id)
);
create index sends_user_date_idx on core.sends (user_id, send_date);

-- validated events; arrival_date is the window whose run loaded them
create table core.events (
    event_id text primary key,
    send_id text not null,
    campaign_id text not null,
    user_id text not null,
    template_id text not null,
    event_type text not null,
    event_ts timestamptz not null,
    value double precision,
    arrival_date date not null,
    source_file text not null,
    line_no integer not null
);
create index events_send_idx on core.events (send_id);
create index events_arrival_idx on core.events (arrival_date);
