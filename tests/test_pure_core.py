"""The pure core never imports the shell (ports, storage, payments, engine)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parent.parent / "src" / "billkit"
CORE = [
    "money.py",
    "periods.py",
    "conventions.py",
    "pricing",
    "credit",
    "invoicing",
    "subscriptions",
    "usage",
    "parties.py",
    "parties",
    "serialize.py",
    "billing.py",
    "simulate.py",
]
SHELL = (
    "billkit.ports",
    "billkit.storage",
    "billkit.payments",
    "billkit.engine",
    "billkit.notify",
)


def core_files() -> list[Path]:
    files: list[Path] = []
    for name in CORE:
        path = SRC / name
        if path.is_dir():
            files.extend(sorted(path.rglob("*.py")))
        elif path.exists():
            files.append(path)
    return files


def shell_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found.extend(n for n in names if n.startswith(SHELL) or n in ("billkit.ports",))
    return found


def test_the_core_files_are_found() -> None:
    assert len(core_files()) > 20


@pytest.mark.parametrize("path", core_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_a_core_module_imports_no_shell_module(path: Path) -> None:
    assert shell_imports(path) == []


def test_the_check_sees_a_shell_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from billkit.storage import MemoryStore\nimport billkit.ports\n")
    assert shell_imports(bad) == ["billkit.storage", "billkit.storage.MemoryStore", "billkit.ports"]
