"""The one home of billkit's validators and converters (private).

Every room checks its input here, so a check behaves the same everywhere.
Each check takes ``(field, value)``, returns the value (converted where the
check says so) and otherwise raises ``error`` -- a
:class:`~billkit.errors.ValidationError` subclass, the room's own by choice --
naming the field, the value and what was expected:

>>> from billkit import _checks as checks
>>> from billkit.errors import UsageError
>>> checks.text("customer", "org-1")
'org-1'
>>> checks.text("customer", " org-1", error=UsageError)
Traceback (most recent call last):
...
billkit.errors.UsageError: customer = ' org-1': expected a non-empty str without surrounding spaces

One documented behaviour per check:

* :func:`text` -- a ``str``. ``required=True`` (the default): non-empty and
  without surrounding whitespace (codes, names, numbers). ``required=False``:
  any ``str``, ``""`` included, kept as given (free text); ``trimmed=True``
  refuses surrounding whitespace there too. ``optional=True`` lets ``None``
  through (for ``str | None``). Nothing is ever stripped or coerced.
* :func:`whole` -- an ``int`` (never a ``bool``) within ``low..high``.
* :func:`flag` -- exactly ``True`` or ``False``.
* :func:`day` -- a ``datetime.date`` that is not a ``datetime`` (billing days).
* :func:`moment` -- a timezone-aware ``datetime`` (a naive one is ambiguous)
  from 0001-01-02 to 9999-12-30 UTC, so its date exists in every time zone.
* :func:`tz` -- a ``tzinfo``, or a str: ``'UTC'`` (``datetime.timezone.utc``),
  a fixed offset ``'+03:00'``, or an IANA name ``'Europe/Moscow'``.
  :func:`tz_key` is the same check keeping the canonical str.
* :func:`member` -- a member of an enum, given as the member or its value;
  the message lists the allowed values.
* :func:`money`, :func:`decimal`, :func:`rate`, :func:`currency` -- delegate
  to :mod:`billkit.money` (floats, NaN, booleans refused). A number or code
  that money refuses keeps money's error kind in every room
  (:class:`~billkit.errors.MoneyError`,
  :class:`~billkit.errors.UnknownCurrencyError`); what these checks add
  (bounds, a missing currency) raises ``error``. A currency mix is always a
  :class:`~billkit.errors.CurrencyMismatchError`: the room's variant
  (:func:`currency_error`) when ``error`` is a room error.
* :func:`country` -- an ISO 3166-1 alpha-2 code in capitals; :func:`locale`
  -- ``'en'``, ``'fa_IR'``; :func:`whole_minor_units` -- a Money that is a whole
  number of minor units under a rounding policy.
* :func:`instance`, :func:`tuple_of`, :func:`texts` -- an object of a class; a
  sequence (never a bare str or bytes, except that :func:`texts` reads a bare
  str as one item) of objects of a class, as a tuple.
* :func:`tags` and :func:`mapping` -- mappings of checked keys to checked
  values, returned as a sorted :class:`FrozenMap` (read-only, and unlike
  ``types.MappingProxyType`` it pickles).

attrs field converters
----------------------

The upper-case names (:data:`TEXT`, :data:`DAY`, :data:`MONEY`,
:data:`MEMBER`...) are ``attrs.Converter`` objects that know the field they
convert, so one converter serves every field and the error still names it::

    @attrs.frozen(kw_only=True)
    class Seat:
        _error_class: ClassVar[type[ValidationError]] = InvoicingError
        name: str = attrs.field(converter=checks.TEXT)
        note: str = attrs.field(default="", converter=checks.FREE_TEXT)
        kind: SeatKind | None = attrs.field(default=None, converter=checks.MEMBER)

* The field is named by its ``__init__`` argument, prefixed with the class's
  ``_field_prefix`` ClassVar if it has one (``"account."``).
* The error class is the class's ``_error_class`` ClassVar (default
  :class:`~billkit.errors.ValidationError`).
* ``None`` is accepted exactly when the annotation allows it (``X | None``);
  :data:`MEMBER`, :data:`INSTANCE` and :data:`TUPLE` take the enum, class or
  item class from the annotation (``tuple[Line, ...]``). The annotation must
  therefore resolve at run time (no names imported only for type checking).
* Extra keyword arguments for the check (bounds, currency) come from
  ``attrs.field(metadata=checks.options(low=1, high=28))``.

mypy's attrs plugin accepts only named functions as converters, so for type
checkers each converter is declared as a function taking ``object``; at run
time it is the ``attrs.Converter``.

A converter prepares its field's check on first use and keeps it. A hot class
(built by the hundred thousand) binds the checks when it is defined instead,
one call per field: ``@attrs.frozen(kw_only=True,
field_transformer=checks.prepare_fields)``.
"""

from __future__ import annotations

import enum
import functools
import math
import numbers
import operator
import re
import sys
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar, overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
from moneyed import Currency, Money

from billkit.errors import (
    CreditCurrencyError,
    CreditError,
    CurrencyMismatchError,
    InvoicingCurrencyError,
    InvoicingError,
    MissingDependencyError,
    MoneyError,
    PricingCurrencyError,
    PricingError,
    ValidationError,
)

_E = TypeVar("_E", bound=enum.Enum)
_T = TypeVar("_T")
_K = TypeVar("_K")
_V = TypeVar("_V")

Error = type[ValidationError]

