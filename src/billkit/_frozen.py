"""Pickling helpers for frozen values (private).

Frozen values keep their mappings in :class:`billkit._checks.FrozenMap`, which
pickles. A value whose derived state cannot be pickled (the replayed books of a
:class:`~billkit.credit.Ledger` hold functions) pickles as its constructor
arguments instead, through :func:`reduce_through_init`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["reduce_through_init"]


def _rebuild(cls: type[Any], kwargs: dict[str, Any]) -> Any:
    return cls(**kwargs)


def reduce_through_init(value: Any) -> tuple[Any, ...]:
    """``__reduce__`` for a frozen attrs value whose derived state cannot be pickled.

    The value is pickled as its class and its constructor arguments, and
    unpickled by calling the constructor again, so the derived state is rebuilt
    (and checked) rather than copied.
    """
    import attrs

    kwargs = {f.alias: getattr(value, f.name) for f in attrs.fields(type(value)) if f.init}
    return (_rebuild, (type(value), kwargs))
