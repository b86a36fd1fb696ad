"""The PostgreSQL source adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from psycopg import sql

from transship.sdk import (
    ConfigError,
    DataExportOptions,
    DataSnapshot,
    SchemaExportOptions,
    SchemaExportResult,
    SchemaWriter,
    SourceAdapter,
)
from transship.sdk import pg_connect as connect
from transship_postgres.data_export import PostgresSnapshot
from transship_postgres.schema_export import export_schema

if TYPE_CHECKING:
    from transship.sdk import PgContentSource


class PostgresAdapter(SourceAdapter):
    """PostgreSQL source: schema through ``pg_dump --schema-only`` (exact DDL, split by object type),
    data through ``COPY ... TO STDOUT`` on parallel connections sharing one exported snapshot."""

    name: ClassVar[str] = "postgresql"
    default_port: ClassVar[int] = 5432
    schema_arity: ClassVar[str] = "many"
    object_types: ClassVar[tuple[str, ...]] = (
        "SCHEMA", "COLLATION", "EXTENSION", "TYPE", "DOMAIN", "SEQUENCE", "TABLE", "PARTITION", "INDEX",
        "FUNCTION", "AGGREGATE", "PROCEDURE", "VIEW", "MVIEW", "TRIGGER", "RULE", "COMMENT", "POLICY",
        "CONVERSION", "FOREIGN TABLE", "OPERATOR",
    )  # fmt: skip

    def validate_config(self) -> None:
        super().validate_config()
        if not self.config.schema:
            self.config.schema = "public"  # recorded, so reports and later steps name it

    def schemas(self) -> list[str]:
        """``--source-db-schema`` as a list; ``public`` when not given."""
        return self.config.schemas() or ["public"]

    def check_connection(self) -> str:
        with connect(self.config, "source") as conn:
            self._check_encoding(conn)
            version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
            self._check_schemas(conn)
        return version

    def _check_encoding(self, conn) -> None:
        """Refuse a SQL_ASCII database: its text is bytes in no declared encoding (the server checks nothing), so
        neither its names nor its data can be turned into UTF-8 for the target without guessing."""
        # the startup parameter, decoded by psycopg (a query's text comes back as bytes under SQL_ASCII)
        if (conn.info.parameter_status("server_encoding") or "").upper() == "SQL_ASCII":
            raise ConfigError(
                f"source database {self.config.name} uses the SQL_ASCII encoding (bytes in no declared encoding, "
                "not guaranteed to be valid UTF-8), which transship does not export",
                fix="copy it into a UTF8 database first (createdb -E UTF8 -T template0 NEW; pg_dump the old one "
                "and restore it into NEW, converting or fixing the bytes that are not valid UTF-8), then export NEW",
            )

    def _check_schemas(self, conn) -> None:
        wanted = self.schemas()
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1"
        ).fetchall()
        existing = [r[0] for r in rows]
        missing = [s for s in wanted if s not in existing]
        if missing:
            raise ConfigError(
                f"schema {', '.join(missing)} not found in source database {self.config.name}",
                fix=f"check --source-db-schema (schemas there: {', '.join(existing) or 'none'})",
            )
        for schema in wanted:
            ok = conn.execute("SELECT has_schema_privilege(%s, 'USAGE')", (schema,)).fetchone()[0]
            if not ok:
                raise ConfigError(
                    f"source user {self.config.user} lacks USAGE on schema {schema}",
                    fix=sql.SQL("GRANT USAGE ON SCHEMA {} TO {} (and SELECT on its tables and sequences)")
                    .format(sql.Identifier(schema), sql.Identifier(self.config.user or "current_user"))
                    .as_string(conn),
                )

    def count_rows(self, tables: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        from transship.sdk import count_rows

        with connect(self.config, "source") as conn:
            return {(s, n): count_rows(conn, s, n) for s, n in tables}

    def content_source(self) -> PgContentSource:
        """``verify``'s PostgreSQL side: the same canonical digests as the target's."""
        from transship.sdk import PgContentSource

        return PgContentSource(lambda: connect(self.config, "source"))

    def export_schema(self, writer: SchemaWriter, options: SchemaExportOptions) -> SchemaExportResult:
        return export_schema(self, writer, options)

    def begin_data_export(self, options: DataExportOptions) -> DataSnapshot:
        return PostgresSnapshot(self, options)
