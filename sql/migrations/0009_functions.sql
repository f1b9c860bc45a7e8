-- Functions the allocation and assignment SQL share with their Python twins
-- (bandit_core/assignment.py: segment_key, unit_hash); a test checks they agree.

-- A user's segment: the campaign's segmentation attributes and the user's values, as
-- canonical JSON text, e.g. {"age_band": "18-34"}; '{}' when a campaign has none.
create function bandit.segment_key(attributes jsonb, names text[])
returns text
language sql
immutable
parallel safe
as $$
    select coalesce(
        (select jsonb_object_agg(name, attributes -> name) from unnest(names) as name)::text,
        '{}'
    )
$$;

-- A uniform number in [0, 1) from the first 52 bits of md5(key): the same key always gives
-- the same number, so every assignment can be re-derived in an audit.
create function bandit.unit_hash(key text)
returns double precision
language sql
immutable
parallel safe
as $$
    select ('x' || substr(md5(key), 1, 13))::bit(52)::bigint::double precision
        / 4503599627370496.0
$$;
