"""verify checks the schema objects: every object the schema files create is on the target with the files'
column types; the user's edits of the files are listed; a source schema changed since the export fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg

from tests.conftest import run_cli
from tests.e2e.pgflow import source_flags, target_flags
from transship.testing.databases import PgServer

SOURCE = """
CREATE TABLE t (id int PRIMARY KEY, a int, b varchar(10), c numeric(8,2)[], d timestamp(3));
CREATE INDEX t_a_idx ON t (a);
CREATE TABLE child (id int PRIMARY KEY, t_id int REFERENCES t (id));
CREATE VIEW v AS SELECT id, a FROM t;
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();
CREATE SEQUENCE s;
INSERT INTO t VALUES (1, 1, 'x', '{1.5}', now());
CREATE FUNCTION g(x int) RETURNS text LANGUAGE sql AS $$ SELECT 'a,  b' $$;
CREATE FUNCTION g(x text) RETURNS text LANGUAGE sql AS $$ SELECT x $$;
CREATE AGGREGATE mysum(int) (sfunc = int4pl, stype = int);
CREATE DOMAIN posint AS int CONSTRAINT posint_check CHECK (VALUE > 0);
CREATE TABLE nocols ();  -- PostgreSQL allows it: each row is an empty COPY line
INSERT INTO nocols DEFAULT VALUES;
INSERT INTO nocols DEFAULT VALUES;
"""


def _verify(e: list[str], tgt: list[str]) -> tuple[int, dict[str, Any]]:
    res = run_cli("verify", *e, *tgt, "--output-format", "json", check=False)
    return res.returncode, json.loads(res.stdout)


def test_objects_on_the_target_user_edits_and_source_changes(
    pg_server: PgServer, pg_db: str, pg_target_db: str, export_dir: Path
) -> None:
    with pg_server.connect(pg_db) as conn:
        conn.execute(SOURCE)  # type: ignore[call-overload]  # a trusted fixture script
    e = ["-e", str(export_dir)]
    src = source_flags(pg_server, pg_db, "public")
    tgt = target_flags(pg_server, pg_target_db)
    run_cli("export", "schema", *e, *src)
    # a user edit, applied by import schema: listed, not a failure
    tables = export_dir / "schema" / "tables" / "INDEXES_table.sql"
    tables.write_text(tables.read_text() + "\nCREATE INDEX t_b_idx ON public.t USING btree (b);\n")
    run_cli("export", "data", *e, *src, "--disable-pb")
    run_cli("import", "schema", *e, *tgt)
    run_cli("import", "data", *e, *tgt, "--disable-pb")
    run_cli("finalize-schema-post-data-import", *e, *tgt)
    rc, doc = _verify(e, tgt)
    assert rc == 0, doc["objects"]
    assert {t["table_name"]: t["target_rows"] for t in doc["tables"]}["public.nocols"] == 2

    # a table whose content cannot be compared (a column only the target has) is not a MATCH by its counts
    with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as conn:
        conn.execute("ALTER TABLE public.child ADD COLUMN extra int")
    unproven = run_cli("verify", *e, *tgt, check=False)
    assert unproven.returncode == 1 and (
        "verify could not prove the content of 1 table(s) (column(s) not on the source: extra)"
        in unproven.stderr
    )
    assert "COUNTS MATCH" in unproven.stdout
    counted = run_cli("verify", *e, *tgt, "--counts-only")  # asked for counts: they match
    assert "by row counts only (--counts-only)" in counted.stdout
    with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as conn:
        conn.execute("ALTER TABLE public.child DROP COLUMN extra")
    nothing = run_cli("verify", *e, *tgt, "--exclude-table-list", "*", check=False)
    assert nothing.returncode == 1 and "verify found no exported tables to compare" in nothing.stderr
    objects = doc["objects"]
    assert objects["failures"] == [] and objects["expected_objects"] >= 9
    assert [u["text"] for u in objects["user_edits"]] == [
        "user edit: tables/INDEXES_table.sql CREATE INDEX t_b_idx ON public.t USING btree (b) (added)"
    ]

    with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as conn:
        conn.execute("DROP INDEX public.t_a_idx")
        conn.execute("ALTER TABLE public.t ALTER COLUMN b TYPE varchar(20)")
        conn.execute("DROP TRIGGER t_touch ON public.t")
        conn.execute("ALTER TABLE public.child DROP CONSTRAINT child_t_id_fkey")
        conn.execute("DROP FUNCTION public.g(text)")  # one overload of two
        conn.execute("DROP AGGREGATE public.mysum(int)")
        conn.execute("ALTER DOMAIN public.posint DROP CONSTRAINT posint_check")
    rc, doc = _verify(e, tgt)
    assert rc == 1
    assert sorted(f["text"] for f in doc["objects"]["failures"]) == [
        "column type differs: COLUMN public.t.b (files: varchar(10), target: varchar(20))",
        "missing on target: AGGREGATE public.mysum(int4)",
        "missing on target: CONSTRAINT public.child.child_t_id_fkey",
        "missing on target: CONSTRAINT public.posint.posint_check",
        "missing on target: FUNCTION public.g(text)",
        "missing on target: INDEX public.t_a_idx",
        "missing on target: TRIGGER public.t.t_touch",
    ]
    assert "7 schema object problem(s)" in doc["summary"]["text"]

    # the source's schema moved on since the export: a failure too, also with --counts-only
    with psycopg.connect(pg_server.conninfo(pg_db), autocommit=True) as conn:
        conn.execute("CREATE INDEX t_d_idx ON public.t (d)")
        conn.execute("CREATE OR REPLACE FUNCTION g(x int) RETURNS text LANGUAGE sql AS $$ SELECT 'a, b' $$")
    for extra in ([], ["--counts-only"]):
        res = run_cli("verify", *e, *tgt, "--output-format", "json", *extra, check=False)
        changed = [f for f in json.loads(res.stdout)["objects"]["failures"] if f["kind"] == "source changed"]
        assert res.returncode == 1 and sorted((f["object_type"], f["detail"]) for f in changed) == [
            ("functions/function.sql", "new on the source"),  # a space inside a string is part of the object
            ("functions/function.sql", "no longer on the source"),
            ("tables/INDEXES_table.sql", "new on the source"),
        ], changed


def test_a_trigger_left_disabled_on_the_target_is_a_difference(
    pg_server: PgServer, pg_db: str, pg_target_db: str, export_dir: Path
) -> None:
    """A trigger the files create enabled but the target holds disabled (an import stopped while it had them
    off, or a hand edit) is reported; one the source itself had disabled is expected disabled."""
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            "CREATE TABLE t (id int PRIMARY KEY, v text);"
            "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;"
            "CREATE TRIGGER on_t BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();"
            "CREATE TRIGGER off_t BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();"
            "ALTER TABLE t DISABLE TRIGGER off_t; INSERT INTO t VALUES (1, 'a')"
        )
    e, src, tgt = (
        ["-e", str(export_dir)],
        source_flags(pg_server, pg_db, "public"),
        target_flags(pg_server, pg_target_db),
    )
    for step in (("export", "schema", *src), ("export", "data", *src, "--disable-pb"), ("import", "schema"),
                 ("import", "data", "--disable-pb")):  # fmt: skip
        run_cli(*step, *e, *(tgt if step[0] == "import" else []))
    rc, doc = _verify(e, tgt)
    assert rc == 0, doc["objects"]
    with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as conn:
        conn.execute("ALTER TABLE public.t DISABLE TRIGGER on_t")
        conn.execute("ALTER TABLE public.t ENABLE TRIGGER off_t")
    rc, doc = _verify(e, tgt)
    assert rc == 1
    assert sorted(f["text"] for f in doc["objects"]["failures"]) == [
        "trigger state differs: TRIGGER public.t.off_t (files: disabled, target: enabled)",
        "trigger state differs: TRIGGER public.t.on_t (files: enabled, target: disabled)",
    ]
