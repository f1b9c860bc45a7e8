copy simulation.true_rates (campaign_id, attribute, attribute_value, template_id, rate) from stdin
