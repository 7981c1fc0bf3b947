"""Identity: tenants, users, org tree, roles and permissions, tokens, audit."""
