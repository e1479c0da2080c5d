"""billkit.conventions: the presets, the bundle's checks, the day counts, catalogs.

Expected values come from the other systems' published rules and tests
(cited beside each) or from arithmetic shown in the comments.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.conventions import (
    BILLKIT,
    KILL_BILL,
    LAGO,
    STRIPE,
    AnchorRule,
    Conventions,
    DayCount,
    ProrationBasis,
    SliceRounding,
    SpanProration,
    preset,
)
from billkit.errors import CatalogError, PricingError, ValidationError
from billkit.pricing import ProrationPolicy, loads_catalog
from billkit.pricing.proration import DEFAULT_PRORATION

days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
month_days = st.integers(min_value=28, max_value=31)


class TestPresets:
    def test_billkit_is_every_default(self) -> None:
        assert Conventions(name="billkit") == BILLKIT
        assert ProrationPolicy.of(BILLKIT) == DEFAULT_PRORATION

    def test_each_system_is_its_documented_choice(self) -> None:
        # Lago: Utils::Datetime.date_diff_with_timezone counts the to_date's day
        # (ceil of a period ending 23:59:59) and CreditNotes::CreateFromTermination
        # credits from the day after termination: the end day is charged. Each
        # fee's amount_cents is precise_amount_cents.round: rounded on its own.
        assert (LAGO.count_end_day, LAGO.slices) == (True, SliceRounding.INDEPENDENT)
        assert (LAGO.anchor, LAGO.span) == (AnchorRule.KEEP_DAY, SpanProration.PERIOD_BY_PERIOD)
        # Kill Bill: InvoiceDateUtils (previousBillingCycleDate = next.minus(period);
        # trailing proration over previousBillThroughDate.plus(period)).
        # Its invoice generator bills leading stub, whole periods, trailing stub
        # (TestDoubleProRation): period by period.
        assert (KILL_BILL.anchor, KILL_BILL.span) == (
            AnchorRule.FROM_CLAMPED,
            SpanProration.PERIOD_BY_PERIOD,
        )
        assert KILL_BILL.day_count is DayCount.ACTUAL  # fixed days default to 0 (off)
        # Stripe: "calculates proration down to the second" (docs.stripe.com/billing/scripts/prorations).
        assert STRIPE.basis is ProrationBasis.SECOND

    @pytest.mark.parametrize("conventions", [BILLKIT, LAGO, KILL_BILL, STRIPE])
    def test_preset_by_name(self, conventions: Conventions) -> None:
        assert preset(conventions.name) is conventions

    @pytest.mark.parametrize("name", ["Kill Bill", "chargebee", "", 3, None])
    def test_an_unknown_preset_is_refused_by_name(self, name: object) -> None:
        with pytest.raises(ValidationError) as caught:
            preset(name)  # type: ignore[arg-type]
        assert caught.value.field == "conventions"
        assert "'kill_bill'" in caught.value.expected


class TestTheBundleRefuses:
    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"basis": "hour"}, "basis"),
            ({"count_end_day": 1}, "count_end_day"),
            ({"month_days": 27}, "month_days"),
            ({"month_days": 32}, "month_days"),
            ({"month_days": True}, "month_days"),
            ({"span": "whole"}, "span"),
            ({"anchor": "clamped"}, "anchor"),
            ({"name": " lago"}, "name"),
            ({"day_count": "fixed_month", "basis": "second"}, "day_count"),
            ({"day_count": "fixed_month", "divisor": "30_day_month"}, "day_count"),
        ],
    )
    def test_bad_fields(self, fields: dict[str, object], field: str) -> None:
        with pytest.raises(ValidationError) as caught:
            Conventions(**fields)  # type: ignore[arg-type]
        assert caught.value.field == field
        # The proration policy refuses the same, as a PricingError.
        fields.pop("name", None)
        if fields:
            with pytest.raises(PricingError):
                ProrationPolicy(**fields)  # type: ignore[arg-type]

    def test_of_needs_a_bundle(self) -> None:
        with pytest.raises(PricingError, match="conventions"):
            ProrationPolicy.of("kill_bill")  # type: ignore[arg-type]


class TestFixedMonthDayCount:
    """Kill Bill's TestInvoiceDateUtilsWithFixedProration (invoice module), fixed days 30 and 28:
    github.com/killbill/killbill, invoice/src/test/java/org/killbill/billing/invoice/generator/.
    """

    @pytest.mark.parametrize(
        ("start", "end", "fixed", "expected"),
        [
            # testDaysBetweenWithFixedDaysInMonthForSameMonth: 23 - 15 = 8, Feb too
            (date(2023, 5, 15), date(2023, 5, 23), 30, 8),
            (date(2023, 2, 15), date(2023, 2, 23), 30, 8),
            (date(2024, 2, 15), date(2024, 2, 23), 30, 8),
            # ...ForDifferentMonths: 30 - 23 + 15 = 22, whatever the month's length
            (date(2023, 5, 23), date(2023, 6, 15), 30, 22),
            (date(2023, 6, 23), date(2023, 7, 15), 30, 22),
            (date(2023, 2, 23), date(2023, 3, 15), 30, 22),
            (date(2024, 2, 23), date(2024, 3, 15), 30, 22),
            # ...FixedDaysInMonth28: 28 - 23 + 15 = 20
            (date(2023, 5, 23), date(2023, 6, 15), 28, 20),
            (date(2023, 6, 23), date(2023, 7, 15), 28, 20),
            (date(2023, 2, 23), date(2023, 3, 15), 28, 20),
            (date(2024, 2, 23), date(2024, 3, 15), 28, 20),
        ],
    )
    def test_kill_bills_published_counts(
        self, start: date, end: date, fixed: int, expected: int
    ) -> None:
        assert DayCount.FIXED_MONTH.days(start, end, month_days=fixed) == expected

    def test_differs_from_actual_days_over_30(self) -> None:
        # 23 May -> 15 June: 23 actual days (8 of May + 15 of June), 22 fixed ones.
        assert DayCount.ACTUAL.days(date(2023, 5, 23), date(2023, 6, 15)) == 23
        assert DayCount.FIXED_MONTH.days(date(2023, 5, 23), date(2023, 6, 15)) == 22

    @given(days, days, days, month_days)
    def test_consecutive_counts_add_up(self, a: date, b: date, c: date, fixed: int) -> None:
        a, b, c = sorted((a, b, c))
        count = DayCount.FIXED_MONTH.days
        assert count(a, b, month_days=fixed) + count(b, c, month_days=fixed) == count(
            a, c, month_days=fixed
        )

    @given(days, st.integers(min_value=1, max_value=40), month_days)
    def test_consecutive_billing_periods_count_a_fixed_month_each(
        self, anchor: date, n: int, fixed: int
    ) -> None:
        # Periods on a day every month has (1st to 28th) count `fixed` days each,
        # so n of them count n x fixed, however long the real months are.
        from billkit.periods import MONTHLY

        anchor = anchor.replace(day=min(anchor.day, 28))
        starts = [MONTHLY.add(anchor, k) for k in range(n + 1)]
        counts = [
            DayCount.FIXED_MONTH.days(s, e, month_days=fixed) for s, e in itertools.pairwise(starts)
        ]
        assert counts == [fixed] * n
        assert DayCount.FIXED_MONTH.days(starts[0], starts[-1], month_days=fixed) == n * fixed

    @given(days, st.integers(min_value=0, max_value=27))
    def test_within_a_month_both_counts_agree(self, start: date, more: int) -> None:
        end = start + timedelta(days=more)
        if end.month == start.month:
            assert DayCount.FIXED_MONTH.days(start, end) == DayCount.ACTUAL.days(start, end)

    def test_refuses_what_is_not_a_date_or_a_month_length(self) -> None:
        with pytest.raises(ValidationError, match="month_days"):
            DayCount.FIXED_MONTH.days(date(2026, 1, 1), date(2026, 2, 1), month_days=20)
        with pytest.raises(ValidationError, match="start"):
            DayCount.ACTUAL.days("2026-01-01", date(2026, 2, 1))  # type: ignore[arg-type]


class TestCatalogs:
    TEXT = """
{head}
[[plans]]
code = "pro"
name = "Pro"
currency = "EUR"
base_fee = "49.00"
{plan}
"""

    def test_a_catalog_key_selects_a_preset_for_every_plan(self) -> None:
        catalog = loads_catalog(self.TEXT.format(head='conventions = "kill_bill"', plan=""))
        assert catalog["pro"].conventions is KILL_BILL

    def test_a_plan_may_name_its_own(self) -> None:
        text = self.TEXT.format(head='conventions = "kill_bill"', plan='conventions = "stripe"')
        assert loads_catalog(text)["pro"].conventions is STRIPE

    def test_without_the_key_the_defaults(self) -> None:
        assert loads_catalog(self.TEXT.format(head="", plan=""))["pro"].conventions is BILLKIT

    @pytest.mark.parametrize("fmt", ["toml", "json"])
    def test_round_trip(self, fmt: str) -> None:
        from billkit.pricing.catalog import dumps_catalog
        from billkit.pricing.catalog import loads_catalog as loads

        custom = 'conventions = { name = "mine", day_count = "fixed_month", month_days = 28 }'
        catalog = loads_catalog(self.TEXT.format(head="", plan=custom))
        assert catalog["pro"].conventions == Conventions(
            name="mine", day_count="fixed_month", month_days=28
        )
        assert loads(dumps_catalog(catalog, fmt), fmt) == catalog  # type: ignore[arg-type]
        lago = loads_catalog(self.TEXT.format(head='conventions = "lago"', plan=""))
        assert '"lago"' in dumps_catalog(lago, "json")
        assert loads(dumps_catalog(lago, fmt), fmt) == lago  # type: ignore[arg-type]

    @pytest.mark.parametrize("value", ['"chargebee"', "3"])
    def test_a_bad_preset_names_the_key(self, value: str) -> None:
        with pytest.raises(CatalogError) as caught:
            loads_catalog(self.TEXT.format(head=f"conventions = {value}", plan=""))
        assert "conventions" in caught.value.field


def test_evolve_keeps_the_checks() -> None:
    with pytest.raises(ValidationError):
        attrs.evolve(KILL_BILL, day_count="fixed_month", basis="second")
