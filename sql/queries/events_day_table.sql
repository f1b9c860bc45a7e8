-- The window's event partition, schema-qualified.
select schema_name || '.' || part
from core.day_partition('events', %(window_date)s::date);
