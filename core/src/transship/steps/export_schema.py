"""``export schema``: write the source schema, converted to PostgreSQL, into ``schema/``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from transship.adapters.base import SchemaExportOptions
from transship.errors import ConfigError
from transship.schema_files import SchemaWriter
from transship.selection import object_type_list
from transship.steps.common import get_adapter, print_table, write_json
from transship.steps.context import StepContext
from transship.steps.options import ExportSchemaOptions
from transship.verify.objects import AS_EXPORTED


def run(ctx: StepContext, o: ExportSchemaOptions) -> None:
    """Export the source schema; an earlier export (with the user's edits) is replaced only with ``start_clean``
    and only once the new one is written."""
    ed = ctx.export_dir
    status = ctx.meta.status()
    if o.object_types and o.exclude_object_types:
        raise ConfigError(
            "--object-type-list and --exclude-object-type-list exclude each other",
            fix="pass only one of them",
        )
    if status.get("export_schema_done") and not o.start_clean:
        ctx.console.print(
            f"Schema is already exported in {ed.schema}. Use --start-clean true to export it again."
        )
        return
    if status.get("export_schema_done") and any(ed.schema.rglob("*.sql")):
        if not ctx.confirm(
            f"--start-clean deletes the exported schema in {ed.schema}, with any edits made there. Go on?"
        ):
            raise ConfigError(
                f"--start-clean would delete the exported schema in {ed.schema} (and your edits) and was not confirmed",
                fix="answer yes at the prompt, or pass --yes (back up schema/ first if you edited it)",
            )
    adapter = get_adapter(ctx, o.source_ddl_files)
    version = adapter.check_connection()
    ctx.console.print(f"Exporting schema from {adapter.name} {version} ({adapter.describe()})")
    options = SchemaExportOptions(
        object_types=object_type_list(o.object_types, "--object-type-list"),
        exclude_object_types=object_type_list(o.exclude_object_types, "--exclude-object-type-list") or [],
        comments_on_objects=o.comments_on_objects,
        temp_dir=str(ed.temp),
    )
    # Everything is read from the source and written into tmp_schema/ first; the earlier schema/ (with the
    # user's edits) is replaced only then, so a failure up to here (source, privileges, a full disk) keeps it.
    staging = ed.root / f"tmp_{ed.schema.name}"
    if staging.exists():
        shutil.rmtree(staging)  # left by a run that was killed
    writer = SchemaWriter(staging)
    result = adapter.export_schema(writer, options)
    try:
        staged = writer.write(shown_as=ed.schema)
        staging.mkdir(parents=True, exist_ok=True)  # an empty schema is still a schema/ folder
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    ctx.meta.update_status(export_schema_done=False)
    # an untouched copy: verify lists the user's edits against it, and the source's changes since
    untouched = ed.metainfo / AS_EXPORTED
    if untouched.exists():
        shutil.rmtree(untouched)
    shutil.copytree(staging, untouched)
    if ed.schema.exists():
        shutil.rmtree(ed.schema)
    for report in ed.reports.glob("schema_analysis_report.*"):
        report.unlink()
    os.replace(staging, ed.schema)
    written = {otype: ed.schema / path.relative_to(staging) for otype, path in staged.items()}
    write_json(ed.metainfo / "schema_export_findings.json", result.findings)
    ctx.meta.update_status(
        export_schema_done=True,
        source_db_type=adapter.name,
        source_conf=adapter.config.public_dict(),
        source_db_version=version,
        source_schema_arity=adapter.schema_arity,
        source_script_mode=bool(adapter.source_ddl_files or adapter.source_data_files),
        schema_ddl_files=[str(Path(f).resolve()) for f in adapter.source_ddl_files],
        schema_type_mapping=adapter.type_mapping_config,
        schema_export_options={"object_types": options.object_types, "exclude_object_types": options.exclude_object_types,
                               "comments_on_objects": options.comments_on_objects},
    )  # fmt: skip
    rows = [
        [otype, count, written[otype].relative_to(ed.root)]
        for otype, count in result.counts.items()
        if otype in written
    ]
    print_table(ctx, "Exported schema", ["OBJECT TYPE", "COUNT", "FILE"], rows)
    for note in result.notes:
        ctx.console.print(f"NOTE: {note}")
    if result.findings:
        ctx.console.print(
            f"{len(result.findings)} conversion notes need review: run 'transship analyze-schema' for the report."
        )
    ctx.console.print(
        f"Exported schema files are in {ed.schema}. Next: transship analyze-schema -e {ed.root}"
    )
