"""Only a warning about exactly a zero date is the documented deliberate conversion; any other warning stops
the export (on main a value merely starting with '0000-00-00' had its warning swallowed)."""

from __future__ import annotations

import pytest

from transship_mysql.data_export import _DELIBERATE


@pytest.mark.parametrize(
    ("warning", "deliberate"),
    [
        ("Incorrect datetime value: '0000-00-00 00:00:00' for column `d` at row 1", True),
        ("Incorrect date value: '0000-00-00' for column `d` at row 3", True),
        ("Truncated incorrect DECIMAL value: '0000-00-00 yes'", False),
        ("Truncated incorrect DOUBLE value: '0000-00-00x'", False),
        ("Result of hex() was larger than max_allowed_packet (16777216) - truncated", False),
    ],
)
def test_only_zero_date_warnings_are_deliberate(warning: str, deliberate: bool) -> None:
    assert bool(_DELIBERATE.search(warning)) is deliberate
