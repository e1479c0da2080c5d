"""Tests for billkit.periods: examples with the arithmetic shown, then properties."""

from __future__ import annotations

import calendar
import itertools
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

import attrs
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, reject
from hypothesis import strategies as st

from billkit.errors import PeriodError, ValidationError
from billkit.periods import (
    DAILY,
    MONTHLY,
    QUARTERLY,
    WEEKLY,
    YEARLY,
    BillingCycle,
    Cycle,
    CycleUnit,
    Period,
    days_between,
)

THIRTY_DAYS = Cycle(CycleUnit.DAY, 30)


def p(text: str) -> Period:
    """Shorthand: a period from its str() form."""
    return Period.parse(text)


# ---------------------------------------------------------------- Period


class TestPeriod:
    def test_half_open(self) -> None:
        january = Period(date(2026, 1, 1), date(2026, 2, 1))
        # [Jan 1, Feb 1): the start is in, the end is the first day out.
        assert date(2026, 1, 1) in january
        assert date(2026, 1, 31) in january
        assert date(2026, 2, 1) not in january
        assert date(2025, 12, 31) not in january
        assert january.days == 31

    def test_days_in_february_2028_is_29(self) -> None:
        # 2028 is divisible by 4 and not by 100: a leap year.
        assert p("2028-02-01..2028-03-01").days == 29
        assert p("2026-02-01..2026-03-01").days == 28

    def test_one_day_period(self) -> None:
        day = Period(date(2026, 1, 1), date(2026, 1, 2))
        assert day.days == 1
        assert list(day.dates()) == [date(2026, 1, 1)]

    def test_dates_cross_a_month_end(self) -> None:
        assert list(p("2026-02-27..2026-03-02").dates()) == [
            date(2026, 2, 27),
            date(2026, 2, 28),
            date(2026, 3, 1),
        ]

    def test_not_iterable(self) -> None:
        # No __iter__: `start, end = period` must not silently work.
        with pytest.raises(TypeError):
            iter(p("2026-01-01..2026-02-01"))  # type: ignore[call-overload]

    def test_frozen_and_evolvable(self) -> None:
        january = p("2026-01-01..2026-02-01")
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            january.start = date(2026, 1, 2)  # type: ignore[misc]
        assert attrs.evolve(january, end=date(2026, 1, 15)) == p("2026-01-01..2026-01-15")

    def test_evolve_is_validated(self) -> None:
        with pytest.raises(PeriodError, match=r"^end = "):
            attrs.evolve(p("2026-01-01..2026-02-01"), end=date(2026, 1, 1))

    def test_overlaps_and_intersection(self) -> None:
        january = p("2026-01-01..2026-02-01")
        # Meeting end to end shares no day.
        assert not january.overlaps(p("2026-02-01..2026-03-01"))
        assert january.intersection(p("2026-02-01..2026-03-01")) is None
        assert january.overlaps(p("2026-01-31..2026-03-01"))
        assert january.intersection(p("2026-01-31..2026-03-01")) == p("2026-01-31..2026-02-01")
        assert january.intersection(p("2025-01-01..2027-01-01")) == january
        assert january.intersection(january) == january

    def test_split(self) -> None:
        before, after = p("2026-01-01..2026-02-01").split(date(2026, 1, 15))
        assert before == p("2026-01-01..2026-01-15")
        assert after == p("2026-01-15..2026-02-01")
        assert before.days + after.days == 31  # 14 + 17

    def test_str_and_parse_round_trip(self) -> None:
        period = Period(date(2026, 1, 1), date(2026, 2, 1))
        assert str(period) == "2026-01-01..2026-02-01"
        assert Period.parse(str(period)) == period

    def test_positional_and_keyword_construction(self) -> None:
        assert Period(start=date(2026, 1, 1), end=date(2026, 2, 1)) == p("2026-01-01..2026-02-01")


