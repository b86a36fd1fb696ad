"""A foreign key gets the unique key it references before it is added, whatever kind of key that is (issue 14).

PostgreSQL lets a foreign key reference a primary key, a unique constraint, or a unique index on exactly the
referenced columns that is neither partial nor on expressions. The exported files hold the foreign keys in
tables/table.sql and the indexes in tables/INDEXES_table.sql, applied after it: import schema moves an index a
foreign key needs (and only such an index) in front of that foreign key. import data keeps those keys in place
during the load, and finalize-schema-post-data-import adds a NOT VALID foreign key only once the primary key it
references, dropped by import data for the load, is built again.
"""

from __future__ import annotations

from tests.conftest import run_cli
from tests.e2e.pgflow import assert_identical, migrate, source_flags, target_flags
from transship.importer.fk_order import order_for_foreign_keys
from transship.schema_files import read_schema_files


def _foreign_keys(server, db: str) -> list[tuple[str, str, str, bool]]:
    """(constraint, referenced table, the key it rests on, validated) of every foreign key of ``db``."""
    with server.connect(db) as conn:
        rows = conn.execute(
            "SELECT conname, confrelid::regclass::text, conindid::regclass::text, convalidated"
            " FROM pg_constraint WHERE contype = 'f' ORDER BY 1"
        ).fetchall()
    return [(str(a), str(b), str(c), bool(d)) for a, b, c, d in rows]


def _schema_log(export_dir) -> str:
    return (export_dir / "logs" / "import-schema.log").read_text(encoding="utf-8")


def _assert_no_retry(export_dir) -> None:
    """import schema applied every statement in one round: none waited for a missing dependency."""
    assert "retrying" not in _schema_log(export_dir), _schema_log(export_dir)


def _index_and_fk_order(export_dir) -> list[str]:
    """The indexes (by name) and foreign keys ("FK <name>") of the export, in the order import schema applies
    them."""
    out = []
    for st in order_for_foreign_keys(read_schema_files(export_dir / "schema")):
        words = st.statement.body.replace("(", " ").split()
        if words[:1] == ["CREATE"] and "INDEX" in words[:3]:
            out.append(words[words.index("INDEX") + 1])
        elif "FOREIGN" in words:
            out.append(f"FK {words[words.index('CONSTRAINT') + 1]}")
    return out


def test_fk_on_a_plain_unique_index_goes_through_the_whole_workflow(
    pg_server, pg_db, pg_target_db, export_dir
):
    """The issue's case: the referenced column has a unique index, no constraint."""
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            "CREATE TABLE xyz (id int, v text); CREATE UNIQUE INDEX idx ON xyz (id);"
            "CREATE TABLE abc (xyz_id int); ALTER TABLE abc ADD FOREIGN KEY (xyz_id) REFERENCES xyz (id);"
            "INSERT INTO xyz SELECT g, 'v' || g FROM generate_series(1, 300) g;"
            "INSERT INTO abc SELECT g % 300 + 1 FROM generate_series(1, 1000) g;"
        )
    migrate(pg_server, pg_db, pg_target_db, "public", export_dir)
    assert _index_and_fk_order(export_dir) == ["idx", "FK abc_xyz_id_fkey"]
    _assert_no_retry(export_dir)
    assert "1 unique index(es) go before the foreign key(s) referencing their columns" in _schema_log(
        export_dir
    )
    assert _foreign_keys(pg_server, pg_target_db) == [("abc_xyz_id_fkey", "xyz", "idx", True)]
    with pg_server.connect(pg_target_db) as conn:
        assert conn.execute("SELECT count(*) FROM abc JOIN xyz ON xyz.id = abc.xyz_id").fetchone()[0] == 1000
    assert_identical(pg_server, pg_db, pg_target_db, ["public"])


