"""Tests for billkit.pricing.models: worked examples with the arithmetic shown,
validation that names the field, then properties.

Every expected figure is computed in the comment beside it. ``price()`` is
exact (never rounded): a quote rounds each line once, so the examples compare
exact amounts, and ``Money`` compares by value (``Money('10.00') ==
Money('10.000')``).
"""

from __future__ import annotations

import decimal
from decimal import Decimal

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from billkit.errors import (
    CurrencyMismatchError,
    MoneyError,
    PricingCurrencyError,
    PricingError,
    UnknownCurrencyError,
    ValidationError,
)
from billkit.money import Money
from billkit.pricing import Flat, Graduated, Package, Percentage, PerUnit, Tier, Volume
from billkit.pricing.models import Breakdown, PriceModel, Step
from tests.strategies.pricing import (
    currencies,
    graduated,
    packages,
    per_units,
    percentages,
    prices,
    quantities,
    tier_lists,
    volumes,
)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def rub(amount: str) -> Money:
    return Money(amount, "RUB")


def step_total(breakdown: Breakdown) -> Money:
    total = Money(0, breakdown.amount.currency)
    for step in breakdown.steps:
        total = Money(total.amount + step.amount.amount, total.currency)
    return total


# API calls: the first 1 000 at 0.01, up to 10 000 at 0.008, above at 0.005.
API_TIERS = [
    Tier(up_to=1000, unit_price=eur("0.01")),
    Tier(up_to=10000, unit_price=eur("0.008")),
    Tier(up_to=None, unit_price=eur("0.005")),
]

# Seats, priced as a whole by the tier the count falls in.
SEAT_TIERS = [
    Tier(up_to=10, unit_price=eur("10")),
    Tier(up_to=50, unit_price=eur("8")),
    Tier(up_to=None, unit_price=eur("6")),
]

# Tiers with a flat fee each: 5 to enter the first, 20 the second, 50 the third.
FEE_TIERS = [
    Tier(up_to=10, unit_price=eur("0"), flat_fee=eur("5")),
    Tier(up_to=100, unit_price=eur("1.00"), flat_fee=eur("20")),
    Tier(up_to=None, unit_price=eur("0.50"), flat_fee=eur("50")),
]


# ---------------------------------------------------------------- Flat, PerUnit


class TestFlat:
    def test_same_amount_whatever_the_quantity(self) -> None:
        fee = Flat(amount=Money("490.00", "USD"))
        assert fee.price(0) == fee.price(1) == fee.price("1e6") == Money("490.00", "USD")

    def test_explain_is_one_flat_step(self) -> None:
        breakdown = Flat(amount=rub("10000.00")).explain()
        assert breakdown.model == "flat"
        assert [s.label for s in breakdown.steps] == ["flat"]
        assert breakdown.amount == step_total(breakdown) == rub("10000.00")

    def test_quantity_is_still_checked(self) -> None:
        with pytest.raises(PricingError, match=r"^quantity = -1: expected a quantity of zero"):
            Flat(amount=eur("1")).price(-1)


class TestPerUnit:
    def test_fractional_gigabytes(self) -> None:
        # 2.5 GB x 0.05 = 0.125: exact, not rounded to cents.
        assert PerUnit(unit_price=eur("0.05")).price("2.5").amount == Decimal("0.125")

    def test_quarter_hours(self) -> None:
        # 0.25 hours x 12.00 = 3.00
        assert PerUnit(unit_price=eur("12.00")).price(Decimal("0.25")) == eur("3.00")

    def test_explain(self) -> None:
        breakdown = PerUnit(unit_price=eur("0.05")).explain("2.5")
        (step,) = breakdown.steps
        assert (step.units, step.unit_price, step.amount) == (
            Decimal("2.5"),
            eur("0.05"),
            eur("0.125"),
        )
        assert str(step) == "per unit: 2.5 x 0.05 = 0.125"


# ---------------------------------------------------------------- Graduated