class TestPeriodErrors:
    def test_is_a_validation_error_and_value_error(self) -> None:
        with pytest.raises(ValidationError) as info:
            Period(date(2026, 2, 1), date(2026, 1, 1))
        assert isinstance(info.value, ValueError)
        assert isinstance(info.value, PeriodError)
        assert info.value.field == "end"

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            (date(2026, 1, 1), date(2026, 1, 1)),  # empty
            (date(2026, 2, 1), date(2026, 1, 1)),  # reversed
        ],
    )
    def test_start_not_before_end_names_end(self, start: date, end: date) -> None:
        with pytest.raises(
            PeriodError, match=r"^end = datetime\.date\(2026, 1, 1\): expected a date"
        ):
            Period(start, end)

    def test_datetime_start_is_refused(self) -> None:
        with pytest.raises(PeriodError, match=r"^start = datetime\.datetime\(.*not a datetime"):
            Period(datetime(2026, 1, 1), date(2026, 2, 1))  # noqa: DTZ001

    def test_datetime_end_is_refused(self) -> None:
        with pytest.raises(PeriodError, match=r"^end = datetime\.datetime\(.*not a datetime"):
            Period(date(2026, 1, 1), datetime(2026, 2, 1))  # noqa: DTZ001

    def test_string_start_is_refused(self) -> None:
        with pytest.raises(PeriodError, match=r"^start = '2026-01-01': expected a datetime\.date"):
            Period("2026-01-01", date(2026, 2, 1))  # type: ignore[arg-type]

    def test_contains_refuses_datetime_and_non_dates(self) -> None:
        january = p("2026-01-01..2026-02-01")
        with pytest.raises(PeriodError, match=r"^d = datetime\.datetime"):
            _ = datetime(2026, 1, 5) in january  # noqa: DTZ001
        with pytest.raises(PeriodError, match=r"^d = '2026-01-05'"):
            _ = "2026-01-05" in january  # type: ignore[operator]

    @pytest.mark.parametrize("on", [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)])
    def test_split_outside_names_on(self, on: date) -> None:
        with pytest.raises(PeriodError, match=r"^on = .*strictly inside 2026-01-01\.\.2026-02-01"):
            p("2026-01-01..2026-02-01").split(on)

    def test_overlaps_refuses_non_period(self) -> None:
        with pytest.raises(PeriodError, match=r"^other = "):
            p("2026-01-01..2026-02-01").overlaps((date(2026, 1, 1), date(2026, 2, 1)))  # type: ignore[arg-type]
        with pytest.raises(PeriodError, match=r"^other = "):
            p("2026-01-01..2026-02-01").intersection("2026-01-01..2026-02-01")  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "2026-01-01",
            "2026-01-01...2026-02-01",
            "2026-01-01 .. 2026-02-01",
            " 2026-01-01..2026-02-01",
            "2026-1-1..2026-2-1",
            "20260101..20260201",
            "2026-01-01/2026-02-01",
        ],
    )
    def test_parse_bad_form_names_the_text(self, text: str) -> None:
        with pytest.raises(
            PeriodError, match=rf"^text = {re.escape(repr(text))}: expected a period written as"
        ):
            Period.parse(text)

    def test_parse_impossible_date_names_the_text(self) -> None:
        with pytest.raises(
            PeriodError, match=r"^text = '2026-02-30\.\.2026-03-01': expected two real"
        ):
            Period.parse("2026-02-30..2026-03-01")

    def test_parse_reversed_names_the_text(self) -> None:
        with pytest.raises(
            PeriodError, match=r"^text = '2026-02-01\.\.2026-01-01': expected a start"
        ):
            Period.parse("2026-02-01..2026-01-01")

    def test_parse_non_str(self) -> None:
        with pytest.raises(PeriodError, match=r"^text = 20260101: expected a str"):
            Period.parse(20260101)  # type: ignore[arg-type]


# ---------------------------------------------------------------- days_between


class TestDaysBetween:
    def test_signed(self) -> None:
        assert days_between(date(2026, 1, 1), date(2026, 2, 1)) == 31
        assert days_between(date(2026, 2, 1), date(2026, 1, 1)) == -31
        assert days_between(date(2026, 1, 1), date(2026, 1, 1)) == 0

    def test_february_2028(self) -> None:
        assert days_between(date(2028, 2, 1), date(2028, 3, 1)) == 29

    def test_refuses_datetimes(self) -> None:
        with pytest.raises(PeriodError, match=r"^start = datetime\.datetime"):
            days_between(datetime(2026, 1, 1), date(2026, 2, 1))  # noqa: DTZ001
        with pytest.raises(PeriodError, match=r"^end = datetime\.datetime"):
            days_between(date(2026, 1, 1), datetime(2026, 2, 1))  # noqa: DTZ001


# ---------------------------------------------------------------- Cycle values


