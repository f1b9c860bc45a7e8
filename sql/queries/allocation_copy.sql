copy bandit.allocations (
    campaign_id, send_date, segment, template_id, as_of, policy, policy_params, seed,
    policy_probability, probability, cum_low, cum_high, posterior_mean, expected_regret,
    holdout_share, model_version, posterior_alpha, posterior_beta, credible_low,
    credible_high, p_best
) from stdin
