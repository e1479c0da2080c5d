"""What time alone does to a subscription: the day-by-day engine (private).

:func:`~billkit.subscriptions.advance` and :func:`~billkit.subscriptions.apply`
run it: each day a checkout not paid lapses, usage periods close, cycles end
(renewal, downgrade, cancellation), invoices fall overdue, the dunning schedule
runs and cancelled organisations are marked for deletion. :class:`_Run`
gathers one call's changes, actions and transitions.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Final

import attrs
from moneyed import Money

from billkit.errors import (
    PeriodError,
)
from billkit.periods import Period
from billkit.pricing import (
    PlanChange,
    Quote,
    change_plan,
    quote,
)
from billkit.subscriptions.actions import (
    Access,
    ActionKind,
    InvoiceKind,
    IssuedInvoice,
    SubscriptionAction,
    SubscriptionNoticeKind,
    Transition,
)
from billkit.subscriptions.dunning import (
    DunningAnchor,
    DunningMove,
)
from billkit.subscriptions.overdue import OverdueCancellation
from billkit.subscriptions.settings import (
    CancelReason,
    LifecycleSettings,
    SubscriptionState,
)
from billkit.subscriptions.subscription import (
    Outcome,
    ScheduledChange,
    Subscription,
    UsageWindow,
)

_ONE_DAY: Final = timedelta(days=1)

S = SubscriptionState
_RUNNING: Final = frozenset({S.ACTIVE, S.DOWNGRADING, S.CANCELLING, S.PENDING_PAYMENT, S.FROZEN})
_DUNNING: Final = frozenset({S.PENDING_PAYMENT, S.FROZEN})
_GOOD_STANDING: Final = frozenset({S.ACTIVE, S.DOWNGRADING, S.CANCELLING})


# ------------------------------------------------------------------ the run


class _Run:
    """Accumulates one call's changes: the subscription, actions and transitions."""

    def __init__(self, sub: Subscription, settings: LifecycleSettings) -> None:
        self.sub = sub
        self.settings = settings
        self.actions: list[SubscriptionAction] = []
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
        notice: SubscriptionNoticeKind | None = None,
        recipients: tuple[str, ...] = (),
        period: Period | None = None,
        access: Access | None = None,
        reason: str = "",
    ) -> None:
        self.actions.append(
            SubscriptionAction(
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

    def notify(self, on: date, notice: SubscriptionNoticeKind, reason: str = "") -> None:
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
    if settings.overdue is not None and sub.state in _DUNNING and sub.overdue:
        earliest = min(i.issued_on for i in sub.overdue)
        found.extend(
            _plus(earliest, state.condition.days_since_earliest_unpaid)
            for state in settings.overdue.states
            if state.condition.days_since_earliest_unpaid is not None
        )
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
    run.notify(on, SubscriptionNoticeKind.CHECKOUT_FAILED, f"{checkout.plan.code}: {reason}")


def _cancel(
    run: _Run, on: date, why: CancelReason, notice: SubscriptionNoticeKind | None, text: str
) -> None:
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
    run.move(on, target, reason, frozen_on=None, overdue_state=None)
    run.notify(on, SubscriptionNoticeKind.PAYMENT_RECEIVED, reason)


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
        run.notify(on, SubscriptionNoticeKind.PLAN_CHANGED, f"downgraded to {plan.code}")
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
            sub.scheduled.reason,
            SubscriptionNoticeKind.CANCELLED,
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


def _overdue_day(run: _Run, on: date) -> None:
    """Move to the state of the settings' overdue ladder that holds on ``on``.

    The ladder counts the overdue invoices, each from its issue day (Kill
    Bill's ``BillingStateCalculator`` dates the earliest unpaid invoice by
    its invoice date). A state that blocks the service freezes the
    subscription; one that cancels cancels it at once or at the end of the
    cycle; a state that blocks neither (or none) leaves it PENDING_PAYMENT.
    """
    ladder = run.settings.overdue
    sub = run.sub
    if ladder is None or sub.state not in _DUNNING:
        return
    state = ladder.state_of([(i.issued_on, i.amount) for i in sub.overdue], on)
    if state == sub.overdue_state:
        return
    if state is None:
        assert sub.overdue_state is not None
        text = f"left overdue state {sub.overdue_state.name}"
    else:
        text = f"overdue state {state.name}"
    run.update(overdue_state=state)
    run.notify(on, SubscriptionNoticeKind.OVERDUE_STATE, text)
    if state is not None and state.blocks_service:
        if sub.state is not S.FROZEN:
            run.move(on, S.FROZEN, text, frozen_on=on)
    elif sub.state is S.FROZEN:
        run.move(on, S.PENDING_PAYMENT, text, frozen_on=None)
    if state is None or not state.cancels:
        return
    if state.cancellation is OverdueCancellation.IMMEDIATE:
        _cancel(run, on, CancelReason.NONPAYMENT, SubscriptionNoticeKind.CANCELLED, text)
        return
    scheduled = run.sub.scheduled
    if scheduled is not None and scheduled.plan is None:
        return  # a cancellation at the cycle end is already waiting
    cycle = run.sub.cycle
    assert cycle is not None
    change = change_plan(
        run.sub.plan,
        None,
        period=cycle,
        on=on,
        anchor=run.sub.anchor,
        policy=run.settings.proration,
    )
    run.update(
        scheduled=ScheduledChange(
            plan=None,
            requested_on=on,
            effective_on=cycle.end,
            change=change,
            reason=CancelReason.NONPAYMENT,
        )
    )
    run.notify(
        on, SubscriptionNoticeKind.CANCELLATION_SCHEDULED, f"{text}: cancellation on {cycle.end}"
    )


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
    _overdue_day(run, on)
    _cancelled_day(run, on)
    sub = run.sub
    if sub.state is S.TRIAL and sub.trial_ends_on is not None and sub.trial_ends_on <= on:
        run.move(on, S.TRIAL_ENDED, "the trial ended")
        run.notify(on, SubscriptionNoticeKind.TRIAL_ENDED)
    run.update(as_of=on)


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
