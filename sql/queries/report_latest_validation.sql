-- The latest window's validation: gates and the rules that caught rows, per source.
select window_date, source || '.' || check_name as check_name, kind, success, observed, threshold
from reporting.validation_results
where window_date = (select max(window_date) from reporting.validation_results)
    and (kind = 'table' or observed > 0)
order by kind desc, source, check_name;
