-- What only a simulation knows: the true reward rates of its world, written by the world
-- simulator (bandit_core/simulation_truth.py) for the demo and the tests. Nothing on the
-- nightly path reads it; in production it stays empty and reporting.regret_true is empty.
create schema if not exists simulation authorization smartarm_owner;

-- rate = P(reward within the attribution window) of a user whose `attribute` has
-- `attribute_value`, sent `template_id`
create table simulation.true_rates (
    campaign_id text not null,
    attribute text not null,
    attribute_value text not null,
    template_id text not null,
    rate double precision not null check (rate >= 0 and rate <= 1),
    primary key (campaign_id, attribute_value, template_id)
);
