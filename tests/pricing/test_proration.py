"""Tests for billkit.pricing.proration: slices of a period, stubs, spans.

Every expected figure is the arithmetic in the comment beside it, or a figure
published in REQUIREMENTS.md / the seed pages; the properties check the
invariants of issue 3 (day-by-day proration adds up to the full price,
stubs and spans tile the calendar at month ends, leap years and anchors on
the 29th to 31st).
"""

from __future__ import annotations

import calendar
import itertools
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from billkit.errors import PeriodError, PricingError, ValidationError
from billkit.money import Money, RoundingMode, RoundingPolicy
from billkit.periods import (
    MONTHLY,
    QUARTERLY,
    WEEKLY,
    YEARLY,
    BillingCycle,
    Cycle,
    CycleUnit,
    Period,
)
from billkit.pricing import ProrationPolicy, prorate
from billkit.pricing.proration import (
    DEFAULT_PRORATION,
    Proration,
    ProrationBasis,
    ProrationDivisor,
    SliceRounding,
    leading_stub,
    prorate_span,
    trailing_stub,
)
from tests.strategies import money, rounding_modes

THIRTY_DAYS = Cycle(CycleUnit.DAY, 30)
CALENDAR_MONTHS = BillingCycle.calendar(MONTHLY)
INDEPENDENT = ProrationPolicy(slices="independent")
INCLUSIVE = ProrationPolicy(count_end_day=True)
BY_SECOND = ProrationPolicy(basis="second")
THIRTY_DAY_MONTH = ProrationPolicy(divisor="30_day_month")


def rub(amount: str) -> Money:
    return Money(amount, "RUB")


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def p(text: str) -> Period:
    return Period.parse(text)


def d(text: str) -> date:
    return date.fromisoformat(text)


# ---------------------------------------------------------------- worked examples


class TestHostingCart:
    """REQUIREMENTS 3: a service ordered mid-month is charged pro rata up to the
    billing anchor date, then the full monthly price."""

    @pytest.mark.parametrize(
        ("monthly", "expected"),
        [
            # Ordered on 2 April, anchor on the 1st: 29 of April's 30 days.
            ("495.00", "478.50"),  # 495.00 x 29 / 30 = 478.50
            ("110.00", "106.33"),  # 110.00 x 29 / 30 = 106.333... -> 106.33
            ("55.00", "53.17"),  # 55.00 x 29 / 30 = 53.1666... -> 53.17
        ],
    )
    def test_first_period_to_the_anchor(self, monthly: str, expected: str) -> None:
        stub = leading_stub(rub(monthly), CALENDAR_MONTHS, d("2023-04-02"))
        assert stub.period == p("2023-04-01..2023-05-01")
        assert (stub.start, stub.end) == (d("2023-04-02"), d("2023-05-01"))
        assert (stub.units, stub.of_units) == (Decimal(29), Decimal(30))
        assert stub.amount == rub(expected)

    def test_then_the_full_price_each_cycle(self) -> None:
        charges = prorate_span(rub("495.00"), CALENDAR_MONTHS, d("2023-04-02"), d("2023-07-01"))
        assert [c.amount for c in charges] == [rub("478.50"), rub("495.00"), rub("495.00")]
        assert [c.whole for c in charges] == [False, True, True]

    @pytest.mark.parametrize(
        ("monthly", "cart"),
        [
            # The seed's cart (seed 002) shows these figures "until 2023-05-01".
            # They are 30/31 of the monthly price rounded *up* to the kopeck:
            ("495.00", "479.04"),  # 495 x 30/31 = 479.0322... -> up 479.04 (half-up: 479.03)
            ("110.00", "106.46"),  # 110 x 30/31 = 106.4516... -> up 106.46 (half-up: 106.45)
            ("55.00", "53.23"),  # 55 x 30/31 = 53.2258... -> up 53.23 (half-up: 53.23)
        ],
    )
    def test_the_seed_cart_figures_are_thirty_thirty_firsts_rounded_up(
        self, monthly: str, cart: str
    ) -> None:
        # No single ratio gives all three with half-up rounding: 479.04 for 495.00
        # needs a ratio in [479.035, 479.045) / 495 = [0.967747, 0.967768), 106.46 for
        # 110.00 one in [106.455, 106.465) / 110 = [0.967773, 0.967864). Rounded up,
        # 30/31 = 0.9677419 gives all three: each slice rounded on its own, upwards,
        # a policy one argument away.
        policy = ProrationPolicy(slices="independent", rounding=RoundingPolicy(mode="up"))
        march = p("2023-03-01..2023-04-01")
        slice_ = prorate(rub(monthly), march, d("2023-03-02"), d("2023-04-01"), policy)
        assert (slice_.units, slice_.of_units) == (Decimal(30), Decimal(31))
        assert slice_.amount == rub(cart)

    def test_ordered_on_the_anchor_pays_a_whole_period(self) -> None:
        stub = leading_stub(rub("495.00"), CALENDAR_MONTHS, d("2023-05-01"))
        assert stub.whole
        assert stub.amount == rub("495.00")
        assert stub.fraction == 1


