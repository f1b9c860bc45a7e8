-- What ran, and what validation found.

create table audit.runs (
    run_key bigint generated always as identity primary key,
    dag_run_id text not null,
    window_date date not null,
    campaign_id text,
    step text not null,
    try_number integer not null default 1,
    status text not null check (status in ('running', 'success', 'failed')),
    started_at timestamptz not null,
    finished_at timestamptz,
    details jsonb not null default '{}'::jsonb,
    error text
);
create index runs_window_idx on audit.runs (window_date);

-- one row per rule or gate per window; rewritten when the window is rerun
create table audit.validation_results (
    window_date date not null,
    source text not null,
    check_name text not null,
    kind text not null check (kind in ('row', 'table')),
    success boolean not null,
    observed double precision,
    threshold double precision,
    details jsonb not null default '{}'::jsonb,
    primary key (window_date, source, check_name)
);
