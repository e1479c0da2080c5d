"""Private checks shared by the subscription modules.

Bad input raises :class:`~billkit.errors.SubscriptionError` (dates:
:class:`~billkit.errors.PeriodError`) naming the field, the value and what was
expected. Nothing here is public.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime
from typing import TypeVar

from billkit.errors import PeriodError, SubscriptionError

_E = TypeVar("_E", bound=enum.Enum)


def day(field: str, value: object) -> date:
    """``value`` if it is a plain ``datetime.date`` (a ``datetime`` is refused)."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise PeriodError(field, value, "a datetime.date (billing days are dates)")
    return value


def optional_day(field: str, value: object) -> date | None:
    return None if value is None else day(field, value)


def whole(field: str, value: object, low: int = 0, high: int | None = None) -> int:
    """``value`` if it is an int (not a bool) within ``low..high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise SubscriptionError(field, value, "a whole number (an int, not a bool)")
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"of {low} or more"
        raise SubscriptionError(field, value, f"a whole number {bound}")
    return value


def text(field: str, value: object, *, required: bool = True) -> str:
    """``value`` if it is a str; non-empty and without surrounding spaces when required."""
    if not isinstance(value, str):
        raise SubscriptionError(field, value, "a str")
    if required and (not value.strip() or value != value.strip()):
        raise SubscriptionError(field, value, "a non-empty str without surrounding spaces")
    return value


def flag(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise SubscriptionError(field, value, "True or False")
    return value


def member(kind: type[_E], field: str, value: object) -> _E:
    """``value`` as a member of the enum ``kind`` (the member or its value)."""
    if isinstance(value, kind):
        return value
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(repr(m.value) for m in kind)
        raise SubscriptionError(field, value, f"one of {choices}") from None


def roles(field: str, value: object) -> frozenset[str]:
    """A non-empty set of role names (str or :class:`~billkit.subscriptions.Role`)."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise SubscriptionError(field, value, "a set of role names such as {'org_admin'}")
    out = frozenset(text(f"{field}[]", role) for role in value)
    if not out:
        raise SubscriptionError(field, value, "at least one role")
    return frozenset(str(r.value) if isinstance(r, enum.Enum) else r for r in out)


def role_name(value: object) -> str:
    """A role as its plain name: ``Role.ORG_ADMIN`` and ``'org_admin'`` are one role."""
    if isinstance(value, enum.Enum) and isinstance(value.value, str):
        return value.value
    return text("role", value)
