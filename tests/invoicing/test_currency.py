"""Every currency mix in invoicing is a CurrencyMismatchError (and an InvoicingError)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from billkit.credit import Ledger, Wallet
from billkit.errors import CurrencyMismatchError, InvoicingError
from billkit.invoicing import (
    DocumentTerms,
    Item,
    build_credit_note,
    build_invoice,
    build_reconciliation,
)
from billkit.invoicing.documents import DocumentLine, Totals
from billkit.invoicing.lifecycle import refund_event, statement_event
from billkit.invoicing.render.model import TaxRow
from billkit.invoicing.tax import compute_taxes
from billkit.money import Money
from billkit.parties import Party
from billkit.periods import Period

TERMS = DocumentTerms(
    seller=Party(kind="legal_entity", country="IT", name="Chat S.r.l."),
    buyer=Party(kind="legal_entity", country="IT", name="Cliente S.p.A."),
    rules=None,
)
EUR = Money("10.00", "EUR")
RUB = Money("10.00", "RUB")


def _invoice() -> object:
    return build_invoice(
        [Item(description="Growth", unit_price=EUR)], TERMS, issue_date=date(2026, 3, 1), number="7"
    )


def _two_wallets() -> object:
    ledger = Ledger(
        wallets=[Wallet(name="rub", currency="RUB"), Wallet(name="eur", currency="EUR")]
    )
    return build_reconciliation(
        ledger,
        ["rub", "eur"],
        TERMS,
        issue_date=date(2026, 4, 1),
        period=Period(date(2026, 3, 1), date(2026, 4, 1)),
    )


CASES: list[tuple[str, Callable[[], object], str]] = [
    ("item", lambda: Item(description="x", unit_price=RUB, amount=EUR), "unit_price"),
    (
        "items",
        lambda: build_invoice(
            [Item(description="a", unit_price=EUR), Item(description="b", unit_price=RUB)],
            TERMS,
            issue_date=date(2026, 3, 1),
        ),
        "items[1]",
    ),
    (
        "credit note",
        lambda: build_credit_note(
            _invoice(),
            number="NC-1",  # type: ignore[arg-type]
            issue_date=date(2026, 3, 2),
            amount=RUB,
        ),
        "amount",
    ),
    ("tax lines", lambda: compute_taxes([EUR, RUB], ["0.2", "0.2"]), "amounts[1]"),
    ("refund", lambda: refund_event(EUR, RUB), "refunded"),
    ("statement", lambda: statement_event(EUR, RUB), "paid"),
    (
        "line",
        lambda: DocumentLine(
            position=1,
            description="x",
            quantity=1,
            net=EUR,
            tax_rate="0",
            tax=Money("0", "RUB"),
            gross=EUR,
        ),
        "lines[1].tax",
    ),
    ("totals", lambda: Totals(net=EUR, tax=Money("0", "RUB"), gross=EUR), "totals.tax"),
    (
        "render tax row",
        lambda: TaxRow(rate=None, net=EUR, tax=Money("0", "RUB"), gross=EUR),
        "tax.tax",
    ),
    ("reconciliation", _two_wallets, "wallet"),
]


@pytest.mark.parametrize(("case", "build", "field"), CASES, ids=[c[0] for c in CASES])
def test_a_currency_mix_is_caught_by_kind_and_by_room(
    case: str, build: Callable[[], object], field: str
) -> None:
    with pytest.raises(CurrencyMismatchError) as raised:
        build()
    assert isinstance(raised.value, InvoicingError)
    assert str(raised.value).startswith(f"{field} = ")
