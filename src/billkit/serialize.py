"""Every public value to plain JSON-safe data and back, exactly.

One cattrs converter turns billkit's values (plans, quotes, subscriptions,
ledgers, documents, parties, usage events and reports, ...) into dicts of
strings, ints, bools, lists and ``None``, and reads them back through the
values' own constructors, so whatever is read is checked again.

* ``Money`` is ``{"amount": "12.30", "currency": "EUR"}``: the amount is the
  exact ``Decimal`` as text ("12.300" stays "12.300"); a ``Decimal`` is text;
  dates and datetimes are ISO 8601 (an aware datetime keeps its offset, and a
  ``zoneinfo`` zone its IANA name: ``2026-03-29T03:00:00+02:00[Europe/Berlin]``);
  a time zone is its IANA name or a fixed offset such as ``+03:00``; an enum is
  its value; tuples and sets are lists.
* The top-level dict carries ``$type`` (which value it is, such as
  ``billkit.pricing.Plan``) and ``$version`` (:data:`SCHEMA_VERSION`), so
  :func:`from_data` finds the class by itself. Inside a field that may hold
  several kinds of value (a charge's price model, say) the dict carries its
  ``$type`` too.
* Unknown fields, missing required fields, wrong types, floats and newer
  schema versions are refused with a :class:`~billkit.errors.SerializationError`
  naming the path, such as ``lines[2].amount.currency``.

>>> from billkit.money import Money
>>> from billkit.pricing import Plan
>>> from billkit.serialize import dumps, loads, to_data
>>> plan = Plan(code="start", name="Start", currency="EUR", base_fee=Money("9.90", "EUR"))
>>> to_data(plan)["base_fee"]
{'amount': '9.90', 'currency': 'EUR'}
>>> loads(dumps(plan)) == plan
True
"""

from __future__ import annotations

import base64
import collections.abc
import enum
import functools
import importlib
import json
import operator
import pkgutil
import re
import sys
import threading
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar, Union, overload
from zoneinfo import ZoneInfo

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ForbiddenExtraKeysError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from moneyed import Currency, Money

from billkit import _serialize_table
from billkit.errors import SerializationError, ValidationError
from billkit.money import currency_of

if TYPE_CHECKING:
    from billkit.invoicing._template import Buyers

if sys.version_info < (3, 11):  # pragma: no cover - cattrs depends on the backport there
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found]

__all__ = ["SCHEMA_VERSION", "converter", "dumps", "from_data", "loads", "to_data"]

T = TypeVar("T")

SCHEMA_VERSION: Final = 1
"""The version of the data format :func:`to_data` writes; :func:`from_data`
reads it and every older one, and refuses newer ones."""

TYPE_KEY: Final = "$type"
VERSION_KEY: Final = "$version"
_OMIT_IF_DEFAULT: Final = "billkit.serialize.omit_if_default"
"""Field metadata key: a field added to a value later is left out while it holds its
default, so the data of values that do not use it reads as it always did."""

# The public rooms whose ``__all__`` names the values that can be saved.
_ROOMS: Final = (
    "billkit.money",
    "billkit.periods",
    "billkit.conventions",
    "billkit.parties",
    "billkit.pricing",
    "billkit.credit",
    "billkit.invoicing",
    "billkit.invoicing.render",
    "billkit.subscriptions",
    "billkit.usage",
    "billkit.billing",
    "billkit.simulate",
)
# Rooms of the shell whose values can be saved too. The core never imports
# them: their classes join the registry when a value of theirs is written, or
# when a tag of theirs is read (which imports the room named by the tag).
_SHELL_ROOMS: Final = ("billkit.payments", "billkit.engine")

_DECIMAL: Final = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DATETIME: Final = re.compile(
    r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{6})?(?:[+-]\d{2}:\d{2}(?::\d{2}(?:\.\d{6})?)?)?)"
    r"(?:\[([A-Za-z0-9_+\-/]+)\])?",
    re.ASCII,
)
_OFFSET: Final = re.compile(r"([+-])(\d{2}):(\d{2})(?::(\d{2}))?", re.ASCII)


class _Refused(Exception):
    """A value one of the hooks below cannot read; ``sub`` extends the path."""

    def __init__(self, value: object, expected: str, sub: str = "") -> None:
        super().__init__(f"{value!r}: expected {expected}")
        self.value = value
        self.expected = expected
        self.sub = sub


class _MissingValue:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Final = _MissingValue()


