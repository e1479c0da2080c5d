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
checked; a caller's value never goes through it. :func:`shaped` makes values
of one shape (some fields the same in each); with ``added_up=True`` it leaves
out the invariants too, for values whose invariants hold by construction
where they are made (the compiled invoice, ``_template.py``).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

import attrs

__all__ = ["built", "converted", "made", "maker", "shaped"]

_T = TypeVar("_T")


def _slot(cls: type, name: str) -> Any:
    """The member descriptor of slot ``name`` of ``cls`` (or a base), or None."""
    for klass in cls.__mro__:
        found = klass.__dict__.get(name)
        if found is not None:
            return found if isinstance(found, types.MemberDescriptorType) else None
    return None


def _maker(
    cls: type,
    invariants: bool = True,
    given: tuple[str, ...] | None = None,
    fixed: Mapping[str, Any] | None = None,
) -> Any:
    """A function filling ``cls``'s fields, generated once, as attrs generates
    ``__init__`` without the converters; it runs ``__attrs_post_init__`` (unless
    not ``invariants``). With ``given=None`` it takes every field as a keyword
    (defaults for the rest); otherwise it takes the fields named in ``given``,
    positionally in that order, and sets those of ``fixed`` to the values bound
    here (defaults for the rest)."""
    names: dict[str, Any] = {"_new": object.__new__, "_set": object.__setattr__, "_cls": cls}
    fields = attrs.fields(cls)
    if given is not None:
        fixed = {} if fixed is None else dict(fixed)
        known = {field.name for field in fields}
        unknown = sorted((set(given) | set(fixed)) - known)
        if unknown:
            raise TypeError(f"{cls.__name__}: no fields {unknown}")
        twice = sorted({n for n in given if n in fixed or given.count(n) > 1})
        if twice:
            raise TypeError(f"{cls.__name__}: fields named twice {twice}")
    params, body = [], []
    for i, field in enumerate(fields):
        name = field.name
        default = field.default
        if given is not None and name in given:
            value = name
        elif fixed is not None and name in fixed:
            names[f"_f{i}"] = fixed[name]
            value = f"_f{i}"
        elif isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            raise TypeError(f"{cls.__name__}.{name}: made() takes no factories")
        elif given is not None:
            if default is attrs.NOTHING:
                raise TypeError(f"{cls.__name__}: no value for {name}")
            names[f"_d{i}"] = default
            value = f"_d{i}"
        else:
            value = name
            if default is attrs.NOTHING:
                params.append(f"{name}=_NOTHING")
                body.append(
                    f"    if {name} is _NOTHING:\n"
                    f"        raise TypeError({cls.__name__ + ': no value for ' + name!r})"
                )
            else:
                names[f"_d{i}"] = default
                params.append(f"{name}=_d{i}")
        slot = _slot(cls, name)
        if slot is not None:  # the slot's own setter: the same store, without the lookup
            names[f"_s{i}"] = slot.__set__
            body.append(f"    _s{i}(self, {value})")
        else:
            body.append(f"    _set(self, {name!r}, {value})")
    names["_NOTHING"] = attrs.NOTHING
    post = (
        "    self.__attrs_post_init__()\n"
        if invariants and hasattr(cls, "__attrs_post_init__")
        else ""
    )
    if given is None:
        head = (
            f"def make(*, {', '.join(params)}, **rest):\n"
            f"    if rest:\n"
            f"        raise TypeError(f{cls.__name__ + ': no fields '!r} + str(sorted(rest)))\n"
        )
    else:
        head = f"def make({', '.join(given)}):\n"
    source = head + "    self = _new(_cls)\n" + "\n".join(body) + f"\n{post}    return self\n"
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


def shaped(
    cls: type[_T],
    /,
    given: tuple[str, ...],
    fixed: Mapping[str, Any],
    *,
    added_up: bool = False,
) -> Callable[..., _T]:
    """:func:`maker` for values of one shape: a function taking only the fields
    named in ``given``, positionally in that order, with the fields of
    ``fixed`` (values billkit made and checked once, where it makes the
    function) the same in every value, and defaults for the rest; a field
    left without a value, a name that is no field, or one named twice is a
    ``TypeError`` here, once. For a hot loop making many values that differ in
    a few fields (the compiled invoice's lines, ``_template.py``).

    ``added_up=True`` leaves out the class's ``__attrs_post_init__``: for a value
    whose invariants hold by construction where it is made, and only there.
    Its one user is the compiled invoice (``_template.py``), whose module
    docstring and docs/architecture.md give the proof for each class it makes
    so; tests/invoicing/test_template.py runs the skipped checks on every
    value it makes."""
    return _maker(cls, not added_up, given, fixed)  # type: ignore[no-any-return]


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
