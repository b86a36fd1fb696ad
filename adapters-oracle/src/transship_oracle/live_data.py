"""Live mode of ``export data``: python-oracledb -> COPY text, all readers at one flashback SCN.

- One consistent point in time: the snapshot reads the current SCN once and every reader selects
  ``... AS OF SCN :scn``. Without the privilege to read the SCN (``V$DATABASE`` or
  ``DBMS_FLASHBACK``) or to run flashback queries, each table is read in its own read-only transaction
  and the export says so (``consistency``).
- Large fetch arrays (``arraysize``/``prefetchrows`` 5000; 500 for tables with LOBs); LOBs are
  streamed in 1 MiB chunks through :func:`transship_oracle.copytext.stream_lob`.
- NUMBER is fetched as ``Decimal`` (exact); BINARY_FLOAT/DOUBLE as float; TIMESTAMP WITH TIME ZONE is
  read as ``SYS_EXTRACT_UTC(col)`` and written as an instant with ``+00``; the session time zone is
  UTC so TIMESTAMP WITH LOCAL TIME ZONE values are instants in UTC too.
"""

from __future__ import annotations

import decimal
import logging
from collections.abc import Callable
from typing import Any

from transship.sdk import (
    DataExportOptions,
    DataSnapshot,
    DBConfig,
    ExportFailed,
    ExportTable,
    SequenceValue,
    TableReader,
    always_quote,
    copyline,
)
from transship_oracle import copytext
from transship_oracle.connect import connect, translate
from transship_oracle.ddl_script import OracleSource
from transship_oracle.tokens import pg_name

log = logging.getLogger(__name__)
ARRAYSIZE = 5000
LOB_ARRAYSIZE = 500
_LOB_TYPES = ("CLOB", "NCLOB", "BLOB", "BFILE")


def select_list(src_table: Any) -> tuple[list[str], dict[str, str | None], set[str]]:
    """Select expressions per column, the value transform per column, and the columns read as UTC."""
    exprs, transforms, utc = [], {}, set()
    for col in src_table.columns:
        oname = col.extra.get("oracle_name", col.name.upper())
        ref = always_quote(oname)
        base = col.extra["oracle_type"].base if "oracle_type" in col.extra else ""
        if base == "timestamp with time zone":
            exprs.append(f"SYS_EXTRACT_UTC({ref})")
            utc.add(col.name)
        elif base == "timestamp with local time zone":
            exprs.append(ref)
            utc.add(col.name)
        elif base == "xmltype":
            exprs.append(f"XMLSERIALIZE(CONTENT {ref} AS CLOB)")
        else:
            exprs.append(ref)
        transforms[col.name] = col.transform
    return exprs, transforms, utc


def _output_type_handler(cursor: Any, metadata: Any) -> Any:
    """Fetch NUMBER as Decimal so no value goes through a binary float."""
    import oracledb

    if metadata.type_code is oracledb.DB_TYPE_NUMBER:
        return cursor.var(decimal.Decimal, arraysize=cursor.arraysize)
    return None


class LiveSnapshot(DataSnapshot):
    """The tables of one Oracle schema at one SCN."""

    def __init__(
        self, config: DBConfig, src: OracleSource, options: DataExportOptions, driver: Any = None
    ) -> None:
        self.config = config
        self.src = src
        self.driver = driver
        self.conn = connect(config, driver)
        self.scn: int | None = None
        self.consistency = "per table (no flashback SCN)"
        self._read_scn()
        owner = src.schema
        self.tables = []
        for table in src.tables.values():
            if table.parent is not None or not options.include(pg_name(owner), table.name):
                continue
            key = tuple(table.primary_key.columns) if table.primary_key else ()
            self.tables.append(
                ExportTable(
                    owner,
                    table.extra.get("oracle_name", table.name.upper()),
                    [c.name for c in table.columns if not c.generated],
                    None,
                    table.name,
                    table.row_estimate or 0,
                    key,
                )
            )
        self.sequences = [
            SequenceValue(None, s.name, int(s.last_value), False)
            for s in src.sequences
            if s.last_value is not None
        ]
        for table in src.tables.values():
            for col in table.columns:
                iseq = col.extra.get("oracle_identity_sequence")
                if iseq:
                    value = self._sequence_last(iseq)
                    if value is not None:
                        self.sequences.append(
                            SequenceValue(
                                None,
                                col.extra.get("identity_sequence", f"{table.name}_{col.name}_seq"),
                                value,
                                False,
                            )
                        )

    def _read_scn(self) -> None:
        for sql in (
            "SELECT current_scn FROM v$database",
            "SELECT dbms_flashback.get_system_change_number FROM dual",
        ):
            cur = self.conn.cursor()
            try:
                cur.execute(sql)
                row = cur.fetchone()
                self.scn = int(row[0])
                self.consistency = f"flashback SCN {self.scn}"
                return
            except Exception as exc:  # privilege missing: try the next way, else no SCN
                log.info("cannot read the SCN with %r: %s", sql, exc)
            finally:
                cur.close()

    def _sequence_last(self, name: str) -> int | None:
        cur = self.conn.cursor()
        try:
            cur.execute(
                "SELECT last_number FROM all_sequences WHERE sequence_owner = :owner AND sequence_name = :name",
                owner=self.src.schema,
                name=name,
            )
            row = cur.fetchone()
            return int(row[0]) if row else None
        finally:
            cur.close()

    def open_reader(self) -> TableReader:
        return LiveReader(self)

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception as exc:  # already closed or broken: nothing left to release
            log.debug("closing the snapshot connection: %s", exc)


