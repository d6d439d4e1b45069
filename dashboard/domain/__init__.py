"""Pure rules, no I/O: statuses, usernames, roles, the team CSV, the sign-up journey, the clock."""
