"""Oracle scripts as SQL*Plus runs them: every row of multi-row INSERTs, client commands, includes, DEFINE."""

from __future__ import annotations

from pathlib import Path

import pytest

from transship.dbconfig import DBConfig
from transship.errors import TransshipError
from transship_oracle.adapter import OracleAdapter
from transship_oracle.ddl_script import read_scripts
from transship_oracle.script_data import read_data_scripts

DDL = "CREATE TABLE t (a NUMBER, b VARCHAR2(20));\nCREATE TABLE u (c NUMBER);\n"


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def _rows(tmp_path: Path, data: str, *more: tuple[str, str]) -> dict[str, list[list[object]]]:
    """Rows per Oracle table of ``data`` (a data script read after the DDL above)."""
    for name, text in more:
        _write(tmp_path, name, text)
    paths = [_write(tmp_path, "create.sql", DDL), _write(tmp_path, "populate.sql", data)]
    tables, _ = read_data_scripts(paths, "HR")
    return {name: t.rows for name, t in tables.items()}


def _error(tmp_path: Path, data: str, *more: tuple[str, str]) -> str:
    with pytest.raises(TransshipError) as info:
        _rows(tmp_path, data, *more)
    return info.value.one_line()


# -- every row of multi-row INSERTs ------------------------------------------------------------------------
def test_multi_row_values_load_every_row(tmp_path: Path) -> None:
    data = "INSERT INTO t (a, b) VALUES (1,'x'), (2,'y'),\n  (3,'z');\nINSERT INTO u VALUES (7), (8);\n"
    assert _rows(tmp_path, data) == {"T": [[1, "x"], [2, "y"], [3, "z"]], "U": [[7], [8]]}


def test_insert_all_loads_every_row_into_each_named_table(tmp_path: Path) -> None:
    data = (
        "INSERT ALL\n  INTO t (a,b) VALUES (1,'x')\n  INTO t (a,b) VALUES (2,'y')\n  INTO u (c) VALUES (3)\n"
        "  INTO t VALUES (4, 'w')\nSELECT * FROM dual;\n"
        "BEGIN\n  INSERT ALL INTO u VALUES (5) INTO u VALUES (6) SELECT 1 FROM DUAL;\nEND;\n/\n"
    )
    assert _rows(tmp_path, data) == {"T": [[1, "x"], [2, "y"], [4, "w"]], "U": [[3], [5], [6]]}


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("INSERT ALL INTO t (a) VALUES (1) SELECT a FROM other;", "INSERT ALL ... SELECT a FROM other"),
        ("INSERT ALL WHEN a > 1 THEN INTO t (a) VALUES (a) SELECT 1 a FROM dual;", "conditional INSERT ALL"),
        ("INSERT FIRST WHEN 1 = 1 THEN INTO u VALUES (1) SELECT * FROM dual;", "conditional INSERT FIRST"),
        ("INSERT ALL INTO t (a) VALUES (1);", "INSERT ALL without"),
    ],
)
def test_insert_all_forms_that_are_not_rows_name_file_and_line(
    tmp_path: Path, statement: str, message: str
) -> None:
    line = _error(tmp_path, f"INSERT INTO u VALUES (1);\n\n{statement}\n")
    assert "populate.sql:3: " in line and message in line


# -- client commands ---------------------------------------------------------------------------------------
def test_exit_ends_the_script_in_both_paths(tmp_path: Path) -> None:
    data = "INSERT INTO u VALUES (1);\nEXIT\nINSERT INTO u VALUES (2);\nthis is not even SQL\n"
    assert _rows(tmp_path, data) == {"U": [[1]]}
    data = "INSERT INTO u VALUES (1);\nquit success commit;\nINSERT INTO u VALUES (2);\n"
    assert _rows(tmp_path, data) == {"U": [[1]]}
    ddl = _write(tmp_path, "ddl.sql", "CREATE TABLE a (x NUMBER);\nEXIT;\nCREATE TABLE b (y NUMBER);\n")
    assert list(read_scripts([ddl], "HR").tables) == ["A"]


