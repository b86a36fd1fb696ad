"""Names of MySQL objects: quoted for MySQL (:func:`bq`) and on the target.

MySQL column names are case-insensitive, so they are folded to lower case: the application's unquoted
SQL keeps working on PostgreSQL. Table names are folded too, except when two tables differ only in case
(possible with ``lower_case_table_names=0``): those keep their exact case. Index names get the table
name as prefix (PostgreSQL index names are unique per schema, MySQL's per table), as voyager does.
Every generated name fits PostgreSQL's 63-byte limit (a short hash keeps truncated names unique).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from typing import Protocol

MAX_IDENT = 63


def bq(name: str) -> str:
    """A MySQL identifier in backticks."""
    return "`" + name.replace("`", "``") + "`"


class _Converted(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def extra(self) -> Mapping[str, object]: ...


def source_name(obj: _Converted) -> str:
    """The MySQL name of a converted table or column (a :class:`Table`, :class:`Column` or ``ColumnSpec``)."""
    return str(obj.extra.get("source_name") or obj.name)


def fit(name: str) -> str:
    """``name`` cut to 63 bytes, with a stable hash suffix when it had to be cut."""
    if len(name.encode()) <= MAX_IDENT:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    cut = name.encode()[: MAX_IDENT - 9].decode(errors="ignore")
    return f"{cut}_{digest}"


def table_names(source_names: list[str]) -> dict[str, str]:
    """Source table name -> target table name."""
    folded = Counter(n.lower() for n in source_names)
    return {n: fit(n.lower() if folded[n.lower()] == 1 else n) for n in source_names}


class NameRegistry:
    """Hands out relation-level names (indexes, constraints backed by indexes, sequences, types) that are
    unique within the target schema."""

    def __init__(self, taken: set[str] | None = None) -> None:
        self.taken = set(taken or ())

    def claim(self, wanted: str) -> str:
        name = fit(wanted)
        i = 1
        while name in self.taken:
            i += 1
            name = fit(f"{wanted}_{i}")
        self.taken.add(name)
        return name