def test_only_an_index_a_foreign_key_can_use_moves_and_the_others_are_still_deferred(
    pg_server, pg_db, pg_target_db, export_dir
):
    """Partial and expression unique indexes on the referenced column cannot carry a foreign key: they keep
    their place after it (so does a plain index), and import data still drops and rebuilds the plain index."""
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            "CREATE TABLE xyz (code text, grp int);"
            "CREATE UNIQUE INDEX xyz_a_partial ON xyz (code) WHERE grp > 0;"
            "CREATE UNIQUE INDEX xyz_b_lower ON xyz (lower(code));"
            "CREATE UNIQUE INDEX xyz_c_pair ON xyz (code, grp);"
            "CREATE UNIQUE INDEX xyz_d_code ON xyz (code);"
            "CREATE INDEX xyz_e_grp ON xyz (grp);"
            "CREATE TABLE abc (code text REFERENCES xyz (code));"
            "INSERT INTO xyz SELECT 'c' || g, g % 7 FROM generate_series(1, 500) g;"
            "INSERT INTO abc SELECT 'c' || (g % 500 + 1) FROM generate_series(1, 800) g;"
        )
    e = ["-e", str(export_dir)]
    run_cli("export", "schema", *e, *source_flags(pg_server, pg_db, "public"))
    # the unique index on exactly (code) goes just before the foreign key; the others keep their place after it
    assert _index_and_fk_order(export_dir) == [
        "xyz_d_code", "FK abc_code_fkey", "xyz_a_partial", "xyz_b_lower", "xyz_c_pair", "xyz_e_grp",
    ]  # fmt: skip
    out = migrate(pg_server, pg_db, pg_target_db, "public", export_dir)
    _assert_no_retry(export_dir)
    assert "1 index(es) are dropped for the load" in out["import data"].stdout, out["import data"]
    assert "Built 1 index(es) after the load" in out["import data"].stdout
    assert _foreign_keys(pg_server, pg_target_db) == [("abc_code_fkey", "xyz", "xyz_d_code", True)]
    assert_identical(pg_server, pg_db, pg_target_db, ["public"])


def test_fk_on_a_unique_constraint_and_on_a_primary_key(pg_server, pg_db, pg_target_db, export_dir):
    """Keys that are constraints come with their tables: nothing moves, every foreign key lands."""
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            "CREATE TABLE parent (id int PRIMARY KEY, code text CONSTRAINT parent_code_key UNIQUE, other int);"
            "CREATE UNIQUE INDEX parent_other ON parent (other);"  # an index on other columns: stays in its file
            "CREATE TABLE child (pid int REFERENCES parent, pcode text REFERENCES parent (code));"
            "INSERT INTO parent SELECT g, 'c' || g, g FROM generate_series(1, 200) g;"
            "INSERT INTO child SELECT g % 200 + 1, 'c' || (g % 200 + 1) FROM generate_series(1, 400) g;"
        )
    e = ["-e", str(export_dir)]
    run_cli("export", "schema", *e, *source_flags(pg_server, pg_db, "public"))
    statements = read_schema_files(export_dir / "schema")
    assert order_for_foreign_keys(statements) is statements  # nothing needed moving
    assert _index_and_fk_order(export_dir) == ["FK child_pcode_fkey", "FK child_pid_fkey", "parent_other"]
    migrate(pg_server, pg_db, pg_target_db, "public", export_dir)
    _assert_no_retry(export_dir)
    assert _foreign_keys(pg_server, pg_target_db) == [
        ("child_pcode_fkey", "parent", "parent_code_key", True),
        ("child_pid_fkey", "parent", "parent_pkey", True),
    ]
    assert_identical(pg_server, pg_db, pg_target_db, ["public"])


NOT_VALID_FK = (
    "CREATE TABLE parent (id int PRIMARY KEY, v text); CREATE TABLE child (pid int);"
    "ALTER TABLE child ADD CONSTRAINT child_parent FOREIGN KEY (pid) REFERENCES parent (id) NOT VALID;"
    "INSERT INTO parent SELECT g, 'v' || g FROM generate_series(1, 300) g;"
    "INSERT INTO child SELECT g % 300 + 1 FROM generate_series(1, 600) g;"
)


def test_a_primary_key_deferred_by_import_data_is_back_before_finalize_adds_its_fk(
    pg_server, pg_db, pg_target_db, export_dir
):
    """A NOT VALID foreign key waits for finalize, so during import data nothing references the primary key:
    it is dropped for the load and built after it, and finalize then adds the foreign key on it."""
    with pg_server.connect(pg_db) as conn:
        conn.execute(NOT_VALID_FK)
    out = migrate(pg_server, pg_db, pg_target_db, "public", export_dir)
    assert "1 NOT VALID constraint(s) held back" in out["import schema"].stdout
    assert "1 index(es) are dropped for the load" in out["import data"].stdout
    assert "primary keys too" in out["import data"].stdout
    assert _foreign_keys(pg_server, pg_target_db) == [("child_parent", "parent", "parent_pkey", False)]
    assert_identical(pg_server, pg_db, pg_target_db, ["public"])


