-- Raw events as extracted from the landing folder, and the rows that failed validation.

-- every column as the file had it (text), plus the parse the extractor could make of it
create table staging.events (
    window_date date not null,
    source_file text not null,
    line_no integer not null,
    event_id text,
    send_id text,
    campaign_id text,
    user_id text,
    template_id text,
    event_type text,
    event_ts text,
    value text,
    event_ts_parsed timestamptz,
    value_parsed double precision,
    parse_error text,
    raw_line text,
    -- the validation rules the row breaks, set by the validate step (empty: it loads)
    rules text[],
    primary key (window_date, source_file, line_no)
);

create table quarantine.events (
    window_date date not null,
    source_file text not null,
    line_no integer not null,
    rules text[] not null check (cardinality(rules) > 0),
    event_id text,
    send_id text,
    campaign_id text,
    user_id text,
    template_id text,
    event_type text,
    event_ts text,
    value text,
    parse_error text,
    raw_line text,
    primary key (window_date, source_file, line_no)
);

-- send lists being built by the assign step; publish swaps them into core.sends atomically
create table staging.sends (
    send_id text not null,
    send_date date not null,
    campaign_id text not null,
    user_id text not null,
    template_id text not null,
    segment text not null,
    propensity double precision not null,
    is_holdout boolean not null,
    model_version text not null,
    primary key (campaign_id, send_date, user_id)
);
