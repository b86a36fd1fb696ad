"""``transship`` command line: yb-voyager's commands and flags."""

from __future__ import annotations

import json
import os
import sys
import warnings

import click

from transship import __version__
from transship.cli.options import (
    BOOL,
    _compose,
    add_connection_options,
    bool_flag,
    global_options,
    hide_passwords_from_ps,
    positive_int,
    run_command,
    source_options,
    target_options,
)


def _lazy(module: str, options: str, func: str = "run"):
    """The step ``transship.steps.<module>.<func>``, given its options from the command's flags; imported only
    when the command runs (keeps ``--help`` fast)."""

    def call(ctx, params):
        import importlib

        from transship.steps import options as opts

        step = getattr(importlib.import_module(f"transship.steps.{module}"), func)
        return step(ctx, opts.from_params(getattr(opts, options), params))

    call.__name__ = f"{module}_{func}"
    return call


class HelpGroup(click.Group):
    """A group whose command list shows each command's whole first sentence, wrapped, never cut with "..."."""

    group_class = type  # subgroups are HelpGroups too

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=1_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=HelpGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110}
)
@click.version_option(__version__, "--version", prog_name="transship")
def cli() -> None:
    """transship — migrate PostgreSQL, MySQL/MariaDB, Oracle and SQLite databases into PostgreSQL and YugabyteDB.

    Sources are plugins: `transship plugins` lists the installed ones.

    Offline workflow: export schema → analyze-schema → (edit schema/) → export data → import schema →
    import data → finalize-schema-post-data-import → verify → end migration. Status at any time:
    export data status, import data status.
    """


# ---------------------------------------------------------------------------------------------- export
@cli.group("export")
def export_group() -> None:
    """Export schema or data from the source database."""


table_filters = [
    click.option("--table-list", help="Comma list of tables (globs * and ?; \"Quoted\" for case-sensitive names)."),
    click.option("--exclude-table-list", help="Comma list of tables to skip (same syntax)."),
    click.option("--table-list-file-path", type=click.Path(dir_okay=False), help="File with the table list (comma or line separated)."),
    click.option("--exclude-table-list-file-path", type=click.Path(dir_okay=False), help="File with tables to skip."),
]  # fmt: skip


@export_group.command("schema")
@global_options
@source_options
@bool_flag("--start-clean", "Delete an earlier exported schema (and reports) first.")
@click.option("--object-type-list", help="Only these object types (comma list, e.g. TABLE,VIEW).")
@click.option("--exclude-object-type-list", help="Skip these object types.")
@bool_flag("--comments-on-objects", "Export COMMENT ON statements.", default=True)
@bool_flag("--run-guardrails-checks", "Check versions and privileges first.", default=True)
@bool_flag("--use-orafce", "Oracle/MySQL: allow orafce functions in converted code.", default=True)
@bool_flag("--skip-colocation-recommendations", "Accepted for voyager compatibility.")
@bool_flag("--skip-performance-recommendations", "Accepted for voyager compatibility.")
@click.option(
    "--source-ddl-file",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Oracle script mode: convert these DDL files instead of a live database (repeatable).",
)
@run_command("export schema", "export-schema", init=True)
def export_schema(ctx, params):
    """Export the source schema, converted to PostgreSQL, into schema/."""
    return _lazy("export_schema", "ExportSchemaOptions")(ctx, params)


@export_group.group("data", invoke_without_command=True)
@global_options
@source_options
@_compose(*table_filters)
@positive_int("--parallel-jobs", "Tables exported in parallel.", default=4)
@bool_flag("--start-clean", "Delete earlier exported data and start over.")
@bool_flag("--disable-pb", "No progress bars.")
@bool_flag("--run-guardrails-checks", "Check privileges first.", default=True)
@click.option(
    "--export-type", type=click.Choice(["snapshot-only"]), default="snapshot-only", show_default=True
)
@click.option(
    "--source-data-file",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Oracle script mode: INSERT scripts to turn into data files (repeatable).",
)
@click.option(
    "--source-ddl-file",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Oracle script mode: the DDL scripts given to export schema (tables and column types for the data).",
)
@run_command("export data", "export-data", init=True, scope="export")
def export_data(ctx, params):
    """Export table data from the source into data/ (COPY text files), all on one consistent snapshot."""
    return _lazy("export_data", "ExportDataOptions")(ctx, params)


