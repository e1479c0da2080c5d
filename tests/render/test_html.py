"""HTML rendering: escaped user text, the same formatted values as the PDF, right to left."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import attrs
import pytest
from babel.numbers import format_currency

from billkit.invoicing.render import RenderOptions, render_html
from billkit.invoicing.render.labels import translate
from billkit.invoicing.render.model import LANGUAGES, Field, PartyBlock
from tests.render.test_model import SAMPLES, SELLER_NAME, sample_invoice, sample_totals
from tests.serialize.corpus import TINY_PNG


class _Collect(HTMLParser):
    """The page's text and tags, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> _Collect:
    parser = _Collect()
    parser.feed(page)
    parser.close()
    return parser


@pytest.mark.parametrize("lang", ["en", "ru", "uk", "it"])
def test_labels_and_totals_as_babel_writes_them(lang: str) -> None:
    locale, currency, _, _ = SAMPLES[lang]
    page = render_html(sample_invoice(lang))
    text = "".join(parse(page).text)
    _, _, gross = sample_totals(lang)
    assert format_currency(gross, currency, locale=locale) in text
    for key in ("invoice", "seller", "buyer", "description", "total_due"):
        assert translate(key, lang) in text
    assert page.startswith("<!DOCTYPE html>\n<html lang=")
    assert 'dir="ltr"' in page


def test_persian_is_right_to_left_with_persian_digits() -> None:
    page = render_html(sample_invoice("fa"))
    assert '<html lang="fa-IR" dir="rtl">' in page
    text = "".join(parse(page).text)
    assert "۷٬۵۶۲٬۵۰۰\xa0ریال" in text  # 6 875 000 + 10% = 7 562 500 rials
    assert "۲۴ اسفند ۱۴۰۴" in text  # the due date, 2026-03-15, in the Solar Hijri calendar
    assert "صورتحساب شماره" in text  # browsers shape: the text stays in logical order


def test_every_piece_of_user_text_is_escaped() -> None:
    hostile = "<script>alert(1)</script>\"'&"
    doc = attrs.evolve(
        sample_invoice("en"),
        number=hostile,
        parties=[
            PartyBlock(
                role=hostile,
                name=SELLER_NAME,
                lines=[hostile],
                fields=[Field(label=hostile, value=hostile)],
            )
        ],
        notes=[hostile, '<img src="/etc/passwd">'],
        amount_in_words=hostile,
    )
    page = render_html(doc, RenderOptions(fonts="x'</style><script>y"))
    parsed = parse(page)
    assert "script" not in parsed.tags
    assert "img" not in parsed.tags
    assert parsed.tags.count("style") == 1
    text = "".join(parsed.text)
    assert SELLER_NAME in text
    assert hostile in text
    assert '<img src="/etc/passwd">' in text
    assert "&lt;b&gt;ACME&lt;/b&gt; &amp; Co" in page


def test_fragments_for_notebooks_and_email() -> None:
    doc = sample_invoice("it")
    fragment = doc._repr_html_()
    assert fragment.startswith("<div><style>")
    assert "<html" not in fragment
    assert fragment == render_html(doc, fragment=True)
    assert "1.234,50" in fragment  # the unit price, Italian style
    assert render_html(doc) == render_html(doc)  # deterministic


def test_a_logo_is_embedded_never_linked() -> None:
    png = TINY_PNG
    page = render_html(sample_invoice("en"), RenderOptions(logo=png))
    [src] = re.findall(r'<img class="bk-logo" alt="" src="([^"]+)">', page)
    assert src.startswith("data:image/png;base64,")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_renders_the_same_table(lang: str) -> None:
    page = render_html(sample_invoice(lang, rows=3))
    [lines] = re.findall(r'<table class="bk-lines">(.*?)</table>', page)
    assert lines.count("<tr") == 1 + 3  # the header and three lines
    assert lines.count("<th>") + lines.count("<th class") == 7
    assert lines.count('<td class="num">') == 3 * 5
    [totals] = re.findall(r'<table class="bk-totals">(.*?)</table>', page)
    assert totals.count("<tr") == 3
    assert totals.count('class="bk-strong"') == 1
    assert render_html(sample_invoice(lang, rows=3), fragment=True).count('class="bk-doc"') == 1


def test_the_issue_date_is_a_field_where_the_heading_has_none() -> None:
    text = "".join(parse(render_html(sample_invoice("en"))).text)
    assert "Date of issue" in text
    assert "March 5, 2026" in text
    ru = "".join(parse(render_html(sample_invoice("ru"))).text)
    assert "от 5 марта 2026" in ru.replace("\xa0", " ")
    assert translate("issue_date", "ru") + ":" not in ru
    assert date(2026, 3, 5).year == 2026
