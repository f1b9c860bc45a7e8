copy core.users (user_id, attributes) from stdin
