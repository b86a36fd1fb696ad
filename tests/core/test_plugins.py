"""The plugin core (issue 2): ``transship plugins`` lists what loaded; duplicate names are an error naming both
distributions; a plugin that fails to import warns and never breaks the CLI; and with transship-mysql
uninstalled the CLI and a PostgreSQL → PostgreSQL migration still work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from importlib.metadata import version
from pathlib import Path

import pytest

from transship import hookimpl
from transship.adapters.base import AdapterRecord
from transship.errors import ConfigError
from transship.plugins import PluginHost
from transship.sinks.postgresql import PostgresSink
from transship.testing.compare import compare_pg_databases

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "sample-postgres"


def make_distribution(
    site: Path, dist: str, module: str, source: str, entry_point: str = "demo", ver: str = "0.1"
) -> None:
    """A minimal installed distribution in ``site``: ``*.dist-info`` (METADATA, entry_points.txt) and its module."""
    info = site / f"{dist.replace('-', '_')}-{ver}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {ver}\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[transship]\n{entry_point} = {module}\n", encoding="utf-8")
    (site / f"{module}.py").write_text(source, encoding="utf-8")


def with_pythonpath(path: Path) -> dict[str, str]:
    return {"PYTHONPATH": os.pathsep.join(p for p in (str(path), os.environ.get("PYTHONPATH", "")) if p)}


# ------------------------------------------------------------------------------------------ transship plugins
def test_plugins_table_lists_core_and_postgres(cli) -> None:
    out = cli("plugins").stdout
    rows = {line.split("│")[2].strip(): line for line in out.splitlines() if line.count("│") >= 5}
    assert "transship" in rows and "transship-postgres" in rows, out
    core = [line for line in out.splitlines() if "│ transship " in line]
    assert any(version("transship") in line and "import_sinks" in line for line in core), out
    assert any("analysis_rules" in line for line in core), out
    assert (
        version("transship-postgres") in rows["transship-postgres"]
        and "source_adapters" in rows["transship-postgres"]
    ), out
    assert "postgresql" in out.split("source adapters:", 1)[1].splitlines()[0]
    assert "postgresql, yugabytedb" in out.split("import sinks:", 1)[1].splitlines()[0]


def test_plugins_table_shows_full_names_when_piped(cli) -> None:
    out = cli("plugins").stdout
    assert "…" not in out and "transship.sinks.builtin" in out, out


def test_plugins_json_lists_core_and_postgres(cli) -> None:
    data = json.loads(cli("plugins", "--output-format", "json").stdout)
    by_dist: dict[str, list[dict]] = {}
    for plugin in data["plugins"]:
        by_dist.setdefault(plugin["distribution"], []).append(plugin)
    core_hooks = {h for p in by_dist["transship"] for h in p["hooks"]}
    assert {"transship_import_sinks", "transship_analysis_rules"} <= core_hooks
    assert all(p["version"] == version("transship") and p["error"] is None for p in by_dist["transship"])
    (pg,) = by_dist["transship-postgres"]
    assert (
        pg["version"] == version("transship-postgres")
        and pg["hooks"] == ["transship_source_adapters"]
        and pg["error"] is None
    )
    assert "postgresql" in data["source_adapters"]
    assert {"postgresql", "yugabytedb"} <= set(data["import_sinks"])


# ------------------------------------------------------------------------------------------ duplicate names
class _SecondPostgresAdapter:
    @hookimpl
    def transship_source_adapters(self) -> list[AdapterRecord]:
        return [
            AdapterRecord("postgresql", "transship_postgres.adapter:PostgresAdapter", "a second 'postgresql'")
        ]


class _SecondPostgresSink:
    @hookimpl
    def transship_import_sinks(self) -> list[type]:
        return [PostgresSink]


def test_duplicate_adapter_name_names_both_distributions() -> None:
    host = PluginHost()
    assert "postgresql" in host.source_adapters()
    host.register(_SecondPostgresAdapter(), "evil", distribution="transship-evil")
    with pytest.raises(ConfigError) as err:
        host.source_adapters()
    line = err.value.one_line()
    assert (
        "source_adapters 'postgresql'" in line and "transship-postgres" in line and "transship-evil" in line
    ), line
    assert "fix: uninstall one of" in line
    host.unregister("evil")
    assert "postgresql" in host.source_adapters()


def test_duplicate_between_two_extra_plugins_and_against_core() -> None:
    host = PluginHost(load_entry_points=False)
    host.register(_SecondPostgresAdapter(), "one", distribution="transship-one")
    assert list(host.source_adapters()) == ["postgresql"]
    host.register(_SecondPostgresAdapter(), "two", distribution="transship-two")
    with pytest.raises(ConfigError, match="transship-one and transship-two|transship-two and transship-one"):
        host.source_adapters()
    host.register(_SecondPostgresSink(), "sinks", distribution="transship-sinks")
    with pytest.raises(
        ConfigError,
        match="import_sinks 'postgresql': (transship and transship-sinks|transship-sinks and transship)$",
    ):
        host.import_sinks()


DUPLICATE_PLUGIN = """
from transship import hookimpl
from transship.adapters.base import AdapterRecord


