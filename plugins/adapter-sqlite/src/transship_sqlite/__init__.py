"""transship's SQLite source adapter (``--source-db-type sqlite --source-db-name PATH``)."""
