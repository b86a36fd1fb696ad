"""Which object types ``export schema`` writes for Oracle (script mode, no database) for each
``--object-type-list`` / ``--exclude-object-type-list`` / ``--comments-on-objects``: pinned, one row per case.

Each row lists every file written as ``TYPE:statements`` (``+blocks``: unconverted objects kept as comments)."""

from __future__ import annotations

from pathlib import Path

import pytest

from transship.dbconfig import DBConfig
from transship.sdk import SchemaExportOptions, SchemaWriter
from transship_oracle.adapter import OracleAdapter

DDL = """\
CREATE TYPE mood AS OBJECT (label VARCHAR2(10));
/
CREATE SEQUENCE s START WITH 1;
CREATE TABLE t (id NUMBER(10) PRIMARY KEY, name VARCHAR2(20));
CREATE TABLE p (id NUMBER(10), born DATE) PARTITION BY RANGE (born)
  (PARTITION p1 VALUES LESS THAN (DATE '2020-01-01'), PARTITION p2 VALUES LESS THAN (MAXVALUE));
CREATE INDEX t_name_ix ON t (name);
COMMENT ON TABLE t IS 'a table';
CREATE VIEW v AS SELECT id FROM t;
CREATE VIEW v_outer AS SELECT t.id FROM t, p WHERE t.id = p.id(+);
CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;
CREATE MATERIALIZED VIEW mv_outer AS SELECT t.id FROM t, p WHERE t.id = p.id(+);
CREATE OR REPLACE FUNCTION f RETURN NUMBER IS BEGIN RETURN 1; END;
/
CREATE OR REPLACE PROCEDURE pr IS BEGIN NULL; END;
/
CREATE OR REPLACE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW BEGIN :new.name := UPPER(:new.name); END;
/
CREATE OR REPLACE PACKAGE pk AS FUNCTION g RETURN NUMBER; END pk;
/
CREATE OR REPLACE PACKAGE BODY pk AS FUNCTION g RETURN NUMBER IS BEGIN RETURN 2; END g; END pk;
/
CREATE SYNONYM syn FOR t;
BEGIN
  INSERT INTO t VALUES (1, 'x');
END;
/
"""

CASES = [
    # (--object-type-list, --exclude-object-type-list, --comments-on-objects, files written)
    ([], [], True, "COMMENT:1 FUNCTION:1 INDEX:1 MVIEW:1 PACKAGE:2 PARTITION:2 PROCEDURE:1 SEQUENCE:1 SYNONYM:1 TABLE:2 TRIGGER:1 TYPE:1 UNCATEGORIZED:0+2 VIEW:1+2"),
    ([], [], False, "FUNCTION:1 INDEX:1 MVIEW:1 PACKAGE:2 PARTITION:2 PROCEDURE:1 SEQUENCE:1 SYNONYM:1 TABLE:2 TRIGGER:1 TYPE:1 UNCATEGORIZED:0+2 VIEW:1+2"),
    # TABLE brings the unconverted statements (UNCATEGORIZED) and, with --comments-on-objects, COMMENT; not TYPE/SEQUENCE
    (["TABLE"], [], False, "TABLE:2 UNCATEGORIZED:0+2"),
    (["TABLE"], [], True, "COMMENT:1 TABLE:2 UNCATEGORIZED:0+2"),
    # plain views, unconverted ones as comments; materialized views go to MVIEW, their unconverted ones to VIEW
    (["VIEW"], [], True, "VIEW:1+1"),
    (["MVIEW"], [], True, "MVIEW:1 VIEW:0+1"),
    (["VIEW", "MVIEW"], [], True, "MVIEW:1 VIEW:1+2"),
    (["SYNONYM"], [], True, "SYNONYM:1"),
    (["UNCATEGORIZED"], [], True, "UNCATEGORIZED:0+2"),
    (["COMMENT"], [], True, "COMMENT:1"),
    (["TABLE", "VIEW"], ["VIEW"], True, "COMMENT:1 TABLE:2 UNCATEGORIZED:0+2"),
    (["TABLE", "VIEW"], ["TABLE"], True, "VIEW:1+1"),
    # an excluded TABLE brings nothing: no comments on tables that are not exported
    ([], ["TABLE"], True, "FUNCTION:1 INDEX:1 MVIEW:1 PACKAGE:2 PARTITION:2 PROCEDURE:1 SEQUENCE:1 SYNONYM:1 TRIGGER:1 TYPE:1 VIEW:1+2"),
    ([], ["VIEW", "INDEX"], True, "COMMENT:1 FUNCTION:1 MVIEW:1 PACKAGE:2 PARTITION:2 PROCEDURE:1 SEQUENCE:1 SYNONYM:1 TABLE:2 TRIGGER:1 TYPE:1 UNCATEGORIZED:0+2 VIEW:0+1"),
    ([], ["MVIEW"], True, "COMMENT:1 FUNCTION:1 INDEX:1 PACKAGE:2 PARTITION:2 PROCEDURE:1 SEQUENCE:1 SYNONYM:1 TABLE:2 TRIGGER:1 TYPE:1 UNCATEGORIZED:0+2 VIEW:1+1"),
    # --comments-on-objects false and --exclude-object-type-list win over a listed COMMENT and over what TABLE brings
    (["COMMENT"], [], False, ""),
    ([], ["COMMENT"], True, "FUNCTION:1 INDEX:1 MVIEW:1 PACKAGE:2 PARTITION:2 PROCEDURE:1 SEQUENCE:1 SYNONYM:1 TABLE:2 TRIGGER:1 TYPE:1 UNCATEGORIZED:0+2 VIEW:1+2"),
    ([], ["UNCATEGORIZED"], True, "COMMENT:1 FUNCTION:1 INDEX:1 MVIEW:1 PACKAGE:2 PARTITION:2 PROCEDURE:1 SEQUENCE:1 SYNONYM:1 TABLE:2 TRIGGER:1 TYPE:1 VIEW:1+2"),
]  # fmt: skip


def written(tmp_path: Path, options: SchemaExportOptions) -> str:
    ddl = tmp_path / "ddl.sql"
    ddl.write_text(DDL, encoding="utf-8")
    adapter = OracleAdapter(DBConfig("oracle", schema="TS"))
    adapter.source_ddl_files = [str(ddl)]
    writer = SchemaWriter(tmp_path / "schema")
    adapter.export_schema(writer, options)
    out = []
    for otype, path in sorted(writer.write().items()):
        blocks = path.read_text(encoding="utf-8").count("\n*/")
        out.append(f"{otype}:{writer.counts.get(otype, 0)}" + (f"+{blocks}" if blocks else ""))
    return " ".join(out)


@pytest.mark.parametrize(("listed", "excluded", "comments", "expected"), CASES)
def test_object_types_written(
    tmp_path: Path, listed: list[str], excluded: list[str], comments: bool, expected: str
) -> None:
    options = SchemaExportOptions(
        object_types=listed or None, exclude_object_types=excluded, comments_on_objects=comments
    )
    assert written(tmp_path, options) == expected