class TestGraduated:
    model = Graduated(tiers=API_TIERS)

    @pytest.mark.parametrize(
        ("quantity", "expected"),
        [
            ("0", "0"),
            ("1", "0.01"),  # 1 x 0.01
            ("1000", "10.00"),  # 1000 x 0.01: the bound is inclusive, all in tier 1
            ("1001", "10.008"),  # 10.00 + 1 x 0.008
            ("10000", "82.000"),  # 10.00 + 9000 x 0.008 = 10 + 72
            ("10001", "82.005"),  # 82.00 + 1 x 0.005
            ("25000", "157.000"),  # 82.00 + 15000 x 0.005 = 82 + 75
            ("1000.5", "10.004"),  # 10.00 + 0.5 x 0.008
        ],
    )
    def test_tier_boundaries(self, quantity: str, expected: str) -> None:
        assert self.model.price(quantity).amount == Decimal(expected)

    def test_exactly_at_a_bound_enters_only_the_lower_tier(self) -> None:
        at = self.model.explain(1000)
        above = self.model.explain(1001)
        assert [s.tier for s in at.steps] == [1]
        assert [(s.tier, s.units) for s in above.steps] == [(1, 1000), (2, 1)]

    def test_fractional_storage(self) -> None:
        # The first 1 GB is free, then 0.10 per GB: 2.5 GB -> 1.5 x 0.10 = 0.15.
        storage = Graduated(
            tiers=[Tier(up_to=1, unit_price=eur("0")), Tier(unit_price=eur("0.10"))]
        )
        assert storage.price("2.5") == eur("0.15")
        # 0.25 GB stays in the free tier.
        assert storage.price("0.25") == eur("0")

    def test_quarter_hours_across_a_bound(self) -> None:
        # The first 10 hours at 3.00, then 2.00: 10.25 h -> 30.00 + 0.25 x 2.00 = 30.50.
        hours = Graduated(
            tiers=[Tier(up_to=10, unit_price=eur("3.00")), Tier(unit_price=eur("2.00"))]
        )
        assert hours.price("10.25") == eur("30.50")
        assert hours.price("0.25") == eur("0.75")  # 0.25 x 3.00

    @pytest.mark.parametrize(
        ("quantity", "expected"),
        [
            ("0", "0"),  # no tier entered
            ("2.5", "5"),  # tier 1 entered: its fee 5, units free
            ("10", "5"),  # still only tier 1 (inclusive bound)
            ("10.5", "25.5"),  # 5 + (0.5 x 1.00 + 20)
            ("100", "115"),  # 5 + (90 x 1.00 + 20)
            ("150", "190"),  # 115 + (50 x 0.50 + 50) = 115 + 75
        ],
    )
    def test_flat_fee_per_entered_tier(self, quantity: str, expected: str) -> None:
        assert Graduated(tiers=FEE_TIERS).price(quantity).amount == Decimal(expected)

    def test_flat_fee_at_zero_off(self) -> None:
        model = Graduated(tiers=FEE_TIERS)
        assert model.flat_fee_at_zero is False
        assert model.price(0) == eur("0")
        assert model.explain(0).steps == ()

    def test_flat_fee_at_zero_on(self) -> None:
        model = Graduated(tiers=FEE_TIERS, flat_fee_at_zero=True)
        # Zero usage still pays the first tier's fee (a minimum): 5.
        assert model.price(0) == eur("5")
        (step,) = model.explain(0).steps
        assert (step.tier, step.units, step.amount) == (1, 0, eur("5"))
        # Above zero the switch changes nothing: 150 -> 190 as without it.
        assert model.price(150) == Graduated(tiers=FEE_TIERS).price(150)

    def test_explain_steps_add_up_and_name_the_tiers(self) -> None:
        breakdown = Graduated(tiers=FEE_TIERS).explain(150)
        assert breakdown.amount == step_total(breakdown) == eur("190")
        assert [s.label for s in breakdown.steps] == [
            "tier 1 (0 to 10)",
            "tier 2 (10 to 100)",
            "tier 3 (above 100)",
        ]
        assert [s.tier for s in breakdown.steps] == [1, 2, 3]
        assert [s.units for s in breakdown.steps] == [10, 90, 50]
        assert [s.amount for s in breakdown.steps] == [eur("5"), eur("110"), eur("75")]
        assert str(breakdown) == (
            "graduated, quantity 150: 190.00 EUR\n"
            "  tier 1 (0 to 10): 10 x 0 + 5 = 5\n"
            "  tier 2 (10 to 100): 90 x 1.00 + 20 = 110.00\n"
            "  tier 3 (above 100): 50 x 0.50 + 50 = 75.00"
        )

    def test_one_unbounded_tier(self) -> None:
        assert Graduated(tiers=[Tier(unit_price=eur("2"))]).price(7) == eur("14")  # 7 x 2


# ---------------------------------------------------------------- Volume


