"""transship.sdk: every promised name resolves, typing sees the same names, and plugins import nothing else."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import transship.sdk as sdk

ROOT = Path(__file__).resolve().parents[2]


def test_every_exported_name_resolves_and_is_typed() -> None:
    for name in sdk.__all__:
        assert getattr(sdk, name) is not None, name
    tree = ast.parse(Path(sdk.__file__).read_text())
    typed = {
        a.asname or a.name
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
        for stmt in node.body
        if isinstance(stmt, ast.ImportFrom)
        for a in stmt.names
    }
    assert typed == set(sdk.__all__) - {"SDK_VERSION"}
    assert sdk.SDK_VERSION.count(".") == 1
    assert sdk.TypeRule is importlib.import_module("transship.typemap").TypeRule


def test_an_unknown_name_says_where_to_look() -> None:
    try:
        sdk.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "docs/plugins.md" in str(exc)
    else:
        raise AssertionError("no AttributeError")


def test_importing_the_sdk_loads_no_core_module_until_a_name_is_used() -> None:
    code = "import sys, transship.sdk; print(sorted(m for m in sys.modules if m.startswith('transship.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['transship.sdk']"


def test_plugins_import_core_only_through_the_sdk() -> None:
    """The same rule import-linter enforces in scripts/test.sh, checked here on the source text too."""
    offenders = []
    for path in [*ROOT.glob("adapters-*/src/**/*.py"), *ROOT.glob("plugins/*/src/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            modules = (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                if isinstance(node, ast.Import) else []
            )  # fmt: skip
            for m in modules:
                from_sdk = isinstance(node, ast.ImportFrom) and [a.name for a in node.names] == ["sdk"]
                if (m == "transship" and not from_sdk or m.startswith("transship.")) and m != "transship.sdk":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {m}")
    assert offenders == []
