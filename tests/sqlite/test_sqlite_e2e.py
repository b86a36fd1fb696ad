"""A SQLite database the test builds migrates exactly through the CLI (transship-sqlite, on the SDK alone):
type affinity, AUTOINCREMENT, foreign keys, views, indexes, triggers, BLOBs, mixed-case names, text dates."""

from __future__ import annotations

import io
import json
import sqlite3
import tokenize
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import CliResult, run_cli
from tests.core.conftest import assert_one_line_error
from tests.core.test_plugins import IsolatedCli
from tests.e2e.pgflow import target_flags
from transship.testing.databases import PgServer

SCHEMA = r"""
PRAGMA foreign_keys = ON;
CREATE TABLE "Customer" ("CustomerId" INTEGER PRIMARY KEY AUTOINCREMENT, "FirstName" VARCHAR(40) NOT NULL,
  email TEXT UNIQUE, active BOOLEAN DEFAULT 1, born DATE, joined DATETIME DEFAULT CURRENT_TIMESTAMP,
  score REAL, balance DECIMAL(10,2), loyalty NUMERIC, notes, flags INT DEFAULT 0);
CREATE TABLE invoice (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES "Customer" ("CustomerId")
  ON DELETE CASCADE, total DECIMAL(10,2) CHECK (total >= 0), issued TEXT, pdf BLOB);
CREATE TABLE line (invoice_id INTEGER REFERENCES invoice, n INTEGER, qty INTEGER, PRIMARY KEY (invoice_id, n));
CREATE TABLE tag (name TEXT, weight REAL);
CREATE INDEX invoice_issued ON invoice (issued DESC);
CREATE UNIQUE INDEX customer_name ON "Customer" ("FirstName", born);
CREATE INDEX big_invoices ON invoice (total) WHERE total > 100;
CREATE INDEX lower_email ON "Customer" (lower(email));
CREATE VIEW "BigSpenders" AS SELECT c.firstname, sum(i.total) AS spent FROM customer c JOIN invoice i
  ON i.customer_id = c.customerid GROUP BY c.firstname HAVING sum(i.total) > 50;
CREATE TRIGGER invoice_touch AFTER INSERT ON invoice BEGIN UPDATE "Customer" SET flags = flags + 1
  WHERE "CustomerId" = NEW.customer_id; END;
"""