class TestVolume:
    model = Volume(tiers=SEAT_TIERS)

    @pytest.mark.parametrize(
        ("quantity", "expected", "tier"),
        [
            ("1", "10", 1),  # 1 x 10
            ("10", "100", 1),  # 10 x 10: the bound is inclusive
            ("10.5", "84.0", 2),  # 10.5 x 8: all units at tier 2's price
            ("11", "88", 2),  # 11 x 8, cheaper than 10 seats
            ("50", "400", 2),  # 50 x 8
            ("51", "306", 3),  # 51 x 6
        ],
    )
    def test_exact_boundaries(self, quantity: str, expected: str, tier: int) -> None:
        assert self.model.price(quantity).amount == Decimal(expected)
        (step,) = self.model.explain(quantity).steps
        assert step.tier == tier
        assert step.units == Decimal(quantity)

    def test_zero(self) -> None:
        assert self.model.price(0) == eur("0")

    def test_flat_fee_of_the_tier_hit(self) -> None:
        tiers = [
            Tier(up_to=10, unit_price=eur("10"), flat_fee=eur("5")),
            Tier(unit_price=eur("8"), flat_fee=eur("3")),
        ]
        model = Volume(tiers=tiers)
        assert model.price(10) == eur("105")  # 10 x 10 + 5
        assert model.price(11) == eur("91")  # 11 x 8 + 3: only the tier hit
        (step,) = model.explain(11).steps
        assert step.flat_fee == eur("3")
        assert str(step) == "tier 2 (above 10): 11 x 8 + 3 = 91"

    def test_flat_fee_at_zero_both_ways(self) -> None:
        tiers = [Tier(up_to=10, unit_price=eur("10"), flat_fee=eur("5")), Tier(unit_price=eur("8"))]
        off = Volume(tiers=tiers)
        on = Volume(tiers=tiers, flat_fee_at_zero=True)
        assert off.price(0) == eur("0")
        (step,) = off.explain(0).steps
        assert (step.flat_fee, step.amount) == (eur("0"), eur("0"))
        # 0 x 10 + 5: the first tier's fee as a minimum.
        assert on.price(0) == eur("5")
        (step,) = on.explain(0).steps
        assert (step.tier, step.flat_fee, step.amount) == (1, eur("5"), eur("5"))

    def test_explain_amount_equals_price(self) -> None:
        for q in ("0", "3", "10", "10.5", "51"):
            breakdown = self.model.explain(q)
            assert breakdown.amount == step_total(breakdown) == self.model.price(q)


# ---------------------------------------------------------------- Package


class TestPackage:
    # The messaging business bills contacts above the plan's limit in
    # on-demand blocks of 100 (REQUIREMENTS.md, section 4).
    blocks = Package(size=100, price=eur("20.00"))

    @pytest.mark.parametrize(
        ("over_the_limit", "blocks"),
        [
            ("0", 0),
            ("1", 1),  # ceil(1/100)
            ("100", 1),
            ("100.5", 2),  # ceil(1.005)
            ("200", 2),
            ("201", 3),
            ("250", 3),  # ceil(2.5): 250 contacts over the limit are 3 blocks
        ],
    )
    def test_rounds_up_to_whole_blocks(self, over_the_limit: str, blocks: int) -> None:
        assert self.blocks.packages(over_the_limit) == blocks
        # blocks x 20.00
        assert self.blocks.price(over_the_limit) == eur("20.00") * blocks

    def test_250_contacts_are_3_blocks(self) -> None:
        # ceil(250 / 100) = 3 blocks x 20.00 = 60.00
        assert self.blocks.price(250) == eur("60.00")
        breakdown = self.blocks.explain(250)
        (step,) = breakdown.steps
        assert step.label == "3 packages of 100"
        assert (step.units, step.unit_price, step.amount) == (3, eur("20.00"), eur("60.00"))
        assert breakdown.amount == eur("60.00")

    def test_one_package_is_singular(self) -> None:
        (step,) = self.blocks.explain(1).steps
        assert step.label == "1 package of 100"

    def test_free_units(self) -> None:
        model = Package(size=100, price=eur("20.00"), included=50)
        assert model.price(50) == eur("0")  # all free
        assert model.price(51) == eur("20.00")  # 1 unit over: ceil(1/100) = 1 block
        assert model.price(250) == eur("40.00")  # ceil(200/100) = 2 blocks
        assert model.explain(250).note == "50 free units"

    def test_packages_is_an_int(self) -> None:
        assert type(self.blocks.packages("250")) is int


# ---------------------------------------------------------------- Percentage