class _JsonFloat:
    """A JSON number with a fraction or exponent, kept so it is refused with its path."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


# ---------------------------------------------------------------- the registry


def _is_value_type(value: object) -> bool:
    return isinstance(value, type) and (attrs.has(value) or issubclass(value, enum.Enum))


def _room_modules(room: str) -> Iterator[types.ModuleType]:
    """The room's package (or module) and every public submodule under it."""
    package = importlib.import_module(room)
    yield package
    for info in pkgutil.walk_packages(getattr(package, "__path__", ()), prefix=room + "."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        try:
            yield importlib.import_module(info.name)
        except ImportError:  # a module of an optional extra that is not installed
            continue


def _public_classes(rooms: tuple[str, ...]) -> dict[type, str]:
    """Each value class of a room -> its tag ``room.Name``.

    The classes in the room's ``__all__`` first, then the public classes its
    submodules define and list in their ``__all__`` (names that left ``__all__`` still read and write under
    the same tag, so moving a class between a room's modules keeps its tag).
    A room nested in another (``billkit.invoicing.render``) tags its own classes.
    """
    found: dict[type, str] = {}
    for room in rooms:
        module = importlib.import_module(room)
        for name in module.__all__:
            value = getattr(module, name)
            if _is_value_type(value):
                found.setdefault(value, f"{room}.{value.__name__}")
    for room in rooms:
        deeper = tuple(r + "." for r in rooms if r.startswith(room + "."))
        for module in _room_modules(room):
            if module.__name__.startswith(deeper):
                continue
            names = getattr(module, "__all__", None)
            for name, value in sorted(vars(module).items()):
                if (
                    not name.startswith("_")
                    and (names is None or name in names)
                    and _is_value_type(value)
                    and value.__module__ == module.__name__
                ):
                    found.setdefault(value, f"{room}.{value.__name__}")
    return found


def _field_types(cls: type) -> Iterator[object]:
    hints = typing.get_type_hints(cls)
    for field in attrs.fields(cls):
        if field.init:
            yield hints.get(field.name, field.type)


def _walk(tp: Any) -> Iterator[type]:
    if isinstance(tp, type):
        yield tp
    for arg in typing.get_args(tp):
        yield from _walk(arg)


def _build_registry(
    rooms: tuple[str, ...] = _ROOMS, known: Callable[[type], bool] | None = None
) -> tuple[dict[type, str], dict[str, type]]:
    """The value classes of ``rooms`` and their tags, found by importing every
    public module of the rooms (the plain path: ``_serialize_table`` holds its
    result for the core rooms). ``known`` says which classes already have a tag."""
    tags = _public_classes(rooms)
    if known:
        tags = {cls: tag for cls, tag in tags.items() if not known(cls)}
    todo = [cls for cls in tags if attrs.has(cls)]
    while todo:  # classes only reachable through a field still get a tag
        cls = todo.pop()
        for tp in _field_types(cls):
            for found in _walk(tp):
                if (
                    found not in tags
                    and (known is None or not known(found))
                    and (attrs.has(found) or issubclass(found, enum.Enum))
                    and found.__module__.startswith("billkit.")
                ):
                    tags[found] = f"{found.__module__}.{found.__qualname__}"
                    if attrs.has(found):
                        todo.append(found)
    by_tag: dict[str, type] = {}
    for cls, tag in tags.items():
        if tag in by_tag:  # pragma: no cover - a layout mistake, caught by the tests
            raise RuntimeError(f"two billkit values share the tag {tag!r}")
        by_tag[tag] = cls
    return tags, by_tag


# Values that moved to a lower room keep the tag they were first saved under:
# data saved before the move reads back, and data saved now reads in the
# versions before it. The tag of their new home is read too.
_FIRST_TAGS: Final = {
    "billkit.conventions.ProrationBasis": "billkit.pricing.ProrationBasis",
    "billkit.conventions.ProrationDivisor": "billkit.pricing.ProrationDivisor",
    "billkit.conventions.SliceRounding": "billkit.pricing.SliceRounding",
}

# The registry of the core rooms, precomputed (``_serialize_table``: tag ->
# "module:qualname", the order of ``_build_registry()``), so importing this module
# imports no room: a class's tag is looked up by where it is defined, and a tag's
# class is imported from there, each on first use and then kept in ``_TAGS`` and
# ``_CLASSES``. Filling them is idempotent (every thread finds the same entries),
# so first uses take no lock but the one importing a module not loaded yet.
_WHERE: Final[dict[str, str]] = dict(_serialize_table.TAGS)
_TAG_AT: Final[dict[str, str]] = {where: tag for tag, where in _WHERE.items()}
for _moved_to, _first_tag in _FIRST_TAGS.items():
    if _moved_to in _WHERE:  # (always: only a table being written again lacks them)
        _TAG_AT[_WHERE[_moved_to]] = _first_tag
        _WHERE[_first_tag] = _WHERE[_moved_to]

_TAGS: Final[dict[type, str]] = {}
"""Class -> tag, for the classes met so far (``_registry()`` gives them all)."""
_CLASSES: Final[dict[str, type]] = {}
"""Tag -> class, for the tags met so far."""
_JOINED: Final[dict[str, tuple[dict[type, str], dict[str, type]]]] = {}
"""Per shell room joined: its classes' tags, and back."""


_IMPORTING: Final = threading.RLock()
"""Held while a tag's module is imported: the rooms import each other in cycles, and
threads importing them at once can meet CPython's import deadlock detection
(``_DeadlockError``). No module calls serialize while it is imported, so no import
holding its own lock waits here."""


def _load(where: str) -> type:
    name, _, attribute = where.partition(":")
    if name in sys.modules:  # imported, or being imported (import_module waits for it)
        module = importlib.import_module(name)
    else:
        with _IMPORTING:
            module = importlib.import_module(name)
    found: type = getattr(module, attribute)
    return found


def _tag_of(cls: type) -> str | None:
    """The tag of ``cls`` (a value class of a core room or of a shell room joined), or None."""
    tag = _TAGS.get(cls)
    if tag is None:
        tag = _TAG_AT.get(f"{getattr(cls, '__module__', '')}:{getattr(cls, '__qualname__', '')}")
        if tag is None or _class_of(tag) is not cls:
            return None
        _TAGS[cls] = tag
    return tag


def _class_of(tag: str) -> type | None:
    """The class tagged ``tag`` (of a core room or of a shell room joined), or None."""
    cls = _CLASSES.get(tag)
    if cls is None:
        where = _WHERE.get(tag)
        if where is None:
            return None
        cls = _CLASSES[tag] = _load(where)
    return cls


def _registry() -> tuple[dict[type, str], dict[str, type]]:
    """Every tag known now, both ways: the core rooms' (importing them all) and
    those of the shell rooms joined so far."""
    classes: dict[str, type] = {}
    for tag in _WHERE:
        found = _class_of(tag)
        assert found is not None
        classes[tag] = found
    tags: dict[type, str] = {}
    for tag, cls in classes.items():
        tags.setdefault(cls, _TAG_AT[_WHERE[tag]])
    for room_tags, room_classes in list(_JOINED.values()):
        tags.update(room_tags)
        classes.update(room_classes)
    return tags, classes


def _shell_room(name: str) -> str | None:
    """The shell room that a module or tag name belongs to, if any."""
    for room in _SHELL_ROOMS:
        if name == room or name.startswith(room + "."):
            return room
    return None


def _join_shell_room(room: str) -> None:
    """Add a shell room's public values to the registry (once; deterministic)."""
    if room in _JOINED:
        return
    tags, by_tag = _build_registry((room,), lambda cls: _tag_of(cls) is not None)
    _TAGS.update(tags)
    _CLASSES.update(by_tag)
    _JOINED.setdefault(room, (tags, by_tag))


def _tag(cls: type) -> str:
    tag = _tag_of(cls)
    if tag is None and (room := _shell_room(cls.__module__)) is not None:
        _join_shell_room(room)
        tag = _TAGS.get(cls)
    if tag is None:
        raise SerializationError(
            TYPE_KEY, cls, "a billkit value type (an attrs class in a public __all__)"
        )
    return tag


# ---------------------------------------------------------------- scalars


def _expect(value: object, kind: type | tuple[type, ...], expected: str) -> None:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _Refused(value, expected)


def _s_str(value: object, tp: Any = str) -> Any:
    if tp is not str:  # a str-valued enum: singledispatch finds this hook first
        return _enum_hooks(tp)[1](value, tp)
    _expect(value, str, "a string")
    return value


def _s_int(value: object, tp: Any = int) -> Any:
    if tp is not int:  # an int-valued enum
        return _enum_hooks(tp)[1](value, tp)
    _expect(value, int, "an integer")
    return value


def _u_plain(value: Any) -> Any:
    # ``_value_``: an enum's ``.value`` is a descriptor, several times slower to read
    return value._value_ if isinstance(value, enum.Enum) else value


def _s_bool(value: object, _: object) -> bool:
    if not isinstance(value, bool):
        raise _Refused(value, "true or false")
    return value


def _s_none(value: object, _: object) -> None:
    if value is not None:
        raise _Refused(value, "null")


def _u_refuse_float(value: float) -> object:
    raise SerializationError("value", value, "no float anywhere in a billkit value")


def _s_refuse_float(value: object, _: object) -> object:
    raise _Refused(value, "no float: billkit values hold no floats")


def _u_decimal(value: Decimal) -> str:
    return str(value)


def _s_decimal(value: object, _: object = None) -> Decimal:
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
        raise _Refused(value, "a decimal number written as a string, such as '12.30'")
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise _Refused(value, "a decimal number written as a string") from None


def _u_money(value: Money) -> dict[str, str]:
    return {"amount": str(value.amount), "currency": value.currency.code}


def _s_money(value: object, _: object) -> Money:
    if not isinstance(value, dict):
        raise _Refused(value, 'an amount of money such as {"amount": "12.30", "currency": "EUR"}')
    for key in sorted(set(value) - {"amount", "currency"}):
        raise _Refused(value[key], "no such field: money has only amount and currency", key)
    for key in ("amount", "currency"):
        if key not in value:
            raise _Refused(_MISSING, "a value: the field is required", key)
    try:
        amount = _s_decimal(value["amount"])
    except _Refused as refused:
        raise _Refused(refused.value, refused.expected, "amount") from None
    currency = _s_currency(value["currency"], None, sub="currency")
    return Money(amount, currency)


def _u_currency(value: Currency) -> str:
    return str(value.code)


def _s_currency(value: object, _: object, sub: str = "") -> Currency:
    if not isinstance(value, str):
        raise _Refused(value, "an ISO 4217 currency code such as 'EUR'", sub)
    try:
        return currency_of(value)
    except ValidationError as error:
        raise _Refused(value, error.expected, sub) from None


def _u_date(value: date) -> str:
    return value.isoformat()


def _s_date(value: object, _: object = None) -> date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise _Refused(value, "an ISO 8601 date such as '2026-03-01'")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _Refused(value, "an existing calendar date in ISO 8601") from None


def _u_datetime(value: datetime) -> str:
    text = value.isoformat()
    zone = value.tzinfo
    if zone is None or isinstance(zone, timezone):
        return text
    if isinstance(zone, ZoneInfo) and zone.key:
        return f"{text}[{zone.key}]"
    raise SerializationError(
        "tzinfo", zone, "a datetime.timezone or a zoneinfo.ZoneInfo with an IANA name"
    )


def _s_datetime(value: object, _: object = None) -> datetime:
    match = _DATETIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise _Refused(
            value, "an ISO 8601 date and time such as '2026-03-01T09:30:00+03:00[Europe/Moscow]'"
        )
    try:
        moment = datetime.fromisoformat(match.group(1))
    except ValueError:
        raise _Refused(value, "an existing date and time in ISO 8601") from None
    if match.group(2):
        if moment.tzinfo is None:
            raise _Refused(value, "an offset before the [time zone]")
        zone = _zone_named(match.group(2), value)
        # The same wall time in the zone, with the fold its offset says: exact
        # for times the clocks repeat (autumn) or skip (spring) too.
        wall = moment.replace(tzinfo=None)
        for fold in (0, 1):
            found = wall.replace(tzinfo=zone, fold=fold)
            if found.utcoffset() == moment.utcoffset():
                return found
        return moment.astimezone(zone)  # the zone's rules changed: keep the instant
    return moment


def _zone_named(name: str, value: object) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        raise _Refused(value, "an IANA time zone name such as 'Europe/Moscow'") from None


def _u_tz(value: tzinfo) -> str:
    if isinstance(value, ZoneInfo) and value.key:
        return value.key
    if isinstance(value, timezone):
        offset = value.utcoffset(None)
        sign = "-" if offset < timedelta(0) else "+"
        seconds = int(abs(offset).total_seconds())
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{sign}{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")
    raise SerializationError(
        "tzinfo", value, "a datetime.timezone or a zoneinfo.ZoneInfo with an IANA name"
    )


def _s_tz(value: object, _: object) -> tzinfo:
    if not isinstance(value, str):
        raise _Refused(value, "an IANA time zone name such as 'Europe/Moscow' or an offset")
    offset = _OFFSET.fullmatch(value)
    if offset:
        sign, hours, minutes, seconds = offset.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes), seconds=int(seconds or 0))
        try:
            return timezone(-delta if sign == "-" else delta)
        except ValueError:
            raise _Refused(value, "an offset under 24 hours") from None
    return _zone_named(value, value)