@hookimpl
def transship_source_adapters():
    return [AdapterRecord("postgresql", "transship_postgres.adapter:PostgresAdapter", "copycat")]
"""


def test_installed_duplicate_adapter_fails_with_one_line(
    cli, tmp_path: Path, export_dir: Path, one_line_error
) -> None:
    site = tmp_path / "site"
    make_distribution(site, "transship-copycat", "ts_copycat_plugin", DUPLICATE_PLUGIN, entry_point="copycat")
    env = with_pythonpath(site)
    listing = cli("plugins", env=env)
    assert "transship-copycat" in listing.stdout
    assert "two plugins register source_adapters 'postgresql'" in listing.stderr
    bad = cli(
        "export",
        "schema",
        "-e",
        str(export_dir),
        "--source-db-type",
        "postgresql",
        "--source-db-port",
        "1",
        check=False,
        env=env,
    )
    one_line_error(bad, "source_adapters 'postgresql'", "transship-postgres", "transship-copycat")


def test_same_plugin_name_from_two_distributions_is_an_error(
    cli, tmp_path: Path, export_dir: Path, one_line_error
) -> None:
    # a second distribution whose entry point is also called "postgres" (transship-postgres' name)
    site = tmp_path / "site"
    make_distribution(site, "transship-impostor", "ts_impostor_plugin", "", entry_point="postgres")
    env = with_pythonpath(site)
    bad = cli(
        "export", "schema", "-e", str(export_dir), "--source-db-type", "postgresql", check=False, env=env
    )
    one_line_error(bad, "plugin name 'postgres'", "transship-postgres", "transship-impostor")
    assert cli("--help", env=env).returncode == 0


# ------------------------------------------------------------------------------------------ broken plugins
BROKEN_PLUGIN = 'raise RuntimeError("ts-broken-plugin exploded on import")\n'


def test_plugin_failing_to_import_warns_and_cli_works(cli, tmp_path: Path, migration) -> None:
    site = tmp_path / "site"
    make_distribution(
        site, "transship-broken-demo", "ts_broken_plugin", BROKEN_PLUGIN, entry_point="broken", ver="0.3"
    )
    env = with_pythonpath(site)
    warning = "WARNING: plugin 'broken' from transship-broken-demo 0.3 failed to load and is skipped: RuntimeError('ts-broken-plugin exploded on import')"
    helped = cli("--help", env=env)
    assert "export" in helped.stdout and "import" in helped.stdout
    assert helped.stderr.splitlines() == [warning], helped
    assert "Traceback" not in helped.stderr
    listing = cli("plugins", env=env)
    assert warning in listing.stderr.splitlines()
    broken_row = next(line for line in listing.stdout.splitlines() if line.startswith("│ broken "))
    assert "FAILED" in broken_row and "0.3" in broken_row
    data = json.loads(cli("plugins", "--output-format", "json", env=env).stdout)
    (broken,) = [p for p in data["plugins"] if p["distribution"] == "transship-broken-demo"]
    assert "exploded on import" in broken["error"] and broken["hooks"] == []
    assert "postgresql" in data["source_adapters"]
    exported = migration.run(
        "export", "schema", "-e", str(migration.export_dir), *migration.source_args(), env=env
    )
    assert "Exported schema" in exported.stdout and warning in exported.stderr.splitlines()


RAISING_HOOK_PLUGIN = """
from transship import hookimpl


@hookimpl
def transship_source_adapters():
    raise RuntimeError("ts-raising-hook failed at run time")
