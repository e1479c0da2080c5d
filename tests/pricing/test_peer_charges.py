"""Usage charges of other billing systems (issue 16): Kill Bill's tier blocks and
capacity usage, Lago's graduated percentage model and its percentage rule for a
zero total.

Expected figures come from those systems' own test suites (cited beside each
example, with the arithmetic shown); the properties check the invariants.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import CurrencyMismatchError, PricingError
from billkit.money import Money
from billkit.periods import Period
from billkit.pricing import Charge, Graduated, Percentage, Plan, Tier, Volume, quote
from billkit.pricing.models import Capacity, CapacityTier, GraduatedPercentage, PercentTier

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
