-- Quarantined event rows per window, source file and rule (a row breaking two rules counts
-- under both).
create or replace view reporting.quarantine_summary as
select
    quarantined.window_date,
    quarantined.source_file,
    rule.rule,
    count(*) as rows
from quarantine.events as quarantined
cross join lateral unnest(quarantined.rules) as rule (rule)
group by quarantined.window_date, quarantined.source_file, rule.rule;