class TestCounting:
    def test_default_is_half_open_by_day_over_the_actual_period(self) -> None:
        assert DEFAULT_PRORATION.basis is ProrationBasis.DAY
        assert DEFAULT_PRORATION.count_end_day is False
        assert DEFAULT_PRORATION.divisor is ProrationDivisor.PERIOD
        assert DEFAULT_PRORATION.slices is SliceRounding.CUMULATIVE
        assert DEFAULT_PRORATION.rounding is None

    def test_cancelled_on_the_twentieth_exclusive_vs_inclusive(self) -> None:
        january = p("2026-01-01..2026-02-01")
        # Half-open: the 1st to the 19th, 19 days: 31.00 x 19 / 31 = 19.00.
        assert trailing_stub(eur("31.00"), CALENDAR_MONTHS, d("2026-01-20")).amount == eur("19.00")
        assert prorate(eur("31.00"), january, d("2026-01-01"), d("2026-01-20")).units == 19
        # Counting the end day: the 1st to the 20th, 20 days: 20.00.
        inclusive = trailing_stub(eur("31.00"), CALENDAR_MONTHS, d("2026-01-20"), INCLUSIVE)
        assert inclusive.amount == eur("20.00")
        assert inclusive.end == d("2026-01-21")  # the stored end is always exclusive

    def test_one_day_inclusive_and_empty_exclusive(self) -> None:
        january = p("2026-01-01..2026-02-01")
        one = prorate(eur("31.00"), january, d("2026-01-10"), d("2026-01-10"), INCLUSIVE)
        assert one.units == 1
        assert one.amount == eur("1.00")  # 31.00 / 31
        empty = prorate(eur("31.00"), january, d("2026-01-10"), d("2026-01-10"))
        assert empty.units == 0
        assert empty.amount == eur("0.00")

    def test_inclusive_end_may_be_the_last_day_but_not_the_period_end(self) -> None:
        january = p("2026-01-01..2026-02-01")
        last = prorate(eur("31.00"), january, d("2026-01-01"), d("2026-01-31"), INCLUSIVE)
        assert last.whole
        assert last.amount == eur("31.00")
        with pytest.raises(PeriodError, match=r"end = .*2026-01-31 \(the period's last day\)"):
            prorate(eur("31.00"), january, d("2026-01-01"), d("2026-02-01"), INCLUSIVE)

    def test_thirty_day_month_divisor(self) -> None:
        january = p("2026-01-01..2026-02-01")
        # 15 days / 30 = half: 15.50 for a 31.00 month; the other 16 days 16/30.
        first = prorate(eur("31.00"), january, d("2026-01-01"), d("2026-01-16"), THIRTY_DAY_MONTH)
        rest = prorate(eur("31.00"), january, d("2026-01-16"), d("2026-02-01"), THIRTY_DAY_MONTH)
        assert first.amount == eur("15.50")  # 31 x 15 / 30
        assert rest.amount == eur("16.53")  # 31 x 16 / 30 = 16.5333...
        # So the two halves of a 31-day month cost 31/30 of it (31 x 31 / 30 = 32.0333):
        # the convention's known cost, documented.
        assert first.amount + rest.amount == eur("32.03")
        # 30 of January's 31 days cost the whole month (capped), never more.
        most = prorate(eur("31.00"), january, d("2026-01-02"), d("2026-02-01"), THIRTY_DAY_MONTH)
        assert most.whole
        assert most.amount == eur("31.00")
        whole = prorate(eur("31.00"), january, january.start, january.end, THIRTY_DAY_MONTH)
        assert str(whole).endswith(": 31.00 x 31 days (the whole period) = 31.00 EUR")
        # 16 days in the middle of January, the 5th to the 20th, rounded cumulatively:
        # 31 x 20 / 30 = 20.6667 -> 20.67 to the 21st, 31 x 4 / 30 = 4.1333 -> 4.13 to the
        # 5th, so 20.67 - 4.13 = 16.54 (on its own, 31 x 16 / 30 = 16.5333 -> 16.53).
        mid = prorate(eur("31.00"), january, d("2026-01-05"), d("2026-01-21"), THIRTY_DAY_MONTH)
        assert mid.amount == eur("16.54")
        alone = attrs.evolve(THIRTY_DAY_MONTH, slices="independent")
        assert prorate(
            eur("31.00"), january, d("2026-01-05"), d("2026-01-21"), alone
        ).amount == eur("16.53")

    def test_thirty_day_month_in_february(self) -> None:
        feb = p("2026-02-01..2026-03-01")
        # The whole of February is the whole price even though it is 28 "days of 30".
        assert prorate(eur("30.00"), feb, feb.start, feb.end, THIRTY_DAY_MONTH).amount == eur(
            "30.00"
        )
        # Its first 14 days are 14/30 of the price: 14.00, not 15.00 (the convention's cost).
        half = prorate(eur("30.00"), feb, feb.start, d("2026-02-15"), THIRTY_DAY_MONTH)
        assert half.amount == eur("14.00")

    def test_thirty_day_month_of_a_year_is_360_days(self) -> None:
        year = p("2026-01-01..2027-01-01")
        # 90 days of a 360-day year: 360.00 x 90 / 360 = 90.00.
        q = prorate(eur("360.00"), year, d("2026-01-01"), d("2026-04-01"), THIRTY_DAY_MONTH)
        assert q.of_units == 360
        assert q.amount == eur("90.00")

    def test_thirty_day_month_needs_whole_months(self) -> None:
        period = THIRTY_DAYS.period(d("2026-01-01"), 0)
        with pytest.raises(PricingError, match=r"whole number of months"):
            prorate(eur("30.00"), period, period.start, d("2026-01-11"), THIRTY_DAY_MONTH)

    def test_leap_february_has_29_days(self) -> None:
        feb = p("2028-02-01..2028-03-01")
        day = prorate(eur("29.00"), feb, d("2028-02-29"), d("2028-03-01"))
        assert (day.units, day.of_units, day.amount) == (Decimal(1), Decimal(29), eur("1.00"))
        year = p("2028-01-01..2029-01-01")
        # 366 days in 2028: the 60 days of January and February cost 366.00 x 60 / 366.
        assert prorate(eur("366.00"), year, year.start, d("2028-03-01")).amount == eur("60.00")

    def test_zero_decimal_currency(self) -> None:
        june = p("2026-06-01..2026-07-01")
        # 1000 JPY x 7 / 30 = 233.33 -> 233 (JPY has no minor unit).
        assert prorate(
            Money("1000", "JPY"), june, d("2026-06-01"), d("2026-06-08")
        ).amount == Money("233", "JPY")

    def test_rounding_policy_applies(self) -> None:
        april = p("2026-04-01..2026-05-01")
        floor = ProrationPolicy(rounding=RoundingPolicy(mode="floor"))
        # 10.00 x 1 / 30 = 0.3333 -> floor 0.33; x 2 / 30 = 0.6666 -> 0.66 (half-up: 0.67).
        assert prorate(eur("10.00"), april, april.start, d("2026-04-03"), floor).amount == eur(
            "0.66"
        )
        assert prorate(eur("10.00"), april, april.start, d("2026-04-03")).amount == eur("0.67")

    def test_negative_amounts_are_prorated_symmetrically(self) -> None:
        april = p("2026-04-01..2026-05-01")
        # A credit of -10.00 for 2 of 30 days: -0.6666 -> -0.67 (half-up away from zero).
        assert prorate(eur("-10.00"), april, april.start, d("2026-04-03")).amount == eur("-0.67")