class TestCycleValue:
    def test_constants(self) -> None:
        assert Cycle(CycleUnit.DAY, 1) == DAILY
        assert Cycle(CycleUnit.WEEK) == WEEKLY
        assert Cycle(CycleUnit.MONTH) == MONTHLY
        assert Cycle(CycleUnit.MONTH, 3) == QUARTERLY
        assert Cycle(CycleUnit.YEAR) == YEARLY

    def test_unit_accepts_its_string_value(self) -> None:
        assert Cycle("month", 3) == QUARTERLY
        assert Cycle("month").unit is CycleUnit.MONTH

    def test_multiplication(self) -> None:
        assert MONTHLY * 3 == QUARTERLY
        assert 3 * MONTHLY == QUARTERLY
        assert MONTHLY * 12 != YEARLY  # same length, different unit: not equal values
        assert Cycle(CycleUnit.MONTH, 6) == QUARTERLY * 2
        assert DAILY * 30 == THIRTY_DAYS
        assert WEEKLY * 1 == WEEKLY

    @pytest.mark.parametrize(
        ("cycle", "text"),
        [
            (MONTHLY, "1 month"),
            (QUARTERLY, "3 months"),
            (THIRTY_DAYS, "30 days"),
            (WEEKLY, "1 week"),
            (YEARLY, "1 year"),
            (DAILY, "1 day"),
            (Cycle(CycleUnit.WEEK, 2), "2 weeks"),
            (Cycle(CycleUnit.YEAR, 3), "3 years"),
        ],
    )
    def test_str(self, cycle: Cycle, text: str) -> None:
        assert str(cycle) == text
        assert Cycle.parse(text) == cycle

    @pytest.mark.parametrize(
        ("text", "cycle"),
        [
            ("daily", DAILY),
            ("weekly", WEEKLY),
            ("monthly", MONTHLY),
            ("quarterly", QUARTERLY),
            ("yearly", YEARLY),
            ("annual", YEARLY),
            ("annually", YEARLY),
            ("  Monthly ", MONTHLY),
            ("ANNUALLY", YEARLY),
            ("3 Months", QUARTERLY),
            ("1 months", MONTHLY),
            ("12 month", Cycle(CycleUnit.MONTH, 12)),
            (" 30  DAYS\t", THIRTY_DAYS),
        ],
    )
    def test_parse_words_and_forms(self, text: str, cycle: Cycle) -> None:
        assert Cycle.parse(text) == cycle


class TestCycleErrors:
    @pytest.mark.parametrize("count", [0, -1])
    def test_count_below_one_names_count(self, count: int) -> None:
        with pytest.raises(
            PeriodError, match=rf"^count = {count}: expected a whole number of 1 or more$"
        ):
            Cycle(CycleUnit.MONTH, count)

    @pytest.mark.parametrize("count", [True, False])
    def test_bool_count_names_count(self, count: bool) -> None:
        with pytest.raises(PeriodError, match=rf"^count = {count}: expected .*not a bool"):
            Cycle(CycleUnit.MONTH, count)

    @pytest.mark.parametrize("count", [1.0, "3", None])
    def test_non_int_count_names_count(self, count: object) -> None:
        with pytest.raises(PeriodError, match=r"^count = "):
            Cycle(CycleUnit.MONTH, count)  # type: ignore[arg-type]

    @pytest.mark.parametrize("unit", ["months", "Month", "quarter", "", 1, None])
    def test_unknown_unit_names_unit(self, unit: object) -> None:
        with pytest.raises(PeriodError, match=r"^unit = .*: expected one of 'day', 'week'"):
            Cycle(unit)  # type: ignore[arg-type]

    @pytest.mark.parametrize("n", [0, -1, True, 1.5, "3"])
    def test_bad_multiplier_names_n(self, n: object) -> None:
        with pytest.raises(PeriodError, match=r"^n = "):
            MONTHLY * n  # type: ignore[operator]
        with pytest.raises(PeriodError, match=r"^n = "):
            n * MONTHLY  # type: ignore[operator]

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "month",
            "months",
            "0 months",
            "-1 month",
            "3",
            "bi-weekly",
            "1 quarter",
            "1.5 months",
        ],
    )
    def test_bad_parse_text_names_text_and_lists_forms(self, text: str) -> None:
        with pytest.raises(
            PeriodError, match=rf"^text = {re.escape(repr(text))}: expected a cycle such as"
        ) as info:
            Cycle.parse(text)
        assert "quarterly" in str(info.value)
        assert "annually" in str(info.value)

    def test_parse_non_str(self) -> None:
        with pytest.raises(PeriodError, match=r"^text = 3: expected"):
            Cycle.parse(3)  # type: ignore[arg-type]

    def test_add_refuses_datetime_anchor_and_bool_n(self) -> None:
        with pytest.raises(PeriodError, match=r"^anchor = datetime\.datetime"):
            MONTHLY.add(datetime(2026, 1, 31), 1)  # noqa: DTZ001
        with pytest.raises(PeriodError, match=r"^n = True"):
            MONTHLY.add(date(2026, 1, 31), True)
        with pytest.raises(PeriodError, match=r"^on = datetime\.datetime"):
            MONTHLY.index_of(date(2026, 1, 31), datetime(2026, 3, 1))  # noqa: DTZ001

    def test_add_off_the_calendar_names_n(self) -> None:
        # 9999-12-01 + 1 month is year 10000, which datetime.date cannot hold.
        with pytest.raises(PeriodError, match=r"^n = 1: expected a period within"):
            MONTHLY.add(date(9999, 12, 1), 1)
        with pytest.raises(PeriodError, match=r"^n = -1: expected a period within"):
            DAILY.add(date(1, 1, 1), -1)

    def test_periods_with_empty_window_names_end(self) -> None:
        with pytest.raises(PeriodError, match=r"^end = datetime\.date\(2026, 1, 1\)"):
            MONTHLY.periods(date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 1))

    def test_is_whole_period_refuses_non_period(self) -> None:
        with pytest.raises(PeriodError, match=r"^period = "):
            MONTHLY.is_whole_period((date(2026, 1, 1), date(2026, 2, 1)))  # type: ignore[arg-type]


