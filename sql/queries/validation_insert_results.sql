-- One window's validation results, one row per rule or gate (after validation_delete_results).
insert into audit.validation_results (
    window_date, source, check_name, kind, success, observed, threshold, details
)
select
    %(window_date)s, %(source)s, r.check_name, r.kind, r.success, r.observed, r.threshold, r.details
from jsonb_to_recordset(%(results)s::jsonb) as r (
    check_name text, kind text, success boolean, observed double precision,
    threshold double precision, details jsonb
);