class TestCumulativeRounding:
    def test_three_days_of_a_hundred(self) -> None:
        period = Period(d("2026-01-01"), d("2026-01-04"))  # 3 days
        days = [(period.start + timedelta(n), period.start + timedelta(n + 1)) for n in range(3)]
        # Independent: 100.00 / 3 = 33.33 each, 99.99 in all: a cent lost.
        each = [prorate(eur("100.00"), period, a, b, INDEPENDENT).amount for a, b in days]
        assert each == [eur("33.33")] * 3
        # Cumulative: F(1) = 33.33, F(2) = 66.67, F(3) = 100.00, so the days are
        # 33.33, 66.67 - 33.33 = 33.34 and 100.00 - 66.67 = 33.33: 100.00 in all.
        cumulative = [prorate(eur("100.00"), period, a, b).amount for a, b in days]
        assert cumulative == [eur("33.33"), eur("33.34"), eur("33.33")]

    def test_exact_is_the_unrounded_share(self) -> None:
        period = Period(d("2026-01-01"), d("2026-01-04"))
        middle = prorate(eur("100.00"), period, d("2026-01-02"), d("2026-01-03"))
        assert middle.fraction == Fraction(1, 3)
        assert abs(middle.exact.amount * 3 - Decimal("100.00")) < Decimal("1e-50")