# ---------------------------------------------------------------- Cycle arithmetic


class TestMonthEnds:
    def test_anniversary_jan_31_in_2026(self) -> None:
        anchor = date(2026, 1, 31)
        # Each start is anchor + n months in ONE step, day clamped to the month end:
        # n=1: Feb has 28 days in 2026 -> Feb 28; n=2: Mar has 31 -> back to Mar 31;
        # n=3: Apr has 30 -> Apr 30. Chaining (Feb 28 + 1 month) would give Mar 28.
        assert [MONTHLY.add(anchor, n) for n in range(4)] == [
            date(2026, 1, 31),
            date(2026, 2, 28),
            date(2026, 3, 31),
            date(2026, 4, 30),
        ]
        assert MONTHLY.period(anchor, 0) == p("2026-01-31..2026-02-28")  # 28 days
        assert MONTHLY.period(anchor, 1) == p("2026-02-28..2026-03-31")  # 31 days

    def test_anniversary_jan_31_in_leap_2028(self) -> None:
        anchor = date(2028, 1, 31)
        # 2028 is a leap year: Feb has 29 days, so Jan 31 + 1 month = Feb 29; then Mar 31.
        assert MONTHLY.add(anchor, 1) == date(2028, 2, 29)
        assert MONTHLY.add(anchor, 2) == date(2028, 3, 31)
        assert MONTHLY.period(anchor, 1) == p("2028-02-29..2028-03-31")

    def test_anchor_on_the_29th(self) -> None:
        anchor = date(2026, 1, 29)
        # Feb 2026 has no 29th -> Feb 28; March has one -> Mar 29 again.
        assert [MONTHLY.add(anchor, n) for n in range(1, 4)] == [
            date(2026, 2, 28),
            date(2026, 3, 29),
            date(2026, 4, 29),
        ]
        # In 2028 February has a 29th, so nothing is clamped.
        assert MONTHLY.add(date(2028, 1, 29), 1) == date(2028, 2, 29)

    def test_anchor_on_the_30th(self) -> None:
        anchor = date(2026, 1, 30)
        # Feb -> 28 (clamped), Mar -> 30, Apr -> 30 (Apr has 30 days), May -> 30.
        assert [MONTHLY.add(anchor, n) for n in range(1, 5)] == [
            date(2026, 2, 28),
            date(2026, 3, 30),
            date(2026, 4, 30),
            date(2026, 5, 30),
        ]

    def test_anchor_on_the_31st_before_the_anchor(self) -> None:
        anchor = date(2026, 3, 31)
        # n=-1: Feb 2026 -> Feb 28; n=-2: Jan -> Jan 31; n=-4: Nov 2025 -> Nov 30.
        assert MONTHLY.add(anchor, -1) == date(2026, 2, 28)
        assert MONTHLY.add(anchor, -2) == date(2026, 1, 31)
        assert MONTHLY.add(anchor, -4) == date(2025, 11, 30)

    def test_quarterly_from_the_31st(self) -> None:
        anchor = date(2026, 1, 31)
        # +3 months: Apr 30 (clamped); +6: Jul 31 (back); +9: Oct 31; +12: Jan 31.
        assert [QUARTERLY.add(anchor, n) for n in range(1, 5)] == [
            date(2026, 4, 30),
            date(2026, 7, 31),
            date(2026, 10, 31),
            date(2027, 1, 31),
        ]

    def test_yearly_from_feb_29_keeps_the_anchor(self) -> None:
        anchor = date(2028, 2, 29)
        # 2029, 2030, 2031 have no Feb 29 -> Feb 28; 2032 is a leap year -> Feb 29 again.
        assert [YEARLY.add(anchor, n) for n in range(5)] == [
            date(2028, 2, 29),
            date(2029, 2, 28),
            date(2030, 2, 28),
            date(2031, 2, 28),
            date(2032, 2, 29),
        ]
        assert YEARLY.period(anchor, 0) == p("2028-02-29..2029-02-28")  # 365 days
        assert YEARLY.period(anchor, 3) == p("2031-02-28..2032-02-29")  # 366 days
        # 2100 is not a leap year (divisible by 100, not by 400): 2100-02-28.
        assert YEARLY.add(anchor, 72) == date(2100, 2, 28)
        assert YEARLY.add(anchor, 372) == date(2400, 2, 29)


