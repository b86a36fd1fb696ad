"""Oracle LOBs in live mode: read in pieces with ``LOB.read(offset, amount)`` and written piece by piece,
and a row whose COPY line would be too long for PostgreSQL stops the export naming its key (stand-in driver,
see standin.py)."""

from __future__ import annotations

import binascii
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tests.oracle.standin import FakeDriver, FakeLob
from tests.oracle.test_live import export, make_adapter
from transship.adapters.base import DataExportOptions, ExportTable
from transship.errors import ExportFailed
from transship.exporter import copyline
from transship_oracle import copytext

MIB = 1 << 20
COLUMNS = ["AUDIT_ID", "EMPLOYEE_ID", "OLD_SALARY", "NEW_SALARY", "CHANGED_AT", "NOTE", "ROW_GUID"]


def _row(audit_id: int, note: FakeLob) -> tuple:
    return (Decimal(audit_id), Decimal(100), Decimal("1.00"), None, dt.datetime(2024, 1, 2), note, None)


def _copy(tmp_path: Path, rows: list[tuple]) -> tuple[list[bytes], ExportTable]:
    adapter = make_adapter(FakeDriver({"EMP_AUDIT": {"columns": COLUMNS, "rows": rows}}))
    export(adapter, tmp_path)
    writes: list[bytes] = []
    with adapter.begin_data_export(DataExportOptions(include=lambda s, t: t == "emp_audit")) as snapshot:
        (table,) = snapshot.tables
        reader = snapshot.open_reader()
        try:
            reader.copy_table(table, writes.append)
        finally:
            reader.close()
    return writes, table


def test_large_clob_and_blob_are_read_and_written_in_pieces(tmp_path: Path) -> None:
    text = "tab\there ü€ back\\slash\n" * 400_000  # ~10 M characters
    data = bytes(range(256)) * 40_000  # ~10 MB
    clob, blob = FakeLob(text), FakeLob(data)
    writes, _ = _copy(tmp_path, [_row(1, clob), _row(2, blob)])
    assert clob.reads == -(-len(text) // copytext.LOB_CHUNK) and blob.reads == -(
        -len(data) // copytext.LOB_CHUNK
    )
    assert max(len(w) for w in writes) <= 2 * copytext.LOB_CHUNK + 64, "no write holds a whole value"
    lines = b"".join(writes).split(b"\n")
    assert lines[0].split(b"\t")[5] == copytext.escape_text(text).encode()
    assert lines[1].split(b"\t")[5] == b"\\\\x" + binascii.hexlify(data)
    assert lines[2] == b""


def test_row_over_the_copy_line_limit_names_its_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(copyline, "MAX_COPY_LINE_BYTES", 100_000)
    blob = FakeLob(b"\x01" * 60_000)  # 120,003 bytes as hex: known from its size, never read
    with pytest.raises(ExportFailed) as err:
        _copy(tmp_path, [_row(1, FakeLob("a")), _row(7, blob)])
    assert err.value.message.startswith(
        "table HR.EMP_AUDIT: row (audit_id, changed_at)=(7, 2024-01-02 00:00:00) would be a COPY line over the 100,000 bytes"
    )
    assert "(at least 120,0" in err.value.message and blob.reads == 0
    clob = FakeLob("\t" * 60_000)  # 60,000 characters, 120,000 bytes once escaped
    with pytest.raises(ExportFailed) as err:
        _copy(tmp_path / "2", [_row(3, clob)])
    assert err.value.message.startswith(
        "table HR.EMP_AUDIT: row (audit_id, changed_at)=(3, 2024-01-02 00:00:00) would be a COPY line over the 100,000 bytes"
    )
    assert "(120,0" in err.value.message