class TestPercentage:
    def test_price_of_a_total(self) -> None:
        # 10 % of 490.00 = 49.00
        assert Percentage(rate="10%", currency="USD").price("490.00") == Money("49.00", "USD")

    def test_price_of_a_money_total(self) -> None:
        assert Percentage(rate="10%", currency="USD").price(Money("490.00", "USD")) == Money(
            "49.00", "USD"
        )

    def test_hosting_commission_5_percent_plus_10_rub(self) -> None:
        # REQUIREMENTS.md, section 3: 5 % + 10.00 RUB, so 20.00 to pay becomes
        # 31.00: 20.00 x 5 % + 10.00 = 1.00 + 10.00 = 11.00, and 20 + 11 = 31.
        commission = Percentage(rate="5%", currency="RUB", fixed=rub("10.00"))
        fee = commission.price_events(["20.00"])
        assert fee == rub("11.00")
        assert rub("20.00") + fee == rub("31.00")

    def test_cashback_10_percent(self) -> None:
        # REQUIREMENTS.md, section 3: 10 % of the payment comes back: 10 % of 3 000.00 = 300.00.
        assert Percentage(rate="10%", currency="RUB").price("3000.00") == rub("300.00")

    def test_fixed_fee_per_event(self) -> None:
        card = Percentage(rate="2.9%", currency="EUR", fixed=eur("0.30"))
        # (100.00 x 2.9 % + 0.30) + (10.00 x 2.9 % + 0.30) = 3.20 + 0.59 = 3.79
        assert card.price_events(["100.00", "10.00"]) == eur("3.79")

    def test_min_per_event(self) -> None:
        model = Percentage(rate="1%", currency="EUR", min_per_event=eur("0.50"))
        # 10 x 1 % = 0.10 -> raised to 0.50; 100 x 1 % = 1.00 stays: 1.50
        assert model.price_events(["10", "100"]) == eur("1.50")

    def test_max_per_event(self) -> None:
        model = Percentage(rate="1%", currency="EUR", max_per_event=eur("5.00"))
        # 1000 x 1 % = 10.00 -> lowered to 5.00; 100 x 1 % = 1.00 stays: 6.00
        assert model.price_events(["1000", "100"]) == eur("6.00")

    def test_zero_maximum_is_a_maximum(self) -> None:
        # Fees waived: 10 % of 100 = 10.00, capped at 0.00. (A zero Money is
        # falsy; the cap must still apply.)
        model = Percentage(rate="10%", currency="EUR", max_per_event=eur("0"))
        assert model.price_events(["100"]) == eur("0")
        (_, cap) = model.explain_events(["100"]).steps
        assert cap.amount == eur("-10.0")

    def test_free_events(self) -> None:
        model = Percentage(rate="10%", currency="EUR", free_events=2)
        # The first two events are free: 10 % of 30 = 3
        assert model.price_events(["100", "50", "30"]) == eur("3")

    def test_free_units(self) -> None:
        model = Percentage(rate="10%", currency="EUR", included=120)
        # 100 free (20 left); 50: 20 free, 30 charged; 30 charged: 10 % of 60 = 6
        assert model.price_events(["100", "50", "30"]) == eur("6")

    def test_free_units_on_a_total(self) -> None:
        # included is not a per-event term: a total works. 10 % of (250 - 100) = 15
        model = Percentage(rate="10%", currency="EUR", included=100)
        assert model.price("250") == eur("15")

    def test_both_free_events_run_out_first(self) -> None:
        model = Percentage(rate="10%", currency="EUR", free_events=2, included=1000)
        # Two events use up the free events (200 of 1 000 units): 10 % of 100 = 10
        assert model.price_events(["100", "100", "100"]) == eur("10")

    def test_both_free_units_run_out_first(self) -> None:
        model = Percentage(rate="10%", currency="EUR", free_events=5, included=150)
        # 100 free; 50 free + 50 charged (the free amount is used up); 100
        # charged although free events remain: 10 % of 150 = 15
        assert model.price_events(["100", "100", "100"]) == eur("15")

    def test_event_crossing_the_free_amount_pays_on_the_part_above(self) -> None:
        model = Percentage(rate="2%", currency="EUR", included=100, fixed=eur("0.30"))
        # 150 - 100 free = 50 charged: 50 x 2 % + 0.30 = 1.30
        assert model.price_events(["150"]) == eur("1.30")
        # A wholly free event pays no fixed fee either: 0 + 1.30
        assert model.price_events(["40", "110"]) == eur("1.30")

    def test_minimum_does_not_apply_to_wholly_free_events(self) -> None:
        model = Percentage(rate="1%", currency="EUR", free_events=1, min_per_event=eur("0.50"))
        # The first event is free; the second pays 0.01 raised to 0.50.
        assert model.price_events(["1", "1"]) == eur("0.50")

    def test_no_events(self) -> None:
        model = Percentage(rate="2.9%", currency="EUR", fixed=eur("0.30"))
        assert model.price_events([]) == eur("0")

    def test_price_of_a_total_refuses_per_event_terms(self) -> None:
        terms = [
            {"fixed": eur("0.30")},
            {"min_per_event": eur("0.50")},
            {"max_per_event": eur("5")},
            {"free_events": 1},
        ]
        for extra in terms:
            model = Percentage(rate="2%", currency="EUR", **extra)
            with pytest.raises(PricingError, match=r"^quantity = '100': expected event amounts"):
                model.price("100")
            with pytest.raises(PricingError, match=r"^quantity = '100': expected event amounts"):
                model.explain("100")

    def test_explain_events_steps_add_up(self) -> None:
        model = Percentage(
            rate="1%",
            currency="EUR",
            fixed=eur("0.30"),
            min_per_event=eur("0.50"),
            max_per_event=eur("5.00"),
            free_events=1,
        )
        events = ["20", "10", "1000", "100"]
        breakdown = model.explain_events(events)
        # 20 free; 10: 0.10 + 0.30 = 0.40 -> 0.50 (+0.10); 1000: 10.00 + 0.30 =
        # 10.30 -> 5.00 (-5.30); 100: 1.00 + 0.30 = 1.30. Total 0.50 + 5.00 + 1.30 = 6.80
        assert breakdown.amount == step_total(breakdown) == eur("6.80")
        assert [(s.label, s.amount) for s in breakdown.steps] == [
            ("free: 1 event wholly free", eur("0")),
            ("1% of 3 events", eur("11.10")),  # 1 % of (10 + 1000 + 100)
            ("fixed fee per event", eur("0.90")),  # 3 x 0.30
            ("per-event minimum (1) / maximum (1)", eur("-5.20")),  # +0.10 - 5.30
        ]
        assert breakdown.note == "4 events"
        assert breakdown.quantity == Decimal("1130")

    def test_events_in_money_must_match_the_currency(self) -> None:
        model = Percentage(rate="1%", currency="EUR")
        assert model.price_events([eur("100")]) == eur("1")
        with pytest.raises(PricingCurrencyError, match=r"^amounts\[1\] = Money\('5', 'USD'\)"):
            model.price_events([eur("1"), Money("5", "USD")])

    def test_event_amounts_are_checked(self) -> None:
        model = Percentage(rate="1%", currency="EUR")
        with pytest.raises(PricingError, match=r"^amounts\[1\] = '-5': expected a quantity"):
            model.price_events(["1", "-5"])
        with pytest.raises(MoneyError, match=r"^amounts\[0\] = 1\.5: expected a str, int or"):
            model.price_events([1.5])
        with pytest.raises(PricingError, match=r"^amounts = '100': expected a list"):
            model.price_events("100")