class TestDayAndWeekCycles:
    def test_thirty_day_cycle(self) -> None:
        anchor = date(2026, 1, 1)
        # Jan 1 + 30 days = Jan 31; Jan 31 + 30 days = Mar 2 (Feb has 28 days in 2026:
        # 0 days left in Jan + 28 in Feb + 2 in Mar = 30).
        assert THIRTY_DAYS.period(anchor, 0) == p("2026-01-01..2026-01-31")
        assert THIRTY_DAYS.period(anchor, 1) == p("2026-01-31..2026-03-02")
        assert list(THIRTY_DAYS.periods(anchor, date(2026, 1, 1), date(2026, 2, 1))) == [
            p("2026-01-01..2026-01-31"),
            p("2026-01-31..2026-03-02"),
        ]
        # Twelve 30-day periods are 360 days, not a year: Jan 1 + 360 days = Dec 27.
        assert THIRTY_DAYS.add(anchor, 12) == date(2026, 12, 27)

    def test_thirty_day_cycle_before_the_anchor(self) -> None:
        anchor = date(2026, 1, 1)
        # Jan 1 - 30 days = Dec 2, 2025 (31 days in Dec: Dec 2 .. Dec 31 is 30 days).
        assert THIRTY_DAYS.period(anchor, -1) == p("2025-12-02..2026-01-01")
        assert THIRTY_DAYS.index_of(anchor, date(2025, 12, 2)) == -1
        assert THIRTY_DAYS.index_of(anchor, date(2025, 12, 1)) == -2

    def test_weekly_index(self) -> None:
        anchor = date(2026, 1, 5)  # a Monday
        assert WEEKLY.index_of(anchor, date(2026, 1, 11)) == 0  # Sunday, same week
        assert WEEKLY.index_of(anchor, date(2026, 1, 12)) == 1  # next Monday
        assert WEEKLY.index_of(anchor, date(2026, 1, 4)) == -1  # Sunday before


class TestIndexOf:
    def test_before_the_anchor_monthly(self) -> None:
        anchor = date(2026, 1, 31)
        # Period -1 is [Dec 31, Jan 31); period -2 is [Nov 30, Dec 31).
        assert MONTHLY.index_of(anchor, date(2026, 1, 30)) == -1
        assert MONTHLY.index_of(anchor, date(2025, 12, 31)) == -1
        assert MONTHLY.index_of(anchor, date(2025, 12, 30)) == -2
        assert MONTHLY.index_of(anchor, date(2025, 11, 30)) == -2
        assert MONTHLY.index_of(anchor, date(2025, 11, 29)) == -3

    def test_day_before_a_clamped_start(self) -> None:
        anchor = date(2026, 1, 31)
        # Period 1 starts Feb 28, so Feb 27 is still in period 0 and Feb 28 in period 1.
        assert MONTHLY.index_of(anchor, date(2026, 2, 27)) == 0
        assert MONTHLY.index_of(anchor, date(2026, 2, 28)) == 1
        # Mar 30 is before Mar 31 (start of period 2).
        assert MONTHLY.index_of(anchor, date(2026, 3, 30)) == 1
        assert MONTHLY.index_of(anchor, date(2026, 3, 31)) == 2

    def test_far_away_is_direct(self) -> None:
        anchor = date(2000, 1, 1)
        # 9999-12-31 is (9999 - 2000) * 12 + 11 = 95999 months after the anchor.
        assert MONTHLY.index_of(anchor, date(9999, 12, 31)) == 95999
        assert MONTHLY.index_of(anchor, date(1, 1, 1)) == -(1999 * 12)

    def test_at_the_calendar_edges(self) -> None:
        # Period 0 of a cycle anchored mid-December 9999 is well defined even though
        # period 1 would start in year 10000.
        assert MONTHLY.index_of(date(9999, 12, 15), date(9999, 12, 20)) == 0
        # A 13-year cycle whose period reaches back before year 1.
        cycle = Cycle(CycleUnit.YEAR, 13)
        n = cycle.index_of(date(2000, 1, 1), date(1, 3, 1))
        assert cycle.add(date(2000, 1, 1), n + 1) > date(1, 3, 1)
        with pytest.raises(PeriodError, match=r"^n = "):
            cycle.add(date(2000, 1, 1), n)


