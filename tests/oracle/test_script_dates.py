"""Oracle script values as Oracle reads them: two-digit years (RR, YY), strings put into DATE columns (the
session's NLS format), invalid literals and other schemas' tables are errors naming file and line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from transship.errors import TransshipError
from transship_oracle.script_data import parse_oracle_datetime, read_data_scripts

DDL = "CREATE TABLE t (id NUMBER(6) PRIMARY KEY, d DATE, ts TIMESTAMP(6));\n"


def _rows(tmp_path: Path, data: str) -> list[list[object]]:
    (tmp_path / "create.sql").write_text(DDL, encoding="utf-8")
    (tmp_path / "populate.sql").write_text(data, encoding="utf-8")
    tables, _ = read_data_scripts([str(tmp_path / "create.sql"), str(tmp_path / "populate.sql")], "HR")
    return tables["T"].rows


def _error(tmp_path: Path, data: str) -> str:
    with pytest.raises(TransshipError) as info:
        _rows(tmp_path, data)
    return info.value.one_line()


@pytest.mark.parametrize(
    ("value", "fmt", "today", "year"),
    [
        ("01-JAN-55", "DD-MON-RR", dt.date(2026, 12, 2), 1955),  # RR: the nearest century
        ("01-JAN-49", "DD-MON-RR", dt.date(2026, 12, 2), 2049),
        ("01-JAN-49", "DD-MON-RR", dt.date(2051, 1, 1), 2149),
        ("01-JAN-55", "DD-MON-RR", dt.date(2051, 1, 1), 2055),
        ("01-JAN-75", "DD-MON-YY", dt.date(2026, 12, 2), 2075),  # YY: the current century
        ("01-JAN-1955", "DD-MON-RR", dt.date(2026, 12, 2), 1955),  # four digits as they are
        ("01-JAN-55", "DD-MON-RRRR", dt.date(2026, 12, 2), 1955),
        ("01-JAN-0055", "DD-MON-YYYY", dt.date(2026, 12, 2), 55),
    ],
)
def test_two_digit_years_as_oracle_reads_them(value: str, fmt: str, today: dt.date, year: int) -> None:
    assert parse_oracle_datetime(value, fmt, today).year == year


def test_strings_for_date_columns_use_the_session_format(tmp_path: Path) -> None:
    this_century = dt.date.today().year // 100 * 100
    rows = _rows(
        tmp_path,
        "INSERT INTO t VALUES (1, '01-JAN-55', '02-FEB-24 03.04.05.123456 PM');\n"
        "INSERT INTO t (id, d) VALUES (2, TO_DATE('01-JAN-75', 'DD-MON-YY'));\n"
        "INSERT INTO t (id, d) VALUES (3, '2024-01-31 10:00:00');\n"
        "ALTER SESSION SET NLS_DATE_FORMAT = 'DD.MM.YYYY';\n"
        "INSERT INTO t (id, d) VALUES (4, '31.01.2024');\n",
    )
    assert rows[0][1] == dt.datetime(1955, 1, 1) and rows[0][2] == dt.datetime(2024, 2, 2, 15, 4, 5, 123456)
    assert rows[1][1] == dt.datetime(this_century + 75, 1, 1)
    assert rows[2][1] == dt.datetime(2024, 1, 31, 10) and rows[3][1] == dt.datetime(2024, 1, 31)
    line = _error(tmp_path, "INSERT INTO t (id, d) VALUES (1, '31/01/2024');\n")
    assert "populate.sql:1:" in line and "matches neither the session's NLS_DATE_FORMAT ('DD-MON-RR')" in line


def test_invalid_literal_names_file_and_line(tmp_path: Path) -> None:
    line = _error(
        tmp_path, "INSERT INTO t (id) VALUES (1);\nINSERT INTO t (id, d) VALUES (4, DATE '2024-02-30');\n"
    )
    assert "populate.sql:2:" in line and "DATE '2024-02-30'" in line and "not valid" in line
    assert "unexpected" not in line


def test_other_schemas_table_is_refused(tmp_path: Path) -> None:
    assert _rows(tmp_path, "INSERT INTO hr.t (id) VALUES (1);\n") == [[1, None, None]]
    line = _error(tmp_path, "INSERT INTO other.t (id) VALUES (1);\n")
    assert "populate.sql:1:" in line and "migrates schema HR, not OTHER" in line
