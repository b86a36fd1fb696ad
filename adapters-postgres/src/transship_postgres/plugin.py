"""Registers the PostgreSQL adapter with transship."""

from transship import hookimpl
from transship.adapters.base import AdapterRecord


@hookimpl
def transship_source_adapters() -> list[AdapterRecord]:
    return [
        AdapterRecord(
            "postgresql",
            "transship_postgres.adapter:PostgresAdapter",
            "PostgreSQL (pg_dump schema, COPY data on one exported snapshot)",
        )
    ]
