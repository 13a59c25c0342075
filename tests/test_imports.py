"""Imports point down only: the import-linter contracts hold, catch an upward import, and no cycle exists."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Protocol code and foundations: plain modules that any layer, or another program, can reuse.
NO_WEB_FRAMEWORK = ["oauth", "http", "expressions", "errors.py", "durations.py", "identity.py", "validation.py"]


def _copy_tree(tmp_path: Path) -> Path:
    """The package and its contracts in a folder of their own, to edit without touching the real tree."""
    shutil.copytree(ROOT / "gateway", tmp_path / "gateway", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _run(args: list[str], where: Path) -> subprocess.CompletedProcess[str]:
    # The copy comes first on the path, ahead of the installed package.
    env = {**os.environ, "PYTHONPATH": str(where)}
    return subprocess.run(args, cwd=where, env=env, capture_output=True, text=True, timeout=120)


def _inject(module: Path, line: str) -> None:
    text = module.read_text()
    head, _, rest = text.partition("from __future__ import annotations\n")
    module.write_text(f"{head}from __future__ import annotations\n\n{line}\n{rest}")


def test_the_contracts_hold_on_the_tree() -> None:
    result = _run([str(BIN / "lint-imports"), "--no-cache"], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_layers_contract(tmp_path: Path) -> None:
    tree = _copy_tree(tmp_path)
    _inject(tree / "gateway" / "errors.py", "import gateway.routing.dispatch  # noqa: F401")
    result = _run([str(BIN / "lint-imports"), "--no-cache"], tree)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "gateway.errors is not allowed to import gateway.routing" in result.stdout


def test_a_filter_importing_another_breaks_the_independence_contract(tmp_path: Path) -> None:
    tree = _copy_tree(tmp_path)
    _inject(tree / "gateway" / "filters" / "headers.py", "import gateway.filters.throttling  # noqa: F401")
    result = _run([str(BIN / "lint-imports"), "--no-cache"], tree)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "gateway.filters.headers is not allowed to import gateway.filters.throttling" in result.stdout


def test_the_tree_has_no_import_cycle() -> None:
    result = _run([sys.executable, str(ROOT / "scripts" / "cycles.py")], ROOT)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip() == "0 import cycle(s) in gateway"


def test_a_cycle_between_two_modules_is_listed(tmp_path: Path) -> None:
    tree = _copy_tree(tmp_path)
    # Type-only imports count too: they tie the modules together for a reader all the same.
    type_only = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import gateway.identity"
    _inject(tree / "gateway" / "durations.py", type_only)
    _inject(tree / "gateway" / "identity.py", "import gateway.durations  # noqa: F401")
    result = _run([sys.executable, str(ROOT / "scripts" / "cycles.py")], tree)
    assert result.returncode == 1
    assert "cycle among 2 modules: gateway.durations, gateway.identity" in result.stdout


def _web_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module == "aiohttp":
            found += [f"{path.name}: aiohttp.{a.name}" for a in node.names if a.name == "web"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aiohttp.web"):
            found.append(f"{path.name}: {node.module}")
        elif isinstance(node, ast.Import):
            found += [f"{path.name}: {a.name}" for a in node.names if a.name.startswith("aiohttp.web")]
    return found


@pytest.mark.parametrize("name", NO_WEB_FRAMEWORK)
def test_protocol_and_foundation_code_does_not_import_the_web_framework(name: str) -> None:
    where = ROOT / "gateway" / name
    files = sorted(where.rglob("*.py")) if where.is_dir() else [where]
    assert files
    assert [hit for path in files for hit in _web_imports(path)] == []
