"""YugabyteDB versions and release series, for ``--target-db-version`` and "fixed in" filtering.

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
_VERSION = re.compile(r"^\d+(\.\d+){1,3}$")


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