class LiveReader(TableReader):
    """One connection reading tables at the snapshot's SCN."""

    def __init__(self, snapshot: LiveSnapshot) -> None:
        self.snapshot = snapshot
        self.conn = connect(snapshot.config, snapshot.driver)
        self.conn.outputtypehandler = _output_type_handler
        cur = self.conn.cursor()
        try:
            cur.execute("ALTER SESSION SET TIME_ZONE = 'UTC'")
            if snapshot.scn is None:
                cur.execute("SET TRANSACTION READ ONLY")
        finally:
            cur.close()

    def copy_table(self, table: ExportTable, write: Callable[[bytes], object]) -> None:
        src_table = self.snapshot.src.tables[table.name]
        exprs, transforms, utc = select_list(src_table)
        wanted = {c: k for k, c in enumerate(c.name for c in src_table.columns)}
        index = [wanted[c] for c in table.columns]
        has_lob = any(
            c.extra.get("oracle_type") is not None and c.extra["oracle_type"].base.upper() in _LOB_TYPES
            for c in src_table.columns
        )
        sql = f"SELECT {', '.join(exprs[k] for k in index)} FROM {always_quote(self.snapshot.src.schema)}.{always_quote(table.name)}"  # noqa: S608 - quoted identifiers
        params: dict[str, Any] = {}
        if self.snapshot.scn is not None:
            sql += " AS OF SCN :scn"
            params["scn"] = self.snapshot.scn
        names = [table.columns[k] for k in range(len(index))]
        cur = self.conn.cursor()
        cur.arraysize = LOB_ARRAYSIZE if has_lob else ARRAYSIZE
        cur.prefetchrows = cur.arraysize
        try:
            try:
                cur.execute(sql, params)
            except Exception as exc:
                raise translate(exc, self.snapshot.config, f"reading table {table.name}") from None
            limit = copyline.MAX_COPY_LINE_BYTES
            while True:
                rows = cur.fetchmany()
                if not rows:
                    break
                for row in rows:
                    parts: list[bytes] = []
                    size = 1  # the newline
                    for pos, (name, value) in enumerate(zip(names, row, strict=True)):
                        if pos:
                            parts.append(b"\t")
                            size += 1
                        if copytext.is_lob(value):
                            if size + copytext.lob_copy_size(value) > limit:  # known before reading it
                                raise _too_large(
                                    table, names, row, size + copytext.lob_copy_size(value), True
                                )
                            if parts:
                                write(b"".join(parts))
                                parts = []
                            size += copytext.stream_lob(value, write)
                        else:
                            text = copytext.field(value, transforms.get(name), name in utc)
                            parts.append(text)
                            size += len(text)
                    if size > limit:
                        raise _too_large(table, names, row, size, False)
                    parts.append(b"\n")
                    write(b"".join(parts))
        finally:
            cur.close()

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception as exc:  # already closed or broken: nothing left to release
            log.debug("closing a reader connection: %s", exc)


def _too_large(table: ExportTable, names: list[str], row: Any, size: int, at_least: bool) -> ExportFailed:
    """The error for a row whose COPY line would be longer than PostgreSQL's COPY accepts."""
    keys = [k for k in table.key if k in names]
    values = [row[names.index(k)] for k in keys]
    name = copyline.describe_key(keys, values) if keys else "without a primary key"
    return copyline.line_too_large(f"{table.schema}.{table.name}", name, size, at_least=at_least)
