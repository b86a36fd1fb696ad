"""The SQL splitter keeps every statement, whatever state the file is in."""

from __future__ import annotations

from transship.sqlsplit import split_sql


def test_splits_with_quotes_dollar_bodies_comments_and_line_numbers():
    script = (
        "\\restrict abc\n"  # pg_dump meta-command: dropped
        "SET x = 1;\n"
        "SELECT 'it''s; here';\n"
        "-- a comment; with a semicolon\n"
        "DO $body$ BEGIN PERFORM 1; END $body$;\n"
        "CREATE TABLE x (a text DEFAULT E'a\\';b');\n"
        'SELECT "a;b" FROM t /* ; */;\n'
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END;\n"
    )
    stmts = split_sql(script)
    assert [s.line for s in stmts] == [2, 3, 5, 6, 7, 8]
    assert stmts[1].sql == "SELECT 'it''s; here'"
    assert stmts[2].body.startswith("DO $body$") and "PERFORM 1; END" in stmts[2].sql
    assert stmts[3].sql == "CREATE TABLE x (a text DEFAULT E'a\\';b')"
    assert stmts[4].sql == 'SELECT "a;b" FROM t /* ; */'
    assert stmts[5].sql.endswith("END")


def test_malformed_statement_stays_alone_and_the_rest_survive():
    # pglast's scanner split returns nothing at all for this script
    stmts = split_sql("CREATE TABLE bad (a int,;\nCREATE TABLE good (a int);\n")
    assert [s.sql for s in stmts] == ["CREATE TABLE bad (a int,", "CREATE TABLE good (a int)"]
    assert [s.line for s in stmts] == [1, 2]


def test_trailing_statement_without_semicolon_and_comment_only_fragments():
    stmts = split_sql("-- only a comment;\n/* block */;\nSELECT 1")
    assert [s.sql for s in stmts] == ["SELECT 1"]
    assert stmts[0].line == 3
