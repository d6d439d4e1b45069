"""The only place where the API clients and the database meet."""
