"""docs/architecture.md stays true: every room is on it, and rooms import downwards."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SRC = ROOT / "src" / "billkit"
MAP = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")

# The floors of docs/architecture.md: a room imports only from lower floors.
FLOORS = {
    "errors": 0,
    "_checks": 1,
    "_lazy": 1,
    "_frozen": 1,
    "_kinds": 1,
    "_display": 1,
    "_states": 2,
    "money": 2,
    "periods": 2,
    "conventions": 2,
    "pricing": 3,
    "usage": 3,
    "credit": 3,
    "parties": 3,
    "invoicing": 4,
    "subscriptions": 4,
    "serialize": 5,
    "tables": 5,
    "billing": 5,
    "simulate": 5,
    "demo": 5,
    "_demo_documents": 5,
    "cli": 5,
    "ports": 6,
    "payments": 6,
    "storage": 6,
    "runners": 6,
    "notify": 7,
    "engine": 7,
    "_demo_story": 8,
}
# The one upward import the map names: _checks' money checks import billkit.money late.
# simulate reads its results into tables.Table: the one import sideways on floor 5.
ALLOWED = {("_checks", "money"), ("simulate", "tables")}
# Rooms whose imports this test checks: every room of the core.
CHECKED = [
    "errors",
    "_checks",
    "_lazy",
    "_frozen",
    "_kinds",
    "_display",
    "_states",
    "money",
    "periods",
    "conventions",
    "pricing",
    "usage",
    "credit",
    "parties",
    "invoicing",
    "subscriptions",
    "serialize",
    "tables",
    "billing",
    "simulate",
    "notify",
    "engine",
]


def _room(path: Path) -> str:
    return path.relative_to(SRC).parts[0].removesuffix(".py")


@pytest.mark.parametrize(
    "entry",
    sorted(
        p.name + ("/" if p.is_dir() else "")
        for p in SRC.iterdir()
        if p.name not in {"__pycache__", "py.typed"}
    ),
)
def test_every_room_is_on_the_map(entry: str) -> None:
    assert f"`{entry}`" in MAP, f"docs/architecture.md does not mention {entry}"


@pytest.mark.parametrize("room", CHECKED)
def test_a_room_imports_only_from_lower_floors(room: str) -> None:
    paths = [SRC / f"{room}.py"] if (SRC / f"{room}.py").exists() else (SRC / room).rglob("*.py")
    wrong = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for target in targets:
                parts = target.split(".")
                if parts[0] != "billkit" or len(parts) < 2 or parts[1] not in FLOORS:
                    continue
                other = parts[1]
                if other == room or (room, other) in ALLOWED:
                    continue
                if FLOORS[other] >= FLOORS[room]:
                    wrong.append(f"{path.relative_to(SRC)}:{node.lineno} imports {target}")
    assert not wrong


def test_the_map_names_the_floors_this_test_uses() -> None:
    rows = re.findall(r"^\| (\d) \| `([\w.]+?)(?:\.py|/)?`", MAP, flags=re.M)
    on_map = {name: int(floor) for floor, name in rows}
    assert {room: on_map[room] for room in FLOORS if room in on_map} == {
        room: floor for room, floor in FLOORS.items() if room in on_map
    }
    assert set(on_map) >= set(FLOORS) - {"cli", "_demo_documents"}
