-- core.sends (the published send lists CRM systems read through crm.send_list_v1)
-- partitioned by send_date, one partition per day: publishing a day's list writes a small
-- partition whose indexes fit in memory whatever the history, and every query bounded by send
-- date reads only the partitions it names. The key becomes (send_date, send_id); a send id
-- stays unique because it is derived from campaign, date and user. Publish creates the day's
-- partition (core.ensure_day_partition('sends', day)); rows of a day without one land in
-- core.sends_default. Existing rows are moved into their partitions here.
alter table core.sends rename to sends_unpartitioned;
alter index core.sends_pkey rename to sends_unpartitioned_pkey;
alter index core.sends_campaign_id_send_date_user_id_key rename to sends_unpartitioned_key;
drop index core.sends_user_date_idx;

create table core.sends (
    send_id text not null,
    send_date date not null,
    campaign_id text not null,
    user_id text not null,
    template_id text not null,
    segment text not null,
    propensity double precision not null check (propensity > 0 and propensity <= 1),
    is_holdout boolean not null,
    model_version text not null,
    primary key (send_date, send_id),
    unique (campaign_id, send_date, user_id)
) partition by range (send_date);

create index sends_send_id_idx on core.sends (send_id);
create index sends_user_date_idx on core.sends (user_id, send_date);

create table core.sends_default partition of core.sends default;

select core.ensure_day_partition('sends', send_date)
from (select distinct send_date from core.sends_unpartitioned) as days;

insert into core.sends select * from core.sends_unpartitioned;

-- the views over core.sends are re-created by the view step that follows every upgrade
drop table core.sends_unpartitioned cascade;