class _Berlin2026(tzinfo):
    """Central European time for 2026 only, hand-written so the test needs no tz
    database: UTC+1, and UTC+2 from 2026-03-29 01:00 UTC to 2026-10-25 01:00 UTC
    (EU summer time: the last Sundays of March and October, at 01:00 UTC)."""

    _SUMMER = (datetime(2026, 3, 29, 1), datetime(2026, 10, 25, 1))  # noqa: DTZ001 (UTC, naive)

    def utcoffset(self, dt: datetime | None) -> timedelta:
        assert dt is not None
        # dt is local wall time here; 02:00-03:00 on 29 March does not exist.
        start, end = self._SUMMER
        wall = dt.replace(tzinfo=None)
        summer = start + timedelta(hours=1) <= wall < end + timedelta(hours=1)
        return timedelta(hours=2 if summer else 1)

    def dst(self, dt: datetime | None) -> timedelta:
        return self.utcoffset(dt) - timedelta(hours=1)

    def tzname(self, dt: datetime | None) -> str:
        return "CEST" if self.dst(dt) else "CET"

    def fromutc(self, dt: datetime) -> datetime:
        utc = dt.replace(tzinfo=None)
        start, end = self._SUMMER
        hours = 2 if start <= utc < end else 1
        return (utc + timedelta(hours=hours)).replace(tzinfo=self)


