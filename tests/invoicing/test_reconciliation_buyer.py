"""The buyer's side of a reconciliation statement (issue 15): the "по данным
покупателя" columns filled from the buyer's own figures, the discrepancy
between the sides shown and stated, in whole minor units.

The expected values are worked out in the comments: an акт сверки lists the
seller's debits (sales) and credits (payments, corrections) and, beside them,
the buyer's own records mirrored (a payment is a debit in the buyer's books,
a sale received a credit), each side with its opening and closing balance.
"""

from __future__ import annotations

import io
from datetime import date
from html.parser import HTMLParser

import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import InvoicingError
from billkit.invoicing import DocumentTerms, Item, build_act, build_credit_note
from billkit.invoicing.documents import BuyerFigures, ReconciliationRow, ReconciliationStatement
from billkit.invoicing.reconciliation import reconciliation_from_documents
from billkit.invoicing.render import render_html, render_pdf
from billkit.invoicing.render.adapters import to_render_document
from billkit.money import Money
from billkit.parties import Party
from billkit.periods import Period

FEBRUARY = Period(date(2024, 2, 1), date(2024, 3, 1))


def rub(amount: str) -> Money:
    return Money(amount, "RUB")


def row(on: date, text: str, debit: str = "0", credit: str = "0") -> ReconciliationRow:
    return ReconciliationRow(on=on, description=text, debit=rub(debit), credit=rub(credit))


def terms(locale: str = "ru_RU") -> DocumentTerms:
    return DocumentTerms(
        seller=Party(kind="legal_entity", country="RU", name="ООО Хостинг"),
        buyer=Party(kind="legal_entity", country="RU", name="ООО Клиент"),
        locale=locale,
        prices_include_tax=True,
        rules=None,
    )


def statement(buyer: BuyerFigures | None, locale: str = "ru_RU") -> ReconciliationStatement:
    t = terms(locale)

    def act(number: str, day: date, amount: str) -> object:
        return build_act(
            [Item(description="VPS", unit_price=rub(amount))], t, number=number, issue_date=day
        )

    january = act("1", date(2024, 1, 31), "12000.00")
    february = act("2", date(2024, 2, 29), "12500.00")
    refund = build_credit_note(
        february, number="К-1", issue_date=date(2024, 2, 29), amount=rub("500.00")
    )
    paid = row(date(2024, 2, 5), "Оплата", credit="12000.00")
    return reconciliation_from_documents(
        [january, february, refund],  # type: ignore[list-item]
        t,
        payments=[paid],
        buyer_figures=buyer,
        period=FEBRUARY,
        issue_date=date(2024, 3, 1),
    )


# The buyer booked the payment and the act, not the credit note:
THEIRS = BuyerFigures(
    opening_balance=rub("12000.00"),
    rows=[
        row(date(2024, 2, 5), "п/п № 56", debit="12000.00"),
        row(date(2024, 2, 29), "Акт № 2", credit="12500.00"),
    ],
)


def test_the_buyers_figures_and_the_discrepancy() -> None:
    st_ = statement(THEIRS)
    # seller: 12 000.00 (the January act) + 12 500.00 - 12 000.00 - 500.00 = 12 000.00
    assert st_.closing_balance == rub("12000.00")
    # buyer: 12 000.00 + 12 500.00 (credits: sales received) - 12 000.00 (debits: paid)
    assert THEIRS.credit_total == rub("12500.00")
    assert THEIRS.debit_total == rub("12000.00")
    assert THEIRS.closing_balance == rub("12500.00")
    # 12 000.00 - 12 500.00
    assert st_.discrepancy == rub("-500.00")
    assert statement(None).discrepancy is None


def test_the_table_puts_each_buyer_row_beside_the_row_it_mirrors() -> None:
    doc = to_render_document(statement(THEIRS))
    assert doc.table is not None
    cells = [[c.amount if isinstance(c, Money) else c for c in r[2:]] for r in doc.table.rows]
    D = __import__("decimal").Decimal
    assert cells == [
        [None, D("12000.00"), D("12000.00"), None],  # the payment, both sides
        [D("12500.00"), None, None, D("12500.00")],  # the act, both sides
        [None, D("500.00"), None, None],  # the credit note: the buyer has not booked it
    ]
    (opening,) = doc.table.head_rows
    # the buyer's debt in its credit column, as its books keep it
    assert [c.amount if isinstance(c, Money) else c for c in opening[2:]] == [
        D("12000.00"),
        None,
        None,
        D("12000.00"),
    ]
    turnover, closing = doc.table.foot_rows
    assert [c.amount for c in turnover[2:]] == [
        D("12500.00"),
        D("12500.00"),
        D("12000.00"),
        D("12500.00"),
    ]
    assert [c.amount if isinstance(c, Money) else c for c in closing[2:]] == [
        D("12000.00"),
        None,
        None,
        D("12500.00"),
    ]


def test_a_buyer_row_the_seller_lacks_gets_a_row_of_its_own() -> None:
    extra = BuyerFigures(
        opening_balance=rub("12000.00"),
        rows=[THEIRS.rows[0], row(date(2024, 2, 20), "п/п № 61", debit="300.00"), THEIRS.rows[1]],
    )
    doc = to_render_document(statement(extra))
    assert doc.table is not None
    texts = [r[1] for r in doc.table.rows]
    # by date: 05.02 payment, 20.02 the buyer's own payment, then the 29.02 rows
    assert texts[1] == "п/п № 61"
    assert tuple(doc.table.rows[1][2:]) == (None, None, rub("300.00"), None)
    # buyer: 12 000.00 + 12 500.00 - 12 000.00 - 300.00 = 12 200.00; 12 000.00 - 12 200.00
    assert statement(extra).discrepancy == rub("-200.00")


