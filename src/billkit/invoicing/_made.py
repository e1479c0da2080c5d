"""Values billkit made itself, built without re-checking them (private; issue 10).

A value class checks and converts every field it is given: right at the
boundary, where values come from callers. Inside a builder, though, most
fields are values billkit has just made from values already checked (a
document line's net, tax and gross from :func:`~billkit.invoicing.tax.compute_taxes`,
a tax group's sums, an item's explanation from a quote), and checking them
again was most of the time of a bill run (issue 10: ``build_invoice`` re-ran
``to_decimal`` on every Money it had computed).

:func:`made` is the one route that skips a value class's converters: it
fills the fields as given (defaults for the rest) and still runs the class's
``__attrs_post_init__``, so a document line still checks that net + tax =
gross. It is used only here, in the invoicing builders and in
``items_from_quote``, on fields billkit computed or took from values already
checked; a caller's value never goes through it.
"""

from __future__ import annotations

from typing import Any, Final, TypeVar

import attrs

__all__ = ["made"]

_T = TypeVar("_T")

# Per class: each field's name and default (attrs.NOTHING: none), read once.
_FIELDS: Final[dict[type, tuple[tuple[str, Any], ...]]] = {}


def _fields(cls: type) -> tuple[tuple[str, Any], ...]:
    found = _FIELDS.get(cls)
    if found is None:
        out = []
        for field in attrs.fields(cls):
            default = field.default
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                raise TypeError(f"{cls.__name__}.{field.name}: made() takes no factories")
            out.append((field.name, default))
        found = _FIELDS[cls] = tuple(out)  # derived from the class alone
    return found


def made(cls: type[_T], /, **values: Any) -> _T:
    """An instance of the frozen attrs class ``cls`` from ``values`` billkit made
    and checked (see the module docstring): no converter runs; the class's
    ``__attrs_post_init__`` (its invariants) does."""
    self = object.__new__(cls)
    set_ = object.__setattr__
    for name, default in _fields(cls):
        value = values.pop(name, default)
        if value is attrs.NOTHING:
            raise TypeError(f"{cls.__name__}: no value for {name}")
        set_(self, name, value)
    if values:
        raise TypeError(f"{cls.__name__}: no fields {sorted(values)}")
    post = getattr(cls, "__attrs_post_init__", None)
    if post is not None:
        post(self)
    return self