UTC: Final = timezone.utc

# --------------------------------------------------------------------------- text and numbers

_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def characters(field: str, value: str, *, error: Error = ValidationError) -> str:
    """``value`` if it holds characters only: a lone surrogate (U+D800 to
    U+DFFF, what ``"\\udcff"`` escapes or ``surrogateescape`` leave) is no
    character, cannot be written as UTF-8, and is refused here, when text
    comes in, not when a document is printed.

    >>> characters("name", "Ann")
    'Ann'
    >>> characters("name", "A\\ud800")
    Traceback (most recent call last):
    ...
    billkit.errors.ValidationError: name = 'A\\ud800': expected text without lone surrogates (U+D800 to U+DFFF); decode bytes as UTF-8
    """
    if not value.isascii() and _SURROGATE.search(value):
        raise error(
            field,
            value,
            "text without lone surrogates (U+D800 to U+DFFF); decode bytes as UTF-8",
        )
    return value


@overload
def text(
    field: str,
    value: object,
    *,
    required: bool = ...,
    optional: Literal[False] = ...,
    trimmed: bool | None = ...,
    max_length: int | None = ...,
    error: Error = ...,
) -> str: ...
@overload
def text(
    field: str,
    value: object,
    *,
    required: bool = ...,
    optional: Literal[True],
    trimmed: bool | None = ...,
    max_length: int | None = ...,
    error: Error = ...,
) -> str | None: ...
def text(
    field: str,
    value: object,
    *,
    required: bool = True,
    optional: bool = False,
    trimmed: bool | None = None,
    max_length: int | None = None,
    error: Error = ValidationError,
) -> str | None:
    """``value`` if it is a str: non-empty and unpadded when ``required``.

    ``trimmed`` (default: ``required``) refuses surrounding whitespace;
    ``optional`` lets ``None`` through; ``max_length`` bounds the length (an
    id that must fit a column).

    >>> text("note", "", required=False)
    ''
    >>> text("name", "")
    Traceback (most recent call last):
    ...
    billkit.errors.ValidationError: name = '': expected a non-empty str without surrounding spaces
    """
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise error(field, value, "a str or None" if optional else "a str")
    characters(field, value, error=error)
    if required:
        if not value or value != value.strip():
            raise error(field, value, "a non-empty str without surrounding spaces")
    elif (trimmed if trimmed is not None else False) and value != value.strip():
        raise error(field, value, "a str without surrounding spaces")
    if max_length is not None and len(value) > max_length:
        raise error(field, value, f"a str of at most {max_length} characters")
    return value


def whole(
    field: str,
    value: object,
    *,
    low: int | None = 0,
    high: int | None = None,
    error: Error = ValidationError,
) -> int:
    """``value`` if it is an int (not a bool) within ``low..high`` (``None``: unbounded).

    >>> whole("count", 3)
    3
    >>> whole("day", 31, low=1, high=28)
    Traceback (most recent call last):
    ...
    billkit.errors.ValidationError: day = 31: expected a whole number from 1 to 28
    """
    if low is not None and high is not None:
        bound = f" from {low} to {high}"
    elif low is not None:
        bound = f" of {low} or more"
    elif high is not None:
        bound = f" of {high} or less"
    else:
        bound = ""
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(field, value, f"a whole number{bound} (an int, not a bool)")
    if (low is not None and value < low) or (high is not None and value > high):
        raise error(field, value, f"a whole number{bound}")
    return value


def flag(field: str, value: object, *, error: Error = ValidationError) -> bool:
    """``value`` if it is exactly ``True`` or ``False`` (``1`` and ``"yes"`` are refused)."""
    if not isinstance(value, bool):
        raise error(field, value, "True or False")
    return value


# --------------------------------------------------------------------------- time


def day(field: str, value: object, *, error: Error = ValidationError) -> date:
    """``value`` if it is a ``datetime.date`` and not a ``datetime``.

    >>> day("on", datetime(2026, 1, 1))
    Traceback (most recent call last):
    ...
    billkit.errors.ValidationError: on = datetime.datetime(2026, 1, 1, 0, 0): expected a datetime.date, not a datetime (billing days are dates; use .date())
    """
    if isinstance(value, datetime):
        raise error(
            field, value, "a datetime.date, not a datetime (billing days are dates; use .date())"
        )
    if not isinstance(value, date):
        raise error(field, value, "a datetime.date")
    return value


def moment(field: str, value: object, *, error: Error = ValidationError) -> datetime:
    """``value`` if it is a timezone-aware ``datetime``; naive ones are refused."""
    if not isinstance(value, datetime):
        raise error(field, value, "a timezone-aware datetime.datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise error(
            field,
            value,
            "a timezone-aware datetime (a naive one is ambiguous: "
            "add tzinfo, e.g. datetime(..., tzinfo=timezone.utc))",
        )
    try:
        instant = value.astimezone(UTC)
    except OverflowError:
        instant = FIRST_MOMENT - timedelta(days=1)
    if not FIRST_MOMENT <= instant < LAST_MOMENT:
        raise error(
            field,
            value,
            "a moment from 0001-01-02 to 9999-12-30 UTC (its date must exist in every time zone)",
        )
    return value


FIRST_MOMENT: Final = datetime(1, 1, 2, tzinfo=UTC)
"""The earliest instant :func:`moment` accepts: its date exists in every time zone."""
LAST_MOMENT: Final = datetime(9999, 12, 31, tzinfo=UTC)
"""The instant :func:`moment` accepts only moments before."""