def _text(html: str) -> str:
    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    parser = Text()
    parser.feed(html)
    return " ".join(parser.parts).replace("\xa0", " ").replace("\u202f", " ")


def test_the_sentences_in_pdf_and_html() -> None:
    doc = statement(THEIRS)
    pdf = pypdf.PdfReader(io.BytesIO(render_pdf(doc))).pages[0].extract_text()
    pdf = pdf.replace("\xa0", " ").replace("\u202f", " ")
    html = _text(render_html(doc))
    for text in (pdf, html):
        assert "На 29.02.2024 задолженность в пользу ООО Хостинг составляет 12 000,00 ₽." in text
        assert (
            "По данным покупателя на 29.02.2024 задолженность в пользу ООО Хостинг "
            "составляет 12 500,00 ₽." in text
        )
        assert "Расхождение между данными сторон на 29.02.2024 составляет 500,00 ₽." in text


def test_agreeing_sides_say_so_in_every_language() -> None:
    agreed = BuyerFigures(
        opening_balance=rub("12000.00"),
        rows=[*THEIRS.rows, row(date(2024, 2, 29), "Корректировка", debit="500.00")],
    )
    expected = {
        "ru_RU": "данные сторон совпадают",
        "uk_UA": "дані сторін збігаються",
        "it_IT": "i dati delle parti coincidono",
        "en": "the two sides agree",
    }
    for locale, words in expected.items():
        doc = statement(agreed, locale)
        assert doc.discrepancy == rub("0.00")
        assert words in _text(render_html(doc))
    assert "Расхождение" not in _text(render_html(statement(agreed)))


def test_without_the_buyers_figures_its_columns_are_left_to_fill_in() -> None:
    doc = to_render_document(statement(None))
    assert doc.table is not None
    assert all(r[4] is None and r[5] is None for r in doc.table.rows)
    assert len(doc.summary) == 1


def test_the_buyers_figures_are_checked() -> None:
    # a fraction of a kopeck is refused, not rounded
    with pytest.raises(
        InvoicingError, match=r"buyer_figures.rows\[0\].debit = .*whole number of minor units"
    ):
        BuyerFigures(opening_balance=rub("0"), rows=[row(date(2024, 2, 5), "x", debit="1.005")])
    # a stated closing balance must follow from the rows: 0 + 0 - 100.00 = -100.00
    with pytest.raises(InvoicingError, match=r"buyer_figures.closing_balance = .*-100.00"):
        BuyerFigures(
            opening_balance=rub("0"),
            rows=[row(date(2024, 2, 5), "x", debit="100.00")],
            closing_balance=rub("100.00"),
        )
    with pytest.raises(InvoicingError, match=r"buyer_figures.rows\[1\].on"):
        BuyerFigures(
            opening_balance=rub("0"),
            rows=[row(date(2024, 2, 5), "x"), row(date(2024, 2, 4), "y")],
        )
    # a row outside the statement's period
    outside = BuyerFigures(opening_balance=rub("0"), rows=[row(date(2024, 3, 1), "x")])
    with pytest.raises(InvoicingError, match=r"buyer_figures.rows\[0\].on"):
        statement(outside)
    with pytest.raises(InvoicingError, match=r"buyer_figures\.opening_balance"):
        statement(BuyerFigures(opening_balance=Money("0", "EUR")))


amounts = st.integers(min_value=1, max_value=10**8).map(lambda k: rub(f"{k / 100:.2f}"))


@given(
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=28), st.booleans(), amounts), max_size=12
    ),
    st.integers(min_value=-(10**7), max_value=10**7),
)
def test_the_buyers_mirror_of_the_sellers_rows_agrees(
    entries: list[tuple[int, bool, Money]], opening_kopecks: int
) -> None:
    """The buyer's books mirroring the seller's (each debit a credit, each
    credit a debit) agree to the kopeck, and every buyer row sits beside its own."""
    entries.sort(key=lambda e: e[0])
    zero = rub("0")
    ours = [
        ReconciliationRow(
            on=date(2024, 2, d),
            description="x",
            debit=a if sale else zero,
            credit=zero if sale else a,
        )
        for d, sale, a in entries
    ]
    theirs = [
        ReconciliationRow(on=r.on, description="y", debit=r.credit, credit=r.debit) for r in ours
    ]
    opening = rub(f"{opening_kopecks / 100:.2f}")
    debits = sum((r.debit.amount for r in ours), rub("0").amount)
    credits = sum((r.credit.amount for r in ours), rub("0").amount)
    doc = ReconciliationStatement(
        number="R-1",
        issue_date=date(2024, 3, 1),
        seller=terms().seller,
        buyer=terms().buyer,
        currency="RUB",
        locale="ru_RU",
        period=FEBRUARY,
        opening_balance=opening,
        rows=ours,
        debit_total=rub(str(debits)),
        credit_total=rub(str(credits)),
        closing_balance=rub(str(opening.amount + debits - credits)),
        buyer_figures=BuyerFigures(opening_balance=opening, rows=theirs),
    )
    assert doc.discrepancy == rub("0")
    table = to_render_document(doc).table
    assert table is not None
    assert len(table.rows) == len(ours)
    for cells in table.rows:
        assert (cells[2], cells[3]) == (cells[5], cells[4])
