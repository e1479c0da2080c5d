"""The public surface: __all__, the API page, docstrings and examples agree."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
API_PAGE = ROOT / "docs" / "api.md"
MODULES = [
    "billkit",
    "billkit.errors",
    "billkit.money",
    "billkit.periods",
    "billkit.conventions",
    "billkit.pricing",
    "billkit.credit",
    "billkit.invoicing",
    "billkit.invoicing.render",
    "billkit.parties",
    "billkit.subscriptions",
    "billkit.usage",
    "billkit.ports",
    "billkit.payments",
    "billkit.payments.stripe",
    "billkit.payments.yookassa",
    "billkit.payments.robokassa",
    "billkit.payments.zarinpal",
    "billkit.serialize",
    "billkit.storage",
    "billkit.tables",
    "billkit.simulate",
    "billkit.runners",
    "billkit.billing",
    "billkit.engine",
    "billkit.notify",
    "billkit.demo",
    "billkit.cli",
]


# One screen of public names per package (issue 9). The rooms still being trimmed
# are not listed yet.
BUDGETS = {
    "billkit": 20,
    "billkit.money": 12,
    "billkit.periods": 8,
    "billkit.conventions": 5,
    "billkit.pricing": 20,
    "billkit.usage": 12,
    "billkit.credit": 16,
    "billkit.subscriptions": 14,
    "billkit.invoicing": 18,
    "billkit.invoicing.render": 4,
    "billkit.parties": 8,
}
# The shell's modules (ports, storage, payments) are counted on their own.
SHELL = (
    "billkit.ports",
    "billkit.storage",
    "billkit.payments",
    "billkit.runners",
    "billkit.engine",
    "billkit.notify",
)


def test_the_core_fits_about_150_public_names() -> None:
    """The core's public names (errors aside, which are one tree) stay about 150."""
    names: set[str] = set()
    for name in MODULES:
        if name.startswith(SHELL) or name == "billkit.errors":
            continue
        names |= set(importlib.import_module(name).__all__)
    # 150, plus the analyst's names of issue 14: billkit.simulate's eight and the
    # tables of ledgers and documents (billkit.tables).
    assert len(names) <= 161, sorted(names)


def documented_names() -> dict[str, set[str]]:
    """Module -> the backticked names listed under its heading in docs/api.md."""
    sections: dict[str, set[str]] = {}
    current = None
    for line in API_PAGE.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## `([\w.]+)`$", line)
        if heading:
            current = heading.group(1)
            sections[current] = set()
        elif current and line.startswith(("- ", "  ")):
            listed = line.split(":", 1)[0] if line.startswith("- ") else line
            sections[current] |= set(re.findall(r"`(\w+)`", listed))
    return sections


@pytest.mark.parametrize("name", MODULES)
def test_all_matches_the_api_page(name: str) -> None:
    module = importlib.import_module(name)
    assert set(module.__all__) == documented_names()[name]
    assert len(module.__all__) == len(set(module.__all__)), "duplicates in __all__"


@pytest.mark.parametrize("name", MODULES)
def test_every_public_name_resolves_and_is_documented(name: str) -> None:
    module = importlib.import_module(name)
    for public in module.__all__:
        value = getattr(module, public)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"{name}.{public} has no docstring"


@pytest.mark.parametrize(("name", "budget"), sorted(BUDGETS.items()))
def test_public_surface_fits_its_budget(name: str, budget: int) -> None:
    module = importlib.import_module(name)
    public = [n for n in module.__all__ if n != "__version__"]
    assert len(public) <= budget, f"{name} exports {len(public)} names; the budget is {budget}"


@pytest.mark.parametrize(
    "name",
    [
        "billkit",
        "billkit.pricing",
        "billkit.usage",
        "billkit.subscriptions",
        "billkit.credit",
        "billkit.invoicing",
    ],
)
def test_names_that_left_all_still_import_from_the_package(name: str) -> None:
    """Every lazily exported name resolves, public or kept for earlier code."""
    module = importlib.import_module(name)
    exports = vars(module)["_EXPORTS"]
    assert set(module.__all__) - {"__version__"} <= set(exports)
    for public in exports:
        assert getattr(module, public) is not None
    assert set(exports) <= set(dir(module))


@pytest.mark.parametrize(
    "name",
    [
        "billkit",
        "billkit.pricing",
        "billkit.usage",
        "billkit.subscriptions",
        "billkit.credit",
        "billkit.invoicing",
    ],
)
def test_no_public_name_is_shadowed_by_a_submodule(name: str) -> None:
    """Importing a submodule sets a package attribute; it must not hide a public name."""
    module = importlib.import_module(name)
    for info in pkgutil.walk_packages(module.__path__, f"{name}."):
        if not any(part in info.name for part in ("__main__", "duckdb", "render", "migrations")):
            importlib.import_module(info.name)
    shadowed = [n for n in module.__all__ if isinstance(getattr(module, n), types.ModuleType)]
    assert not shadowed


def _example_text() -> str:
    """Every runnable example: doctest lines in docs, README and src, and examples/."""
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "examples").glob("*.py")]
    for path in [*ROOT.glob("docs/*.md"), ROOT / "README.md", *ROOT.glob("src/billkit/**/*.py")]:
        lines = path.read_text(encoding="utf-8").splitlines()
        texts.extend(ln for ln in lines if ln.lstrip().startswith((">>>", "...")))
    return "\n".join(texts)


@pytest.mark.parametrize("name", MODULES)
def test_every_public_name_appears_in_an_executed_example(name: str) -> None:
    module = importlib.import_module(name)
    examples = _example_text()
    missing = [
        public
        for public in module.__all__
        if public != "__version__" and not re.search(rf"\b{re.escape(public)}\b", examples)
    ]
    assert not missing, f"{name}: no executed example uses {missing}"


def test_import_is_light() -> None:
    """`import billkit` loads neither reportlab, babel, cattrs nor the pricing kernel."""
    code = (
        "import sys, billkit; "
        "print(' '.join(m for m in ('reportlab', 'babel', 'cattrs', 'billkit.pricing') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