# ---------------------------------------------------------------- validation


class TestTierValidation:
    def test_not_ascending(self) -> None:
        tiers = [
            Tier(up_to=100, unit_price=eur("1")),
            Tier(up_to=50, unit_price=eur("1")),
            Tier(unit_price=eur("1")),
        ]
        with pytest.raises(
            PricingError,
            match=r"^tiers\[1\]\.up_to = Decimal\('50'\): expected a bound above the previous tier's \(100\)",
        ):
            Graduated(tiers=tiers)

    def test_equal_bounds(self) -> None:
        tiers = [
            Tier(up_to=100, unit_price=eur("1")),
            Tier(up_to=100, unit_price=eur("1")),
            Tier(unit_price=eur("1")),
        ]
        with pytest.raises(PricingError, match=r"^tiers\[1\]\.up_to = Decimal\('100'\)"):
            Volume(tiers=tiers)

    def test_bounded_last_tier(self) -> None:
        tiers = [Tier(up_to=100, unit_price=eur("1")), Tier(up_to=200, unit_price=eur("1"))]
        with pytest.raises(
            PricingError, match=r"^tiers\[1\]\.up_to = Decimal\('200'\): expected None"
        ):
            Graduated(tiers=tiers)

    def test_unbounded_middle_tier(self) -> None:
        tiers = [
            Tier(up_to=100, unit_price=eur("1")),
            Tier(unit_price=eur("1")),
            Tier(unit_price=eur("1")),
        ]
        with pytest.raises(
            PricingError, match=r"^tiers\[1\]\.up_to = None: expected a bound: only the last"
        ):
            Graduated(tiers=tiers)

    def test_empty(self) -> None:
        with pytest.raises(PricingError, match=r"^tiers = \[\]: expected at least one Tier"):
            Graduated(tiers=[])

    def test_not_a_list_of_tiers(self) -> None:
        with pytest.raises(PricingError, match=r"^tiers = 'abc': expected a list of Tier"):
            Volume(tiers="abc")  # type: ignore[arg-type]
        with pytest.raises(PricingError, match=r"^tiers\[1\] = 5: expected a Tier"):
            Volume(tiers=[Tier(up_to=1, unit_price=eur("1")), 5])  # type: ignore[list-item]

    def test_mixed_currencies(self) -> None:
        tiers = [Tier(up_to=100, unit_price=eur("1")), Tier(unit_price=Money("1", "USD"))]
        with pytest.raises(
            PricingCurrencyError, match=r"^tiers\[1\]\.unit_price = Money\('1', 'USD'\)"
        ) as info:
            Graduated(tiers=tiers)
        # Both handlers catch it.
        assert isinstance(info.value, PricingError)
        assert isinstance(info.value, CurrencyMismatchError)
        assert issubclass(PricingCurrencyError, PricingError)
        assert issubclass(PricingCurrencyError, CurrencyMismatchError)

    def test_flat_fee_in_another_currency(self) -> None:
        with pytest.raises(PricingCurrencyError, match=r"^flat_fee = Money\('1', 'USD'\)"):
            Tier(unit_price=eur("1"), flat_fee=Money("1", "USD"))

    @pytest.mark.parametrize("bound", [0, -5, "0"])
    def test_bound_above_zero(self, bound: object) -> None:
        with pytest.raises(PricingError, match=rf"^up_to = {bound!r}: expected a bound above zero"):
            Tier(up_to=bound, unit_price=eur("1"))

    def test_float_bound(self) -> None:
        with pytest.raises(MoneyError, match=r"^up_to = 10\.5: expected a str, int or Decimal"):
            Tier(up_to=10.5, unit_price=eur("1"))

    def test_flat_fee_at_zero_is_a_bool(self) -> None:
        with pytest.raises(PricingError, match=r"^flat_fee_at_zero = 'yes': expected True or"):
            Graduated(tiers=[Tier(unit_price=eur("1"))], flat_fee_at_zero="yes")  # type: ignore[arg-type]
        with pytest.raises(PricingError, match=r"^flat_fee_at_zero = 1: expected True or"):
            Volume(tiers=[Tier(unit_price=eur("1"))], flat_fee_at_zero=1)  # type: ignore[arg-type]


