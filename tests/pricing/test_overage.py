"""Tests for billkit.pricing.overage: overage lines, composed usage, the cheapest
plan, automatic upgrades and upgrade advice.

The attribution business (REQUIREMENTS 5, the demo catalog's plans) and the
messaging business (REQUIREMENTS 4) are the worked examples; the arithmetic
of every figure is in the comment beside it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.demo import demo_catalog
from billkit.errors import CurrencyMismatchError, PricingError, UnknownMetricError
from billkit.money import Money
from billkit.periods import Period
from billkit.pricing import Charge, Plan, cheapest_plan, quote
from billkit.pricing.models import AnyModel
from billkit.pricing.overage import (
    CompositeMetric,
    auto_upgrade,
    measure_overage,
    overage_charge,
    upgrade_advice,
)
from billkit.pricing.proration import fixed_fee
from tests.strategies.pricing import (
    cycles,
    flats,
    graduated,
    packages,
    per_units,
    periods_for,
    prices,
    quantities,
    volumes,
)

CATALOG = demo_catalog()
STARTER = CATALOG["attribution-starter"]
GROWTH = CATALOG["attribution-growth"]
MESSAGING = CATALOG["growth-monthly"]
THIRTY_DAYS = Period(date(2026, 3, 21), date(2026, 4, 20))
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
ATTRIBUTIONS = CompositeMetric(
    metric="attributions",
    parts=["non_organic_installs", "reattributions", "rejected_installs"],
)


def irr(amount: int) -> Money:
    return Money(Decimal(amount), "IRR")


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


class TestAttribution:
    """Starter: 450 000 000 IRR per 30 days, 10 000 attributions, 52 000 each above,
    analytics at 10 % + 15 % of the fee. Growth: 1 050 000 000, 30 000 included,
    38 000 above, analytics 8 % + 12 %. Whole rials."""

    counters: ClassVar[dict[str, int]] = {
        "non_organic_installs": 9200,
        "reattributions": 1400,
        "rejected_installs": 650,
    }

    def test_billable_attributions_are_composed_from_three_counters(self) -> None:
        # 9 200 + 1 400 + 650 = 11 250.
        assert ATTRIBUTIONS.total(self.counters) == 11_250
        assert ATTRIBUTIONS.apply(self.counters) == {"attributions": Decimal(11_250)}

    def test_overage_is_a_separate_line(self) -> None:
        bill = quote(STARTER, ATTRIBUTIONS.apply(self.counters), THIRTY_DAYS)
        assert [ln.code for ln in bill.lines] == ["base", "overage", "cohorts", "fraud"]
        # 1 250 over x 52 000 = 65 000 000.
        assert bill.line("overage").billable == 1250
        assert bill.line("overage").amount == irr(65_000_000)
        # 450 000 000 + 65 000 000 + 45 000 000 + 67 500 000.
        assert bill.total == irr(627_500_000)
        over = measure_overage(STARTER, ATTRIBUTIONS.apply(self.counters), THIRTY_DAYS)
        assert (over.used, over.included, over.over) == (
            Decimal(11_250),
            Decimal(10_000),
            Decimal(1_250),
        )
        assert over.amount == irr(65_000_000)
        assert over.lines == ("overage",)

    def test_automatic_upgrade_when_the_higher_plan_bills_less(self) -> None:
        usage = {"attributions": 25_000}
        result = auto_upgrade(
            STARTER, usage, THIRTY_DAYS, ladder=[STARTER, GROWTH], threshold=5_000
        )
        # Starter: 450 000 000 + 15 000 x 52 000 + 45 000 000 + 67 500 000 = 1 342 500 000.
        # Growth:  1 050 000 000 + 0 + 84 000 000 + 126 000 000 = 1 260 000 000.
        assert result.upgraded
        assert result.billed is GROWTH
        assert result.original_quote.total == irr(1_342_500_000)
        assert result.quote.total == irr(1_260_000_000)
        assert result.saved == irr(82_500_000)
        assert result.overage.over == 15_000
        assert "reached the threshold of 5000" in result.reason
        assert str(result).splitlines()[-1] == (
            "  attribution-starter would have billed 1342500000; saved 82500000"
        )

    @pytest.mark.parametrize(
        ("attributions", "upgraded", "saved"),
        [
            # Starter's fixed part is 450 + 45 + 67.5 = 562 500 000; it equals Growth's
            # 1 260 000 000 when (x - 10 000) x 52 000 = 697 500 000, i.e. x = 23 413.46.
            (23_413, False, 0),  # 562 500 000 + 13 413 x 52 000 = 1 259 976 000 < Growth
            (23_414, True, 28_000),  # 562 500 000 + 13 414 x 52 000 = 1 260 028 000
        ],
    )
    def test_the_break_even_point(self, attributions: int, upgraded: bool, saved: int) -> None:
        result = auto_upgrade(
            STARTER,
            {"attributions": attributions},
            THIRTY_DAYS,
            ladder=[STARTER, GROWTH],
            threshold=5_000,
        )
        assert result.upgraded is upgraded
        assert result.saved == irr(saved)
        if not upgraded:
            assert result.reason.endswith("no higher plan bills less")
            assert result.comparison is not None

    def test_below_the_threshold_nothing_moves(self) -> None:
        # 15 000 over, but the threshold is 20 000: Starter is billed even though
        # Growth would bill less.
        result = auto_upgrade(
            STARTER,
            {"attributions": 25_000},
            THIRTY_DAYS,
            ladder=[STARTER, GROWTH],
            threshold=20_000,
        )
        assert not result.upgraded
        assert result.billed is STARTER
        assert result.reason.endswith("below the threshold of 20000")
        assert result.comparison is None

    def test_within_the_allowance(self) -> None:
        result = auto_upgrade(
            STARTER, {"attributions": 9_000}, THIRTY_DAYS, ladder=[STARTER, GROWTH], threshold=0
        )
        assert not result.upgraded
        assert "within attribution-starter's 10000" in result.reason

    def test_top_of_the_ladder(self) -> None:
        result = auto_upgrade(
            GROWTH, {"attributions": 90_000}, THIRTY_DAYS, ladder=[STARTER, GROWTH], threshold=1
        )
        assert not result.upgraded
        assert result.reason.endswith("no higher plan in the ladder")

    def test_cheapest_plan_across_volumes(self) -> None:
        small = cheapest_plan([STARTER, GROWTH], {"attributions": 11_250}, THIRTY_DAYS)
        assert small.plan is STARTER
        assert small.totals() == {
            "attribution-starter": irr(627_500_000),
            "attribution-growth": irr(1_260_000_000),
        }
        assert small.saving("attribution-growth") == irr(632_500_000)
        large = cheapest_plan([STARTER, GROWTH], {"attributions": 25_000}, THIRTY_DAYS)
        assert large.plan is GROWTH
        assert large.total == irr(1_260_000_000)


class TestBlocks:
    @pytest.mark.parametrize(
        ("contacts", "blocks"),
        [(1000, "0.00"), (1001, "20.00"), (1100, "20.00"), (1101, "40.00"), (1250, "60.00")],
    )
    def test_on_demand_blocks_of_100(self, contacts: int, blocks: str) -> None:
        # Blocks of 100 contacts above the 1 000 included, 20.00 each, a started block whole.
        bill = quote(MESSAGING, {"monthly_active_contacts": contacts}, MARCH)
        assert bill.line("mac-blocks").amount == eur(blocks)

    def test_overage_charge_builds_the_same_line(self) -> None:
        blocks = overage_charge(
            "mac-blocks", "monthly_active_contacts", included=1000, price=eur("20.00"), block=100
        )
        assert blocks.model == MESSAGING.charge("mac-blocks").model  # type: ignore[union-attr]
        assert blocks.included == 1000


class TestUpgradeAdvice:
    """Growth (99.00, 1 000 contacts, blocks of 100 at 20.00) and an illustrative
    Advanced (189.00, 3 000 contacts, blocks at 15.00), in April (30 days)."""

    growth = Plan(
        code="growth",
        name="Growth",
        currency="EUR",
        base_fee=eur("99.00"),
        charges=[
            overage_charge("blocks", "contacts", included=1000, price=eur("20.00"), block=100)
        ],
    )
    advanced = Plan(
        code="advanced",
        name="Advanced",
        currency="EUR",
        base_fee=eur("189.00"),
        charges=[
            overage_charge("blocks", "contacts", included=3000, price=eur("15.00"), block=100)
        ],
    )
    april = Period(date(2026, 4, 1), date(2026, 5, 1))

    def test_switching_before_the_overage_grows(self) -> None:
        advice = upgrade_advice(
            self.growth,
            self.advanced,
            {"contacts": 1200},
            self.april,
            date(2026, 4, 11),
            projected={"contacts": 2800},
        )
        # Stay: 2 800 - 1 000 = 1 800 over = 18 blocks x 20.00 = 360.00.
        assert advice.stay == eur("360.00")
        # Switch on the 11th (20 of 30 days left): 189.00 x 20/30 = 126.00 charged,
        # 99.00 x 20/30 = 66.00 credited, 2 blocks (200 over so far) = 40.00 billed
        # at once, and the other 1 600 contacts within Advanced's 3 000: 0.00.
        assert advice.switch == eur("100.00")
        assert advice.saving == eur("260.00")
        assert advice.worth_it

    def test_without_a_forecast_switching_costs_the_fee_difference(self) -> None:
        advice = upgrade_advice(
            self.growth, self.advanced, {"contacts": 1200}, self.april, date(2026, 4, 11)
        )
        # Stay: the 40.00 already used. Switch: 126.00 - 66.00 + 40.00 = 100.00.
        assert advice.stay == eur("40.00")
        assert advice.switch == eur("100.00")
        assert advice.saving == eur("-60.00")
        assert not advice.worth_it
        assert "stay" in advice.explain().splitlines()[0]

    def test_the_forecast_cannot_be_below_the_usage_so_far(self) -> None:
        with pytest.raises(PricingError, match=r"projected\['contacts'\] = Decimal\('900'\)"):
            upgrade_advice(
                self.growth,
                self.advanced,
                {"contacts": 1200},
                self.april,
                date(2026, 4, 11),
                projected={"contacts": 900},
            )

    def test_both_plans_share_a_cycle(self) -> None:
        yearly = attrs.evolve(self.advanced, cycle="yearly")
        with pytest.raises(PricingError, match=r"candidate.cycle"):
            upgrade_advice(self.growth, yearly, {}, self.april, date(2026, 4, 11))

    def test_events_are_refused(self) -> None:
        with pytest.raises(PricingError, match=r"totals, not events"):
            upgrade_advice(
                self.growth, self.advanced, {"contacts": [1, 2]}, self.april, date(2026, 4, 11)
            )


class TestRefusals:
    def test_a_missing_counter_is_not_zero(self) -> None:
        with pytest.raises(PricingError, match=r"counters\['rejected_installs'\] = None"):
            ATTRIBUTIONS.total({"non_organic_installs": 1, "reattributions": 2})

    def test_negative_and_float_counters(self) -> None:
        with pytest.raises(PricingError, match=r"0 or more"):
            ATTRIBUTIONS.total(
                {"non_organic_installs": -1, "reattributions": 0, "rejected_installs": 0}
            )
        with pytest.raises(ValueError, match=r"floats are inexact"):
            ATTRIBUTIONS.total(
                {"non_organic_installs": 1.0, "reattributions": 0, "rejected_installs": 0}
            )

    def test_the_composed_metric_is_not_also_reported(self) -> None:
        with pytest.raises(PricingError, match=r"counters\['attributions'\]"):
            ATTRIBUTIONS.apply(
                {
                    "attributions": 5,
                    "non_organic_installs": 1,
                    "reattributions": 0,
                    "rejected_installs": 0,
                }
            )

    @pytest.mark.parametrize("parts", [[], "installs", ["a", "a"], ["a", ""]])
    def test_parts(self, parts: object) -> None:
        with pytest.raises(PricingError, match=r"parts"):
            CompositeMetric(metric="m", parts=parts)

    def test_cheapest_plan_refuses_mixed_currencies_and_duplicates(self) -> None:
        with pytest.raises(CurrencyMismatchError, match=r"plans\[1\].currency = 'EUR'"):
            cheapest_plan([STARTER, MESSAGING], {}, THIRTY_DAYS)
        with pytest.raises(PricingError, match=r"plans\[1\].code"):
            cheapest_plan([STARTER, STARTER], {}, THIRTY_DAYS)
        with pytest.raises(PricingError, match=r"one or more Plans"):
            cheapest_plan([], {}, THIRTY_DAYS)

    def test_a_plan_that_does_not_price_a_metric_is_not_a_free_candidate(self) -> None:
        fee_only = Plan(code="fee", name="Fee", currency="IRR", cycle="30 days",
                        base_fee=irr(1))  # fmt: skip
        with pytest.raises(UnknownMetricError, match=r"usage\['attributions'\]"):
            cheapest_plan([STARTER, fee_only], {"attributions": 1}, THIRTY_DAYS)

    def test_auto_upgrade_needs_the_plan_in_its_ladder(self) -> None:
        with pytest.raises(PricingError, match=r"a plan of the ladder"):
            auto_upgrade(STARTER, {}, THIRTY_DAYS, ladder=[GROWTH], threshold=1)
        with pytest.raises(PricingError, match=r"threshold"):
            auto_upgrade(STARTER, {}, THIRTY_DAYS, ladder=[STARTER, GROWTH], threshold=-1)

    def test_measure_overage_needs_an_unambiguous_metric(self) -> None:
        two = Plan(
            code="two",
            name="Two",
            currency="EUR",
            charges=[
                overage_charge("a", "a", included=1, price=eur("1")),
                overage_charge("b", "b", included=1, price=eur("1")),
            ],
        )
        with pytest.raises(PricingError, match=r"allowances on \['a', 'b'\]"):
            measure_overage(two, {}, MARCH)
        assert measure_overage(two, {"b": 3}, MARCH, "b").over == 2
        with pytest.raises(PricingError, match=r"metric = 'c'"):
            measure_overage(two, {}, MARCH, "c")


# ---------------------------------------------------------------- properties


def _models(currency: str) -> st.SearchStrategy[AnyModel]:
    return st.one_of(
        flats(currency), per_units(currency), graduated(currency), volumes(currency),
        packages(currency),
    )  # fmt: skip


@st.composite
def candidates(draw: st.DrawFn) -> tuple[list[Plan], Period]:
    """2 to 6 plans in one currency and cycle, each pricing the metric 'units'."""
    currency = draw(st.sampled_from(["EUR", "JPY", "KWD", "IRR"]))
    cycle = draw(cycles())
    n = draw(st.integers(2, 6))
    out = []
    for i in range(n):
        charge = Charge(
            code="units",
            metric="units",
            model=draw(_models(currency)),
            included=draw(st.one_of(st.just(Decimal(0)), quantities(max_value=5_000))),
        )
        base = draw(st.none() | prices(currency, max_value=10_000, max_places=2))
        out.append(
            Plan(code=f"p{i}", name=f"P{i}", currency=currency, cycle=cycle, base_fee=base,
                 charges=[charge])
        )  # fmt: skip
    return out, draw(periods_for(cycle))


@settings(max_examples=80)
@given(found=candidates(), units=quantities(max_value=50_000), data=st.data())
def test_the_cheapest_plan_is_never_more_expensive_than_any_candidate(
    found: tuple[list[Plan], Period], units: Decimal, data: st.DataObject
) -> None:
    plans, period = found
    usage = {"units": units}
    result = cheapest_plan(plans, usage, period)
    totals = [quote(plan, usage, period).total for plan in plans]
    assert list(result.totals().values()) == totals
    for total in totals:
        assert result.total.amount <= total.amount
    first = min(range(len(plans)), key=lambda i: (totals[i].amount, i))
    assert result.plan is plans[first]  # the earliest on a tie
    shuffled = data.draw(st.permutations(plans))
    assert cheapest_plan(shuffled, usage, period).total == result.total


@settings(max_examples=80)
@given(
    found=candidates(),
    units=quantities(max_value=50_000),
    threshold=st.integers(0, 5_000),
    start=st.integers(0, 5),
)
def test_an_automatic_upgrade_never_bills_more(
    found: tuple[list[Plan], Period], units: Decimal, threshold: int, start: int
) -> None:
    ladder, period = found
    plan = ladder[start % len(ladder)]
    usage = {"units": units}
    result = auto_upgrade(plan, usage, period, ladder=ladder, threshold=threshold)
    original = quote(plan, usage, period).total
    assert result.original_quote.total == original
    assert result.saved == original - result.quote.total
    assert result.saved.amount >= 0
    higher = ladder[ladder.index(plan) + 1 :]
    if result.upgraded:
        assert result.billed in higher
        assert result.overage.over >= threshold
        assert result.saved.amount > 0
        assert result.quote.total.amount == min(
            quote(p, usage, period).total.amount for p in higher
        )
    elif result.overage.over >= threshold and result.overage.over > 0 and higher:
        # Reached, but no higher plan bills less.
        assert all(quote(p, usage, period).total.amount >= original.amount for p in higher)


@settings(max_examples=60)
@given(
    found=candidates(),
    so_far=quantities(max_value=20_000),
    more=quantities(max_value=20_000),
    day=st.integers(0, 400),
)
def test_upgrade_advice_adds_up(
    found: tuple[list[Plan], Period], so_far: Decimal, more: Decimal, day: int
) -> None:
    (current, candidate, *_), period = found
    on = date.fromordinal(period.start.toordinal() + day % period.days)
    advice = upgrade_advice(
        current, candidate, {"units": so_far}, period, on, projected={"units": so_far + more}
    )
    change = advice.change
    assert change.credit is not None
    assert change.charge is not None
    assert advice.stay == quote(current, {"units": so_far + more}, period).total - fixed_fee(
        current, period
    )
    assert advice.saving == advice.stay - advice.switch
    # Without a forecast the saving is the credit less the charge: the usage so far
    # is billed on the current plan either way.
    plain = upgrade_advice(current, candidate, {"units": so_far}, period, on)
    assert plain.saving == change.credit.amount - change.charge.amount