def _u_bytes(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _s_bytes(value: object, _: object) -> bytes:
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except ValueError:
            pass
    raise _Refused(value, "bytes written as a base64 string")


def _u_quantity(value: object) -> object:
    """A usage quantity (``Mapping[str, object]``): a number or a list of them.

    A ``Decimal`` is text and an ``int`` a JSON integer; a quantity given as
    text is kept as text, wrapped: ``{"$type": "str", "value": "1200"}``.
    """
    if isinstance(value, (bool, float)):
        raise SerializationError("usage", value, "a Decimal, an int or a list of them")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str):  # kept as given: "1200" is not Decimal("1200") to ==
        return {TYPE_KEY: "str", "value": value}
    if isinstance(value, (list, tuple)):
        return [_u_quantity(item) for item in value]
    raise SerializationError("usage", value, "a Decimal, an int or a list of them")


def _s_quantity(value: object, _: object = None) -> object:
    if isinstance(value, bool):
        raise _Refused(value, "a quantity: a decimal string, an integer or a list of them")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return _s_decimal(value)
    if isinstance(value, list):
        return tuple(_s_quantity(item) for item in value)
    if (
        isinstance(value, dict)
        and value.get(TYPE_KEY) == "str"
        and set(value) == {TYPE_KEY, "value"}
    ):
        return _s_str(value["value"])
    raise _Refused(value, "a quantity: a decimal string, an integer or a list of them")


# ---------------------------------------------------------------- hook factories


def _origin(tp: Any) -> object:
    return typing.get_origin(tp)


def _is_union(tp: Any) -> bool:
    return _origin(tp) in (Union, types.UnionType)


def _is_sequence(tp: Any) -> bool:
    return _origin(tp) in (tuple, list, collections.abc.Sequence, frozenset, set)


def _is_mapping(tp: Any) -> bool:
    return _origin(tp) in (collections.abc.Mapping, dict)


def _is_enum(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, enum.Enum)


def _is_attrs(tp: Any) -> bool:
    return isinstance(tp, type) and attrs.has(tp)


def _is_enum_type(tp: Any) -> bool:
    return _origin(tp) is type


def _is_callable(tp: Any) -> bool:
    return _origin(tp) is collections.abc.Callable


def _is_object(tp: Any) -> bool:
    return tp is object or tp is Any


def _unstructure(value: Any, tp: Any) -> Any:
    return converter.unstructure(value, tp)


def _unstructurer(tp: Any, conv: cattrs.Converter | None = None) -> Callable[[Any], Any]:
    """``lambda value: _unstructure(value, tp)`` with the hook looked up on first use
    (not when the hook that needs it is made: a value may hold itself, a ``Plan`` in
    a ``Plan``'s change), then called directly: saving an invoice unstructures
    some thirty nested fields, each of which used to look its hook up again."""
    found: list[Callable[[Any], Any]] = []

    def unstructure(value: Any) -> Any:
        if not found:
            found.append((conv or converter).get_unstructure_hook(tp))
        return found[0](value)

    return unstructure


def _structure(value: Any, tp: Any) -> Any:
    return converter.structure(value, tp)


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _note(error: Exception, note: object) -> Exception:
    error.__notes__ = [*getattr(error, "__notes__", []), note]  # type: ignore[attr-defined]
    return error


def _collect(results: list[Any], errors: list[Exception], tp: Any) -> list[Any]:
    if errors:
        raise cattrs.IterableValidationError(f"While structuring {tp!r}", errors, tp)
    return results


@functools.cache  # one pair per enum class: a pure function of the class
def _enum_hooks(cls: type[enum.Enum]) -> tuple[Callable[..., Any], Callable[..., Any]]:
    values = [member.value for member in cls]
    expected = f"one of {values!r}"

    def unstructure(value: enum.Enum) -> object:
        return value._value_

    def structure(value: object, _: object) -> enum.Enum:
        for member in cls:
            if type(member.value) is type(value) and member.value == value:
                return member
        raise _Refused(value, expected)

    return unstructure, structure


def _literal_structure(tp: Any) -> Callable[..., Any]:
    allowed = typing.get_args(tp)

    def structure(value: object, _: object) -> object:
        for option in allowed:
            if type(option) is type(value) and option == value:
                return option
        raise _Refused(value, f"one of {list(allowed)!r}")

    return structure


