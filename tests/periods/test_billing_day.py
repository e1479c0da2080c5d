"""BillingCycle.on_day: the billing day as the other systems configure it, a number 1-31."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import PeriodError
from billkit.periods import DAILY, MONTHLY, QUARTERLY, WEEKLY, YEARLY, BillingCycle, Cycle

days_on = st.dates(min_value=date(1901, 1, 1), max_value=date(2199, 12, 31))


def test_day_31_clamps_and_returns() -> None:
    # Kill Bill's BCD 31 / Stripe's anchor on the 31st / Lago's anniversary on the 31st:
    # "If a month does not include the day, the last day of that month", then the 31st again.
    bcd = BillingCycle.on_day(MONTHLY, 31)
    starts = [bcd.period_containing(date(2028, m, 15)).end for m in range(1, 7)]
    assert starts == [
        date(2028, 1, 31),
        date(2028, 2, 29),  # leap year
        date(2028, 3, 31),
        date(2028, 4, 30),
        date(2028, 5, 31),
        date(2028, 6, 30),
    ]


def test_quarters_and_years_start_in_the_month_given() -> None:
    assert str(BillingCycle.on_day(QUARTERLY, 31, month=2).period_containing(date(2026, 3, 1))) == (
        "2026-02-28..2026-05-31"
    )
    assert str(BillingCycle.on_day(YEARLY, 15, month=6).period_containing(date(2026, 1, 1))) == (
        "2025-06-15..2026-06-15"
    )
    # 29 February every year: the 28th in common years.
    feb = BillingCycle.on_day(YEARLY, 30, month=2)
    assert feb.period_containing(date(2027, 3, 1)).start == date(2027, 2, 28)
    assert feb.period_containing(date(2028, 3, 1)).start == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"cycle": MONTHLY, "day": 0}, "day"),
        ({"cycle": MONTHLY, "day": 32}, "day"),
        ({"cycle": MONTHLY, "day": "1"}, "day"),
        ({"cycle": MONTHLY, "day": 1, "month": 13}, "month"),
        ({"cycle": WEEKLY, "day": 1}, "cycle"),
        ({"cycle": DAILY, "day": 1}, "cycle"),
        ({"cycle": "monthly", "day": 1}, "cycle"),
        ({"cycle": MONTHLY * 5, "day": 1}, "cycle"),  # its months differ year to year
        ({"cycle": YEARLY * 2, "day": 1}, "cycle"),
    ],
)
def test_refusals_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(PeriodError) as caught:
        BillingCycle.on_day(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


@given(
    days_on,
    st.sampled_from([MONTHLY, MONTHLY * 2, QUARTERLY, MONTHLY * 4, MONTHLY * 6, YEARLY]),
    days_on,
)
def test_same_periods_as_an_anniversary_on_that_day(start: date, cycle: Cycle, on: date) -> None:
    # A subscription that started on `start` and one billed on start's day, from start's
    # month, have the same periods (when the day is in every month, or is the month's own).
    by_day = BillingCycle.on_day(cycle, start.day, month=start.month)
    assert by_day.period_containing(on) == BillingCycle.anniversary(cycle, start).period_containing(
        on
    )


def test_stripes_documented_billing_dates() -> None:
    # stripe.com/docs/subscriptions/billing-cycle: "A monthly subscription with a billing
    # cycle anchor date of January 31 bills the last day of the month closest to the anchor
    # date, so February 28 (or February 29 in a leap year), then March 31, April 30";
    # "September 2 always bills on the 2nd day of the month". Stripe's
    # billing_cycle_anchor_config takes day_of_month (1-31) and month (1-12), as on_day does.
    for year, february in ((2026, 28), (2028, 29)):
        bills = [
            p.start
            for p in BillingCycle.on_day(MONTHLY, 31).periods(date(year, 1, 31), date(year, 5, 1))
        ]
        assert bills == [
            date(year, 1, 31),
            date(year, 2, february),
            date(year, 3, 31),
            date(year, 4, 30),
        ]
    second = BillingCycle.on_day(MONTHLY, 2)
    assert {p.start.day for p in second.periods(date(2026, 9, 2), date(2027, 9, 2))} == {2}
