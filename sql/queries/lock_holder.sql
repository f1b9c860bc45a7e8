-- Who holds a SmartArm advisory lock: enough to find the other run.
select activity.pid, activity.application_name, activity.client_addr::text, activity.backend_start
from pg_locks as lock_row
inner join pg_stat_activity as activity
    on lock_row.pid = activity.pid
where
    lock_row.locktype = 'advisory'
    and lock_row.granted
    and lock_row.classid::integer = %(namespace)s
    and lock_row.objid::integer = %(key)s
    and lock_row.database = (select oid from pg_database where datname = current_database());
