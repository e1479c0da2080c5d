"""The refund of an early termination, capped at what was paid (Lago's termination credit note)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import InvoicingError
from billkit.invoicing.credit_notes import termination_refund
from billkit.money import Money


def eur(amount: str | Decimal) -> Money:
    return Money(amount, "EUR")


# lago-api spec/services/credit_notes/create_from_termination_spec.rb, "when refund is requested":
# unused 16 days at 1.00 = 16.00 + 20 % tax = 19.20 creditable;
# used 15 days = 15.00 + 20 % = 18.00; the subscription is 50 % of the invoice.
@pytest.mark.parametrize(
    ("invoice_paid", "refund", "credit"),
    [
        (
            "74.40",
            "19.20",
            "0.00",
        ),  # fully paid: 74.40 / 2 = 37.20; 37.20 - 18.00 = 19.20 (cap 19.20)
        ("55.80", "9.90", "9.30"),  # 55.80 / 2 = 27.90; 27.90 - 18.00 = 9.90; 19.20 - 9.90 = 9.30
        ("9.30", "0.00", "19.20"),  # 9.30 / 2 = 4.65 < 18.00: no refund, all credit
    ],
)
def test_lago_termination_spec(invoice_paid: str, refund: str, credit: str) -> None:
    paid = eur(Decimal(invoice_paid) / 2)  # the subscription's share of the invoice
    assert termination_refund(eur("19.20"), paid=paid, used=eur("18.00")) == (
        eur(refund),
        eur(credit),
    )


_CENTS = st.integers(min_value=0, max_value=10**8).map(lambda c: eur(Decimal(c) / 100))


@given(_CENTS, _CENTS, _CENTS)
def test_properties(creditable: Money, paid: Money, used: Money) -> None:
    refund, credit = termination_refund(creditable, paid=paid, used=used)
    assert refund + credit == creditable  # nothing lost, nothing made
    assert Money(0, "EUR") <= refund <= creditable
    assert refund.amount <= max(paid.amount - used.amount, Decimal(0))  # never more than was paid
    assert credit.amount >= 0


def test_refusals() -> None:
    with pytest.raises(InvoicingError, match="paid"):
        termination_refund(eur("1.00"), paid=Money("1.00", "USD"), used=eur("0.00"))
    with pytest.raises(InvoicingError, match="used"):
        termination_refund(eur("1.00"), paid=eur("1.00"), used=eur("-0.01"))
