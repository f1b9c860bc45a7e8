-- Validation outcome per window: each row rule's failing-row count and each gate's verdict.
create or replace view reporting.validation_results as
select
    window_date,
    source,
    check_name,
    kind,
    success,
    observed,
    threshold,
    details
from audit.validation_results;
