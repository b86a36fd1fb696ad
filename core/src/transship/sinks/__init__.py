"""Import targets (sinks): PostgreSQL and YugabyteDB."""