class TestCalendar:
    def test_calendar_monthly(self) -> None:
        billing = BillingCycle.calendar(MONTHLY)
        assert billing.anchor == date(2000, 1, 1)
        assert billing.period_containing(date(2026, 2, 14)) == p("2026-02-01..2026-03-01")
        assert billing.period_containing(date(2028, 2, 29)) == p("2028-02-01..2028-03-01")

    def test_calendar_quarterly_containing_may_17(self) -> None:
        # Quarters from 2000-01-01 start on Jan/Apr/Jul/Oct 1st; May is in Q2.
        billing = BillingCycle.calendar(QUARTERLY)
        assert billing.period_containing(date(2026, 5, 17)) == p("2026-04-01..2026-07-01")
        assert billing.period_containing(date(2026, 12, 31)) == p("2026-10-01..2027-01-01")

    def test_calendar_yearly(self) -> None:
        billing = BillingCycle.calendar(YEARLY)
        assert billing.period_containing(date(2026, 5, 17)) == p("2026-01-01..2027-01-01")
        assert billing.period_containing(date(1999, 12, 31)) == p("1999-01-01..2000-01-01")

    def test_calendar_weekly_containing_a_sunday(self) -> None:
        billing = BillingCycle.calendar(WEEKLY)
        assert billing.anchor.weekday() == 0  # 2000-01-03 is a Monday
        sunday = date(2026, 3, 8)
        assert sunday.weekday() == 6
        # Weeks run Monday..Sunday, so a Sunday is the LAST day of its week.
        assert billing.period_containing(sunday) == p("2026-03-02..2026-03-09")
        assert billing.period_containing(date(2026, 3, 9)) == p("2026-03-09..2026-03-16")

    def test_calendar_day_cycle_is_refused(self) -> None:
        with pytest.raises(PeriodError, match=r"^cycle = Cycle\(unit=<CycleUnit\.DAY.*anchor"):
            BillingCycle.calendar(THIRTY_DAYS)
        with pytest.raises(PeriodError, match=r"^cycle = "):
            BillingCycle.calendar(DAILY)

    def test_calendar_refuses_non_cycle(self) -> None:
        with pytest.raises(PeriodError, match=r"^cycle = 'monthly'"):
            BillingCycle.calendar("monthly")  # type: ignore[arg-type]


class TestBillingCycle:
    def test_anniversary(self) -> None:
        billing = BillingCycle.anniversary(MONTHLY, date(2026, 1, 31))
        assert billing == BillingCycle(MONTHLY, date(2026, 1, 31))
        assert billing.period(0) == p("2026-01-31..2026-02-28")
        assert billing.next_period(billing.period(0)) == p("2026-02-28..2026-03-31")
        assert billing.next_period(billing.period(1)) == p("2026-03-31..2026-04-30")
        assert billing.index_of(date(2026, 3, 31)) == 2
        assert list(billing.periods(date(2026, 2, 1), date(2026, 3, 31))) == [
            p("2026-01-31..2026-02-28"),
            p("2026-02-28..2026-03-31"),
        ]

    def test_next_period_after_a_prorated_first_period(self) -> None:
        billing = BillingCycle.calendar(MONTHLY)
        # Joined mid-month: Jan 15..Feb 1 ends on a boundary, so February follows.
        assert billing.next_period(p("2026-01-15..2026-02-01")) == p("2026-02-01..2026-03-01")

    def test_next_period_refuses_a_period_ending_mid_cycle(self) -> None:
        billing = BillingCycle.calendar(MONTHLY)
        with pytest.raises(PeriodError, match=r"^after = .*2026-02-10 falls inside"):
            billing.next_period(p("2026-01-01..2026-02-10"))

    def test_construction_errors_name_the_field(self) -> None:
        with pytest.raises(PeriodError, match=r"^anchor = datetime\.datetime"):
            BillingCycle(MONTHLY, datetime(2026, 1, 1))  # noqa: DTZ001
        with pytest.raises(PeriodError, match=r"^cycle = 'monthly'"):
            BillingCycle("monthly", date(2026, 1, 1))  # type: ignore[arg-type]
        with pytest.raises(PeriodError, match=r"^anchor = datetime\.datetime"):
            BillingCycle.anniversary(MONTHLY, datetime(2026, 1, 1))  # noqa: DTZ001


