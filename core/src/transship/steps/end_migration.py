"""``end migration``: back up what was asked for, remove the target's ledger, clear the export dir."""

from __future__ import annotations

import shutil
from pathlib import Path

from transship.errors import ConfigError, ConnectionFailed, TransshipError
from transship.importer.ledger import drop_ledger
from transship.importer.stashed import copy_error_files, unloaded_warning
from transship.steps.common import write_json
from transship.steps.context import StepContext
from transship.steps.options import EndMigrationOptions
from transship.steps.status import export_rows, import_rows
from transship.steps.target import open_target

_CLEARED = ("schema", "data", "reports", "temp", "metainfo", "logs")


def run(ctx: StepContext, o: EndMigrationOptions) -> None:
    """End the migration: every refusal comes before anything is moved, dropped or deleted."""
    ed = ctx.export_dir
    wants = {
        k: bool(getattr(o, k))
        for k in ("backup_schema_files", "backup_data_files", "save_migration_reports", "backup_log_files")
    }
    backup_dir = Path(o.backup_dir).expanduser().absolute() if o.backup_dir else None
    if any(wants.values()) and backup_dir is None:
        raise ConfigError(
            "the backup flags need --backup-dir", fix="pass --backup-dir DIR (an existing directory)"
        )
    if backup_dir is not None and not backup_dir.is_dir():
        raise ConfigError(
            f"backup directory {backup_dir} does not exist", fix=f"create it first (mkdir -p {backup_dir})"
        )
    if backup_dir is not None and (backup_dir == ed.root or ed.root in backup_dir.parents):
        raise ConfigError(
            "--backup-dir must be outside the export dir (the export dir is cleared)",
            fix="choose another directory",
        )
    errors_dir = ed.data / "errors"
    # stashed rows that never reached the target go with the export dir: say so before it is cleared
    kept_in = None
    if backup_dir is not None and wants["backup_data_files"] and errors_dir.is_dir():
        kept_in = backup_dir / "data" / "errors"
    elif backup_dir is not None and wants["save_migration_reports"] and errors_dir.is_dir():
        kept_in = backup_dir / "errors"
        if kept_in.exists():
            raise ConfigError(f"{kept_in} already exists", fix="choose an empty --backup-dir")
    warning = unloaded_warning(
        {d["table_name"]: d["errored_count"] for d in import_rows(ctx)}, errors_dir, kept_in
    )
    if warning:
        ctx.console.print(warning)
    if not ctx.confirm(
        "Migration can't be resumed or continued after this. Are you sure you want to end the migration?"
    ):
        raise ConfigError(
            "end migration clears the export dir and was not confirmed",
            fix="answer yes at the prompt, or pass --yes",
        )
    status = ctx.meta.status()
    # everything that can refuse comes first, so a refusal leaves the export dir untouched
    planned = {
        "backup_schema_files": "schema", "backup_data_files": "data", "backup_log_files": "logs",
        "save_migration_reports": "reports",
    }  # fmt: skip
    for flag, sub in planned.items():
        if wants[flag] and backup_dir is not None and (backup_dir / sub).exists():
            raise ConfigError(f"{backup_dir / sub} already exists", fix="choose an empty --backup-dir")
    if status.get("target_conf"):
        try:
            sink, conn = open_target(ctx)
        except ConnectionFailed as exc:
            if "does not exist" not in exc.message:
                raise
            # the target database was dropped (e.g. after a rehearsal): no ledger is left to remove
            ctx.console.print(f"NOTE: {exc.message}; nothing to remove from the target.")
        else:
            with conn:
                dropped = drop_ledger(conn, sink.ledger_schema, status["migration_uuid"])
            ctx.console.print(
                f"Removed this migration's import ledger from the target{' (schema ' + sink.ledger_schema + ' dropped)' if dropped else ''}."
            )
    if wants["save_migration_reports"]:
        assert backup_dir is not None
        reports = backup_dir / "reports"
        reports.mkdir()
        for f in ed.reports.glob("*"):
            if f.is_file():
                shutil.copy2(f, reports / f.name)
        # fresh ones, under the names the status commands give them (a copied older one is replaced)
        write_json(reports / "export-data-status-report.json", export_rows(ctx))
        write_json(reports / "import-data-status-report.json", import_rows(ctx))
        if not wants["backup_data_files"]:  # else they go with data/
            copy_error_files(errors_dir, backup_dir / "errors")
    if wants["backup_schema_files"] and ed.schema.is_dir():
        assert backup_dir is not None
        _move(ed.schema, backup_dir / "schema")
    if wants["backup_data_files"] and ed.data.is_dir():
        assert backup_dir is not None
        _move(ed.data, backup_dir / "data")
    ctx.close()
    if wants["backup_log_files"] and ed.logs.is_dir():
        assert backup_dir is not None
        _move(ed.logs, backup_dir / "logs")
    for sub in _CLEARED:
        target = ed.root / sub
        if target.is_dir():
            shutil.rmtree(target)
    ctx.console.print(
        f"Migration ended: {ed.root} is cleared"
        + (f"; backups are in {backup_dir}" if backup_dir else "")
        + "."
    )


def _move(src: Path, dst: Path) -> None:
    if dst.exists():
        raise TransshipError(f"{dst} already exists", fix="choose an empty --backup-dir")
    shutil.move(str(src), str(dst))
