"""Usage charges of other billing systems (issue 16): Kill Bill's tier blocks and
capacity usage, Lago's graduated percentage model, its percentage rule for a
zero total and its prorated charges.

Expected figures come from those systems' own test suites (cited beside each
example, with the arithmetic shown); the properties check the invariants.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import CurrencyMismatchError, PricingError
from billkit.money import CONTEXT, Money
from billkit.periods import Period
from billkit.pricing import Charge, Graduated, Percentage, PerUnit, Plan, Tier, Volume, quote
from billkit.pricing.models import (
    Capacity,
    CapacityTier,
    GraduatedPercentage,
    PercentTier,
    Presence,
    Prorated,
)

MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))


def usd(amount: str) -> Money:
    return Money(amount, "USD")


# Kill Bill: invoice/src/test/java/org/killbill/billing/invoice/usage/
# TestContiguousIntervalConsumableInArrear.java. createDefaultTieredBlock(unit, size, max,
# price): a tier of `max` blocks of `size` units at `price` a block, so the tier holds
# size x max units (billkit's up_to is the running total of those).


class TestKillBillTierBlocks:
    def test_all_tiers_5325_units(self) -> None:
        # testComputeBilledUsageWith_ALL_TIERS: blocks (100 units, max 10, 1.00) then
        # (1000 units, max 100, 1.00). Tier 1 holds 100 x 10 = 1000 units.
        # 5325 = 1000 (tier 1: 10 blocks x 1 = 10) + 4325 (tier 2: ceil(4.325) = 5 x 1 = 5)
        model = Graduated(
            tiers=[
                Tier(up_to=1000, unit_price=usd("1"), block_size=100),
                Tier(up_to=None, unit_price=usd("1"), block_size=1000),
            ]
        )
        steps = model.explain(5325).steps
        assert [s.amount for s in steps] == [usd("10"), usd("5")]
        assert [s.units for s in steps] == [10, 5]  # blocks, not units
        assert model.price(5325) == usd("15")

    def test_all_tiers_blocks_of_one(self) -> None:
        # testComputeBilledUsageSizeOneWith_ALL_TIERS: size 1, max 10 at 1.5; max 100 at
        # 1.0; max 1000 at 0.5. 111 = 10 x 1.5 + 100 x 1.0 + 1 x 0.5 = 15 + 100 + 0.5
        model = Graduated(
            tiers=[
                Tier(up_to=10, unit_price=usd("1.5"), block_size=1),
                Tier(up_to=110, unit_price=usd("1.0"), block_size=1),
                Tier(up_to=None, unit_price=usd("0.5"), block_size=1),
            ]
        )
        assert [s.amount for s in model.explain(111).steps] == [
            usd("15.0"),
            usd("100.0"),
            usd("0.5"),
        ]

    def test_top_tier(self) -> None:
        # testComputeBilledUsageWith_TOP_TIER: (100 units, max 10, 1) -> up to 1000;
        # (1000, max 100, 1) -> up to 1000 + 100000 = 101000; (1000, max 100, 0.5).
        # Kill Bill prices every unit at the tier the total falls in (billkit's Volume).
        model = Volume(
            tiers=[
                Tier(up_to=1000, unit_price=usd("1"), block_size=100),
                Tier(up_to=101000, unit_price=usd("1"), block_size=1000),
                Tier(up_to=None, unit_price=usd("0.5"), block_size=1000),
            ]
        )
        assert model.price(1000) == usd("10")  # 1000 / 100 = 10 blocks x 1
        assert model.price(101000) == usd("101")  # 101000 / 1000 = 101 blocks x 1
        assert model.price(101001) == usd("51.0")  # ceil(101.001) = 102 x 0.5
        # Past the last tier's max Kill Bill keeps the last tier: 300 blocks x 0.5
        assert model.price(300000) == usd("150.0")

    def test_top_tier_blocks_of_one_and_unlimited(self) -> None:
        # testComputeBilledUsageSizeOneWith_TOP_TIER: 111 units in tier 3: 111 x 0.5 = 55.5
        ones = Volume(
            tiers=[
                Tier(up_to=10, unit_price=usd("1.5"), block_size=1),
                Tier(up_to=110, unit_price=usd("1.0"), block_size=1),
                Tier(up_to=None, unit_price=usd("0.5"), block_size=1),
            ]
        )
        assert ones.price(111) == usd("55.5")
        # testComputeBilledUsageWithUnlimitedMaxWith_TOP_TIER: (100, max 10, 10), (100,
        # unlimited, 1): 2000 units fall in tier 2: 2000 / 100 = 20 blocks x 1 = 20
        unlimited = Volume(
            tiers=[
                Tier(up_to=1000, unit_price=usd("10"), block_size=100),
                Tier(up_to=None, unit_price=usd("1"), block_size=100),
            ]
        )
        assert unlimited.price(2000) == usd("20")

    def test_in_a_quote_line(self) -> None:
        plan = Plan(
            code="kb",
            name="KB",
            currency="USD",
            charges=[
                Charge(
                    code="api",
                    metric="calls",
                    model=Graduated(
                        tiers=[
                            Tier(up_to=1000, unit_price=usd("1"), block_size=100),
                            Tier(unit_price=usd("1"), block_size=1000),
                        ]
                    ),
                )
            ],
        )
        bill = quote(plan, {"calls": 5325}, MARCH)
        assert bill.total == usd("15.00")
        assert "tier 2 (above 1000, blocks of 1000): 5 x 1 = 5" in str(bill)
        assert "blocks of 100" in bill._repr_html_()

    def test_block_size_must_divide_a_bounded_tier(self) -> None:
        with pytest.raises(
            PricingError,
            match=r"^tiers\[0\]\.block_size = Decimal\('300'\): expected a size that divides "
            r"the tier's 1000 units into whole blocks$",
        ):
            Graduated(
                tiers=[
                    Tier(up_to=1000, unit_price=usd("1"), block_size=300),
                    Tier(unit_price=usd("1")),
                ]
            )
        with pytest.raises(PricingError, match=r"^block_size = '0': expected a size above zero"):
            Tier(unit_price=usd("1"), block_size="0")

    @given(
        widths=st.lists(st.integers(1, 50), min_size=0, max_size=3),
        prices=st.lists(st.integers(0, 500), min_size=4, max_size=4),
        quantity=st.integers(0, 200),
    )
    def test_blocks_of_one_are_the_plain_graduated_charge(
        self, widths: list[int], prices: list[int], quantity: int
    ) -> None:
        bounds: list[int | None] = []
        running = 0
        for width in widths:
            running += width
            bounds.append(running)
        bounds.append(None)
        plain = [
            Tier(up_to=b, unit_price=Money(Decimal(p) / 100, "USD"))
            for b, p in zip(bounds, prices, strict=False)
        ]
        ones = [
            Tier(up_to=b, unit_price=Money(Decimal(p) / 100, "USD"), block_size=1)
            for b, p in zip(bounds, prices, strict=False)
        ]
        assert Graduated(tiers=ones).price(quantity) == Graduated(tiers=plain).price(quantity)
        assert Volume(tiers=ones).price(quantity) == Volume(tiers=plain).price(quantity)

    @given(quantity=st.integers(0, 5000), size=st.sampled_from([1, 10, 100, 250]))
    def test_blocks_never_bill_less_than_the_units(self, quantity: int, size: int) -> None:
        # Rounding up to whole blocks: at least the units, less than one more block.
        model = Graduated(tiers=[Tier(unit_price=usd("1"), block_size=size)])
        amount = model.price(quantity).amount
        assert quantity <= amount * size < quantity + size


# Kill Bill: invoice/src/test/java/org/killbill/billing/invoice/usage/
# TestContiguousIntervalCapacityInArrear.java, testComputeBilledUsage: three tiers,
# limits (unit1 100, unit2 1000, unit3 50) at 10; (200, 2000, 100) at 20; no limits at 30.
KB_CAPACITY = Capacity(
    tiers=[
        CapacityTier(limits={"unit1": 100, "unit2": 1000, "unit3": 50}, price=usd("10")),
        CapacityTier(limits={"unit1": 200, "unit2": 2000, "unit3": 100}, price=usd("20.0")),
        CapacityTier(limits={}, price=usd("30.0")),
    ]
)


class TestKillBillCapacity:
    @pytest.mark.parametrize(
        ("peaks", "expected"),
        [
            ({"unit1": 100, "unit2": 1000, "unit3": 50}, "10"),  # all within tier 1
            ({"unit1": 100, "unit2": 1001}, "20.0"),  # unit2 over 1000 -> tier 2
            ({"unit1": 101, "unit2": 1000}, "20.0"),  # unit1 over 100 -> tier 2
            ({"unit1": 101, "unit2": 1001}, "20.0"),  # both over tier 1, within tier 2
            ({"unit1": 10, "unit2": 2001}, "30.0"),  # unit2 over 2000 -> tier 3
        ],
    )
    def test_published_cases(self, peaks: dict[str, int], expected: str) -> None:
        assert KB_CAPACITY.price(peaks) == usd(expected)

    def test_in_a_quote_each_metric_is_read(self) -> None:
        plan = Plan(
            code="cap",
            name="Capacity",
            currency="USD",
            charges=[Charge(code="capacity", metric="capacity", model=KB_CAPACITY)],
        )
        assert plan.metrics == {"unit1", "unit2", "unit3"}
        bill = quote(plan, {"unit1": 101, "unit2": 1000}, MARCH)
        line = bill.line("capacity")
        assert line.amount == usd("20.00")
        assert line.events == (Decimal(101), Decimal(1000), Decimal(0))
        assert "tier 2 (tier 1: unit1 101 over 100): 1 x 20.0 = 20.0" in str(bill)
        assert "peaks unit1 101, unit2 1000, unit3 0" in str(bill)

    def test_refusals(self) -> None:
        limited = Capacity(tiers=[CapacityTier(limits={"cpus": 2}, price=usd("1"))])
        with pytest.raises(PricingError, match=r"^quantity = \{'cpus': '3'\}: expected peaks"):
            limited.price({"cpus": 3})
        with pytest.raises(PricingError, match=r"^quantity = 'gpus': expected one of the metrics"):
            limited.price({"gpus": 1})
        with pytest.raises(PricingError, match=r"^quantity\['cpus'\] = '-1': expected a quantity"):
            limited.price({"cpus": "-1"})
        with pytest.raises(PricingError, match=r"^limits\['cpus'\] = -2: expected a limit"):
            CapacityTier(limits={"cpus": -2}, price=usd("1"))
        with pytest.raises(CurrencyMismatchError, match=r"^tiers\[1\]\.price"):
            Capacity(
                tiers=[
                    CapacityTier(limits={}, price=usd("1")),
                    CapacityTier(limits={}, price=Money("1", "EUR")),
                ]
            )
        with pytest.raises(PricingError, match=r"^charges\[0\]\.included = Decimal\('5'\)"):
            Plan(
                code="p",
                name="P",
                currency="USD",
                charges=[Charge(code="c", metric="c", model=limited, included=5)],
            )

    @given(
        limits=st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=4),
        a=st.integers(0, 60),
        b=st.integers(0, 60),
    )
    def test_the_tier_chosen_holds_every_metric_and_none_before_does(
        self, limits: list[tuple[int, int]], a: int, b: int
    ) -> None:
        tiers = [
            CapacityTier(limits={"a": x, "b": y}, price=usd(str(i)))
            for i, (x, y) in enumerate(limits)
        ]
        tiers.append(CapacityTier(limits={}, price=usd("99")))
        model = Capacity(tiers=tiers)
        chosen = model.tier_for({"a": a, "b": b})
        tier = tiers[chosen - 1]
        assert all({"a": a, "b": b}[m] <= limit for m, limit in tier.limits.items())
        for earlier in tiers[: chosen - 1]:
            assert a > earlier.limits["a"] or b > earlier.limits["b"]
        assert model.price({"a": a, "b": b}) == tier.price


# Lago: spec/services/charge_models/graduated_percentage_service_spec.rb: ranges 0-10 at
# 1 % with flat 200, 11-20 at 2 % with flat 300, 21+ at 3 % with flat 400. Lago's next
# range starts at to_value + 1 for whole amounts: billkit's up_to is the range's to_value.
LAGO_RANGES = [
    PercentTier(up_to=10, rate="1%", flat_fee=usd("200")),
    PercentTier(up_to=20, rate="2%", flat_fee=usd("300")),
    PercentTier(rate="3%", flat_fee=usd("400")),
]


class TestLagoGraduatedPercentage:
    @pytest.mark.parametrize(
        ("total", "expected"),
        [
            (0, "200"),  # "applies the flat amount from the first tier"
            (1, "200.01"),  # 200 + 1 x 0.01
            (10, "200.1"),  # 200 + 10 x 0.01
            (11, "500.12"),  # 200 + 300 + 10 x 0.01 + 1 x 0.02
            (12, "500.14"),  # 200 + 300 + 10 x 0.01 + 2 x 0.02
            (21, "900.33"),  # 200 + 300 + 400 + 10 x 0.01 + 10 x 0.02 + 1 x 0.03
        ],
    )
    def test_published_cases(self, total: int, expected: str) -> None:
        lago = GraduatedPercentage(tiers=LAGO_RANGES, currency="USD", flat_fee_at_zero=True)
        assert lago.price(total) == usd(expected)

    def test_billkit_default_bills_nothing_at_zero(self) -> None:
        model = GraduatedPercentage(tiers=LAGO_RANGES, currency="USD")
        assert model.price(0) == usd("0")
        assert model.explain(0).steps == ()
        assert model.price(usd("12")) == usd("500.14")  # a Money total in the model's currency

    def test_refusals(self) -> None:
        with pytest.raises(PricingError, match=r"^tiers\[0\]\.up_to = None: expected a bound"):
            GraduatedPercentage(
                tiers=[PercentTier(rate="1%"), PercentTier(rate="2%")], currency="USD"
            )
        with pytest.raises(PricingError, match=r"^tiers\[1\]\.up_to = Decimal\('5'\)"):
            GraduatedPercentage(
                tiers=[
                    PercentTier(up_to=10, rate="1%"),
                    PercentTier(up_to=5, rate="1%"),
                    PercentTier(rate="1%"),
                ],
                currency="USD",
            )
        with pytest.raises(CurrencyMismatchError, match=r"^tiers\[0\]\.flat_fee"):
            GraduatedPercentage(
                tiers=[PercentTier(rate="1%", flat_fee=Money("1", "EUR"))], currency="USD"
            )
        with pytest.raises(PricingError, match=r"^tiers = \[\]: expected at least one"):
            GraduatedPercentage(tiers=[], currency="USD")

    @given(
        total=st.decimals(min_value=0, max_value=100, places=2),
        at_zero=st.booleans(),
    )
    def test_the_tiers_add_up_to_the_charge(self, total: Decimal, at_zero: bool) -> None:
        model = GraduatedPercentage(tiers=LAGO_RANGES, currency="USD", flat_fee_at_zero=at_zero)
        breakdown = model.explain(total)
        assert sum((s.amount for s in breakdown.steps), usd("0")) == model.price(total)
        # the parts priced are the total, split by tier
        assert sum((s.units for s in breakdown.steps), Decimal(0)) == total


# Lago: spec/services/charge_models/percentage_service_spec.rb: rate 1.3 %, fixed 2.0 per
# event, 4 events; free: 3 events and 250 of amount.


class TestLagoPercentage:
    def test_zero_total_bills_no_fixed_fee_under_lagos_rule(self) -> None:
        # "when aggregation value is 0": 4 events adding up to 0 -> amount 0
        lago = Percentage(
            rate="1.3%", currency="USD", fixed=usd("2.0"), fixed_fee_at_zero_total=False
        )
        assert lago.price_events(["0", "0", "0", "0"]) == usd("0")
        # billkit's default: every paying event pays the fixed fee: 4 x 2.0 = 8.0
        billkit = Percentage(rate="1.3%", currency="USD", fixed=usd("2.0"))
        assert billkit.price_events(["0", "0", "0", "0"]) == usd("8.0")
        # a non-zero total: both rules agree (Lago "when rate is 0": 4 events x 2.0 = 8)
        zero_rate = Percentage(
            rate="0", currency="USD", fixed=usd("2.0"), fixed_fee_at_zero_total=False
        )
        assert zero_rate.price_events(["50", "100", "250", "400"]) == usd("8")

    def test_free_events_and_amount(self) -> None:
        # "when fixed amount value is 0": running totals 50, 150, 400, 800 (events 50, 100,
        # 250, 400); 250 free. Paid: (800 - 250) x 1.3 % = 7.15; fixed (4 - 2) x 2.0 = 4.0;
        # 7.15 + 4.0 = 11.15. Both rules agree (the total is not zero).
        for flag in (True, False):
            model = Percentage(
                rate="1.3%",
                currency="USD",
                fixed=usd("2.0"),
                free_events=3,
                included=250,
                fixed_fee_at_zero_total=flag,
            )
            breakdown = model.explain_events(["50", "100", "250", "400"])
            assert breakdown.amount == usd("11.15")
            # Lago's amount_details: free_events 2, paid_events 2
            assert (breakdown.events, breakdown.charged_events, breakdown.free_events) == (4, 2, 2)

    def test_event_counts_in_a_quote(self) -> None:
        plan = Plan(
            code="p",
            name="P",
            currency="USD",
            charges=[
                Charge(
                    code="card",
                    metric="payments",
                    model=Percentage(rate="1%", currency="USD", fixed=usd("0.30")),
                )
            ],
        )
        line = quote(plan, {"payments": ["10", "20", "30"]}, MARCH).line("card")
        assert line.breakdown.events == line.breakdown.charged_events == 3
        assert line.breakdown.free_events == 0
        # 1 % of 60 + 3 x 0.30 = 0.60 + 0.90
        assert line.amount == usd("1.50")

    def test_other_models_have_no_event_counts(self) -> None:
        assert Graduated(tiers=[Tier(unit_price=usd("1"))]).explain(3).events is None


# Lago's prorated charges: a persistent metric's units each pay for the days they were
# held. Presence changes take effect at the start of their day.
JUNE = Period(date(2026, 6, 1), date(2026, 7, 1))  # 30 days
JULY = Period(date(2026, 7, 1), date(2026, 8, 1))  # 31 days
LAGO_GRADUATED = Graduated(
    tiers=[
        Tier(up_to=5, unit_price=usd("10"), flat_fee=usd("100")),
        Tier(unit_price=usd("5"), flat_fee=usd("50")),
    ]
)


class TestLagoProratedCharges:
    def test_one_seat_for_22_days(self) -> None:
        # https://getlago.com/docs/guide/plans/charges/prorated-vs-full: "(1 Seat x $10),
        # used for 22 days = $7.33", in a 30-day month (the page dates it June 10th or
        # July 10th in different versions; 22 days of 30 is June 9th to 30th).
        # 22 unit-days x 10 / 30 = 7.333... -> 7.33
        plan = Plan(
            code="seats",
            name="Seats",
            currency="USD",
            charges=[
                Charge(
                    code="seats",
                    metric="seats",
                    model=Prorated(model=PerUnit(unit_price=usd("10"))),
                )
            ],
        )
        held = Presence(period=JUNE, changes=[(date(2026, 6, 9), 1)])
        bill = quote(plan, {"seats": held}, JUNE)
        assert bill.total == usd("7.33")
        line = bill.line("seats")
        assert line.quantity == 1  # the closing quantity
        assert line.breakdown.steps[0].units == 22  # unit-days
        assert "22 unit-days of 30 days" in str(bill)

    def test_graduated_with_every_unit_gone_by_the_end(self) -> None:
        # lago-api spec/services/charge_models/prorated_graduated_service_spec.rb, "with
        # final number of units equals to zero": ranges 0-5 at 10 (flat 100), 6+ at 5 (flat
        # 50); events [1, 4, 1, -5, -1] with prorated values [0.7097, 1.54839, 0.2258,
        # -0.80645, -0.0645] = 22/31, 4 x 12/31, 7/31, -5 x 5/31, -2/31 of a 31-day month:
        # +1 on 10 July, +4 on the 20th, +1 on the 25th, -5 on the 27th, -1 on the 30th.
        # Held: 1 (10th-19th, 10 days), 5 (20th-24th, 5), 6 (25th-26th, 2), 1 (27th-29th, 3).
        # Tier 1 unit-days: 10 x 1 + 5 x 5 + 2 x 5 + 3 x 1 = 48; tier 2: 2 x 1 = 2.
        # (48 x 10 + 2 x 5) / 31 + 100 + 50 (the peak, 6, entered both) = 165.806... -> 165.81
        held = Presence(
            period=JULY,
            changes=[
                (date(2026, 7, 10), 1),
                (date(2026, 7, 20), 4),
                (date(2026, 7, 25), 1),
                (date(2026, 7, 27), -5),
                (date(2026, 7, 30), -1),
            ],
        )
        amount = Prorated(model=LAGO_GRADUATED).price(held)
        assert amount == Money(CONTEXT.add(CONTEXT.divide(490, 31), 150), "USD")  # 80 digits
        assert round(amount.amount, 2) == Decimal("165.81")

    def test_graduated_with_no_usage_and_lagos_flat_fee_at_zero(self) -> None:
        # the same spec, "when zero usage": "applies the flat amount from the first tier"
        lago = Graduated(tiers=LAGO_GRADUATED.tiers, flat_fee_at_zero=True)
        assert Prorated(model=lago).price(Presence(period=JULY)) == usd("100")
        assert Prorated(model=LAGO_GRADUATED).price(Presence(period=JULY)) == usd("0")

    def test_volume_tier_by_the_closing_quantity(self) -> None:
        # lago-api spec/services/charge_models/volume_service_spec.rb, "when charge is
        # prorated": ranges 0-100 at 2 (flat 10), 101-200 at 1, 201+ at 0.5 (flat 50);
        # 198.6 prorated units, 300 full units -> range 3: 198.6 x 0.5 + 50 = 149.3.
        # The spec gives only those aggregates; a June that produces them: 66 units held
        # all month, 234 more from 14 June (17 days): 66 x 30 + 234 x 17 = 5958 unit-days,
        # 5958 / 30 = 198.6, closing 300.
        model = Volume(
            tiers=[
                Tier(up_to=100, unit_price=usd("2"), flat_fee=usd("10")),
                Tier(up_to=200, unit_price=usd("1")),
                Tier(unit_price=usd("0.5"), flat_fee=usd("50")),
            ]
        )
        held = Presence(period=JUNE, opening=66, changes=[(date(2026, 6, 14), 234)])
        assert Prorated(model=model).price(held) == usd("149.3")
        # "peak" chooses the tier by the most held at once: here the same, 300
        assert Prorated(model=model, volume_tier="peak").price(held) == usd("149.3")
        # 300 held for 15 days, then 250 removed on 16 June: unit-days 300 x 15 + 50 x 15
        # = 5250. Closing 50 -> range 1: 5250 x 2 / 30 + 10 = 350 + 10 = 360;
        # peak 300 -> range 3: 5250 x 0.5 / 30 + 50 = 87.5 + 50 = 137.5.
        gone = Presence(period=JUNE, opening=300, changes=[(date(2026, 6, 16), -250)])
        assert Prorated(model=model).price(gone) == usd("360")
        assert Prorated(model=model, volume_tier="peak").price(gone) == usd("137.5")

    def test_refusals(self) -> None:
        with pytest.raises(
            PricingError, match=r"^changes\[0\]\[0\] = datetime\.date\(2026, 7, 1\)"
        ):
            Presence(period=JUNE, changes=[(date(2026, 7, 1), 1)])
        with pytest.raises(
            PricingError, match=r"^changes\[1\]\[0\] = .*: expected a day on or after"
        ):
            Presence(period=JUNE, changes=[(date(2026, 6, 9), 1), (date(2026, 6, 8), 1)])
        with pytest.raises(
            PricingError, match=r"^changes\[0\]\[1\] = Decimal\('-3'\): expected a change leaving"
        ):
            Presence(period=JUNE, opening=2, changes=[(date(2026, 6, 9), -3)])
        with pytest.raises(PricingError, match=r"^changes = 'x': expected a list"):
            Presence(period=JUNE, changes="x")
        with pytest.raises(PricingError, match=r"^model = .*: expected a PerUnit, Volume or"):
            Prorated(model=Percentage(rate="1%", currency="USD"))
        with pytest.raises(PricingError, match=r"^model = .*: expected tiers without block_size"):
            Prorated(model=Graduated(tiers=[Tier(unit_price=usd("1"), block_size=10)]))
        with pytest.raises(PricingError, match=r"^volume_tier = 'end': expected 'closing' or"):
            Prorated(model=PerUnit(unit_price=usd("1")), volume_tier="end")  # type: ignore[arg-type]
        plan = Plan(
            code="p",
            name="P",
            currency="USD",
            charges=[
                Charge(code="s", metric="s", model=Prorated(model=PerUnit(unit_price=usd("1"))))
            ],
        )
        with pytest.raises(PricingError, match=r"^usage\['s'\]\.period = '2026-07-01"):
            quote(plan, {"s": Presence(period=JULY)}, JUNE)
        other = Plan(
            code="o",
            name="O",
            currency="USD",
            charges=[Charge(code="s", metric="s", model=PerUnit(unit_price=usd("1")))],
        )
        with pytest.raises(PricingError, match=r"a Presence is for Prorated charges"):
            quote(other, {"s": Presence(period=JUNE)}, JUNE)

    @given(
        quantity=st.integers(0, 40),
        prices=st.lists(st.integers(0, 300), min_size=3, max_size=3),
        which=st.sampled_from(["per_unit", "volume", "graduated"]),
        at_zero=st.booleans(),
    )
    def test_held_the_whole_period_is_the_unprorated_charge(
        self, quantity: int, prices: list[int], which: str, at_zero: bool
    ) -> None:
        tiers = [
            Tier(up_to=5, unit_price=Money(Decimal(prices[0]) / 100, "USD"), flat_fee=usd("3")),
            Tier(up_to=20, unit_price=Money(Decimal(prices[1]) / 100, "USD")),
            Tier(unit_price=Money(Decimal(prices[2]) / 100, "USD"), flat_fee=usd("1")),
        ]
        model: PerUnit | Volume | Graduated
        if which == "per_unit":
            model = PerUnit(unit_price=tiers[0].unit_price)
        elif which == "volume":
            model = Volume(tiers=tiers, flat_fee_at_zero=at_zero)
        else:
            model = Graduated(tiers=tiers, flat_fee_at_zero=at_zero)
        held = Presence(period=JULY, opening=quantity)
        assert Prorated(model=model).price(held) == model.price(quantity)
        assert Prorated(model=model).price(quantity) == model.price(quantity)

    @given(
        opening=st.integers(0, 10),
        changes=st.lists(st.tuples(st.integers(1, 30), st.integers(0, 10)), max_size=5),
    )
    def test_per_unit_is_the_unit_days_and_never_more_than_the_peak_all_month(
        self, opening: int, changes: list[tuple[int, int]]
    ) -> None:
        dated = sorted((date(2026, 6, day), n) for day, n in changes)
        held = Presence(period=JUNE, opening=opening, changes=dated)
        unit_days = sum(days * q for days, q in held.segments)
        # the segments cover the period
        assert sum(days for days, _ in held.segments) == 30
        seat = Prorated(model=PerUnit(unit_price=usd("30")))
        assert seat.price(held) == usd(str(unit_days))  # 30 / 30 days = 1 a unit-day
        peak = max(q for _, q in held.segments)
        assert seat.price(held) <= usd(str(peak * 30))


class TestInQuotes:
    """The new lines explain themselves in a quote's text and HTML alike."""

    def test_text_and_html(self) -> None:
        plan = Plan(
            code="mix",
            name="Mix",
            currency="USD",
            charges=[
                Charge(code="capacity", metric="capacity", model=KB_CAPACITY),
                Charge(
                    code="fees",
                    metric="gmv",
                    model=GraduatedPercentage(tiers=LAGO_RANGES, currency="USD"),
                ),
                Charge(
                    code="seats",
                    metric="seats",
                    model=Prorated(model=LAGO_GRADUATED),
                ),
            ],
        )
        held = Presence(period=JUNE, opening=6)  # all June: 5 x 10 + 100 + 1 x 5 + 50
        bill = quote(plan, {"unit1": 150, "gmv": 12, "seats": held}, JUNE)
        # 20.0 (tier 2) + 500.14 (Lago's 12) + 205 = 725.14
        assert bill.total == usd("725.14")
        text, page = str(bill), bill._repr_html_()
        for shown in (
            "tier 2 (tier 1: unit1 150 over 100): 1 x 20.0 = 20.0",
            "tier 2 (10 to 20): 2 x 0.02 + 300 = 300.04",
            "tier 2 (above 5, unit-days x price / 30 days): 30 x 5 + 50 = 55",
        ):
            assert shown in text
            assert shown in page

    def test_a_capacity_beyond_every_tier_is_refused_in_a_quote(self) -> None:
        limited = Capacity(tiers=[CapacityTier(limits={"cpus": 2}, price=usd("1"))])
        plan = Plan(
            code="p",
            name="P",
            currency="USD",
            charges=[Charge(code="c", metric="c", model=limited)],
        )
        with pytest.raises(PricingError, match=r"expected peaks within the limits of one tier"):
            quote(plan, {"cpus": 3}, MARCH)
        with pytest.raises(PricingError, match=r"^usage\['cpus'\] = '-1'"):
            quote(plan, {"cpus": "-1"}, MARCH)


