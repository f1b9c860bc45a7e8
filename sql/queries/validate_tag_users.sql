-- Tag every staged user row of the window with the validation rules it breaks.
with staged as (
    select
        s.*,
        row_number() over (
            partition by s.window_date, s.user_id
            order by s.source_file, s.line_no
        ) as user_id_rank
    from staging.users as s
    where s.window_date = %(window_date)s
),

tagged as (
    select
        s.window_date,
        s.source_file,
        s.line_no,
        -- a line that could not be read breaks only 'unparsable': its fields mean nothing
        case when s.parse_error is not null then array['unparsable'] else array_remove(array[
            case when s.user_id is null then 'missing_user_id' end,
            case
                when s.unsubscribed_at is not null and s.unsubscribed_at_parsed is null
                    then 'bad_timestamp'
            end,
            case
                when s.unsubscribed_at_parsed >= (s.window_date + 1)::timestamp at time zone 'UTC'
                    then 'unsubscribed_in_future'
            end,
            case
                when s.email is not null and s.email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'
                    then 'bad_email'
            end,
            case when s.user_id is not null and s.user_id_rank > 1 then 'duplicate_user_id' end
        ], null) end as rules
    from staged as s
)

update staging.users as s
set rules = tagged.rules
from tagged
where
    s.window_date = tagged.window_date
    and s.source_file = tagged.source_file
    and s.line_no = tagged.line_no;
