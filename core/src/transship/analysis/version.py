"""Target types and versions: ``--target-db-type`` and ``--target-db-version``, and "fixed in" filtering.

A target is ``yugabytedb`` (versioned by :class:`YBVersion`) or ``postgresql`` (versioned by
:class:`PGVersion`: ``15``, ``16.2``).

A version is ``A.B.C.D`` (``2024.2.0.0``, ``2.25.1.0``); fewer parts are padded with zeros. Its
*series* is ``A.B``. Rules record, per series, the first version that fixed an issue
(``{"2.25": "2.25.0.0", "2025.1": "2025.1.0.0"}``). Like yb-voyager, an issue is hidden when the
target's series is listed and the target is at least that version. We also hide it on a *later* series of
the same track (stable ``YYYY.N`` or preview ``2.N``) than the newest one listed, because fixes are carried
forward; voyager needs every new series spelled out and reports fixed issues until it is.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from transship.errors import ConfigError

DEFAULT_TARGET_DB_VERSION = "2024.2.0.0"
"""The YugabyteDB version analysed for when neither ``--target-db-version`` nor the migration names one."""
_VERSION = re.compile(r"^\d+(\.\d+){1,3}$")
_PG_VERSION = re.compile(r"^(\d+)(?:\.(\d+))?$")

POSTGRESQL = "postgresql"
YUGABYTEDB = "yugabytedb"
TARGET_TYPES: frozenset[str] = frozenset({POSTGRESQL, YUGABYTEDB})
"""Every ``--target-db-type`` of analyze-schema; a rule's default ``targets``."""
DEFAULT_TARGET_DB_TYPE = YUGABYTEDB
OLDEST_POSTGRESQL = 11
"""The oldest PostgreSQL transship imports into."""


@functools.total_ordering
@dataclass(frozen=True)
class YBVersion:
    """A parsed YugabyteDB version."""

    parts: tuple[int, int, int, int]

    @classmethod
    def parse(cls, text: str) -> YBVersion:
        """Parse ``A.B[.C[.D]]``; raises :class:`ConfigError` naming the bad value."""
        value = (text or "").strip()
        if value.lower().startswith("v"):
            value = value[1:]
        value = value.split("-", 1)[0]  # 2024.2.0.0-b145
        if not _VERSION.match(value):
            raise ConfigError(
                f"--target-db-version {text!r} is not a YugabyteDB version",
                fix="give four numbers like 2024.2.0.0 or 2.25.1.0",
            )
        nums = [int(p) for p in value.split(".")]
        nums += [0] * (4 - len(nums))
        return cls((nums[0], nums[1], nums[2], nums[3]))

    @property
    def series(self) -> str:
        return f"{self.parts[0]}.{self.parts[1]}"

    @property
    def stable_track(self) -> bool:
        """``YYYY.N`` releases are the stable track; ``2.N`` the preview track."""
        return self.parts[0] >= 2000

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, YBVersion):
            return NotImplemented
        return self.parts < other.parts

    def __str__(self) -> str:
        return ".".join(str(p) for p in self.parts)


def is_fixed_in(fixed_in: Mapping[str, str], target: YBVersion) -> bool:
    """True when the issue recorded as fixed in ``fixed_in`` (series -> version) is fixed on ``target``."""
    if not fixed_in:
        return False
    listed = {s: YBVersion.parse(v) for s, v in fixed_in.items()}
    if target.series in listed:
        return target >= listed[target.series]
    same_track = [v for v in listed.values() if v.stable_track == target.stable_track]
    return bool(same_track) and target > max(same_track)


@functools.total_ordering
@dataclass(frozen=True)
class PGVersion:
    """A PostgreSQL version: major and minor (``15``, ``16.2``)."""

    major: int
    minor: int = 0

    @classmethod
    def parse(cls, text: str) -> PGVersion:
        """Parse ``15``, ``16.2`` (``v16``, ``16.2 (Debian ...)`` too); raises :class:`ConfigError`."""
        value = (text or "").strip()
        if value.lower().startswith("v"):
            value = value[1:]
        value = value.split(" ", 1)[0]
        m = _PG_VERSION.match(value)
        if not m or int(m.group(1)) < OLDEST_POSTGRESQL:
            raise ConfigError(
                f"--target-db-version {text!r} is not a PostgreSQL version transship imports into",
                fix=f"give a PostgreSQL version like 15 or 16.2 ({OLDEST_POSTGRESQL} or newer)",
            )
        return cls(int(m.group(1)), int(m.group(2) or 0))

    @classmethod
    def newest(cls) -> PGVersion:
        """The newest PostgreSQL the analysis understands: the version of pglast's parser."""
        from pglast import parser

        return cls(int(parser.get_postgresql_version()[0]))

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, PGVersion):
            return NotImplemented
        return (self.major, self.minor) < (other.major, other.minor)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}" if self.minor else str(self.major)


TargetVersion = YBVersion | PGVersion


def target_type_of(version: TargetVersion) -> str:
    """``postgresql`` for a :class:`PGVersion`, ``yugabytedb`` for a :class:`YBVersion`."""
    return POSTGRESQL if isinstance(version, PGVersion) else YUGABYTEDB


def target_label(version: TargetVersion) -> str:
    """``PostgreSQL 15`` / ``YugabyteDB 2024.2.0.0``: the target in a sentence."""
    return f"{'PostgreSQL' if isinstance(version, PGVersion) else 'YugabyteDB'} {version}"


def check_target_type(text: str) -> str:
    """``--target-db-type`` in lower case; anything but postgresql/yugabytedb is a :class:`ConfigError`."""
    value = (text or "").strip().lower()
    if value not in TARGET_TYPES:
        raise ConfigError(
            f"--target-db-type {text!r} is not a target analyze-schema knows",
            fix=f"use one of: {', '.join(sorted(TARGET_TYPES))}",
        )
    return value


def parse_target_version(target_type: str, text: str | None) -> TargetVersion:
    """The version ``text`` for a target of ``target_type``; its default when ``text`` is empty."""
    if target_type == POSTGRESQL:
        return PGVersion.parse(text) if text else PGVersion.newest()
    m = _PG_VERSION.match((text or "").strip())
    if m and 2 < int(m.group(1)) < 2000:
        raise ConfigError(  # 15 or 16.2: meant for a PostgreSQL target
            f"--target-db-version {text!r} is a PostgreSQL version, and the target is YugabyteDB",
            fix="add --target-db-type postgresql, or give a YugabyteDB version like 2024.2.0.0",
        )
    return YBVersion.parse(text or DEFAULT_TARGET_DB_VERSION)