class TestPresenceFromIntervals:
    @given(
        st.lists(
            st.tuples(st.integers(-40, 70), st.one_of(st.none(), st.integers(0, 40))),
            max_size=8,
        )
    )
    def test_unit_days_are_the_clipped_lengths(self, spans: list[tuple[int, int | None]]) -> None:
        # Unit i is held from day `first` (an offset from 1 June) for `length` days, or on.
        base = JUNE.start
        intervals = [
            (base + timedelta(days=first), None if n is None else base + timedelta(days=first + n))
            for first, n in spans
        ]
        held = Presence.from_intervals(JUNE, intervals)
        expected = 0
        for first, n in spans:
            end = 30 if n is None else min(first + n, 30)
            expected += max(0, end - max(first, 0))  # the days inside June (0..30)
        assert sum(days * q for days, q in held.segments) == expected

    def test_refusals(self) -> None:
        with pytest.raises(PricingError, match=r"^intervals\[0\]\[1\] = .*: expected a day on or"):
            Presence.from_intervals(JUNE, [(date(2026, 6, 9), date(2026, 6, 8))])
        with pytest.raises(PricingError, match=r"^intervals = 'x': expected a list"):
            Presence.from_intervals(JUNE, "x")  # type: ignore[arg-type]


def test_the_new_models_load_and_save_through_catalogs() -> None:
    from billkit.pricing.catalog import dumps_catalog, loads_catalog

    text = """
[[plans]]
code = "peers"
name = "Peers"
currency = "USD"

[[plans.charges]]
code = "calls"
metric = "calls"
model = { type = "volume", tiers = [
  { up_to = "1000", unit_price = "1", block_size = "100" },
  { unit_price = "0.5", block_size = "1000" },
] }

[[plans.charges]]
code = "card"
metric = "payments"
model = { type = "percentage", rate = "1.3%", fixed = "2.0", fixed_fee_at_zero_total = false }

[[plans.charges]]
code = "fees"
metric = "gmv"
model = { type = "graduated_percentage", flat_fee_at_zero = true, tiers = [
  { up_to = "10", rate = "1%", flat_fee = "200" },
  { up_to = "20", rate = "2%", flat_fee = "300" },
  { rate = "3%", flat_fee = "400" },
] }

[[plans.charges]]
code = "capacity"
metric = "capacity"
model = { type = "capacity", tiers = [
  { limits = { unit1 = "100", unit2 = "1000" }, price = "10" },
  { limits = {}, price = "30" },
] }

[[plans.charges]]
code = "seats"
metric = "seats"
model = { type = "prorated", volume_tier = "peak", model = { type = "per_unit", unit_price = "10" } }
"""
    catalog = loads_catalog(text)
    for form in ("toml", "json"):
        assert loads_catalog(dumps_catalog(catalog, form), form) == catalog  # type: ignore[arg-type]
    plan = catalog["peers"]
    usage = {
        "calls": 1001,  # tier 2: ceil(1001 / 1000) x 0.5 = 1.0
        "payments": ["0", "0"],  # Lago: a zero total, no fixed fee
        "gmv": 21,  # Lago's 900.33
        "unit1": 101,  # tier 2: 30
        "seats": Presence(period=JUNE, changes=[(date(2026, 6, 9), 1)]),  # 22 x 10 / 30
    }
    bill = quote(plan, usage, JUNE)
    # 1.00 + 0.00 + 900.33 + 30.00 + 7.33 = 938.66
    assert bill.total == usd("938.66")


