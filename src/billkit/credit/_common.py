"""Private helpers shared by the credit modules: checks, time zones, money fields.

Nothing here is public; the public names live in the modules beside it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from moneyed import Currency, Money

from billkit.errors import CreditError, CurrencyMismatchError
from billkit.money import CONTEXT, RoundingPolicy, currency_of, to_decimal, to_money

ZERO: Final = Decimal(0)
UTC: Final = timezone.utc
NEVER: Final = datetime.max.replace(tzinfo=UTC)
"""Sorts after every real expiry: the expiry of credit that never expires."""


def text(field: str, value: object, *, required: bool = False) -> str:
    """``value`` if it is a str (non-empty and unpadded when ``required``)."""
    if not isinstance(value, str):
        raise CreditError(field, value, "a str")
    if required and (not value.strip() or value != value.strip()):
        raise CreditError(field, value, "a non-empty str without surrounding spaces")
    return value


def aware(field: str, value: object) -> datetime:
    """``value`` if it is a timezone-aware datetime; naive datetimes are refused."""
    if not isinstance(value, datetime):
        raise CreditError(field, value, "a timezone-aware datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise CreditError(
            field,
            value,
            "a timezone-aware datetime (a naive one is ambiguous: "
            "add tzinfo, e.g. datetime(..., tzinfo=timezone.utc))",
        )
    return value


def optional_aware(field: str, value: object) -> datetime | None:
    return None if value is None else aware(field, value)


def whole_number(field: str, value: object, low: int, high: int | None = None) -> int:
    """``value`` if it is an int (not a bool) within ``low..high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise CreditError(field, value, "a whole number (an int, not a bool)")
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"of {low} or more"
        raise CreditError(field, value, f"a whole number {bound}")
    return value


_OFFSET: Final = re.compile(r"([+-])(\d\d):(\d\d)")


@functools.lru_cache(maxsize=256)
def _zone(key: str) -> tzinfo:
    if key == "UTC":
        return UTC
    match = _OFFSET.fullmatch(key)
    if match:
        sign = -1 if match[1] == "-" else 1
        hours, minutes = int(match[2]), int(match[3])
        if hours > 23 or minutes > 59:
            raise ValueError(key)
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    return ZoneInfo(key)


def zone(field: str, value: object) -> tzinfo:
    """The time zone ``value``: a ``tzinfo``, or a name: ``'UTC'``, a fixed
    offset such as ``'+03:00'``, or an IANA name such as ``'Europe/Moscow'``."""
    if isinstance(value, tzinfo):
        return value
    expected = (
        "a time zone: a tzinfo, 'UTC', an offset such as '+03:00', or an IANA name such as "
        "'Europe/Moscow'"
    )
    if not isinstance(value, str) or not value:
        raise CreditError(field, value, expected)
    try:
        return _zone(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise CreditError(field, value, expected) from None


def zone_key(field: str, value: object) -> str:
    """``value`` if it names a time zone :func:`zone` knows (kept as the plain str)."""
    zone(field, value)
    return str(value)


def local_date(at: datetime, tz: tzinfo) -> date:
    """The calendar day of the moment ``at`` in time zone ``tz``."""
    return at.astimezone(tz).date()


def midnight(day: date, tz: tzinfo) -> datetime:
    """The first moment of ``day`` in time zone ``tz``."""
    return datetime.combine(day, time(0), tzinfo=tz)


def money_in(field: str, value: object, currency: Currency | str | None) -> Money:
    """``value`` as Money (in ``currency`` when given); bare numbers need ``currency``."""
    if currency is None and not isinstance(value, (Money, str)):
        raise CreditError(field, value, "a Money (a bare number has no currency)")
    return to_money(value, currency, field)


def non_negative(field: str, value: object, currency: Currency | str | None = None) -> Money:
    money = money_in(field, value, currency)
    if money.amount < 0:
        raise CreditError(field, value, "an amount of zero or more")
    return money


def positive(field: str, value: object, currency: Currency | str | None = None) -> Money:
    money = money_in(field, value, currency)
    if money.amount <= 0:
        raise CreditError(field, value, "an amount above zero")
    return money


def whole_minor_units(field: str, money: Money, policy: RoundingPolicy) -> Money:
    """``money`` if it is a whole number of its currency's minor units under ``policy``."""
    if policy.round(money).amount != money.amount:
        digits = policy.digits(money.currency)
        raise CreditError(
            field,
            money,
            f"a whole number of minor units ({digits} decimal places): real money moves "
            "in minor units",
        )
    return money


def same_currency(field: str, money: Money, currency: Currency) -> Money:
    if money.currency != currency:
        raise CurrencyMismatchError(field, money, f"an amount in {currency.code}")
    return money


def currency(field: str, value: object) -> Currency:
    if not isinstance(value, (Currency, str)):
        raise CreditError(field, value, "an ISO 4217 currency code such as 'RUB'")
    return currency_of(value)


def decimal_in(field: str, value: object) -> Decimal:
    return to_decimal(value, field)


def tags(value: object) -> tuple[tuple[str, str], ...]:
    """Tags as sorted ``(name, value)`` pairs, from a mapping or pairs of str."""
    if isinstance(value, Mapping):
        pairs: Iterable[object] = value.items()
    elif isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise CreditError("tags", value, "a mapping of str to str, such as {'channel': 'email'}")
    else:
        pairs = value
    result: dict[str, str] = {}
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise CreditError(
                "tags", value, "a mapping of str to str, such as {'channel': 'email'}"
            )
        name, tag_value = pair
        text(f"tags[{name!r}]", tag_value)
        text("tags", name, required=True)
        if name in result:
            raise CreditError("tags", value, f"each tag once ({name!r} repeats)")
        result[name] = tag_value
    return tuple(sorted(result.items()))


def add(a: Decimal, b: Decimal) -> Decimal:
    return CONTEXT.add(a, b)
