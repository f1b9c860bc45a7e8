-- Remove every staged window before %(before)s (see migration 0039).
select partitions_dropped, event_rows_deleted, rule_hits_deleted, user_rows_deleted
from core.drop_staged_windows(%(before)s::date);
