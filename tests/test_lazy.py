"""billkit._lazy: names load on first use, from the module the table names."""

from __future__ import annotations

import subprocess
import sys
import types
from collections.abc import Iterator

import pytest

from billkit import _lazy


@pytest.fixture
def package() -> Iterator[types.ModuleType]:
    module = types.ModuleType("billkit_lazy_test_pkg")
    sys.modules[module.__name__] = module
    exports = {"Fraction": "fractions", "Ratio": "fractions:Fraction"}
    module.__getattr__, module.__dir__ = _lazy.attach(module.__name__, exports)  # type: ignore[method-assign]
    yield module
    del sys.modules[module.__name__]


def test_a_name_resolves_from_its_module_and_is_cached(package: types.ModuleType) -> None:
    from fractions import Fraction

    assert "Fraction" not in vars(package)
    assert package.Fraction is Fraction
    assert vars(package)["Fraction"] is Fraction  # cached: __getattr__ is not asked again


def test_an_alias_names_another_attribute(package: types.ModuleType) -> None:
    from fractions import Fraction

    assert package.Ratio is Fraction


def test_dir_lists_unloaded_names_and_unknown_names_fail(package: types.ModuleType) -> None:
    assert {"Fraction", "Ratio"} <= set(dir(package))
    with pytest.raises(AttributeError, match="has no attribute 'Decimal'"):
        _ = package.Decimal


def test_a_lazy_name_does_not_import_its_module_until_used() -> None:
    code = (
        "import sys, types; from billkit import _lazy; "
        "m = types.ModuleType('p'); sys.modules['p'] = m; "
        "m.__getattr__, m.__dir__ = _lazy.attach('p', {'Fraction': 'fractions'}); "
        "before = 'fractions' in sys.modules; m.Fraction; "
        "print(before, 'fractions' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]
