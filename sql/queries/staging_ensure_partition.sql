-- Create the window's partition of staging.events if it is missing (its own short
-- transaction: attaching a partition briefly locks the table against readers).
select core.ensure_day_partition('staged_events', %(window_date)s::date);
