"""A reconciliation statement from documents and payments (issue 15): the rows
an accountant reconciles (acts, credit notes, payments), not the ledger's
daily charges; opening and closing balances; whole kopecks; one closing
sentence with its date, amount and in whose favour.

Figures: the hosting provider of the example businesses (Russia, roubles,
prices including 20 % VAT), a client company on monthly acts.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.errors import CurrencyMismatchError, InvoicingError
from billkit.invoicing import DocumentTerms, Item, build_act, build_credit_note, build_receipt
from billkit.invoicing.documents import ReconciliationRow
from billkit.invoicing.reconciliation import reconciliation_from_documents
from billkit.invoicing.render.adapters import to_render_document
from billkit.money import Money
from billkit.parties import Party
from billkit.periods import Period

SELLER = Party(kind="legal_entity", country="RU", name="ООО Хостинг", name_genitive="ООО «Хостинг»")
BUYER = Party(kind="legal_entity", country="RU", name="ООО Клиент")
TERMS = DocumentTerms(
    seller=SELLER, buyer=BUYER, locale="ru_RU", prices_include_tax=True, rules=None
)
Q1 = Period(date(2026, 1, 1), date(2026, 4, 1))


def rub(amount: str) -> Money:
    return Money(amount, "RUB")


def act(number: str, on: date, amount: str) -> object:
    return build_act(
        [Item(description="VPS-2, аренда", unit_price=rub(amount))],
        TERMS,
        number=number,
        issue_date=on,
    )


def payment(on: date, amount: str, reference: str) -> ReconciliationRow:
    return ReconciliationRow(
        on=on, description="Оплата", reference=reference, debit=rub("0"), credit=rub(amount)
    )


def test_rows_are_acts_credit_notes_and_payments() -> None:
    december = act("2025-12", date(2025, 12, 31), "3600.00")
    january = act("2026-01", date(2026, 1, 31), "3600.00")
    february = act("2026-02", date(2026, 2, 28), "3600.00")
    march = act("2026-03", date(2026, 3, 31), "3600.00")
    april = act("2026-04", date(2026, 4, 30), "3600.00")  # after the period: left out
    refund = build_credit_note(
        february, number="К-7", issue_date=date(2026, 3, 2), amount=rub("1200.00")
    )
    st = reconciliation_from_documents(
        [december, january, february, march, april, refund],
        TERMS,
        payments=[
            payment(date(2025, 12, 5), "3600.00", "п/п № 5100"),  # before: opening
            payment(date(2026, 1, 10), "3600.00", "п/п № 5600"),
            payment(date(2026, 2, 10), "3600.00", "п/п № 5635"),
        ],
        period=Q1,
        issue_date=date(2026, 4, 1),
        number="АС-1",
    )
    # opening: the December act 3 600.00 - its payment 3 600.00 = 0.00
    assert st.opening_balance == rub("0.00")
    assert [(r.on, r.description, r.debit.amount, r.credit.amount) for r in st.rows] == [
        (date(2026, 1, 10), "Оплата", 0, Decimal("3600.00")),
        (date(2026, 1, 31), "Продажа (акт № 2026-01 от 31.01.2026)", Decimal("3600.00"), 0),
        (date(2026, 2, 10), "Оплата", 0, Decimal("3600.00")),
        (date(2026, 2, 28), "Продажа (акт № 2026-02 от 28.02.2026)", Decimal("3600.00"), 0),
        (date(2026, 3, 2), "Корректировка (№ К-7 от 02.03.2026)", 0, Decimal("1200.00")),
        (date(2026, 3, 31), "Продажа (акт № 2026-03 от 31.03.2026)", Decimal("3600.00"), 0),
    ]
    # debits 3 x 3 600.00 = 10 800.00; credits 3 600.00 x 2 + 1 200.00 = 8 400.00
    assert st.debit_total == rub("10800.00")
    assert st.credit_total == rub("8400.00")
    # closing: 0.00 + 10 800.00 - 8 400.00 = 2 400.00, owed to the seller
    assert st.closing_balance == rub("2400.00")
    assert st.in_favour_of == "seller"
    assert st.rows[0].reference == "п/п № 5600"


def test_the_closing_balance_is_stated_once_with_date_amount_and_party() -> None:
    st = reconciliation_from_documents(
        [act("2026-03", date(2026, 3, 31), "3600.00")],
        TERMS,
        payments=[payment(date(2026, 3, 5), "1000.00", "п/п № 1")],
        period=Q1,
        issue_date=date(2026, 4, 1),
    )
    doc = to_render_document(st)
    # 3 600.00 - 1 000.00 = 2 600.00, in favour of the seller, in the genitive; on the
    # period's last day, 31.03.2026
    (sentence,) = doc.summary
    assert sentence.replace("\xa0", " ").replace("\u202f", " ") == (
        "На 31.03.2026 задолженность в пользу ООО «Хостинг» составляет 2 600,00 ₽."
    )
    # printed: each row names its document, and the sentence appears once
    from billkit.invoicing.render.html import render_html

    html = render_html(st).replace("\xa0", " ").replace("\u202f", " ")
    assert "Продажа (акт № 2026-03 от 31.03.2026)" in html
    assert html.count("задолженность в пользу") == 1
    assert [c.label for c in doc.table.columns] == [
        "date",
        "document",
        "seller_debit",
        "seller_credit",
        "buyer_debit",
        "buyer_credit",
    ]


def test_a_prepayment_favours_the_buyer() -> None:
    st = reconciliation_from_documents(
        [act("2026-01", date(2026, 1, 31), "3600.00")],
        TERMS,
        payments=[payment(date(2026, 1, 5), "10000.00", "п/п № 2")],
        period=Q1,
        issue_date=date(2026, 4, 1),
    )
    # 3 600.00 - 10 000.00 = -6 400.00: the seller owes services
    assert st.closing_balance == rub("-6400.00")
    assert st.in_favour_of == "buyer"


def test_receipts_are_payments_on_their_payment_day() -> None:
    receipt = build_receipt(
        [Item(description="Пополнение", unit_price=rub("500.00"))],
        TERMS,
        number="Ч-3",
        issue_date=date(2026, 2, 2),
        paid_on=date(2026, 2, 1),
    )
    st = reconciliation_from_documents(
        [receipt], TERMS, period=Q1, issue_date=date(2026, 4, 1), opening_balance=rub("700.00")
    )
    (row,) = st.rows
    assert (row.on, row.credit, row.description) == (
        date(2026, 2, 1),
        rub("500.00"),
        "Оплата (№ Ч-3 от 02.02.2026)",
    )
    assert st.closing_balance == rub("200.00")  # 700.00 - 500.00


def test_payments_finer_than_a_kopeck_show_in_whole_kopecks() -> None:
    st = reconciliation_from_documents(
        [],
        TERMS,
        payments=[
            payment(date(2026, 1, 2), "22.4137", "a"),
            payment(date(2026, 1, 3), "22.4137", "b"),
        ],
        period=Q1,
        issue_date=date(2026, 4, 1),
    )
    # running: -22.4137 -> -22.41, -44.8274 -> -44.83: rows 22.41 and 22.42
    assert [r.credit.amount for r in st.rows] == [Decimal("22.41"), Decimal("22.42")]
    assert st.closing_balance == rub("-44.83")


def test_refusals_name_the_field() -> None:
    draft = build_act([Item(description="x", unit_price=rub("1.00"))], TERMS, issue_date=Q1.start)
    with pytest.raises(InvoicingError, match=r"documents\[0\]\.number"):
        reconciliation_from_documents([draft], TERMS, period=Q1, issue_date=Q1.end)
    euro = build_act(
        [Item(description="x", unit_price=Money("1.00", "EUR"))],
        TERMS,
        number="E-1",
        issue_date=Q1.start,
    )
    with pytest.raises(CurrencyMismatchError, match="documents"):
        reconciliation_from_documents(
            [act("1", Q1.start, "1.00"), euro], TERMS, period=Q1, issue_date=Q1.end
        )
    with pytest.raises(InvoicingError, match=r"documents\[0\]"):
        reconciliation_from_documents(["act"], TERMS, period=Q1, issue_date=Q1.end)  # type: ignore[list-item]
    with pytest.raises(InvoicingError, match="documents"):
        reconciliation_from_documents([], TERMS, period=Q1, issue_date=Q1.end)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 150),  # day offset from 2025-12-01
            st.integers(1, 10**7),  # amount in hundredths of a kopeck
            st.booleans(),  # a payment (True) or an act
        ),
        max_size=12,
    )
)
def test_the_closing_balance_is_everything_up_to_the_periods_end(
    events: list[tuple[int, int, bool]],
) -> None:
    start = date(2025, 12, 1)
    documents = []
    payments = []
    owed = Decimal(0)  # everything dated before the period's end, exact
    for i, (offset, units, paid) in enumerate(events):
        on = date.fromordinal(start.toordinal() + offset)
        if paid:
            amount = Decimal(units) / 10000
            payments.append(payment(on, str(amount), str(i)))
            sign = -1
        else:
            amount = Decimal(units) / 100
            documents.append(act(str(i), on, str(amount)))
            sign = 1
        if on < Q1.end:
            owed += sign * amount
    st_ = reconciliation_from_documents(
        documents,
        TERMS,
        payments=payments,
        period=Q1,
        issue_date=Q1.end,
        opening_balance=rub("0"),
    )
    # billkit's default rounding is half up (away from zero): -0.005 -> -0.01
    assert st_.closing_balance.amount == owed.quantize(Decimal("0.01"), ROUND_HALF_UP)
    for row in st_.rows:
        assert row.on in Q1
        assert row.debit.amount == row.debit.amount.quantize(Decimal("0.01"))
        assert row.credit.amount == row.credit.amount.quantize(Decimal("0.01"))
