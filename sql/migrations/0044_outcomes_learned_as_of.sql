-- The night the campaign had learned up to (its newest arm state) when its outcome cells were
-- last refreshed. A send's reward counts the events that arrived by that night, and a send
-- date matures by it, so the next refresh recomputes exactly the dates whose events or
-- maturity that night's move changes; without it, a refresh assumed the campaign might have
-- learned one night less than it had and recomputed one date more. Null for refreshes before
-- this migration, which the next refresh treats that way.
alter table bandit.outcomes_refreshed add column learned_as_of date;