_OFFSET: Final = re.compile(r"([+-])(\d\d):(\d\d)")
_TZ_EXPECTED: Final = (
    "a time zone: a tzinfo, 'UTC', an offset such as '+03:00', "
    "or an IANA name such as 'Europe/Moscow'"
)


@functools.lru_cache(maxsize=256)
def _zone(key: str) -> tzinfo:
    if key == "UTC":
        return UTC
    match = _OFFSET.fullmatch(key)
    if match:
        hours, minutes = int(match[2]), int(match[3])
        if hours > 23 or minutes > 59:
            raise ValueError(key)
        offset = timedelta(hours=hours, minutes=minutes)
        return timezone(-offset if match[1] == "-" else offset)
    return ZoneInfo(key)


def tz(field: str, value: object, *, error: Error = ValidationError) -> tzinfo:
    """The time zone ``value`` names, or ``value`` itself if it is a usable ``tzinfo``.

    >>> tz("tz", "+03:00"), tz("tz", "UTC")
    (datetime.timezone(datetime.timedelta(seconds=10800)), datetime.timezone.utc)
    >>> tz("tz", "Mars/Olympus")
    Traceback (most recent call last):
    ...
    billkit.errors.ValidationError: tz = 'Mars/Olympus': expected a time zone: a tzinfo, 'UTC', an offset such as '+03:00', or an IANA name such as 'Europe/Moscow'
    """
    if isinstance(value, tzinfo):
        if datetime(2000, 1, 1, tzinfo=value).utcoffset() is None:
            raise error(field, value, "a tzinfo that gives a UTC offset")
        return value
    if not isinstance(value, str) or not value:
        raise error(field, value, _TZ_EXPECTED)
    try:
        return _zone(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise error(field, value, _TZ_EXPECTED) from None


def tz_key(field: str, value: object, *, error: Error = ValidationError) -> str:
    """Like :func:`tz`, but the zone's canonical str (``'UTC'``, ``'+03:00'``, an IANA key).

    >>> tz_key("tz", timezone(timedelta(hours=-5))), tz_key("tz", "Europe/Rome")
    ('-05:00', 'Europe/Rome')
    """
    zone = tz(field, value, error=error)
    if isinstance(value, str):
        return value
    if isinstance(zone, ZoneInfo) and zone.key:
        return zone.key
    if isinstance(zone, timezone):
        offset = zone.utcoffset(None)
        if not offset:
            return "UTC"
        sign = "-" if offset < timedelta(0) else "+"
        minutes = abs(offset) // timedelta(minutes=1)
        if abs(offset) == timedelta(minutes=minutes):
            return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    raise error(field, value, "a time zone with a name: 'UTC', '+03:00' or an IANA name")


_COUNTRY: Final = re.compile(r"[A-Z]{2}")
_LOCALE: Final = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")


def country(
    field: str, value: object, *, any_case: bool = False, error: Error = ValidationError
) -> str:
    """``value`` if it is an ISO 3166-1 alpha-2 code in capitals (``'RU'``).

    With ``any_case=True`` (what a person types: a party's country) a code in
    small letters is accepted and returned in capitals; otherwise (keys of
    tables) it is refused, never re-cased.

    >>> country("country", "IT"), country("country", "it", any_case=True)
    ('IT', 'IT')
    >>> country("country", "it")
    Traceback (most recent call last):
    ...
    billkit.errors.ValidationError: country = 'it': expected an ISO 3166-1 alpha-2 code in capitals, such as 'RU'
    """
    if any_case:
        if not isinstance(value, str) or not _COUNTRY.fullmatch(value.upper()):
            raise error(field, value, "an ISO 3166-1 alpha-2 country code such as 'RU'")
        return value.upper()
    if not isinstance(value, str) or not _COUNTRY.fullmatch(value):
        raise error(field, value, "an ISO 3166-1 alpha-2 code in capitals, such as 'RU'")
    return value


def locale(field: str, value: object, *, error: Error = ValidationError) -> str:
    """``value`` if it is a locale code: a language, optionally ``_`` and a country
    (``'en'``, ``'fa_IR'``, ``'ru_RU'``).

    >>> locale("locale", "fa_IR")
    'fa_IR'
    """
    if not isinstance(value, str) or not _LOCALE.fullmatch(value):
        raise error(field, value, "a locale code such as 'ru_RU', 'fa_IR' or 'en'")
    return known_locale(field, value, error=error)


def known_locale(field: str, value: str, *, error: Error = ValidationError) -> str:
    """``value`` if CLDR (through babel) has data for it, so that every date
    and number of a document in it can be formatted: ``'en_XX'`` (no such
    country) and ``'en_RU'`` (no such locale in CLDR) are refused when the
    document is built, not when it is printed.

    >>> known_locale("locale", "en_XX")
    Traceback (most recent call last):
    ...
    billkit.errors.ValidationError: locale = 'en_XX': expected a locale CLDR has data for, such as 'ru_RU', 'fa_IR', 'en_GB' or 'en'
    """
    if not _cldr_has(value):
        raise error(
            field, value, "a locale CLDR has data for, such as 'ru_RU', 'fa_IR', 'en_GB' or 'en'"
        )
    return value


@functools.lru_cache(maxsize=256)  # babel's data never changes in a process; parsing costs ~2.7 us
def _cldr_has(value: str) -> bool:
    from babel import Locale, UnknownLocaleError  # babel loads on first use

    try:
        Locale.parse(value)
    except (ValueError, TypeError, UnknownLocaleError):
        return False
    return True


# --------------------------------------------------------------------------- images

IMAGE_BYTES: Final = 2 * 1024 * 1024
"""The largest image (a logo) billkit accepts, in bytes: 2 MiB."""
IMAGE_PIXELS: Final = 12_000_000
"""The most pixels an image (a logo) may have: 12 million (4 000 x 3 000),
decoded in at most 48 MB; read from its header before anything is decoded."""
_PNG: Final = b"\x89PNG\r\n\x1a\n"
_JPEG: Final = b"\xff\xd8\xff"
_SOF: Final = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)


