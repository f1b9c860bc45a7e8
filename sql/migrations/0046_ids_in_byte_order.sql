-- Send, event and user ids compared by their bytes (collation "C") instead of under the
-- database's locale. Each night builds the indexes of a million-row list per campaign (on
-- send_id and on user_id) and of the night's events (on event_id and on send_id): sorting ids
-- under a libc locale calls strcoll for every comparison. At the benchmark's full
-- size, by bytes, the list's primary key took 0.61 s against 1.38 s, and the events' send_id
-- index of one night 1.78 s against 5.72 s (database locale C.UTF-8). Ids have no linguistic
-- order: under C.UTF-8 they sort as before (code point order, which is byte order in UTF-8);
-- under a linguistic locale such as en_US they now sort by bytes, not by dictionary rules.
--
-- A column's collation decides its comparisons and its indexes: the staged and quarantined
-- copies, compared with these columns, are compared by bytes too (a column's own collation
-- wins over the default), so the indexes here serve those lookups.
--
-- The views over these columns are dropped first (a column a view uses cannot change type);
-- the upgrade recreates every view after the migrations. On a populated database the ALTERs
-- rebuild the indexes of every partition, once.
drop view if exists
crm.send_list_v1,
reporting.regret_true,
reporting.regret_estimate,
reporting.window_outcomes,
reporting.attributed_sends;

alter table core.users alter column user_id type text collate "C";

alter table core.user_contacts alter column user_id type text collate "C";

alter table core.sends
alter column send_id type text collate "C",
alter column user_id type text collate "C";

alter table core.events
alter column event_id type text collate "C",
alter column send_id type text collate "C",
alter column user_id type text collate "C";