def test_finalize_refuses_while_the_primary_key_its_fk_references_is_not_built_yet(
    pg_server, pg_db, pg_target_db, export_dir
):
    """import data killed after dropping the primary key: finalize says in one line which key is missing and
    what to do; import data run again builds it, and finalize then adds the foreign key."""
    with pg_server.connect(pg_db) as conn:
        conn.execute(NOT_VALID_FK)
    e = ["-e", str(export_dir)]
    src, tgt = source_flags(pg_server, pg_db, "public"), target_flags(pg_server, pg_target_db)
    run_cli("export", "schema", *e, *src)
    run_cli("export", "data", *e, *src, "--disable-pb")
    run_cli("import", "schema", *e, *tgt)
    killed = run_cli(
        "import",
        "data",
        *e,
        *tgt,
        "--disable-pb",
        env={"TRANSSHIP_CRASH_AT": "import.indexes_deferred"},
        check=False,
    )
    assert killed.returncode != 0
    bad = run_cli("finalize-schema-post-data-import", *e, *tgt, check=False)
    lines = [x for x in bad.stderr.splitlines() if x.strip()]
    assert bad.returncode == 1 and len(lines) == 1, bad
    assert (
        "the primary key(s) parent_pkey of public.parent, dropped by import data for the load, are not built yet"
        in lines[0]
    ), bad
    assert "fix: re-run import data to the end" in lines[0], bad
    assert _foreign_keys(pg_server, pg_target_db) == []
    run_cli("import", "data", *e, *tgt, "--disable-pb")
    run_cli("finalize-schema-post-data-import", *e, *tgt)
    assert _foreign_keys(pg_server, pg_target_db) == [("child_parent", "parent", "parent_pkey", False)]
    assert_identical(pg_server, pg_db, pg_target_db, ["public"])


def test_fk_on_a_unique_index_in_another_schema(pg_server, pg_db, pg_target_db, export_dir):
    """The foreign key is in "Other" (a mixed-case schema), the unique index it needs in public; "Other" has a
    table of the same name with a unique index on the same column, applied first: names are matched schema and
    all, so that one keeps its place."""
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            'CREATE TABLE public."Xyz" ("Id" int, v text); CREATE UNIQUE INDEX "Pub_Id" ON public."Xyz" ("Id");'
            'CREATE SCHEMA "Other"; CREATE TABLE "Other"."Xyz" ("Id" int);'
            'CREATE UNIQUE INDEX "Other_Id" ON "Other"."Xyz" ("Id");'
            'CREATE TABLE "Other".abc (xyz_id int REFERENCES public."Xyz" ("Id"));'
            "INSERT INTO public.\"Xyz\" SELECT g, 'v' || g FROM generate_series(1, 100) g;"
            'INSERT INTO "Other"."Xyz" SELECT g FROM generate_series(1, 10) g;'
            'INSERT INTO "Other".abc SELECT g % 100 + 1 FROM generate_series(1, 250) g;'
        )
    migrate(pg_server, pg_db, pg_target_db, "public,Other", export_dir)
    assert _index_and_fk_order(export_dir) == ['"Pub_Id"', "FK abc_xyz_id_fkey", '"Other_Id"']
    _assert_no_retry(export_dir)
    assert _foreign_keys(pg_server, pg_target_db) == [("abc_xyz_id_fkey", '"Xyz"', '"Pub_Id"', True)]
    assert_identical(pg_server, pg_db, pg_target_db, ["public", "Other"])


def test_fk_on_a_unique_index_of_a_partitioned_table(pg_server, pg_db, pg_target_db, export_dir):
    """An index on ONLY a partitioned table is valid once its partitions' indexes are attached, later in
    INDEXES_table.sql: the foreign key is retried after them and lands."""
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            "CREATE TABLE xyz (id int, v text) PARTITION BY RANGE (id);"
            "CREATE TABLE xyz_1 PARTITION OF xyz FOR VALUES FROM (0) TO (100);"
            "CREATE TABLE xyz_2 PARTITION OF xyz FOR VALUES FROM (100) TO (1000);"
            "CREATE UNIQUE INDEX xyz_id ON xyz (id);"
            "CREATE TABLE abc (xyz_id int REFERENCES xyz (id));"
            "INSERT INTO xyz SELECT g, 'v' || g FROM generate_series(1, 500) g;"
            "INSERT INTO abc SELECT g % 500 + 1 FROM generate_series(1, 700) g;"
        )
    migrate(pg_server, pg_db, pg_target_db, "public", export_dir)
    assert _index_and_fk_order(export_dir) == ["FK abc_xyz_id_fkey", "xyz_id", "xyz_1_id_idx", "xyz_2_id_idx"]
    assert "retrying 1 statement(s) whose dependencies were missing" in _schema_log(export_dir)
    assert _foreign_keys(pg_server, pg_target_db)[0] == ("abc_xyz_id_fkey", "xyz", "xyz_id", True)
    assert_identical(pg_server, pg_db, pg_target_db, ["public"])
