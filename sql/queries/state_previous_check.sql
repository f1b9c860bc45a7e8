-- Is there state for the day before, and were there sends it should have counted?
select
    exists (
        select 1 from bandit.arm_state
        where campaign_id = %(campaign_id)s and as_of = %(as_of)s::date - 1
    ) as has_previous,
    exists (
        select 1 from core.sends
        where campaign_id = %(campaign_id)s and send_date <= %(as_of)s::date - 1
    ) as has_earlier_sends;
