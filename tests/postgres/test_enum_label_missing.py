"""A value the target's enum type has no label for (MySQL keeps '' in an ENUM for a value refused in non-strict
mode) stops the import with the ALTER TYPE that fixes it; after it the re-run ends exact."""

from __future__ import annotations

from tests.conftest import run_cli
from tests.e2e.pgflow import source_flags, target_flags


def test_a_missing_enum_label_names_the_alter_type_that_adds_it(pg_server, pg_db, pg_target_db, export_dir):
    with pg_server.connect(pg_db) as conn:
        conn.execute(
            "CREATE TABLE e (id int PRIMARY KEY, s text); INSERT INTO e VALUES (1, 'a'), (2, ''), (3, 'a')"
        )
    e, src, tgt = (
        ["-e", str(export_dir)],
        source_flags(pg_server, pg_db, "public"),
        target_flags(pg_server, pg_target_db),
    )
    run_cli("export", "schema", *e, *src)
    run_cli("export", "data", *e, *src, "--disable-pb")
    run_cli("import", "schema", *e, *tgt)
    with pg_server.connect(pg_target_db) as conn:  # the target's column is an enum, as a MySQL ENUM becomes
        conn.execute("CREATE TYPE mood AS ENUM ('a'); ALTER TABLE e ALTER COLUMN s TYPE mood USING s::mood")
    bad = run_cli("import", "data", *e, *tgt, "--disable-pb", check=False)
    lines = [x for x in bad.stderr.splitlines() if x.strip()]
    assert bad.returncode == 1 and len(lines) == 1, bad
    assert "invalid input value for enum mood" in lines[0]
    assert "add it (ALTER TYPE mood ADD VALUE '')" in lines[0], lines[0]
    with pg_server.connect(pg_target_db) as conn:
        conn.execute("ALTER TYPE mood ADD VALUE ''")
    run_cli("import", "data", *e, *tgt, "--disable-pb")
    with pg_server.connect(pg_target_db) as conn:
        assert conn.execute("SELECT id, s::text FROM e ORDER BY id").fetchall() == [
            (1, "a"),
            (2, ""),
            (3, "a"),
        ]