"""


def test_plugin_hook_raising_is_skipped_with_a_warning(cli, tmp_path: Path, export_dir: Path) -> None:
    site = tmp_path / "site"
    make_distribution(
        site, "transship-raising-demo", "ts_raising_plugin", RAISING_HOOK_PLUGIN, entry_point="raising"
    )
    env = with_pythonpath(site)
    warning = (
        "WARNING: plugin 'raising' from transship-raising-demo failed in transship_source_adapters and is skipped: "
        "RuntimeError('ts-raising-hook failed at run time')"
    )
    listing = cli("plugins", "--output-format", "json", env=env)
    assert "postgresql" in json.loads(listing.stdout)["source_adapters"]
    assert warning in listing.stderr.splitlines(), listing
    # the postgresql adapter is still found: the command gets as far as connecting
    cmd = (
        "export",
        "schema",
        "-e",
        str(export_dir),
        "--source-db-type",
        "postgresql",
        "--source-db-host",
        "127.0.0.1",
    )
    result = cli(*cmd, "--source-db-port", "1", check=False, env=env)
    others = [line for line in result.stderr.splitlines() if line.strip() and line != warning]
    assert result.returncode == 1 and warning in result.stderr.splitlines(), result
    assert len(others) == 1 and others[0].startswith(
        "ERROR: cannot reach the source database server at 127.0.0.1:1"
    ), result
    assert "fix:" in others[0]


# ------------------------------------------------------------------------------------------ without transship-mysql
def _site_without(tmp_path: Path, drop: tuple[str, ...]) -> tuple[Path, list[str]]:
    """The venv's site-packages as symlinks minus the metadata and editable hooks of the ``drop`` packages
    (module names), plus the source dirs the other editable installs put on ``sys.path`` (``python -S`` reads
    no ``.pth`` files)."""
    purelib = Path(sysconfig.get_paths()["purelib"])
    filtered = tmp_path / "site-without"
    filtered.mkdir()
    editable_dirs: list[str] = []
    for entry in sorted(purelib.iterdir()):
        if any(d in entry.name.replace("-", "_").lower() for d in drop):
            continue
        (filtered / entry.name).symlink_to(entry)
        if entry.suffix == ".pth":
            for line in entry.read_text(encoding="utf-8").splitlines():
                line = line.strip()
                if line and not line.startswith(("#", "import ", "import\t")):
                    editable_dirs.append(str((purelib / line).resolve()))
    return filtered, editable_dirs


class IsolatedCli:
    """``python -S -m transship`` with a hand-built ``sys.path``: the venv minus the ``drop`` distributions
    (default transship-mysql), as if they were never installed."""

    def __init__(
        self,
        tmp_path: Path,
        drop: tuple[str, ...] = ("transship_mysql",),
        need: tuple[str, ...] = ("core", "adapters-postgres"),
    ) -> None:
        site, editable_dirs = _site_without(tmp_path, drop)
        for needed in need:
            assert str(REPO / needed / "src") in editable_dirs, (
                f"{needed} is not installed editable in this venv"
            )
        # the folder an editable install points into (".../adapters-mysql/src"), not any path holding the word
        folders = [Path(e).parent.name.removeprefix("adapters-").replace("-", "_") for e in editable_dirs]
        assert not any(f.startswith(d.removeprefix("transship_")) for d in drop for f in folders), folders
        self.env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        self.env.update(
            PYTHONPATH=os.pathsep.join([str(site), *editable_dirs]), TRANSSHIP_NO_PASSWORD_PROMPT="1"
        )

    def python(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-S", *args], capture_output=True, text=True, env=self.env, timeout=300
        )
        if check:
            assert proc.returncode == 0, (
                f"rc={proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
            )
        return proc

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.python("-m", "transship", *args, check=check)


def test_without_transship_mysql_help_plugins_and_pg_migration_work(
    tmp_path: Path, pg_server, sample_source: str, pg_target_db: str, export_dir: Path, one_line_error
) -> None:
    iso = IsolatedCli(tmp_path)
    probe = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('transship_mysql') is None and importlib.util.find_spec('transship_postgres') else 1)"
    iso.python("-c", probe)
    helped = iso("--help")
    assert "export" in helped.stdout and not helped.stderr.strip(), helped.stderr
    data = json.loads(iso("plugins", "--output-format", "json").stdout)
    dists = {p["distribution"] for p in data["plugins"]}
    assert {"transship", "transship-postgres"} <= dists and "transship-mysql" not in dists, dists
    assert "mysql" not in data["source_adapters"] and "postgresql" in data["source_adapters"]
    assert all(p["error"] is None for p in data["plugins"])

    e = ("-e", str(export_dir))
    source = ("--source-db-type", "postgresql", "--source-db-host", pg_server.host, "--source-db-port", str(pg_server.port),
              "--source-db-user", pg_server.user, "--source-db-name", sample_source, "--source-db-schema", "public,inventory")  # fmt: skip
    target = ("--target-db-host", pg_server.host, "--target-db-port", str(pg_server.port), "--target-db-user", pg_server.user,
              "--target-db-name", pg_target_db)  # fmt: skip
    no_mysql = iso("export", "schema", *e, "--source-db-type", "mysql", "--source-db-port", "1", check=False)
    one_line_error(
        no_mysql, "no source adapter for --source-db-type mysql", "install the transship adapter for mysql"
    )
    iso("export", "schema", *e, *source)
    iso("export", "data", *e, *source, "--disable-pb")
    iso("import", "schema", *e, *target)
    imported = iso("import", "data", *e, *target, "--disable-pb")
    assert "Import data complete." in imported.stdout
    iso("finalize-schema-post-data-import", *e, *target, "--refresh-mviews", "true")
    rows, same = compare_pg_databases(
        pg_server.conninfo(sample_source), pg_server.conninfo(pg_target_db), ["public", "inventory"]
    )
    assert same, [r for r in rows if not r[3]]
    assert len(rows) >= 12 and all(r[1] > 0 for r in rows), rows


MISSPELT_PLUGIN = """
from transship import hookimpl


@hookimpl
def transship_source_adapter():  # one letter short of transship_source_adapters
    return []
"""


def test_a_misspelt_hook_is_a_warning_naming_the_plugin(cli, tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_distribution(site, "transship-typo", "ts_typo_plugin", MISSPELT_PLUGIN, entry_point="typo")
    listing = cli("plugins", env=with_pythonpath(site))
    assert "transship-typo" in listing.stdout
    assert (
        "plugin 'typo' from transship-typo implements transship_source_adapter, which is no transship hook"
        in listing.stderr
    ), listing.stderr
