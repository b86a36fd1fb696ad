"""Which object types ``export schema`` writes for SQLite (``SchemaExportOptions.wanted`` over the adapter's
``object_types``) for each ``--object-type-list`` / ``--exclude-object-type-list`` / ``--comments-on-objects``:
pinned, one row per case."""

from __future__ import annotations

import pytest

from transship.sdk import SchemaExportOptions
from transship_sqlite.adapter import SqliteAdapter

CASES = [
    # (--object-type-list, --exclude-object-type-list, --comments-on-objects, object types written)
    ([], [], True, "COMMENT INDEX SEQUENCE TABLE TRIGGER TYPE VIEW"),
    ([], [], False, "INDEX SEQUENCE TABLE TRIGGER TYPE VIEW"),
    (["TABLE"], [], False, "SEQUENCE TABLE TYPE"),
    (["TABLE"], [], True, "COMMENT SEQUENCE TABLE TYPE"),
    (["VIEW"], [], True, "VIEW"),
    (["MVIEW"], [], True, "MVIEW"),
    (["COMMENT"], [], False, ""),
    (["TABLE", "VIEW"], ["VIEW"], True, "COMMENT SEQUENCE TABLE TYPE"),
    (["TABLE", "VIEW"], ["TABLE"], True, "COMMENT SEQUENCE TYPE VIEW"),
    # excluded types are taken away last: an excluded TABLE still brought TYPE, SEQUENCE, COMMENT
    ([], ["TABLE"], True, "COMMENT INDEX SEQUENCE TRIGGER TYPE VIEW"),
    ([], ["VIEW", "COMMENT"], True, "INDEX SEQUENCE TABLE TRIGGER TYPE"),
]  # fmt: skip


@pytest.mark.parametrize(("listed", "excluded", "comments", "expected"), CASES)
def test_object_types_written(listed: list[str], excluded: list[str], comments: bool, expected: str) -> None:
    options = SchemaExportOptions(
        object_types=listed or None, exclude_object_types=excluded, comments_on_objects=comments
    )
    assert " ".join(sorted(options.wanted(SqliteAdapter.object_types))) == expected
