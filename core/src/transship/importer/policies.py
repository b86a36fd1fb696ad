"""What ``import data`` does with rows the target refuses: voyager's policies, and how they keep exactly-once.

- ``--error-policy-snapshot abort`` (default): the first refused batch stops the run.
- ``--error-policy-snapshot stash-and-continue``: a batch the target refuses for a row's data (SQLSTATE class 22
  or 23) is *bisected*: its halves are loaded as transactions of their own, recursively, until the bad rows are
  single rows, which are stashed (kept in the target's ``stashed_rows`` table and written to
  ``data/errors/<table>/``) instead of loaded. Every half that commits has its own ledger key
  (``<file>@<checksum>#<start>-<end>``, same batch number) and halves are cut by row count, so a run killed during
  bisection cuts the same halves again, skips the committed ones and loads every good row exactly once. A last
  ledger row under the batch's own key marks the batch complete (``rows_imported`` 0, ``rows_stashed`` = its bad rows).
- ``--on-primary-key-conflict IGNORE``: a batch that collides with rows already in the target on the primary key
  is loaded through a temporary staging table with ``INSERT ... ON CONFLICT ON CONSTRAINT <pk> DO NOTHING``; the
  colliding rows are counted as skipped.
- ``--enable-upsert``: on YugabyteDB the session runs ``SET yb_enable_upsert_mode = true`` (voyager's way); on
  PostgreSQL every batch goes through the staging table with ``ON CONFLICT ON CONSTRAINT <pk> DO UPDATE``.

The closing count of :mod:`transship.importer.counts` adds only ``rows_imported``, so stashed, skipped and
updated rows never make a table look complete when it is not.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

READ_CHUNK = 1 << 20


@dataclass(frozen=True)
class LoadPolicy:
    """The user's choices for refused and colliding rows."""

    stash: bool = False
    ignore_pk_conflicts: bool = False
    upsert: bool = False  # emulated with a staging table (PostgreSQL); native on YugabyteDB
    native_upsert: bool = False  # the sink switched its sessions to upsert mode

    @property
    def staging(self) -> bool:
        """Every batch goes through the staging table."""
        return self.upsert and not self.native_upsert


@dataclass
class Outcome:
    """What one batch (or part of it) did to the target."""

    imported: int = 0
    stashed: int = 0
    skipped: int = 0  # colliding rows ignored, or existing rows updated (upsert)

    def __add__(self, other: Outcome) -> Outcome:
        return Outcome(
            self.imported + other.imported, self.stashed + other.stashed, self.skipped + other.skipped
        )


def is_data_error(exc: psycopg.Error) -> bool:
    """A row's own data was refused (bad value, constraint): the rows around it may be fine."""
    return (exc.sqlstate or "")[:2] in ("22", "23")


def is_pk_conflict(exc: psycopg.Error, pk_constraint: str | None) -> bool:
    """A unique violation on the table's primary key (not on another unique constraint)."""
    return bool(
        pk_constraint
        and exc.sqlstate == "23505"
        and exc.diag is not None
        and exc.diag.constraint_name == pk_constraint
    )


def offset_after_lines(path: Path, start: int, end: int, lines: int) -> int:
    """The byte offset just after the ``lines``-th newline from ``start`` (within ``[start, end)``)."""
    seen = 0
    pos = start
    with open(path, "rb") as f:
        f.seek(start)
        while pos < end:
            chunk = f.read(min(READ_CHUNK, end - pos))
            if not chunk:
                break
            count = chunk.count(b"\n")
            if seen + count >= lines:
                idx = -1
                for _ in range(lines - seen):
                    idx = chunk.index(b"\n", idx + 1)
                return pos + idx + 1
            seen += count
            pos += len(chunk)
    raise ValueError(f"{path}: fewer than {lines} lines between bytes {start} and {end}")


def stage_name(schema: str, table: str) -> sql.Identifier:
    """The session's staging table for ``schema.table`` (a temporary table, emptied at every commit)."""
    return sql.Identifier(
        "transship_stage_" + hashlib.blake2b(f"{schema}\0{table}".encode(), digest_size=6).hexdigest()
    )


def create_stage(schema: str, table: str, columns: list[str]) -> sql.Composed:
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    return sql.SQL(
        "CREATE TEMP TABLE IF NOT EXISTS {} ON COMMIT DELETE ROWS AS SELECT {} FROM {} WITH NO DATA"
    ).format(stage_name(schema, table), cols, sql.Identifier(schema, table))


def merge_stage(
    schema: str, table: str, columns: list[str], pk_constraint: str, pk_columns: list[str], update: bool
) -> sql.Composed:
    """``INSERT`` the staged rows; returns one row (inserted, not inserted) when executed."""
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    others = [c for c in columns if c not in pk_columns]
    action: sql.Composable
    if update and others:
        action = sql.SQL("DO UPDATE SET {}").format(
            sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in others)
        )
    else:
        action = sql.SQL("DO NOTHING")
    return sql.SQL(
        "WITH staged AS (SELECT count(*) AS n FROM {stage}), merged AS ("
        "INSERT INTO {target} ({cols}) SELECT {cols} FROM {stage} ON CONFLICT ON CONSTRAINT {pk} {action}"
        " RETURNING (xmax = 0) AS fresh) "
        "SELECT count(*) FILTER (WHERE fresh), (SELECT n FROM staged) - count(*) FILTER (WHERE fresh) FROM merged"
    ).format(
        stage=stage_name(schema, table),
        target=sql.Identifier(schema, table),
        cols=cols,
        pk=sql.Identifier(pk_constraint),
        action=action,
    )


def check_keys(policy: LoadPolicy, primary_keys: dict[str, str | None]) -> None:
    """``--enable-upsert`` replaces rows by primary key: refuse before anything loads when a table has none.

    :param primary_keys: target table -> its primary key constraint (None: the table has none).
    ``--on-primary-key-conflict IGNORE`` needs no check: a table without a primary key cannot collide on one."""
    from transship.errors import ConfigError

    keyless = sorted(name for name, pk in primary_keys.items() if pk is None)
    if policy.upsert and keyless:
        raise ConfigError(
            f"--enable-upsert replaces rows by primary key, but {len(keyless)} target table(s) have none: "
            + ", ".join(keyless),
            fix="add a primary key to them on the target, leave them out with --exclude-table-list "
            "(and import them in a run without --enable-upsert), or drop --enable-upsert",
        )


def choose_policy(error_policy: str, on_conflict: str, upsert: bool, sink_name: str) -> LoadPolicy:
    """The policy of this run from the flags. Unlike voyager, it may change between runs of one import: every
    batch commits with its ledger row under the policy of the run that loads it, so none is loaded twice."""
    from transship.errors import ConfigError

    action = on_conflict.upper()
    if upsert and action == "IGNORE":
        raise ConfigError(
            "--enable-upsert and --on-primary-key-conflict IGNORE exclude each other",
            fix="choose one: upsert replaces existing rows, IGNORE keeps them",
        )
    return LoadPolicy(
        stash=error_policy == "stash-and-continue",
        ignore_pk_conflicts=action == "IGNORE",
        upsert=upsert,
        native_upsert=upsert and sink_name == "yugabytedb",
    )
