"""Properties of the lifecycle: any sequence of events leaves a defined, consistent state;
the same inputs give the same outputs; day by day equals a jump; the dunning simulation is
deterministic, in date order, and is what the lifecycle does."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billkit import Money, Period
from billkit.errors import NotAllowedError, TransitionError, ValidationError
from billkit.periods import BillingCycle
from billkit.subscriptions import (
    ActionKind,
    LifecycleSettings,
    PaymentFailed,
    PaymentSucceeded,
    Subscribe,
    Subscription,
    SubscriptionState,
    advance,
    apply,
    simulate,
    start_trial,
)
from billkit.subscriptions.actions import SubscriptionNoticeKind
from billkit.subscriptions.dunning import DunningMove, DunningSchedule, simulate_dunning
from billkit.subscriptions.events import Event, UsageReported
from billkit.subscriptions.subscription import Outcome
from tests.strategies.subscriptions import (
    ANNUAL,
    ANNUAL_USAGE,
    GROWTH,
    MAC,
    START,
    an_event,
    dunning_schedules,
    lifecycle_settings,
)

S = SubscriptionState
REFUSALS = (TransitionError, NotAllowedError, ValidationError)


def check_state(sub: Subscription, s: LifecycleSettings) -> None:
    """The fields of a subscription agree with its state."""
    state = sub.state
    assert isinstance(state, SubscriptionState)
    assert sub.access == s.access_for(state)
    ids = [i.id for i in sub.unpaid]
    assert len(ids) == len(set(ids))
    for invoice in sub.unpaid:
        assert invoice.amount.amount > 0
        assert invoice.due_on >= invoice.issued_on
        assert invoice.issued_on <= sub.as_of
        if invoice.overdue_on is not None:
            assert invoice.issued_on <= invoice.overdue_on <= sub.as_of
        else:
            assert sub.as_of <= invoice.due_on or state is S.CANCELLED
    if sub.checkout is not None:
        assert sub.checkout.requested_on == sub.as_of
        assert state in (S.TRIAL, S.TRIAL_ENDED, S.ACTIVE, S.DOWNGRADING)
    since = sub.overdue_since
    grace = s.dunning.grace_days
    if state in (S.TRIAL, S.TRIAL_ENDED):
        assert sub.cycle is None
        assert sub.unpaid == ()
        assert sub.scheduled is None
        assert sub.trial_ends_on is not None
        assert (sub.as_of < sub.trial_ends_on) is (state is S.TRIAL)
    if state in (S.ACTIVE, S.DOWNGRADING, S.CANCELLING, S.PENDING_PAYMENT, S.FROZEN):
        assert sub.cycle is not None
        assert sub.cycle.start <= sub.as_of < sub.cycle.end
        assert sub.anchor is not None
        assert sub.cycle_fee is not None
        assert sub.usage_start is not None
        assert sub.cycle.start <= sub.usage_start <= sub.as_of
    if state in (S.ACTIVE, S.DOWNGRADING, S.CANCELLING):
        assert since is None  # nothing overdue in good standing
        assert sub.frozen_on is None
    if state is S.ACTIVE:
        assert sub.scheduled is None
    if state is S.DOWNGRADING:
        assert sub.scheduled is not None
        assert sub.scheduled.plan is not None
    if state is S.CANCELLING:
        assert sub.scheduled is not None
        assert sub.scheduled.plan is None
    if state is S.PENDING_PAYMENT:
        assert since is not None
        assert sub.frozen_on is None
        if grace is not None:
            assert sub.as_of < since + timedelta(days=grace)
    if state is S.FROZEN:
        assert since is not None  # a FROZEN subscription always has an unpaid, overdue invoice
        assert sub.frozen_on is not None
        assert sub.frozen_on <= sub.as_of
    if state is S.CANCELLED:
        assert sub.cancelled_on is not None
        assert sub.cancelled_on <= sub.as_of
        assert sub.cancel_reason is not None
        assert sub.scheduled is None
        assert sub.checkout is None
        assert sub.frozen_on is None
        days = s.dunning.deletion_days
        mark = None if days is None else sub.cancelled_on + timedelta(days=days)
        expected = mark if mark is not None and mark <= sub.as_of else None
        assert sub.marked_for_deletion_on == expected
    else:
        assert sub.cancelled_on is None
        assert sub.marked_for_deletion_on is None


def check_outcome(before: Subscription, out: Outcome, on: date) -> None:
    sub = out.subscription
    assert sub.as_of == on
    days = [a.on for a in out.actions]
    assert days == sorted(days)  # actions in date order
    assert all(before.as_of <= day <= on for day in days)
    assert all(a.subject == sub.id for a in out.actions)
    state = before.state.value
    for t in out.transitions:  # transitions chain from the old state to the new one
        assert t.before == state
        assert t.before != t.after
        state = t.after
    assert state == sub.state.value
    if before.state is S.CANCELLED:
        assert sub.state is S.CANCELLED  # final
    for action in out.actions:
        if action.kind in (ActionKind.BLOCK, ActionKind.UNBLOCK):
            assert action.access is not None


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), s=lifecycle_settings)
def test_any_sequence_of_events_leaves_a_defined_state(
    data: st.DataObject, s: LifecycleSettings
) -> None:
    first = start_trial("org-1", plan=GROWTH, on=START, settings=s).subscription
    sub = first
    accepted: list[Event] = []
    all_actions = []
    for _ in range(data.draw(st.integers(1, 30), label="steps")):
        gap = data.draw(st.one_of(st.just(0), st.integers(1, 45)), label="gap")
        on = sub.as_of + timedelta(days=gap)
        event = data.draw(an_event(sub, on), label="event")
        if event is None:
            out = advance(sub, on + timedelta(days=1), s)
        else:
            try:
                out = apply(sub, event, s)
            except REFUSALS:
                out = advance(
                    sub, on + timedelta(days=1), s
                )  # refused: the day passes all the same
            else:
                accepted.append(event)
                assert apply(sub, event, s) == out  # the same inputs, the same outputs
        check_outcome(sub, out, on)
        check_state(out.subscription, s)
        all_actions.extend(out.actions)
        sub = out.subscription
    # Final things happen once.
    assert [a.kind for a in all_actions].count(ActionKind.MARK_FOR_DELETION) <= 1
    assert [a.notice for a in all_actions].count(SubscriptionNoticeKind.CANCELLED) <= 1
    # Day by day (a nightly job) or in jumps: the same subscription, the same actions.
    timeline = simulate(first, accepted, until=sub.as_of + timedelta(days=1), settings=s)
    assert timeline.final == sub
    assert list(timeline.actions) == all_actions


@settings(max_examples=100, deadline=None)
@given(
    schedule=dunning_schedules,
    overdue=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    paid_after=st.one_of(st.none(), st.integers(0, 80)),
    anchor=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
)
def test_the_dunning_simulation_is_deterministic_and_in_date_order(
    schedule: DunningSchedule, overdue: date, paid_after: int | None, anchor: date
) -> None:
    cycle = BillingCycle.anniversary(GROWTH.cycle, anchor)
    paid = None if paid_after is None else overdue + timedelta(days=paid_after)
    moves = simulate_dunning(schedule, overdue_on=overdue, cycle=cycle, paid_on=paid)
    assert moves == simulate_dunning(schedule, overdue_on=overdue, cycle=cycle, paid_on=paid)
    assert [m.on for m in moves] == sorted(m.on for m in moves)
    assert all(m.on >= overdue for m in moves)
    kinds = [m.move for m in moves]
    assert kinds.count(DunningMove.FREEZE) <= 1
    assert kinds.count(DunningMove.CANCEL) <= 1
    if DunningMove.CANCEL in kinds:
        cancel = moves[kinds.index(DunningMove.CANCEL)].on
        # Nothing counted from the overdue day comes on or after the cancellation.
        assert all(
            m.on < cancel
            for m in moves
            if m.step.anchor.value == "overdue" and m.move is not DunningMove.CANCEL
        )
    elif paid is not None:
        assert all(m.on <= paid for m in moves)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    schedule=dunning_schedules,
    day_in_cycle=st.integers(0, 30),
    paid_after=st.one_of(st.none(), st.integers(0, 70)),
)
def test_the_lifecycle_does_what_the_dunning_simulation_says(
    schedule: DunningSchedule, day_in_cycle: int, paid_after: int | None
) -> None:
    # One renewal invoice declined on its issue day (1 April, or later with payment terms
    # that make it overdue ``day_in_cycle`` days into the cycle); every later invoice paid
    # at once, so the only dunning is this invoice's.
    s = LifecycleSettings(dunning=schedule, payment_terms_days=max(day_in_cycle - 1, 0))
    sub = start_trial("org-1", plan=GROWTH, on=date(2026, 3, 1), settings=s).subscription
    sub = apply(sub, Subscribe(on=date(2026, 3, 1), role="org_admin", plan=GROWTH), s).subscription
    sub = apply(sub, PaymentSucceeded(on=date(2026, 3, 1), invoice_id="org-1/0001"), s).subscription
    issued = date(2026, 4, 1)
    sub = advance(sub, issued + timedelta(days=1), s).subscription
    seen: list[tuple[date, str, str]] = []
    if day_in_cycle == 0:  # declined on its issue day: overdue at once
        out = apply(sub, PaymentFailed(on=issued, invoice_id="org-1/0002"), s)
        sub = out.subscription
        for action in out.actions:
            seen.extend(_as_move(action))
        overdue = issued
    else:  # no payment by its due day: overdue the day after
        overdue = issued + timedelta(days=s.payment_terms_days + 1)
    paid = None if paid_after is None else overdue + timedelta(days=paid_after)
    if paid == sub.as_of:  # paid the day it was declined
        sub = apply(sub, PaymentSucceeded(on=paid, invoice_id="org-1/0002"), s).subscription
    end = overdue + timedelta(days=250)
    day = sub.as_of
    while day < end:
        day += timedelta(days=1)
        out = advance(sub, day + timedelta(days=1), s)
        sub = out.subscription
        actions = list(out.actions)
        for action in out.actions:  # every other invoice is paid the day it is issued
            if (
                action.kind is ActionKind.ISSUE_INVOICE
                and action.invoice is not None
                and action.invoice.id != "org-1/0002"
                and action.invoice.amount.amount > 0
            ):
                sub = apply(
                    sub, PaymentSucceeded(on=day, invoice_id=action.invoice.id), s
                ).subscription
            if action.kind is ActionKind.MEASURE_USAGE and action.period is not None:
                sub = apply(
                    sub, UsageReported(on=day, period=action.period, usage={}), s
                ).subscription
        if paid is not None and day == paid:
            out = apply(sub, PaymentSucceeded(on=day, invoice_id="org-1/0002"), s)
            sub = out.subscription
            actions.extend(out.actions)
        for action in actions:
            seen.extend(_as_move(action))
    expected = simulate_dunning(
        schedule,
        overdue_on=overdue,
        cycle=BillingCycle.anniversary(GROWTH.cycle, date(2026, 3, 1)),
        paid_on=paid,
    )
    assert seen == [(m.on, m.move.value, m.notice.value if m.notice else "") for m in expected]


def _as_move(action: object) -> list[tuple[date, str, str]]:
    """The dunning move an action stands for, if any."""
    from billkit.subscriptions import SubscriptionAction

    assert isinstance(action, SubscriptionAction)
    if action.kind is ActionKind.CHARGE and action.reason.startswith("retry"):
        return [(action.on, "retry", "")]
    if action.kind is ActionKind.MARK_FOR_DELETION:
        return []  # reported with its notice below
    if action.kind is ActionKind.NOTIFY and action.notice is not None:
        move = {
            SubscriptionNoticeKind.PAYMENT_OVERDUE: "notify",
            SubscriptionNoticeKind.PAYMENT_REMINDER: "notify",
            SubscriptionNoticeKind.FROZEN: "freeze",
            SubscriptionNoticeKind.CANCELLED: "cancel",
            SubscriptionNoticeKind.MARKED_FOR_DELETION: "mark_for_deletion",
        }.get(action.notice)
        if move is not None:
            return [(action.on, move, action.notice.value)]
    return []


def test_usage_reported_is_priced_over_the_whole_usage_period() -> None:
    # A sanity anchor for the generated runs: the monthly usage plan of the annual plan
    # bills 2 blocks for 1 180 contacts whatever day of the year the month falls on.
    sub = start_trial(
        "org-1", plan=ANNUAL, on=date(2026, 1, 31), usage_plan=ANNUAL_USAGE
    ).subscription
    sub = apply(
        sub, Subscribe(on=date(2026, 1, 31), role="org_admin", plan=ANNUAL, usage_plan=ANNUAL_USAGE)
    ).subscription
    sub = apply(sub, PaymentSucceeded(on=date(2026, 1, 31), invoice_id="org-1/0001")).subscription
    out = advance(sub, date(2026, 3, 1))  # the 31st clamps to February's end
    window = Period(date(2026, 1, 31), date(2026, 2, 28))
    assert [a.period for a in out.actions if a.kind is ActionKind.MEASURE_USAGE] == [window]
    billed = apply(
        out.subscription, UsageReported(on=date(2026, 2, 28), period=window, usage={MAC: 1180})
    )
    assert billed.actions[0].amount == Money("40.00", "EUR")
    later = advance(billed.subscription, date(2026, 4, 1))
    assert [a.period for a in later.actions if a.kind is ActionKind.MEASURE_USAGE] == [
        Period(date(2026, 2, 28), date(2026, 3, 31))  # back to the 31st: no drift
    ]
