"""Guards on the shape of the code base."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO
from transship.docgen import hooks_markdown

ADAPTER_PACKAGES = ("transship_postgres", "transship_mysql", "transship_oracle")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_an_adapter():
    offenders = [
        str(p.relative_to(REPO))
        for p in (REPO / "core" / "src").rglob("*.py")
        if _imports(p) & set(ADAPTER_PACKAGES)
    ]
    assert offenders == []


def test_hook_reference_is_current():
    committed = (REPO / "docs" / "hooks.md").read_text(encoding="utf-8")
    assert committed == hooks_markdown(), "regenerate: python -m transship.docgen > docs/hooks.md"


def test_every_hook_is_documented_with_a_docstring():
    from transship import hookspecs

    hooks = [n for n in dir(hookspecs) if n.startswith("transship_")]
    assert len(hooks) >= 5
    for name in hooks:
        assert (getattr(hookspecs, name).__doc__ or "").strip(), name
