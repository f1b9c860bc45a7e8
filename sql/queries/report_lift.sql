-- Lift over an equal split per send date, every estimator and scope.
select send_date, estimator, scope, sends, lift, lift_low, lift_high, baseline_value,
    policy_value
from reporting.lift
where campaign_id = %(campaign_id)s
order by send_date, estimator, scope;
