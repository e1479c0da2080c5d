"""The one lazy-import helper every package ``__init__`` uses (private).

A package lists which module defines each public name; the name is imported
on first use (PEP 562 module ``__getattr__``), then cached in the package, so
``import billkit`` stays light and heavy dependencies load only with the
feature that needs them::

    # billkit/pricing/__init__.py
    from billkit import _lazy

    _EXPORTS = {"Plan": "billkit.pricing.plans", "quote": "billkit.pricing.quote"}
    __all__ = sorted(_EXPORTS)
    __getattr__, __dir__ = _lazy.attach(__name__, _EXPORTS)

A target ``"module:attribute"`` exports the attribute under another name
(an old name kept for compatibility). A name that is also a submodule's name
(``billkit.pricing.quote``) must be imported eagerly: importing the submodule
sets the package attribute to the module, and ``__getattr__`` is only asked
for attributes that do not exist.

>>> import types, sys
>>> pkg = types.ModuleType("demo_pkg")
>>> sys.modules["demo_pkg"] = pkg
>>> pkg.__getattr__, pkg.__dir__ = attach("demo_pkg", {"Fraction": "fractions", "Frac": "fractions:Fraction"})
>>> pkg.Frac is pkg.Fraction
True
>>> "Fraction" in dir(pkg)
True
>>> pkg.Nothing
Traceback (most recent call last):
...
AttributeError: module 'demo_pkg' has no attribute 'Nothing'
>>> del sys.modules["demo_pkg"]
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["attach"]


def attach(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for the module named ``package``.

    ``exports`` maps each lazily loaded name to the module that defines it
    (``"module:attribute"`` when the attribute has another name there).
    """
    table = dict(exports)

    def __getattr__(name: str) -> Any:
        target = table.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, _, attribute = target.partition(":")
        value = getattr(importlib.import_module(module_name), attribute or name)
        setattr(sys.modules[package], name, value)  # cache: later lookups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(table))

    return __getattr__, __dir__
