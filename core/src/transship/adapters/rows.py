"""Generic data export for adapters whose rows arrive as Python values (a DB-API cursor, a file reader).

:class:`RowsReader` writes any iterable of rows as COPY text (:func:`transship.exporter.copyline.write_rows`);
:class:`ListedSnapshot` is a :class:`~transship.adapters.base.DataSnapshot` made of the tables and sequences an
adapter listed (:func:`listed_tables` and :func:`identity_values` list them from a catalog) and a function that
opens readers. Together they are a whole data export in a few lines.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from transship.adapters.base import DataSnapshot, ExportTable, SequenceValue, TableReader
from transship.catalog import Catalog, Table
from transship.exporter import copyline

#: ``encode(table, position, value) -> bytes``: one value's COPY field where the adapter converts it itself
Encode = Callable[[ExportTable, int, Any], bytes]


class RowsReader(TableReader):
    """A reader over ``rows(table)``, which yields each row's values in ``table.columns`` order.

    :param encode: for values the adapter converts itself (e.g. integers that mean booleans); others go
        through :func:`~transship.exporter.copyline.copy_field`.
    :param close: releases what the rows come from.
    """

    def __init__(
        self,
        rows: Callable[[ExportTable], Iterable[Sequence[Any]]],
        encode: Encode | None = None,
        close: Callable[[], object] | None = None,
    ) -> None:
        self.rows, self.encode, self._close = rows, encode, close

    def copy_table(
        self, table: ExportTable, write: Callable[[bytes | bytearray | memoryview], object]
    ) -> None:
        encode = None if self.encode is None else functools.partial(self.encode, table)
        key = [table.columns.index(k) for k in table.key if k in table.columns]
        rows = self.rows(table)
        try:
            copyline.write_rows(rows, write, table.target_name, key, table.columns, encode)
        finally:  # a generator stopped by an error still runs its cleanup (releases its lock, its cursor)
            close = getattr(rows, "close", None)
            if close is not None:
                close()

    def close(self) -> None:
        if self._close is not None:
            self._close()


class ListedSnapshot(DataSnapshot):
    """A snapshot made of what the adapter listed; ``open_reader`` is called once per export worker."""

    def __init__(
        self,
        tables: list[ExportTable],
        sequences: list[SequenceValue],
        open_reader: Callable[[], TableReader],
        consistency: str = "snapshot",
        close: Callable[[], object] | None = None,
    ) -> None:
        self.tables, self.sequences, self.consistency = tables, sequences, consistency
        self._open, self._close = open_reader, close

    def open_reader(self) -> TableReader:
        return self._open()

    def close(self) -> None:
        if self._close is not None:
            self._close()


def listed_tables(
    catalog: Catalog,
    include: Callable[[str, str], bool],
    count: Callable[[Table], int],
    target_schema: str | None = None,
) -> list[ExportTable]:
    """The catalog's tables that ``include`` accepts, as export lists them: every column, the primary key,
    ``count(table)`` as the row estimate, rows going to the same name (in ``target_schema``, None: chosen at
    import)."""
    out = []
    for t in catalog.tables:
        if t.parent is None and include(t.schema, t.name):
            key = next((c.columns for c in t.constraints if c.kind == "primary"), [])
            columns = [c.name for c in t.columns]
            out.append(ExportTable(t.schema, t.name, columns, target_schema, t.name, count(t), tuple(key)))
    return out


def identity_values(catalog: Catalog, top: Callable[[str, str], int | None]) -> list[SequenceValue]:
    """Where each sequence owned by a column continues: after ``top(table, column)``, the highest value the
    source used (None or 0: nothing yet)."""
    out = []
    for seq in catalog.sequences:
        if seq.owned_by:
            n = top(*seq.owned_by) or 0
            out.append(SequenceValue(None, seq.name, max(n, 1), n >= 1))
    return out
