select pg_try_advisory_lock(%(namespace)s::integer, %(key)s::integer);