class TestPriceValidation:
    @pytest.mark.parametrize(
        ("build", "field"),
        [
            (lambda v: Flat(amount=v), "amount"),
            (lambda v: PerUnit(unit_price=v), "unit_price"),
            (lambda v: Tier(unit_price=v), "unit_price"),
            (lambda v: Tier(unit_price=eur("1"), flat_fee=v), "flat_fee"),
            (lambda v: Package(size=100, price=v), "price"),
            (lambda v: Percentage(rate="1%", currency="EUR", fixed=v), "fixed"),
            (lambda v: Percentage(rate="1%", currency="EUR", min_per_event=v), "min_per_event"),
            (lambda v: Percentage(rate="1%", currency="EUR", max_per_event=v), "max_per_event"),
        ],
    )
    def test_every_price_field(self, build, field: str) -> None:  # type: ignore[no-untyped-def]
        # Negative
        with pytest.raises(
            PricingError, match=rf"^{field} = Money\('-1', 'EUR'\): expected an amount of zero"
        ):
            build(eur("-1"))
        # Bare numbers have no currency: Decimal, int, str and float alike.
        for bare, shown in [
            (Decimal("0.05"), r"Decimal\('0\.05'\)"),
            (5, "5"),
            ("0.05", "'0\\.05'"),
            (0.05, r"0\.05"),
        ]:
            with pytest.raises(PricingError, match=rf"^{field} = {shown}: expected a Money"):
                build(bare)
        # An amount with its currency, as text, is fine.
        assert build("0.05 EUR") is not None

    def test_nan_price(self) -> None:
        with pytest.raises(MoneyError, match=r"^unit_price = 'NaN': expected a finite number$"):
            PerUnit(unit_price="NaN EUR")

    def test_package_size_and_free_units(self) -> None:
        with pytest.raises(PricingError, match=r"^size = 0: expected a number above zero"):
            Package(size=0, price=eur("1"))
        with pytest.raises(PricingError, match=r"^included = -1: expected a number of zero"):
            Package(size=1, price=eur("1"), included=-1)

    def test_percentage_terms(self) -> None:
        with pytest.raises(MoneyError, match=r"^rate = '-1%': expected a rate of zero or more"):
            Percentage(rate="-1%", currency="EUR")
        with pytest.raises(UnknownCurrencyError, match=r"^currency = 'EURO'"):
            Percentage(rate="1%", currency="EURO")
        with pytest.raises(PricingCurrencyError, match=r"^fixed = Money\('1', 'USD'\)"):
            Percentage(rate="1%", currency="EUR", fixed=Money("1", "USD"))
        with pytest.raises(
            PricingError, match=r"^min_per_event = Money\('5', 'EUR'\): expected at most max"
        ):
            Percentage(rate="1%", currency="EUR", min_per_event=eur("5"), max_per_event=eur("1"))
        for bad in (-1, True, 1.5, "2"):
            with pytest.raises(PricingError, match=rf"^free_events = {bad!r}: expected a whole"):
                Percentage(rate="1%", currency="EUR", free_events=bad)  # type: ignore[arg-type]