class TestLagoTieredChargesUseFlatFeeAtZero:
    """Lago charges the first range's flat amount with no usage: billkit's existing
    ``flat_fee_at_zero=True`` (the option a LAGO preset sets)."""

    @pytest.mark.parametrize(
        ("units", "expected"),
        [
            # lago-api spec/services/charge_models/graduated_service_spec.rb: ranges 0-10
            # at 10 (flat 2), 11-20 at 5 (flat 3), 21+ at 5 (flat 3)
            (0, "2"),  # the first range's flat amount
            (1, "12"),  # 2 + 1 x 10
            (10, "102"),  # 2 + 10 x 10
            (11, "110"),  # 102 + 3 + 1 x 5
            (12, "115"),  # 102 + 3 + 2 x 5
            (21, "163"),  # 102 + (3 + 10 x 5) + (3 + 1 x 5)
        ],
    )
    def test_graduated(self, units: int, expected: str) -> None:
        model = Graduated(
            flat_fee_at_zero=True,
            tiers=[
                Tier(up_to=10, unit_price=usd("10"), flat_fee=usd("2")),
                Tier(up_to=20, unit_price=usd("5"), flat_fee=usd("3")),
                Tier(unit_price=usd("5"), flat_fee=usd("3")),
            ],
        )
        assert model.price(units) == usd(expected)

    @pytest.mark.parametrize(
        ("units", "expected"),
        [
            # lago-api spec/services/charge_models/volume_service_spec.rb: ranges 0-100 at 2
            # (flat 10), 101-200 at 1, 201+ at 0.5 (flat 50)
            ("0", "10"),  # the first range's flat amount
            ("1", "12"),  # 1 x 2 + 10
            ("100", "210"),  # 100 x 2 + 10
            ("100.5", "100.5"),  # above 100: range 2, 100.5 x 1
            ("101", "101"),
            ("200", "200"),
            ("300", "200"),  # 300 x 0.5 + 50
        ],
    )
    def test_volume(self, units: str, expected: str) -> None:
        model = Volume(
            flat_fee_at_zero=True,
            tiers=[
                Tier(up_to=100, unit_price=usd("2"), flat_fee=usd("10")),
                Tier(up_to=200, unit_price=usd("1")),
                Tier(unit_price=usd("0.5"), flat_fee=usd("50")),
            ],
        )
        assert model.price(units) == usd(expected)
