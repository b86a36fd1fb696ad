"""Which object types ``export schema`` writes for PostgreSQL for each ``--object-type-list`` /
``--exclude-object-type-list`` / ``--comments-on-objects``: pinned, one row per case.

No server: pg_dump is replaced by a stand-in printing one entry of every TOC type it can produce (and none of
type COMMENT when called with ``--no-comments``, as pg_dump does), so each row shows the whole selection."""

from __future__ import annotations

import subprocess
import types
from pathlib import Path
from typing import Any

import pytest

from transship.dbconfig import DBConfig
from transship.sdk import SchemaExportOptions, SchemaWriter
from transship_postgres import schema_export
from transship_postgres.adapter import PostgresAdapter

# (pg_dump TOC type, name, schema, SQL); "part" is a partition (see FakeConnection), PUBLICATION unknown
ENTRIES = [
    ("SCHEMA", "s", "-", "CREATE SCHEMA s;"),
    ("EXTENSION", "citext", "-", "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;"),
    ("COLLATION", "c", "public", 'CREATE COLLATION public.c (provider = libc, locale = "C");'),
    ("TYPE", "mood", "public", "CREATE TYPE public.mood AS ENUM ('ok');"),
    ("DOMAIN", "pos", "public", "CREATE DOMAIN public.pos AS integer CHECK (VALUE > 0);"),
    ("SEQUENCE", "sq", "public", "CREATE SEQUENCE public.sq;"),
    ("TABLE", "t", "public", "CREATE TABLE public.t (id integer);"),
    ("TABLE", "part", "public", "CREATE TABLE public.part (id integer);"),
    ("TABLE ATTACH", "part", "public", "ALTER TABLE ONLY public.pt ATTACH PARTITION public.part DEFAULT;"),
    ("INDEX", "t_ix", "public", "CREATE INDEX t_ix ON public.t USING btree (id);"),
    ("FUNCTION", "f()", "public", "CREATE FUNCTION public.f() RETURNS integer LANGUAGE sql AS 'SELECT 1';"),
    ("AGGREGATE", "ag(integer)", "public", "CREATE AGGREGATE public.ag(integer) (SFUNC = int4pl, STYPE = integer);"),
    ("PROCEDURE", "pr()", "public", "CREATE PROCEDURE public.pr() LANGUAGE sql AS 'SELECT 1';"),
    ("VIEW", "v", "public", "CREATE VIEW public.v AS SELECT 1 AS one;"),
    ("MATERIALIZED VIEW", "mv", "public", "CREATE MATERIALIZED VIEW public.mv AS SELECT 1 AS one WITH NO DATA;"),
    ("TRIGGER", "t t_tr", "public", "CREATE TRIGGER t_tr BEFORE INSERT ON public.t FOR EACH ROW EXECUTE FUNCTION public.tf();"),
    ("RULE", "v r", "public", "CREATE RULE r AS ON INSERT TO public.v DO INSTEAD NOTHING;"),
    ("COMMENT", "TABLE t", "public", "COMMENT ON TABLE public.t IS 'a table';"),
    ("POLICY", "t p", "public", "CREATE POLICY p ON public.t USING (true);"),
    ("CONVERSION", "cv", "public", "CREATE CONVERSION public.cv FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;"),
    ("FOREIGN TABLE", "ft", "public", "CREATE FOREIGN TABLE public.ft (id integer) SERVER srv;"),
    ("OPERATOR", "===(integer, integer)", "public", "CREATE OPERATOR public.=== (FUNCTION = int4eq, LEFTARG = integer, RIGHTARG = integer);"),
    ("PUBLICATION", "pub", "-", "CREATE PUBLICATION pub;"),
]  # fmt: skip

EVERYTHING = (
    "AGGREGATE COLLATION COMMENT CONVERSION DOMAIN EXTENSION FOREIGN TABLE FUNCTION INDEX MVIEW OPERATOR PARTITION "
    "POLICY PROCEDURE RULE SCHEMA SEQUENCE TABLE TRIGGER TYPE UNCATEGORIZED VIEW"
)

