"""A Persian reconciliation statement (صورت تطبیق حساب) with the buyer's figures,
read back from the PDF (pypdf, and poppler's pdftotext when installed) and from
the HTML (issue 15): both sides' figures, the discrepancy, each side's closing
balance stated once in a sentence, Solar Hijri dates and Persian digits.

The figures, in rials:

- seller: the January act (31 Jan 2026, 120 000 000) is the opening balance;
  in February a payment of 120 000 000 (5 Feb) and the February act of
  125 000 000 (28 Feb): closing 120 000 000 + 125 000 000 - 120 000 000
  = 125 000 000, owed to the seller;
- buyer: the same opening balance; it booked the payment (a debit in its
  books), a second payment of 5 000 000 (20 Feb) the seller has not received
  and the February act (a credit): closing 120 000 000 - (120 000 000 +
  5 000 000) + 125 000 000 = 120 000 000, owed to the seller;
- discrepancy: 125 000 000 - 120 000 000 = 5 000 000.

Dates: 1 Farvardin 1405 (Nowruz) is 21 March 2026 and Esfand 1404 has 29 days
(1404 is not a leap year), so 1 Esfand 1404 = 20 Feb 2026 and the period's
last day, 28 Feb 2026, is 9 Esfand 1404 (۱۴۰۴/۱۲/۰۹); Bahman has 30 days, so
1 Bahman = 21 Jan 2026, 1 Feb 2026 = 12 Bahman (۱۴۰۴/۱۱/۱۲) and 5 Feb =
16 Bahman (۱۴۰۴/۱۱/۱۶).
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import unicodedata
from datetime import date
from html.parser import HTMLParser

import pypdf
import pytest

from billkit.invoicing import DocumentTerms, Item, build_act
from billkit.invoicing.documents import BuyerFigures, ReconciliationRow, ReconciliationStatement
from billkit.invoicing.reconciliation import reconciliation_from_documents
from billkit.invoicing.render import render_html, render_pdf
from billkit.money import Money
from billkit.parties import Party
from billkit.periods import Period

SELLER = "شرکت ردیاب نصب پارس"
# Persian digits are U+06F0..U+06F9; the thousands separator is U+066C
M120, M125, M5 = "۱۲۰٬۰۰۰٬۰۰۰", "۱۲۵٬۰۰۰٬۰۰۰", "۵٬۰۰۰٬۰۰۰"
LAST_DAY = "۱۴۰۴/۱۲/۰۹"
SENTENCES = [
    f"در تاریخ {LAST_DAY} مانده به نفع {SELLER} مبلغ {M125} ریال است.",
    f"طبق اطلاعات خریدار، در تاریخ {LAST_DAY} مانده به نفع {SELLER} مبلغ {M120} ریال است.",
    f"در تاریخ {LAST_DAY} اختلاف اطلاعات طرفین مبلغ {M5} ریال است.",
]


def irr(amount: str) -> Money:
    return Money(amount, "IRR")


def statement() -> ReconciliationStatement:
    terms = DocumentTerms(
        seller=Party(kind="legal_entity", country="IR", name=SELLER),
        buyer=Party(kind="legal_entity", country="IR", name="شرکت آلفا"),
        locale="fa_IR",
        prices_include_tax=True,
        rules=None,
    )

    def act(number: str, day: date, amount: str) -> object:
        item = Item(description="طرح رشد", unit_price=irr(amount))
        return build_act([item], terms, number=number, issue_date=day)

    paid = ReconciliationRow(
        on=date(2026, 2, 5), description="پرداخت", debit=irr("0"), credit=irr("120000000")
    )
    theirs = BuyerFigures(
        opening_balance=irr("120000000"),
        rows=[
            ReconciliationRow(
                on=date(2026, 2, 5), description="پرداخت", debit=irr("120000000"), credit=irr("0")
            ),
            ReconciliationRow(
                on=date(2026, 2, 20), description="واریز دوم", debit=irr("5000000"), credit=irr("0")
            ),
            ReconciliationRow(
                on=date(2026, 2, 28), description="سند ۲", debit=irr("0"), credit=irr("125000000")
            ),
        ],
    )
    return reconciliation_from_documents(
        [act("1", date(2026, 1, 31), "120000000"), act("2", date(2026, 2, 28), "125000000")],  # type: ignore[list-item]
        terms,
        payments=[paid],
        buyer_figures=theirs,
        period=Period(date(2026, 2, 1), date(2026, 3, 1)),
        issue_date=date(2026, 3, 1),
        number="AS-1",
    )


def squash(text: str) -> str:
    """Text without whitespace or bidi marks (extraction moves both around)."""
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf")


def test_the_figures() -> None:
    st = statement()
    assert st.opening_balance == irr("120000000")
    assert st.closing_balance == irr("125000000")
    assert st.buyer_figures is not None
    assert st.buyer_figures.debit_total == irr("125000000")  # 120 000 000 + 5 000 000
    assert st.buyer_figures.credit_total == irr("125000000")
    assert st.buyer_figures.closing_balance == irr("120000000")
    assert st.discrepancy == irr("5000000")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[str] = []

    def handle_data(self, data: str) -> None:
        self.cells.append(data.replace("\xa0", " "))


def test_the_html_states_both_sides_in_persian() -> None:
    page = render_html(statement())
    parser = _Text()
    parser.feed(page)
    text = " ".join(parser.cells)
    for sentence in SENTENCES:
        assert sentence in text
    # the act's row: its date in the page's calendar and digits
    assert "فروش (سند 2، ۱۴۰۴/۱۲/۰۹)" in parser.cells
    assert "2026" not in text
    for day in ("۱۴۰۴/۱۱/۱۲", "۱۴۰۴/۱۱/۱۶", "۱۴۰۴/۱۲/۰۱", LAST_DAY):
        assert day in parser.cells
    # each amount in its cell: opening (seller 120 M, buyer 120 M), two payments
    # (both sides), the buyer's 5 M, the act (both sides), turnovers
    # (125 M, 120 M, 125 M, 125 M) and closings (125 M, buyer 120 M)
    amounts = [c for c in parser.cells if re.fullmatch("[۰-۹٬]+", c)]
    assert sorted(amounts) == sorted(
        [M120, M120, M120, M120, M5, M125, M125, M125, M120, M125, M125, M125, M120]
    )


def _as_pypdf_reads(text: str) -> str:
    """pypdf returns a Persian line in logical order but each run of digits
    (with its separators) reversed: "۱۲۵٬۰۰۰" comes back as "۰۰۰٬۵۲۱"."""
    return re.sub("[۰-۹٬/]+", lambda m: m.group()[::-1], text)


def test_the_pdf_states_both_sides_in_persian() -> None:
    pdf = render_pdf(statement())
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    # presentation forms back to letters (NFKC), as a reader's search does
    text = squash(unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in pages)))
    for sentence in SENTENCES:
        assert squash(_as_pypdf_reads(sentence)) in text
    assert squash(_as_pypdf_reads("۱۴۰۴/۱۲/۰۹")) in text
    assert "2026" not in text


def test_poppler_reads_the_pdf_in_reading_order() -> None:
    """pdftotext reads each line's /ActualText: letters and digits in logical order."""
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but pdftotext is not installed (apt-get install poppler-utils)")
        pytest.skip("pdftotext is not installed: apt-get install poppler-utils")
    layout = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=render_pdf(statement()), capture_output=True
    ).stdout.decode("utf-8")
    lines = [line for line in layout.splitlines() if line.strip()]
    flat = squash(layout)
    for sentence in SENTENCES:
        assert squash(sentence) in flat

    def amounts(*labels: str) -> list[str]:
        """The amounts on the table's line holding ``labels``, left to right as drawn:
        on a right-to-left page the columns run buyer's credit, buyer's debit,
        seller's credit, seller's debit from the left."""
        [line] = [line for line in lines if all(squash(t) in squash(line) for t in labels)]
        return re.findall("[۰-۹٬]{5,}", line)

    assert amounts("مانده اول دوره") == [M120, M120]  # buyer's credit, seller's debit
    assert amounts("واریز دوم") == [M5]  # the buyer's own row: its debit
    assert amounts("گردش دوره") == [M125, M125, M120, M125]
    assert amounts("مانده پایان دوره") == [M120, M125]
    # the act's row (poppler writes its bracketed date as drawn, so look for its words)
    assert amounts("فروش", "سند", LAST_DAY) == [M125, M125]
