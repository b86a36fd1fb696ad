"""Which object types ``export schema`` writes for MySQL (``SchemaExportOptions.wanted`` over the adapter's
``ALL_TYPES``) for each ``--object-type-list`` / ``--exclude-object-type-list`` / ``--comments-on-objects``:
pinned, one row per case (no server needed)."""

from __future__ import annotations

import pytest

from transship.sdk import SchemaExportOptions
from transship_mysql.schema_export import ALL_TYPES

EVERYTHING = "COMMENT FUNCTION INDEX MVIEW PARTITION PROCEDURE SEQUENCE TABLE TRIGGER TYPE VIEW"

CASES = [
    # (--object-type-list, --exclude-object-type-list, --comments-on-objects, object types written)
    ([], [], True, EVERYTHING),
    ([], [], False, EVERYTHING.replace("COMMENT ", "")),
    # TABLE brings TYPE and SEQUENCE, and COMMENT with --comments-on-objects (which COMMENT always needs)
    (["TABLE"], [], False, "SEQUENCE TABLE TYPE"),
    (["TABLE"], [], True, "COMMENT SEQUENCE TABLE TYPE"),
    (["VIEW"], [], True, "VIEW"),
    (["MVIEW"], [], True, "MVIEW"),
    (["COMMENT"], [], True, "COMMENT"),
    (["COMMENT"], [], False, ""),
    (["TABLE", "VIEW"], ["VIEW"], True, "COMMENT SEQUENCE TABLE TYPE"),
    # excluded types are taken away last: an excluded TABLE still brought its types
    (["TABLE", "VIEW"], ["TABLE"], True, "COMMENT SEQUENCE TYPE VIEW"),
    (["TABLE"], ["TYPE", "COMMENT"], True, "SEQUENCE TABLE"),
    ([], ["TABLE"], True, EVERYTHING.replace("TABLE ", "")),
    ([], ["TABLE"], False, EVERYTHING.replace("TABLE ", "").replace("COMMENT ", "")),
    ([], ["COMMENT", "VIEW"], True, EVERYTHING.replace("COMMENT ", "").replace(" VIEW", "")),
]  # fmt: skip


@pytest.mark.parametrize(("listed", "excluded", "comments", "expected"), CASES)
def test_object_types_written(listed: list[str], excluded: list[str], comments: bool, expected: str) -> None:
    options = SchemaExportOptions(
        object_types=listed or None, exclude_object_types=excluded, comments_on_objects=comments
    )
    assert " ".join(sorted(options.wanted(ALL_TYPES))) == expected