class TestBySecond:
    def test_twelve_hours_of_a_thirty_day_month(self) -> None:
        april = p("2026-04-01..2026-05-01")
        noon = datetime(2026, 4, 30, 12, tzinfo=timezone.utc)
        # 43 200 s of 2 592 000 s: 100.00 / 60 = 1.6666... -> 1.67.
        tail = prorate(eur("100.00"), april, noon, april.end, BY_SECOND)
        assert tail.units == 43_200
        assert tail.of_units == 2_592_000
        assert tail.amount == eur("1.67")

    def test_microseconds_count(self) -> None:
        day = Period(d("2026-04-01"), d("2026-04-02"))
        start = datetime(2026, 4, 1, tzinfo=timezone.utc)
        half_second = prorate(
            eur("86400.00"), day, start, start + timedelta(microseconds=500_000), BY_SECOND
        )
        assert half_second.units == Decimal("0.5")
        assert half_second.amount == eur("0.50")  # 86 400.00 per day = 1.00 per second

    def test_days_follow_the_policy_timezone_across_daylight_saving(self) -> None:
        berlin = _Berlin2026()
        policy = ProrationPolicy(basis="second", tz=berlin)
        march = p("2026-03-01..2026-04-01")
        # Local March 2026 is 31 x 24 - 1 = 743 hours (an hour is skipped on the 29th),
        # and the 29th itself is 23 hours long: 743.00 x 23 / 743 = 23.00.
        day = prorate(eur("743.00"), march, d("2026-03-29"), d("2026-03-30"), policy)
        assert day.of_units == 743 * 3600
        assert day.units == 23 * 3600
        assert day.amount == eur("23.00")
        # By day, the same slice is 1 of 31 days, rounded cumulatively: the 29 days
        # to the 30th cost 743 x 29 / 31 = 695.0645 -> 695.06, the 28 days to the 29th
        # 743 x 28 / 31 = 671.0968 -> 671.10, so the 29th costs 695.06 - 671.10 = 23.96
        # (on its own, 743.00 / 31 = 23.9677 -> 23.97).
        by_day = prorate(eur("743.00"), march, d("2026-03-29"), d("2026-03-30"))
        assert by_day.amount == eur("23.96")
        assert prorate(
            eur("743.00"), march, d("2026-03-29"), d("2026-03-30"), INDEPENDENT
        ).amount == eur("23.97")

    def test_instant_in_another_zone_is_the_same_instant(self) -> None:
        april = p("2026-04-01..2026-05-01")
        utc_noon = datetime(2026, 4, 16, 12, tzinfo=timezone.utc)
        same = utc_noon.astimezone(timezone(timedelta(hours=3, minutes=30)))  # Tehran
        a = prorate(eur("30.00"), april, april.start, utc_noon, BY_SECOND)
        b = prorate(eur("30.00"), april, april.start, same, BY_SECOND)
        assert a.amount == b.amount == eur("15.50")  # 15.5 days of 30 x 30.00

    def test_stub_from_an_instant(self) -> None:
        ordered = datetime(2026, 4, 16, 12, tzinfo=timezone.utc)
        stub = leading_stub(eur("30.00"), CALENDAR_MONTHS, ordered, BY_SECOND)
        assert stub.period == p("2026-04-01..2026-05-01")
        assert stub.amount == eur("14.50")  # 14.5 days of 30

    def test_instant_just_after_midnight_ends_in_that_day(self) -> None:
        end = datetime(2026, 5, 1, 0, 0, 1, tzinfo=timezone.utc)
        stub = trailing_stub(eur("31.00"), CALENDAR_MONTHS, end, BY_SECOND)
        assert stub.period == p("2026-05-01..2026-06-01")
        assert stub.units == 1

    def test_instant_at_midnight_ends_the_previous_period(self) -> None:
        end = datetime(2026, 5, 1, tzinfo=timezone.utc)
        stub = trailing_stub(eur("30.00"), CALENDAR_MONTHS, end, BY_SECOND)
        assert stub.period == p("2026-04-01..2026-05-01")
        assert stub.whole


class TestStubs:
    def test_trailing_stub_on_an_anchor_is_the_whole_period_before(self) -> None:
        stub = trailing_stub(eur("30.00"), CALENDAR_MONTHS, d("2026-05-01"))
        assert stub.period == p("2026-04-01..2026-05-01")
        assert stub.whole

    def test_anchor_on_the_31st_through_february(self) -> None:
        billing = BillingCycle.anniversary(MONTHLY, d("2026-01-31"))
        # Started on 31 January, cancelled on 10 March: the period 28 Feb..31 Mar is
        # cut after 10 days: 31.00 x 10 / 31 = 10.00.
        charges = prorate_span(eur("31.00"), billing, d("2026-01-31"), d("2026-03-10"))
        assert [str(c.period) for c in charges] == [
            "2026-01-31..2026-02-28",
            "2026-02-28..2026-03-31",
        ]
        assert [c.amount for c in charges] == [eur("31.00"), eur("10.00")]

    def test_anchor_on_the_29th_in_a_leap_year(self) -> None:
        billing = BillingCycle.anniversary(MONTHLY, d("2028-01-29"))
        # 29 Feb 2028 exists: the period is 29 Jan..29 Feb (31 days), then 29 Feb..29 Mar.
        stub = leading_stub(eur("31.00"), billing, d("2028-02-28"))
        assert stub.period == p("2028-01-29..2028-02-29")
        assert stub.amount == eur("1.00")  # 1 day of 31
        following = leading_stub(eur("29.00"), billing, d("2028-03-01"))
        assert following.period == p("2028-02-29..2028-03-29")
        assert following.units == 28  # 1 to 28 March

    def test_yearly_anchor_on_leap_day(self) -> None:
        billing = BillingCycle.anniversary(YEARLY, d("2028-02-29"))
        # The 2029 period starts on 28 February (clamped) and runs 365 days.
        stub = trailing_stub(eur("365.00"), billing, d("2029-03-30"))
        assert stub.period == p("2029-02-28..2030-02-28")
        assert stub.amount == eur("30.00")  # 28 Feb to 29 Mar: 30 days