@export_data.command("status")
@global_options
@click.option("--output-format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@run_command("export data status", "export-data-status", lock=False, needs_init=True)
def export_data_status(ctx, params):
    """Show per-table export progress (reads local state only)."""
    return _lazy("status", "StatusOptions", "export_status")(ctx, params)


# ---------------------------------------------------------------------------------------------- import
@cli.group("import")
def import_group() -> None:
    """Import schema or data into the target database."""


schema_import_options = [
    bool_flag("--continue-on-error", "Keep going after a failed statement; failures go to schema/failed.sql."),
    bool_flag("--ignore-exist", "Ignore 'already exists' errors (re-run after a crash)."),
    click.option("--object-type-list", help="Only these object types."),
    click.option("--exclude-object-type-list", help="Skip these object types."),
    bool_flag("--straight-order", "Apply object types in the order of --object-type-list."),
    bool_flag("--run-guardrails-checks", "Check target privileges first.", default=True),
    bool_flag("--enable-orafce", "Oracle: create the orafce extension when available.", default=True),
]  # fmt: skip


@import_group.command("schema")
@global_options
@target_options
@_compose(*schema_import_options)
@bool_flag("--start-clean", "Drop the target schemas (CASCADE) before importing (asks first).")
@bool_flag(
    "--post-snapshot-import", "Only add NOT VALID constraints (same as finalize-schema-post-data-import)."
)
@bool_flag("--refresh-mviews", "With --post-snapshot-import: refresh materialized views.")
@run_command("import schema", "import-schema", needs_init=True)
def import_schema(ctx, params):
    """Create the exported schema on the target, in dependency order."""
    return _lazy("import_schema", "ImportSchemaOptions")(ctx, params)


@cli.command("finalize-schema-post-data-import")
@global_options
@target_options
@bool_flag("--continue-on-error", "Keep going after a failed statement; failures go to schema/failed.sql.")
@bool_flag("--ignore-exist", "Ignore 'already exists' errors.")
@bool_flag("--refresh-mviews", "Refresh materialized views.")
@bool_flag("--run-guardrails-checks", "Check target privileges first.", default=True)
@run_command("finalize-schema-post-data-import", "finalize-schema-post-data-import", needs_init=True)
def finalize(ctx, params):
    """After import data: add NOT VALID constraints and refresh materialized views."""
    return _lazy("import_schema", "FinalizeOptions", "finalize")(ctx, params)


import_data_options = [
    *table_filters,
    positive_int("--parallel-jobs", "Connections loading batches in parallel (default: YugabyteDB: half the cluster's cores, 2 per node if unknown; PostgreSQL: min(4, CPUs))."),
    click.option("--batch-size", type=int, default=None, help="Rows per batch (default 20000 for YugabyteDB, 100000 for PostgreSQL)."),
    bool_flag("--start-clean", "Forget earlier import progress for the tables in scope."),
    bool_flag("--truncate-tables", "With --start-clean: TRUNCATE the tables in scope first."),
    click.option("--defer-index-creation", type=BOOL, is_flag=False, flag_value="true", default=None, metavar="[true|false]",
                 help="Drop plain secondary indexes of empty tables for the load and build them after it (default: true for PostgreSQL, false for YugabyteDB)."),
    bool_flag("--disable-pb", "No progress bars."),
    bool_flag("--run-guardrails-checks", "Check target privileges first.", default=True),
    bool_flag("--continue-on-error", "Accepted for voyager compatibility.", default=False),
    click.option("--error-policy-snapshot", type=click.Choice(["abort", "stash-and-continue"]), default="abort", show_default=True,
                 help="abort: a batch the target refuses stops the run. stash-and-continue: the batch is split until its bad rows are found; they go to data/errors/<table>/ and every other row loads."),
    click.option("--on-primary-key-conflict", type=click.Choice(["ERROR-POLICY", "IGNORE"], case_sensitive=False), default="ERROR-POLICY", show_default=True,
                 help="IGNORE: rows whose primary key the target already holds are skipped (counted), for loading into a table that already has rows."),
    bool_flag("--enable-upsert", "Rows whose primary key exists replace it: YugabyteDB's upsert mode; on PostgreSQL emulated with INSERT ... ON CONFLICT DO UPDATE through a staging table (slower)."),
    click.option("--adaptive-parallelism", type=click.Choice(["disabled", "balanced", "aggressive"]), default=None,
                 help="YugabyteDB: grow and shrink the connections with the nodes' CPU and memory (yb_servers_metrics()). Default: balanced on YugabyteDB, disabled on PostgreSQL."),
    click.option("--enable-adaptive-parallelism", type=BOOL, default=None, hidden=True, help="voyager's older flag: true is --adaptive-parallelism balanced."),
    click.option("--adaptive-parallelism-max", type=click.IntRange(min=1), default=None, help="Most connections adaptive parallelism may use (default: twice the starting parallelism)."),
    click.option("--target-endpoints", help="YugabyteDB: the nodes to load into, host:port,host:port (instead of yb_servers())."),
    bool_flag("--use-public-ip", "YugabyteDB: connect to the public_ip yb_servers() lists for each node."),
]  # fmt: skip


@import_group.group("data", invoke_without_command=True)
@global_options
@target_options
@_compose(*import_data_options)
@run_command("import data", "import-data", needs_init=True, scope="import")
def import_data(ctx, params):
    """Load data/ into the target: parallel, batched, exactly once, resumable after any crash."""
    return _lazy("import_data", "ImportDataOptions")(ctx, params)


@import_data.command("status")
@global_options
@click.option("--output-format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@run_command("import data status", "import-data-status", lock=False, needs_init=True)
def import_data_status(ctx, params):
    """Show per-table import progress (reads local state only; no database connection)."""
    return _lazy("status", "StatusOptions", "import_status")(ctx, params)


# ---------------------------------------------------------------------------------------------- analyze
@cli.command("analyze-schema")
@global_options
@click.option("--output-format", help="html, json, txt, xml or a comma list (default: html and json).")
@click.option(
    "--target-db-type", type=click.Choice(["postgresql", "yugabytedb"], case_sensitive=False), default=None,
    help="The target the report is for (default: the one import schema connected to, else yugabytedb).",
)  # fmt: skip
@click.option(
    "--target-db-version",
    help="The target's version: YugabyteDB e.g. 2024.2.0.0, PostgreSQL e.g. 15 or 16.2 (default: the one import "
    "schema connected to, else YugabyteDB 2024.2.0.0 or the newest PostgreSQL the parser knows).",
)
@click.option("--rules", help="Only these rules (codes, names or groups; globs).")
@click.option("--exclude-rules", help="Skip these rules (codes, names or groups; globs).")
@click.option(
    "--docs-base-url", envvar="TRANSSHIP_DOCS_BASE_URL",
    help="URL of a hosted copy of transship's docs/: the reports' docs links point there "
    "(default: reports/schema_analysis_rules.html beside the report).",
)  # fmt: skip
@run_command("analyze-schema", "analyze-schema", needs_init=True)
def analyze_schema(ctx, params):
    """Analyse the exported (and possibly edited) schema and write reports/schema_analysis_report.*."""
    return _lazy("analyze", "AnalyzeOptions")(ctx, params)


# ---------------------------------------------------------------------------------------------- verify
@cli.command(
    "verify", short_help="Prove the target holds what the source holds: counts, content, sequences, objects."
)
@global_options
@source_options
@target_options
@_compose(*table_filters)
@click.option("--output-format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option(
    "--max-differences", type=click.IntRange(min=0), default=10, show_default=True,
    help="Differing rows to locate and show per table.",
)  # fmt: skip
@bool_flag("--counts-only", "Compare row counts only (no content digests); exit 0 when the counts match.")
@click.option(
    "--sample-percent", type=click.FloatRange(min=0, max=100, min_open=True), default=None,
    help="Compare the content of this share of each table's chunks (picked at random); counts stay exact.",
)  # fmt: skip
@click.option(
    "--parallel-jobs", type=click.IntRange(min=1), default=None,
    help="Connections per side; a table with an integer key is read in that many key spans at once [default: 2].",
)  # fmt: skip
@bool_flag("--disable-pb", "No progress bars.")
@run_command("verify", "verify", needs_init=True)
def verify(ctx, params):
    """Prove the target holds what the source holds: row counts at every stage, and every table's content by
    digests computed inside both databases (PostgreSQL and MySQL/MariaDB sources), with differing rows
    located by key. Also checks that each sequence continues at or beyond the source's value.

    Exits 0 only when every table's content is proven equal (or, with --counts-only, every count matches).
    Not a voyager command: voyager has no built-in verification.
    """
    return _lazy("verify", "VerifyOptions")(ctx, params)


# ---------------------------------------------------------------------------------------------- end
@cli.group("end")
def end_group() -> None:
    """End the migration."""


@end_group.command("migration")
@global_options
@target_options
@bool_flag("--backup-schema-files", "Move schema/ into --backup-dir.")
@bool_flag("--backup-data-files", "Move data files into --backup-dir.")
@bool_flag("--save-migration-reports", "Save reports and status reports into --backup-dir.")
@bool_flag("--backup-log-files", "Move logs into --backup-dir.")
@click.option("--backup-dir", type=click.Path(file_okay=False), help="Existing directory for the backups.")
@run_command("end migration", "end-migration", needs_init=True)
def end_migration(ctx, params):
    """Back up what is asked for, drop the import ledger from the target and clear the export dir."""
    return _lazy("end_migration", "EndMigrationOptions")(ctx, params)


# ---------------------------------------------------------------------------------------------- plugins
@cli.command("plugins")
@click.option("--output-format", type=click.Choice(["table", "json"]), default="table", show_default=True)
def plugins_cmd(output_format: str) -> None:
    """List loaded plugins: name, distribution, version and hooks."""
    from rich.console import Console
    from rich.table import Table

    from transship.plugins import get_host

    host = get_host()
    rows = list(host.infos.values())
    adapters = {}
    try:
        adapters = host.source_adapters()
        sinks = host.import_sinks()
    except Exception as exc:  # duplicate names: show them, don't crash
        click.echo(f"ERROR: {exc}", err=True)
        sinks = {}
    if output_format == "json":
        click.echo(json.dumps({
            "plugins": [vars(r) for r in rows],
            "source_adapters": sorted(adapters),
            "import_sinks": sorted(sinks),
        }, indent=2))  # fmt: skip
        return
    table = Table(title="transship plugins")
    for col in ("name", "distribution", "version", "hooks"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r.name,
            r.distribution,
            r.version,
            ", ".join(h.removeprefix("transship_") for h in r.hooks) or f"FAILED: {r.error}",
        )
    console = Console(width=None if sys.stdout.isatty() else 220)
    console.print(table)
    console.print(f"source adapters: {', '.join(sorted(adapters)) or '(none installed)'}")
    console.print(f"import sinks: {', '.join(sorted(sinks))}")


def _register_plugin_commands() -> None:
    from transship.plugins import get_host

    try:
        get_host().pm.hook.transship_register_commands(cli=cli)
    except Exception as exc:  # a plugin's command must not break the CLI
        warnings.warn(f"a plugin failed to register commands: {exc!r}", RuntimeWarning, stacklevel=1)


def main() -> None:
    """Console-script entry point."""
    # the export dir holds a full copy of the data: what transship writes is for its owner only
    os.umask(0o077)
    hide_passwords_from_ps(sys.argv)
    warnings.simplefilter("default", RuntimeWarning)
    warnings.formatwarning = lambda msg, cat, *a, **k: f"WARNING: {msg}\n"
    _register_plugin_commands()
    add_connection_options(cli)
    sys.exit(cli.main(prog_name="transship", standalone_mode=True))
