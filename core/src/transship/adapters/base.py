"""The source adapter contract.

A source adapter is a class registered through the ``transship_source_adapters`` hook. Core drives it:
``export schema`` calls :meth:`SourceAdapter.export_schema`, ``export data`` calls
:meth:`SourceAdapter.begin_data_export` and then copies tables in parallel through
:class:`TableReader` objects, each bound to the same consistent snapshot.

A snapshot may split big tables into :class:`Chunk` s (optional: :meth:`DataSnapshot.plan_chunks` and
:meth:`TableReader.copy_chunk`); core then copies each chunk into a file of its own, in parallel.

Data is exchanged in PostgreSQL COPY text format (TAB between columns, ``\\N`` for NULL, backslash
escapes, one line per row), so the importer streams bytes without parsing values.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from transship.dbconfig import DBConfig
from transship.errors import ConfigError
from transship.keyranges import plan_ranges
from transship.schema_files import SchemaWriter

if TYPE_CHECKING:
    from transship.verify.content import ContentSource


@dataclass(frozen=True)
class ConnectionOption:
    """A source connection setting an adapter declares for itself (in its :class:`AdapterRecord`).

    ``name`` (``"oracle-db-sid"``) is at once the flag (``--oracle-db-sid``, added to every command that takes
    ``--source-db-type``), the config-file key (``source.oracle-db-sid``) and, with ``_`` for ``-``, the key
    of :attr:`transship.dbconfig.DBConfig.options` the adapter reads (``config.option("oracle_db_sid")``).
    ``env``: an environment variable that supplies it (a flag beats it; it beats the config file, as
    ``SOURCE_DB_PASSWORD`` does). Values are text.
    """

    name: str
    help: str = ""
    env: str | None = None
    #: accepted and stored but not shown in ``--help`` (voyager settings an adapter does not use)
    hidden: bool = False

    @property
    def key(self) -> str:
        """The key in :attr:`DBConfig.options` and in click's parameters."""
        return self.name.replace("-", "_")


@dataclass(frozen=True)
class AdapterRecord:
    """What a plugin declares: the adapter's name, where its class lives, a one-line description and the
    connection settings of its own (:class:`ConnectionOption`)."""

    name: str
    class_path: str
    description: str = ""
    options: tuple[ConnectionOption, ...] = ()

    def load(self) -> type[SourceAdapter]:
        """Import and return the adapter class (raises ConfigError naming the missing module)."""
        module_name, _, attr = self.class_path.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ConfigError(
                f"source adapter '{self.name}' cannot be loaded: {exc}",
                fix=f"install its driver, e.g. pip install transship-{self.name}",
            ) from exc
        cls = getattr(module, attr)
        if not (isinstance(cls, type) and issubclass(cls, SourceAdapter)):
            raise ConfigError(f"{self.class_path} is not a SourceAdapter subclass")
        return cls


# What a requested object type brings when the adapter passes no map of its own to SchemaExportOptions.wanted().
_TABLE_BRINGS: Mapping[str, tuple[str, ...]] = MappingProxyType({"TABLE": ("TYPE", "SEQUENCE", "COMMENT")})


@dataclass
class SchemaExportOptions:
    """Options of ``export schema``."""

    object_types: list[str] | None = None  # None = all the adapter supports
    exclude_object_types: list[str] = field(default_factory=list)
    comments_on_objects: bool = False
    temp_dir: str | None = None

    def wanted(
        self,
        all_types: Iterable[str],
        implied: Mapping[str, Iterable[str]] | None = None,
        always: Iterable[str] = (),
        *,
        exclude_first: bool = False,
    ) -> set[str]:
        """The object types to write, of the adapter's ``all_types``: the one place every adapter decides it.

        1. the request: ``--object-type-list``, else ``all_types`` (with ``exclude_first``: minus
           ``--exclude-object-type-list``);
        2. plus what each requested type brings, ``implied`` (type -> types; one level, not transitive), by
           default ``{"TABLE": ("TYPE", "SEQUENCE", "COMMENT")}``: a table brings its enum types, its sequences
           and its comments (an adapter's own map replaces it);
        3. plus ``always``: types every export writes, whatever the list (PostgreSQL: schemas, collations and
           extensions, as pg_dump does);
        4. COMMENT only with ``--comments-on-objects``;
        5. minus ``--exclude-object-type-list``: an excluded type is never written.

        ``exclude_first`` is for types that make sense only with the type that brings them: an excluded type
        then brings nothing (Oracle: ``--exclude-object-type-list TABLE`` writes no comments on tables). Without
        it what a type brings follows the request before the exclusion: an excluded TABLE still brings TYPE,
        SEQUENCE and COMMENT (unless they are excluded themselves).
        """
        excluded = set(self.exclude_object_types)
        requested = set(self.object_types) if self.object_types else set(all_types)
        if exclude_first:
            requested -= excluded
        brings = _TABLE_BRINGS if implied is None else implied
        wanted = requested | set(always)
        for otype in requested:
            wanted.update(brings.get(otype, ()))
        if not self.comments_on_objects:
            wanted.discard("COMMENT")
        return wanted - excluded


