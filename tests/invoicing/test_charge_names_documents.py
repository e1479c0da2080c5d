"""A document in a language names each line by its charge's name in it (issue 13).

``items_from_quote(quote, locale=...)`` names a line, in this order: the
caller's ``names`` for the language, the charge's own ``names`` for the
locale, then for its language, then the charge's description; a line with
none of these is refused. The Russian invoice shows the Russian name in its
HTML and its PDF; the Persian one draws it shaped, right to left.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date

import pypdf
import pytest

from billkit.errors import InvoicingError
from billkit.invoicing import DocumentTerms, build_invoice, items_from_quote
from billkit.invoicing.render import render_html, render_pdf
from billkit.money import Money, RoundingPolicy
from billkit.parties import Party
from billkit.periods import Period
from billkit.pricing import Charge, PerUnit, Plan, quote

MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))


def voice(currency: str = "RUB", price: str = "0.50", **fields: object) -> Plan:
    """Telephony: 990.00 a month and 100 free minutes, then 0.50 a minute."""
    return Plan(
        code="voice",
        name="Voice 990",
        currency=currency,
        base_fee=Money("990.00" if currency == "RUB" else "9900000", currency),
        charges=[
            Charge(
                code="calls",
                metric="voice_minutes",
                included=100,
                model=PerUnit(unit_price=Money(price, currency)),
                **fields,  # type: ignore[arg-type]
            )
        ],
    )


def line_names(plan: Plan, locale: str, **options: object) -> list[str]:
    bill = quote(plan, {"voice_minutes": 300}, MARCH)
    return [i.description for i in items_from_quote(bill, locale=locale, **options)]  # type: ignore[arg-type]


NAMES = {"ru": "Звонки", "ru_UA": "Звонки (Украина)", "uk": "Дзвінки"}


class TestTheLinesName:
    # One test per step of the fallback.
    def test_the_callers_name_for_the_language_first(self) -> None:
        plan = voice(names=NAMES, description="Voice minutes")
        given = {"calls": {"ru": "Минуты разговоров"}}
        assert line_names(plan, "ru_UA", names=given) == ["Voice 990", "Минуты разговоров"]

    def test_then_the_charges_name_for_the_locale(self) -> None:
        plan = voice(names=NAMES, description="Voice minutes")
        assert line_names(plan, "ru_UA") == ["Voice 990", "Звонки (Украина)"]

    def test_then_the_charges_name_for_the_language(self) -> None:
        plan = voice(names=NAMES, description="Voice minutes")
        assert line_names(plan, "ru_RU") == ["Voice 990", "Звонки"]
        assert line_names(plan, "uk_UA") == ["Voice 990", "Дзвінки"]

    def test_then_the_description(self) -> None:
        plan = voice(names=NAMES, description="Voice minutes")
        assert line_names(plan, "it_IT") == ["Voice 990", "Voice minutes"]

    def test_never_the_code(self) -> None:
        # no name in Italian, no description: refused, as before names existed
        with pytest.raises(InvoicingError) as caught:
            line_names(voice(names=NAMES), "it")
        assert caught.value.field == "names['calls']['it']"
        # a name in the document's language is enough
        assert line_names(voice(names=NAMES), "uk") == ["Voice 990", "Дзвінки"]

    def test_without_a_locale_the_quotes_description(self) -> None:
        bill = quote(voice(names=NAMES, description="Voice minutes"), {"voice_minutes": 300}, MARCH)
        assert [i.description for i in items_from_quote(bill)] == ["Voice 990", "Voice minutes"]


def russian_invoice() -> object:
    terms = DocumentTerms(
        seller=Party(kind="legal_entity", country="RU", name="ООО Телефония"),
        buyer=Party(kind="legal_entity", country="RU", name="ООО Клиент"),
        locale="ru_RU",
        prices_include_tax=True,
        rules=None,
    )
    plan = voice(names=NAMES, description="Voice minutes")
    bill = quote(plan, {"voice_minutes": 300}, MARCH)
    return build_invoice(
        items_from_quote(bill, locale="ru_RU"), terms, number="T-7", issue_date=date(2026, 4, 1)
    )


def test_a_russian_invoice_names_the_line_in_russian() -> None:
    invoice = russian_invoice()
    # 300 minutes - 100 free = 200 x 0.50 = 100.00
    lines = [(ln.description, ln.gross.amount) for ln in invoice.lines]  # type: ignore[attr-defined]
    assert [(d, str(a)) for d, a in lines] == [("Voice 990", "990.00"), ("Звонки", "100.00")]
    page = render_html(invoice)  # type: ignore[arg-type]
    assert "Звонки" in page
    assert "Voice minutes" not in page


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_a_russian_pdf_names_the_line_in_russian() -> None:
    pdf = render_pdf(russian_invoice())  # type: ignore[arg-type]
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "Звонки" in text
    assert "Voice minutes" not in text


def test_a_russian_pdfs_text_names_the_line_in_russian() -> None:
    # the same, read with pypdf (a test dependency), for machines without poppler
    pdf = render_pdf(russian_invoice())  # type: ignore[arg-type]
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Звонки" in text


_SPAN = re.compile(rb"/Span <</ActualText <FEFF([0-9A-F]*)>>> BDC")


def test_a_persian_name_is_shaped_right_to_left() -> None:
    # The same plan in rials: the charge's Persian name, drawn as shaped text
    # whose /ActualText span (only shaped lines get one) holds its letters.
    persian = "تماس صوتی"
    terms = DocumentTerms(
        seller=Party(kind="legal_entity", country="IR", name="شرکت تلفن"),
        buyer=Party(kind="legal_entity", country="IR", name="مشتری"),
        locale="fa_IR",
        rounding=RoundingPolicy(minor_units={"IRR": 0}),
        rules=None,
    )
    plan = voice("IRR", "5000", names={"fa": persian}, description="Voice minutes")
    bill = quote(plan, {"voice_minutes": 300}, MARCH)
    invoice = build_invoice(
        items_from_quote(bill, locale="fa_IR"), terms, number="1", issue_date=date(2026, 4, 1)
    )
    assert invoice.lines[1].description == persian
    pdf = render_pdf(invoice)
    data = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()  # type: ignore[union-attr]
    drawn = [bytes.fromhex(h.decode()).decode("utf-16-be") for h in _SPAN.findall(data)]
    # a span holds its letters in drawing order: right to left, the word reversed
    assert persian[::-1] in drawn
    page = render_html(invoice)
    assert 'dir="rtl"' in page
    assert persian in page
