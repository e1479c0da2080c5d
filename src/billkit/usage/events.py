"""Usage events: what a customer did, when, how much, and under which key.

A :class:`UsageEvent` is one metered fact: customer ``"org-1"`` sent a
message at 10:04 Rome time to contact ``"c-42"`` in workspace ``"sales"``.
Its ``idempotency_key`` names the fact: an event sent twice (a retry, a
replayed queue) carries the same key and is counted once; the same key with a
different content is refused, since one of the two copies is wrong and
billkit cannot tell which.

>>> from datetime import datetime, timezone
>>> event = UsageEvent(
...     customer="org-1", metric="message", idempotency_key="msg-0001",
...     timestamp=datetime(2026, 3, 2, 9, 4, tzinfo=timezone.utc),
...     properties={"workspace": "sales", "channel": "whatsapp", "contact_id": "c-42"},
... )
>>> event.value, event.properties["contact_id"]
(Decimal('1'), 'c-42')
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import ClassVar, Final

import attrs

import billkit._checks as checks
from billkit.errors import UsageError, ValidationError

__all__ = ["UsageEvent", "billing_day", "to_timezone"]

_ONE: Final = Decimal(1)
_EMPTY: Final[Mapping[str, str]] = checks.EMPTY_MAP


def _properties(value: object) -> Mapping[str, str]:
    if type(value) is checks.FrozenMap:  # another event's properties: checked already
        return value
    if isinstance(value, Mapping) and not value:
        return _EMPTY
    return checks.mapping("properties", value, _NAME, _NAME, error=UsageError)


_NAME: Final = functools.partial(checks.text, error=UsageError)
"""A property name or value: a non-empty str without surrounding spaces
(leave a property out rather than give it ``""``)."""


@attrs.frozen(kw_only=True, field_transformer=checks.prepare_fields)
class UsageEvent:
    """One metered event.

    - ``customer``: who is billed (an organisation, account or subscription id).
    - ``metric``: what happened (``"message"``, ``"call"``, ``"install"``...).
    - ``timestamp``: when it happened, a timezone-aware ``datetime``; naive
      datetimes are refused. Which billing day it falls on depends on the
      billing calendar's time zone, given when aggregating (see
      :func:`billing_day`).
    - ``idempotency_key``: names the event, across all customers; copies with
      the same key count once, and copies that differ are refused.
    - ``value``: the quantity, a ``Decimal`` of zero or more (default 1);
      ``str`` and ``int`` are converted exactly, ``float`` is refused.
    - ``properties``: str to str, such as ``workspace``, ``channel``,
      ``contact_id`` or ``install_type``; names and values are non-empty
      (leave a property out rather than give it ``""``).
    - ``received_at``: when the event reached the metering system, if known.
      It decides whether an event is *late* for a period already closed (see
      :func:`~billkit.usage.aggregate`'s ``close_after``); it is not part of
      the event's content, so a retry received later is still a duplicate.

    >>> from datetime import datetime, timezone
    >>> UsageEvent(customer="org-1", metric="message", idempotency_key="k1",
    ...            timestamp=datetime(2026, 3, 2, 9, 4))
    Traceback (most recent call last):
    ...
    billkit.errors.UsageError: timestamp = datetime.datetime(2026, 3, 2, 9, 4): expected a timezone-aware datetime (a naive one is ambiguous: add tzinfo, e.g. datetime(..., tzinfo=timezone.utc))
    >>> UsageEvent(customer="org-1", metric="gb", idempotency_key="k2", value=0.5,
    ...            timestamp=datetime(2026, 3, 2, tzinfo=timezone.utc))
    Traceback (most recent call last):
    ...
    billkit.errors.MoneyError: value = 0.5: expected a str, int or Decimal (floats are inexact: write '0.5')
    """

    _error_class: ClassVar[type[ValidationError]] = UsageError

    customer: str = attrs.field(converter=checks.TEXT)
    metric: str = attrs.field(converter=checks.TEXT)
    timestamp: datetime = attrs.field(converter=checks.MOMENT)
    idempotency_key: str = attrs.field(converter=checks.TEXT)
    value: Decimal = attrs.field(
        default=_ONE, converter=checks.DECIMAL, metadata=checks.options(low=0, noun="quantity")
    )
    properties: Mapping[str, str] = attrs.field(default=_EMPTY, converter=_properties, hash=False)
    received_at: datetime | None = attrs.field(default=None, converter=checks.MOMENT)


def content(event: UsageEvent) -> tuple[object, ...]:
    """What must agree between two copies of an event with the same key:
    customer, metric, the instant of ``timestamp``, value and properties.
    ``received_at`` is not part of it: a retry arrives later."""
    return (
        event.customer,
        event.metric,
        micros(event.timestamp),
        event.value,
        tuple(event.properties.items()),
    )


def to_timezone(tz: object, field: str = "tz") -> tzinfo:
    """The billing calendar's time zone: a ``tzinfo``, ``'UTC'``, an offset such
    as ``'+03:00'`` or an IANA name (billkit's one time-zone parser).

    Billing days are dates in this zone. There is no default and the process'
    local time zone is never used: give ``"UTC"`` if that is your calendar.

    >>> to_timezone("Europe/Rome")
    zoneinfo.ZoneInfo(key='Europe/Rome')
    >>> to_timezone("Mars/Olympus")
    Traceback (most recent call last):
    ...
    billkit.errors.UsageError: tz = 'Mars/Olympus': expected a time zone: a tzinfo, 'UTC', an offset such as '+03:00', or an IANA name such as 'Europe/Moscow'
    """
    return checks.tz(field, tz, error=UsageError)


def billing_day(at: datetime, tz: tzinfo | str) -> date:
    """The billing day of the aware moment ``at``: its date on the wall clock of ``tz``.

    The instant is converted to ``tz`` (with the rules of the Python
    ``zoneinfo`` database) and its date taken. The same instant can fall on
    different billing days in different calendars:

    >>> from datetime import datetime, timezone
    >>> late_evening = datetime(2026, 1, 31, 23, 30, tzinfo=timezone.utc)
    >>> billing_day(late_evening, "UTC"), billing_day(late_evening, "Europe/Rome")
    (datetime.date(2026, 1, 31), datetime.date(2026, 2, 1))
    """
    checks.moment("at", at, error=UsageError)
    return at.astimezone(to_timezone(tz)).date()


EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)
"""The Unix epoch; engines exchange instants as microseconds since it."""


def micros(instant: datetime) -> int:
    """Microseconds since the Unix epoch for an aware ``instant``."""
    delta = instant - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(us: int) -> datetime:
    """The UTC instant ``us`` microseconds after the Unix epoch."""
    return EPOCH + timedelta(microseconds=us)
