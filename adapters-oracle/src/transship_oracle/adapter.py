"""The Oracle source adapter: live (python-oracledb thin mode) or from Oracle scripts.

Script mode is chosen when core sets ``source_ddl_files`` (``export schema --source-ddl-file``) or
``source_data_files`` (``export data --source-data-file``); no database is contacted then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from transship.sdk import (
    ConfigError,
    ConnectionFailed,
    DataExportOptions,
    DataSnapshot,
    DBConfig,
    SchemaExportOptions,
    SchemaExportResult,
    SchemaWriter,
    SourceAdapter,
    TransshipError,
    TypeMapper,
    unconverted_block,
    write_catalog,
)
from transship_oracle.connect import connect, translate
from transship_oracle.convert import Converted, convert_source
from transship_oracle.ddl_script import OracleSource, read_scripts
from transship_oracle.dictionary import QUERIES, read_dictionary
from transship_oracle.live_data import LiveSnapshot
from transship_oracle.script_data import ScriptSnapshot, read_data_scripts
from transship_oracle.script_reference import ScriptReference
from transship_oracle.tokens import pg_name
from transship_oracle.typerules import ORACLE_RULES
from transship_oracle.verify_content import OracleContentSource

# What TABLE brings in export schema (SchemaExportOptions.wanted): the unconverted statements (UNCATEGORIZED) and
# the comments, with exclude_first: only with tables that are exported (comments are on tables and their columns).
# Not TYPE and SEQUENCE: those are written only when listed.
_IMPLIED = {"TABLE": ("UNCATEGORIZED", "COMMENT")}


class OracleAdapter(SourceAdapter):
    """``--source-db-type oracle``: one schema per migration (``--source-db-schema``)."""

    name: ClassVar[str] = "oracle"
    default_port: ClassVar[int] = 1521
    schema_arity: ClassVar[str] = "one"
    supports_scripts: ClassVar[bool] = True
    object_types: ClassVar[tuple[str, ...]] = (
        "TYPE", "SEQUENCE", "TABLE", "PACKAGE", "TRIGGER", "FUNCTION", "PROCEDURE", "SYNONYM", "VIEW",
        "MVIEW", "PARTITION", "INDEX",
    )  # fmt: skip

    def __init__(self, config: DBConfig, driver: Any = None) -> None:
        super().__init__(config)  # sets source_ddl_files, source_data_files, type_mapping_config
        self.driver = driver  # python-oracledb module (tests pass a DB-API stand-in)

    # ------------------------------------------------------------------------------------------ basics
    @property
    def script_mode(self) -> bool:
        return bool(self.source_ddl_files or self.source_data_files)

    @property
    def owner(self) -> str:
        """The schema as Oracle stores it: unquoted names upper case, ``"Quoted"`` kept."""
        schemas = self.config.schemas()
        name = schemas[0] if schemas else (self.config.user or "")
        if name.startswith('"') and name.endswith('"'):
            return name[1:-1]
        return name.upper()

    def describe(self) -> str:
        """The scripts read (script mode), else the connect target as ``user@host:port/service`` (no password)."""
        if self.script_mode:
            names = dict.fromkeys(Path(p).name for p in [*self.source_ddl_files, *self.source_data_files])
            return "scripts: " + ", ".join(names)
        c = self.config
        user = c.user or ""
        if c.option("oracle_tns_alias"):
            return f"{user}@{c.option('oracle_tns_alias')} (TNS alias)"
        where = f"{user}@{c.host or ''}:{c.port or self.default_port}"
        return (
            f"{where} SID {c.option('oracle_db_sid')}"
            if c.option("oracle_db_sid")
            else f"{where}/{c.name or ''}"
        )

    def validate_config(self) -> None:
        if self.script_mode and not self.config.schemas():
            self.config.schema = "public"
        super().validate_config()

    def default_target_schema(self) -> str | None:
        return "public"

    def check_connection(self) -> str:
        if self.script_mode:
            return "script mode"
        conn = connect(self.config, self.driver)
        try:
            version = getattr(conn, "version", "") or ""
            cur = conn.cursor()
            try:
                cur.execute(QUERIES["schema"], owner=self.owner)
                if cur.fetchone() is None:
                    raise ConfigError(
                        f"Oracle schema {self.owner} does not exist (or user {self.config.user} cannot see it)",
                        fix="check --source-db-schema (unquoted names are upper case in Oracle)",
                    )
            except TransshipError:
                raise
            except Exception as exc:
                raise translate(exc, self.config, "query") from None
            finally:
                cur.close()
            return f"Oracle {version}".strip()
        finally:
            conn.close()

    def content_source(self) -> Any:
        """Live: digests computed by Oracle (:mod:`transship_oracle.verify_content`). Script mode: the rows the
        scripts insert, parsed again independently (:mod:`transship_oracle.script_reference`)."""
        if not self.script_mode:
            src = self.read_source()
            self.convert(src)
            tables: dict[str, Any] = {}
            for key, table in src.tables.items():
                tables[key] = tables[pg_name(key)] = tables[table.name] = table
            return OracleContentSource(self.config, self.driver, tables, self.owner)
        return ScriptReference(self.source_ddl_files, self.source_data_files, self.owner)

    def count_rows(self, tables: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Exact ``COUNT(*)`` of each source table (``verify``); scripts have no live rows to count."""
        if self.script_mode:
            raise NotImplementedError("Oracle script mode has no live source to count")
        conn = connect(self.config, self.driver)
        try:
            cur = conn.cursor()
            try:
                out: dict[tuple[str, str], int] = {}
                for owner, name in tables:
                    quoted = '"' + owner.replace('"', '""') + '"."' + name.replace('"', '""') + '"'
                    cur.execute(f"SELECT COUNT(*) FROM {quoted}")  # noqa: S608 - quoted identifiers
                    out[(owner, name)] = int(cur.fetchone()[0])
                return out
            except Exception as exc:
                raise translate(exc, self.config, "query") from None
            finally:
                cur.close()
        finally:
            conn.close()

    # ------------------------------------------------------------------------------------------ schema
    def read_source(self) -> OracleSource:
        """The schema before conversion, from the DDL scripts or the live dictionary."""
        if self.source_ddl_files:
            return read_scripts(self.source_ddl_files, self.owner)
        if self.source_data_files:
            raise ConfigError(
                "export schema in script mode needs --source-ddl-file",
                fix="pass the Oracle DDL scripts with --source-ddl-file",
            )
        conn = connect(self.config, self.driver)
        try:
            return read_dictionary(conn, self.owner)
        except TransshipError:
            raise
        except Exception as exc:
            raise translate(exc, self.config, "reading the dictionary") from None
        finally:
            conn.close()

    def convert(self, src: OracleSource) -> Converted:
        """Map types and convert everything (see :mod:`transship_oracle.convert`)."""
        mapper = TypeMapper.from_config(self.name, ORACLE_RULES, self.type_mapping_config)
        return convert_source(src, mapper, self.config.name or src.schema)

    def export_schema(self, writer: SchemaWriter, options: SchemaExportOptions) -> SchemaExportResult:
        converted = self.convert(self.read_source())
        wanted = options.wanted(self.object_types, _IMPLIED, exclude_first=True)
        catalog = converted.catalog
        if "MVIEW" not in wanted:
            catalog.views = [v for v in catalog.views if not v.materialized]
        if "VIEW" not in wanted:
            catalog.views = [v for v in catalog.views if v.materialized]
            if "MVIEW" in wanted:
                wanted.add("VIEW")  # write_catalog writes materialized views under VIEW
        write_catalog(catalog, writer, qualify=False, object_types=wanted)
        for routine in catalog.routines:
            if routine.kind == "block" and "UNCATEGORIZED" in wanted:
                writer.add_comment_block(
                    "UNCATEGORIZED",
                    unconverted_block("statement", routine.name, routine.source_sql, routine.notes),
                )
        if "SYNONYM" in wanted:
            for name, sql in converted.synonyms:
                if sql:
                    writer.add("SYNONYM", sql)
                else:
                    writer.add_comment_block(
                        "SYNONYM",
                        f"synonym {name} was NOT converted (it does not point to a table or view of this schema)",
                    )
        return SchemaExportResult(
            counts=dict(writer.counts), notes=converted.notes, findings=converted.findings
        )

    # ------------------------------------------------------------------------------------------ data
    def begin_data_export(self, options: DataExportOptions) -> DataSnapshot:
        if self.source_data_files:
            ddl = read_scripts(self.source_ddl_files, self.owner) if self.source_ddl_files else None
            tables, src = read_data_scripts(self.source_data_files, self.owner, ddl)
            return ScriptSnapshot(tables, src, options)
        if self.source_ddl_files:
            raise ConfigError(
                "export data in script mode needs --source-data-file",
                fix="pass the INSERT scripts with --source-data-file",
            )
        src = self.read_source()
        self.convert(src)  # sets identity sequence names and value transforms on the columns
        try:
            return LiveSnapshot(self.config, src, options, self.driver)
        except TransshipError:
            raise
        except Exception as exc:
            raise ConnectionFailed(
                f"cannot start the Oracle export: {exc}", fix="check the connection and privileges"
            ) from None
