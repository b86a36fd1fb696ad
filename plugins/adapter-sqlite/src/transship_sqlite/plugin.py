# registers the SQLite adapter with transship

from transship.sdk import AdapterRecord, hookimpl


@hookimpl
def transship_source_adapters() -> list[AdapterRecord]:
    return [AdapterRecord("sqlite", "transship_sqlite.adapter:SqliteAdapter", "SQLite database files")]