def _short(value: object) -> object:
    if isinstance(value, bytes) and len(value) > 16:
        return value[:16] + b"..."
    return value


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR or a JPEG's start-of-frame; None if absent."""
    if data.startswith(_PNG):
        if len(data) < 24 or data[12:16] != b"IHDR":
            return None
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _SOF:
            return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(
                data[i + 5 : i + 7], "big"
            )
        if marker == 0xD8 or 0xD0 <= marker <= 0xD7:  # no length
            i += 2
            continue
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return None


def image(
    field: str,
    value: object,
    *,
    max_bytes: int = IMAGE_BYTES,
    max_pixels: int = IMAGE_PIXELS,
    error: Error = ValidationError,
) -> bytes:
    """``value`` if it is the bytes of a PNG or JPEG image that decodes, of at
    most ``max_bytes`` bytes and ``max_pixels`` pixels (docs/limits.md).

    The size is read from the image's header first, so a decompression bomb
    (a few hundred kilobytes that decode to gigabytes) is refused before any
    pixel is decoded; then the image is decoded once, so a valid header with
    a garbage body is refused here too.

    >>> image("logo", b"GIF89a")
    Traceback (most recent call last):
    ...
    billkit.errors.ValidationError: logo = b'GIF89a': expected the bytes of a PNG or JPEG image (read the file first)
    """
    if isinstance(value, bytearray | memoryview):
        value = bytes(value)
    if not isinstance(value, bytes) or not value.startswith((_PNG, _JPEG)):
        raise error(field, _short(value), "the bytes of a PNG or JPEG image (read the file first)")
    if len(value) > max_bytes:
        raise error(
            field, _short(value), f"an image of at most {max_bytes} bytes, not {len(value)}"
        )
    size = _image_size(value)
    if size is None:
        raise error(field, _short(value), "a PNG or JPEG image whose header gives its size")
    width, height = size
    if width < 1 or height < 1 or width * height > max_pixels:
        raise error(
            field,
            _short(value),
            f"an image of at most {max_pixels} pixels, not {width} x {height}",
        )
    import io

    from PIL import Image  # Pillow comes with reportlab; loads on first use

    try:
        with Image.open(io.BytesIO(value), formats=("PNG", "JPEG")) as decoded:
            if decoded.size != (width, height):
                raise ValueError(decoded.size)
            decoded.load()
    except Exception as problem:  # Pillow raises many kinds for a broken file
        raise error(
            field, _short(value), f"a PNG or JPEG image that decodes ({type(problem).__name__})"
        ) from None
    return value


# --------------------------------------------------------------------------- enums and objects


def member(field: str, value: object, kind: type[_E], *, error: Error = ValidationError) -> _E:
    """``value`` as a member of the enum ``kind``: the member itself or its value.

    >>> from billkit.money import RoundingMode
    >>> member("mode", "down", RoundingMode)
    <RoundingMode.DOWN: 'down'>
    >>> member("mode", "sideways", RoundingMode)
    Traceback (most recent call last):
    ...
    billkit.errors.ValidationError: mode = 'sideways': expected one of 'half_up', 'half_even', 'up', 'down', 'ceiling', 'floor'
    """
    if isinstance(value, kind):
        return value
    try:
        return kind(value)
    except (ValueError, TypeError):
        choices = ", ".join(repr(m.value) for m in kind)
        raise error(field, value, f"one of {choices}") from None


def _name(kind: type | tuple[type, ...]) -> str:
    if isinstance(kind, tuple):
        names = [k.__name__ for k in kind]
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return kind.__name__


def instance(field: str, value: object, kind: type[_T], *, error: Error = ValidationError) -> _T:
    """``value`` if it is an instance of ``kind``."""
    if not isinstance(value, kind):
        raise error(field, value, f"a {_name(kind)}")
    return value