CASES = [
    # (--object-type-list, --exclude-object-type-list, --comments-on-objects, object types written)
    ([], [], True, EVERYTHING),
    ([], [], False, EVERYTHING.replace("COMMENT ", "")),
    # a list always brings SCHEMA, COLLATION, EXTENSION (pg_dump's); TABLE brings TYPE, DOMAIN, SEQUENCE, INDEX,
    # RULE, PARTITION (not COMMENT); VIEW brings RULE; UNCATEGORIZED (an unknown TOC type) is always written
    (["TABLE"], [], False, "COLLATION DOMAIN EXTENSION INDEX PARTITION RULE SCHEMA SEQUENCE TABLE TYPE UNCATEGORIZED"),
    (["TABLE"], [], True, "COLLATION DOMAIN EXTENSION INDEX PARTITION RULE SCHEMA SEQUENCE TABLE TYPE UNCATEGORIZED"),
    (["VIEW"], [], True, "COLLATION EXTENSION RULE SCHEMA UNCATEGORIZED VIEW"),
    (["MVIEW"], [], True, "COLLATION EXTENSION MVIEW SCHEMA UNCATEGORIZED"),
    (["COMMENT"], [], True, "COLLATION COMMENT EXTENSION SCHEMA UNCATEGORIZED"),
    (["COMMENT"], [], False, "COLLATION EXTENSION SCHEMA UNCATEGORIZED"),
    (["TABLE", "VIEW"], ["VIEW"], True, "COLLATION DOMAIN EXTENSION INDEX PARTITION RULE SCHEMA SEQUENCE TABLE TYPE UNCATEGORIZED"),
    (["TABLE", "VIEW"], ["TABLE", "RULE", "SCHEMA"], True, "COLLATION DOMAIN EXTENSION INDEX PARTITION SEQUENCE TYPE UNCATEGORIZED VIEW"),
    ([], ["TABLE"], True, EVERYTHING.replace("TABLE TRIGGER", "TRIGGER")),
    ([], ["VIEW", "INDEX", "SCHEMA"], True, EVERYTHING.replace("INDEX ", "").replace("SCHEMA ", "").replace(" VIEW", "")),
    ([], ["COMMENT", "UNCATEGORIZED"], True, EVERYTHING.replace("COMMENT ", "")),
]  # fmt: skip


class FakeConnection:
    """What export_schema asks the server: its version and the partitions."""

    def __enter__(self) -> FakeConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def execute(self, sql: str) -> Any:
        rows = [("160000",)] if "server_version_num" in sql else [("public", "part")]
        return types.SimpleNamespace(fetchone=lambda: rows[0], fetchall=lambda: rows)


def fake_pg_dump(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    out = ["--", "-- PostgreSQL database dump", "--", "", "SET statement_timeout = 0;", ""]
    for toc_type, name, schema, sql in ENTRIES:
        if toc_type == "COMMENT" and "--no-comments" in args:
            continue
        out += ["--", f"-- Name: {name}; Type: {toc_type}; Schema: {schema}; Owner: -", "--", "", sql, ""]
    out += ["--", "-- PostgreSQL database dump complete", "--", ""]
    return subprocess.CompletedProcess(args, 0, "\n".join(out).encode(), b"")


def written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: SchemaExportOptions) -> str:
    monkeypatch.setattr(schema_export, "connect", lambda cfg, role: FakeConnection())
    monkeypatch.setattr(schema_export, "pg_dump_path", lambda major: "pg_dump")
    monkeypatch.setattr(schema_export, "subprocess", types.SimpleNamespace(run=fake_pg_dump))
    adapter = PostgresAdapter(DBConfig("postgresql", "127.0.0.1", 5432, "u", None, "db", "public"))
    writer = SchemaWriter(tmp_path / "schema")
    adapter.export_schema(writer, options)
    return " ".join(sorted(writer.write(), key=str))


@pytest.mark.parametrize(("listed", "excluded", "comments", "expected"), CASES)
def test_object_types_written(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    listed: list[str],
    excluded: list[str],
    comments: bool,
    expected: str,
) -> None:
    options = SchemaExportOptions(
        object_types=listed or None, exclude_object_types=excluded, comments_on_objects=comments
    )
    assert written(tmp_path, monkeypatch, options) == expected
