-- The validate step records the rules each bad staged event breaks in a table of its own,
-- one row per bad line, instead of rewriting every staged row: a window's good rows (nearly
-- all of them) are written once, by COPY, and loaded by an anti-join against this table.
create table staging.event_rule_hits (
    window_date date not null,
    source_file text not null,
    line_no integer not null,
    rules text[] not null check (cardinality(rules) > 0),
    primary key (window_date, source_file, line_no)
);

alter table staging.events drop column rules;
