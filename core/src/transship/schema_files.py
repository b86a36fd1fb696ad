"""The ``schema/`` folder of the export dir: one file per object type, in voyager's layout."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from transship import diskfull
from transship.errors import ExportDirError
from transship.sqlsplit import Statement, split_sql

# object type -> path under schema/ (voyager's names)
OBJECT_FILES: dict[str, str] = {
    "SCHEMA": "schemas/schema.sql",
    "COLLATION": "collations/collation.sql",
    "EXTENSION": "extensions/extension.sql",
    "TYPE": "types/type.sql",
    "DOMAIN": "domains/domain.sql",
    "SEQUENCE": "sequences/sequence.sql",
    "TABLE": "tables/table.sql",
    "PARTITION": "partitions/partition.sql",
    "INDEX": "tables/INDEXES_table.sql",
    "FUNCTION": "functions/function.sql",
    "AGGREGATE": "aggregates/aggregate.sql",
    "PROCEDURE": "procedures/procedure.sql",
    "PACKAGE": "packages/package.sql",
    "VIEW": "views/view.sql",
    "TRIGGER": "triggers/trigger.sql",
    "MVIEW": "mviews/mview.sql",
    "RULE": "rules/rule.sql",
    "COMMENT": "comments/comment.sql",
    "CONVERSION": "conversions/conversion.sql",
    "FOREIGN TABLE": "tables/foreign_table.sql",
    "POLICY": "policies/policy.sql",
    "OPERATOR": "operators/operator.sql",
    "SYNONYM": "synonyms/synonym.sql",
    "UNCATEGORIZED": "uncategorized.sql",
}

# The order import schema applies object types in (dependency failures are retried afterwards).
IMPORT_ORDER: list[str] = [
    "SCHEMA", "COLLATION", "EXTENSION", "TYPE", "DOMAIN", "SEQUENCE", "TABLE", "PARTITION", "INDEX",
    "FUNCTION", "AGGREGATE", "PROCEDURE", "PACKAGE", "VIEW", "TRIGGER", "MVIEW", "RULE", "COMMENT",
    "CONVERSION", "FOREIGN TABLE", "POLICY", "OPERATOR", "SYNONYM",
]  # fmt: skip

FAILED_FILE = "failed.sql"


def normalize_object_type(name: str) -> str:
    """``mview``/``MVIEW``/``materialized view`` -> ``MVIEW``; raises KeyError for unknown names."""
    key = " ".join(name.strip().upper().replace("_", " ").split())
    aliases = {"MATERIALIZED VIEW": "MVIEW", "INDEXES": "INDEX", "TABLES": "TABLE", "POLICIES": "POLICY"}
    key = aliases.get(key, key)
    if key not in OBJECT_FILES:
        raise KeyError(name)
    return key


class SchemaWriter:
    """Collects converted DDL by object type and writes ``schema/<type>s/<type>.sql`` files.

    ``preamble`` statements (session settings such as ``SET check_function_bodies = false``) are written
    at the top of every file, so each file can be applied on its own.
    """

    def __init__(self, schema_dir: Path, preamble: list[str] | None = None) -> None:
        self.schema_dir = schema_dir
        self.preamble = preamble or []
        self._items: dict[str, list[str]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, object_type: str, sql: str, count: bool = True) -> None:
        """Add one statement (with or without the trailing semicolon, comments allowed before it)."""
        otype = normalize_object_type(object_type)
        text = sql.strip()
        if not text.endswith(";") and not text.rstrip().endswith("*/"):
            text += ";"
        self._items[otype].append(text)
        if count:
            self.counts[otype] += 1

    def add_comment_block(self, object_type: str, text: str) -> None:
        """Add an SQL comment (e.g. an unconverted source object kept for the user)."""
        otype = normalize_object_type(object_type)
        body = text.replace("*/", "* /")
        self._items[otype].append(f"/*\n{body}\n*/")

    def write(self, shown_as: Path | None = None) -> dict[str, Path]:
        """Write every non-empty file; returns object type -> path.

        A full disk raises :class:`~transship.errors.DiskFull` (what is needed: every file's bytes), and the
        file being written is removed. ``shown_as``: the folder the error names instead of ``schema_dir``
        (when the files are written into a staging folder that is renamed afterwards).
        """
        texts: dict[str, bytes] = {}
        for otype, items in self._items.items():
            parts = []
            if self.preamble:
                parts.append("-- setting variables for current session")
                parts.extend(p.rstrip(";") + ";" for p in self.preamble)
                parts.append("")
            parts.extend(item + "\n" for item in items)
            texts[otype] = "\n".join(parts).encode("utf-8")
        needed = sum(len(t) for t in texts.values())
        written: dict[str, Path] = {}
        for otype, data in texts.items():
            path = self.schema_dir / OBJECT_FILES[otype]
            with diskfull.on_disk_full(
                (shown_as or self.schema_dir) / OBJECT_FILES[otype], needed, remove=[path]
            ):
                path.parent.mkdir(parents=True, exist_ok=True)
                diskfull.simulate(diskfull.FILE, path)
                path.write_bytes(data)
            written[otype] = path
        return written


@dataclass(frozen=True)
class SchemaStatement:
    """A statement read back from an exported file, with where it came from."""

    object_type: str
    path: Path
    statement: Statement

    @property
    def sql(self) -> str:
        return self.statement.sql

    @property
    def line(self) -> int:
        return self.statement.line


def read_schema_files(schema_dir: Path, object_types: list[str] | None = None) -> list[SchemaStatement]:
    """Every statement of the exported schema files, in import order (user edits included)."""
    out: list[SchemaStatement] = []
    for otype in object_types or IMPORT_ORDER:
        path = schema_dir / OBJECT_FILES[otype]
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ExportDirError(
                f"schema file {path} is not UTF-8 text (byte {exc.start})", fix="save it as UTF-8 and re-run"
            ) from None
        except OSError as exc:
            raise ExportDirError(
                f"cannot read schema file {path}: {exc.strerror}", fix="check that file and its permissions"
            ) from None
        for stmt in split_sql(text):
            out.append(SchemaStatement(otype, path, stmt))
    return out


def existing_object_types(schema_dir: Path) -> list[str]:
    """Object types whose file exists, in import order."""
    return [t for t in IMPORT_ORDER if (schema_dir / OBJECT_FILES[t]).is_file()]
