"""A receipt or credit note of part of a whole-rial invoice is in whole rials (issue 15).

billkit follows ISO 4217 (2 decimals for the Iranian rial) unless a policy
says otherwise; Iranian invoices are written in whole rials, with
``RoundingPolicy(minor_units={"IRR": 0})`` (docs/money.md). A receipt or
credit note for part of such an invoice used to be split with the default
policy, so it printed fractions of a rial (۱۵۹٬۰۹۰٫۹۱) under an invoice
printed in whole rials. By default it now keeps the invoice's precision.

The figures: an invoice of 1 000 000 rials plus Iran's 10 % VAT (from 1403)
is 1 100 000; a payment of 175 000 of it is, tax included,
175 000 x 100 / 110 = 159 090.909... net, 159 091 in whole rials, and
175 000 - 159 091 = 15 909 tax.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.invoicing import DocumentTerms, Item, build_credit_note, build_invoice
from billkit.invoicing.builders import receipt_for
from billkit.invoicing.render import render_html
from billkit.money import Money, RoundingPolicy
from billkit.parties import Address, Party

WHOLE = RoundingPolicy(minor_units={"IRR": 0})
ADDRESS = Address(country="IR", city="تهران", street="خیابان ولیعصر")


def irr(amount: str | int) -> Money:
    return Money(amount, "IRR")


def invoice(price: str = "1000000", rounding: RoundingPolicy = WHOLE):  # type: ignore[no-untyped-def]
    terms = DocumentTerms(
        seller=Party(kind="legal_entity", country="IR", name="شرکت ردیاب", legal_address=ADDRESS),
        buyer=Party(kind="legal_entity", country="IR", name="شرکت آلفا", legal_address=ADDRESS),
        locale="fa_IR",
        rounding=rounding,
    )
    return build_invoice(
        [Item(description="طرح رشد", unit_price=irr(price))],
        terms,
        issue_date=date(2026, 3, 1),
        number="7",
    )


def test_the_invoice_is_in_whole_rials() -> None:
    inv = invoice()
    assert (inv.totals.net, inv.totals.tax, inv.totals.gross) == (
        irr(1000000),
        irr(100000),  # 10 %
        irr(1100000),
    )


def test_a_partial_receipt_keeps_whole_rials() -> None:
    r = receipt_for(invoice(), number="R-1", paid_on=date(2026, 3, 5), amount=irr(175000))
    assert r.totals.net.amount == Decimal("159091")  # 159 090.909... rounded half up
    assert r.totals.tax.amount == Decimal("15909")  # 175 000 - 159 091
    assert r.totals.gross.amount == Decimal("175000")
    page = render_html(r)
    assert "۱۵۹٬۰۹۱" in page
    assert "۱۵٬۹۰۹" in page
    assert "٫" not in page  # no Persian decimal separator: no fraction of a rial


def test_a_partial_credit_note_keeps_whole_rials() -> None:
    note = build_credit_note(
        invoice(), number="C-1", issue_date=date(2026, 3, 6), amount=irr(175000)
    )
    assert (note.totals.net.amount, note.totals.tax.amount) == (Decimal("159091"), Decimal("15909"))


def test_an_explicit_policy_still_wins() -> None:
    # ISO 4217's 2 decimals when asked for: 159 090.909... -> 159 090.91
    two = RoundingPolicy(minor_units={"IRR": 2})
    r = receipt_for(
        invoice(), number="R-2", paid_on=date(2026, 3, 5), amount=irr(175000), rounding=two
    )
    assert r.totals.net.amount == Decimal("159090.91")


def test_an_invoice_in_iso_decimals_keeps_them() -> None:
    # the default policy (ISO 4217: 2 decimals) on the invoice: its receipt too
    inv = invoice(rounding=RoundingPolicy())
    assert inv.totals.gross.amount == Decimal("1100000.00")
    r = receipt_for(inv, number="R-3", paid_on=date(2026, 3, 5), amount=irr(175000))
    assert r.totals.net.amount == Decimal("159090.91")


@settings(max_examples=40, deadline=None)
@given(
    price=st.integers(min_value=1, max_value=10**9),
    share=st.fractions(min_value=0, max_value=1),
)
def test_whole_rials_add_up(price: int, share: object) -> None:
    inv = invoice(str(price))
    paid = int(inv.totals.gross.amount * Decimal(share.numerator) / share.denominator)  # type: ignore[attr-defined]
    if paid == 0:
        return
    r = receipt_for(inv, number="R", paid_on=date(2026, 3, 5), amount=irr(paid))
    for m in (r.totals.net, r.totals.tax, r.totals.gross):
        assert m.amount == m.amount.to_integral_value()
    assert r.totals.net.amount + r.totals.tax.amount == paid