class TestRefusals:
    january = p("2026-01-01..2026-02-01")

    def test_datetime_on_the_day_basis(self) -> None:
        noon = datetime(2026, 1, 10, 12, tzinfo=timezone.utc)
        with pytest.raises(PeriodError, match=r"start = .*: expected a datetime.date: the by-day"):
            prorate(eur("1"), self.january, noon, d("2026-01-20"))

    def test_naive_datetime_by_second(self) -> None:
        naive = datetime(2026, 1, 10)  # noqa: DTZ001 (the point of the test)
        with pytest.raises(PeriodError, match=r"timezone-aware"):
            prorate(eur("1"), self.january, naive, d("2026-01-20"), BY_SECOND)

    def test_end_before_start(self) -> None:
        with pytest.raises(PeriodError, match=r"end = .*not before start"):
            prorate(eur("1"), self.january, d("2026-01-20"), d("2026-01-10"))

    def test_slice_outside_the_period(self) -> None:
        with pytest.raises(PeriodError, match=r"start = .*within the billing period"):
            prorate(eur("1"), self.january, d("2025-12-31"), d("2026-01-10"))
        with pytest.raises(PeriodError, match=r"end = .*within the billing period"):
            prorate(eur("1"), self.january, d("2026-01-10"), d("2026-02-02"))

    def test_count_end_day_with_an_instant(self) -> None:
        policy = ProrationPolicy(basis="second", count_end_day=True)
        end = datetime(2026, 1, 20, tzinfo=timezone.utc)
        with pytest.raises(PeriodError, match=r"an instant has no end day"):
            prorate(eur("1"), self.january, d("2026-01-10"), end, policy)

    def test_floats_and_bare_numbers(self) -> None:
        with pytest.raises(ValidationError, match=r"amount = 0\.5: expected a Money"):
            prorate(0.5, self.january, d("2026-01-10"), d("2026-01-20"))  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match=r"amount"):
            prorate(Decimal(5), self.january, d("2026-01-10"), d("2026-01-20"))  # type: ignore[arg-type]

    def test_span_must_be_forward(self) -> None:
        with pytest.raises(PeriodError, match=r"after start"):
            prorate_span(eur("1"), CALENDAR_MONTHS, d("2026-01-10"), d("2026-01-10"))

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"basis": "hour"}, "basis"),
            ({"divisor": 30}, "divisor"),
            ({"slices": "nearest"}, "slices"),
            ({"count_end_day": 1}, "count_end_day"),
            ({"rounding": "half_up"}, "rounding"),
            ({"tz": "Mars/Olympus"}, "tz"),
        ],
    )
    def test_policy_fields_are_checked(self, kwargs: dict[str, object], field: str) -> None:
        with pytest.raises(PricingError) as info:
            ProrationPolicy(**kwargs)  # type: ignore[arg-type]
        assert info.value.field == field

    def test_policy_tz_accepts_a_name_an_offset_or_a_tzinfo(self) -> None:
        rome = ProrationPolicy(tz="Europe/Rome").tz
        assert rome == ZoneInfo("Europe/Rome")
        assert ProrationPolicy(tz="+03:00").tz.utcoffset(None) == timedelta(hours=3)
        assert ProrationPolicy(tz=timezone.utc).tz is timezone.utc

    def test_not_a_policy(self) -> None:
        with pytest.raises(PricingError, match=r"policy"):
            prorate(eur("1"), self.january, d("2026-01-10"), d("2026-01-20"), "day")  # type: ignore[arg-type]

    def test_policy_is_frozen_and_evolvable(self) -> None:
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            DEFAULT_PRORATION.basis = ProrationBasis.SECOND  # type: ignore[misc]
        assert attrs.evolve(DEFAULT_PRORATION, basis="second").basis is ProrationBasis.SECOND