def test_client_commands_send_nothing_and_are_noted_per_file(tmp_path: Path) -> None:
    ddl = _write(tmp_path, "create.sql", (
        "REM header ------\nSET ECHO OFF FEEDBACK 1\nPROMPT creating -\ntables ...\nWHENEVER SQLERROR EXIT 1\n"
        "SPOOL create.log\nCREATE TABLE a (x NUMBER);\n/\nremark done\nCOLUMN x FORMAT 999\nSPOOL OFF\n"
        "CONNECT hr/hr@pdb\nSET TRANSACTION READ ONLY;\n"
    ))  # fmt: skip
    adapter = OracleAdapter(DBConfig("oracle", schema="HR"))
    adapter.source_ddl_files = [ddl]
    converted = adapter.convert(adapter.read_source())
    assert [t.name for t in converted.catalog.tables] == ["a"]
    notes = [f for f in converted.findings if "SQL*Plus" in f["reason"]]
    assert len(notes) == 1, converted.findings
    note = notes[0]
    assert note["kind"] == "lossy_conversion" and "create.sql" in note["object_name"]
    for part in ("REMARK (lines 1, 9)", "SET (line 2)", "PROMPT (line 3)", "WHENEVER (line 5)",
                 "SPOOL (lines 6, 11)", "/ (line 8)", "COLUMN (line 10)", "CONNECT (line 12)"):  # fmt: skip
        assert part in note["reason"], note["reason"]
    assert "TRANSACTION" not in note["reason"]  # SET TRANSACTION is SQL, not a client command
    assert not [f for f in converted.findings if f["kind"] == "unconverted_object"]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("HOST rm -rf /tmp/x", "HOST runs a shell command"),
        ("!ls", "HOST runs a shell command"),
        ("ACCEPT dept PROMPT 'Department: '", "ACCEPT dept asks the user"),
        ("FROBNICATE everything", "not a SQL statement nor a SQL*Plus command"),
        ("SELECT * FROM t;", "is not an INSERT"),
        ("COPY FROM hr@a TO hr@b INSERT t USING SELECT * FROM t", "COPY"),
        ("SET SQLTERMINATOR !", "SET SQLTERMINATOR"),
        ("EXEC dbms_stats.gather_schema_stats('HR')", "in a data block is not an INSERT"),
        ("@?/rdbms/admin/utlsampl.sql", "ORACLE_HOME"),
    ],
)
def test_commands_not_understood_are_errors_naming_file_and_line(
    tmp_path: Path, command: str, message: str
) -> None:
    line = _error(tmp_path, f"INSERT INTO u VALUES (1);\n{command}\nINSERT INTO u VALUES (2);\n")
    assert "populate.sql:2: " in line and message in line, line


def test_unknown_command_in_a_ddl_script_is_an_error(tmp_path: Path) -> None:
    ddl = _write(tmp_path, "ddl.sql", "CREATE TABLE a (x NUMBER);\n\nFROBNICATE everything\n")
    with pytest.raises(TransshipError) as info:
        read_scripts([ddl], "HR")
    assert "ddl.sql:3: " in info.value.one_line()


def test_rerunning_an_insert_with_slash_is_an_error(tmp_path: Path) -> None:
    line = _error(tmp_path, "INSERT INTO u VALUES (1);\n/\n")
    assert "populate.sql:2: " in line and "second time" in line


def test_rows_oracle_would_not_hold_are_errors(tmp_path: Path) -> None:
    kept = (
        "TRUNCATE TABLE u;\nINSERT INTO u VALUES (1);\nCOMMIT;\nROLLBACK;\nINSERT INTO u VALUES (2);\nEXIT\n"
    )
    assert _rows(tmp_path, kept) == {"U": [[1], [2]]}  # EXIT commits, as SQL*Plus does by default
    for data, where, what in [
        (
            "INSERT INTO u VALUES (1);\nCOMMIT;\nINSERT INTO u VALUES (2), (3);\nROLLBACK;\n",
            ":4: ",
            "2 row(s)",
        ),
        ("INSERT INTO u VALUES (1);\nEXIT ROLLBACK\n", ":2: ", "1 row(s)"),
        ("INSERT INTO u VALUES (1);\nCOMMIT;\nTRUNCATE TABLE hr.u;\n", ":3: ", "TRUNCATE TABLE U"),
    ]:
        line = _error(tmp_path, data)
        assert f"populate.sql{where}" in line and what in line and "would not hold" in line, line


def test_accept_of_a_defined_variable_is_a_client_command(tmp_path: Path) -> None:
    data = "DEFINE n = 4\nACCEPT n NUMBER PROMPT 'n? '\nINSERT INTO u VALUES (&n);\n"
    assert _rows(tmp_path, data) == {"U": [[4]]}


