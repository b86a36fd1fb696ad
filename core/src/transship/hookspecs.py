"""Hook specifications: the reference for plugin authors.

A plugin is a module (or object) registered under the entry-point group ``transship`` whose functions
carry :data:`transship.hookimpl` and are named like the specs below. Implementations may accept fewer
arguments than a spec declares (pluggy's opt-in arguments), so specs can grow without breaking plugins.

Hooks register *records or classes*; behaviour lives on the classes (source adapters, rules, sinks).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from transship.adapters.base import AdapterRecord
    from transship.catalog import Column, Table

hookspec = pluggy.HookspecMarker("transship")


@hookspec
def transship_source_adapters() -> list[AdapterRecord]:
    """Declare source database adapters.

    :return: a list of :class:`transship.adapters.base.AdapterRecord` — ``name`` (the value of
        ``--source-db-type``, e.g. ``"mysql"``), ``class_path`` (``"module:Class"`` of a
        :class:`transship.adapters.base.SourceAdapter` subclass, imported only when used, so a missing
        database driver never breaks the CLI), a one-line ``description`` and ``options``: the
        connection settings only this source has (:class:`transship.adapters.base.ConnectionOption`; each
        becomes a flag of the commands that take ``--source-db-type``, a ``source:`` key of the config
        file and a key of ``DBConfig.options``).

    Schema extraction, data dumping and default type mapping are methods of the adapter class.
    Two plugins declaring the same name is an error that names both distributions.

    Example::

        @hookimpl
        def transship_source_adapters():
            return [AdapterRecord("sqlite", "transship_sqlite.adapter:SqliteAdapter", "SQLite files")]
    """


@hookspec(firstresult=True)
def transship_map_type(column: Column, table: Table, source_type: str, adapter: str) -> str | None:
    """Override the PostgreSQL type chosen for one column.

    Called for every column during ``export schema`` before the adapter's own rules; the first
    non-``None`` result wins; the adapter's own rules apply only when every implementation returns ``None``.

    :param column: the column (``column.source_type`` is the source's full type, e.g. ``int(10) unsigned``).
    :param table: the table that owns the column.
    :param source_type: the source type in lower case without modifiers (``"int"``, ``"varchar2"``).
    :param adapter: the adapter name (``"mysql"``, ``"oracle"``, ``"postgresql"``).
    :return: the PostgreSQL type text (e.g. ``"bigint"``), or ``None`` to leave the choice to others.

    Example — store every MySQL ``year`` as ``integer``::

        @hookimpl
        def transship_map_type(source_type, adapter):
            if adapter == "mysql" and source_type == "year":
                return "integer"
    """


@hookspec
def transship_analysis_rules() -> list[type[Any]]:
    """Declare analysis rules for ``analyze-schema``.

    :return: a list of rule classes (subclasses of :class:`transship.analysis.rule.Rule`): each has a
        ``code``, a dotted ``name``, ``groups``, a docstring whose first line is its description, an
        ``impact`` level, and a ``check()`` method yielding findings. See ``docs/writing-a-rule-pack.md``.
    """


@hookspec
def transship_import_sinks() -> list[type[Any]]:
    """Declare import targets.

    :return: a list of :class:`transship.sinks.base.ImportSink` subclasses; each has a ``name``
        (the value of ``--target-db-type``, e.g. ``"yugabytedb"``). Core registers ``postgresql`` and
        ``yugabytedb``; a duplicate name is an error naming both distributions.
    """


@hookspec
def transship_register_commands(cli: click.Group) -> None:
    """Add commands to the ``transship`` CLI.

    :param cli: the root :class:`click.Group`; call ``cli.add_command(...)`` or decorate with
        ``@cli.command()``. Called once, when the CLI starts.
    """
