"""Events: what happened to a subscription, on which day, for :func:`~billkit.subscriptions.apply`.

>>> from datetime import date
>>> PaymentSucceeded(on=date(2026, 3, 12), invoice_id="org-1/0003").on
datetime.date(2026, 3, 12)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import ClassVar, Final, TypeAlias

import attrs

from billkit import _checks as checks
from billkit.errors import SubscriptionError, ValidationError
from billkit.periods import Period
from billkit.pricing import (
    Plan,
)
from billkit.subscriptions.settings import DAY, ROLE

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

    _error_class: ClassVar[type[ValidationError]] = SubscriptionError

    on: date = attrs.field(converter=DAY)
    role: str = attrs.field(converter=ROLE)
    plan: Plan = attrs.field(converter=checks.INSTANCE)
    usage_plan: Plan | None = attrs.field(default=None, converter=checks.INSTANCE)


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

    _error_class: ClassVar[type[ValidationError]] = SubscriptionError

    on: date = attrs.field(converter=DAY)
    role: str = attrs.field(converter=ROLE)
    plan: Plan = attrs.field(converter=checks.INSTANCE)
    usage_plan: Plan | None = attrs.field(default=None, converter=checks.INSTANCE)


@attrs.frozen(kw_only=True)
class Cancel:
    """A request to cancel: at the end of the cycle (at once during a trial).

    >>> from datetime import date
    >>> Cancel(on=date(2026, 6, 1), role="org_admin", reason="too expensive").reason
    'too expensive'
    """

    _error_class: ClassVar[type[ValidationError]] = SubscriptionError

    on: date = attrs.field(converter=DAY)
    role: str = attrs.field(converter=ROLE)
    reason: str = attrs.field(default="", converter=checks.FREE_TEXT)


@attrs.frozen(kw_only=True)
class UndoScheduledChange:
    """Withdraw a scheduled downgrade or cancellation before it takes effect.

    >>> from datetime import date
    >>> from billkit.subscriptions.settings import Role
    >>> UndoScheduledChange(on=date(2026, 6, 2), role=Role.ORG_ADMIN).role
    'org_admin'
    """

    _error_class: ClassVar[type[ValidationError]] = SubscriptionError

    on: date = attrs.field(converter=DAY)
    role: str = attrs.field(converter=ROLE)


@attrs.frozen(kw_only=True)
class PaymentSucceeded:
    """The invoice ``invoice_id`` was paid in full (a charge, or PAY NOW).

    >>> from datetime import date
    >>> PaymentSucceeded(on=date(2026, 3, 12), invoice_id="org-1/0003").invoice_id
    'org-1/0003'
    """

    _error_class: ClassVar[type[ValidationError]] = SubscriptionError

    on: date = attrs.field(converter=DAY)
    invoice_id: str = attrs.field(converter=checks.TEXT)


@attrs.frozen(kw_only=True)
class PaymentFailed:
    """A charge of ``invoice_id`` failed, for ``reason`` (card declined, 3-D Secure failed).

    >>> from datetime import date
    >>> PaymentFailed(on=date(2026, 3, 1), invoice_id="org-1/0003", reason="card declined").reason
    'card declined'
    """

    _error_class: ClassVar[type[ValidationError]] = SubscriptionError

    on: date = attrs.field(converter=DAY)
    invoice_id: str = attrs.field(converter=checks.TEXT)
    reason: str = attrs.field(default="", converter=checks.FREE_TEXT)


@attrs.frozen(kw_only=True)
class InvoiceVoided:
    """The provider voided an unpaid invoice (written off, issued in error).

    >>> from datetime import date
    >>> InvoiceVoided(on=date(2026, 3, 2), invoice_id="org-1/0003").invoice_id
    'org-1/0003'
    """

    _error_class: ClassVar[type[ValidationError]] = SubscriptionError

    on: date = attrs.field(converter=DAY)
    invoice_id: str = attrs.field(converter=checks.TEXT)
    reason: str = attrs.field(default="", converter=checks.FREE_TEXT)


def _usage(value: object) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise SubscriptionError("usage", value, "a mapping of metric to quantity")
    return checks.FrozenMap(dict(value))


@attrs.frozen(kw_only=True)
class UsageReported:
    """The usage measured for a closed usage ``period`` (metric -> quantity).

    >>> from datetime import date
    >>> UsageReported(on=date(2026, 2, 1), period=Period(date(2026, 1, 1), date(2026, 2, 1)),
    ...               usage={"monthly_active_contacts": 1250}).usage["monthly_active_contacts"]
    1250
    """

    _error_class: ClassVar[type[ValidationError]] = SubscriptionError

    on: date = attrs.field(converter=DAY)
    period: Period = attrs.field(converter=checks.INSTANCE)
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
