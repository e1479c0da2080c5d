"""Tests for billkit.pricing.discounts: coupons, promo codes and prepaid terms.

Figures: the hosting provider's 250.00 RUB VAT-inclusive price (REQUIREMENTS
3), the messaging business's annual billing at 20 % off twelve monthly fees
(REQUIREMENTS 4, the demo catalog's 950.40 EUR); the rest is arithmetic shown
beside each assertion.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.demo import demo_catalog
from billkit.errors import CurrencyMismatchError, PeriodError, PricingError
from billkit.money import Money, RoundingPolicy, tax_from_gross
from billkit.periods import YEARLY, Period
from billkit.pricing import Charge, Coupon, PerUnit, Plan, Quote, apply_discounts, quote
from billkit.pricing.discounts import (
    DiscountDuration,
    DiscountedQuote,
    prepay,
    redeem,
    term_plan,
)
from tests.strategies import money
from tests.strategies.pricing import currencies, periods_for, plans, usage_for

MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))


def rub(amount: str) -> Money:
    return Money(amount, "RUB")


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


VPS = Plan(
    code="vps",
    name="VPS",
    currency="RUB",
    base_fee=rub("250.00"),
    charges=[Charge(code="backups", metric="gb", model=PerUnit(unit_price=rub("2.50")))],
)
BILL = quote(VPS, {"gb": 20}, MARCH)  # 250.00 + 20 x 2.50 = 300.00
GROWTH = Plan(code="growth", name="Growth", currency="EUR", base_fee=eur("99.00"))
VPS_START = Plan(code="vps-start", name="VPS Start", currency="RUB", base_fee=rub("250.00"))


def nets(result: DiscountedQuote) -> list[Money]:
    return [ln.net for ln in result.lines]


class TestCoupons:
    def test_percentage(self) -> None:
        bill = quote(GROWTH, {}, MARCH)
        result = apply_discounts(bill, [Coupon(code="SPRING", percent_off="15%")])
        # 99.00 x 15 % = 14.85; 99.00 - 14.85 = 84.15.
        assert result.discount == eur("14.85")
        assert result.total == eur("84.15")

    def test_percentage_rounds_once_on_the_total(self) -> None:
        # 10 % of 300.00 is 30.00, spread 250 : 50 = 25.00 and 5.00.
        result = apply_discounts(BILL, [Coupon(code="TEN", percent_off="10%")])
        assert [ln.discount for ln in result.lines] == [rub("25.00"), rub("5.00")]
        # 7 % of 300.00 = 21.00; 21 x 250/300 = 17.50, 21 x 50/300 = 3.50.
        seven = apply_discounts(BILL, [Coupon(code="S", percent_off="7%")])
        assert [ln.discount for ln in seven.lines] == [rub("17.50"), rub("3.50")]

    def test_fixed_amount_is_spread_in_proportion(self) -> None:
        result = apply_discounts(BILL, [Coupon(code="HELLO", amount_off=rub("100.00"))])
        # 100 x 250/300 = 83.333..., 100 x 50/300 = 16.666...: 83.33 + 16.66 = 99.99,
        # and the cent left goes to the larger remainder (0.666 > 0.333): 16.67.
        assert [ln.discount for ln in result.lines] == [rub("83.33"), rub("16.67")]
        assert nets(result) == [rub("166.67"), rub("33.33")]
        assert result.total == rub("200.00")
        (applied,) = result.discounts
        assert applied.parts == (("base", rub("83.33")), ("backups", rub("16.67")))

    def test_fixed_amount_larger_than_the_bill_is_capped(self) -> None:
        result = apply_discounts(BILL, [Coupon(code="BIG", amount_off=rub("500.00"))])
        (applied,) = result.discounts
        assert applied.amount == rub("300.00")
        assert applied.unused == rub("200.00")  # reported, not carried
        assert nets(result) == [rub("0.00"), rub("0.00")]
        assert result.total == rub("0.00")
        assert "(200.00 unused)" in str(applied)

    def test_per_charge(self) -> None:
        # The subscription only: 20 % of 250.00 = 50.00; backups untouched.
        result = apply_discounts(BILL, [Coupon(code="SUB", percent_off="20%", lines=["base"])])
        assert nets(result) == [rub("200.00"), rub("50.00")]

    def test_per_plan(self) -> None:
        coupon = Coupon(code="ONLY", percent_off="50%", plans=["dedicated"])
        result = apply_discounts(BILL, [coupon])
        assert result.total == BILL.total
        assert result.discounts[0].skipped == "not for plan 'vps'"
        assert "not applied (not for plan 'vps')" in str(result)

    def test_lines_the_quote_does_not_have(self) -> None:
        result = apply_discounts(BILL, [Coupon(code="X", percent_off="50%", lines=["sms"])])
        assert result.discounts[0].skipped == "the quote has none of its lines ['sms']"
        assert result.total == rub("300.00")

    @pytest.mark.parametrize(
        ("duration", "cycles", "applies"),
        [
            ("once", None, [True, False, False, False]),
            ("repeating", 3, [True, True, True, False]),
            ("forever", None, [True, True, True, True]),
        ],
    )
    def test_durations(self, duration: str, cycles: int | None, applies: list[bool]) -> None:
        coupon = Coupon(code="D", percent_off="10%", duration=duration, cycles=cycles)
        totals = [apply_discounts(BILL, [coupon], cycle=n).total for n in range(4)]
        assert totals == [rub("270.00") if a else rub("300.00") for a in applies]
        assert [coupon.applies_in(n) for n in range(4)] == applies

    def test_order_is_the_order_given(self) -> None:
        ten, five = (
            Coupon(code="TEN", percent_off="10%"),
            Coupon(code="FIVE", amount_off=rub("5.00")),
        )
        # 10 % of 300.00 = 30.00 -> 270.00, then 5.00 off -> 265.00.
        assert apply_discounts(BILL, [ten, five]).total == rub("265.00")
        # 5.00 off -> 295.00, then 10 % of 295.00 = 29.50 -> 265.50.
        assert apply_discounts(BILL, [five, ten]).total == rub("265.50")

    def test_discounts_come_before_tax(self) -> None:
        # 250.00 RUB including 20 % VAT holds 41.67 of tax (250 x 20 / 120).
        vat_included = quote(VPS_START, {}, MARCH)
        assert tax_from_gross(vat_included.total, "20%").tax == rub("41.67")
        # With 10 % off, the customer pays 225.00, and its tax is 225 x 20 / 120 = 37.50.
        discounted = apply_discounts(vat_included, [Coupon(code="TEN", percent_off="10%")])
        split = tax_from_gross(discounted.total, "20%")
        assert (split.gross, split.tax, split.net) == (rub("225.00"), rub("37.50"), rub("187.50"))

    def test_explain(self) -> None:
        text = apply_discounts(BILL, [Coupon(code="HELLO", amount_off=rub("100.00"))]).explain()
        assert text.splitlines() == [
            "  base            250.00  -83.33 = 166.67",
            "  backups          50.00  -16.67 = 33.33",
            "  HELLO: 100.00 RUB off, once: -100.00 of 300.00",
            "  total           300.00  -100.00 = 200.00 RUB",
        ]


class TestCouponRefusals:
    def test_one_kind_of_discount(self) -> None:
        with pytest.raises(PricingError, match=r"percent_off = None: expected a percent_off or"):
            Coupon(code="NONE")
        with pytest.raises(PricingError, match=r"one or the other"):
            Coupon(code="BOTH", percent_off="1%", amount_off=eur("1.00"))

    @pytest.mark.parametrize("rate", ["101%", "1.5", "-5%"])
    def test_percentages_from_0_to_100(self, rate: str) -> None:
        with pytest.raises(ValueError, match=r"percent_off"):
            Coupon(code="P", percent_off=rate)

    def test_amount_needs_a_currency(self) -> None:
        with pytest.raises(PricingError, match=r"a bare number has no currency"):
            Coupon(code="A", amount_off=Decimal(5))
        assert Coupon(code="A", amount_off="5.00 EUR").amount_off == eur("5.00")

    def test_cycles_only_for_repeating(self) -> None:
        with pytest.raises(PricingError, match=r"cycles = None: expected a whole number"):
            Coupon(code="R", percent_off="1%", duration="repeating")
        with pytest.raises(PricingError, match=r"cycles = 2: expected None"):
            Coupon(code="F", percent_off="1%", duration=DiscountDuration.FOREVER, cycles=2)
        with pytest.raises(PricingError, match=r"duration = 'weekly'"):
            Coupon(code="W", percent_off="1%", duration="weekly")

    def test_amount_in_the_quote_currency_and_minor_units(self) -> None:
        with pytest.raises(CurrencyMismatchError, match=r"coupons\[0\].amount_off"):
            apply_discounts(BILL, [Coupon(code="E", amount_off=eur("5.00"))])
        with pytest.raises(PricingError, match=r"whole number of minor units"):
            apply_discounts(BILL, [Coupon(code="E", amount_off=rub("0.005"))])

    def test_cycle_and_coupons(self) -> None:
        with pytest.raises(PricingError, match=r"cycle = -1"):
            apply_discounts(BILL, [], cycle=-1)
        with pytest.raises(PricingError, match=r"coupons"):
            apply_discounts(BILL, Coupon(code="X", percent_off="1%"))  # type: ignore[arg-type]


class TestRedeem:
    spring = Coupon(
        code="SPRING20",
        percent_off="20%",
        plans=["growth"],
        redeemable=Period(date(2026, 3, 1), date(2026, 6, 1)),
    )

    def test_as_typed_by_a_customer(self) -> None:
        assert (
            redeem([self.spring], "  spring20 ", on=date(2026, 5, 31), plan=GROWTH) is self.spring
        )

    def test_outside_the_window(self) -> None:
        with pytest.raises(PricingError, match=r"from 2026-03-01 to 2026-05-31"):
            redeem([self.spring], "SPRING20", on=date(2026, 2, 28), plan=GROWTH)

    def test_another_plan(self) -> None:
        with pytest.raises(PricingError, match=r"plan = 'vps'"):
            redeem([self.spring], "SPRING20", on=date(2026, 4, 1), plan=VPS)

    def test_unknown_and_ambiguous(self) -> None:
        with pytest.raises(PricingError, match=r"code = 'WINTER': expected a known promo code"):
            redeem([self.spring], "WINTER", on=date(2026, 4, 1), plan=GROWTH)
        twin = Coupon(code="spring20", percent_off="5%")
        with pytest.raises(PricingError, match=r"one coupon with code"):
            redeem([self.spring, twin], "SPRING20", on=date(2026, 4, 1), plan=GROWTH)

    def test_coupons_are_a_list(self) -> None:
        with pytest.raises(PricingError, match=r"coupons = 'SPRING20'"):
            redeem("SPRING20", "SPRING20", on=date(2026, 4, 1), plan=GROWTH)  # type: ignore[arg-type]

    def test_dates_are_dates(self) -> None:
        with pytest.raises(PeriodError, match=r"on"):
            redeem([self.spring], "SPRING20", on="2026-04-01", plan=GROWTH)  # type: ignore[arg-type]


class TestTerms:
    def test_annual_billing_at_twenty_percent_off(self) -> None:
        term = prepay(GROWTH, 12, start=date(2026, 3, 14), discount="20%")
        # 12 x 99.00 = 1 188.00; 20 % = 237.60; 1 188.00 - 237.60 = 950.40.
        assert term.full == eur("1188.00")
        assert term.discount == eur("237.60")
        assert term.price == eur("950.40")
        assert term.price == demo_catalog()["growth-annual"].base_fee
        assert term.period == Period(date(2026, 3, 14), date(2027, 3, 14))
        # Twelve instalments of 950.40 / 12 = 79.20, one per month.
        assert [m for _, m in term.instalments] == [eur("79.20")] * 12
        assert term.instalments[0][0] == Period(date(2026, 3, 14), date(2026, 4, 14))

    def test_instalments_add_up(self) -> None:
        plan = Plan(code="p", name="P", currency="EUR", base_fee=eur("33.33"))
        term = prepay(plan, 3, start=date(2026, 1, 31), discount="5%")
        # 3 x 33.33 = 99.99; 5 % = 4.9995 -> 5.00; 94.99 split three ways:
        # 31.663... each, 31.66 x 3 = 94.98 and the cent left to the first.
        assert term.price == eur("94.99")
        assert [m for _, m in term.instalments] == [eur("31.67"), eur("31.66"), eur("31.66")]
        # Monthly from 31 January: clamped to 28 February, back to 31 March.
        assert [str(p) for p, _ in term.instalments] == [
            "2026-01-31..2026-02-28",
            "2026-02-28..2026-03-31",
            "2026-03-31..2026-04-30",
        ]

    def test_term_plan(self) -> None:
        annual = term_plan(GROWTH, 12, discount="20%", code="growth-annual")
        catalog = demo_catalog()["growth-annual"]
        assert annual.cycle == YEARLY == catalog.cycle
        assert annual.base_fee == catalog.base_fee == eur("950.40")
        # It bills like the catalog's annual plan, a year at a time.
        year = Period(date(2026, 3, 14), date(2027, 3, 14))
        assert quote(annual, {}, year).total == quote(catalog, {}, year).total

    def test_term_plan_keeps_usage_off_the_term(self) -> None:
        with pytest.raises(PricingError, match=r"plan.charges = \['backups'\]"):
            term_plan(VPS, 12, discount="20%", code="vps-annual")

    def test_quarterly_term_is_named_by_months(self) -> None:
        q = term_plan(GROWTH, 3, discount="0%", code="growth-q")
        assert str(q.cycle) == "3 months"
        assert q.base_fee == eur("297.00")  # 3 x 99.00

    @pytest.mark.parametrize(("cycles", "discount"), [(0, "1%"), (True, "1%"), (12, "120%")])
    def test_refusals(self, cycles: int, discount: str) -> None:
        with pytest.raises(PricingError):
            prepay(GROWTH, cycles, start=date(2026, 1, 1), discount=discount)


# ---------------------------------------------------------------- properties


@st.composite
def quotes_and_coupons(draw: st.DrawFn) -> tuple[Quote, list[Coupon], int]:
    currency = draw(currencies())
    plan = draw(plans(currency=currency))
    bill = quote(plan, draw(usage_for(plan)), draw(periods_for(plan.cycle)))
    codes = [ln.code for ln in bill.lines]
    coupons = []
    for i in range(draw(st.integers(0, 4))):
        lines = draw(st.lists(st.sampled_from(codes), unique=True)) if codes else []
        kind = draw(st.sampled_from(["percent", "amount"]))
        if kind == "percent":
            basis_points = draw(st.integers(0, 10_000))  # 0.01 % steps up to 100 %
            coupon = Coupon(code=f"C{i}", percent_off=Decimal(basis_points).scaleb(-4), lines=lines)
        else:
            off = draw(
                money(st.just(currency), policy=plan.rounding, allow_negative=False, max_abs=10**5)
            )
            coupon = Coupon(code=f"C{i}", amount_off=off, lines=lines)
        coupons.append(coupon)
    return bill, coupons, draw(st.integers(0, 2))


@pytest.mark.slow
@settings(max_examples=120)
@given(found=quotes_and_coupons())
def test_discounts_never_make_a_line_negative_and_conserve_their_total(
    found: tuple[Quote, list[Coupon], int],
) -> None:
    bill, coupons, cycle = found
    result = apply_discounts(bill, coupons, cycle=cycle)
    policy = bill.rounding
    for line, original in zip(result.lines, bill.lines, strict=True):
        assert line.amount == original.amount
        assert line.net.amount >= 0
        assert line.discount.amount >= 0
        assert line.net + line.discount == line.amount
    assert sum(ln.net.amount for ln in result.lines) == result.total.amount
    assert result.subtotal == bill.total
    assert result.subtotal - result.discount == result.total
    applied = [a for a in result.discounts if not a.skipped]
    assert sum(a.amount.amount for a in applied) == result.discount.amount
    for a in result.discounts:
        assert sum(m.amount for _, m in a.parts) == a.amount.amount  # the spread adds up
        assert a.amount.amount <= a.base.amount
        if a.skipped:
            assert a.amount.amount == 0
        elif a.coupon.percent_off is not None:
            expected = policy.round_amount(a.base.amount * a.coupon.percent_off, bill.currency)
            assert a.amount.amount == expected
        else:
            assert a.coupon.amount_off is not None
            assert a.amount.amount == min(a.coupon.amount_off.amount, a.base.amount)
            assert a.amount + a.unused == a.coupon.amount_off
    # Only cycle 0 sees the (once) coupons.
    if cycle:
        assert result.total == bill.total


@given(
    fee=money(st.sampled_from(["EUR", "JPY", "KWD"]), allow_negative=False, max_abs=10**6),
    cycles=st.integers(1, 36),
    basis_points=st.integers(0, 10_000),
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
)
def test_a_term_costs_its_cycles_less_the_discount_and_its_instalments_add_up(
    fee: Money, cycles: int, basis_points: int, start: date
) -> None:
    plan = Plan(code="p", name="P", currency=fee.currency, base_fee=fee)
    rate = Decimal(basis_points).scaleb(-4)
    term = prepay(plan, cycles, start=start, discount=rate)
    full = fee.amount * cycles
    assert term.full.amount == full
    assert term.discount.amount == RoundingPolicy().round_amount(full * rate, fee.currency)
    assert term.price + term.discount == term.full
    assert sum(m.amount for _, m in term.instalments) == term.price.amount
    periods = [p for p, _ in term.instalments]
    assert periods[0].start == start
    assert periods[-1].end == term.period.end
    for a, b in itertools.pairwise(periods):
        assert a.end == b.start
