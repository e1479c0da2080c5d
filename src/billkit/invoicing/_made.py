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
checked; a caller's value never goes through it. :func:`maker_added_up`
leaves out the invariants too, for the one value whose invariants hold by
construction where it is made (the compiled invoice, ``_template.py``).
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, Final, TypeVar

import attrs

__all__ = ["built", "converted", "made", "maker", "maker_added_up"]

_T = TypeVar("_T")


def _slot(cls: type, name: str) -> Any:
    """The member descriptor of slot ``name`` of ``cls`` (or a base), or None."""
    for klass in cls.__mro__:
        found = klass.__dict__.get(name)
        if found is not None:
            return found if isinstance(found, types.MemberDescriptorType) else None
    return None


def _maker(cls: type, invariants: bool = True) -> Any:
    """A function filling ``cls``'s fields from keyword arguments (defaults for the
    rest), generated once per class, as attrs generates ``__init__`` without the
    converters; it runs ``__attrs_post_init__`` (unless not ``invariants``)."""
    params, body = [], []
    names: dict[str, Any] = {"_new": object.__new__, "_set": object.__setattr__, "_cls": cls}
    for i, field in enumerate(attrs.fields(cls)):
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            raise TypeError(f"{cls.__name__}.{field.name}: made() takes no factories")
        if default is attrs.NOTHING:
            params.append(f"{field.name}=_NOTHING")
            body.append(
                f"    if {field.name} is _NOTHING:\n"
                f"        raise TypeError({cls.__name__ + ': no value for ' + field.name!r})"
            )
        else:
            names[f"_d{i}"] = default
            params.append(f"{field.name}=_d{i}")
        slot = _slot(cls, field.name)
        if slot is not None:  # the slot's own setter: the same store, without the lookup
            names[f"_s{i}"] = slot.__set__
            body.append(f"    _s{i}(self, {field.name})")
        else:
            body.append(f"    _set(self, {field.name!r}, {field.name})")
    names["_NOTHING"] = attrs.NOTHING
    post = (
        "    self.__attrs_post_init__()\n"
        if invariants and hasattr(cls, "__attrs_post_init__")
        else ""
    )
    source = (
        f"def make(*, {', '.join(params)}, **rest):\n"
        f"    if rest:\n"
        f"        raise TypeError(f{cls.__name__ + ': no fields '!r} + str(sorted(rest)))\n"
        "    self = _new(_cls)\n" + "\n".join(body) + f"\n{post}    return self\n"
    )
    exec(compile(source, f"<billkit made {cls.__qualname__}>", "exec"), names)
    return names["make"]


# Per class: its maker (derived from the class alone, made on first use).
_MAKERS: Final[dict[type, Any]] = {}


def maker(cls: type[_T], /) -> Callable[..., _T]:
    """``made`` for one class, as a function of the fields alone (for a hot loop:
    ``make = maker(DocumentLine)``, then ``make(position=1, ...)``)."""
    found = _MAKERS.get(cls)
    if found is None:
        found = _MAKERS[cls] = _maker(cls)
    return found  # type: ignore[no-any-return]


def maker_added_up(cls: type[_T], /) -> Callable[..., _T]:
    """:func:`maker` without the class's ``__attrs_post_init__``: for a value whose
    invariants hold by construction where it is made, and only there. Its one
    use is the compiled invoice (``_template.py``), whose lines, tax group and
    totals are added up as they are made (each of them still checked by its
    own invariants); its module docstring and docs/architecture.md give the
    proof, and tests/invoicing/test_template.py runs the skipped check on
    every invoice it makes."""
    return _maker(cls, invariants=False)  # type: ignore[no-any-return]


def made(cls: type[_T], /, **values: Any) -> _T:
    """An instance of the frozen attrs class ``cls`` from ``values`` billkit made
    and checked (see the module docstring): no converter runs; the class's
    ``__attrs_post_init__`` (its invariants) does. A field missing without a
    default, or a name that is no field, is a ``TypeError``."""
    maker = _MAKERS.get(cls)
    if maker is None:
        maker = _MAKERS[cls] = _maker(cls)
    result: _T = maker(**values)
    return result


# Per class: each field's one-argument converter (prepared by
# billkit._checks.prepare_fields), or None when the class has converters that
# need the instance: derived from the class alone, read once.
_CONVERTERS: Final[dict[type, dict[str, Any] | None]] = {}


def _converters(cls: type) -> dict[str, Any] | None:
    if cls in _CONVERTERS:
        return _CONVERTERS[cls]
    found: dict[str, Any] | None = {}
    for field in attrs.fields(cls):
        if isinstance(field.converter, attrs.Converter):
            found = None
            break
        assert found is not None
        found[field.name] = field.converter
    _CONVERTERS[cls] = found
    return found


def converted(cls: type, /, given: dict[str, Any]) -> dict[str, Any] | None:
    """Fields a caller gave, converted and checked by ``cls``'s own converters, in
    the class's field order, as its constructor would; ``None`` for a class whose
    converters need the instance (it must then simply be constructed)."""
    found = _converters(cls)
    if found is None:
        return None
    checked = {}
    for name, convert in found.items():
        if name in given:
            value = given[name]
            checked[name] = value if convert is None else convert(value)
    if len(checked) != len(given):
        raise TypeError(f"{cls.__name__}: no fields {sorted(set(given) - set(checked))}")
    return checked


def built(cls: type[_T], /, own: dict[str, Any], given: dict[str, Any]) -> _T:
    """An instance of ``cls`` from fields billkit made (``own``: not checked
    again, as :func:`made`) and fields a caller gave (``given``: converted and
    checked by ``cls``'s own converters, in the class's field order, as its
    constructor would). A class whose converters need the instance is simply
    constructed."""
    checked = converted(cls, given)
    if checked is None:
        return cls(**own, **given)
    return made(cls, **own, **checked)
