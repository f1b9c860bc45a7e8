copy core.user_contacts (user_id, email, phone) from stdin