ALL_MODELS = [
    Flat(amount=eur("1")),
    PerUnit(unit_price=eur("1")),
    Graduated(tiers=API_TIERS),
    Volume(tiers=SEAT_TIERS),
    Package(size=100, price=eur("20")),
    Percentage(rate="1%", currency="EUR"),
]


class TestQuantityValidation:
    @pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.kind)
    def test_refused_quantities(self, model: PriceModel) -> None:
        with pytest.raises(PricingError, match=r"^quantity = -1: expected a quantity of zero"):
            model.price(-1)
        with pytest.raises(PricingError, match=r"^quantity = '-0\.5': expected a quantity"):
            model.price("-0.5")
        with pytest.raises(MoneyError, match=r"^quantity = 2\.5: expected a str, int or Decimal"):
            model.price(2.5)
        with pytest.raises(MoneyError, match=r"^quantity = Decimal\('NaN'\): expected a finite"):
            model.price(Decimal("NaN"))
        with pytest.raises(MoneyError, match=r"^quantity = 'Infinity': expected a finite"):
            model.price("Infinity")
        with pytest.raises(MoneyError, match=r"^quantity = True: expected a number, not a bool"):
            model.price(True)
        with pytest.raises(MoneyError, match=r"^quantity = 'ten': expected a decimal number"):
            model.price("ten")
        # explain() checks the same way.
        with pytest.raises(PricingError, match=r"^quantity = -1: "):
            model.explain(-1)

    def test_all_are_validation_errors(self) -> None:
        # Whatever the leaf class, generic handlers catch bad input as ValueError.
        assert issubclass(MoneyError, ValidationError)
        assert issubclass(PricingError, ValueError)


# ---------------------------------------------------------------- values


class TestValues:
    @pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.kind)
    def test_price_model_protocol(self, model: PriceModel) -> None:
        assert isinstance(model, PriceModel)
        assert model.currency.code == "EUR"
        assert isinstance(model.explain(0 if model.kind != "flat" else 1), Breakdown)

    def test_frozen_and_evolved_with_validation(self) -> None:
        model = Graduated(tiers=API_TIERS)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            model.flat_fee_at_zero = True  # type: ignore[misc]
        assert attrs.evolve(model, flat_fee_at_zero=True).flat_fee_at_zero is True
        with pytest.raises(PricingError, match=r"^tiers = \[\]"):
            attrs.evolve(model, tiers=[])

    def test_equal_by_value(self) -> None:
        assert Graduated(tiers=list(API_TIERS)) == Graduated(tiers=tuple(API_TIERS))
        assert Graduated(tiers=API_TIERS) != Volume(tiers=API_TIERS)
        assert Tier(up_to="100", unit_price=eur("1")) == Tier(up_to=100, unit_price=eur("1.00"))
        assert hash(PerUnit(unit_price=eur("1"))) == hash(PerUnit(unit_price=eur("1")))

    def test_step_str_without_fee(self) -> None:
        step = Step(
            label="x", units=Decimal(2), unit_price=eur("3"), flat_fee=eur("0"), amount=eur("6")
        )
        assert str(step) == "x: 2 x 3 = 6"

    def test_no_exponent_notation(self) -> None:
        # 1E+3 units print as 1000, not 1E+3; 1E+3 x 0.01 = 1.0E+1 prints as 10.
        breakdown = PerUnit(unit_price=eur("0.01")).explain(Decimal("1E+3"))
        assert str(breakdown.steps[0]) == "per unit: 1000 x 0.01 = 10"


# ---------------------------------------------------------------- properties


