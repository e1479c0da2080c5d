"""Each idea has one home: validators in _checks, errors in errors, lazy imports in _lazy.

These scans read the source (``ast``), so they catch a copy the moment it is
written, in any room, before it can drift from the original.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).parent.parent / "src" / "billkit"

# Names of generic checks. A function of this name (leading underscores aside)
# outside _checks.py is a copy of one of its checks.
VALIDATOR_NAMES = frozenset(
    {
        "text",
        "texts",
        "optional_text",
        "whole",
        "whole_number",
        "flag",
        "is_bool",
        "day",
        "date",
        "optional_date",
        "optional_day",
        "check_date",
        "check_int",
        "moment",
        "aware",
        "optional_aware",
        "check_aware",
        "check_moment",
        "zone",
        "zone_key",
        "tz",
        "tz_key",
        "to_tz",
        "member",
        "enum",
        "to_enum",
        "instance",
        "tuple_of",
        "tags",
        "mapping",
        "money",
        "money_in",
        "optional_money",
        "decimal",
        "decimal_in",
        "rate",
        "currency",
        "same_currency",
        "check_period",
        "check_cycle",
        "check_money",
        "whole_minor_units",
        "country",
        "locale",
    }
)

# Rooms not yet moved onto _checks (their owners do it in issue 9; remove each
# entry as its room is done). Paths relative to src/billkit.
EXEMPT: frozenset[str] = frozenset()


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative == "_checks.py" or relative.split("/")[0] in EXEMPT:
            continue
        yield relative, ast.parse(path.read_text(encoding="utf-8"), relative)


def _functions(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def _raises(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(node, ast.Raise) for node in ast.walk(function))


def test_no_field_converter_functions() -> None:
    """attrs fields convert through _checks' converters, not one ``_c_<field>`` each."""
    found = [
        f"{where}:{f.lineno} {f.name}"
        for where, tree in _modules()
        for f in _functions(tree)
        if f.name.startswith("_c_")
    ]
    assert not found


def test_no_copy_of_a_check_by_name() -> None:
    found = [
        f"{where}:{f.lineno} {f.name}"
        for where, tree in _modules()
        for f in tree.body
        if isinstance(f, ast.FunctionDef) and f.name.lstrip("_") in VALIDATOR_NAMES
    ]
    assert not found


# The public converters of billkit.money are the one implementation _checks'
# money checks delegate to: value first, field second, by the glossary.
PUBLIC_CONVERTERS = frozenset({("money.py", "to_decimal"), ("money.py", "to_rate")})

# A room's own business rules that happen to take (field, value): each states
# what only that room knows, so it is not a copy of a generic check.
DOMAIN_RULES = frozenset(
    {
        ("invoicing/render/model.py", "_check_value"),  # what a rendered cell may hold
        ("invoicing/render/model.py", "_renderable_locale"),  # a language billkit renders
        ("invoicing/tax.py", "_category"),  # the tax tables' category names
        ("invoicing/tax.py", "_tax_rate"),  # a tax rate below 100 %
        ("invoicing/render/model.py", "_rows"),  # a table's rows: one cell per column
        ("parties/identifiers.py", "_check_ogrn"),  # the published OGRN/OGRNIP check digit
        ("parties/identifiers.py", "_check_kpp"),  # the Russian KPP layout
        ("parties/identifiers.py", "_check_bik"),  # the Russian bank code layout
        ("parties/identifiers.py", "_check_iran_national_id"),  # the Iranian ID check digit
        ("parties/identifiers.py", "_check_iran_legal_id"),  # the legal-entity ID check digit
        ("parties/identifiers.py", "_check_iran_postal_code"),  # the Iranian postal code form
        ("parties/identifiers.py", "_check_iban"),  # ISO 13616 mod 97, Sheba's length
        ("engine/_core.py", "_channels"),  # the notification categories and channels a business has
    }
)


def test_no_field_value_validator_outside_checks() -> None:
    """A function of ``(field, value)`` alone that raises is a validator: it belongs in _checks.

    Helpers that only call _checks (they raise nothing themselves) are
    compositions, and a rule that needs more than the value (a policy, a
    currency) is a room's own business rule: both are allowed.
    """
    found = []
    for where, tree in _modules():
        for f in _functions(tree):
            names = [a.arg for a in f.args.posonlyargs + f.args.args]
            if (
                names in (["field", "value"], ["value", "field"])
                and _raises(f)
                and (where, f.name) not in PUBLIC_CONVERTERS
                and (where, f.name) not in DOMAIN_RULES
            ):
                found.append(f"{where}:{f.lineno} {f.name}({', '.join(names)})")
    assert not found


def _classes(tree: ast.Module) -> Iterator[ast.ClassDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            yield node


def _base_names(node: ast.ClassDef) -> set[str]:
    return {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}


@pytest.mark.parametrize("where", ["whole tree"])
def test_every_error_class_lives_in_errors_py(where: str) -> None:
    """No room defines an exception class: errors.py holds the one tree (all rooms)."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative == "errors.py":
            continue
        for node in _classes(ast.parse(path.read_text(encoding="utf-8"))):
            bases = _base_names(node)
            if relative == "serialize.py" and node.name == "_Refused":
                continue  # a private signal between serialize's hooks, always caught there
            if node.name.endswith(("Error", "Exception")) or any(
                b.endswith(("Error", "Exception")) for b in bases
            ):
                found.append(f"{relative}:{node.lineno} {node.name}")
    assert not found, where


def test_package_inits_load_lazily_through_one_helper() -> None:
    """A package __init__ that loads names lazily does it with billkit._lazy."""
    found = []
    for path in sorted(SRC.rglob("__init__.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative.split("/")[0] in EXEMPT:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(f, ast.FunctionDef) and f.name == "__getattr__" for f in tree.body):
            found.append(relative)
    assert not found, "write `__getattr__, __dir__ = _lazy.attach(__name__, _EXPORTS)`"
