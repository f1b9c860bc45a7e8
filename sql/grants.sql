-- Re-applied on every upgrade after the views. Readers get exactly the objects listed here.
revoke all on schema config, staging, core, quarantine, bandit, crm, reporting, audit from public;

grant usage on schema crm to smartarm_crm;
grant select on crm.send_list_v1, crm.batches_v1 to smartarm_crm;

grant usage on schema reporting to smartarm_analyst;
grant select on all tables in schema reporting to smartarm_analyst;
