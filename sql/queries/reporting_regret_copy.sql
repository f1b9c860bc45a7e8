copy bandit.regret_posterior (
    campaign_id, as_of, send_date, sends,
    daily_mean, daily_low, daily_high,
    cumulative_mean, cumulative_low, cumulative_high,
    uniform_mean, uniform_low, uniform_high,
    saved_mean, saved_low, saved_high,
    draws, seed
) from stdin