def _sequence_hooks(
    tp: Any, conv: cattrs.Converter | None = None
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    origin = _origin(tp)
    args = typing.get_args(tp)
    fixed = origin is tuple and not (len(args) == 2 and args[1] is Ellipsis)
    items = list(args) if fixed else [args[0] if args else Any]
    unset = origin in (frozenset, set)

    def item_type(index: int) -> object:
        return items[index] if fixed else items[0]

    hooks = [_unstructurer(item, conv) for item in items]

    def unstructure(value: Any) -> list[object]:
        out = (
            [hook(v) for hook, v in zip(hooks, value, strict=True)]
            if fixed
            else [hooks[0](v) for v in value]
        )
        return sorted(out, key=_canonical) if unset else out

    def structure(value: object, _: object) -> object:
        if not isinstance(value, list):
            raise _Refused(value, "a list")
        if fixed and len(value) != len(items):
            raise _Refused(value, f"a list of {len(items)} items")
        results: list[Any] = []
        errors: list[Exception] = []
        for i, v in enumerate(value):
            try:
                results.append(_structure(v, item_type(i)))
            except Exception as error:
                errors.append(_note(error, IterableValidationNote(f"@ index {i}", i, tp)))
        _collect(results, errors, tp)
        return frozenset(results) if unset else tuple(results)

    return unstructure, structure


def _is_namedtuple(tp: Any) -> bool:
    """A ``typing.NamedTuple`` held by a value (a simulation's bills)."""
    # ``tuple[X, ...]`` passes ``isinstance(tp, type)`` on Python 3.10: test its origin first.
    return (
        _origin(tp) is None
        and isinstance(tp, type)
        and issubclass(tp, tuple)
        and hasattr(tp, "_fields")
    )


def _namedtuple_hooks(
    tp: Any, conv: cattrs.Converter | None = None
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """A ``typing.NamedTuple`` as the list of its fields, in order, each by its annotation."""
    hints = typing.get_type_hints(tp)
    fields: Any = tuple(hints[f] for f in tp._fields)
    unstructure, structure_items = _sequence_hooks(tuple[fields], conv)

    def structure(value: object, _: object) -> object:
        return tp(*structure_items(value, tp))

    return unstructure, structure


def _text_keyed(key: object) -> bool:
    if key is str:
        return True
    if _is_enum(key):
        return all(isinstance(m.value, str) for m in key)  # type: ignore[attr-defined]
    return _origin(key) is Literal and all(isinstance(a, str) for a in typing.get_args(key))


def _mapping_hooks(
    tp: Any, conv: cattrs.Converter | None = None
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    args = typing.get_args(tp)
    key_tp, value_tp = args if args else (str, Any)
    as_object = _text_keyed(key_tp)

    key_hook, value_hook = _unstructurer(key_tp, conv), _unstructurer(value_tp, conv)

    def unstructure(value: Mapping[Any, Any]) -> object:
        pairs = [(key_hook(k), value_hook(v)) for k, v in value.items()]
        if as_object:
            return dict(sorted(pairs))
        return sorted(([k, v] for k, v in pairs), key=lambda pair: _canonical(pair[0]))

    def structure(value: object, _: object) -> dict[Any, Any]:
        if as_object:
            if not isinstance(value, dict):
                raise _Refused(value, "an object")
            pairs: list[tuple[object, object]] = list(value.items())
        else:
            if not isinstance(value, list) or not all(
                isinstance(p, list) and len(p) == 2 for p in value
            ):
                raise _Refused(value, "a list of [key, value] pairs")
            pairs = [(p[0], p[1]) for p in value]
        result: dict[Any, Any] = {}
        errors: list[Exception] = []
        for i, (k, v) in enumerate(pairs):
            where: Any = k if as_object else i
            try:
                key = _structure(k, key_tp)
                if key in result:
                    raise _Refused(k, "each key once")
                result[key] = _structure(v, value_tp)
            except Exception as error:
                errors.append(_note(error, IterableValidationNote(f"@ key {where!r}", where, tp)))
        if errors:
            raise cattrs.IterableValidationError(f"While structuring {tp!r}", errors, tp)
        return result

    return unstructure, structure


def _kind(tp: Any) -> str:
    """What a member of a union looks like in JSON."""
    if _is_attrs(tp):
        return "tagged"
    if tp in (str, bytes, Decimal, date, datetime, Currency) or _is_enum_type(tp):
        return "string"
    if _is_enum(tp):
        return "string" if _text_keyed(tp) else "number"
    if tp is bool:
        return "bool"
    if tp is int:
        return "number"
    if tp is type(None):
        return "null"
    if _is_sequence(tp):
        return "list"
    return "object"  # Money, mappings


def _wrap_name(tp: Any) -> str:
    if isinstance(tp, type) and (tag := _tag_of(tp)) is not None:
        return tag
    return {str: "str", int: "int", Decimal: "decimal", date: "date", datetime: "datetime"}.get(
        tp,
        "money" if tp is Money else "mapping" if _is_mapping(tp) else "list",
    )


def _never(value: object) -> bool:
    return False


def _matcher(tp: object) -> Callable[[object], bool]:
    """The test a union's unstructure hook runs to find the member ``value`` is:
    built once per member, since a union is unstructured for every optional field."""
    origin = _origin(tp)
    if tp is type(None):
        return lambda value: value is None
    if tp is date:
        return lambda value: isinstance(value, date) and not isinstance(value, datetime)
    if tp is int:
        return lambda value: isinstance(value, int) and not isinstance(value, bool)
    # ``tuple[X, ...]`` passes ``isinstance(tp, type)`` on Python 3.10: test its origin first.
    if isinstance(tp, type) and origin is None:
        kind = tp
        if attrs.has(kind):
            return lambda value: type(value) is kind
        return lambda value: isinstance(value, kind)
    if origin in (collections.abc.Mapping, dict):
        return lambda value: isinstance(value, Mapping)
    if origin in (tuple, list, collections.abc.Sequence):
        return lambda value: isinstance(value, (tuple, list))
    if origin in (frozenset, set):
        return lambda value: isinstance(value, (frozenset, set))
    return _never


def _union_hooks(
    tp: Any, conv: cattrs.Converter | None = None
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    members = typing.get_args(tp)
    kinds: dict[str, list[object]] = {}
    for member in members:
        kinds.setdefault(_kind(member), []).append(member)
    # A date-or-datetime pair is told apart by its shape ("T"); other members
    # that would look alike in JSON are wrapped: {"$type": "decimal", "value": ...}.
    day_or_moment = set(kinds.get("string", [])) == {date, datetime}
    wrapped = {
        m
        for kind, group in kinds.items()
        if kind in ("string", "number", "object", "list") and len(group) > 1
        for m in group
        if not (day_or_moment and kind == "string")
    }
    by_tag = {_tag(m): m for m in members if _is_attrs(m)}
    by_wrap = {_wrap_name(m): m for m in wrapped}

    tagged = {member: tag for tag, member in by_tag.items()}
    plans = [
        (
            _matcher(member),
            _unstructurer(member, conv),
            tagged.get(member),
            _wrap_name(member) if member in wrapped else None,
        )
        for member in members
    ]

    def unstructure(value: object) -> object:
        for matches, hook, tag, wrap in plans:
            if matches(value):
                data = hook(value)
                if tag is not None:
                    return {TYPE_KEY: tag, **data}
                if wrap is not None:
                    return {TYPE_KEY: wrap, "value": data}
                return data
        raise SerializationError("value", value, f"one of {tp}")

    def structure(value: object, _: object) -> object:
        if value is None:
            if type(None) in members:
                return None
            raise _Refused(value, f"a value (one of {_names(members)})")
        if isinstance(value, dict) and TYPE_KEY in value:
            tag = value[TYPE_KEY]
            if tag in by_tag:
                rest = {k: v for k, v in value.items() if k != TYPE_KEY}
                return _structure(rest, by_tag[tag])
            if tag in by_wrap:
                for key in sorted(set(value) - {TYPE_KEY, "value"}):
                    raise _Refused(value[key], "no such field", key)
                if "value" not in value:
                    raise _Refused(_MISSING, "a value: the field is required", "value")
                return _structure(value["value"], by_wrap[tag])
            raise _Refused(tag, f"one of {sorted([*by_tag, *by_wrap])}", TYPE_KEY)
        kind = (
            "bool"
            if isinstance(value, bool)
            else "number"
            if isinstance(value, int)
            else "string"
            if isinstance(value, str)
            else "list"
            if isinstance(value, list)
            else "object"
            if isinstance(value, dict)
            else "other"
        )
        if kind == "string" and day_or_moment:
            return _structure(value, datetime if "T" in str(value) else date)
        plain = [m for m in kinds.get(kind, []) if m not in wrapped]
        if len(plain) == 1:
            return _structure(value, plain[0])
        raise _Refused(value, f"one of {_names(members)}, with a {TYPE_KEY!r} key saying which")

    return unstructure, structure


def _names(members: tuple[object, ...]) -> str:
    return ", ".join(getattr(m, "__name__", str(m)) for m in members)


def _enum_type_hooks(tp: Any) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def unstructure(value: type) -> str:
        return _tag(value)

    def structure(value: object, _: object) -> type:
        cls = _class_of(value) if isinstance(value, str) else None
        if cls is None or not _is_enum(cls):
            raise _Refused(
                value, "the name of a billkit enum, such as 'billkit.money.RoundingMode'"
            )
        return cls

    return unstructure, structure


def _check_name(value: object) -> str | None:
    """The saved name of one of the built-in identifier checks, found by equality."""
    from billkit.parties import IDENTIFIER_SCHEMES

    for code, scheme in IDENTIFIER_SCHEMES.items():
        if scheme.validate == value:
            return f"billkit.parties.IDENTIFIER_SCHEMES[{code!r}]"
    return None


def _callable_hooks(tp: Any) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def unstructure(value: Callable[..., Any]) -> str:
        name = _check_name(value)
        if name is None:
            raise SerializationError(
                "validate",
                value,
                "one of billkit's own identifier checks (a function cannot be saved)",
            )
        return name

    def structure(value: object, _: object) -> Callable[..., Any]:
        from billkit.parties import IDENTIFIER_SCHEMES

        for code, scheme in IDENTIFIER_SCHEMES.items():
            if value == f"billkit.parties.IDENTIFIER_SCHEMES[{code!r}]":
                return scheme.validate  # type: ignore[no-any-return]
        raise _Refused(value, "the name of one of billkit's identifier checks")

    return unstructure, structure


# The inline form of a field's value ``{v}`` for the types an invoice is made of,
# each for exactly that class: any other value (a subclass, a wrong type) goes
# to the field type's general hook ``{u}``, which writes it or refuses it as before.
_INLINE: Final[dict[object, str]] = {
    str: "{v} if {v}.__class__ is str else {u}({v})",
    int: "{v} if {v}.__class__ is int else {u}({v})",
    bool: "{v} if {v}.__class__ is bool else {u}({v})",
    Decimal: "str({v}) if {v}.__class__ is Decimal else {u}({v})",
    Money: (
        "{{'amount': str({v}.amount), 'currency': {v}.currency.code}}"
        " if {v}.__class__ is Money else {u}({v})"
    ),
    Currency: "str({v}.code) if {v}.__class__ is Currency else {u}({v})",
    date: "{v}.isoformat() if {v}.__class__ is date else {u}({v})",
}


def _inline(tp: Any, v: str, u: str, names: dict[str, Any], conv: cattrs.Converter) -> str | None:
    """Python source that unstructures ``v`` (a name) of type ``tp`` as
    ``conv``'s hook for ``tp`` does, with ``u`` (the name of that hook) for
    whatever the source does not cover; ``None`` if it covers nothing."""
    if isinstance(tp, type) and tp in _INLINE:
        return _INLINE[tp].format(v=v, u=u)
    if _is_enum(tp):  # the enum's hook writes its value, as ``_u_plain`` does
        name = f"E{len(names)}"
        names[name] = tp
        return f"{v}._value_ if {v}.__class__ is {name} else {u}({v})"
    members = typing.get_args(tp) if _is_union(tp) else ()
    if len(members) == 2 and type(None) in members:
        # ``X | None``: JSON tells null from X apart, so X is neither tagged
        # nor wrapped unless it is an attrs class (left to the union's hook).
        (inner,) = (m for m in members if m is not type(None))
        body = None if _is_attrs(inner) else _inline(inner, v, u, names, conv)
        return f"None if {v} is None else ({body or f'{u}({v})'})"
    args = typing.get_args(tp)
    if _origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis:
        item_hook = f"I{len(names)}"
        names[item_hook] = _unstructurer(args[0], conv)
        item = _inline(args[0], "x", item_hook, names, conv)
        if item is not None:
            return f"[{item} for x in {v}] if {v}.__class__ is tuple else {u}({v})"
    return None


def _fast_unstructure_fn(cls: type, conv: cattrs.Converter) -> Callable[..., Any] | None:
    """The function that unstructures ``cls``, as cattrs' generated one would
    (the same keys in the same order, the same values), with the fields of
    plain types written inline instead of through one hook call each: saving
    an invoice calls a dozen hooks per line otherwise. ``None`` (cattrs' own
    function then) for a class that leaves fields out at their default, or
    has a field without a type or typed by a type variable."""
    fields = [f for f in attrs.fields(cls) if f.init]
    if any(f.metadata.get(_OMIT_IF_DEFAULT) for f in fields):
        return None
    try:
        hints = typing.get_type_hints(cls)
    except (NameError, TypeError):  # pragma: no cover - every billkit value resolves
        return None
    types_ = [hints.get(f.name, f.type) for f in fields]
    if any(tp is None or isinstance(tp, (TypeVar, str)) for tp in types_):
        return None
    names: dict[str, Any] = {"Decimal": Decimal, "Money": Money, "Currency": Currency}
    names["date"] = date
    reads: list[str] = []
    items: list[str] = []
    for i, (f, tp) in enumerate(zip(fields, types_, strict=True)):
        hook = f"u{i}"
        expression = _inline(tp, f"v{i}", hook, names, conv)
        if expression is None:  # resolved as cattrs resolves a field's hook
            try:
                names[hook] = conv.get_unstructure_hook(tp, cache_result=False)
            except RecursionError:  # a value holding its own type: as cattrs does
                names[hook] = conv.unstructure
            expression = f"{hook}(v{i})"
        else:
            names[hook] = _unstructurer(tp, conv)
        reads.append(f"    v{i} = instance.{f.name}")
        items.append(f"        {f.alias!r}: {expression},")
    source = "\n".join(
        [f"def unstructure_{cls.__name__}(instance):", *reads, "    return {", *items, "    }"]
    )
    namespace: dict[str, Any] = dict(names)
    exec(compile(source, f"<billkit.serialize {cls.__qualname__}>", "exec"), namespace)
    made: Callable[..., Any] = namespace[f"unstructure_{cls.__name__}"]
    return made


def _attrs_hooks(
    cls: type, conv: cattrs.Converter | None = None, fast: bool = True
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    conv = conv or converter
    # Fields are saved under their constructor names (``rows``, not ``_rows``).
    omitted: dict[str, Any] = {
        f.name: override(omit_if_default=True)
        for f in attrs.fields(cls)
        if f.init and f.metadata.get(_OMIT_IF_DEFAULT)
    }
    unstructure: Callable[..., Any] | None = _fast_unstructure_fn(cls, conv) if fast else None
    if unstructure is None:
        unstructure = make_dict_unstructure_fn(cls, conv, _cattrs_use_alias=True, **omitted)
    generated: Callable[..., Any] = make_dict_structure_fn(
        cls,
        converter,
        _cattrs_forbid_extra_keys=True,
        _cattrs_detailed_validation=True,
        _cattrs_use_alias=True,
    )

    saved_form = getattr(cls, "_saved_form", None)
    if saved_form is not None:  # a value saved in another form (a Quote: its lines)
        plain = unstructure
        unstructure = lambda value: plain(saved_form(value))  # noqa: E731

    names = [f.alias for f in attrs.fields(cls) if f.init]
    what = f"no such field in {(_tag_of(cls) or cls.__name__)} (its fields: {', '.join(names)})"

    def structure(value: object, _: object) -> object:
        if not isinstance(value, dict):
            raise _Refused(value, f"an object with the fields of {(_tag_of(cls) or cls.__name__)}")
        unknown = [_Refused(value[key], what, key) for key in sorted(set(value) - set(names))]
        if not unknown:
            return generated(value, cls)
        # Report the unknown fields with whatever else is wrong with the known ones.
        found: list[Exception] = []
        try:
            generated({k: v for k, v in value.items() if k in names}, cls)
        except cattrs.ClassValidationError as error:
            found.extend(error.exceptions)
        raise cattrs.ClassValidationError(
            f"While structuring {cls.__name__}", [*found, *unknown], cls
        )

    return unstructure, structure


def _lifecycle_hooks(cls: type) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """``Lifecycle`` is generic in its states: the enum class is saved by name."""
    _, states_structure = _enum_type_hooks(type)

    def unstructure(value: Any) -> dict[str, object]:
        return {
            "subject": value.subject,
            "states": _tag(value.states),
            "transitions": {
                state.value: {event: after.value for event, after in sorted(moves.items())}
                for state, moves in value.transitions.items()
            },
        }

    def structure(value: object, _: object) -> object:
        if not isinstance(value, dict):
            raise _Refused(value, "an object with subject, states and transitions")
        for key in sorted(set(value) - {"subject", "states", "transitions"}):
            raise _Refused(
                value[key], "no such field: a lifecycle has subject, states and transitions", key
            )
        for key in ("subject", "states", "transitions"):
            if key not in value:
                raise _Refused(_MISSING, "a value: the field is required", key)
        if not isinstance(value["subject"], str):
            raise _Refused(value["subject"], "a string", "subject")
        subject = value["subject"]
        try:
            states = states_structure(value["states"], None)
        except _Refused as refused:
            raise _Refused(refused.value, refused.expected, "states") from None
        _, member = _enum_hooks(states)
        table = value["transitions"]
        if not isinstance(table, dict) or not all(isinstance(m, dict) for m in table.values()):
            raise _Refused(table, "an object of state -> {event: next state}", "transitions")
        try:
            transitions = {
                member(state, None): {event: member(after, None) for event, after in moves.items()}
                for state, moves in table.items()
            }
        except _Refused as refused:
            raise _Refused(refused.value, refused.expected, "transitions") from None
        return cls(subject=subject, states=states, transitions=transitions)

    return unstructure, structure


def _make_converter(fast: bool = True) -> cattrs.Converter:
    """billkit's converter; ``fast=False`` unstructures attrs classes with
    cattrs' own generated functions only (the reference the tests compare with)."""
    made = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    for tp, unstructure, structure in (
        (str, _u_plain, _s_str),
        (int, _u_plain, _s_int),
        (bool, None, _s_bool),
        (float, _u_refuse_float, _s_refuse_float),
        (type(None), None, _s_none),
        (Decimal, _u_decimal, _s_decimal),
        (Money, _u_money, _s_money),
        (Currency, _u_currency, _s_currency),
        (date, _u_date, _s_date),
        (datetime, _u_datetime, _s_datetime),
        (bytes, _u_bytes, _s_bytes),
    ):
        if unstructure is not None:
            made.register_unstructure_hook(tp, unstructure)
        made.register_structure_hook(tp, structure)
    made.register_unstructure_hook_func(
        lambda tp: isinstance(tp, type) and issubclass(tp, tzinfo), _u_tz
    )
    made.register_structure_hook_func(
        lambda tp: isinstance(tp, type) and issubclass(tp, tzinfo), _s_tz
    )
    made.register_unstructure_hook_func(_is_object, _u_quantity)
    made.register_structure_hook_func(_is_object, _s_quantity)
    made.register_structure_hook_factory(lambda tp: _origin(tp) is Literal, _literal_structure)
    for predicate, factory in (
        (_is_enum, _enum_hooks),
        (_is_union, functools.partial(_union_hooks, conv=made)),
        (_is_sequence, functools.partial(_sequence_hooks, conv=made)),
        (_is_namedtuple, functools.partial(_namedtuple_hooks, conv=made)),
        (_is_mapping, functools.partial(_mapping_hooks, conv=made)),
        (_is_enum_type, _enum_type_hooks),
        (_is_callable, _callable_hooks),
        (_is_lifecycle, _lifecycle_hooks),
        (_is_plain_attrs, functools.partial(_attrs_hooks, conv=made, fast=fast)),
    ):
        made.register_unstructure_hook_factory(predicate, _first(factory))
        made.register_structure_hook_factory(predicate, _second(factory))
    return made


def _is_lifecycle(tp: Any) -> bool:
    """A state machine generic in its states (``invoicing.Lifecycle``), found by its fields."""
    return _is_attrs(tp) and [f.alias for f in attrs.fields(tp) if f.init] == [
        "subject",
        "states",
        "transitions",
    ]


def _is_plain_attrs(tp: Any) -> bool:
    return _is_attrs(tp) and not _is_lifecycle(tp)


def _first(factory: Callable[[Any], tuple[Any, Any]]) -> Callable[[Any], Any]:
    return lambda tp: factory(tp)[0]


def _second(factory: Callable[[Any], tuple[Any, Any]]) -> Callable[[Any], Any]:
    return lambda tp: factory(tp)[1]


converter: Final = _make_converter()
"""The cattrs converter behind :func:`to_data` and :func:`from_data`.

``converter.unstructure(value)`` gives a value's fields without ``$type`` and
``$version``; ``converter.structure(data, cls)`` reads them back (errors are
cattrs' own exception groups: :func:`from_data` turns them into one
:class:`~billkit.errors.SerializationError`).
"""


# ---------------------------------------------------------------- errors


def _join(path: str, name: str) -> str:
    if not name:
        return path
    if name.startswith("["):
        return path + name
    return f"{path}.{name}" if path else name


def _index(path: str, index: object) -> str:
    return f"{path}[{index}]" if isinstance(index, int) else f"{path}[{index!r}]"


def _relative(path: str, field: str) -> str:
    """Join a constructor's ``field`` to ``path``, once: ``totals`` + ``totals.gross``."""
    last = re.sub(r"\[[^\]]*\]$", "", path.rsplit(".", 1)[-1])
    if last and (field == last or field.startswith((f"{last}.", f"{last}["))):
        return _join(path[: len(path) - len(path.rsplit(".", 1)[-1])].rstrip("."), field)
    return _join(path, field)


def _problems(error: BaseException, path: str, owner: object) -> Iterator[tuple[str, object, str]]:
    if isinstance(error, ForbiddenExtraKeysError):
        name = (isinstance(error.cl, type) and _tag_of(error.cl)) or getattr(
            error.cl, "__name__", "this value"
        )
        fields = ", ".join(f.name for f in attrs.fields(error.cl) if f.init)
        for key in sorted(error.extra_fields):
            yield _join(path, key), _MISSING, f"no such field in {name} (its fields: {fields})"
        return
    if isinstance(error, BaseExceptionGroup):
        inner_owner = getattr(error, "cl", owner)
        for sub in error.exceptions:
            notes = [
                n
                for n in getattr(sub, "__notes__", [])
                if isinstance(n, (AttributeValidationNote, IterableValidationNote))
            ]
            if notes and isinstance(notes[-1], AttributeValidationNote):
                yield from _problems(sub, _join(path, notes[-1].name), inner_owner)
            elif notes and isinstance(notes[-1], IterableValidationNote):
                yield from _problems(sub, _index(path, notes[-1].index), inner_owner)
            elif isinstance(sub, ValidationError):  # the constructor refused the value
                yield _relative(path, sub.field), sub.value, sub.expected
            else:
                yield from _problems(sub, path, inner_owner)
        return
    if isinstance(error, _Refused):
        yield _join(path, error.sub), error.value, error.expected
    elif isinstance(error, KeyError):
        yield path, _MISSING, "a value: the field is required"
    elif isinstance(error, ValidationError):
        yield _relative(path, error.field), error.value, error.expected
    else:
        yield path, _MISSING, f"a valid value ({type(error).__name__}: {error})"


def _refuse(error: BaseException, what: str) -> SerializationError:
    found = list(_problems(error, "", None))
    if not found:  # pragma: no cover - every error above yields a problem
        found = [("", _MISSING, str(error))]
    path, value, expected = found[0]
    return SerializationError(path or "$", value, expected, problems=tuple(found), reading=what)


# ---------------------------------------------------------------- the API


def to_data(value: object) -> dict[str, Any]:
    """``value`` as a JSON-safe dict with its ``$type`` and ``$version``.

    >>> from billkit.periods import Period
    >>> from datetime import date
    >>> to_data(Period(start=date(2026, 3, 1), end=date(2026, 4, 1)))
    {'$type': 'billkit.periods.Period', '$version': 1, 'start': '2026-03-01', 'end': '2026-04-01'}
    """
    tag = _tag(type(value))
    body = converter.unstructure(value, type(value))
    return {TYPE_KEY: tag, VERSION_KEY: SCHEMA_VERSION, **body}


@overload
def from_data(data: Mapping[str, Any], cls: None = None) -> Any: ...
@overload
def from_data(data: Mapping[str, Any], cls: type[T]) -> T: ...
def from_data(data: Mapping[str, Any], cls: type[T] | None = None) -> T | Any:
    """Read a value written by :func:`to_data`, through its constructor.

    ``$type`` says which class it is; give ``cls`` to also require that class.
    Raises :class:`~billkit.errors.SerializationError` naming the path of
    every field it refuses.

    >>> from billkit.periods import Period
    >>> from_data({"$type": "billkit.periods.Period", "$version": 1,
    ...            "start": "2026-03-01", "end": "2026-04-01"})
    Period(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 4, 1))
    """
    if not isinstance(data, Mapping):
        raise SerializationError("$", data, "an object with $type and $version")
    tag = data.get(TYPE_KEY, _MISSING)
    version = data.get(VERSION_KEY, _MISSING)
    target = _class_of(tag) if isinstance(tag, str) else None
    if target is None and isinstance(tag, str) and (room := _shell_room(tag)) is not None:
        _join_shell_room(room)
        target = _CLASSES.get(tag)
    if target is None or not _is_attrs(target):
        raise SerializationError(
            TYPE_KEY, tag, "the name of a billkit value, such as 'billkit.pricing.Plan'"
        )
    if cls is not None and target is not cls:
        raise SerializationError(TYPE_KEY, tag, repr(_tag_of(cls) or cls.__name__))
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SerializationError(VERSION_KEY, version, "a schema version: an integer from 1")
    if version > SCHEMA_VERSION:
        raise SerializationError(
            VERSION_KEY,
            version,
            f"a schema version up to {SCHEMA_VERSION}: the data was written by a newer "
            "billkit, upgrade py-billkit to read it",
        )
    body = {k: v for k, v in data.items() if k not in (TYPE_KEY, VERSION_KEY)}
    try:
        return converter.structure(body, target)
    except (Exception, BaseExceptionGroup) as error:
        if isinstance(error, SerializationError):
            raise
        raise _refuse(error, tag) from None


def dumps(value: object) -> str:
    """``value`` as deterministic JSON: sorted keys, compact, no floats.

    >>> from billkit.money import Money
    >>> from billkit.pricing import Flat
    >>> dumps(Flat(amount=Money("12.300", "EUR")))
    '{"$type":"billkit.pricing.Flat","$version":1,"amount":{"amount":"12.300","currency":"EUR"}}'
    """
    return json.dumps(
        to_data(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        check_circular=False,  # to_data makes a tree: no cycle to look for
    )


# ---------------------------------------------------------------- documents as text, fast

# The encoder dumps() uses, made once: json.dumps() with these options makes one per call.
_encode: Final = json.JSONEncoder(
    sort_keys=True,
    separators=(",", ":"),
    ensure_ascii=False,
    allow_nan=False,
    check_circular=False,
).encode
# A string as that encoder writes it (the C function json itself calls).
_string: Final = json.encoder.encode_basestring

# The value classes that _Texts writes field by field (the rest through dumps'
# own route): a bill run's documents and what they are made of.
# (None of them leaves a field out at its default or is saved in another form:
# a class that did would need its own writer, and tests/serialize/test_text.py
# checks that none does.)
_WRITTEN: Final = (
    "billkit.invoicing.Invoice",
    "billkit.invoicing.Proforma",
    "billkit.invoicing.Act",
    "billkit.invoicing.DocumentLine",
    "billkit.invoicing.TaxGroup",
    "billkit.invoicing.Totals",
    "billkit.parties.Party",
)

# Per type: how _Texts writes a field of that type, as an expression of the
# field's value ``{v}`` and its cattrs hook ``{u}`` (``_w``: _Texts._write);
# a value of another class than the annotation's goes through the hook.
_TEXT_INLINE: Final[dict[object, str]] = {
    str: "_s({v}) if {v}.__class__ is str else _e({u}({v}))",
    int: "int.__repr__({v}) if {v}.__class__ is int else _e({u}({v}))",
    bool: "('true' if {v} else 'false') if {v}.__class__ is bool else _e({u}({v}))",
    # A Decimal's str() is digits, sign, point, exponent or a NaN/Infinity
    # word: nothing JSON escapes, so it is quoted as is.
    Decimal: "'\"' + str({v}) + '\"' if {v}.__class__ is Decimal else _e({u}({v}))",
    Money: (
        '\'{{"amount":"\' + str({v}.amount) + _ct[{v}.currency.code]'
        " if {v}.__class__ is Money else _e({u}({v}))"
    ),
    Currency: "_s(str({v}.code)) if {v}.__class__ is Currency else _e({u}({v}))",
    date: "_s({v}.isoformat()) if {v}.__class__ is date else _e({u}({v}))",
}


def _text_expression(tp: Any, v: str, u: str, names: dict[str, Any]) -> str:
    """The expression writing a field of type ``tp`` held in ``v`` as JSON text,
    the text ``_encode(u(v))`` gives (``u``: the field's cattrs hook)."""
    if isinstance(tp, type) and tp in _TEXT_INLINE:
        return _TEXT_INLINE[tp].format(v=v, u=u)
    if _is_enum(tp):  # the hook writes the enum's value
        name = f"E{len(names)}"
        names[name] = tp
        # a text value is written as the encoder writes a str (_string), sooner
        write = "_s" if all(isinstance(m.value, str) for m in tp) else "_e"
        return f"{write}({v}._value_) if {v}.__class__ is {name} else _e({u}({v}))"
    if isinstance(tp, type) and _tag_of(tp) in _WRITTEN:  # written field by field, untagged
        name = f"C{len(names)}"
        names[name] = tp
        return f"_w({v}, {name}) if {v}.__class__ is {name} else _e({u}({v}))"
    members = typing.get_args(tp) if _is_union(tp) else ()
    if len(members) == 2 and type(None) in members:
        (inner,) = (m for m in members if m is not type(None))
        body = (
            f"_e({u}({v}))"  # an attrs value: tagged by the union's hook
            if _is_attrs(inner)
            else _text_expression(inner, v, u, names)
        )
        return f"'null' if {v} is None else ({body})"
    args = typing.get_args(tp)
    if _origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis:
        item_hook = f"I{len(names)}"
        names[item_hook] = _unstructurer(args[0], converter)
        item = _text_expression(args[0], "x", item_hook, names)
        return f"('[' + ','.join([{item} for x in {v}]) + ']') if {v}.__class__ is tuple else _e({u}({v}))"
    return f"_e({u}({v}))"


def _text_fields(cls: type) -> _Fields:
    """How :class:`_Texts` writes a ``cls`` value: its fields in the order of their
    keys (sorted, as dumps() writes them), each key's text, and each field's
    text as a Python expression (:func:`_text_expression`) with the names it
    needs; ``writers`` are those expressions as functions of the field's value."""
    fields = sorted((f for f in attrs.fields(cls) if f.init), key=lambda f: f.alias)
    hints = typing.get_type_hints(cls)
    names: dict[str, Any] = {"_s": _string, "_e": _encode, "attrs": attrs, "_ct": _CURRENCY_TAILS}
    names.update({"Decimal": Decimal, "Money": Money, "Currency": Currency, "date": date})
    expressions: list[str] = []
    for i, f in enumerate(fields):
        hook = f"u{i}"
        tp = hints.get(f.name, f.type)
        names[hook] = converter.get_unstructure_hook(tp, cache_result=False)
        expressions.append(_text_expression(tp, f"v{i}", hook, names))
    source = "\n".join(f"def w{i}(v{i}, _w):\n    return {e}\n" for i, e in enumerate(expressions))
    exec(compile(source, f"<billkit.serialize text {cls.__qualname__}>", "exec"), names)
    return _Fields(
        cls=cls,
        names=tuple(f.name for f in fields),
        keys=tuple(("{" if n == 0 else ",") + _string(f.alias) + ":" for n, f in enumerate(fields)),
        expressions=tuple(expressions),
        namespace=names,
    )


class _Fields:
    """A class's fields as :class:`_Texts` writes them (see :func:`_text_fields`)."""

    __slots__ = ("cls", "expressions", "get", "keys", "names", "namespace", "writers")

    def __init__(
        self,
        *,
        cls: type,
        names: tuple[str, ...],
        keys: tuple[str, ...],
        expressions: tuple[str, ...],
        namespace: dict[str, Any],
    ) -> None:
        self.cls = cls
        self.names = names
        self.keys = keys
        self.expressions = expressions
        self.namespace = namespace
        writers = [namespace[f"w{i}"] for i in range(len(names))]
        self.writers: tuple[Callable[[Any, Callable[..., str]], str], ...] = tuple(writers)
        if len(names) == 1:
            one = operator.attrgetter(names[0])
            self.get: Callable[[Any], tuple[Any, ...]] = lambda value: (one(value),)
        elif names:
            self.get = operator.attrgetter(*names)  # a value's fields, in key order
        else:
            self.get = lambda _: ()


class _Skeleton:
    """One shape of a class's values in a stream of documents: which fields hold
    the very same objects from one value to the next (the ``constants``, at
    positions in key order, and their ``objects``), and ``write``, a function
    compiled for this shape: a value whose constant fields hold those objects
    (``is``: the skeleton keeps them alive, so no identity is reused while it
    lives) is written as the text of the whole value computed once, with only
    the other fields' texts written into it; ``write`` answers ``None`` for
    any other value.
    """

    __slots__ = ("constants", "objects", "write")

    def __init__(
        self,
        constants: tuple[int, ...],
        objects: tuple[Any, ...],
        write: Callable[[Any, Callable[..., str]], str | None],
    ) -> None:
        self.constants = constants
        self.objects = objects
        self.write = write


def _skeleton(
    fields: _Fields, values: tuple[Any, ...], texts: list[str], same: list[bool]
) -> _Skeleton:
    """The skeleton of ``values`` (written ``texts``) whose constant fields are
    those ``same`` marks: its ``write`` checks them by identity, then joins the
    precomputed text between the other fields with their expressions."""
    names = dict(fields.namespace)
    reads: list[str] = []
    checks: list[str] = []
    pieces: list[str] = []
    text = ""
    for i, key in enumerate(fields.keys):
        text += key
        if same[i]:
            names[f"K{i}"] = values[i]
            checks.append(f"v{i} is K{i}")
            reads.append(f"    v{i} = instance.{fields.names[i]}")
            text += texts[i]
            continue
        names[f"T{i}"] = text
        pieces.append(f"        T{i},")
        pieces.append(f"        {fields.expressions[i]},")
        text = ""
    names["END"] = text + ("}" if fields.keys else "{}")
    pieces.append("        END,")
    lines = ["def write(instance, _w):", *reads]
    if checks:
        lines.append(f"    if not ({' and '.join(checks)}):")
        lines.append("        return None")
    lines.extend(f"    v{i} = instance.{fields.names[i]}" for i in range(len(same)) if not same[i])
    lines += ["    return ''.join((", *pieces, "    ))"]
    name = f"<billkit.serialize text skeleton {fields.cls.__qualname__}>"
    exec(compile("\n".join(lines), name, "exec"), names)
    constants = tuple(i for i, s in enumerate(same) if s)
    return _Skeleton(constants, tuple(values[i] for i in constants), names["write"])


# Per class: how _Texts writes its values' fields (derived from the class alone,
# made on first use).
_TEXT_FIELDS: Final[dict[type, _Fields]] = {}


class _CurrencyTails(dict[str, str]):
    """Per currency code, the end of a Money's JSON object after its amount,
    ``","currency":"EUR"}``: made on first use (``_ct[code]`` in a writer)."""

    def __missing__(self, code: str) -> str:
        tail = self[code] = '","currency":' + _string(code) + "}"
        return tail


_CURRENCY_TAILS: Final = _CurrencyTails()


class _Shape:
    """What a :class:`_Texts` knows of one class: its fields, and the skeleton of
    the values written so far (none yet, with the first value's fields in
    ``first``, until a second value is written).

    The skeleton only ever loses constants: a value that does not fit it is
    written field by field and the skeleton replaced by the one whose
    constants are the fields that value shares with it. So a class's values
    are written field by field at most once per field, plus the first two,
    whatever the stream of documents; in a bill run, the skeleton settles
    on the fields every account shares within the first invoices.
    """

    __slots__ = ("fields", "first", "skeleton")

    def __init__(self, fields: _Fields) -> None:
        self.fields = fields
        self.first: tuple[Any, ...] | None = None
        self.skeleton: _Skeleton | None = None

    def learn(self, values: tuple[Any, ...], texts: list[str]) -> None:
        """Fit the skeleton to ``values``, written ``texts``."""
        skeleton = self.skeleton
        if skeleton is None:
            if self.first is None:
                self.first = values
                return
            same = [a is b for a, b in zip(values, self.first, strict=True)]
            self.first = None
        else:
            same = [False] * len(values)
            for i, known in zip(skeleton.constants, skeleton.objects, strict=True):
                same[i] = values[i] is known
        self.skeleton = _skeleton(self.fields, values, texts, same)


class _Texts:
    """Values as the JSON text :func:`dumps` writes, byte for byte, faster for a
    stream of documents (a bill run's manifest hashes each invoice's text).

    An invoice, its lines, tax groups, totals and parties are written field by
    field, straight to text (dumps builds a dict first, then encodes it); any
    other value through dumps' own route. A stream of documents of one shape
    is cheap to write through skeletons (:class:`_Skeleton`, :class:`_Shape`):
    when values of a class hold the very same objects in some fields (an
    invoice's seller, dates, locale, period; a buyer's kind and country; a
    line's code, period, rate), those fields are the class's skeleton's
    constants, and the text around the other fields is computed once. A value
    whose constant fields hold those same objects is written by writing only
    its other fields into the skeleton: for a bill run's invoice, the buyer's
    name, the number, each line's figures and the totals. Any other value is
    written field by field, and the skeleton keeps as constants only what
    that value shares with it.

    Skeletons are bounded (one per class met: memory stays flat over any
    number of documents) and rest on identity: a value's text depends only on
    the value, and billkit's values are immutable, so the same object always
    has the same text; a skeleton keeps its constants alive, so an identity is
    never reused for another object while it checks against it.
    tests/serialize/test_text.py proves ``texts.dumps(v) == dumps(v)``, over
    streams of generated documents that share some objects and not others.
    """

    __slots__ = ("_shapes",)

    def __init__(self) -> None:
        self._shapes: dict[type, _Shape] = {}

    def _write(self, value: Any, cls: type) -> str:
        """``value`` (a ``cls``, one of _WRITTEN) as the untagged JSON object of its fields."""
        shape = self._shapes.get(cls)
        if shape is None:
            fields = _TEXT_FIELDS.get(cls)
            if fields is None:
                fields = _TEXT_FIELDS[cls] = _text_fields(cls)
            shape = self._shapes[cls] = _Shape(fields)
        m = self._write
        skeleton = shape.skeleton
        if skeleton is not None:
            text = skeleton.write(value, m)
            if text is not None:
                return text
        fields = shape.fields
        values = fields.get(value)
        texts = [write(v, m) for write, v in zip(fields.writers, values, strict=True)]
        shape.learn(values, texts)
        if not texts:
            return "{}"
        return "".join([k + t for k, t in zip(fields.keys, texts, strict=True)]) + "}"

    def dumps(self, value: object) -> str:
        """``dumps(value)``, the same text."""
        cls = type(value)
        tag = _TAGS.get(cls) or _tag_of(cls)
        if tag is None or tag not in _WRITTEN:
            return dumps(value)
        body = self._write(value, cls)
        head = _HEADS.get(tag)
        if head is None:
            head = _HEADS[tag] = f'{{"$type":{_string(tag)},"$version":{SCHEMA_VERSION}'
        return head + "}" if body == "{}" else head + "," + body[1:]


# Per tag: how a tagged document's text starts (its type and schema version).
_HEADS: Final[dict[str, str]] = {}


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise SerializationError(key, value, "each key once in a JSON object")
        result[key] = value
    return result


def _no_constant(text: str) -> object:
    raise SerializationError("$", text, "JSON without NaN or Infinity")


@overload
def loads(text: str, cls: None = None) -> Any: ...
@overload
def loads(text: str, cls: type[T]) -> T: ...
def loads(text: str, cls: type[T] | None = None) -> T | Any:
    """Read a value from JSON written by :func:`dumps` (see :func:`from_data`).

    A JSON number with a fraction is refused wherever it is: amounts are text.
    """
    if not isinstance(text, (str, bytes, bytearray)):
        raise SerializationError("$", text, "JSON text")
    try:
        data = json.loads(
            text, parse_float=_JsonFloat, parse_constant=_no_constant, object_pairs_hook=_pairs
        )
    except json.JSONDecodeError as error:
        raise SerializationError("$", text[:40], f"JSON text ({error.msg})") from None
    return from_data(data, cls)


# ---------------------------------------------------------------- a bill run's shortcuts

# What a character past '~' becomes in JSON written with ``ensure_ascii`` (the
# default of json.dumps, and records.canonical_json's): ``\uXXXX`` in lower-case
# hex, a character past U+FFFF as its UTF-16 surrogate pair (as json's own C
# encoder writes it). Every other character is written the same either way.
_PAST_TILDE: Final = re.compile("[\x7f-\U0010ffff]")


def _ascii_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


def _ascii_text(text: str) -> str:
    """JSON ``text`` written with ``ensure_ascii=False`` as ``ensure_ascii=True``
    writes it: each character past ``~`` (they are all inside strings) escaped."""
    if text.isascii() and "\x7f" not in text:
        return text
    return _PAST_TILDE.sub(_ascii_escape, text)


def _canonical_text(texts: _Texts, value: object) -> str:
    """``json.dumps(to_data(value), sort_keys=True, separators=(",", ":"),
    allow_nan=False)``, the ASCII text a store keeps of a record's data
    (``storage.records.canonical_json``), written by ``texts`` (:class:`_Texts`:
    dumps' text, each character past ``~`` then escaped as ``ensure_ascii``
    escapes it). tests/serialize/test_text.py proves it equal, on generated
    documents with any Unicode text."""
    return _ascii_text(texts.dumps(value))


class _Parties:
    """Parties read from the data :func:`to_data` writes: ``read(data) ==
    from_data(data)``, faster for a bill run's buyers (one per payer record).

    Data of the shape ``to_data`` gives a party with a kind, a country and a
    name and every other field at its default (no identifiers, addresses,
    bank, contacts...), at the current schema version, with a kind that is a
    :class:`~billkit.parties.PartyKind` value, is made by ``Buyers`` of that
    kind and country (``invoicing/_template.py``: kind and country checked
    once, by a sample party; each name by :class:`~billkit.parties.Party`'s
    own converter; the party's invariants, about identifiers only, hold for a
    party without any). Anything else (another shape, a value the checks
    refuse) is read by :func:`from_data`, which also names the error. One per
    bill run (``Billing.run``), never process-wide; it keeps one ``Buyers``
    per kind and country met. tests/serialize/test_parties.py proves ``read``
    equal to ``from_data`` (the value, or the same error) on generated data."""

    __slots__ = ("_buyers", "_defaults", "_kinds")

    def __init__(self) -> None:
        from billkit.parties.party import Party, PartyKind

        sample = to_data(Party(kind=PartyKind.INDIVIDUAL, country="IT", name="-"))
        # Every field but kind, country and name, as to_data writes its default
        # ("", None, []): data holding another value, or one of another type,
        # takes from_data.
        self._defaults: tuple[tuple[str, type, object], ...] = tuple(
            (key, type(value), value)
            for key, value in sample.items()
            if key not in (TYPE_KEY, VERSION_KEY, "kind", "country", "name")
        )
        self._kinds = frozenset(member.value for member in PartyKind)
        self._buyers: dict[tuple[str, str], Buyers | None] = {}

    def read(self, data: Mapping[str, Any]) -> Any:
        """The party ``data`` holds, as ``from_data(data)`` reads it."""
        if (
            not isinstance(data, dict)
            or len(data) != len(self._defaults) + 5
            or data.get(TYPE_KEY) != "billkit.parties.Party"
            or data.get(VERSION_KEY).__class__ is not int
            or data[VERSION_KEY] != SCHEMA_VERSION
        ):
            return from_data(data)
        kind, country, name = data.get("kind"), data.get("country"), data.get("name")
        if (
            kind.__class__ is not str
            or kind not in self._kinds
            or country.__class__ is not str
            or name.__class__ is not str
        ):
            return from_data(data)
        for field, cls, default in self._defaults:
            value = data.get(field, _MISSING)
            if value.__class__ is not cls or value != default:
                return from_data(data)
        key = (kind, country)
        if key in self._buyers:
            buyers = self._buyers[key]
        else:
            from billkit.invoicing._template import Buyers

            try:
                buyers = Buyers(kind, country)
            except ValidationError:
                buyers = None  # a country the party refuses: from_data names it
            self._buyers[key] = buyers
        if buyers is None:
            return from_data(data)
        try:
            return buyers(name)
        except ValidationError:
            return from_data(data)  # its error, with the path