# -- @ / @@ / START ----------------------------------------------------------------------------------------
def test_includes_are_read_in_place(tmp_path: Path) -> None:
    _write(tmp_path, "sub/rows.sql", "INSERT INTO u VALUES (2);\n@@more\nINSERT INTO u VALUES (4);\n")
    _write(tmp_path, "sub/more.sql", "INSERT INTO u VALUES (3);\nEXIT\nINSERT INTO u VALUES (99);\n")
    _write(tmp_path, "sub/args.dat", "INSERT INTO t VALUES (&1, '&2');\n")
    data = (
        "INSERT INTO u VALUES (1);\n@sub/rows.sql\nINSERT INTO u VALUES (5);\n"
        "START sub/args.dat 6 six\n@@ sub/args.dat 7 'seven eight'\n"
    )
    # EXIT in more.sql ends the SQL*Plus run: rows.sql and populate.sql are not read further
    assert _rows(tmp_path, data) == {"U": [[1], [2], [3]]}
    data = "INSERT INTO u VALUES (1);\nSTART sub/args.dat 6 six\n@@ sub/args.dat 7 'seven eight'\n"
    assert _rows(tmp_path, data) == {"U": [[1]], "T": [[6, "six"], [7, "seven eight"]]}


def test_include_errors_name_the_files(tmp_path: Path) -> None:
    line = _error(tmp_path, "@@a\n", ("a.sql", "INSERT INTO u VALUES (1);\n@@b.sql\n"), ("b.sql", "@a\n"))
    assert "b.sql:1: " in line and "cycle" in line and "populate.sql -> " in line and "a.sql -> " in line
    line = _error(tmp_path, "INSERT INTO u VALUES (1);\n@@missing\n")
    assert "populate.sql:2: " in line and "missing.sql" in line
    line = _error(tmp_path, "@@c.sql\n", ("c.sql", "\nINSERT INTO nowhere VALUES (1);\n"))
    assert "c.sql:2: " in line  # errors in an included script name that script


# -- DEFINE and substitution -------------------------------------------------------------------------------
def test_define_substitution_as_sqlplus_does(tmp_path: Path) -> None:
    data = (
        "DEFINE id = 10\nDEFINE name = \"Smith & Co\"\nDEF suffix='_x'\n"
        "INSERT INTO t VALUES (&id, '&name');\n"
        "INSERT INTO t VALUES (&&id.1, '&name.&suffix.!');\n"  # "." ends a name and is dropped
        "INSERT INTO t VALUES (12, 'a & b');\n"  # "&" not followed by a name stays
        "SET DEFINE OFF\nINSERT INTO t VALUES (13, 'AT&T');\n"
        "SET DEFINE ^\nINSERT INTO t VALUES (^id, 'AT&T ^suffix');\n"
        "SET DEFINE ON\nUNDEFINE suffix\nDEFINE who = \"O''Neil\"\nINSERT INTO t VALUES (&id, '&who');\n"
        "SET SCAN OFF\nINSERT INTO t VALUES (15, '&who');\nSET SCAN ON\n"
        "SET ESCAPE ON\nINSERT INTO t VALUES (16, 'AT\\&T');\n"
    )
    assert _rows(tmp_path, data)["T"] == [
        [10, "Smith & Co"], [101, "Smith & Co_x!"], [12, "a & b"], [13, "AT&T"], [10, "AT&T _x"],
        [10, "O'Neil"], [15, "&who"], [16, "AT&T"],
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("INSERT INTO t VALUES (1, 'x');\nINSERT INTO t VALUES (2,\n 'AT&T');\n", "&T"),
        ("INSERT INTO t VALUES (1, 'x');\n\nINSERT INTO t VALUES (&&n, 'x');\n", "&&n"),
        ("DEFINE x = 1\nUNDEFINE x\nINSERT INTO t VALUES (&x, 'x');\n", "&x"),
    ],
)
def test_unresolved_variables_are_errors_naming_file_and_line(
    tmp_path: Path, data: str, message: str
) -> None:
    line = _error(tmp_path, data)
    assert "populate.sql:3: " in line and message in line and "SET DEFINE OFF" in line, line


def test_substitution_applies_to_ddl_scripts_too(tmp_path: Path) -> None:
    ddl = _write(
        tmp_path, "ddl.sql", "DEFINE tbl = items\nCREATE TABLE &tbl (x VARCHAR2(9) DEFAULT 'R&D');\n"
    )
    with pytest.raises(TransshipError, match=r"ddl\.sql:2: .*&D"):
        read_scripts([ddl], "HR")
    Path(ddl).write_text(
        "DEFINE tbl = items\nCREATE TABLE &tbl (x VARCHAR2(9) DEFAULT 'R&&D');\n", encoding="utf-8"
    )
    with pytest.raises(TransshipError, match=r"ddl\.sql:2: .*&&D"):
        read_scripts([ddl], "HR")
    Path(ddl).write_text(
        "DEFINE tbl = items\nDEFINE d = D\nCREATE TABLE &tbl (x VARCHAR2(9));\n", encoding="utf-8"
    )
    assert list(read_scripts([ddl], "HR").tables) == ["ITEMS"]
