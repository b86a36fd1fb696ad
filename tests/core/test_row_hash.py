"""The row hash both sides of a table agree on: the fastest one every reader computes alike, md5 otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from transship.errors import ConfigError
from transship.verify.canonical import ROW_HASHES_ENV, allowed_row_hashes
from transship.verify.content import agree_row_hash


def agree(sources: list[Any], targets: list[Any], **kw: Any) -> str:
    """agree_row_hash over these duck-typed readers."""
    return agree_row_hash(sources, targets, **kw)


class Reader:
    """A reader offering some row hashes; ``probes`` maps a hash to its value of the probe text."""

    def __init__(self, probes: dict[str, int | None]) -> None:
        self.probes = probes
        self.used: str | None = None

    def row_hash_probe(self, name: str) -> int | None:
        return self.probes.get(name)

    def use_row_hash(self, name: str) -> None:
        self.used = name


class OldReader:
    """A third-party reader from before row hashes could be chosen: md5 only."""


BOTH: dict[str, int | None] = {"pg-hashtextextended": 7, "sha256": 11}


def test_fastest_common_hash_wins_and_every_reader_is_told() -> None:
    s, t, t2 = Reader(BOTH), Reader(BOTH), Reader(BOTH)
    assert agree([s], [t, t2], allowed=("pg-hashtextextended", "sha256", "md5")) == "pg-hashtextextended"
    assert s.used == t.used == t2.used == "pg-hashtextextended"


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ({"sha256": 11}, BOTH, "sha256"),  # a MySQL source has no hashtextextended
        ({"pg-hashtextextended": 8, "sha256": 11}, BOTH, "sha256"),  # same name, other bytes (another build)
        ({"pg-hashtextextended": 8, "sha256": 12}, BOTH, "md5"),  # nothing agrees
        ({"pg-hashtextextended": None, "sha256": None}, BOTH, "md5"),  # the reader cannot (e.g. not UTF-8)
    ],
)
def test_a_hash_is_used_only_where_all_readers_agree(
    source: dict[str, int | None], target: dict[str, int | None], expected: str
) -> None:
    s, t = Reader(source), Reader(target)
    assert agree([s], [t], allowed=allowed_row_hashes("")) == expected
    assert s.used == t.used == expected


def test_a_reader_without_the_methods_keeps_both_sides_on_md5() -> None:
    t = Reader(BOTH)
    assert agree([OldReader()], [t], allowed=allowed_row_hashes("")) == "md5"
    assert t.used == "md5"


def test_the_environment_pins_or_excludes_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ROW_HASHES_ENV, "sha256")
    assert allowed_row_hashes() == ("sha256", "md5")  # md5 stays: every reader has it
    s, t = Reader(BOTH), Reader(BOTH)
    assert agree([s], [t]) == "sha256" and s.used == "sha256"
    monkeypatch.setenv(ROW_HASHES_ENV, " md5 ")
    assert agree([s], [t]) == "md5"
    monkeypatch.setenv(ROW_HASHES_ENV, "")
    assert allowed_row_hashes() == ("pg-hashtextextended", "sha256", "md5")
    monkeypatch.setenv(ROW_HASHES_ENV, "sha256,crc32")
    with pytest.raises(
        ConfigError, match="unknown row hash.*crc32: use any of pg-hashtextextended, sha256, md5"
    ):
        allowed_row_hashes()