@dataclass
class SchemaExportResult:
    """What ``export schema`` produced, for its summary."""

    counts: dict[str, int] = field(default_factory=dict)  # object type -> number of objects
    notes: list[str] = field(default_factory=list)
    # Lossy or guessed type mappings and unconverted objects, shown by analyze-schema.
    findings: list[dict[str, str]] = field(default_factory=list)


# The kinds of conversion notes, each reported by the hygiene rule pack (an unknown kind is refused, never dropped).
# The rules check every note against the current schema files, so the edit loop clears what the user fixed:
# - lossy_type_mapping / guessed_type_mapping: object_name "table.column"; cleared when the column's type changes;
# - lossy_conversion / guessed_conversion: an object that IS created, with a loss or a guess (e.g. a FULLTEXT
#   index made GIN, a BITMAP index made btree, a rewritten view); cleared when the object is gone;
# - unconverted_object: no statement creates the object (it is kept as an unconverted comment block, or missing);
#   cleared once a statement creates it. A partly converted object carries "-- review: <reason>" lines whose text
#   equals the note's reason, and keeps being reported until the user deletes them.
FINDING_KINDS = (
    "lossy_type_mapping", "guessed_type_mapping", "lossy_conversion", "guessed_conversion", "unconverted_object",
)  # fmt: skip


def conversion_finding(
    kind: str,
    object_type: str,
    name: str,
    reason: str,
    suggestion: str = "",
    rule: str = "",
    source_type: str = "",
    target_type: str = "",
) -> dict[str, str]:
    """One entry of :attr:`SchemaExportResult.findings`, in the shape ``analyze-schema`` reads.

    :param kind: one of :data:`FINDING_KINDS`.
    """
    if kind not in FINDING_KINDS:
        raise ValueError(f"unknown finding kind {kind!r}")
    return {
        "kind": kind, "object_type": object_type, "object_name": name, "rule": rule, "reason": reason,
        "suggestion": suggestion, "source_type": source_type, "target_type": target_type,
    }  # fmt: skip


@dataclass
class ExportTable:
    """One table (or leaf partition) to dump.

    ``schema``/``name`` identify it in the source; ``target_schema``/``target_name`` is where its rows go
    (``target_schema`` is ``None`` when the target schema is chosen at import, as for MySQL and Oracle;
    leaf partitions name their root so rows are routed on the target).
    """

    schema: str
    name: str
    columns: list[str]
    target_schema: str | None
    target_name: str
    row_estimate: int = 0
    key: tuple[str, ...] = ()  # primary-key columns, for verification ordering


@dataclass
class SequenceValue:
    """The value a sequence must continue from on the target (``setval(seq, last_value, is_called)``)."""

    schema: str | None
    name: str
    last_value: int
    is_called: bool = True


