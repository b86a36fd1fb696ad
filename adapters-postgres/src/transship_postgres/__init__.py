"""transship source adapter for PostgreSQL."""
