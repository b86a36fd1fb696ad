"""The MySQL/MariaDB source adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from transship.sdk import (
    ConfigError,
    DataExportOptions,
    DataSnapshot,
    DBConfig,
    SchemaExportOptions,
    SchemaExportResult,
    SchemaWriter,
    SourceAdapter,
    TypeMapper,
)
from transship_mysql.connection import connect
from transship_mysql.generated import GeneratedChoice
from transship_mysql.names import bq
from transship_mysql.types import BUILTIN_RULES

if TYPE_CHECKING:
    from transship_mysql.schema_export import Conversion
    from transship_mysql.verify_content import MySQLContentSource


class MySQLAdapter(SourceAdapter):
    """MySQL and MariaDB: schema from ``information_schema`` converted through the neutral catalog and
    declarative type rules; data formatted by the server as COPY text and streamed on one snapshot.

    ``type_mapping_config`` is the config file's ``type-mapping:`` section (core sets it when present).
    """

    name: ClassVar[str] = "mysql"
    default_port: ClassVar[int] = 3306
    schema_arity: ClassVar[str] = "none"
    object_types: ClassVar[tuple[str, ...]] = (
        "TABLE",
        "PARTITION",
        "INDEX",
        "VIEW",
        "TRIGGER",
        "FUNCTION",
        "PROCEDURE",
    )

    def __init__(self, config: DBConfig, type_mapping_config: dict[str, Any] | None = None) -> None:
        super().__init__(config)
        self.type_mapping_config = type_mapping_config

    @property
    def database(self) -> str:
        if not self.config.name:
            raise ConfigError(
                "--source-db-name is required for MySQL", fix="pass --source-db-name <database>"
            )
        return self.config.name

    def mapper(self) -> TypeMapper:
        """The type mapper: plugin hook, then the config file's rules, then the built-in rules."""
        return TypeMapper.from_config(self.name, BUILTIN_RULES, self.type_mapping_config)

    def generated_choice(self) -> GeneratedChoice:
        """Which generated columns become plain columns (the config file's ``type-mapping: plain-generated-columns``)."""
        return GeneratedChoice.from_config(self.type_mapping_config)

    def check_connection(self) -> str:
        conn = connect(self.config)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT VERSION()")
                version = str(cur.fetchone()[0])
                cur.execute(
                    "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = %s",
                    (self.database,),
                )
                if not cur.fetchone()[0]:
                    raise ConfigError(
                        f"database {self.database!r} not found on the MySQL source",
                        fix="check --source-db-name",
                    )
        finally:
            conn.close()
        return version

    def count_rows(self, tables: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Exact ``COUNT(*)`` of each source table (``verify``)."""
        conn = connect(self.config)
        try:
            out: dict[tuple[str, str], int] = {}
            with conn.cursor() as cur:
                for schema, name in tables:
                    cur.execute(f"SELECT COUNT(*) FROM {bq(schema)}.{bq(name)}")  # noqa: S608 - quoted identifiers
                    out[(schema, name)] = int(cur.fetchone()[0])
            return out
        finally:
            conn.close()

    def content_source(self) -> MySQLContentSource:
        """``verify``'s MySQL side: canonical row digests computed by the server (:mod:`transship_mysql.verify_content`)."""
        from transship_mysql.verify_content import MySQLContentSource

        return MySQLContentSource(self.config, self.convert_catalog())

    def convert_catalog(self) -> Conversion:
        """Read and convert the source catalog (what export schema writes and export data dumps)."""
        from transship_mysql.schema_export import CatalogConverter
        from transship_mysql.source_catalog import read_source_catalog

        conn = connect(self.config)
        try:
            src = read_source_catalog(conn, self.database)
        finally:
            conn.close()
        return CatalogConverter(src, self.mapper(), self.generated_choice()).run()

    def export_schema(self, writer: SchemaWriter, options: SchemaExportOptions) -> SchemaExportResult:
        from transship_mysql.schema_export import export_schema

        conn = connect(self.config)
        try:
            return export_schema(conn, self.database, writer, options, self.mapper(), self.generated_choice())
        finally:
            conn.close()

    def begin_data_export(self, options: DataExportOptions) -> DataSnapshot:
        from transship_mysql.data_export import MySQLSnapshot

        conversion = self.convert_catalog()
        return MySQLSnapshot(self.config, self.database, conversion, options)
