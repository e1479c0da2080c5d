"""Events: what happened to a subscription, on which day, for :func:`~billkit.subscriptions.apply`.

>>> from datetime import date
>>> PaymentSucceeded(on=date(2026, 3, 12), invoice_id="org-1/0003").on
datetime.date(2026, 3, 12)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Final, TypeAlias

import attrs

from billkit.errors import SubscriptionError
from billkit.periods import Period
from billkit.pricing import (
    Plan,
)
from billkit.subscriptions import _checks as c
from billkit.subscriptions.subscription import _optional_plan, _plan

__all__ = [
    "Cancel",
    "ChangePlan",
    "Event",
    "InvoiceVoided",
    "PaymentFailed",
    "PaymentSucceeded",
    "Subscribe",
    "UndoScheduledChange",
    "UsageReported",
]


# ------------------------------------------------------------------ events


def _on(value: object) -> date:
    return c.day("on", value)


def _role(value: object) -> str:
    return c.role_name(value)


def _id(value: object) -> str:
    return c.text("invoice_id", value)


def _reason(value: object) -> str:
    return c.text("reason", value, required=False)


@attrs.frozen(kw_only=True)
class Subscribe:
    """A trial organisation subscribes to ``plan`` (``usage_plan``: see
    :class:`Subscription`). The cycle starts the day it is paid for.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> plan = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> Subscribe(on=date(2026, 1, 10), role="org_admin", plan=plan).role
    'org_admin'
    """

    on: date = attrs.field(converter=_on)
    role: str = attrs.field(converter=_role)
    plan: Plan = attrs.field(validator=_plan("plan"))
    usage_plan: Plan | None = attrs.field(default=None, validator=_optional_plan("usage_plan"))


@attrs.frozen(kw_only=True)
class ChangePlan:
    """A request to move to ``plan``: an upgrade takes effect at once (when
    paid), a downgrade at the end of the cycle; a lateral change (same fee)
    at once, keeping the billing anchor.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> plan = Plan(code="advanced", name="Advanced", currency="EUR", base_fee=Money("189.00", "EUR"))
    >>> ChangePlan(on=date(2026, 5, 4), role="billing_admin", plan=plan).plan.code
    'advanced'
    """

    on: date = attrs.field(converter=_on)
    role: str = attrs.field(converter=_role)
    plan: Plan = attrs.field(validator=_plan("plan"))
    usage_plan: Plan | None = attrs.field(default=None, validator=_optional_plan("usage_plan"))


@attrs.frozen(kw_only=True)
class Cancel:
    """A request to cancel: at the end of the cycle (at once during a trial).

    >>> from datetime import date
    >>> Cancel(on=date(2026, 6, 1), role="org_admin", reason="too expensive").reason
    'too expensive'
    """

    on: date = attrs.field(converter=_on)
    role: str = attrs.field(converter=_role)
    reason: str = attrs.field(default="", converter=_reason)


@attrs.frozen(kw_only=True)
class UndoScheduledChange:
    """Withdraw a scheduled downgrade or cancellation before it takes effect.

    >>> from datetime import date
    >>> from billkit.subscriptions.settings import Role
    >>> UndoScheduledChange(on=date(2026, 6, 2), role=Role.ORG_ADMIN).role
    'org_admin'
    """

    on: date = attrs.field(converter=_on)
    role: str = attrs.field(converter=_role)


@attrs.frozen(kw_only=True)
class PaymentSucceeded:
    """The invoice ``invoice_id`` was paid in full (a charge, or PAY NOW).

    >>> from datetime import date
    >>> PaymentSucceeded(on=date(2026, 3, 12), invoice_id="org-1/0003").invoice_id
    'org-1/0003'
    """

    on: date = attrs.field(converter=_on)
    invoice_id: str = attrs.field(converter=_id)


@attrs.frozen(kw_only=True)
class PaymentFailed:
    """A charge of ``invoice_id`` failed, for ``reason`` (card declined, 3-D Secure failed).

    >>> from datetime import date
    >>> PaymentFailed(on=date(2026, 3, 1), invoice_id="org-1/0003", reason="card declined").reason
    'card declined'
    """

    on: date = attrs.field(converter=_on)
    invoice_id: str = attrs.field(converter=_id)
    reason: str = attrs.field(default="", converter=_reason)


@attrs.frozen(kw_only=True)
class InvoiceVoided:
    """The provider voided an unpaid invoice (written off, issued in error).

    >>> from datetime import date
    >>> InvoiceVoided(on=date(2026, 3, 2), invoice_id="org-1/0003").invoice_id
    'org-1/0003'
    """

    on: date = attrs.field(converter=_on)
    invoice_id: str = attrs.field(converter=_id)
    reason: str = attrs.field(default="", converter=_reason)


def _usage(value: object) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise SubscriptionError("usage", value, "a mapping of metric to quantity")
    return MappingProxyType(dict(value))


def _period(value: object) -> Period:
    if not isinstance(value, Period):
        raise SubscriptionError("period", value, "a billkit.periods.Period")
    return value


@attrs.frozen(kw_only=True)
class UsageReported:
    """The usage measured for a closed usage ``period`` (metric -> quantity).

    >>> from datetime import date
    >>> UsageReported(on=date(2026, 2, 1), period=Period(date(2026, 1, 1), date(2026, 2, 1)),
    ...               usage={"monthly_active_contacts": 1250}).usage["monthly_active_contacts"]
    1250
    """

    on: date = attrs.field(converter=_on)
    period: Period = attrs.field(converter=_period)
    usage: Mapping[str, object] = attrs.field(converter=_usage, eq=False, hash=False)


Event: TypeAlias = (
    Subscribe
    | ChangePlan
    | Cancel
    | UndoScheduledChange
    | PaymentSucceeded
    | PaymentFailed
    | InvoiceVoided
    | UsageReported
)
"""Anything :func:`apply` accepts."""

_EVENT_TYPES: Final = (
    Subscribe,
    ChangePlan,
    Cancel,
    UndoScheduledChange,
    PaymentSucceeded,
    PaymentFailed,
    InvoiceVoided,
    UsageReported,
)
