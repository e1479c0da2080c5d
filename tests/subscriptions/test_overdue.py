"""The overdue ladder and retry schedules, against Kill Bill's published overdue tutorial
(killbill-docs userguide/tutorials/overdue.adoc) and its test configuration
(overdue/src/test/resources/OverdueConfig3.xml), with the arithmetic shown.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import PeriodError, SubscriptionError
from billkit.money import Money
from billkit.subscriptions.dunning import DunningSchedule, simulate_dunning
from billkit.subscriptions.overdue import (
    KILL_BILL_RETRIES,
    OverdueCancellation,
    OverdueCondition,
    OverdueLadder,
    OverdueState,
    RetrySchedule,
)


def usd(amount: str) -> Money:
    return Money(amount, "USD")


# The tutorial's overdue.xml: WARNING at 10 days, BLOCKED at 14 (both blockChanges,
# entitlement kept), CANCELLATION at 21 (subscriptionCancellationPolicy END_OF_TERM).
TUTORIAL = OverdueLadder(
    states=[
        OverdueState(
            name="WARNING",
            condition=OverdueCondition(days_since_earliest_unpaid=10),
            block_changes=True,
            message="Reached WARNING",
        ),
        OverdueState(
            name="BLOCKED",
            condition=OverdueCondition(days_since_earliest_unpaid=14),
            block_changes=True,
            message="Reached BLOCKED",
        ),
        OverdueState(
            name="CANCELLATION",
            condition=OverdueCondition(days_since_earliest_unpaid=21),
            cancellation="end_of_term",
            message="Reached CANCELATION",
        ),
    ]
)


def names(changes: tuple[tuple[date, OverdueState | None], ...]) -> list[tuple[str, str]]:
    return [(str(day), state.name if state else "clear") for day, state in changes]


class TestKillBillTutorial:
    def test_flow_4_a_customer_who_never_pays(self) -> None:
        # Flow 4: the $10 invoice is unpaid from 2021-08-06 (end of the 10-day trial).
        # WARNING on 08-16 (6 + 10), BLOCKED on 08-20 (6 + 14), CANCELLATION on 08-27 (6 + 21).
        unpaid = [(date(2021, 8, 6), usd("10.00"))]
        changes = TUTORIAL.timeline(unpaid, date(2021, 8, 6), date(2021, 9, 6))
        assert names(changes) == [
            ("2021-08-06", "clear"),
            ("2021-08-16", "WARNING"),
            ("2021-08-20", "BLOCKED"),
            ("2021-08-27", "CANCELLATION"),
        ]

    def test_the_testing_section(self) -> None:
        # "Testing the System": first failed payment 2021-09-06; WARNING verified on 09-16,
        # BLOCKED on 09-20.
        unpaid = [(date(2021, 9, 6), usd("10.00"))]
        assert TUTORIAL.state_of(unpaid, date(2021, 9, 15)) is None  # 9 days
        assert TUTORIAL.state_of(unpaid, date(2021, 9, 16)).name == "WARNING"  # type: ignore[union-attr]
        assert TUTORIAL.state_of(unpaid, date(2021, 9, 19)).name == "WARNING"  # type: ignore[union-attr]
        assert TUTORIAL.state_of(unpaid, date(2021, 9, 20)).name == "BLOCKED"  # type: ignore[union-attr]

    def test_what_each_state_blocks(self) -> None:
        warning, blocked, cancellation = TUTORIAL.states
        # blockChanges true, disableEntitlementAndChangesBlocked false: access kept, no upgrades.
        assert (warning.blocks_changes, warning.blocks_service, warning.cancels) == (
            True,
            False,
            False,
        )
        assert (blocked.blocks_changes, blocked.blocks_service) == (True, False)
        assert cancellation.cancellation is OverdueCancellation.END_OF_TERM
        assert cancellation.cancels

    def test_retries_as_intervals(self) -> None:
        # org.killbill.payment.retry.days=1,8,4,7: 1 day after the failure, then 8, 4 and 7
        # days after the previous attempt: 09-07, 09-15 (7 + 8), 09-19 (15 + 4), 09-26 (19 + 7).
        schedule = RetrySchedule.intervals([1, 8, 4, 7])
        assert schedule.days == (1, 9, 13, 20)
        assert [str(d) for d in schedule.dates(date(2021, 9, 6))] == [
            "2021-09-07",
            "2021-09-15",
            "2021-09-19",
            "2021-09-26",
        ]
        # Flow 4: the same schedule from 08-06 retries on 08-07, 08-15, 08-19 and 08-26.
        assert [str(d) for d in schedule.dates(date(2021, 8, 6))] == [
            "2021-08-07",
            "2021-08-15",
            "2021-08-19",
            "2021-08-26",
        ]

    def test_the_default_schedule(self) -> None:
        # "there is a default schedule of 8,8,8": 8, 16 and 24 days after the failure.
        assert KILL_BILL_RETRIES.days == (8, 16, 24)
        assert KILL_BILL_RETRIES.gaps == (8, 8, 8)

    def test_a_dunning_schedule_runs_the_same_retries(self) -> None:
        schedule = DunningSchedule.standard(
            grace_days=None,
            cancel_at_cycle_end=False,
            deletion_days=None,
            retry_days=RetrySchedule.intervals([1, 8, 4, 7]).days,
        )
        moves = simulate_dunning(schedule, overdue_on=date(2021, 9, 6))
        assert [str(m.on) for m in moves if m.move.value == "retry"] == [
            "2021-09-07",
            "2021-09-15",
            "2021-09-19",
            "2021-09-26",
        ]


class TestConditionsByCountAndBalance:
    """OverdueConfig3.xml: OD2 on totalUnpaidInvoiceBalanceEqualsOrExceeds 5.00 and OD4 on
    numberOfUnpaidInvoicesEqualsOrExceeds 5 (its control tag aside), OD2 changes and
    entitlement blocked."""

    LADDER = OverdueLadder(
        states=[
            OverdueState(
                name="OD2",
                condition=OverdueCondition(unpaid_balance=usd("5.00")),
                block_changes=True,
                disable_entitlement=True,
            ),
            OverdueState(
                name="OD4",
                condition=OverdueCondition(unpaid_invoices=5),
                block_changes=True,
                disable_entitlement=True,
            ),
        ]
    )

    def test_the_balance_condition_equals_or_exceeds(self) -> None:
        day = date(2026, 1, 1)
        assert self.LADDER.state_of([(day, usd("4.99"))], day) is None
        state = self.LADDER.state_of([(day, usd("2.50")), (day, usd("2.50"))], day)  # 2.50 + 2.50
        assert state is not None
        assert state.name == "OD2"
        assert state.blocks_service

    def test_the_count_condition(self) -> None:
        day = date(2026, 1, 1)
        four = [(day + timedelta(days=i), usd("1.25")) for i in range(4)]  # 4 x 1.25 = 5.00
        assert self.LADDER.state_of(four, day + timedelta(days=10)).name == "OD2"  # type: ignore[union-attr]
        five = [*four, (day + timedelta(days=4), usd("1.25"))]
        assert self.LADDER.state_of(five, day + timedelta(days=10)).name == "OD4"  # type: ignore[union-attr]
        # An invoice not yet unpaid on the day does not count: on day + 3 there are 4.
        assert self.LADDER.state_of(five, day + timedelta(days=3)).name == "OD2"  # type: ignore[union-attr]

    def test_every_given_limit_must_hold(self) -> None:
        both = OverdueCondition(days_since_earliest_unpaid=30, unpaid_balance=usd("100"))
        day = date(2026, 1, 1)
        assert not both.holds([(day, usd("150"))], day + timedelta(days=29))  # 29 days
        assert not both.holds([(day, usd("99.99"))], day + timedelta(days=30))  # below 100
        assert both.holds([(day, usd("100"))], day + timedelta(days=30))


class TestRefusals:
    def test_bad_values(self) -> None:
        with pytest.raises(SubscriptionError, match="condition"):
            OverdueCondition()
        with pytest.raises(SubscriptionError, match="name used only once"):
            OverdueLadder(states=[TUTORIAL.states[0], TUTORIAL.states[0]])
        with pytest.raises(SubscriptionError, match="states"):
            OverdueLadder(states=[])
        with pytest.raises(SubscriptionError, match=r"days\[1\]"):
            RetrySchedule(days=[3, 3])
        with pytest.raises(SubscriptionError, match=r"gaps\[0\]"):
            RetrySchedule.intervals([0, 2])
        with pytest.raises(SubscriptionError, match="unpaid"):
            TUTORIAL.state_of([(date(2026, 1, 1), usd("0"))], date(2026, 1, 2))
        with pytest.raises(PeriodError, match="end"):
            TUTORIAL.timeline([], date(2026, 1, 2), date(2026, 1, 1))


invoices = st.lists(
    st.tuples(
        st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 3, 1)),
        st.integers(min_value=1, max_value=100_000).map(lambda c: usd(str(Decimal(c) / 100))),
    ),
    max_size=6,
)
optional_days = st.one_of(st.none(), st.integers(min_value=0, max_value=60))
optional_count = st.one_of(st.none(), st.integers(min_value=1, max_value=5))
optional_balance = st.one_of(
    st.none(),
    st.integers(min_value=1, max_value=200_000).map(lambda c: usd(str(Decimal(c) / 100))),
)


@st.composite
def ladders(draw: st.DrawFn) -> OverdueLadder:
    count = draw(st.integers(min_value=1, max_value=4))
    states = []
    for i in range(count):
        days, number, balance = draw(optional_days), draw(optional_count), draw(optional_balance)
        if days is None and number is None and balance is None:
            days = i
        condition = OverdueCondition(
            days_since_earliest_unpaid=days, unpaid_invoices=number, unpaid_balance=balance
        )
        states.append(OverdueState(name=f"OD{i + 1}", condition=condition))
    return OverdueLadder(states=states)


def rung(ladder: OverdueLadder, state: OverdueState | None) -> int:
    return -1 if state is None else ladder.states.index(state)


@given(ladders(), invoices, st.integers(min_value=0, max_value=90))
def test_unpaid_invoices_only_ever_climb_the_ladder(
    ladder: OverdueLadder, unpaid: list[tuple[date, Money]], days: int
) -> None:
    """With nothing paid, a later day is never on a lower rung; paying an invoice never raises it."""
    start = date(2026, 1, 1)
    later = start + timedelta(days=days)
    for day in (start + timedelta(days=d) for d in range(0, days, 7)):
        assert rung(ladder, ladder.state_of(unpaid, day)) <= rung(
            ladder, ladder.state_of(unpaid, later)
        )
    if unpaid:
        paid_one = unpaid[1:]
        assert rung(ladder, ladder.state_of(paid_one, later)) <= rung(
            ladder, ladder.state_of(unpaid, later)
        )


@given(st.lists(st.integers(min_value=1, max_value=60), max_size=8))
def test_intervals_and_days_are_one_schedule(gaps: list[int]) -> None:
    schedule = RetrySchedule.intervals(gaps)
    assert schedule.gaps == tuple(gaps)
    assert RetrySchedule(days=schedule.days) == schedule
    assert sum(gaps) == (schedule.days[-1] if gaps else 0)
    dates = schedule.dates(date(2026, 1, 1))
    starts = (date(2026, 1, 1), *dates)[: len(dates)]
    assert all((b - a).days == g for a, b, g in zip(starts, dates, gaps, strict=True))