def tuple_of(
    field: str, value: object, kind: type[_T], *, error: Error = ValidationError
) -> tuple[_T, ...]:
    """``value`` as a tuple whose items are all instances of ``kind``.

    A bare ``str`` or ``bytes`` is refused (it is a sequence of characters,
    not of items); the item that fails is named by its index.

    >>> tuple_of("codes", ["a", "b"], str)
    ('a', 'b')
    >>> tuple_of("codes", ["a", 2], str)
    Traceback (most recent call last):
    ...
    billkit.errors.ValidationError: codes[1] = 2: expected a str
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise error(field, value, f"a list of {_name(kind)}")
    items = tuple(value)
    for i, item in enumerate(items):
        if not isinstance(item, kind):
            raise error(f"{field}[{i}]", item, f"a {_name(kind)}")
        if isinstance(item, str):
            characters(f"{field}[{i}]", item, error=error)
    return items


def texts(
    field: str,
    value: object,
    *,
    required: bool = False,
    unique: bool = False,
    at_least: int = 0,
    error: Error = ValidationError,
) -> tuple[str, ...]:
    """``value`` as a tuple of str, each checked by :func:`text` with ``required``;
    with ``unique``, no str twice; at least ``at_least`` of them.

    A bare str is one item (``""`` is none), so ``notes="Thank you"`` reads naturally.

    >>> texts("notes", "Thank you"), texts("notes", ["a", "b"]), texts("notes", "")
    (('Thank you',), ('a', 'b'), ())
    >>> texts("by", ["a", "a"], unique=True)
    Traceback (most recent call last):
    ...
    billkit.errors.ValidationError: by = ['a', 'a']: expected each name once ('a' repeats)
    """
    if isinstance(value, str):
        items: tuple[str, ...] = (
            (text(field, value, required=required, error=error),) if value else ()
        )
    elif isinstance(value, bytes) or not isinstance(value, Iterable):
        raise error(field, value, "a str or a sequence of str")
    else:
        items = tuple(value)
        for i, item in enumerate(items):
            text(f"{field}[{i}]", item, required=required, error=error)
    if len(items) < at_least:
        raise error(field, value, f"at least {at_least} name{'s' if at_least > 1 else ''}")
    if unique and len(set(items)) != len(items):
        again = next(item for i, item in enumerate(items) if item in items[:i])
        raise error(field, value, f"each name once ({again!r} repeats)")
    return items


def tags(field: str, value: object, *, error: Error = ValidationError) -> FrozenMap[str, str]:
    """Tags: a mapping (or ``(name, value)`` pairs) of non-empty names to str values.

    Returned as a :class:`FrozenMap` sorted by name; a repeated name is refused.

    >>> tags("tags", {"b": "2", "a": "1"})
    FrozenMap({'a': '1', 'b': '2'})
    """
    expected = "a mapping of str to str, such as {'channel': 'email'}"
    if isinstance(value, Mapping):
        pairs: Iterable[object] = value.items()
    elif isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise error(field, value, expected)
    else:
        pairs = value
    result: dict[str, str] = {}
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise error(field, value, expected)
        name, tag_value = pair
        text(field, name, error=error)
        text(f"{field}[{name!r}]", tag_value, required=False, error=error)
        if name in result:
            raise error(field, value, f"each tag once ({name!r} repeats)")
        result[name] = tag_value
    return FrozenMap(sorted(result.items()))


def mapping(
    field: str,
    value: object,
    key: Callable[[str, object], _K],
    item: Callable[[str, object], _V],
    *,
    error: Error = ValidationError,
) -> FrozenMap[_K, _V]:
    """``value`` as a :class:`FrozenMap`, each key checked by ``key(field, k)`` and each
    value by ``item(f"{field}[{k!r}]", v)``; sorted by key when the keys sort.

    >>> mapping("limits", {"b": 2, "a": 1}, text, whole)
    FrozenMap({'a': 1, 'b': 2})
    """
    if not isinstance(value, Mapping):
        raise error(field, value, "a mapping")
    result = {key(field, k): item(f"{field}[{k!r}]", v) for k, v in value.items()}
    try:
        return FrozenMap(sorted(result.items()))
    except TypeError:
        return FrozenMap(result)


def table_rows(
    field: str, value: object, *, purpose: str, expected: str, error: Error = ValidationError
) -> list[Any]:
    """The rows of a table as a list: a pandas, polars or Arrow table (anything with
    the Arrow PyCapsule interface, read with pyarrow, imported only then), or an
    iterable of records. Without pyarrow for an Arrow-only table, a
    ``MissingDependencyError`` says ``purpose`` needs the ``arrow`` extra.

    >>> table_rows("events", [{"metric": "calls"}], purpose="reading events", expected="records")
    [{'metric': 'calls'}]
    """
    if hasattr(value, "__arrow_c_stream__"):
        try:
            import pyarrow as pa  # type: ignore[import-untyped]
        except ImportError:
            raise MissingDependencyError("pyarrow", purpose, "arrow") from None
        return list(pa.table(value).to_pylist())
    if hasattr(value, "to_dicts"):  # polars without the Arrow stream
        return list(value.to_dicts())
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # older pandas
        return list(value.to_dict(orient="records"))
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes, Mapping)):
        return list(value)
    raise error(field, value, expected)


class FrozenMap(dict[_K, _V]):
    """A read-only ``dict`` that pickles: what a frozen value holds instead of a dict.

    ``types.MappingProxyType`` is read-only but cannot be pickled, so a value
    holding one could not be saved. A FrozenMap is a ``dict`` (reads run at
    dict speed, it compares equal to any mapping with the same items) whose
    every mutating method raises ``TypeError``; it hashes when its values do.

    >>> import pickle
    >>> limits = FrozenMap({"org-1": 5})
    >>> pickle.loads(pickle.dumps(limits)) == {"org-1": 5}, limits["org-1"]
    (True, 5)
    >>> limits["org-2"] = 1
    Traceback (most recent call last):
    ...
    TypeError: a FrozenMap cannot change
    """

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> Any:
        raise TypeError("a FrozenMap cannot change")

    __setitem__ = __delitem__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse
    __ior__ = _refuse

    def __repr__(self) -> str:
        return f"FrozenMap({dict(self)!r})"

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (dict(self),))

    def __copy__(self) -> FrozenMap[_K, _V]:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> FrozenMap[_K, _V]:
        return self


EMPTY_MAP: Final[FrozenMap[Any, Any]] = FrozenMap()


# --------------------------------------------------------------------------- money


def currency_error(error: Error) -> type[CurrencyMismatchError]:
    """The currency-mix error of the room ``error`` belongs to.

    >>> currency_error(PricingError).__name__, currency_error(ValidationError).__name__
    ('PricingCurrencyError', 'CurrencyMismatchError')
    """
    if issubclass(error, CurrencyMismatchError):
        return error
    for room, mixed in _CURRENCY_ERRORS:
        if issubclass(error, room):
            return mixed
    return CurrencyMismatchError


_CURRENCY_ERRORS: Final[tuple[tuple[Error, type[CurrencyMismatchError]], ...]] = (
    (PricingError, PricingCurrencyError),
    (CreditError, CreditCurrencyError),
    (InvoicingError, InvoicingCurrencyError),
)


def _reraise(problem: ValidationError, field: str, value: object, error: Error) -> ValidationError:
    if isinstance(problem, CurrencyMismatchError):
        return currency_error(error)(field, value, problem.expected)
    return problem


def same_currency(
    field: str, value: Money, expected: Currency | str, *, error: Error = ValidationError
) -> Money:
    """``value`` if it is in the ``expected`` currency, else the room's
    :class:`~billkit.errors.CurrencyMismatchError` (see :func:`currency_error`).

    >>> same_currency("fee", Money("1", "USD"), "EUR", error=PricingError)
    Traceback (most recent call last):
    ...
    billkit.errors.PricingCurrencyError: fee = Money('1', 'USD'): expected an amount in EUR
    """
    code = expected.code if isinstance(expected, Currency) else expected
    if value.currency.code != code:
        raise currency_error(error)(field, value, f"an amount in {code}")
    return value


def money(
    field: str,
    value: object,
    currency: Currency | str | None = None,
    *,
    sign: Literal["any", "zero_or_more", "above_zero"] = "any",
    error: Error = ValidationError,
) -> Money:
    """``value`` as :class:`~billkit.money.Money` (via :func:`~billkit.money.to_money`).

    Without ``currency`` a bare number is refused (it has no currency); with
    it, a Money in another currency is a currency mix. ``sign`` bounds the amount.

    >>> money("fee", "12.50", "EUR")
    Money('12.50', 'EUR')
    >>> money("fee", Money("-1", "EUR"), sign="zero_or_more")
    Traceback (most recent call last):
    ...
    billkit.errors.ValidationError: fee = Money('-1', 'EUR'): expected an amount of zero or more
    """
    from billkit.money import to_money  # billkit.money uses this module: import late

    if currency is None and not (
        isinstance(value, Money) or (isinstance(value, str) and len(value.split()) == 2)
    ):
        raise error(field, value, "a Money (a bare number has no currency)")
    try:
        result = to_money(value, currency, field=field)
    except ValidationError as problem:
        raise _reraise(problem, field, value, error) from None
    if sign == "zero_or_more" and result.amount < 0:
        raise error(field, value, "an amount of zero or more")
    if sign == "above_zero" and result.amount <= 0:
        raise error(field, value, "an amount above zero")
    return result


def plain_number(field: str, value: object) -> object:
    """``value`` as a plain ``int`` or ``Decimal`` when it is an exact number from
    numpy, pandas or Arrow: an integer scalar (``numpy.int64``, anything
    :class:`numbers.Integral`) or an Arrow scalar whose ``as_py()`` gives an int
    or a Decimal. Binary floats of any kind (``numpy.float32`` too) are refused
    with how to pass them; anything else passes unchanged, for the converter
    that follows. No numpy, pandas or pyarrow import: this is duck typing.

    >>> class Scalar:  # what a pyarrow decimal scalar looks like
    ...     def as_py(self) -> Decimal:
    ...         return Decimal("12.5")
    >>> plain_number("usage", Scalar())
    Decimal('12.5')
    """
    kind = type(value)
    if kind is int or kind is str or kind is Decimal or kind is float or kind is bool:
        return value
    as_py = getattr(value, "as_py", None)
    if callable(as_py):  # a pyarrow scalar
        plain = as_py()
        if type(plain) in (int, Decimal, float) or plain is None:
            return plain
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return operator.index(value)
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Rational):
        shown = str(value)
        hint = (
            f"floats are inexact: write '{shown}' or Decimal(str(x))"
            if math.isfinite(float(value))
            else "never a float"
        )
        raise MoneyError(field, value, f"a str, int or Decimal ({hint})")
    return value


def decimal(
    field: str,
    value: object,
    *,
    low: Decimal | int | None = None,
    above: Decimal | int | None = None,
    high: Decimal | int | None = None,
    noun: str = "number",
    error: Error = ValidationError,
) -> Decimal:
    """``value`` as an exact ``Decimal`` (via :func:`~billkit.money.to_decimal`),
    at least ``low``, more than ``above``, at most ``high`` when given; the
    message calls it a ``noun`` ("a quantity of zero or more").

    >>> decimal("quantity", "2.5", low=0)
    Decimal('2.5')
    >>> decimal("quantity", "-1", low=0)
    Traceback (most recent call last):
    ...
    billkit.errors.ValidationError: quantity = '-1': expected a number of zero or more
    """
    from billkit.money import to_decimal

    if type(value) is not int and type(value) is not Decimal:
        value = plain_number(field, value)
    try:
        result = to_decimal(value, field=field)
    except ValidationError as problem:
        raise _reraise(problem, field, value, error) from None
    if low is not None and result < low:
        raise error(field, value, f"a {noun} of {_spelt(low)} or more")
    if above is not None and result <= above:
        raise error(field, value, f"a {noun} above {_spelt(above)}")
    if high is not None and result > high:
        raise error(field, value, f"a {noun} of {_spelt(high)} or less")
    return result


def _spelt(bound: Decimal | int) -> str:
    return "zero" if bound == 0 else str(bound)


def rate(
    field: str, value: object, *, high: Decimal | int | None = None, error: Error = ValidationError
) -> Decimal:
    """A rate of zero or more as a fraction (via :func:`~billkit.money.to_rate`),
    at most ``high`` when given (``high=1``: at most 100 %).

    >>> rate("tax_rate", "20%")
    Decimal('0.20')
    >>> rate("percent_off", "120%", high=1)
    Traceback (most recent call last):
    ...
    billkit.errors.ValidationError: percent_off = '120%': expected a rate from 0 to 100%
    """
    from billkit.money import to_rate

    try:
        result = to_rate(value, field=field)
    except ValidationError as problem:
        raise _reraise(problem, field, value, error) from None
    if high is not None and result > high:
        raise error(field, value, f"a rate from 0 to {Decimal(high).scaleb(2).normalize():f}%")
    return result


def currency(field: str, value: object, *, error: Error = ValidationError) -> Currency:
    """``value`` as a py-moneyed ``Currency``: a Currency or an ISO 4217 code.

    >>> currency("currency", "eur").code
    'EUR'
    """
    from billkit.money import currency_of

    if not isinstance(value, (Currency, str)):
        raise error(field, value, "an ISO 4217 currency code such as 'EUR'")
    try:
        return currency_of(value)
    except ValidationError as problem:
        raise _reraise(problem, field, value, error) from None


def whole_minor_units(
    field: str, value: Money, rounding: Any, *, error: Error = ValidationError
) -> Money:
    """``value`` if it is a whole number of its currency's minor units under the
    :class:`~billkit.money.RoundingPolicy` ``rounding`` (real money moves in minor units).

    >>> from billkit.money import RoundingPolicy
    >>> whole_minor_units("amount", Money("1.005", "EUR"), RoundingPolicy())
    Traceback (most recent call last):
    ...
    billkit.errors.ValidationError: amount = Money('1.005', 'EUR'): expected a whole number of minor units (2 decimal places): real money moves in minor units
    """
    if rounding.round(value).amount != value.amount:
        digits = rounding.digits(value.currency)
        raise error(
            field,
            value,
            f"a whole number of minor units ({digits} decimal places): real money moves "
            "in minor units",
        )
    return value


# --------------------------------------------------------------------------- attrs converters


def options(**kwargs: object) -> dict[str, object]:
    """Field metadata carrying extra keyword arguments for a field's check.

    >>> options(low=1, high=28)
    {'billkit.checks': {'low': 1, 'high': 28}}
    """
    return {_OPTIONS: kwargs}


_OPTIONS: Final = "billkit.checks"


# Attribute (by identity) -> (the attribute, its ready check). Each class has its
# own Attribute objects (a subclass's are copies), so the owner is fixed per entry.
_READY: dict[int, tuple[attrs.Attribute[Any], Callable[[object], Any]]] = {}


def _hint(owner: type, name: str, hint: str) -> Any:
    """The annotation ``hint`` of ``owner.name`` evaluated in its module."""
    try:
        return eval(hint, vars(sys.modules[owner.__module__]))  # annotations are our code
    except Exception as problem:  # NameError for names imported only for type checkers
        raise TypeError(
            f"billkit._checks: the annotation {hint!r} of {owner.__qualname__}.{name} must "
            f"resolve at run time ({problem})"
        ) from None


def _optional_text(hint: str) -> bool:
    flat = hint.replace(" ", "")
    return flat.endswith("|None") or flat.startswith(("None|", "Optional["))


def _split_optional(hint: Any) -> tuple[bool, Any]:
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        args = tuple(a for a in typing.get_args(hint) if a is not type(None))
        optional = len(args) != len(typing.get_args(hint))
        inner: Any = args[0] if len(args) == 1 else args
        return optional, inner
    return False, hint


def _class_of(hint: Any) -> Any:
    """The class (or tuple of classes, for a union) ``isinstance`` needs for ``hint``."""
    if isinstance(hint, tuple):
        return tuple(_class_of(h) for h in hint)
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return tuple(_class_of(h) for h in typing.get_args(hint))
    return origin or hint


def _prepare(
    owner: type, field: attrs.Attribute[Any], check: Callable[..., Any], needs_kind: str
) -> Callable[[object], Any]:
    """The one-argument check a field's converter runs, built on first use."""
    extra = dict(field.metadata.get(_OPTIONS, {}))
    hint: Any = field.type
    if isinstance(hint, str) and needs_kind:
        hint = _hint(owner, field.name, hint)
    if isinstance(hint, str):
        optional, inner = _optional_text(hint), hint
    else:
        optional, inner = _split_optional(hint)
    optional = bool(extra.pop("optional", optional))
    kind: Any = extra.pop("kind", None)
    if kind is None and needs_kind == "item":
        args = typing.get_args(inner)
        if typing.get_origin(inner) is not tuple or len(args) != 2 or args[1] is not Ellipsis:
            raise TypeError(
                f"billkit._checks.TUPLE: {owner.__qualname__}.{field.name} must be "
                f"annotated tuple[X, ...], not {hint!r}"
            )
        kind = _class_of(args[0])
    elif kind is None and needs_kind == "class":
        kind = _class_of(inner)
    name = f"{getattr(owner, '_field_prefix', '')}{field.alias or field.name}"
    error = getattr(owner, "_error_class", ValidationError)
    if needs_kind:
        call = functools.partial(check, name, kind=kind, error=error, **extra)
    else:
        call = functools.partial(check, name, error=error, **extra)
    if not optional:
        return call

    def or_none(value: object) -> Any:
        return None if value is None else call(value)

    return or_none


