"""Which unique index import schema moves in front of a foreign key, on the statements alone (no database)."""

from __future__ import annotations

from pathlib import Path

from transship.importer.fk_order import order_for_foreign_keys
from transship.schema_files import SchemaStatement
from transship.sqlsplit import split_sql


def _order(tables: str, indexes: str) -> list[str]:
    """The statements of a table.sql and an INDEXES_table.sql, as import schema applies them (first words)."""
    statements = [SchemaStatement("TABLE", Path("table.sql"), st) for st in split_sql(tables)]
    statements += [SchemaStatement("INDEX", Path("INDEXES_table.sql"), st) for st in split_sql(indexes)]
    out = []
    for st in order_for_foreign_keys(statements):
        words = st.statement.body.split()
        out.append(words[3] if words[1] == "UNIQUE" else words[2] if words[0] == "CREATE" else words[5])
    return out


FK = "CREATE TABLE p (id int, code text{}); CREATE TABLE c (code text);" + (
    " ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (code) REFERENCES p (code);"
)


def test_a_unique_constraint_before_the_foreign_key_leaves_a_same_columns_index_in_place() -> None:
    """Written by the MySQL/Oracle DDL renderer: unqualified names, the constraint inline."""
    assert _order(FK.format(", CONSTRAINT p_code UNIQUE (code)"), "CREATE UNIQUE INDEX p_code_ux ON p (code);") == [
        "p", "c", "c_fk", "p_code_ux",
    ]  # fmt: skip
    assert _order(FK.format(" UNIQUE"), "CREATE UNIQUE INDEX p_code_ux ON p (code);") == [
        "p",
        "c",
        "c_fk",
        "p_code_ux",
    ]


def test_a_deferrable_unique_constraint_cannot_carry_a_foreign_key_so_the_index_moves() -> None:
    assert _order(
        FK.format(", CONSTRAINT p_code UNIQUE (code) DEFERRABLE"),
        "CREATE UNIQUE INDEX p_code_ux ON p (code);",
    ) == ["p", "c", "p_code_ux", "c_fk"]


def test_only_an_exact_plain_unique_index_moves() -> None:
    indexes = (
        "CREATE UNIQUE INDEX p_partial ON p (code) WHERE id > 0; CREATE UNIQUE INDEX p_expr ON p ((lower(code)));"
        " CREATE INDEX p_plain ON p (code); CREATE UNIQUE INDEX p_wide ON p (code, id);"
        " CREATE UNIQUE INDEX p_other ON q (code); CREATE UNIQUE INDEX p_code_ux ON p USING btree (code DESC)"
        " INCLUDE (id) NULLS NOT DISTINCT; CREATE UNIQUE INDEX p_code_again ON p (code);"
    )
    assert _order(FK.format(""), indexes) == [
        "p", "c", "p_code_ux", "c_fk", "p_partial", "p_expr", "p_plain", "p_wide", "p_other", "p_code_again",
    ]  # fmt: skip


def test_a_unique_index_on_only_a_partitioned_table_stays_for_the_retry() -> None:
    assert _order(FK.format(""), "CREATE UNIQUE INDEX p_code_ux ON ONLY p (code);") == [
        "p",
        "c",
        "c_fk",
        "p_code_ux",
    ]


def test_an_unreadable_statement_keeps_its_place() -> None:
    assert _order(FK.format(""), "CREATE UNIQUE INDEX p_code_ux ON p (code;") == [
        "p",
        "c",
        "c_fk",
        "p_code_ux",
    ]
