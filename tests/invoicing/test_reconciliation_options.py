"""A reconciliation statement follows the page's RenderOptions everywhere (issue 15).

The rows :func:`reconciliation_from_documents` writes ("فروش (سند 2، ...)")
and the closing-balance sentences are text the adapter writes before the
page is drawn; they must print dates and numbers as the rest of the page
does: ``RenderOptions(calendar="gregorian", digits="latin")`` gives the
Gregorian calendar and Latin digits, the default the Solar Hijri calendar
and Persian digits.

Expected values:

- CLDR's Persian short date pattern is ``y/M/d``, so 28 Feb 2026 in the
  Gregorian calendar with Latin digits is "2026/2/28", 5 Feb 2026 "2026/2/5";
- in the Solar Hijri calendar (1 Farvardin 1405 = 21 March 2026, Esfand 1404
  has 29 days, Bahman 30): 28 Feb 2026 = 9 Esfand 1404 ("۱۴۰۴/۱۲/۰۹"),
  31 Jan 2026 = 11 Bahman 1404 ("۱۴۰۴/۱۱/۱۱"), 5 Feb = 16 Bahman ("۱۴۰۴/۱۱/۱۶");
- CLDR's Latin-digit symbols for Persian: group ",", so 125 000 000 rials
  is "125,000,000 ریال" (number then currency, as Iranian documents write it);
- the statement: opening 120 000 000 (the January act), the February act of
  125 000 000 and a receipt for 120 000 000 issued on 5 Feb 2026 for a
  payment made on 3 Feb 2026: closing 120 000 000 + 125 000 000 - 120 000 000
  = 125 000 000, owed to the seller.
"""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

from billkit.invoicing import DocumentTerms, Item, build_act, build_receipt
from billkit.invoicing.reconciliation import reconciliation_from_documents
from billkit.invoicing.render import RenderOptions, render_html
from billkit.invoicing.render.adapters import to_render_document
from billkit.money import Money
from billkit.parties import Party
from billkit.periods import Period

SELLER = "شرکت ردیاب نصب پارس"
LATIN = RenderOptions(calendar="gregorian", digits="latin")


def irr(amount: str) -> Money:
    return Money(amount, "IRR")


def terms(locale: str = "fa_IR") -> DocumentTerms:
    return DocumentTerms(
        seller=Party(kind="legal_entity", country="IR", name=SELLER),
        buyer=Party(kind="legal_entity", country="IR", name="شرکت آلفا"),
        locale=locale,
        prices_include_tax=True,
        rules=None,
    )


def statement():  # type: ignore[no-untyped-def]
    t = terms()

    def act(number: str, day: date, amount: str) -> object:
        return build_act(
            [Item(description="طرح رشد", unit_price=irr(amount))], t, number=number, issue_date=day
        )

    receipt = build_receipt(
        [Item(description="پرداخت", unit_price=irr("120000000"))],
        t,
        number="R-7",
        issue_date=date(2026, 2, 5),  # the receipt is written two days after the payment
        paid_on=date(2026, 2, 3),
    )
    return reconciliation_from_documents(
        [
            act("1", date(2026, 1, 31), "120000000"),
            act("2", date(2026, 2, 28), "125000000"),
            receipt,
        ],  # type: ignore[list-item]
        t,
        period=Period(date(2026, 2, 1), date(2026, 3, 1)),
        issue_date=date(2026, 3, 1),
        number="AS-2",
    )


def test_the_figures() -> None:
    st = statement()
    assert st.opening_balance == irr("120000000")
    assert st.closing_balance == irr("125000000")  # 120 000 000 + 125 000 000 - 120 000 000
    # the receipt's row is dated by the payment, its text names the receipt's own date
    assert [r.on for r in st.rows] == [date(2026, 2, 3), date(2026, 2, 28)]


def test_rows_and_sentence_follow_gregorian_latin_options() -> None:
    doc = to_render_document(statement(), LATIN)
    texts = [row[1] for row in doc.table.rows]
    assert texts == ["پرداخت R-7، 2026/2/5", "فروش (سند 2، 2026/2/28)"]
    # a no-break space keeps the amount and its currency on one line
    assert list(doc.summary) == [
        f"در تاریخ 2026/2/28 مانده به نفع {SELLER} مبلغ 125,000,000\xa0ریال است."
    ]


def test_default_options_print_solar_hijri_and_persian_digits() -> None:
    doc = to_render_document(statement())
    texts = [row[1] for row in doc.table.rows]
    # the receipt was issued on 5 Feb 2026 = 16 Bahman 1404, not "2026-02-05"
    assert texts == ["پرداخت R-7، ۱۴۰۴/۱۱/۱۶", "فروش (سند 2، ۱۴۰۴/۱۲/۰۹)"]
    assert list(doc.summary) == [
        f"در تاریخ ۱۴۰۴/۱۲/۰۹ مانده به نفع {SELLER} مبلغ ۱۲۵٬۰۰۰٬۰۰۰\xa0ریال است."
    ]


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[str] = []

    def handle_data(self, data: str) -> None:
        self.cells.append(data.replace("\xa0", " "))


def test_the_html_page_has_no_persian_digit_or_solar_date_with_latin_options() -> None:
    parser = _Cells()
    parser.feed(render_html(statement(), LATIN))
    text = " ".join(parser.cells)
    assert "فروش (سند 2، 2026/2/28)" in parser.cells
    assert "پرداخت R-7، 2026/2/5" in parser.cells
    assert f"در تاریخ 2026/2/28 مانده به نفع {SELLER} مبلغ 125,000,000 ریال است." in text
    # no Persian digit (U+06F0..U+06F9) and no Solar Hijri year anywhere on the page
    assert not any("\u06f0" <= c <= "\u06f9" for c in text)
    assert "1404" not in text


def test_a_russian_receipt_row_keeps_its_issue_date() -> None:
    # Russian documents write dates dd.MM.y (CLDR short pattern "dd.MM.y")
    t = DocumentTerms(
        seller=Party(kind="legal_entity", country="RU", name="ООО Хостинг"),
        buyer=Party(kind="legal_entity", country="RU", name="ООО Клиент"),
        locale="ru_RU",
        prices_include_tax=True,
        rules=None,
    )
    receipt = build_receipt(
        [Item(description="Оплата", unit_price=Money("12000.00", "RUB"))],
        t,
        number="К-3",
        issue_date=date(2026, 2, 6),
        paid_on=date(2026, 2, 5),
    )
    st = reconciliation_from_documents(
        [receipt],
        t,
        period=Period(date(2026, 2, 1), date(2026, 3, 1)),
        issue_date=date(2026, 3, 1),
    )
    doc = to_render_document(st)
    assert doc.table.rows[0][0] == date(2026, 2, 5)  # the payment's day in the date column
    assert doc.table.rows[0][1] == "Оплата (№ К-3 от 06.02.2026)"
