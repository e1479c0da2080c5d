"""The subscription lifecycle of the messaging business, as pure transitions.

A :class:`Subscription` is a frozen value. :func:`apply` takes one, an event
(what happened, and on which day) and the :class:`LifecycleSettings`, and
returns an :class:`Outcome`: the new subscription, the :class:`Action`\\ s the
caller must take and the state :class:`Transition`\\ s, in order.
:func:`advance` moves a subscription through time alone: trials end, cycles
renew, invoices fall overdue, grace periods run out, cancelled organisations
are marked for deletion. Nothing reads a clock, so a year can be replayed
from its events (:func:`~billkit.subscriptions.simulate`).

The rules (REQUIREMENTS.md, section 4; seed 003):

* states TRIAL, TRIAL_ENDED, ACTIVE, DOWNGRADING, CANCELLING,
  PENDING_PAYMENT, FROZEN, CANCELLED; what each blocks and keeps is part of
  the state (:attr:`Subscription.access`);
* an **upgrade** takes effect at once: the billing cycle restarts that day
  and a pro rata amount is charged (:func:`~billkit.pricing.change_plan`);
  the plan changes when that charge is paid, on the same day, or not at all
  (a failed payment leaves the plan as it was). Subscribing from a trial is
  the same kind of checkout;
* a **downgrade** and a **cancellation** wait for the end of the cycle
  (DOWNGRADING, CANCELLING); both may be undone until then;
* an **unpaid invoice** (a failed charge, or no payment by its due day)
  moves the subscription to PENDING_PAYMENT; then the
  :class:`~billkit.subscriptions.DunningSchedule` runs: a 5-day grace period,
  then FROZEN (outbound messages and workflows blocked, inbound kept); if
  still unpaid at the end of the billing cycle, CANCELLED; a cancelled
  organisation is marked for deletion 90 days later. Paying every overdue
  invoice brings it back;
* two invoice kinds: the subscription invoice at the start of each cycle,
  and an on-demand usage invoice for each usage period (monthly, even on an
  annual plan), priced from the usage the caller measures when asked
  (:attr:`ActionKind.MEASURE_USAGE`);
* only organisation admins and billing admins may subscribe and change
  plans; only organisation admins may cancel (the seed: "cancellation can
  only be done by an Organization Admin"). Both are settings.

>>> from datetime import date
>>> from billkit.money import Money
>>> from billkit.pricing import Plan
>>> growth = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
>>> trial = start_trial("org-1", plan=growth, on=date(2026, 1, 1)).subscription
>>> trial.state, trial.trial_ends_on
(<SubscriptionState.TRIAL: 'trial'>, datetime.date(2026, 1, 15))
>>> out = apply(trial, Subscribe(on=date(2026, 1, 10), role="org_admin", plan=growth))
>>> [str(a) for a in out.actions]
['2026-01-10 org-1 issue_invoice org-1/0001 99.00 EUR', '2026-01-10 org-1 charge org-1/0001 99.00 EUR (first attempt)']
>>> out = apply(out.subscription, PaymentSucceeded(on=date(2026, 1, 10), invoice_id="org-1/0001"))
>>> out.subscription.state, str(out.subscription.cycle)
(<SubscriptionState.ACTIVE: 'active'>, '2026-01-10..2026-02-10')
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Final, TypeAlias

import attrs
from moneyed import Money

from billkit._frozen import FrozenDict
from billkit.errors import NotAllowedError, PeriodError, SubscriptionError, TransitionError
from billkit.periods import Period
from billkit.pricing import (
    DEFAULT_PRORATION,
    ChangeDirection,
    ChangeTiming,
    Plan,
    PlanChange,
    ProrationPolicy,
    Quote,
    UnusedCredit,
    change_plan,
    fixed_fee,
    quote,
)
from billkit.pricing.models import PricingCurrencyError
from billkit.subscriptions import _checks as c
from billkit.subscriptions.actions import (
    Access,
    Action,
    ActionKind,
    InvoiceKind,
    IssuedInvoice,
    NoticeKind,
    Transition,
)
from billkit.subscriptions.dunning import (
    MESSAGING_DUNNING,
    DunningAnchor,
    DunningMove,
    DunningSchedule,
)

__all__ = [
    "DEFAULT_LIFECYCLE",
    "Cancel",
    "CancelReason",
    "ChangePlan",
    "Checkout",
    "Event",
    "InvoiceVoided",
    "LifecycleSettings",
    "Outcome",
    "PaymentFailed",
    "PaymentSucceeded",
    "Role",
    "ScheduledChange",
    "Subscribe",
    "Subscription",
    "SubscriptionState",
    "UndoScheduledChange",
    "UsageReported",
    "UsageWindow",
    "advance",
    "allowed_events",
    "apply",
    "start_trial",
]

_ONE_DAY: Final = timedelta(days=1)


class SubscriptionState(str, enum.Enum):
    """The eight states of a messaging-business subscription.

    ``DOWNGRADING`` and ``CANCELLING`` are ACTIVE with a change waiting for
    the end of the cycle; ``PENDING_PAYMENT`` has an overdue invoice inside
    its grace period; ``FROZEN`` is past it; ``CANCELLED`` is final.

    >>> [s.value for s in SubscriptionState]
    ['trial', 'trial_ended', 'active', 'downgrading', 'cancelling', 'pending_payment', 'frozen', 'cancelled']
    """

    TRIAL = "trial"
    TRIAL_ENDED = "trial_ended"
    ACTIVE = "active"
    DOWNGRADING = "downgrading"
    CANCELLING = "cancelling"
    PENDING_PAYMENT = "pending_payment"
    FROZEN = "frozen"
    CANCELLED = "cancelled"


S = SubscriptionState
_RUNNING: Final = frozenset({S.ACTIVE, S.DOWNGRADING, S.CANCELLING, S.PENDING_PAYMENT, S.FROZEN})
_DUNNING: Final = frozenset({S.PENDING_PAYMENT, S.FROZEN})
_GOOD_STANDING: Final = frozenset({S.ACTIVE, S.DOWNGRADING, S.CANCELLING})


class Role(str, enum.Enum):
    """The roles of an organisation the messaging business knows.

    Any role name (a plain str) may be passed where a role is expected;
    these are the ones the default settings mention.

    >>> Role("billing_admin") is Role.BILLING_ADMIN
    True
    """

    ORG_ADMIN = "org_admin"
    BILLING_ADMIN = "billing_admin"
    WORKSPACE_ADMIN = "workspace_admin"
    MEMBER = "member"


class CancelReason(str, enum.Enum):
    """Why a subscription was cancelled: the customer asked, or it went unpaid.

    >>> CancelReason("nonpayment") is CancelReason.NONPAYMENT
    True
    """

    REQUESTED = "requested"
    NONPAYMENT = "nonpayment"


_ALL: Final = Access(platform=True, outbound=True, inbound=True, workflows=True)
_INBOUND_ONLY: Final = Access(platform=False, outbound=False, inbound=True, workflows=False)
_NOTHING: Final = Access(platform=False, outbound=False, inbound=False, workflows=False)
_DEFAULT_ACCESS: Final = FrozenDict(
    {
        S.TRIAL: _ALL,
        S.TRIAL_ENDED: _INBOUND_ONLY,
        S.ACTIVE: _ALL,
        S.DOWNGRADING: _ALL,
        S.CANCELLING: _ALL,
        S.PENDING_PAYMENT: _ALL,
        S.FROZEN: _INBOUND_ONLY,
        S.CANCELLED: _NOTHING,
    }
)


def _access_map(value: object) -> Mapping[SubscriptionState, Access]:
    if not isinstance(value, Mapping):
        raise SubscriptionError("access", value, "a mapping of SubscriptionState to Access")
    merged = dict(_DEFAULT_ACCESS)
    for key, access in value.items():
        state = c.member(SubscriptionState, "access", key)
        if not isinstance(access, Access):
            raise SubscriptionError(f"access[{state.value!r}]", access, "an Access")
        merged[state] = access
    return FrozenDict(merged)


def _schedule(value: object) -> DunningSchedule:
    if not isinstance(value, DunningSchedule):
        raise SubscriptionError("dunning", value, "a DunningSchedule")
    return value


def _unused(value: object) -> UnusedCredit:
    return c.member(UnusedCredit, "unused_credit", value)


def _proration(value: object) -> ProrationPolicy:
    if not isinstance(value, ProrationPolicy):
        raise SubscriptionError("proration", value, "a ProrationPolicy")
    if value.basis.value != "day":
        raise SubscriptionError(
            "proration", value, "a by-day ProrationPolicy (billing days are dates)"
        )
    return value


def _rank(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise SubscriptionError("rank", value, "plan codes from lowest to highest, or None")
    return tuple(c.text(f"rank[{i}]", code) for i, code in enumerate(value))


def _notify(value: object) -> tuple[str, ...]:
    return tuple(sorted(c.roles("notify_roles", value)))


def _trial_days(value: object) -> int:
    return c.whole("trial_days", value, 1, 3660)


def _terms(value: object) -> int:
    return c.whole("payment_terms_days", value, 0, 3660)


def _billing_roles(value: object) -> frozenset[str]:
    return c.roles("billing_roles", value)


def _cancel_roles(value: object) -> frozenset[str]:
    return c.roles("cancel_roles", value)


@attrs.frozen(kw_only=True)
class LifecycleSettings:
    """Every number and rule of the lifecycle, with the messaging business's defaults.

    * ``trial_days``: length of a trial (14; the seed does not say, set yours);
    * ``payment_terms_days``: days to pay an invoice after its issue day (0:
      the saved method is charged at issue, and an invoice not paid that day
      is overdue the next);
    * ``dunning``: the :class:`~billkit.subscriptions.DunningSchedule`
      (5-day grace, FROZEN, CANCELLED at the cycle end, deletion mark after
      90 days);
    * ``billing_roles``: who may subscribe, change plans and undo a
      scheduled change (organisation and billing admins); ``cancel_roles``:
      who may cancel (the same two by default; the messaging SaaS's own help
      lets only organisation admins cancel: ``cancel_roles={"org_admin"}``);
      ``notify_roles``: who receives billing notices;
    * ``access``: what each state blocks and keeps (a partial mapping
      overrides the defaults: FROZEN and TRIAL_ENDED keep inbound messages
      only, CANCELLED keeps nothing, the other states everything);
    * ``unused_credit``, ``proration``, ``rank``: passed to
      :func:`~billkit.pricing.change_plan` (what happens to the unused part
      of the old plan, how days are counted, which plan ranks above which).

    >>> s = LifecycleSettings()
    >>> s.dunning.grace_days, s.dunning.deletion_days, sorted(s.billing_roles), sorted(s.cancel_roles)
    (5, 90, ['billing_admin', 'org_admin'], ['billing_admin', 'org_admin'])
    >>> s.access_for(SubscriptionState.FROZEN).kept()
    ('inbound',)
    """

    trial_days: int = attrs.field(default=14, converter=_trial_days)
    payment_terms_days: int = attrs.field(default=0, converter=_terms)
    dunning: DunningSchedule = attrs.field(default=MESSAGING_DUNNING, converter=_schedule)
    billing_roles: frozenset[str] = attrs.field(
        default=frozenset({Role.ORG_ADMIN.value, Role.BILLING_ADMIN.value}),
        converter=_billing_roles,
    )
    cancel_roles: frozenset[str] = attrs.field(
        default=frozenset({Role.ORG_ADMIN.value, Role.BILLING_ADMIN.value}),
        converter=_cancel_roles,
    )
    notify_roles: tuple[str, ...] = attrs.field(
        default=(Role.ORG_ADMIN.value, Role.BILLING_ADMIN.value), converter=_notify
    )
    access: Mapping[SubscriptionState, Access] = attrs.field(
        factory=dict, converter=_access_map, eq=False, hash=False, repr=False
    )
    unused_credit: UnusedCredit = attrs.field(default=UnusedCredit.OFFSET, converter=_unused)
    proration: ProrationPolicy = attrs.field(default=DEFAULT_PRORATION, converter=_proration)
    rank: tuple[str, ...] | None = attrs.field(default=None, converter=_rank)
    _access_key: tuple[tuple[str, Access], ...] = attrs.field(init=False, repr=False)

    @_access_key.default
    def _make_access_key(self) -> tuple[tuple[str, Access], ...]:
        return tuple((state.value, self.access[state]) for state in SubscriptionState)

    def access_for(self, state: SubscriptionState) -> Access:
        """What ``state`` blocks and keeps under these settings."""
        return self.access[state]


DEFAULT_LIFECYCLE: Final = LifecycleSettings()
"""The messaging business's rules, as :class:`LifecycleSettings` defaults."""


