-- Make the campaign's build partition for the send date ready and empty, and drop the builds
-- of dates more than a week before it (staging.prepare_build, migration 0042).
select staging.prepare_build(%(send_date)s::date, %(campaign_id)s);