def test_str_explains_the_slice() -> None:
    stub = leading_stub(rub("495.00"), CALENDAR_MONTHS, d("2023-04-02"))
    assert str(stub) == (
        "2023-04-02..2023-05-01 of 2023-04-01..2023-05-01: 495.00 x 29/30 days = 478.50 RUB"
    )
    assert isinstance(stub, Proration)


# ---------------------------------------------------------------- properties

CYCLES = [MONTHLY, QUARTERLY, YEARLY, WEEKLY, THIRTY_DAYS, Cycle(CycleUnit.MONTH, 2)]


def anchors() -> st.SearchStrategy[date]:
    """Anchor days, with month ends and leap days drawn often."""
    month_end = st.builds(
        lambda y, m, back: date(y, m, calendar.monthrange(y, m)[1]) - timedelta(days=back),
        st.integers(1999, 2031),
        st.integers(1, 12),
        st.integers(0, 3),  # the 28th to 31st
    )
    leap = st.sampled_from([date(2000, 2, 29), date(2024, 2, 29), date(2028, 2, 29)])
    anywhere = st.dates(min_value=date(1999, 1, 1), max_value=date(2031, 12, 31))
    return st.one_of(month_end, leap, anywhere)


def billings() -> st.SearchStrategy[BillingCycle]:
    return st.builds(BillingCycle.anniversary, st.sampled_from(CYCLES), anchors())


def policies(basis: str = "day") -> st.SearchStrategy[ProrationPolicy]:
    return st.builds(
        ProrationPolicy,
        basis=st.just(basis),
        rounding=st.one_of(st.none(), st.builds(RoundingPolicy, mode=rounding_modes())),
    )


@given(
    billing=billings(),
    n=st.integers(-3, 3),
    full=money(max_abs=10**7),
    policy=policies(),
    inclusive=st.booleans(),
)
def test_every_day_one_by_one_adds_up_to_the_full_price(
    billing: BillingCycle, n: int, full: Money, policy: ProrationPolicy, inclusive: bool
) -> None:
    period = billing.period(n)
    assume(period.days <= 92)  # years are covered by the partition property below
    policy = attrs.evolve(policy, count_end_day=inclusive)
    rounding = policy.rounding or RoundingPolicy()
    total = Decimal(0)
    for day in period.dates():
        end = day if inclusive else day + timedelta(days=1)
        slice_ = prorate(full, period, day, end, policy)
        assert slice_.units == 1
        total += slice_.amount.amount
    assert total == rounding.round_amount(full.amount, full.currency)


@given(
    billing=billings(),
    n=st.integers(-3, 3),
    full=money(max_abs=10**9),
    policy=policies(),
    cuts=st.lists(st.integers(0, 400), max_size=6),
)
def test_consecutive_slices_add_up_to_the_full_price(
    billing: BillingCycle, n: int, full: Money, policy: ProrationPolicy, cuts: list[int]
) -> None:
    period = billing.period(n)
    days = sorted({0, period.days, *(c % period.days for c in cuts)})
    dates = [period.start + timedelta(k) for k in days]
    slices = [prorate(full, period, a, b, policy) for a, b in itertools.pairwise(dates)]
    rounding = policy.rounding or RoundingPolicy()
    assert sum(s.amount.amount for s in slices) == rounding.round_amount(full.amount, full.currency)
    assert sum(s.units for s in slices) == period.days


