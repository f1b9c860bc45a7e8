-- User updates from the landing folder (<landing>/<D>/users/), staged and quarantined like
-- events: every line becomes a row; validation tags the rules it breaks.
create table staging.users (
    window_date date not null,
    source_file text not null,
    line_no integer not null,
    user_id text,
    email text,
    phone text,
    unsubscribed_at text,
    unsubscribed_at_parsed timestamptz,
    attributes jsonb,
    parse_error text,
    raw_line text,
    rules text[],
    primary key (window_date, source_file, line_no)
);

create table quarantine.users (
    window_date date not null,
    source_file text not null,
    line_no integer not null,
    rules text[] not null check (cardinality(rules) > 0),
    user_id text,
    email text,
    phone text,
    unsubscribed_at text,
    attributes jsonb,
    parse_error text,
    raw_line text,
    primary key (window_date, source_file, line_no)
);

-- which window last changed a user, so a rerun of that window reproduces the same row
alter table core.users add column updated_window date;