# ------------------------------------------------------------------ values


def _plan(field: str) -> Callable[[Any, Any, Any], None]:
    def check(_: object, __: object, value: object) -> None:
        if not isinstance(value, Plan):
            raise SubscriptionError(field, value, "a billkit.pricing.Plan")

    return check


def _optional_plan(field: str) -> Callable[[Any, Any, Any], None]:
    def check(_: object, __: object, value: object) -> None:
        if value is not None and not isinstance(value, Plan):
            raise SubscriptionError(field, value, "a billkit.pricing.Plan, or None")

    return check


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
    for ``effective_on``, the end of the cycle; ``change`` explains it.

    >>> from datetime import date
    >>> from billkit.money import Money
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


@attrs.frozen(kw_only=True)
class Checkout:
    """A change that charges now and takes effect when paid: a subscription
    from a trial (``change`` is ``None``) or an upgrade. It must be paid on
    ``requested_on``; otherwise it lapses and its invoice is voided.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> plan = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> sub = start_trial("org-1", plan=plan, on=date(2026, 1, 1)).subscription
    >>> sub = apply(sub, Subscribe(on=date(2026, 1, 3), role="org_admin", plan=plan)).subscription
    >>> sub.checkout.invoice.id, sub.checkout.requested_on, str(sub.checkout.period)
    ('org-1/0001', datetime.date(2026, 1, 3), '2026-01-03..2026-02-03')
    >>> advance(sub, date(2026, 1, 4)).subscription.checkout is None     # not paid that day
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
    * ``trial_ends_on``, ``frozen_on``, ``cancelled_on``, ``cancel_reason``,
      ``marked_for_deletion_on``: the dates that matter;
    * ``invoices_issued``: how many invoices were numbered so far.

    Start one with :func:`start_trial`; change it with :func:`apply` and
    :func:`advance`, never by hand.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> plan = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> sub = start_trial("org-1", plan=plan, on=date(2026, 1, 1)).subscription
    >>> sub = apply(sub, Subscribe(on=date(2026, 1, 1), role="org_admin", plan=plan)).subscription
    >>> sub = apply(sub, PaymentSucceeded(on=date(2026, 1, 1), invoice_id="org-1/0001")).subscription
    >>> sub = advance(sub, date(2026, 2, 2)).subscription       # February's invoice unpaid
    >>> print(sub)
    org-1 pending_payment on growth, as of 2026-02-02, cycle 2026-02-01..2026-03-01
    >>> [str(i) for i in sub.overdue], sub.overdue_since
    (['org-1/0002 subscription 99.00 EUR for 2026-02-01..2026-03-01, due 2026-02-01, overdue since 2026-02-02'], datetime.date(2026, 2, 2))
    """

    id: str
    state: SubscriptionState
    access: Access
    plan: Plan = attrs.field(validator=_plan("plan"), repr=lambda plan: repr(plan.code))
    usage_plan: Plan | None = attrs.field(
        default=None,
        validator=_optional_plan("usage_plan"),
        repr=lambda p: repr(p and p.code),
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
    marked_for_deletion_on: date | None = None
    invoices_issued: int = 0

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
    return FrozenDict(dict(value))


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


@attrs.frozen(kw_only=True)
class Outcome:
    """What a lifecycle function returns: the new ``subscription``, the
    ``actions`` the caller must take and the state ``transitions``, in order.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> plan = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> out = start_trial("org-1", plan=plan, on=date(2026, 1, 1))
    >>> out.subscription.state.value, out.actions, out.transitions
    ('trial', (), ())
    """

    subscription: Subscription
    actions: tuple[Action, ...] = ()
    transitions: tuple[Transition, ...] = ()


# ------------------------------------------------------------------ the run


class _Run:
    """Accumulates one call's changes: the subscription, actions and transitions."""

    def __init__(self, sub: Subscription, settings: LifecycleSettings) -> None:
        self.sub = sub
        self.settings = settings
        self.actions: list[Action] = []
        self.transitions: list[Transition] = []

    def update(self, **changes: Any) -> None:
        self.sub = attrs.evolve(self.sub, **changes)

    def act(
        self,
        on: date,
        kind: ActionKind,
        *,
        invoice: IssuedInvoice | None = None,
        amount: Money | None = None,
        notice: NoticeKind | None = None,
        recipients: tuple[str, ...] = (),
        period: Period | None = None,
        access: Access | None = None,
        reason: str = "",
    ) -> None:
        self.actions.append(
            Action(
                on=on,
                kind=kind,
                subject=self.sub.id,
                invoice=invoice,
                amount=amount,
                notice=notice,
                recipients=recipients,
                period=period,
                access=access,
                reason=reason,
            )
        )

    def notify(self, on: date, notice: NoticeKind, reason: str = "") -> None:
        self.act(
            on,
            ActionKind.NOTIFY,
            notice=notice,
            recipients=self.settings.notify_roles,
            reason=reason,
        )

    def move(self, on: date, state: SubscriptionState, reason: str, **changes: Any) -> None:
        before, old = self.sub.state, self.sub.access
        new = self.settings.access_for(state)
        self.update(state=state, access=new, **changes)
        if before is not state:
            self.transitions.append(
                Transition(
                    on=on,
                    subject=self.sub.id,
                    before=before.value,
                    after=state.value,
                    reason=reason,
                )
            )
        if old.loses(new):
            self.act(on, ActionKind.BLOCK, access=new, reason=state.value)
        elif old.gains(new):
            self.act(on, ActionKind.UNBLOCK, access=new, reason=state.value)

    def number(self) -> str:
        n = self.sub.invoices_issued + 1
        self.update(invoices_issued=n)
        return f"{self.sub.id}/{n:04d}"

    def issue(
        self,
        on: date,
        kind: InvoiceKind,
        amount: Money,
        period: Period,
        source: Quote | PlanChange,
        *,
        checkout: bool = False,
    ) -> IssuedInvoice:
        terms = 0 if checkout else self.settings.payment_terms_days
        invoice = IssuedInvoice(
            id=self.number(),
            kind=kind,
            amount=amount,
            period=period,
            issued_on=on,
            due_on=on + timedelta(days=terms),
            source=source,
        )
        self.act(on, ActionKind.ISSUE_INVOICE, invoice=invoice, amount=amount)
        if amount.amount > 0:
            self.act(on, ActionKind.CHARGE, invoice=invoice, amount=amount, reason="first attempt")
            if not checkout:
                self.update(unpaid=(*self.sub.unpaid, invoice))
        return invoice

    def outcome(self) -> Outcome:
        return Outcome(
            subscription=self.sub,
            actions=tuple(self.actions),
            transitions=tuple(self.transitions),
        )


# ------------------------------------------------------------------ time


def _plus(day: date, days: int) -> date:
    return day + timedelta(days=days)


def _usage_period(sub: Subscription) -> Period | None:
    """The whole usage period that contains ``usage_start``, or ``None``."""
    plan = sub.pricing_plan
    if plan is None or sub.usage_start is None or sub.anchor is None:
        return None
    return plan.cycle.period_containing(sub.anchor, sub.usage_start)


def _usage_end(sub: Subscription) -> date | None:
    period = _usage_period(sub)
    if period is None or sub.cycle is None:
        return None
    return min(period.end, sub.cycle.end)


def _next_date(sub: Subscription, settings: LifecycleSettings) -> date | None:
    """The first day after ``as_of`` on which time alone changes something."""
    found: list[date] = []
    if sub.checkout is not None:
        found.append(_plus(sub.checkout.requested_on, 1))
    found.extend(_plus(i.due_on, 1) for i in sub.unpaid if i.overdue_on is None)
    if sub.state in _RUNNING and sub.cycle is not None:
        found.append(sub.cycle.end)
        end = _usage_end(sub)
        if end is not None:
            found.append(end)
    since = sub.overdue_since
    if since is not None and sub.state in _DUNNING:
        for step in settings.dunning.anchored(DunningAnchor.OVERDUE):
            if step.move is DunningMove.RETRY:
                found.extend(
                    _plus(i.overdue_on, step.days) for i in sub.unpaid if i.overdue_on is not None
                )
            else:
                found.append(_plus(since, step.days))
    if sub.state is S.CANCELLED and sub.cancelled_on is not None:
        found.extend(
            _plus(sub.cancelled_on, s.days)
            for s in settings.dunning.anchored(DunningAnchor.CANCELLED)
        )
    if sub.state is S.TRIAL and sub.trial_ends_on is not None:
        found.append(sub.trial_ends_on)
    later = [d for d in found if d > sub.as_of]
    return min(later) if later else None


def _close_usage(run: _Run, on: date) -> None:
    """Close the usage period being measured at ``on`` and ask for its usage."""
    sub = run.sub
    plan, whole = sub.pricing_plan, _usage_period(sub)
    if plan is None or whole is None or sub.usage_start is None or sub.usage_start >= on:
        return
    window = UsageWindow(period=Period(sub.usage_start, on), priced_over=whole, plan=plan)
    run.update(awaiting_usage=(*sub.awaiting_usage, window), usage_start=on)
    run.act(on, ActionKind.MEASURE_USAGE, period=window.period, reason=f"priced by {plan.code}")


def _lapse_checkout(run: _Run, on: date, reason: str) -> None:
    checkout = run.sub.checkout
    if checkout is None:
        return
    run.update(checkout=None)
    run.act(on, ActionKind.VOID_INVOICE, invoice=checkout.invoice, reason=reason)
    run.notify(on, NoticeKind.CHECKOUT_FAILED, f"{checkout.plan.code}: {reason}")


def _cancel(run: _Run, on: date, why: CancelReason, notice: NoticeKind | None, text: str) -> None:
    if run.sub.state in _RUNNING:
        _close_usage(run, on)
    _lapse_checkout(run, on, "the subscription was cancelled")
    run.move(
        on,
        S.CANCELLED,
        text,
        cancelled_on=on,
        cancel_reason=why,
        scheduled=None,
        frozen_on=None,
        usage_start=None,
    )
    if notice is not None:
        run.notify(on, notice, text)


def _restore(run: _Run, on: date, reason: str) -> None:
    """Back to good standing once nothing is overdue."""
    sub = run.sub
    if sub.state not in _DUNNING or sub.overdue_since is not None:
        return
    if sub.scheduled is None:
        target = S.ACTIVE
    elif sub.scheduled.plan is None:
        target = S.CANCELLING
    else:
        target = S.DOWNGRADING
    run.move(on, target, reason, frozen_on=None)
    run.notify(on, NoticeKind.PAYMENT_RECEIVED, reason)


def _renew(run: _Run, on: date) -> None:
    sub = run.sub
    assert sub.cycle is not None
    assert sub.anchor is not None
    scheduled = sub.scheduled
    plan, usage_plan, anchor = sub.plan, sub.usage_plan, sub.anchor
    if scheduled is not None and scheduled.plan is not None:
        plan, usage_plan = scheduled.plan, scheduled.usage_plan
        assert scheduled.change.new_period is not None
        period = scheduled.change.new_period
    else:
        period = plan.cycle.period_containing(anchor, on)
    if period.start != on:  # a cycle that does not continue from this anchor
        period, anchor = plan.cycle.period(on, 0), on
    fee = quote(plan, {}, period)
    run.update(
        plan=plan,
        usage_plan=usage_plan,
        anchor=anchor,
        cycle=period,
        cycle_fee=fee.total,
        usage_start=on,
        scheduled=None,
    )
    if scheduled is not None:
        run.notify(on, NoticeKind.PLAN_CHANGED, f"downgraded to {plan.code}")
        if run.sub.state is S.DOWNGRADING:
            run.move(on, S.ACTIVE, f"downgraded to {plan.code} at the end of the cycle")
    run.issue(on, InvoiceKind.SUBSCRIPTION, fee.total, period, fee)


def _cycle_end(run: _Run, on: date) -> None:
    sub = run.sub
    _close_usage(run, on)
    schedule = run.settings.dunning
    cancel = schedule.cancel_step
    if cancel is not None and cancel.anchor is DunningAnchor.CYCLE_END and sub.state in _DUNNING:
        frozen_first = schedule.freeze_step is not None
        reference = sub.frozen_on if frozen_first else sub.overdue_since
        if reference is not None and reference < on:
            _cancel(
                run,
                on,
                CancelReason.NONPAYMENT,
                cancel.notice,
                "unpaid at the end of the billing cycle",
            )
            return
    if sub.scheduled is not None and sub.scheduled.plan is None:
        _cancel(
            run,
            on,
            CancelReason.REQUESTED,
            NoticeKind.CANCELLED,
            "cancelled at the end of the cycle",
        )
        return
    _renew(run, on)


def _dunning_day(run: _Run, on: date) -> None:
    """Run the overdue-counted steps of the schedule that fall on ``on``."""
    sub = run.sub
    since = sub.overdue_since
    if since is None or sub.state not in _DUNNING:
        return
    schedule = run.settings.dunning
    cancel = schedule.cancel_step
    if (
        cancel is not None
        and cancel.anchor is DunningAnchor.OVERDUE
        and on >= _plus(since, cancel.days)
    ):
        _cancel(
            run,
            on,
            CancelReason.NONPAYMENT,
            cancel.notice,
            f"unpaid {cancel.days} days after it fell overdue",
        )
        return
    for step in schedule.anchored(DunningAnchor.OVERDUE):
        if step.move is DunningMove.NOTIFY and _plus(since, step.days) == on:
            assert step.notice is not None
            run.notify(on, step.notice, f"overdue since {since}")
        elif step.move is DunningMove.RETRY:
            for invoice in run.sub.overdue:
                assert invoice.overdue_on is not None
                if _plus(invoice.overdue_on, step.days) == on:
                    run.act(
                        on,
                        ActionKind.CHARGE,
                        invoice=invoice,
                        amount=invoice.amount,
                        reason=f"retry, {step.days} days after it fell overdue",
                    )
        elif (
            step.move is DunningMove.FREEZE
            and run.sub.state is S.PENDING_PAYMENT
            and on >= _plus(since, step.days)
        ):
            text = f"unpaid {step.days} days after it fell overdue"
            run.move(on, S.FROZEN, text, frozen_on=on)
            if step.notice is not None:
                run.notify(on, step.notice, text)


def _cancelled_day(run: _Run, on: date) -> None:
    sub = run.sub
    if sub.state is not S.CANCELLED or sub.cancelled_on is None:
        return
    for step in run.settings.dunning.anchored(DunningAnchor.CANCELLED):
        if _plus(sub.cancelled_on, step.days) != on:
            continue
        text = f"{step.days} days after cancellation"
        if step.move is DunningMove.MARK_FOR_DELETION:
            run.update(marked_for_deletion_on=on)
            run.act(on, ActionKind.MARK_FOR_DELETION, reason=text)
        if step.notice is not None:
            run.notify(on, step.notice, text)


def _overdue_by_date(run: _Run, on: date) -> None:
    changed = False
    unpaid = []
    for invoice in run.sub.unpaid:
        if invoice.overdue_on is None and invoice.due_on < on:
            invoice = attrs.evolve(invoice, overdue_on=on)
            changed = True
        unpaid.append(invoice)
    if changed:
        run.update(unpaid=tuple(unpaid))
        _enter_dunning(run, on, f"not paid by its due day ({_plus(on, -1)})")


def _enter_dunning(run: _Run, on: date, reason: str) -> None:
    if run.sub.state in _GOOD_STANDING and run.sub.overdue_since is not None:
        run.move(on, S.PENDING_PAYMENT, reason)


def _process_day(run: _Run, on: date) -> None:
    """Everything time alone does on day ``on``, in a fixed order."""
    sub = run.sub
    if sub.checkout is not None and sub.checkout.requested_on < on:
        _lapse_checkout(run, on, "not paid on the day it was requested")
    sub = run.sub
    if sub.state in _RUNNING and sub.cycle is not None:
        end = _usage_end(sub)
        if end == on and on < sub.cycle.end:
            _close_usage(run, on)
        if run.sub.cycle is not None and run.sub.cycle.end == on:
            _cycle_end(run, on)
    _overdue_by_date(run, on)
    _dunning_day(run, on)
    _cancelled_day(run, on)
    sub = run.sub
    if sub.state is S.TRIAL and sub.trial_ends_on is not None and sub.trial_ends_on <= on:
        run.move(on, S.TRIAL_ENDED, "the trial ended")
        run.notify(on, NoticeKind.TRIAL_ENDED)
    run.update(as_of=on)


def _check_settings(settings: object) -> LifecycleSettings:
    if not isinstance(settings, LifecycleSettings):
        raise SubscriptionError("settings", settings, "a LifecycleSettings")
    return settings


def _check_subscription(value: object) -> Subscription:
    if not isinstance(value, Subscription):
        raise SubscriptionError("subscription", value, "a Subscription")
    return value


def _advance(run: _Run, to: date) -> None:
    if to < run.sub.as_of:
        raise PeriodError(
            "on", to, f"a day on or after {run.sub.as_of}, the last day processed for {run.sub.id}"
        )
    while True:
        day = _next_date(run.sub, run.settings)
        if day is None or day > to:
            break
        _process_day(run, day)
    run.update(as_of=to)


def advance(
    subscription: Subscription, to: date, settings: LifecycleSettings = DEFAULT_LIFECYCLE
) -> Outcome:
    """Move ``subscription`` through time to the end of day ``to``.

    Every day between is processed, in order, as if the caller had called
    once a day: a checkout not paid on its day lapses; usage periods close
    (:attr:`~billkit.subscriptions.ActionKind.MEASURE_USAGE`); at the end of
    a cycle the subscription is cancelled (as scheduled, or for
    non-payment), downgraded or renewed with a new subscription invoice;
    invoices not paid by their due day fall overdue; the dunning schedule
    runs; cancelled organisations are marked for deletion; trials end.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> plan = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> trial = start_trial("org-1", plan=plan, on=date(2026, 1, 1)).subscription
    >>> out = advance(trial, date(2026, 1, 20))
    >>> [str(t) for t in out.transitions]
    ['2026-01-15 org-1 trial -> trial_ended (the trial ended)']
    >>> out.subscription.access.blocked()
    ('platform', 'outbound', 'workflows')
    """
    run = _Run(_check_subscription(subscription), _check_settings(settings))
    _advance(run, c.day("to", to))
    return run.outcome()


def start_trial(
    id: str,
    *,
    plan: Plan,
    on: date,
    usage_plan: Plan | None = None,
    days: int | None = None,
    settings: LifecycleSettings = DEFAULT_LIFECYCLE,
) -> Outcome:
    """A new organisation's subscription: a trial of ``plan`` from ``on``.

    The trial lasts ``days`` (``settings.trial_days`` by default) and ends
    at the start of day ``on + days``. A customer who pays at once simply
    :class:`Subscribe`\\ s on the first day.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> plan = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> start_trial("org-1", plan=plan, on=date(2026, 1, 1), days=7).subscription.trial_ends_on
    datetime.date(2026, 1, 8)
    """
    settings = _check_settings(settings)
    on = c.day("on", on)
    length = settings.trial_days if days is None else _trial_days(days)
    _plans(plan, usage_plan)
    sub = Subscription(
        id=c.text("id", id),
        state=S.TRIAL,
        access=settings.access_for(S.TRIAL),
        plan=plan,
        usage_plan=usage_plan,
        as_of=on,
        started_on=on,
        trial_ends_on=_plus(on, length),
    )
    return Outcome(subscription=sub)


def _plans(plan: object, usage_plan: object) -> None:
    if not isinstance(plan, Plan):
        raise SubscriptionError("plan", plan, "a billkit.pricing.Plan")
    if usage_plan is None:
        return
    if not isinstance(usage_plan, Plan):
        raise SubscriptionError("usage_plan", usage_plan, "a billkit.pricing.Plan, or None")
    if plan.metrics:
        raise SubscriptionError(
            "usage_plan",
            usage_plan.code,
            f"None: plan {plan.code!r} prices usage itself ({', '.join(sorted(plan.metrics))})",
        )
    if usage_plan.currency != plan.currency:
        raise PricingCurrencyError(
            "usage_plan.currency", usage_plan.currency.code, f"{plan.currency.code}, the plan's"
        )


# ------------------------------------------------------------------ events


def allowed_events(subscription: Subscription) -> tuple[str, ...]:
    """What may happen to ``subscription`` now, by event name.

    ``subscribe``, ``upgrade`` (also a lateral change), ``downgrade``,
    ``cancel``, ``undo_scheduled_change``, ``pay`` (an invoice or checkout
    is waiting for payment) and ``report_usage`` (a usage period waits for
    its usage).

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> plan = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> allowed_events(start_trial("org-1", plan=plan, on=date(2026, 1, 1)).subscription)
    ('subscribe', 'cancel')
    """
    sub = _check_subscription(subscription)
    state = sub.state
    out: list[str] = []
    if state in (S.TRIAL, S.TRIAL_ENDED):
        out += ["subscribe", "cancel"]
    elif state in (S.ACTIVE, S.DOWNGRADING):
        if not sub.unpaid:
            out.append("upgrade")
        out += ["downgrade", "cancel"]
    elif state is S.CANCELLING:
        out.append("downgrade")
    elif state in _DUNNING:
        out.append("downgrade")
        if sub.scheduled is None or sub.scheduled.plan is not None:
            out.append("cancel")
    if sub.scheduled is not None:
        out.append("undo_scheduled_change")
    if sub.unpaid or sub.checkout is not None:
        out.append("pay")
    if sub.awaiting_usage:
        out.append("report_usage")
    return tuple(out)


def _refuse(sub: Subscription, event: str) -> TransitionError:
    subject = f"subscription {sub.id}"
    if event == "upgrade" and sub.unpaid and sub.state in (S.ACTIVE, S.DOWNGRADING):
        subject += f" (invoice {sub.unpaid[0].id} unpaid)"
    return TransitionError(subject, sub.state.value, event, allowed_events(sub))


def _authorise(role: str, action: str, allowed: frozenset[str]) -> None:
    if role not in allowed:
        raise NotAllowedError(role, action, sorted(allowed))


def _find(sub: Subscription, invoice_id: str) -> IssuedInvoice | None:
    return next((i for i in sub.unpaid if i.id == invoice_id), None)


def _unknown_invoice(sub: Subscription, invoice_id: str) -> SubscriptionError:
    known = [i.id for i in sub.unpaid]
    if sub.checkout is not None:
        known.append(sub.checkout.invoice.id)
    return SubscriptionError(
        "invoice_id", invoice_id, f"an invoice of {sub.id} awaiting payment (one of {known})"
    )


def _subscribe(run: _Run, event: Subscribe) -> None:
    sub = run.sub
    _authorise(event.role, "subscribe", run.settings.billing_roles)
    if sub.state not in (S.TRIAL, S.TRIAL_ENDED):
        raise _refuse(sub, "subscribe")
    _plans(event.plan, event.usage_plan)
    on = event.on
    _lapse_checkout(run, on, "replaced by a new request")
    period = event.plan.cycle.period(on, 0)
    fee = quote(event.plan, {}, period)
    invoice = run.issue(on, InvoiceKind.SUBSCRIPTION, fee.total, period, fee, checkout=True)
    checkout = Checkout(
        plan=event.plan,
        usage_plan=event.usage_plan,
        invoice=invoice,
        period=period,
        requested_on=on,
    )
    run.update(checkout=checkout)
    if fee.total.amount == 0:
        _complete_checkout(run, on)


def _complete_checkout(run: _Run, on: date) -> None:
    checkout = run.sub.checkout
    assert checkout is not None
    change = checkout.change
    if change is None:  # a subscription from a trial
        run.update(checkout=None)
        run.move(
            on,
            S.ACTIVE,
            f"subscribed to {checkout.plan.code}",
            plan=checkout.plan,
            usage_plan=checkout.usage_plan,
            anchor=on,
            cycle=checkout.period,
            cycle_fee=checkout.invoice.amount,
            usage_start=on,
        )
        run.notify(on, NoticeKind.PLAN_CHANGED, f"subscribed to {checkout.plan.code}")
        return
    restart = change.timing is ChangeTiming.IMMEDIATELY
    new_pricing = checkout.usage_plan or checkout.plan
    if restart or run.sub.pricing_plan not in (None, new_pricing):
        # The cycle restarts, or another plan will price usage: the usage so far
        # is measured now and priced by the plan it was used under.
        _close_usage(run, on)
    assert change.new_period is not None
    run.update(
        checkout=None,
        plan=checkout.plan,
        usage_plan=checkout.usage_plan,
        cycle=change.new_period,
        cycle_fee=fixed_fee(checkout.plan, change.new_period),
        scheduled=None,
        **({"anchor": on, "usage_start": on} if restart else {}),
    )
    text = f"{change.direction.value} from {change.old_plan.code} to {checkout.plan.code}"
    if change.to_balance.amount > 0:
        run.act(on, ActionKind.CREDIT_BALANCE, amount=change.to_balance, reason=text)
    if change.refund.amount > 0:
        run.act(on, ActionKind.REFUND, amount=change.refund, reason=text)
    if run.sub.state is not S.ACTIVE:
        run.move(on, S.ACTIVE, text)
    run.notify(on, NoticeKind.PLAN_CHANGED, text)


def _change_plan(run: _Run, event: ChangePlan) -> None:
    sub = run.sub
    settings = run.settings
    _authorise(event.role, "change_plan", settings.billing_roles)
    if sub.state in (S.TRIAL, S.TRIAL_ENDED, S.CANCELLED):
        raise _refuse(sub, "upgrade or downgrade")
    _plans(event.plan, event.usage_plan)
    if event.plan == sub.plan and event.usage_plan == sub.usage_plan:
        raise SubscriptionError(
            "plan",
            event.plan.code,
            f"a plan other than the current one ({sub.plan.code!r}); "
            "to keep it, undo the scheduled change",
        )
    assert sub.cycle is not None
    assert sub.anchor is not None
    on = event.on
    probe = change_plan(
        sub.plan,
        event.plan,
        period=sub.cycle,
        on=on,
        rank=settings.rank,
        anchor=sub.anchor,
        policy=settings.proration,
        timing=ChangeTiming.END_OF_PERIOD,
    )
    direction = probe.direction
    if direction is ChangeDirection.DOWNGRADE:
        if sub.state not in (S.ACTIVE, S.DOWNGRADING, S.CANCELLING, *_DUNNING):
            raise _refuse(sub, "downgrade")
        run.update(
            scheduled=ScheduledChange(
                plan=event.plan,
                usage_plan=event.usage_plan,
                requested_on=on,
                effective_on=sub.cycle.end,
                change=probe,
            )
        )
        _lapse_checkout(run, on, "replaced by a downgrade")
        text = f"downgrade to {event.plan.code} on {sub.cycle.end}"
        if run.sub.state in _GOOD_STANDING:
            run.move(on, S.DOWNGRADING, text)
        run.notify(on, NoticeKind.DOWNGRADE_SCHEDULED, text)
        return
    # An upgrade, or a lateral change: at once, when paid.
    if sub.state not in (S.ACTIVE, S.DOWNGRADING) or sub.unpaid:
        raise _refuse(sub, "upgrade")
    timing = (
        ChangeTiming.IMMEDIATELY
        if direction is ChangeDirection.UPGRADE
        else ChangeTiming.IMMEDIATELY_KEEP_ANCHOR
    )
    change = change_plan(
        sub.plan,
        event.plan,
        period=sub.cycle,
        on=on,
        timing=timing,
        unused_credit=settings.unused_credit,
        policy=settings.proration,
        anchor=sub.anchor,
        rank=settings.rank,
        paid=sub.cycle_fee,
    )
    assert change.new_period is not None
    _lapse_checkout(run, on, "replaced by a new request")
    invoice = run.issue(
        on, InvoiceKind.SUBSCRIPTION, change.due, change.new_period, change, checkout=True
    )
    run.update(
        checkout=Checkout(
            plan=event.plan,
            usage_plan=event.usage_plan,
            invoice=invoice,
            period=change.new_period,
            requested_on=on,
            change=change,
        )
    )
    if change.due.amount == 0:
        _complete_checkout(run, on)


def _cancel_event(run: _Run, event: Cancel) -> None:
    sub = run.sub
    _authorise(event.role, "cancel", run.settings.cancel_roles)
    on = event.on
    text = "cancelled by the customer" + (f": {event.reason}" if event.reason else "")
    if sub.state in (S.TRIAL, S.TRIAL_ENDED):
        _cancel(run, on, CancelReason.REQUESTED, NoticeKind.CANCELLED, text)
        _cancelled_day(run, on)
        return
    already = sub.scheduled is not None and sub.scheduled.plan is None
    if sub.state not in (S.ACTIVE, S.DOWNGRADING, *_DUNNING) or already:
        raise _refuse(sub, "cancel")
    assert sub.cycle is not None
    change = change_plan(
        sub.plan, None, period=sub.cycle, on=on, anchor=sub.anchor, policy=run.settings.proration
    )
    run.update(
        scheduled=ScheduledChange(
            plan=None, requested_on=on, effective_on=sub.cycle.end, change=change
        )
    )
    _lapse_checkout(run, on, "replaced by a cancellation")
    when = f"cancellation on {sub.cycle.end}" + (f": {event.reason}" if event.reason else "")
    if run.sub.state in _GOOD_STANDING:
        run.move(on, S.CANCELLING, when)
    run.notify(on, NoticeKind.CANCELLATION_SCHEDULED, when)


def _undo(run: _Run, event: UndoScheduledChange) -> None:
    sub = run.sub
    _authorise(event.role, "undo_scheduled_change", run.settings.billing_roles)
    if sub.scheduled is None:
        raise _refuse(sub, "undo_scheduled_change")
    what = (
        "cancellation" if sub.scheduled.plan is None else f"downgrade to {sub.scheduled.plan.code}"
    )
    run.update(scheduled=None)
    text = f"{what} withdrawn"
    if sub.state in (S.DOWNGRADING, S.CANCELLING):
        run.move(event.on, S.ACTIVE, text)
    run.notify(event.on, NoticeKind.SCHEDULED_CHANGE_UNDONE, text)


def _settle(run: _Run, event: PaymentSucceeded | InvoiceVoided) -> None:
    sub = run.sub
    on = event.on
    if sub.checkout is not None and sub.checkout.invoice.id == event.invoice_id:
        if isinstance(event, PaymentSucceeded):
            _complete_checkout(run, on)
        else:
            _lapse_checkout(run, on, "its invoice was voided")
        return
    invoice = _find(sub, event.invoice_id)
    if invoice is None:
        raise _unknown_invoice(sub, event.invoice_id)
    run.update(unpaid=tuple(i for i in sub.unpaid if i.id != invoice.id))
    what = "paid" if isinstance(event, PaymentSucceeded) else "voided"
    _restore(run, on, f"invoice {invoice.id} {what}")


def _failed(run: _Run, event: PaymentFailed) -> None:
    sub = run.sub
    on = event.on
    why = event.reason or "no reason given"
    if sub.checkout is not None and sub.checkout.invoice.id == event.invoice_id:
        _lapse_checkout(run, on, f"payment failed: {why}")
        return
    invoice = _find(sub, event.invoice_id)
    if invoice is None:
        raise _unknown_invoice(sub, event.invoice_id)
    run.notify(on, NoticeKind.PAYMENT_FAILED, f"invoice {invoice.id}: {why}")
    if invoice.overdue_on is not None or on < invoice.due_on:
        return
    run.update(
        unpaid=tuple(
            attrs.evolve(i, overdue_on=on) if i.id == invoice.id else i for i in sub.unpaid
        )
    )
    if sub.state in _GOOD_STANDING:
        # Overdue from today: run the schedule's steps of day 0, which today's run
        # of the schedule (before this event) could not know.
        _enter_dunning(run, on, f"invoice {invoice.id} unpaid: {why}")
        _dunning_day(run, on)
        _cancelled_day(run, on)


def _usage_reported(run: _Run, event: UsageReported) -> None:
    sub = run.sub
    window = next((w for w in sub.awaiting_usage if w.period == event.period), None)
    if window is None:
        raise SubscriptionError(
            "period",
            str(event.period),
            f"a usage period of {sub.id} awaiting its usage "
            f"(one of {[str(w.period) for w in sub.awaiting_usage]})",
        )
    priced = quote(window.plan, event.usage, window.priced_over)
    amount = priced.total - fixed_fee(window.plan, window.priced_over)
    run.update(awaiting_usage=tuple(w for w in sub.awaiting_usage if w is not window))
    if amount.amount > 0:
        run.issue(event.on, InvoiceKind.USAGE, amount, window.period, priced)


def apply(
    subscription: Subscription, event: Event, settings: LifecycleSettings = DEFAULT_LIFECYCLE
) -> Outcome:
    """Apply ``event`` to ``subscription`` on ``event.on``.

    Time first moves to ``event.on`` (see :func:`advance`), then the event
    applies. A change the state does not allow raises
    :class:`~billkit.errors.TransitionError` naming the state and the
    allowed events; a role that may not make it raises
    :class:`~billkit.errors.NotAllowedError` naming the allowed roles; an
    event dated before the last day processed raises
    :class:`~billkit.errors.PeriodError`. The subscription passed in is
    never changed.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> plan = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> trial = start_trial("org-1", plan=plan, on=date(2026, 1, 1)).subscription
    >>> apply(trial, Cancel(on=date(2026, 1, 2), role="member"))
    Traceback (most recent call last):
    ...
    billkit.errors.NotAllowedError: role 'member' may not 'cancel'; allowed roles: 'billing_admin', 'org_admin'
    >>> apply(trial, UndoScheduledChange(on=date(2026, 1, 2), role="org_admin"))
    Traceback (most recent call last):
    ...
    billkit.errors.TransitionError: subscription org-1 in state 'trial' cannot 'undo_scheduled_change'; allowed: 'subscribe', 'cancel'
    """
    settings = _check_settings(settings)
    if not isinstance(event, _EVENT_TYPES):
        names = ", ".join(t.__name__ for t in _EVENT_TYPES)
        raise SubscriptionError("event", event, f"one of {names}")
    run = _Run(_check_subscription(subscription), settings)
    _advance(run, event.on)
    if isinstance(event, Subscribe):
        _subscribe(run, event)
    elif isinstance(event, ChangePlan):
        _change_plan(run, event)
    elif isinstance(event, Cancel):
        _cancel_event(run, event)
    elif isinstance(event, UndoScheduledChange):
        _undo(run, event)
    elif isinstance(event, PaymentFailed):
        _failed(run, event)
    elif isinstance(event, UsageReported):
        _usage_reported(run, event)
    else:
        _settle(run, event)
    return run.outcome()
