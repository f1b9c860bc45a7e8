-- A world re-created for a campaign replaces its recorded truth.
delete from simulation.true_rates
where campaign_id = %(campaign_id)s;
