"""The compliance suite every source adapter runs: one fixture, the whole set of promises core relies on.

In the adapter's tests, provide a ``compliance_harness`` fixture (a :class:`Harness`: how to build a source
database of the adapter's kind) and import the suite's tests into the module::

    from transship.testing.compliance import *  # noqa: F403 - the suite's tests

    @pytest.fixture
    def compliance_harness(tmp_path):
        return SqliteHarness(tmp_path)

What it checks, each case where the harness declares the capability (:data:`CAPABILITIES`):

- the adapter is registered under its name and declares only known capabilities;
- every type case (:attr:`Harness.type_cases`: NULLs, extremes, unicode, big values) round-trips through
  ``export schema``, ``import schema``, ``export data``, ``import data`` with every row, and ``verify`` proves
  each table's content with the canonical forms the adapter's ``content_source`` builds (``content``), or at
  least its count;
- ``count_rows`` is exact (``count_rows``);
- ``DataExportOptions.include`` decides which tables are exported (``filters``);
- an auto-numbered key's sequence continues after the rows already there (``sequences``);
- rows written after the snapshot opened are not exported (``concurrent_snapshot``).

The round trip goes through :mod:`transship.api`, the other cases through the adapter contract directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest

from transship import api
from transship.adapters.base import DataExportOptions, SourceAdapter
from transship.dbconfig import DBConfig
from transship.plugins import get_host
from transship.testing.databases import PgServer

CAPABILITIES = ("content", "count_rows", "filters", "sequences", "concurrent_snapshot")


@dataclass
class TypeCase:
    """A source column type and the values (source SQL literals, ``NULL`` included) its rows hold."""

    source_type: str
    values: list[str]


@dataclass
class Source:
    """A built source: its connection settings, or for script sources the files that stand for it."""

    config: DBConfig
    ddl_files: list[str] = field(default_factory=list)
    data_files: list[str] = field(default_factory=list)


class Harness(Protocol):
    """How the suite builds sources of one adapter's kind."""

    db_type: str
    capabilities: frozenset[str]
    #: DDL of an integer primary-key column the suite fills with explicit ids (``INTEGER PRIMARY KEY``)
    key_type: str
    #: DDL of an auto-numbered key column (None: the adapter has none; needed for ``sequences``)
    auto_key_type: str | None

    def quote(self, name: str) -> str:
        """A quoted identifier in the source's SQL."""
        ...

    def type_cases(self) -> list[TypeCase]:
        """Every type of the adapter's type rules worth a round trip, with hard values."""
        ...

    def create_source(self, statements: list[str]) -> Source:
        """A fresh source holding what ``statements`` (DDL, then INSERTs, in the source's SQL) create."""
        ...

    def execute(self, source: Source, statement: str) -> None:
        """Run and commit one statement on the live source on a connection of its own."""
        ...


def _needs(harness: Harness, capability: str) -> None:
    if capability not in harness.capabilities:
        pytest.skip(f"the {harness.db_type} adapter does not declare {capability!r}")


def _adapter(harness: Harness, source: Source) -> SourceAdapter:
    adapter = get_host().source_adapters()[harness.db_type].load()(source.config)
    adapter.source_ddl_files, adapter.source_data_files = list(source.ddl_files), list(source.data_files)
    adapter.validate_config()
    return adapter


def _table(harness: Harness, name: str, column_type: str, values: list[str], auto: bool = False) -> list[str]:
    q = harness.quote
    key = harness.auto_key_type if auto else harness.key_type
    out = [f"CREATE TABLE {q(name)} ({q('id')} {key}, {q('c')} {column_type})"]  # noqa: S608 - quoted names
    for i, value in enumerate(values, 1):
        out.append(
            f"INSERT INTO {q(name)} ({q('c')}) VALUES ({value})"  # noqa: S608 - the harness's literals
            if auto
            else f"INSERT INTO {q(name)} ({q('id')}, {q('c')}) VALUES ({i}, {value})"  # noqa: S608
        )
    return out


def _tables(harness: Harness) -> dict[str, TypeCase]:
    return {f"t{i:02d}": case for i, case in enumerate(harness.type_cases())}


@pytest.fixture
def compliance_source(compliance_harness: Harness) -> tuple[Source, dict[str, TypeCase]]:
    """A source with one table per type case (``t00``, ``t01``, ...)."""
    tables = _tables(compliance_harness)
    statements = [
        s
        for name, case in tables.items()
        for s in _table(compliance_harness, name, case.source_type, case.values)
    ]
    return compliance_harness.create_source(statements), tables


