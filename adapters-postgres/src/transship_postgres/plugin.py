"""Registers the PostgreSQL adapter with transship."""

from transship.sdk import AdapterRecord, ConnectionOption, hookimpl


@hookimpl
def transship_source_adapters() -> list[AdapterRecord]:
    return [
        AdapterRecord(
            "postgresql",
            "transship_postgres.adapter:PostgresAdapter",
            "PostgreSQL (pg_dump schema, COPY data on one exported snapshot)",
            # voyager's assess-migration setting (config key source.read-replica-endpoints): accepted, unused
            (ConnectionOption("read-replica-endpoints", "Accepted for voyager compatibility.", hidden=True),),
        )
    ]
