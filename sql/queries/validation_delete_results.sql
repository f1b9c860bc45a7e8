delete from audit.validation_results
where window_date = %(window_date)s and source = %(source)s;