def test_compliance_registered_with_known_capabilities(compliance_harness: Harness) -> None:
    assert compliance_harness.db_type in get_host().source_adapters(), (
        "no adapter under this --source-db-type"
    )
    assert set(compliance_harness.capabilities) <= set(CAPABILITIES), set(compliance_harness.capabilities)
    assert compliance_harness.type_cases(), "a harness must bring type cases"


def test_compliance_every_type_round_trips_and_verify_proves_it(
    compliance_harness: Harness,
    compliance_source: tuple[Source, dict[str, TypeCase]],
    pg_server: PgServer,
    pg_target_db: str,
    tmp_path: Path,
) -> None:
    source, tables = compliance_source
    target = DBConfig(host=pg_server.host, port=pg_server.port, user=pg_server.user, name=pg_target_db)
    m = api.Migration(tmp_path / "compliance-export", source=source.config, target=target)
    api.export_schema(m, api.ExportSchemaOptions(source_ddl_files=source.ddl_files))
    api.import_schema(m)
    api.export_data(m, api.ExportDataOptions(source_data_files=source.data_files))
    api.import_data(m)
    content = "content" in compliance_harness.capabilities
    result = api.verify(m, api.VerifyOptions(counts_only=not content))
    assert result.ok, result.error
    verdicts = {t["table_name"].rsplit(".", 1)[-1]: t for t in result.document["tables"]}
    for name, case in tables.items():
        v = verdicts.get(name)
        assert v is not None, f"{name} ({case.source_type}) did not arrive"
        assert v["target_rows"] == len(case.values), (case.source_type, v)
        if content:
            assert v["proof"] == "content", f"{case.source_type}: {v['note']}"


def test_compliance_count_rows_is_exact(
    compliance_harness: Harness, compliance_source: tuple[Source, dict[str, TypeCase]]
) -> None:
    _needs(compliance_harness, "count_rows")
    source, tables = compliance_source
    adapter = _adapter(compliance_harness, source)
    with adapter.begin_data_export(DataExportOptions()) as snapshot:
        listed = {t.name.lower(): (t.schema, t.name) for t in snapshot.tables}
    counts = adapter.count_rows([listed[n] for n in tables])
    assert {key[1].lower(): n for key, n in counts.items()} == {n: len(c.values) for n, c in tables.items()}


def test_compliance_filters_decide_what_is_exported(
    compliance_harness: Harness, compliance_source: tuple[Source, dict[str, TypeCase]]
) -> None:
    _needs(compliance_harness, "filters")
    source, tables = compliance_source
    first = sorted(tables)[0]
    adapter = _adapter(compliance_harness, source)
    only = DataExportOptions(include=lambda schema, table: table.lower() == first)
    with adapter.begin_data_export(only) as snapshot:
        assert [t.name.lower() for t in snapshot.tables] == [first]
    others = DataExportOptions(include=lambda schema, table: table.lower() != first)
    with adapter.begin_data_export(others) as snapshot:
        assert sorted(t.name.lower() for t in snapshot.tables) == sorted(tables)[1:]


def test_compliance_sequences_continue_after_the_rows(compliance_harness: Harness) -> None:
    _needs(compliance_harness, "sequences")
    assert compliance_harness.auto_key_type, "sequences need an auto_key_type"
    source = compliance_harness.create_source(
        _table(compliance_harness, "auto", "INTEGER", ["1"] * 5, auto=True)
    )
    with _adapter(compliance_harness, source).begin_data_export(DataExportOptions()) as snapshot:
        values = [s.last_value for s in snapshot.sequences if s.is_called]
    assert values and max(values) >= 5, (
        f"the sequence of the auto-numbered key must continue after 5: {values}"
    )


def test_compliance_the_snapshot_ignores_later_writes(compliance_harness: Harness) -> None:
    _needs(compliance_harness, "concurrent_snapshot")
    q = compliance_harness.quote
    source = compliance_harness.create_source(_table(compliance_harness, "busy", "INTEGER", ["1", "2", "3"]))
    with _adapter(compliance_harness, source).begin_data_export(DataExportOptions()) as snapshot:
        compliance_harness.execute(source, f"INSERT INTO {q('busy')} ({q('id')}, {q('c')}) VALUES (99, 99)")  # noqa: S608
        (table,) = [t for t in snapshot.tables if t.name.lower() == "busy"]
        reader = snapshot.open_reader()
        chunks: list[Any] = []
        reader.copy_table(table, lambda b: chunks.append(bytes(b)))
        reader.close()
    assert b"".join(chunks).count(b"\n") == 3, "a row written after the snapshot opened was exported"