@dataclass(frozen=True)
class ChunkTarget:
    """How big one chunk of a table should be: about ``rows`` rows or ``bytes`` bytes (of the source's storage),
    whichever comes first. A table estimated at one chunk or less is copied whole."""

    rows: int = 250_000
    bytes: int = 64 << 20

    def chunk_rows(self, rows: int, size: int) -> int:
        """Rows per chunk for a table of about ``rows`` rows in ``size`` bytes (at least 1)."""
        per = max(1, self.rows)
        if rows > 0 and size > 0 and self.bytes > 0:
            per = min(per, max(1, self.bytes * rows // size))
        return per

    def chunk_count(self, rows: int, size: int) -> int:
        """How many chunks a table of about ``rows`` rows in ``size`` bytes is split into (1: copied whole)."""
        if rows <= 0:
            return 1
        return max(1, -(-rows // self.chunk_rows(rows, size)))


@dataclass(frozen=True)
class Chunk:
    """One part of a table, copied by one reader into a file of its own.

    ``number`` is its place (0-based) among the ``count`` chunks of the table's plan. ``kind``:

    - ``"key"``: the rows whose integer column ``column`` (in practice the primary key or its first column) is
      ``lo <= value < hi``; ``None`` leaves a side open (the first chunk has no ``lo``, the last no ``hi``, so
      every row falls into exactly one chunk whatever keys were added since the plan). The same bounds mean the
      same rows at any snapshot: a resumed export keeps the chunks an interrupted run finished and reads the
      others at its own snapshot.
    - any other kind (PostgreSQL's ``"ctid"``: ``lo``/``hi`` are block numbers) is a physical range, meaningful
      only in the snapshot that planned it: a table so planned is exported again whole when it was interrupted.
    """

    number: int
    count: int
    kind: str = "key"
    lo: int | None = None
    hi: int | None = None
    column: str = ""

    @property
    def resumable(self) -> bool:
        """Whether the chunk selects the same rows at another snapshot (``kind == "key"``)."""
        return self.kind == "key"

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "count": self.count, "kind": self.kind, "lo": self.lo, "hi": self.hi,
                "column": self.column}  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Chunk:
        return cls(int(data["number"]), int(data["count"]), str(data.get("kind") or "key"),
                   data.get("lo"), data.get("hi"), str(data.get("column") or ""))  # fmt: skip


def key_chunks(
    column: str, lo: int | None, hi: int | None, rows: int, rows_per_chunk: int
) -> list[Chunk] | None:
    """Key-range chunks over the integer ``column`` whose values run from ``lo`` to ``hi`` (inclusive) in about
    ``rows`` rows: equal-width ranges of about ``rows_per_chunk`` rows (the planner of ``verify``,
    :func:`transship.keyranges.plan_ranges`), the first open below and the last open above; None when that is
    one chunk."""
    plan = plan_ranges(lo, hi, rows, rows_per_chunk)
    if plan.count <= 1:
        return None
    return [Chunk(b, plan.count, "key", *plan.spans([b])[0], column=column) for b in range(plan.count)]


@dataclass
class DataExportOptions:
    """Options of ``export data``; ``include`` decides whether a (schema, table) is exported."""

    include: Callable[[str, str], bool] = lambda schema, table: True
    parallel_jobs: int = 4


class TableReader(ABC):
    """A connection bound to the export snapshot; one per worker thread."""

    @abstractmethod
    def copy_table(
        self, table: ExportTable, write: Callable[[bytes | bytearray | memoryview], object]
    ) -> None:
        """Write every row of ``table`` to ``write`` in COPY text format (each row ends with ``\\n``)."""

    def copy_chunk(
        self, table: ExportTable, chunk: Chunk, write: Callable[[bytes | bytearray | memoryview], object]
    ) -> None:
        """Write the rows of one chunk of ``table`` (planned by :meth:`DataSnapshot.plan_chunks`, maybe by an
        earlier run for a ``key`` chunk) like :meth:`copy_table` does. Needed only by a snapshot that plans
        chunks."""
        raise NotImplementedError(f"{type(self).__name__} cannot copy a chunk of a table")

    def close(self) -> None:
        """Release the connection."""


class DataSnapshot(ABC):
    """A consistent point in time of the source, shared by every reader."""

    tables: list[ExportTable]
    sequences: list[SequenceValue]
    consistency: str = "snapshot"  # human words for how consistent the copy is

    @abstractmethod
    def open_reader(self) -> TableReader:
        """Open a reader that sees exactly this snapshot."""

    def plan_chunks(self, table: ExportTable, target: ChunkTarget) -> list[Chunk] | None:
        """Optional: split ``table`` into chunks of about ``target``'s size (from the source's statistics), each
        copied by :meth:`TableReader.copy_chunk` into a file of its own, so one big table is read by several
        readers at once. Every row must fall into exactly one chunk, at this snapshot (and, for ``key`` chunks,
        at any other). Called from one thread, before the readers copy anything. None (the default, and for a
        table of one chunk or less): the table is copied whole by :meth:`TableReader.copy_table`.

        Core opens one reader per file to write (chunks counted), up to ``parallel_jobs``: a snapshot that opens
        its readers up front must open ``parallel_jobs`` of them when a table may be in chunks (planned now or
        by an earlier run)."""
        return None

    def close(self) -> None:
        """End the snapshot (after every reader has finished)."""

    def __enter__(self) -> DataSnapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SourceAdapter(ABC):
    """Base class of source adapters. Subclasses set the class attributes and implement the methods.

    :cvar name: ``--source-db-type`` value.
    :cvar default_port: port used when ``--source-db-port`` is not given (None: the source has none).
    :cvar schema_arity: ``"many"`` (comma list allowed), ``"one"`` (exactly one) or ``"none"`` (flag rejected).
    :cvar object_types: object types ``export schema`` can write (voyager's names, e.g. ``TABLE``).
    :cvar supports_scripts: the adapter converts SQL scripts without a database (``--source-ddl-file``).
    """

    name: ClassVar[str]
    default_port: ClassVar[int | None] = None  # None: a source without a port (a file)
    schema_arity: ClassVar[str] = "many"
    object_types: ClassVar[tuple[str, ...]] = ()
    supports_scripts: ClassVar[bool] = (
        False  # True: --source-ddl-file/--source-data-file work without a database
    )

    def __init__(self, config: DBConfig) -> None:
        self.config = config
        if not config.port:
            config.port = self.default_port
        # Set by core before use: script-mode inputs (Oracle) and the config file's `type-mapping:` section.
        self.source_ddl_files: list[str] = []
        self.source_data_files: list[str] = []
        self.type_mapping_config: dict[str, Any] | None = None

    def describe(self) -> str:
        """Where the data comes from, for messages (never includes the password); a source without a port
        (:attr:`default_port` None) is a file, named by ``--source-db-name``."""
        return self.config.describe() if self.default_port is not None else f"file {self.config.name}"

    def validate_config(self) -> None:
        """Reject flag combinations that make no sense for this source (one clear line each). A source without a
        port (:attr:`default_port` None) is a file: ``--source-db-name`` is made absolute, so later commands
        run from elsewhere find it."""
        if self.default_port is None and self.config.name:
            self.config.name = str(Path(self.config.name).expanduser().resolve())
        schemas = self.config.schemas()
        if self.schema_arity == "none" and schemas:
            raise ConfigError(
                f"--source-db-schema is not applicable for {self.name}",
                fix=f"drop --source-db-schema; a {self.name} database is migrated whole (choose the target schema with --target-db-schema at import)",
            )
        if self.schema_arity == "one" and len(schemas) != 1:
            raise ConfigError(
                f"{self.name} needs exactly one --source-db-schema (got {len(schemas)})",
                fix="pass one schema, e.g. --source-db-schema HR",
            )

    @abstractmethod
    def check_connection(self) -> str:
        """Connect once and return the server version; raise ConnectionFailed with a fix otherwise."""

    @abstractmethod
    def export_schema(self, writer: SchemaWriter, options: SchemaExportOptions) -> SchemaExportResult:
        """Write the source schema, converted to PostgreSQL, through ``writer``."""

    @abstractmethod
    def begin_data_export(self, options: DataExportOptions) -> DataSnapshot:
        """Open a consistent snapshot and list the tables (with columns) and sequences to export."""

    def count_rows(self, tables: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Exact row counts of source tables, for ``verify``: ``(schema, name)`` as in :class:`ExportTable`.

        Raise :class:`NotImplementedError` when the source cannot be counted (e.g. Oracle scripts).
        """
        raise NotImplementedError(f"the {self.name} adapter cannot count source rows")

    def content_source(self) -> ContentSource:
        """The source's side of ``verify``'s content comparison (:mod:`transship.verify.content`).

        Return an object that pairs each target table with the source table and computes canonical row
        digests inside the source database. Raise :class:`NotImplementedError` (the default) when the
        adapter cannot: ``verify`` then compares counts only and says so.
        """
        raise NotImplementedError(f"the {self.name} adapter has no content digests")

    def default_target_schema(self) -> str | None:
        """Target schema when ``--target-db-schema`` is not given (None: keep source schema names)."""
        return None if self.schema_arity == "many" else "public"
