-- Cluster-wide roles, re-applied on every upgrade (roles have no "if not exists").
--   smartarm_owner    owns every SmartArm schema and object; the pipeline acts as it
--   smartarm_crm      reads the versioned send-list views in schema crm, nothing else
--   smartarm_analyst  reads the views in schema reporting, nothing else
-- The two reader roles cannot log in: grant them to login users, e.g.
--   create role braze_sync login password '...' in role smartarm_crm;
do $$
begin
    if not exists (select from pg_roles where rolname = 'smartarm_owner') then
        create role smartarm_owner nologin;
    end if;
    if not exists (select from pg_roles where rolname = 'smartarm_crm') then
        create role smartarm_crm nologin;
    end if;
    if not exists (select from pg_roles where rolname = 'smartarm_analyst') then
        create role smartarm_analyst nologin;
    end if;
    -- the connecting pipeline user must be able to `set role smartarm_owner`
    if not (select rolsuper from pg_roles where rolname = current_user)
        and not pg_has_role(current_user, 'smartarm_owner', 'member') then
        execute format('grant smartarm_owner to %I', current_user);
    end if;
    -- the owner creates SmartArm's schemas in this database
    execute format('grant create on database %I to smartarm_owner', current_database());
end
$$;