@given(
    billing=billings(),
    n=st.integers(-2, 2),
    full=money(max_abs=10**9),
    mode=rounding_modes(),
    a=st.integers(0, 400),
    b=st.integers(0, 400),
)
def test_cumulative_is_within_one_minor_unit_of_independent(
    billing: BillingCycle, n: int, full: Money, mode: RoundingMode, a: int, b: int
) -> None:
    period = billing.period(n)
    lo, hi = sorted((a % (period.days + 1), b % (period.days + 1)))
    start, end = period.start + timedelta(lo), period.start + timedelta(hi)
    rounding = RoundingPolicy(mode=mode)
    cumulative = prorate(full, period, start, end, ProrationPolicy(rounding=rounding))
    independent = prorate(
        full, period, start, end, ProrationPolicy(rounding=rounding, slices="independent")
    )
    unit = rounding.quantum(full.currency)
    assert abs(cumulative.amount.amount - independent.amount.amount) <= unit
    assert cumulative.exact == independent.exact
    if lo == 0:  # a slice from the period start is rounded the same both ways
        assert cumulative.amount == independent.amount


@given(
    billing=billings(),
    n=st.integers(-2, 2),
    full=money(max_abs=10**9, allow_negative=False),
    policy=policies(),
    a=st.integers(0, 400),
    b=st.integers(0, 400),
)
def test_a_slice_never_costs_more_than_the_period_nor_less_than_zero(
    billing: BillingCycle, n: int, full: Money, policy: ProrationPolicy, a: int, b: int
) -> None:
    period = billing.period(n)
    lo, hi = sorted((a % (period.days + 1), b % (period.days + 1)))
    s = prorate(full, period, period.start + timedelta(lo), period.start + timedelta(hi), policy)
    rounding = policy.rounding or RoundingPolicy()
    assert Decimal(0) <= s.amount.amount <= rounding.round_amount(full.amount, full.currency)
    assert s.fraction == Fraction(hi - lo, period.days)


@given(
    billing=billings(),
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
    length=st.integers(1, 800),
    full=money(max_abs=10**7, allow_negative=False),
)
def test_spans_meet_end_to_end_and_whole_periods_cost_the_full_price(
    billing: BillingCycle, start: date, length: int, full: Money
) -> None:
    end = start + timedelta(days=length)
    charges = prorate_span(full, billing, start, end)
    assert charges[0].start == start
    assert charges[-1].end == end
    for before, after in itertools.pairwise(charges):
        assert before.end == after.start  # no gap, no overlap
        assert before.period.end == after.period.start
        assert before.period == billing.period_containing(before.period.start)
    assert sum(c.units for c in charges) == length
    for c in charges[1:-1]:
        assert c.whole
        assert c.amount == RoundingPolicy().round(full)
    for c in charges:
        assert c.period.start <= c.start < c.end <= c.period.end
    # The leading and trailing stubs are what the stub functions give.
    assert charges[0] == leading_stub(full, billing, start) or len(charges) == 1
    assert charges[-1] == trailing_stub(full, billing, end) or len(charges) == 1


@given(
    billing=billings(),
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
    full=money(max_abs=10**7),
)
def test_leading_and_trailing_stubs_of_one_period_add_up(
    billing: BillingCycle, day: date, full: Money
) -> None:
    # A service that ends on `day` and another that starts on it share the period.
    lead = leading_stub(full, billing, day)
    if lead.whole:  # `day` is an anchor date: the trailing stub is the previous period
        assert lead.start == lead.period.start
        return
    trail = trailing_stub(full, billing, day)
    assert trail.period == lead.period
    assert trail.end == lead.start
    assert trail.amount + lead.amount == RoundingPolicy().round(full)


@given(
    full=money(st.sampled_from(["EUR", "JPY", "KWD"]), max_abs=10**7),
    cuts=st.lists(st.integers(0, 30 * 86_400 * 10**6), min_size=1, max_size=5),
)
def test_by_second_slices_add_up_too(full: Money, cuts: list[int]) -> None:
    period = p("2026-04-01..2026-05-01")
    origin = datetime(2026, 4, 1, tzinfo=timezone.utc)
    instants = [origin + timedelta(microseconds=c) for c in sorted(set(cuts))]
    points: list[date | datetime] = [period.start, *instants, period.end]
    slices = [prorate(full, period, a, b, BY_SECOND) for a, b in itertools.pairwise(points)]
    assert sum(s.amount.amount for s in slices) == RoundingPolicy().round(full).amount
