-- Event types every campaign understands; a campaign's own reward event type is also valid.
create table config.event_types (
    event_type text primary key,
    description text not null
);

insert into config.event_types (event_type, description) values
    ('delivered', 'the CRM delivered the message'),
    ('bounce', 'the message could not be delivered'),
    ('open', 'the user opened the message'),
    ('click', 'the user clicked a link in the message'),
    ('read', 'the user read the content; value = reading seconds'),
    ('conversion', 'the user converted; value = order value or 1'),
    ('unsubscribe', 'the user unsubscribed; no further sends');
