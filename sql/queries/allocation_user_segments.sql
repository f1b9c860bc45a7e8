-- The segments the campaign's users fall into today.
with names as (
    select coalesce(array_agg(attribute order by position), '{}') as names
    from config.segment_attributes
    where campaign_id = %(campaign_id)s
)

select distinct bandit.segment_key(app_user.attributes, names.names) as segment
from core.users as app_user
cross join names;
