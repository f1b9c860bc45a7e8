-- The newest night any event arrived (null before the first): sends dated after it have no
-- event yet.
select max(arrival_date)
from core.events;
