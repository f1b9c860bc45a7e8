-- core.sends' primary key leads with send_id: (send_id, send_date) instead of
-- (send_date, send_id). Within a day's partition the send date is constant, so the old key
-- could not find a send by its id and a separate index on send_id served those lookups
-- (validation, the events joins). The reordered key serves them, and publishing a list
-- maintains three indexes per row instead of four. It still holds the partition key, and
-- within a partition it still orders rows by send_id (the CRM export's order).
alter table core.sends drop constraint sends_pkey;
alter table core.sends add primary key (send_id, send_date);
drop index core.sends_send_id_idx;