class TestIsWholePeriod:
    @pytest.mark.parametrize(
        ("cycle", "text", "whole"),
        [
            (MONTHLY, "2026-01-31..2026-02-28", True),  # anchor 31, Feb clamped
            (MONTHLY, "2026-02-28..2026-03-31", True),  # anchor 31 (Feb 28 was clamped)
            (MONTHLY, "2026-02-28..2026-03-28", True),  # anchor 28
            (MONTHLY, "2026-02-28..2026-03-30", True),  # anchor 30
            (MONTHLY, "2026-02-28..2026-03-27", False),  # no anchor day gives Mar 27
            (MONTHLY, "2026-01-15..2026-02-15", True),
            (MONTHLY, "2026-01-15..2026-02-14", False),
            (MONTHLY, "2026-01-15..2026-02-16", False),
            (MONTHLY, "2026-01-30..2026-02-28", True),  # anchor 30, clamped
            (MONTHLY, "2026-01-30..2026-03-01", False),  # overshoots into March
            (MONTHLY, "2026-04-30..2026-05-31", True),  # anchor 31 (Apr 30 clamped)
            (MONTHLY, "2026-04-30..2026-05-30", True),  # anchor 30
            (MONTHLY, "2026-01-01..2026-03-01", False),  # two months
            (QUARTERLY, "2026-01-31..2026-04-30", True),
            (QUARTERLY, "2026-04-01..2026-07-01", True),
            (QUARTERLY, "2026-04-01..2026-06-01", False),
            (YEARLY, "2028-02-29..2029-02-28", True),
            (YEARLY, "2027-02-28..2028-02-29", True),  # anchor on a Feb 29
            (YEARLY, "2027-02-28..2028-02-28", True),
            (YEARLY, "2026-01-01..2026-12-31", False),
            (THIRTY_DAYS, "2026-01-01..2026-01-31", True),  # 30 days
            (THIRTY_DAYS, "2026-01-01..2026-02-01", False),  # 31 days
            (WEEKLY, "2026-03-02..2026-03-09", True),
            (Cycle(CycleUnit.WEEK, 2), "2026-03-02..2026-03-09", False),
        ],
    )
    def test_examples(self, cycle: Cycle, text: str, whole: bool) -> None:
        assert cycle.is_whole_period(p(text)) is whole


# ---------------------------------------------------------------- properties

MIN_DAY = date(1900, 1, 1)
MAX_DAY = date(2200, 12, 31)

days = st.dates(min_value=MIN_DAY, max_value=MAX_DAY)
units = st.sampled_from(CycleUnit)
cycles = st.builds(Cycle, units, st.integers(min_value=1, max_value=13))
month_cycles = st.builds(
    Cycle,
    st.sampled_from([CycleUnit.MONTH, CycleUnit.YEAR]),
    st.integers(min_value=1, max_value=13),
)
steps = st.integers(min_value=-300, max_value=300)


def on_calendar(compute: Callable[[], Period]) -> Period:
    """Run ``compute``, rejecting the example if it falls off datetime.date's calendar.

    A 13-year cycle stepped 300 times from 1900 lands before year 1.
    """
    try:
        return compute()
    except PeriodError as error:
        if error.field != "n":  # only the off-the-calendar refusal is expected here
            raise
        reject()


@given(cycles, days, steps)
def test_consecutive_periods_meet_and_do_not_overlap(cycle: Cycle, anchor: date, n: int) -> None:
    this = on_calendar(lambda: cycle.period(anchor, n))
    following = on_calendar(lambda: cycle.period(anchor, n + 1))
    assert this.end == following.start
    assert not this.overlaps(following)
    assert this.intersection(following) is None


