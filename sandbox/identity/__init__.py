"""Identity: users, classes (tenants), memberships, logins and passwords."""
