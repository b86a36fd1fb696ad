"""Registers the PostgreSQL adapter with transship."""

from transship.sdk import AdapterRecord, hookimpl


@hookimpl
def transship_source_adapters() -> list[AdapterRecord]:
    return [
        AdapterRecord(
            "postgresql",
            "transship_postgres.adapter:PostgresAdapter",
            "PostgreSQL (pg_dump schema, COPY data on one exported snapshot)",
        )
    ]
