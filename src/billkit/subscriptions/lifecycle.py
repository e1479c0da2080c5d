"""The subscription lifecycle of the messaging business, as pure transitions.

A :class:`Subscription` is a frozen value. :func:`apply` takes one, an event
(what happened, and on which day) and the :class:`LifecycleSettings`, and
returns an :class:`Outcome`: the new subscription, the :class:`SubscriptionAction`\\ s the
caller must take and the state :class:`Transition`\\ s, in order.
:func:`advance` moves a subscription through time alone: trials end, cycles
renew, invoices fall overdue, grace periods run out, cancelled organisations
are marked for deletion. Nothing reads a clock, so a year can be replayed
from its events (:func:`~billkit.subscriptions.simulate`).

The rules:

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
  plans; only organisation admins may cancel (the messaging business:
  "cancellation can only be done by an Organization Admin"). Both are settings.

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

from datetime import date
from typing import Final

import attrs

from billkit import _checks as checks
from billkit._states import Machine
from billkit.errors import (
    NotAllowedError,
    PeriodError,
    PricingCurrencyError,
    SubscriptionError,
    TransitionError,
)
from billkit.pricing import (
    ChangeDirection,
    ChangeTiming,
    Plan,
    change_plan,
    fixed_fee,
    quote,
)
from billkit.subscriptions._days import (
    _GOOD_STANDING,
    _ONE_DAY,
    _advance,
    _cancel,
    _cancelled_day,
    _close_usage,
    _dunning_day,
    _enter_dunning,
    _lapse_checkout,
    _overdue_day,
    _plus,
    _restore,
    _Run,
)
from billkit.subscriptions.actions import (
    ActionKind,
    InvoiceKind,
    IssuedInvoice,
    SubscriptionNoticeKind,
)
from billkit.subscriptions.events import (
    _EVENT_TYPES,
    Cancel,
    ChangePlan,
    Event,
    InvoiceVoided,
    PaymentFailed,
    PaymentSucceeded,
    Subscribe,
    UndoScheduledChange,
    UsageReported,
)
from billkit.subscriptions.settings import (
    DEFAULT_LIFECYCLE,
    CancelReason,
    LifecycleSettings,
    Role,
    SubscriptionState,
)
from billkit.subscriptions.subscription import (
    Checkout,
    Outcome,
    ScheduledChange,
    Subscription,
    UsageWindow,
)

# The values moved to settings, subscription and events; they stay importable from here.
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

S = SubscriptionState

# The lifecycle as data: which request each state allows, and the state it
# leads to at once (a subscription or an upgrade takes effect when its checkout
# is paid; in dunning a scheduled change waits and the state stays). Guards on
# the subscription's own data come on top (:data:`_GUARDS`).
_LIFECYCLE: Final[Machine[SubscriptionState, str]] = Machine(
    "subscription",
    SubscriptionState,
    {
        (S.TRIAL, "subscribe"): S.TRIAL,
        (S.TRIAL_ENDED, "subscribe"): S.TRIAL_ENDED,
        (S.ACTIVE, "upgrade"): S.ACTIVE,
        (S.DOWNGRADING, "upgrade"): S.DOWNGRADING,
        (S.ACTIVE, "downgrade"): S.DOWNGRADING,
        (S.DOWNGRADING, "downgrade"): S.DOWNGRADING,
        (S.CANCELLING, "downgrade"): S.DOWNGRADING,
        (S.PENDING_PAYMENT, "downgrade"): S.PENDING_PAYMENT,
        (S.FROZEN, "downgrade"): S.FROZEN,
        (S.TRIAL, "cancel"): S.CANCELLED,
        (S.TRIAL_ENDED, "cancel"): S.CANCELLED,
        (S.ACTIVE, "cancel"): S.CANCELLING,
        (S.DOWNGRADING, "cancel"): S.CANCELLING,
        (S.PENDING_PAYMENT, "cancel"): S.PENDING_PAYMENT,
        (S.FROZEN, "cancel"): S.FROZEN,
        (S.ACTIVE, "undo_scheduled_change"): S.ACTIVE,
        (S.DOWNGRADING, "undo_scheduled_change"): S.ACTIVE,
        (S.CANCELLING, "undo_scheduled_change"): S.ACTIVE,
        (S.PENDING_PAYMENT, "undo_scheduled_change"): S.PENDING_PAYMENT,
        (S.FROZEN, "undo_scheduled_change"): S.FROZEN,
    },
    error=SubscriptionError,
)


def _check_settings(settings: object) -> LifecycleSettings:
    return checks.instance("settings", settings, LifecycleSettings, error=SubscriptionError)


def _check_subscription(value: object) -> Subscription:
    return checks.instance("subscription", value, Subscription, error=SubscriptionError)


def advance(
    subscription: Subscription, until: date, settings: LifecycleSettings = DEFAULT_LIFECYCLE
) -> Outcome:
    """Move ``subscription`` through time: every day before ``until``.

    ``until`` is exclusive: the subscription comes out at the end of the day
    before it (its ``as_of``), so a nightly job calls ``advance(sub, today)``
    to process every day up to yesterday, and calling it again the same day
    changes nothing. Every day between is processed, in order, as if the
    caller had called once a day: a checkout not paid on its day lapses;
    usage periods close (:attr:`~billkit.subscriptions.ActionKind.MEASURE_USAGE`);
    at the end of a cycle the subscription is cancelled (as scheduled, or for
    non-payment), downgraded or renewed with a new subscription invoice;
    invoices not paid by their due day fall overdue; the dunning schedule
    runs; cancelled organisations are marked for deletion; trials end.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> plan = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> trial = start_trial("org-1", plan=plan, on=date(2026, 1, 1)).subscription
    >>> out = advance(trial, date(2026, 1, 21))
    >>> [str(t) for t in out.transitions], out.subscription.as_of
    (['2026-01-15 org-1 trial -> trial_ended (the trial ended)'], datetime.date(2026, 1, 20))
    >>> out.subscription.access.blocked()
    ('platform', 'outbound', 'workflows')
    """
    run = _Run(_check_subscription(subscription), _check_settings(settings))
    until = checks.day("until", until, error=PeriodError)
    if until <= run.sub.as_of:
        raise PeriodError(
            "until",
            until,
            f"a day after {run.sub.as_of}, the last day processed for {run.sub.id} "
            "(advance stops before until)",
        )
    _advance(run, until - _ONE_DAY)
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
    on = checks.day("on", on, error=PeriodError)
    length = (
        settings.trial_days
        if days is None
        else checks.whole("days", days, low=1, high=3660, error=SubscriptionError)
    )
    _plans(plan, usage_plan)
    sub = Subscription(
        id=checks.text("id", id, error=SubscriptionError),
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
    plan = checks.instance("plan", plan, Plan, error=SubscriptionError)
    if usage_plan is None:
        return
    usage_plan = checks.instance("usage_plan", usage_plan, Plan, error=SubscriptionError)
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
    out = [event for event in _LIFECYCLE.allowed(sub.state) if _guard(sub, event)]
    if sub.unpaid or sub.checkout is not None:
        out.append("pay")
    if sub.awaiting_usage:
        out.append("report_usage")
    return tuple(out)


def _guard(sub: Subscription, event: str) -> bool:
    """What the subscription's own data adds to the table: no upgrade while an
    invoice is unpaid, no plan change in an overdue state that blocks changes,
    one scheduled cancellation at a time, and an undo only of something
    scheduled."""
    blocked = sub.overdue_state is not None and sub.overdue_state.blocks_changes
    if blocked and event in ("upgrade", "downgrade"):
        return False
    if event == "upgrade":
        return not sub.unpaid
    if event == "cancel":
        return sub.scheduled is None or sub.scheduled.plan is not None
    if event == "undo_scheduled_change":
        return sub.scheduled is not None
    return True


def _allows(sub: Subscription, event: str) -> bool:
    return _LIFECYCLE.can(sub.state, event) and _guard(sub, event)


def _refuse(sub: Subscription, event: str) -> TransitionError:
    subject = f"subscription {sub.id}"
    blocked = sub.overdue_state is not None and sub.overdue_state.blocks_changes
    if blocked and event in ("upgrade", "downgrade", "upgrade or downgrade"):
        assert sub.overdue_state is not None
        subject += f" (overdue state {sub.overdue_state.name} blocks changes)"
    elif event == "upgrade" and sub.unpaid and sub.state in (S.ACTIVE, S.DOWNGRADING):
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
    if not _allows(sub, "subscribe"):
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
        run.notify(on, SubscriptionNoticeKind.PLAN_CHANGED, f"subscribed to {checkout.plan.code}")
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
    run.notify(on, SubscriptionNoticeKind.PLAN_CHANGED, text)


def _change_plan(run: _Run, event: ChangePlan) -> None:
    sub = run.sub
    settings = run.settings
    _authorise(event.role, "change_plan", settings.billing_roles)
    if not (_LIFECYCLE.can(sub.state, "upgrade") or _LIFECYCLE.can(sub.state, "downgrade")):
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
        if not _allows(sub, "downgrade"):
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
        run.move(on, _LIFECYCLE.apply(run.sub.state, "downgrade"), text)
        run.notify(on, SubscriptionNoticeKind.DOWNGRADE_SCHEDULED, text)
        return
    # An upgrade, or a lateral change: at once, when paid.
    if not _allows(sub, "upgrade"):
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
    if not _allows(sub, "cancel"):
        raise _refuse(sub, "cancel")
    if _LIFECYCLE.apply(sub.state, "cancel") is S.CANCELLED:  # a trial ends at once
        _cancel(run, on, CancelReason.REQUESTED, SubscriptionNoticeKind.CANCELLED, text)
        _cancelled_day(run, on)
        return
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
    run.move(on, _LIFECYCLE.apply(run.sub.state, "cancel"), when)
    run.notify(on, SubscriptionNoticeKind.CANCELLATION_SCHEDULED, when)


def _undo(run: _Run, event: UndoScheduledChange) -> None:
    sub = run.sub
    _authorise(event.role, "undo_scheduled_change", run.settings.billing_roles)
    scheduled = sub.scheduled
    if scheduled is None or not _allows(sub, "undo_scheduled_change"):
        raise _refuse(sub, "undo_scheduled_change")
    what = "cancellation" if scheduled.plan is None else f"downgrade to {scheduled.plan.code}"
    run.update(scheduled=None)
    text = f"{what} withdrawn"
    run.move(event.on, _LIFECYCLE.apply(sub.state, "undo_scheduled_change"), text)
    run.notify(event.on, SubscriptionNoticeKind.SCHEDULED_CHANGE_UNDONE, text)


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
    _overdue_day(run, on)  # what is still overdue may put it in a lower state


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
    run.notify(on, SubscriptionNoticeKind.PAYMENT_FAILED, f"invoice {invoice.id}: {why}")
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
        _overdue_day(run, on)
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
