"""Replay a subscription day by day from its events: no clock, no I/O.

:func:`simulate` takes a subscription, the events that will happen to it
(each dated) and the day to stop before, and runs the lifecycle one day at a time, as a
nightly job and a webhook handler would: each day, time first
(:func:`~billkit.subscriptions.advance`), then that day's events in the order
given (:func:`~billkit.subscriptions.apply`). The :class:`Timeline` keeps
every day's state, access, actions and transitions, so a notebook can show
a year at a glance and a test can assert every one of them.

>>> from datetime import date
>>> from billkit.money import Money
>>> from billkit.pricing import Plan
>>> from billkit.subscriptions import PaymentSucceeded, Subscribe, start_trial
>>> growth = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
>>> trial = start_trial("org-1", plan=growth, on=date(2026, 1, 1)).subscription
>>> timeline = simulate(trial, [
...     Subscribe(on=date(2026, 1, 20), role="org_admin", plan=growth),
...     PaymentSucceeded(on=date(2026, 1, 20), invoice_id="org-1/0001"),
...     PaymentSucceeded(on=date(2026, 2, 20), invoice_id="org-1/0002"),
... ], until=date(2026, 3, 1))
>>> for start, end, state in timeline.spans():
...     print(start, end, state.value)
2026-01-01 2026-01-15 trial
2026-01-15 2026-01-20 trial_ended
2026-01-20 2026-03-01 active
>>> [str(a) for a in timeline.on(date(2026, 2, 20)).actions]
['2026-02-20 org-1 issue_invoice org-1/0002 99.00 EUR', '2026-02-20 org-1 charge org-1/0002 99.00 EUR (first attempt)']
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import attrs

from billkit import _checks as checks
from billkit.errors import PeriodError, SubscriptionError
from billkit.subscriptions.actions import Access, SubscriptionAction, Transition
from billkit.subscriptions.lifecycle import (
    DEFAULT_LIFECYCLE,
    Event,
    LifecycleSettings,
    Subscription,
    SubscriptionState,
    advance,
    apply,
)

__all__ = ["Day", "Timeline", "simulate"]


@attrs.frozen(kw_only=True)
class Day:
    """One simulated day: the subscription at its end, and what happened that day.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> from billkit.pricing import Plan
    >>> from billkit.subscriptions import start_trial
    >>> plan = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> first = Day(on=date(2026, 1, 1),
    ...             subscription=start_trial("org-1", plan=plan, on=date(2026, 1, 1)).subscription)
    >>> first.state.value, first.access.blocked(), first.actions
    ('trial', (), ())
    """

    on: date
    subscription: Subscription = attrs.field(repr=False)
    actions: tuple[SubscriptionAction, ...] = ()
    transitions: tuple[Transition, ...] = ()

    @property
    def state(self) -> SubscriptionState:
        """The state at the end of the day."""
        return self.subscription.state

    @property
    def access(self) -> Access:
        """What the state blocks and keeps at the end of the day."""
        return self.subscription.access


@attrs.frozen(kw_only=True)
class Timeline:
    """The days of a simulation, from the first day to the day before ``until``,
    and the subscription at the end (``final``).

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> from billkit.pricing import Plan
    >>> from billkit.subscriptions import start_trial
    >>> plan = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> timeline = simulate(start_trial("org-1", plan=plan, on=date(2026, 1, 1), days=7).subscription,
    ...                     [], until=date(2026, 1, 11))
    >>> len(timeline.days), timeline.state_on(date(2026, 1, 7)).value, timeline.final.state.value
    (10, 'trial', 'trial_ended')
    >>> [str(t) for t in timeline.transitions]
    ['2026-01-08 org-1 trial -> trial_ended (the trial ended)']
    """

    days: tuple[Day, ...]
    final: Subscription

    def on(self, day: date) -> Day:
        """The simulated day ``day``."""
        day = checks.day("day", day, error=PeriodError)
        first = self.days[0].on
        index = (day - first).days
        if not 0 <= index < len(self.days):
            raise PeriodError("day", day, f"a simulated day, {first} to {self.days[-1].on}")
        return self.days[index]

    def state_on(self, day: date) -> SubscriptionState:
        """The state at the end of ``day``."""
        return self.on(day).state

    @property
    def actions(self) -> tuple[SubscriptionAction, ...]:
        """Every action, in order."""
        return tuple(a for d in self.days for a in d.actions)

    @property
    def transitions(self) -> tuple[Transition, ...]:
        """Every state change, in order."""
        return tuple(t for d in self.days for t in d.transitions)

    def spans(self) -> tuple[tuple[date, date, SubscriptionState], ...]:
        """Runs of days in one state: ``(first day, first day after, state)``."""
        out: list[tuple[date, date, SubscriptionState]] = []
        for d in self.days:
            if out and out[-1][2] is d.state:
                out[-1] = (out[-1][0], d.on + timedelta(days=1), d.state)
            else:
                out.append((d.on, d.on + timedelta(days=1), d.state))
        return tuple(out)


def simulate(
    subscription: Subscription,
    events: Iterable[Event],
    *,
    until: date,
    settings: LifecycleSettings = DEFAULT_LIFECYCLE,
) -> Timeline:
    """Run ``subscription`` day by day until ``until`` (exclusive), applying ``events``.

    The last simulated day is the day before ``until``. Events must come in
    date order, none before the subscription's ``as_of`` and none on or after
    ``until``; events of one day apply in the order
    given. The first simulated day is ``as_of`` itself (its events, if any,
    apply to it). A refused event raises, as :func:`apply` does.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> from billkit.pricing import Plan
    >>> from billkit.subscriptions import Cancel, start_trial
    >>> plan = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> trial = start_trial("org-1", plan=plan, on=date(2026, 1, 1)).subscription
    >>> timeline = simulate(trial, [Cancel(on=date(2026, 1, 3), role="org_admin")],
    ...                     until=date(2026, 5, 1))
    >>> [str(a) for a in timeline.actions if a.kind.value == "mark_for_deletion"]
    ['2026-04-03 org-1 mark_for_deletion (90 days after cancellation)']
    """
    checks.instance("subscription", subscription, Subscription, error=SubscriptionError)
    until = checks.day("until", until, error=PeriodError)
    start = subscription.as_of
    if until <= start:
        raise PeriodError(
            "until", until, f"a day after {start}, the subscription's as_of (until is exclusive)"
        )
    pending = list(events)
    for i, event in enumerate(pending):
        when = getattr(event, "on", None)
        if not isinstance(when, date):
            raise SubscriptionError(f"events[{i}]", event, "a lifecycle event with a date")
        if when < start or when >= until:
            raise PeriodError(f"events[{i}].on", when, f"a day from {start} to before {until}")
        if i and when < pending[i - 1].on:
            raise PeriodError(
                f"events[{i}].on", when, f"a day on or after the event before ({pending[i - 1].on})"
            )
    sub = subscription
    days: list[Day] = []
    position = 0
    day = start
    while day < until:
        actions: list[SubscriptionAction] = []
        transitions: list[Transition] = []
        if day > start:
            out = advance(sub, day + timedelta(days=1), settings)
            sub = out.subscription
            actions.extend(out.actions)
            transitions.extend(out.transitions)
        while position < len(pending) and pending[position].on == day:
            out = apply(sub, pending[position], settings)
            sub = out.subscription
            actions.extend(out.actions)
            transitions.extend(out.transitions)
            position += 1
        days.append(
            Day(on=day, subscription=sub, actions=tuple(actions), transitions=tuple(transitions))
        )
        day += timedelta(days=1)
    return Timeline(days=tuple(days), final=sub)