@given(cycles, days, days)
def test_period_containing_contains_the_day(cycle: Cycle, anchor: date, d: date) -> None:
    period = cycle.period_containing(anchor, d)
    assert d in period
    assert period == cycle.period(anchor, cycle.index_of(anchor, d))


@given(cycles, days, steps)
def test_index_of_inverts_add(cycle: Cycle, anchor: date, n: int) -> None:
    start = on_calendar(lambda: cycle.period(anchor, n)).start
    assert cycle.index_of(anchor, start) == n
    # The last day of period n also belongs to period n.
    assert cycle.index_of(anchor, start - timedelta(days=1)) == n - 1


@given(month_cycles, days, steps)
def test_month_starts_return_to_the_anchor_day(cycle: Cycle, anchor: date, n: int) -> None:
    start = on_calendar(lambda: cycle.period(anchor, n)).start
    in_month = calendar.monthrange(start.year, start.month)[1]
    assert start.day == min(anchor.day, in_month)
    # The month moved by exactly n cycles.
    months = cycle.count * (12 if cycle.unit is CycleUnit.YEAR else 1)
    assert (start.year * 12 + start.month) - (anchor.year * 12 + anchor.month) == n * months


@given(
    month_cycles,
    st.dates(),  # the whole calendar: years 1..9999
    st.integers(min_value=-130_000, max_value=130_000),
)
def test_month_steps_are_dateutils_relativedelta(cycle: Cycle, anchor: date, n: int) -> None:
    # Cycle.add computes the month arithmetic directly; dateutil's published
    # rule, anchor + relativedelta(months=k), is the reference: the same day,
    # or the same refusal off datetime.date's calendar (years 1..9999).
    months = cycle.count * (12 if cycle.unit is CycleUnit.YEAR else 1)
    try:
        expected: date | None = anchor + relativedelta(months=n * months)
    except (OverflowError, ValueError):
        expected = None
    if expected is None:
        with pytest.raises(PeriodError) as refused:
            cycle.add(anchor, n)
        assert refused.value.field == "n"
    else:
        assert cycle.add(anchor, n) == expected


def test_month_steps_clamp_like_dateutil_on_worked_days() -> None:
    # Jan 31 + 1 month: February 2028 has 29 days (2028 is a leap year);
    # + 13 months: February 2029 has 28; Dec 31 - 1 year 2 months: Oct 31.
    assert MONTHLY.add(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert MONTHLY.add(date(2028, 1, 31), 13) == date(2029, 2, 28)
    assert Cycle("month", 14).add(date(2026, 12, 31), -1) == date(2025, 10, 31)
    # year 9999 December + 1 month leaves the calendar
    with pytest.raises(PeriodError):
        MONTHLY.add(date(9999, 12, 1), 1)


@given(cycles, days, days, st.integers(min_value=1, max_value=800))
def test_periods_tile_the_window(cycle: Cycle, anchor: date, start: date, length: int) -> None:
    end = start + timedelta(days=length)
    periods = list(cycle.periods(anchor, start, end))
    assert periods
    assert periods[0].start <= start < periods[0].end
    assert periods[-1].start < end <= periods[-1].end
    for before, after in itertools.pairwise(periods):
        assert before.end == after.start
    assert all(period.overlaps(Period(start, end)) for period in periods)


@given(cycles, days, steps)
def test_every_period_is_whole(cycle: Cycle, anchor: date, n: int) -> None:
    assert cycle.is_whole_period(on_calendar(lambda: cycle.period(anchor, n)))


@given(cycles)
def test_parse_str_round_trip(cycle: Cycle) -> None:
    assert Cycle.parse(str(cycle)) == cycle
    assert Cycle.parse(f"  {str(cycle).upper()} ") == cycle


@given(cycles, days, days)
def test_days_over_a_year_add_up(cycle: Cycle, anchor: date, start: date) -> None:
    # A year-long window: from start to the same day a year later (Feb 29 -> Feb 28).
    window = Period(start, YEARLY.add(start, 1))
    pieces = [window.intersection(period) for period in cycle.periods(anchor, start, window.end)]
    assert sum(piece.days for piece in pieces if piece is not None) == window.days
    assert all(piece is not None for piece in pieces)
    assert window.days in (365, 366)


@given(days, st.integers(min_value=1, max_value=2000))
def test_period_parse_round_trip(start: date, length: int) -> None:
    period = Period(start, start + timedelta(days=length))
    assert Period.parse(str(period)) == period
    assert days_between(period.start, period.end) == period.days == len(list(period.dates()))
