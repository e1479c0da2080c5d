"""Coupons on any list of fees (``discount_items``), not only on a quote.

Expected values: Lago's ``spec/services/credits/applied_coupon_service_spec.rb``
(a fixed-amount coupon larger than the invoice keeps its remaining amount for
the next one, then is terminated), Lago's changelog "Coupons applied before
tax" (https://getlago.com/changelog/coupons-before-tax: "all coupons are
deducted from the invoice amount before tax"), and arithmetic shown below.
billkit's own quote discounts (``billkit.pricing.apply_discounts``) are the
reference the property test holds this to.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import CurrencyMismatchError, InvoicingError
from billkit.invoicing import DocumentTerms, Item, build_invoice, items_from_quote
from billkit.invoicing.items import discount_items
from billkit.invoicing.tax import LineTax
from billkit.money import Money
from billkit.parties import Party
from billkit.periods import Period
from billkit.pricing import Charge, Coupon, PerUnit, Plan, apply_discounts, quote


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def test_lago_fixed_amount_coupon_carried_over_fees_until_terminated() -> None:
    # applied_coupon_service_spec.rb, in cents: coupon 12 on fees 4 + 2 = 6 -> credit 6,
    # split 4 and 2, 12 - 6 = 6 remains
    fees = [
        Item(description="Subscription", amount=eur("0.04"), code="sub"),
        Item(description="Usage", amount=eur("0.02"), code="usage"),
    ]
    first = discount_items(fees, [Coupon(code="C12", amount_off=eur("0.12"))])
    used = first.discounts[0]
    assert dict(used.parts) == {"sub": eur("0.04"), "usage": eur("0.02")}
    assert first.total == eur("0.00")
    assert not used.terminated
    assert used.remainder is not None
    assert used.remainder.amount_off == eur("0.06")
    # "when coupon is partially used": 6 left on fees 200 + 100 -> credit 6 split 4 and 2
    # (6 x 200/300 = 4, 6 x 100/300 = 2), terminated
    later = [
        Item(description="Subscription", amount=eur("2.00"), code="sub"),
        Item(description="Usage", amount=eur("1.00"), code="usage"),
    ]
    second = discount_items(later, [used.remainder])
    done = second.discounts[0]
    assert dict(done.parts) == {"sub": eur("0.04"), "usage": eur("0.02")}
    assert [i.amount for i in second.items] == [eur("1.96"), eur("0.98")]
    assert done.terminated
    assert done.remainder is None


def test_coupons_are_taken_off_before_tax() -> None:
    # subscriptions 50 + usage 20 = 70, coupon 10 -> 60 before tax; tax 10 % = 6.00 -> 66.00
    tax = [LineTax(name="Tax", rate="10%")]
    fees = [
        Item(description="Subscriptions", unit_price=eur("50.00"), code="sub", taxes=tax),
        Item(description="Usage", unit_price=eur("20.00"), code="usage", taxes=tax),
    ]
    discounted = discount_items(fees, [Coupon(code="TEN", amount_off=eur("10.00"))])
    # 10 split 50:20 -> 7.142857 and 2.857142; the floors 7.14 + 2.85 leave a cent, which
    # goes to the larger remainder (0.007142 against 0.002857): 7.14 and 2.86
    assert [i.amount for i in discounted.items] == [eur("42.86"), eur("17.14")]
    assert discounted.items[0].explanation == ("discount −7.14: 50.00 → 42.86",)
    terms = DocumentTerms(
        seller=Party(kind="legal_entity", country="FR", name="Lago SAS"),
        buyer=Party(kind="legal_entity", country="FR", name="Client SA"),
        rules=None,
    )
    inv = build_invoice(discounted.items, terms, number="1", issue_date=date(2026, 3, 1))
    # 42.86 x 10 % = 4.286 -> 4.29; 17.14 x 10 % = 1.714 -> 1.71; 6.00 in all
    assert inv.totals.net == eur("60.00")
    assert inv.totals.tax == eur("6.00")
    assert inv.totals.gross == eur("66.00")


def test_percent_and_code_limited_coupons_in_order() -> None:
    fees = [
        Item(description="Seats", quantity=3, unit_price=eur("10.00"), code="seats"),
        Item(description="Storage", amount=eur("5.00"), code="storage"),
    ]
    out = discount_items(
        fees,
        [
            Coupon(code="SEATS20", percent_off="20%", lines=["seats"]),  # 30.00 x 20 % = 6.00
            Coupon(code="ALL10", percent_off="10%"),  # (24.00 + 5.00) x 10 % = 2.90
        ],
    )
    # 2.90 split 24:5 -> 2.4 and 0.5
    assert [i.amount for i in out.items] == [eur("21.60"), eur("4.50")]
    assert (out.subtotal, out.discount, out.total) == (eur("35.00"), eur("8.90"), eur("26.10"))
    assert out.items[0].unit_price == eur("10.00")  # kept for reference
    assert out.items[1].explanation == ("discount −0.50: 5.00 → 4.50",)


def test_skipped_coupons_and_refusals() -> None:
    fees = [Item(description="Seats", amount=eur("10.00"), code="seats")]
    out = discount_items(
        fees,
        [
            Coupon(code="PRO", percent_off="50%", plans=["pro"]),
            Coupon(code="ONCE", percent_off="50%"),
            Coupon(code="API", percent_off="50%", lines=["api"], duration="forever"),
        ],
        cycle=1,
        plan="basic",
    )
    assert [d.skipped for d in out.discounts] == [
        "not for plan 'basic'",
        "cycle 1 is past its duration",
        "the items have none of its lines ['api']",
    ]
    assert out.items == tuple(fees)
    assert discount_items(
        fees, [Coupon(code="PRO", percent_off="50%", plans=["pro"])], plan="pro"
    ).total == eur("5.00")
    with pytest.raises(InvoicingError, match="at least one item"):
        discount_items([], [])
    with pytest.raises(CurrencyMismatchError):
        discount_items(fees, [Coupon(code="USD", amount_off=Money("1.00", "USD"))])
    with pytest.raises(InvoicingError, match="a list of Coupons"):
        discount_items(fees, Coupon(code="X", percent_off="1%"))  # type: ignore[arg-type]


MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))


@given(
    base=st.integers(min_value=0, max_value=10**6),
    calls=st.integers(min_value=0, max_value=10**5),
    coupons=st.lists(
        st.one_of(
            st.integers(min_value=0, max_value=100).map(
                lambda p: Coupon(code=f"P{p}", percent_off=f"{p}%")
            ),
            st.integers(min_value=0, max_value=10**6).map(
                lambda c: Coupon(code=f"A{c}", amount_off=Money(f"{c / 100:.2f}", "EUR"))
            ),
            st.just(Coupon(code="BASE", percent_off="15%", lines=["base"])),
        ),
        max_size=3,
    ),
)
def test_items_are_discounted_as_the_quote_is(base: int, calls: int, coupons: list[Coupon]) -> None:
    plan = Plan(
        code="p",
        name="P",
        currency="EUR",
        base_fee=Money(f"{base / 100:.2f}", "EUR"),
        charges=[Charge(code="calls", metric="calls", model=PerUnit(unit_price=eur("0.013")))],
    )
    bill = quote(plan, {"calls": calls}, MARCH)
    via_quote = apply_discounts(bill, coupons)
    via_items = discount_items(items_from_quote(bill), coupons, plan="p", rounding=bill.rounding)
    assert [i.amount for i in via_items.items] == [ln.net for ln in via_quote.lines]
    assert via_items.discounts == via_quote.discounts
    assert via_items.total == via_quote.total
