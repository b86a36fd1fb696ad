"""The public surface of transship for adapter and rule-pack authors: import from here, nothing else of core.

Everything a source adapter, an import sink or an analysis rule pack needs is named here, and only here is a
promise: core modules behind it may move between releases, these names do not change without a new
:data:`SDK_VERSION` and a note in ``docs/plugins.md#sdk-versions``. The project's own adapters and rule packs
import only this module (import-linter contracts in ``.importlinter`` check it in ``bash scripts/test.sh``).

Groups (see ``docs/plugins.md`` for each):

- plugin hooks: :data:`hookimpl`, :class:`AdapterRecord`, :class:`ConnectionOption`;
- the adapter contract: :class:`SourceAdapter`, :class:`DataSnapshot`, :class:`TableReader`, :class:`ExportTable`,
  :class:`SequenceValue`, :class:`DataExportOptions`, :class:`SchemaExportOptions`, :class:`SchemaExportResult`,
  :func:`conversion_finding`, chunked export of big tables (:class:`Chunk`, :class:`ChunkTarget`,
  :func:`key_chunks`), generic data export over Python rows (:class:`RowsReader`,
  :class:`ListedSnapshot`, :func:`listed_tables`, :func:`identity_values`); connections: :class:`DBConfig`, :func:`supply_password`, :func:`pg_connect`,
  :func:`pg_conninfo_kwargs`, :func:`pg_libpq_env`;
- the catalog model and DDL: :class:`Catalog`, :class:`Table`, :class:`Column`, :class:`Constraint`,
  :class:`Index`, :class:`Partitioning`, :class:`Sequence`, :class:`View`, :class:`Routine`, :class:`EnumType`,
  :func:`write_catalog`, :func:`add_identity`, :func:`plain_default`, :func:`as_declared`, :func:`check_expressions`, :class:`SchemaWriter`, :data:`OBJECT_FILES`, :func:`unconverted_block`, :func:`literal`,
  :func:`quote_ident`, :func:`always_quote`, :func:`split_sql`;
- type mapping: :class:`TypeRule`, :class:`SourceType`, :class:`TypeMapper`, :func:`column_globs`,
  :data:`NO_MATCH_RULE`, :data:`PLAIN_GENERATED_KEY`;
- rows through a client program in a child process: :mod:`children` (driver setting, parent-death command,
  raw pipe, one-time warning);
- COPY text: :mod:`copyline` (Python values as fields with ``copy_field``, cursor rows as lines with
  ``write_rows``, escaping, hex, line limits, row names in errors);
- errors: :class:`TransshipError`, :class:`ConfigError`, :class:`ConnectionFailed`, :class:`ExportFailed`,
  :class:`DataFileError`;
- verify: :class:`ContentSource`, :class:`ContentReader`, :class:`TableSpec`, :class:`ColumnSpec`,
  :class:`RowValues`, :data:`Digests`, :func:`unpaired_columns`, :class:`ChunkPlan`, :func:`span_where`,
  :data:`INTEGER_LIMIT`, the canonical forms (:data:`NULL_MARK`, :data:`SEPARATOR`, :data:`HASH_HEX`,
  :data:`TEXT_INLINE_BYTES`, :func:`text_reference`, :func:`float_reference`), :class:`MemoryContentReader`,
  :class:`MemoryTable`, :func:`python_piece` (canonical pieces of Python values), :class:`Uncomparable`,
  :data:`PYTHON_KINDS`, :class:`PythonContentSource` (verify for sources read as Python values),
  :class:`PgContentSource`, :func:`count_rows`, the row hashes (:data:`ROW_HASHES`,
  :data:`PROBE_TEXT`);
- import sinks: :class:`ImportSink`;
- analysis rules: :class:`Rule` (``targets``: a subset of :data:`TARGET_TYPES`, i.e. :data:`TARGET_POSTGRESQL`
  and :data:`TARGET_YUGABYTEDB`; ``postgresql_since``; :class:`PGVersion`), :class:`Finding`, :class:`Impact`, :class:`Category`,
  :class:`AnalysedStatement`, :class:`AnalysisContext`, :class:`TableInfo`, :class:`ColumnInfo`,
  :class:`Comment`, :func:`rule_anchor`, :func:`constraint_object` and the parse-tree helpers
  :func:`func_name`, :func:`type_name`, :func:`range_var_name`, :func:`strings`, :func:`is_array`,
  :func:`defelem_value`, :func:`object_type_name`, :func:`parse_type_signature`, :func:`pg_object_name`.

Names are loaded on first use (``transship --help`` stays fast with every plugin installed).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

SDK_VERSION = "2.1"
"""Major.minor: the major number changes when a name is removed or changes meaning."""

# name -> (module, attribute in it; None: the module itself)
_EXPORTS: dict[str, tuple[str, str | None]] = {
    "AdapterRecord": ("transship.adapters.base", "AdapterRecord"),
    "ConnectionOption": ("transship.adapters.base", "ConnectionOption"),
    "always_quote": ("transship.identifiers", "always_quote"),
    "AnalysedStatement": ("transship.analysis", "AnalysedStatement"),
    "AnalysisContext": ("transship.analysis", "AnalysisContext"),
    "Catalog": ("transship.catalog", "Catalog"),
    "Category": ("transship.analysis", "Category"),
    "Chunk": ("transship.adapters.base", "Chunk"),
    "ChunkPlan": ("transship.keyranges", "ChunkPlan"),
    "ChunkTarget": ("transship.adapters.base", "ChunkTarget"),
    "Column": ("transship.catalog", "Column"),
    "column_globs": ("transship.typemap", "column_globs"),
    "ColumnInfo": ("transship.analysis.context", "ColumnInfo"),
    "ColumnSpec": ("transship.verify.content", "ColumnSpec"),
    "Comment": ("transship.analysis.comments", "Comment"),
    "ConfigError": ("transship.errors", "ConfigError"),
    "ConnectionFailed": ("transship.errors", "ConnectionFailed"),
    "Constraint": ("transship.catalog", "Constraint"),
    "constraint_object": ("transship.analysis", "constraint_object"),
    "ContentReader": ("transship.verify.content", "ContentReader"),
    "ContentSource": ("transship.verify.content", "ContentSource"),
    "conversion_finding": ("transship.adapters.base", "conversion_finding"),
    "copyline": ("transship.exporter.copyline", None),
    "count_rows": ("transship.verify", "count_rows"),
    "DataExportOptions": ("transship.adapters.base", "DataExportOptions"),
    "DataFileError": ("transship.errors", "DataFileError"),
    "DataSnapshot": ("transship.adapters.base", "DataSnapshot"),
    "DBConfig": ("transship.dbconfig", "DBConfig"),
    "defelem_value": ("transship.analysis.nodes", "defelem_value"),
    "Digests": ("transship.verify.content", "Digests"),
    "EnumType": ("transship.catalog", "EnumType"),
    "ExportFailed": ("transship.errors", "ExportFailed"),
    "ExportTable": ("transship.adapters.base", "ExportTable"),
    "Finding": ("transship.analysis", "Finding"),
    "float_reference": ("transship.verify.canonical", "float_reference"),
    "func_name": ("transship.analysis.nodes", "func_name"),
    "HASH_HEX": ("transship.verify.canonical", "HASH_HEX"),
    "PROBE_TEXT": ("transship.verify.canonical", "PROBE_TEXT"),
    "ROW_HASHES": ("transship.verify.canonical", "ROW_HASHES"),
    "hookimpl": ("transship", "hookimpl"),
    "Impact": ("transship.analysis", "Impact"),
    "Index": ("transship.catalog", "Index"),
    "INTEGER_LIMIT": ("transship.keyranges", "INTEGER_LIMIT"),
    "is_array": ("transship.analysis.nodes", "is_array"),
    "key_chunks": ("transship.adapters.base", "key_chunks"),
    "children": ("transship.exporter.children", None),
    "literal": ("transship.ddl", "literal"),
    "MemoryContentReader": ("transship.verify.memory", "MemoryContentReader"),
    "MemoryTable": ("transship.verify.memory", "MemoryTable"),
    "PythonContentSource": ("transship.verify.memory", "PythonContentSource"),
    "RowsReader": ("transship.adapters.rows", "RowsReader"),
    "ListedSnapshot": ("transship.adapters.rows", "ListedSnapshot"),
    "listed_tables": ("transship.adapters.rows", "listed_tables"),
    "identity_values": ("transship.adapters.rows", "identity_values"),
    "python_piece": ("transship.verify.memory", "python_piece"),
    "Uncomparable": ("transship.verify.memory", "Uncomparable"),
    "PYTHON_KINDS": ("transship.verify.memory", "PYTHON_KINDS"),
    "NO_MATCH_RULE": ("transship.typemap", "NO_MATCH_RULE"),
    "NULL_MARK": ("transship.verify.canonical", "NULL_MARK"),
    "OBJECT_FILES": ("transship.schema_files", "OBJECT_FILES"),
    "object_type_name": ("transship.analysis.nodes", "object_type_name"),
    "parse_type_signature": ("transship.analysis.nodes", "parse_type_signature"),
    "Partitioning": ("transship.catalog", "Partitioning"),
    "pg_connect": ("transship.pgconn", "connect"),
    "pg_conninfo_kwargs": ("transship.pgconn", "conninfo_kwargs"),
    "pg_libpq_env": ("transship.pgconn", "libpq_env"),
    "PgContentSource": ("transship.verify.postgres", "PgContentSource"),
    "ImportSink": ("transship.sinks.base", "ImportSink"),
    "PLAIN_GENERATED_KEY": ("transship.typemap", "PLAIN_GENERATED_KEY"),
    "quote_ident": ("transship.identifiers", "quote_ident"),
    "range_var_name": ("transship.analysis.nodes", "range_var_name"),
    "pg_object_name": ("transship.analysis.nodes", "pg_object_name"),
    "Routine": ("transship.catalog", "Routine"),
    "RowValues": ("transship.verify.content", "RowValues"),
    "Rule": ("transship.analysis", "Rule"),
    "rule_anchor": ("transship.analysis.catalogue", "rule_anchor"),
    "SchemaExportOptions": ("transship.adapters.base", "SchemaExportOptions"),
    "SchemaExportResult": ("transship.adapters.base", "SchemaExportResult"),
    "SchemaWriter": ("transship.schema_files", "SchemaWriter"),
    "SEPARATOR": ("transship.verify.canonical", "SEPARATOR"),
    "Sequence": ("transship.catalog", "Sequence"),
    "SequenceValue": ("transship.adapters.base", "SequenceValue"),
    "SourceAdapter": ("transship.adapters.base", "SourceAdapter"),
    "SourceType": ("transship.typemap", "SourceType"),
    "span_where": ("transship.keyranges", "span_where"),
    "split_sql": ("transship.sqlsplit", "split_sql"),
    "strings": ("transship.analysis.nodes", "strings"),
    "supply_password": ("transship.credentials", "supply"),
    "Table": ("transship.catalog", "Table"),
    "TableInfo": ("transship.analysis.context", "TableInfo"),
    "TableReader": ("transship.adapters.base", "TableReader"),
    "TableSpec": ("transship.verify.content", "TableSpec"),
    "TARGET_POSTGRESQL": ("transship.analysis.version", "POSTGRESQL"),
    "TARGET_TYPES": ("transship.analysis.version", "TARGET_TYPES"),
    "TARGET_YUGABYTEDB": ("transship.analysis.version", "YUGABYTEDB"),
    "PGVersion": ("transship.analysis.version", "PGVersion"),
    "TEXT_INLINE_BYTES": ("transship.verify.canonical", "TEXT_INLINE_BYTES"),
    "text_reference": ("transship.verify.canonical", "text_reference"),
    "TransshipError": ("transship.errors", "TransshipError"),
    "type_name": ("transship.analysis.nodes", "type_name"),
    "TypeMapper": ("transship.typemap", "TypeMapper"),
    "TypeRule": ("transship.typemap", "TypeRule"),
    "unconverted_block": ("transship.ddl", "unconverted_block"),
    "unpaired_columns": ("transship.verify.content", "unpaired_columns"),
    "View": ("transship.catalog", "View"),
    "add_identity": ("transship.catalog", "add_identity"),
    "plain_default": ("transship.ddl", "plain_default"),
    "as_declared": ("transship.ddl", "as_declared"),
    "check_expressions": ("transship.ddl", "check_expressions"),
    "write_catalog": ("transship.ddl", "write_catalog"),
}

__all__ = ["SDK_VERSION", *_EXPORTS]


def __getattr__(name: str) -> Any:
    where = _EXPORTS.get(name)
    if where is None:
        raise AttributeError(f"transship.sdk has no {name!r} (see docs/plugins.md for what it offers)")
    module = importlib.import_module(where[0])
    value = module if where[1] is None else getattr(module, where[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from transship import hookimpl as hookimpl
    from transship.adapters.base import AdapterRecord as AdapterRecord
    from transship.adapters.base import Chunk as Chunk
    from transship.adapters.base import ChunkTarget as ChunkTarget
    from transship.adapters.base import ConnectionOption as ConnectionOption
    from transship.adapters.base import DataExportOptions as DataExportOptions
    from transship.adapters.base import DataSnapshot as DataSnapshot
    from transship.adapters.base import ExportTable as ExportTable
    from transship.adapters.base import SchemaExportOptions as SchemaExportOptions
    from transship.adapters.base import SchemaExportResult as SchemaExportResult
    from transship.adapters.base import SequenceValue as SequenceValue
    from transship.adapters.base import SourceAdapter as SourceAdapter
    from transship.adapters.base import TableReader as TableReader
    from transship.adapters.base import conversion_finding as conversion_finding
    from transship.adapters.base import key_chunks as key_chunks
    from transship.adapters.rows import ListedSnapshot as ListedSnapshot
    from transship.adapters.rows import RowsReader as RowsReader
    from transship.adapters.rows import identity_values as identity_values
    from transship.adapters.rows import listed_tables as listed_tables
    from transship.analysis import AnalysedStatement as AnalysedStatement
    from transship.analysis import AnalysisContext as AnalysisContext
    from transship.analysis import Category as Category
    from transship.analysis import Finding as Finding
    from transship.analysis import Impact as Impact
    from transship.analysis import Rule as Rule
    from transship.analysis import constraint_object as constraint_object
    from transship.analysis.catalogue import rule_anchor as rule_anchor
    from transship.analysis.comments import Comment as Comment
    from transship.analysis.context import ColumnInfo as ColumnInfo
    from transship.analysis.context import TableInfo as TableInfo
    from transship.analysis.nodes import defelem_value as defelem_value
    from transship.analysis.nodes import func_name as func_name
    from transship.analysis.nodes import is_array as is_array
    from transship.analysis.nodes import object_type_name as object_type_name
    from transship.analysis.nodes import parse_type_signature as parse_type_signature
    from transship.analysis.nodes import pg_object_name as pg_object_name
    from transship.analysis.nodes import range_var_name as range_var_name
    from transship.analysis.nodes import strings as strings
    from transship.analysis.nodes import type_name as type_name
    from transship.analysis.version import POSTGRESQL as TARGET_POSTGRESQL  # noqa: F401 - exported (see _EXPORTS)
    from transship.analysis.version import TARGET_TYPES as TARGET_TYPES
    from transship.analysis.version import YUGABYTEDB as TARGET_YUGABYTEDB  # noqa: F401 - exported (see _EXPORTS)
    from transship.analysis.version import PGVersion as PGVersion
    from transship.catalog import Catalog as Catalog
    from transship.catalog import Column as Column
    from transship.catalog import Constraint as Constraint
    from transship.catalog import EnumType as EnumType
    from transship.catalog import Index as Index
    from transship.catalog import Partitioning as Partitioning
    from transship.catalog import Routine as Routine
    from transship.catalog import Sequence as Sequence
    from transship.catalog import Table as Table
    from transship.catalog import View as View
    from transship.catalog import add_identity as add_identity
    from transship.credentials import supply as supply_password  # noqa: F401 - exported (see _EXPORTS)
    from transship.dbconfig import DBConfig as DBConfig
    from transship.ddl import as_declared as as_declared
    from transship.ddl import check_expressions as check_expressions
    from transship.ddl import literal as literal
    from transship.ddl import plain_default as plain_default
    from transship.ddl import unconverted_block as unconverted_block
    from transship.ddl import write_catalog as write_catalog
    from transship.errors import ConfigError as ConfigError
    from transship.errors import ConnectionFailed as ConnectionFailed
    from transship.errors import DataFileError as DataFileError
    from transship.errors import ExportFailed as ExportFailed
    from transship.errors import TransshipError as TransshipError
    from transship.exporter import children as children
    from transship.exporter import copyline as copyline
    from transship.identifiers import always_quote as always_quote
    from transship.identifiers import quote_ident as quote_ident
    from transship.keyranges import INTEGER_LIMIT as INTEGER_LIMIT
    from transship.keyranges import ChunkPlan as ChunkPlan
    from transship.keyranges import span_where as span_where
    from transship.pgconn import connect as pg_connect  # noqa: F401 - exported (see _EXPORTS)
    from transship.pgconn import conninfo_kwargs as pg_conninfo_kwargs  # noqa: F401 - exported (see _EXPORTS)
    from transship.pgconn import libpq_env as pg_libpq_env  # noqa: F401 - exported (see _EXPORTS)
    from transship.schema_files import OBJECT_FILES as OBJECT_FILES
    from transship.schema_files import SchemaWriter as SchemaWriter
    from transship.sinks.base import ImportSink as ImportSink
    from transship.sqlsplit import split_sql as split_sql
    from transship.typemap import NO_MATCH_RULE as NO_MATCH_RULE
    from transship.typemap import PLAIN_GENERATED_KEY as PLAIN_GENERATED_KEY
    from transship.typemap import SourceType as SourceType
    from transship.typemap import TypeMapper as TypeMapper
    from transship.typemap import TypeRule as TypeRule
    from transship.typemap import column_globs as column_globs
    from transship.verify import count_rows as count_rows
    from transship.verify.canonical import HASH_HEX as HASH_HEX
    from transship.verify.canonical import NULL_MARK as NULL_MARK
    from transship.verify.canonical import PROBE_TEXT as PROBE_TEXT
    from transship.verify.canonical import ROW_HASHES as ROW_HASHES
    from transship.verify.canonical import SEPARATOR as SEPARATOR
    from transship.verify.canonical import TEXT_INLINE_BYTES as TEXT_INLINE_BYTES
    from transship.verify.canonical import float_reference as float_reference
    from transship.verify.canonical import text_reference as text_reference
    from transship.verify.content import ColumnSpec as ColumnSpec
    from transship.verify.content import ContentReader as ContentReader
    from transship.verify.content import ContentSource as ContentSource
    from transship.verify.content import Digests as Digests
    from transship.verify.content import RowValues as RowValues
    from transship.verify.content import TableSpec as TableSpec
    from transship.verify.content import unpaired_columns as unpaired_columns
    from transship.verify.memory import PYTHON_KINDS as PYTHON_KINDS
    from transship.verify.memory import MemoryContentReader as MemoryContentReader
    from transship.verify.memory import MemoryTable as MemoryTable
    from transship.verify.memory import PythonContentSource as PythonContentSource
    from transship.verify.memory import Uncomparable as Uncomparable
    from transship.verify.memory import python_piece as python_piece
    from transship.verify.postgres import PgContentSource as PgContentSource
