select pg_advisory_unlock(%(namespace)s::integer, %(key)s::integer);
