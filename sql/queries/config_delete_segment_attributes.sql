delete from config.segment_attributes
where campaign_id = %(campaign_id)s;