def converter(
    check: Callable[..., Any], *, kind: Literal["", "class", "item"] = ""
) -> attrs.Converter[Any, Any]:
    """An ``attrs.Converter`` running ``check(field, value, [kind=...,] error=..., **options)``.

    ``kind`` says whether the check takes a class from the annotation
    (``"class"``: the enum or class itself; ``"item"``: the item class of
    ``tuple[X, ...]``).
    """

    def run(value: object, self: object, field: attrs.Attribute[Any]) -> Any:
        found = _READY.get(id(field))
        if found is None or found[0] is not field:
            found = (field, _prepare(type(self), field, check, kind))
            _READY[id(field)] = found
        return found[1](value)

    found = attrs.Converter(run, takes_self=True, takes_field=True)
    _CONVERTERS[id(found)] = (check, kind)
    return found


# converter id -> (check, kind), for prepare_fields.
_CONVERTERS: dict[int, tuple[Callable[..., Any], Literal["", "class", "item"]]] = {}


def prepare_fields(cls: type, fields: list[attrs.Attribute[Any]]) -> list[attrs.Attribute[Any]]:
    """An attrs ``field_transformer`` that binds each _checks converter to its field
    once, when the class is made: a hot value class then converts a field in one
    call, as fast as a hand-written converter.

    ``@attrs.frozen(kw_only=True, field_transformer=checks.prepare_fields)``;
    the class's annotations (for ``MEMBER``, ``INSTANCE``, ``TUPLE``) must then
    resolve when the class is defined, and its ``_error_class`` be set in its body.
    """
    out = []
    for field in fields:
        found = _CONVERTERS.get(id(field.converter))
        if found is not None:
            check, kind = found
            field = field.evolve(converter=_prepare(cls, field, check, kind))
        out.append(field)
    return out


