"""The subscription value and what lifecycle functions return.

A :class:`Subscription` is a frozen value changed only by
:func:`~billkit.subscriptions.apply` and :func:`~billkit.subscriptions.advance`,
each returning an :class:`Outcome`.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import attrs
from moneyed import Money

from billkit import _checks as checks
from billkit import _display
from billkit.errors import SubscriptionError, ValidationError
from billkit.periods import Period
from billkit.pricing import (
    Plan,
    PlanChange,
)
from billkit.subscriptions.actions import (
    Access,
    IssuedInvoice,
    SubscriptionAction,
    Transition,
)
from billkit.subscriptions.overdue import OverdueState
from billkit.subscriptions.settings import CancelReason, SubscriptionState

__all__ = ["Checkout", "Outcome", "ScheduledChange", "Subscription", "UsageWindow"]


# ------------------------------------------------------------------ values


@attrs.frozen(kw_only=True)
class UsageWindow:
    """A closed usage period waiting for the caller to report its usage.

    ``period`` is the days measured (shorter than a month when an upgrade
    restarted the cycle); ``priced_over`` the whole usage period it is priced
    in (allowances are not prorated); ``plan`` the plan that prices it.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> plan = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> april = Period(date(2026, 4, 1), date(2026, 5, 1))
    >>> UsageWindow(period=Period(date(2026, 4, 1), date(2026, 4, 21)), priced_over=april, plan=plan)
    UsageWindow(period=Period(start=datetime.date(2026, 4, 1), end=datetime.date(2026, 4, 21)), priced_over=Period(start=datetime.date(2026, 4, 1), end=datetime.date(2026, 5, 1)), plan='growth')
    """

    period: Period
    priced_over: Period
    plan: Plan = attrs.field(repr=lambda plan: repr(plan.code))


@attrs.frozen(kw_only=True)
class ScheduledChange:
    """A downgrade (``plan`` set) or cancellation (``plan`` is ``None``) waiting
    for ``effective_on``, the end of the cycle; ``change`` explains it;
    ``reason`` says why a cancellation was scheduled (the customer asked,
    or an overdue state cancels at the end of the term).

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> from billkit.subscriptions import ChangePlan, PaymentSucceeded, Subscribe, apply, start_trial
    >>> big = Plan(code="advanced", name="Advanced", currency="EUR", base_fee=Money("189.00", "EUR"))
    >>> small = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> sub = start_trial("org-1", plan=big, on=date(2026, 4, 1)).subscription
    >>> sub = apply(sub, Subscribe(on=date(2026, 4, 1), role="org_admin", plan=big)).subscription
    >>> sub = apply(sub, PaymentSucceeded(on=date(2026, 4, 1), invoice_id="org-1/0001")).subscription
    >>> down = apply(sub, ChangePlan(on=date(2026, 4, 21), role="org_admin", plan=small)).subscription
    >>> down.scheduled
    ScheduledChange(plan='growth', usage_plan=None, requested_on=datetime.date(2026, 4, 21), effective_on=datetime.date(2026, 5, 1))
    >>> down.scheduled.change.due       # what the first Growth invoice will bill
    Money('99.00', 'EUR')
    """

    plan: Plan | None = attrs.field(repr=lambda plan: repr(plan and plan.code))
    usage_plan: Plan | None = attrs.field(default=None, repr=lambda p: repr(p and p.code))
    requested_on: date
    effective_on: date
    change: PlanChange = attrs.field(repr=False)
    reason: CancelReason = attrs.field(default=CancelReason.REQUESTED, repr=False)


@attrs.frozen(kw_only=True)
class Checkout:
    """A change that charges now and takes effect when paid: a subscription
    from a trial (``change`` is ``None``) or an upgrade. It must be paid on
    ``requested_on``; otherwise it lapses and its invoice is voided.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> from billkit.subscriptions import Subscribe, advance, apply, start_trial
    >>> plan = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> sub = start_trial("org-1", plan=plan, on=date(2026, 1, 1)).subscription
    >>> sub = apply(sub, Subscribe(on=date(2026, 1, 3), role="org_admin", plan=plan)).subscription
    >>> sub.checkout.invoice.id, sub.checkout.requested_on, str(sub.checkout.period)
    ('org-1/0001', datetime.date(2026, 1, 3), '2026-01-03..2026-02-03')
    >>> advance(sub, date(2026, 1, 5)).subscription.checkout is None     # not paid that day
    True
    """

    plan: Plan = attrs.field(repr=lambda plan: repr(plan.code))
    usage_plan: Plan | None = attrs.field(default=None, repr=lambda p: repr(p and p.code))
    invoice: IssuedInvoice
    period: Period
    requested_on: date
    change: PlanChange | None = attrs.field(default=None, repr=False)


@attrs.frozen(kw_only=True)
class Subscription:
    """One organisation's subscription, at the end of day ``as_of``.

    * ``state`` and ``access``: where it is and what that blocks and keeps;
    * ``plan``: the plan billed each cycle; ``usage_plan``: the plan that
      prices usage when ``plan`` does not (an annual fee plan with a monthly
      on-demand plan); usage is metered when the pricing plan has metrics;
    * ``anchor``, ``cycle``, ``cycle_fee``: the billing anchor, the current
      cycle and the fixed fee billed for it (``None`` before the first cycle);
    * ``usage_start``: the first day of the usage period being measured;
    * ``scheduled``: a downgrade or cancellation waiting for the cycle end;
      ``checkout``: a subscription or upgrade waiting for its payment;
    * ``unpaid``: invoices issued and not yet paid or voided (overdue ones
      carry ``overdue_on``); ``awaiting_usage``: usage periods closed and
      not yet reported;
    * ``overdue_state``: the state of the settings' overdue ladder the
      subscription is in (``None``: no ladder, or no state's condition
      holds); see :class:`~billkit.subscriptions.overdue.OverdueLadder`;
    * ``trial_ends_on``, ``frozen_on``, ``cancelled_on``, ``cancel_reason``,
      ``marked_for_deletion_on``: the dates that matter;
    * ``invoices_issued``: how many invoices were numbered so far.

    Start one with :func:`start_trial`; change it with :func:`apply` and
    :func:`advance`, never by hand.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> from billkit.subscriptions import PaymentSucceeded, Subscribe, advance, apply, start_trial
    >>> plan = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> sub = start_trial("org-1", plan=plan, on=date(2026, 1, 1)).subscription
    >>> sub = apply(sub, Subscribe(on=date(2026, 1, 1), role="org_admin", plan=plan)).subscription
    >>> sub = apply(sub, PaymentSucceeded(on=date(2026, 1, 1), invoice_id="org-1/0001")).subscription
    >>> sub = advance(sub, date(2026, 2, 3)).subscription       # February's invoice unpaid
    >>> print(sub)
    org-1 pending_payment on growth, as of 2026-02-02, cycle 2026-02-01..2026-03-01
    >>> [str(i) for i in sub.overdue], sub.overdue_since
    (['org-1/0002 subscription 99.00 EUR for 2026-02-01..2026-03-01, due 2026-02-01, overdue since 2026-02-02'], datetime.date(2026, 2, 2))
    """

    _error_class: ClassVar[type[ValidationError]] = SubscriptionError

    id: str
    state: SubscriptionState
    access: Access
    plan: Plan = attrs.field(converter=checks.INSTANCE, repr=lambda plan: repr(plan.code))
    usage_plan: Plan | None = attrs.field(
        default=None, converter=checks.INSTANCE, repr=lambda p: repr(p and p.code)
    )
    as_of: date
    started_on: date
    trial_ends_on: date | None = None
    anchor: date | None = None
    cycle: Period | None = None
    cycle_fee: Money | None = None
    usage_start: date | None = None
    scheduled: ScheduledChange | None = None
    checkout: Checkout | None = None
    unpaid: tuple[IssuedInvoice, ...] = ()
    awaiting_usage: tuple[UsageWindow, ...] = ()
    frozen_on: date | None = None
    cancelled_on: date | None = None
    cancel_reason: CancelReason | None = None
    overdue_state: OverdueState | None = None
    marked_for_deletion_on: date | None = None
    invoices_issued: int = 0

    def __repr__(self) -> str:
        return _display.subscription_repr(self)

    def _repr_html_(self) -> str:
        """A table for notebooks: state, plan, period, what happens next and the
        unpaid invoices; every text is escaped."""
        return _display.subscription_html(self)

    @property
    def overdue(self) -> tuple[IssuedInvoice, ...]:
        """The unpaid invoices that are overdue, oldest first."""
        return tuple(
            sorted(
                (i for i in self.unpaid if i.overdue_on is not None),
                key=lambda i: (i.overdue_on, i.id),
            )
        )

    @property
    def overdue_since(self) -> date | None:
        """The day the oldest overdue invoice fell overdue (``None``: nothing overdue)."""
        days = [i.overdue_on for i in self.unpaid if i.overdue_on is not None]
        return min(days) if days else None

    @property
    def pricing_plan(self) -> Plan | None:
        """The plan that prices usage, or ``None`` when nothing is metered."""
        plan = self.usage_plan if self.usage_plan is not None else self.plan
        return plan if plan.metrics else None

    def __str__(self) -> str:
        text = f"{self.id} {self.state.value} on {self.plan.code}, as of {self.as_of}"
        if self.cycle is not None:
            text += f", cycle {self.cycle}"
        return text


@attrs.frozen(kw_only=True)
class Outcome:
    """What a lifecycle function returns: the new ``subscription``, the
    ``actions`` the caller must take and the state ``transitions``, in order.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> from billkit.subscriptions import start_trial
    >>> plan = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> out = start_trial("org-1", plan=plan, on=date(2026, 1, 1))
    >>> out.subscription.state.value, out.actions, out.transitions
    ('trial', (), ())
    """

    subscription: Subscription
    actions: tuple[SubscriptionAction, ...] = ()
    transitions: tuple[Transition, ...] = ()
