"""Issue 15: on a Persian page, phone numbers and postal codes print in
Persian digits like every other number (they printed in Latin digits); e-mail
addresses stay as typed, and other languages keep Latin digits. An Iranian
address ends with its postal code, labelled, as Iranian documents write it."""

from __future__ import annotations

from datetime import date

from billkit.invoicing import DocumentTerms, Item, build_invoice
from billkit.invoicing.render.adapters import to_render_document
from billkit.money import Money
from billkit.parties import Address, Party


def fields(locale: str) -> dict[str, object]:
    seller = Party(
        kind="legal_entity",
        country="IR",
        name="شرکت ردیاب نصب پارس",
        phone="021-88001234",
        email="billing2@example.ir",
    )
    buyer = Party(kind="individual", country="IR", name="سارا محمدی")
    doc = build_invoice(
        [Item(description="طرح رشد", unit_price=Money("45000000", "IRR"))],
        DocumentTerms(seller=seller, buyer=buyer, locale=locale, rules=None),
        number="INV-1405-0007",
        issue_date=date(2026, 3, 23),
    )
    view = to_render_document(doc)
    return {f.label: f.value for f in view.parties[0].fields}


def test_a_persian_page_prints_phone_numbers_in_persian_digits() -> None:
    seller = fields("fa_IR")
    # 0 2 1 - 8 8 0 0 1 2 3 4 in Extended Arabic-Indic digits (U+06F0..U+06F9)
    assert seller["phone"] == "۰۲۱-۸۸۰۰۱۲۳۴"
    assert seller["email"] == "billing2@example.ir"


def test_other_pages_keep_the_phone_as_typed() -> None:
    assert fields("en")["phone"] == "021-88001234"
    assert fields("it_IT")["phone"] == "021-88001234"


def test_an_iranian_address_ends_with_its_labelled_postal_code() -> None:
    seller = Party(
        kind="legal_entity",
        country="IR",
        name="شرکت ردیاب نصب پارس",
        legal_address=Address(
            country="IR", postal_code="1415934567", city="تهران", street="خیابان ولیعصر، پلاک ۱۲"
        ),
    )
    buyer = Party(kind="individual", country="IR", name="سارا محمدی")
    doc = build_invoice(
        [Item(description="طرح رشد", unit_price=Money("45000000", "IRR"))],
        DocumentTerms(seller=seller, buyer=buyer, locale="fa_IR", rules=None),
        number="INV-1405-0007",
        issue_date=date(2026, 3, 23),
    )
    (line,) = to_render_document(doc).parties[0].lines
    assert line == "تهران، خیابان ولیعصر، پلاک ۱۲، کد پستی: ۱۴۱۵۹۳۴۵۶۷"


def test_a_persian_pdf_keeps_a_phone_numbers_groups_in_order() -> None:
    """ "+39 02 1234 5678" on a Persian page prints "+۳۹ ۰۲ ۱۲۳۴ ۵۶۷۸" left to right, as
    the HTML does (a cell with no letter reads left to right); it printed
    "۵۶۷۸ ۱۲۳۴ ۰۲ ۳۹+", each group a right-to-left run of its own."""
    import shutil
    import subprocess

    from billkit.invoicing.render import render_pdf
    from billkit.invoicing.render.shaping import shape, visual

    persian = "+۳۹ ۰۲ ۱۲۳۴ ۵۶۷۸"
    assert visual(shape(persian), rtl=True) == persian  # drawn left to right as written
    seller = Party(kind="legal_entity", country="IR", name="شرکت پارس", phone="+39 02 1234 5678")
    buyer = Party(kind="individual", country="IR", name="سارا محمدی")
    doc = build_invoice(
        [Item(description="طرح رشد", unit_price=Money("45000000", "IRR"))],
        DocumentTerms(seller=seller, buyer=buyer, locale="fa_IR", rules=None),
        number="INV-1",
        issue_date=date(2026, 3, 23),
    )
    if shutil.which("pdftotext"):  # poppler reads the drawn line back
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"],
            input=render_pdf(doc),
            capture_output=True,
            check=True,
        ).stdout.decode("utf-8")
        assert persian in text
