-- Contact data of the window's valid user rows, kept apart from the users (PII); only for
-- users this window last updated, so an older rerun cannot bring back an old address.
insert into core.user_contacts as contact (user_id, email, phone)
select staged.user_id, staged.email, staged.phone
from staging.users as staged
inner join core.users as app_user
    on staged.user_id = app_user.user_id
    and app_user.updated_window = staged.window_date
where
    staged.window_date = %(window_date)s
    and cardinality(staged.rules) = 0
    and (staged.email is not null or staged.phone is not null)
on conflict (user_id) do update set
    email = coalesce(excluded.email, contact.email),
    phone = coalesce(excluded.phone, contact.phone);