def build(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
        for i in range(1, 301):
            db.execute(
                'INSERT INTO "Customer" ("FirstName", email, active, born, joined, score, balance, loyalty, notes) '
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (f"Zoë {i}", f"c{i}@x.org" if i % 7 else None, i % 2, f"19{i % 90 + 10:02d}-0{i % 9 + 1}-1{i % 9}",
                 f"2024-01-0{i % 9 + 1} 10:{i % 60:02d}:00", i / 7 if i % 5 else None, f"{i}.{i % 100:02d}",
                 i * 3, "tab\there" if i == 3 else f"line\nbreak {i}"),
            )  # fmt: skip
        db.execute('DELETE FROM "Customer" WHERE "CustomerId" = 300')  # AUTOINCREMENT will not reuse 300
        for i in range(1, 501):
            db.execute("INSERT INTO invoice (customer_id, total, issued, pdf) VALUES (?, ?, ?, ?)",
                       (i % 299 + 1, i * 1.25, f"2024-02-{i % 28 + 1:02d}", bytes(range(i % 256)) if i % 3 else None))  # fmt: skip
            db.executemany("INSERT INTO line VALUES (?, ?, ?)", [(i, n, n * i) for n in range(1, 3)])
        db.executemany("INSERT INTO tag VALUES (?, ?)", [("x", 1.5), ("x", 1.5), ("y", None)])


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    path = tmp_path / "Shop DB.sqlite"  # a space in the path, too
    build(path)
    return path


OTHER_PLUGINS = ("transship_mysql", "transship_postgres", "transship_oracle", "transship_rules")


def test_the_analysis_names_what_needs_the_users_hands(sqlite_file: Path, export_dir: Path) -> None:
    run_cli("export", "schema", "-e", str(export_dir), "--source-db-type", "sqlite", "--source-db-name", str(sqlite_file))  # fmt: skip
    run_cli("analyze-schema", "-e", str(export_dir), "--output-format", "json")
    issues = json.loads((export_dir / "reports" / "schema_analysis_report.json").read_text())["Issues"]
    named = {i["ObjectName"]: i for i in issues if i["IssueType"] == "conversion_review"}
    assert set(named) == {"invoice_touch", "lower_email"}, named  # the trigger and the expression index
    assert "rewrite it in PL/pgSQL" in named["invoice_touch"]["Reason"]


def test_sqlite_database_migrates_exactly_and_verify_proves_it(
    sqlite_file: Path, pg_server: PgServer, pg_target_db: str, export_dir: Path, tmp_path: Path
) -> None:
    # transship-sqlite installed alone next to core: no other adapter, no rule pack
    cli = IsolatedCli(tmp_path, drop=OTHER_PLUGINS, need=("core", "plugins/adapter-sqlite"))
    adapters = json.loads(cli("plugins", "--output-format", "json").stdout)["source_adapters"]
    assert adapters == ["sqlite"], adapters
    e = ["-e", str(export_dir)]
    src = ["--source-db-type", "sqlite", "--source-db-name", str(sqlite_file)]
    tgt = target_flags(pg_server, pg_target_db)

    def run_cli(*args: str, check: bool = True) -> Any:
        return CliResult(cli(*args, check=check))

    run_cli("export", "schema", *e, *src)
    run_cli("export", "data", *e, *src, "--disable-pb")
    run_cli("import", "schema", *e, *tgt)
    run_cli("import", "data", *e, *tgt, "--disable-pb")
    run_cli("finalize-schema-post-data-import", *e, *tgt)
    ok = run_cli("verify", *e, *tgt)
    assert "all 4 table(s) match, content proven for every table" in ok.stdout, ok
    with psycopg.connect(pg_server.conninfo(pg_target_db), autocommit=True) as pg:
        row = pg.execute(
            'SELECT "FirstName", email, active, born, joined, score, balance, loyalty, notes FROM "Customer" '
            'WHERE "CustomerId" = 3'
        ).fetchone()
        assert row is not None and row[0] == "Zoë 3" and row[2] is True and str(row[3]) == "1913-04-13"
        assert str(row[4]) == "2024-01-04 10:03:00" and row[8] == "tab\there" and str(row[6]) == "3.03"
        types = dict(pg.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'Customer'"
        ).fetchall())  # fmt: skip
        assert types == {
            "CustomerId": "bigint", "FirstName": "text", "email": "text", "active": "boolean", "born": "date",
            "joined": "timestamp without time zone", "score": "double precision", "balance": "numeric",
            "loyalty": "numeric", "notes": "text", "flags": "bigint",
        }  # fmt: skip
        pdf = pg.execute("SELECT pdf FROM invoice WHERE id = 5").fetchone()
        assert pdf is not None and bytes(pdf[0]) == bytes(range(5))
        # the identity continues after AUTOINCREMENT's last id (300, deleted), a plain rowid after max(id)
        new = pg.execute(
            """INSERT INTO "Customer" ("FirstName") VALUES ('new') RETURNING "CustomerId" """
        ).fetchone()
        assert new == (301,)
        assert pg.execute("INSERT INTO invoice (customer_id) VALUES (1) RETURNING id").fetchone() == (501,)
        assert pg.execute('SELECT count(*) FROM "BigSpenders"').fetchone()[0] > 0  # type: ignore[index]
        indexes = {r[0] for r in pg.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
        assert {"invoice_issued", "customer_name", "big_invoices"} <= indexes
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            pg.execute("INSERT INTO line VALUES (9999, 1, 1)")
        with pytest.raises(psycopg.errors.CheckViolation):
            pg.execute("INSERT INTO invoice (customer_id, total) VALUES (1, -1)")
        with pytest.raises(psycopg.errors.UniqueViolation):
            pg.execute("""INSERT INTO "Customer" ("FirstName", email) VALUES ('dup', 'c1@x.org')""")
        assert pg.execute("""SELECT active FROM "Customer" WHERE "CustomerId" = 301""").fetchone() == (True,)
        pg.execute('DELETE FROM "Customer" WHERE "CustomerId" = 301')
        pg.execute("DELETE FROM invoice WHERE id = 501")
        pg.execute("UPDATE invoice SET pdf = set_byte(pdf, 1, 0) WHERE id = 7")  # one byte of a blob
    bad = run_cli("verify", *e, *tgt, "--output-format", "json", check=False)
    assert bad.returncode == 1
    found = {t["table_name"]: t for t in json.loads(bad.stdout)["tables"]}
    assert [d["key"] for d in found["public.invoice"]["differences"]] == ["id='7'"], found["public.invoice"]


def test_a_missing_or_foreign_file_is_one_line(tmp_path: Path, export_dir: Path) -> None:
    one_line_error = assert_one_line_error
    e = ["-e", str(export_dir)]
    missing = run_cli("export", "schema", *e, "--source-db-type", "sqlite", "--source-db-name", str(tmp_path / "no.db"), check=False)  # fmt: skip
    one_line_error(missing, "no SQLite file", "no.db", "--source-db-name")
    (tmp_path / "text.db").write_text("not a database\n" * 100)
    foreign = run_cli("export", "schema", *e, "--source-db-type", "sqlite", "--source-db-name", str(tmp_path / "text.db"), check=False)  # fmt: skip
    one_line_error(
        foreign, "cannot read SQLite file", "text.db: file is not a database", "no program holds it locked"
    )


def test_the_adapter_stays_small() -> None:
    """docs/plugins.md promises a whole adapter in at most 150 lines (non-blank, non-comment, after ruff format)."""
    package = Path(__file__).resolve().parents[2] / "plugins" / "adapter-sqlite" / "src" / "transship_sqlite"
    lines = 0
    for path in sorted(package.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        skip = {
            tokenize.COMMENT,
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.ENDMARKER,
        }
        code = {
            n for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in skip
            for n in range(t.start[0], t.end[0] + 1)
        }  # fmt: skip
        lines += len(code)
    assert lines <= 150, f"transship-sqlite has {lines} lines of Python"
    docs = (package.parents[3] / "docs" / "plugins.md").read_text(encoding="utf-8")
    assert f"**{lines} lines of Python**" in docs, f"docs/plugins.md must say {lines} lines"
