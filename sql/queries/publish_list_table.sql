-- Publish the campaign's built list as its send date's partition for the campaign (created,
-- filled, indexed and attached); null when it must be replaced in place instead (see
-- core.publish_list_table, migration 0041).
select core.publish_list_table(%(send_date)s::date, %(campaign_id)s);