def _free_text(field: str, value: object, *, error: Error = ValidationError) -> str:
    return text(field, value, required=False, error=error)


def _trimmed_text(field: str, value: object, *, error: Error = ValidationError) -> str:
    return text(field, value, required=False, trimmed=True, error=error)


def _any_case_country(field: str, value: object, *, error: Error = ValidationError) -> str:
    return country(field, value, any_case=True, error=error)


if TYPE_CHECKING:  # mypy's attrs plugin needs named functions; see the module docstring

    def TEXT(value: object) -> str: ...
    def COUNTRY(value: object) -> str: ...
    def LOCALE(value: object) -> str: ...
    def FREE_TEXT(value: object) -> str: ...
    def TRIMMED_TEXT(value: object) -> str: ...
    def TEXTS(value: object) -> tuple[str, ...]: ...
    def WHOLE(value: object) -> int: ...
    def FLAG(value: object) -> bool: ...
    def DAY(value: object) -> date: ...
    def MOMENT(value: object) -> datetime: ...
    def TZ(value: object) -> tzinfo: ...
    def TZ_KEY(value: object) -> str: ...
    def MONEY(value: object) -> Money: ...
    def DECIMAL(value: object) -> Decimal: ...
    def RATE(value: object) -> Decimal: ...
    def CURRENCY(value: object) -> Currency: ...
    def TAGS(value: object) -> FrozenMap[str, str]: ...
    def MAPPING(value: object) -> FrozenMap[Any, Any]: ...
    def MEMBER(value: object) -> Any: ...
    def INSTANCE(value: object) -> Any: ...
    def TUPLE(value: object) -> tuple[Any, ...]: ...

else:
    TEXT = converter(text)
    COUNTRY = converter(_any_case_country)
    LOCALE = converter(locale)
    FREE_TEXT = converter(_free_text)
    TRIMMED_TEXT = converter(_trimmed_text)
    TEXTS = converter(texts)
    WHOLE = converter(whole)
    FLAG = converter(flag)
    DAY = converter(day)
    MOMENT = converter(moment)
    TZ = converter(tz)
    TZ_KEY = converter(tz_key)
    MONEY = converter(money)
    DECIMAL = converter(decimal)
    RATE = converter(rate)
    CURRENCY = converter(currency)
    TAGS = converter(tags)
    MAPPING = converter(mapping)
    MEMBER = converter(member, kind="class")
    INSTANCE = converter(instance, kind="class")
    TUPLE = converter(tuple_of, kind="item")
