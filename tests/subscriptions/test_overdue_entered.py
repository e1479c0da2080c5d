"""``OverdueLadder.entered``: the states passed by a day, found from each condition's
first day, against the day-by-day ``timeline`` (the general path) and Kill Bill's tutorial."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from billkit.money import Money
from billkit.subscriptions.overdue import OverdueCondition, OverdueLadder, OverdueState
from tests.subscriptions.test_overdue import TUTORIAL, invoices, ladders, usd


def test_the_tutorial_states_passed_by_each_day() -> None:
    # A 10.00 USD invoice unpaid since 6 September 2021: WARNING 6 + 10 = 16 September,
    # BLOCKED 6 + 14 = 20 September, CANCELLATION 6 + 21 = 27 September.
    unpaid = [(date(2021, 9, 6), usd("10.00"))]
    assert TUTORIAL.entered(unpaid, date(2021, 9, 15)) == ()
    passed = TUTORIAL.entered(unpaid, date(2021, 10, 1))
    assert [(str(d), s.name) for d, s in passed] == [
        ("2021-09-16", "WARNING"),
        ("2021-09-20", "BLOCKED"),
        ("2021-09-27", "CANCELLATION"),
    ]
    # A run on 20 September, after one on 15 September, has both states to apply.
    assert [s.name for _, s in TUTORIAL.entered(unpaid, date(2021, 9, 20))] == [
        "WARNING",
        "BLOCKED",
    ]


def test_states_entered_the_same_day_give_the_higher_one() -> None:
    # Two unpaid invoices of 30.00 in all the day the second falls unpaid (1 June), which is
    # also 31 days after the first (1 May): both rungs hold from 1 June, the higher is entered.
    ladder = OverdueLadder(
        states=[
            OverdueState(name="LATE", condition=OverdueCondition(days_since_earliest_unpaid=31)),
            OverdueState(
                name="TWO",
                condition=OverdueCondition(unpaid_invoices=2, unpaid_balance=Money("30", "EUR")),
            ),
        ]
    )
    unpaid = [(date(2026, 5, 1), Money("24.40", "EUR")), (date(2026, 6, 1), Money("24.40", "EUR"))]
    assert [(str(d), s.name) for d, s in ladder.entered(unpaid, date(2026, 6, 30))] == [
        ("2026-06-01", "TWO")  # 24.40 + 24.40 = 48.80 >= 30 on 1 June; 1 May + 31 = 1 June
    ]
    assert ladder.entered(unpaid[:1], date(2026, 6, 30))[0] == (date(2026, 6, 1), ladder.states[0])


@given(ladders(), invoices, st.integers(min_value=0, max_value=120))
def test_entered_is_the_timeline_without_its_clear_days(
    ladder: OverdueLadder, unpaid: list[tuple[date, Money]], days: int
) -> None:
    start = date(2025, 12, 20)  # before every invoice drawn (from 1 January 2026)
    on = start + timedelta(days=days)
    expected = tuple(
        (day, state)
        for day, state in ladder.timeline(unpaid, start, on + timedelta(days=1))
        if state is not None
    )
    passed = ladder.entered(unpaid, on)
    assert passed == expected
    assert (passed[-1][1] if passed else None) == ladder.state_of(unpaid, on)