@given(model=currencies().flatmap(graduated), q=quantities())
def test_graduated_price_is_the_sum_of_its_steps(model: Graduated, q: Decimal) -> None:
    breakdown = model.explain(q)
    assert breakdown.amount == model.price(q) == step_total(breakdown)
    # Each step's units lie within its tier, and the units add up to q.
    assert sum((s.units for s in breakdown.steps), Decimal(0)) == q
    for s in breakdown.steps:
        assert s.tier is not None
        tier = model.tiers[s.tier - 1]
        assert s.amount.amount == s.units * tier.unit_price.amount + tier.flat_fee.amount


@given(
    data=currencies().flatmap(lambda c: st.tuples(prices(c), prices(c), st.booleans())),
    q=quantities(),
)
def test_graduated_and_volume_agree_with_one_tier(
    data: tuple[Money, Money, bool], q: Decimal
) -> None:
    unit_price, fee, at_zero = data
    tier = Tier(unit_price=unit_price, flat_fee=fee)
    grad = Graduated(tiers=[tier], flat_fee_at_zero=at_zero)
    vol = Volume(tiers=[tier], flat_fee_at_zero=at_zero)
    assert grad.price(q) == vol.price(q)
    # Both are q x price + fee once any unit is used.
    if q > 0:
        assert grad.price(q).amount == q * unit_price.amount + fee.amount


@given(model=currencies().flatmap(graduated), a=quantities(), b=quantities())
def test_graduated_is_monotonic(model: Graduated, a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    assert model.price(low).amount <= model.price(high).amount


@given(model=currencies().flatmap(volumes), q=quantities())
def test_volume_explain_matches_price(model: Volume, q: Decimal) -> None:
    breakdown = model.explain(q)
    assert breakdown.amount == model.price(q) == step_total(breakdown)
    (step,) = breakdown.steps
    assert step.tier is not None
    upper = model.tiers[step.tier - 1].up_to
    lower = model.tiers[step.tier - 2].up_to if step.tier > 1 else Decimal(0)
    # The tier hit holds q: lower < q <= upper (the first tier also holds 0).
    assert upper is None or q <= upper
    assert step.tier == 1 or q > lower  # type: ignore[operator]


@given(unit=currencies().flatmap(per_units), q=quantities())
def test_volume_with_one_tier_is_per_unit(unit: PerUnit, q: Decimal) -> None:
    volume = Volume(tiers=[Tier(unit_price=unit.unit_price)])
    assert volume.price(q) == unit.price(q)


@given(model=currencies().flatmap(packages), q=quantities())
def test_package_price_is_whole_packages_covering_the_billable_units(
    model: Package, q: Decimal
) -> None:
    n = model.packages(q)
    billable = max(q - model.included, Decimal(0))
    assert model.price(q).amount == n * model.price_per_package.amount
    # Enough packages for every billable unit, and not one more.
    assert n * model.size >= billable
    assert n == 0 or (n - 1) * model.size < billable


@given(model=currencies().flatmap(lambda c: percentages(c)), data=st.data())
def test_percentage_explain_events_steps_add_up(model: Percentage, data: st.DataObject) -> None:
    events = data.draw(st.lists(quantities(max_value=10_000), max_size=8))
    breakdown = model.explain_events(events)
    assert breakdown.amount == model.price_events(events) == step_total(breakdown)
    # No event pays below its minimum or above its maximum: the total is bounded.
    if model.max_per_event is not None:
        assert breakdown.amount.amount <= len(events) * model.max_per_event.amount


@given(model=currencies().flatmap(lambda c: percentages(c, per_event=False)), q=quantities())
def test_percentage_total_is_rate_of_the_part_above_free(model: Percentage, q: Decimal) -> None:
    assert model.price(q).amount == max(q - model.included, Decimal(0)) * model.rate


@given(
    model=currencies().flatmap(
        lambda c: st.one_of(graduated(c), volumes(c), packages(c), per_units(c))
    ),
    q=quantities(),
)
def test_price_ignores_the_callers_decimal_context(model: PriceModel, q: Decimal) -> None:
    expected = model.price(q)
    with decimal.localcontext() as ctx:  # keyword form is Python 3.11+
        ctx.prec = 3
        ctx.rounding = decimal.ROUND_FLOOR
        assert model.price(q) == expected
        assert model.explain(q).amount == expected


@given(currencies().flatmap(lambda c: tier_lists(c)))
def test_generated_tiers_are_accepted_by_both_models(tiers: list[Tier]) -> None:
    # The strategy's invariant, checked by billkit itself.
    assume(len(tiers) >= 1)
    assert Graduated(tiers=tiers).tiers == Volume(tiers=tiers).tiers == tuple(tiers)
