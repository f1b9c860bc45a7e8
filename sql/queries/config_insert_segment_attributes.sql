insert into config.segment_attributes (campaign_id, position, attribute)
select %(campaign_id)s, a.position, a.attribute
from unnest(%(attributes)s::text[]) with ordinality as a (attribute, position);
