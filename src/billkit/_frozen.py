"""An immutable mapping that can be pickled (private).

Frozen values keep their mappings (rounding overrides, access tables, event
properties, ...) in a :class:`FrozenDict`. ``types.MappingProxyType`` was used
before, but a mapping proxy cannot be pickled or copied, which made every value
holding one unpicklable.

A :class:`FrozenDict` is a ``dict`` whose mutating methods raise, so reading it
costs what reading a dict costs, and it pickles and copies as a fresh
``FrozenDict`` built from its items.

>>> from billkit._frozen import FrozenDict
>>> import pickle
>>> limits = FrozenDict({"IRR": 0})
>>> limits["IRR"], limits == {"IRR": 0}
(0, True)
>>> pickle.loads(pickle.dumps(limits)) == limits
True
>>> limits["EUR"] = 2
Traceback (most recent call last):
...
TypeError: a FrozenDict cannot be changed
"""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

__all__ = ["FrozenDict", "reduce_through_init"]

K = TypeVar("K")
V = TypeVar("V")


class FrozenDict(dict[K, V]):
    """A ``dict`` that refuses every change after it is built."""

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("a FrozenDict cannot be changed")

    __setitem__ = _refuse
    __delitem__ = _refuse
    __ior__ = _refuse
    clear = _refuse
    pop = _refuse
    popitem = _refuse
    setdefault = _refuse
    update = _refuse

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))

    def __copy__(self) -> FrozenDict[K, V]:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> FrozenDict[K, V]:
        import copy

        return type(self)({copy.deepcopy(k, memo): copy.deepcopy(v, memo) for k, v in self.items()})

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __repr__(self) -> str:
        return f"FrozenDict({dict.__repr__(self)})"


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
