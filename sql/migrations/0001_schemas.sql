-- One schema per audience (see docs/schema.md).
create schema if not exists config authorization smartarm_owner;
create schema if not exists staging authorization smartarm_owner;
create schema if not exists core authorization smartarm_owner;
create schema if not exists quarantine authorization smartarm_owner;
create schema if not exists bandit authorization smartarm_owner;
create schema if not exists crm authorization smartarm_owner;
create schema if not exists reporting authorization smartarm_owner;
create schema if not exists audit authorization smartarm_owner;
