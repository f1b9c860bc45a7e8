-- Create the send date's partition of core.sends if it is missing (its own short
-- transaction: attaching a partition briefly locks the table against readers).
select core.ensure_day_partition('sends', %(send_date)s::date);
