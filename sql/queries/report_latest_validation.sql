-- The latest window's validation: gates and the rules that caught rows.
select window_date, check_name, kind, success, observed, threshold
from reporting.validation_results
where window_date = (select max(window_date) from reporting.validation_results)
    and (kind = 'table' or observed > 0)
order by kind desc, check_name;
