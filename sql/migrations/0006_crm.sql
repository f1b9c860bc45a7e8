-- Publication state of send lists. CRM systems read the versioned views, never these tables.
create table crm.batches (
    campaign_id text not null,
    send_date date not null,
    row_count bigint not null,
    holdout_count bigint not null,
    checksum text not null,
    model_version text not null,
    status text not null check (status in ('ready')),
    published_at timestamptz not null,
    primary key (campaign_id, send_date)
);
