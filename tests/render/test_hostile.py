"""Hostile user text in HTML and PDF, in every language.

A 120-character word, a 500-character description, reportlab markup,
entities, every bidi control character, emoji and flags, NUL and TAB, and a
300-line invoice: the text prints literally (bidi controls removed, NUL shown
as U+FFFD), the amounts print exactly as formatted and are never reordered,
nothing is drawn outside the page, and the totals stay with the last lines.
Text is read back with pypdf (PDF) and ``html.parser`` (HTML).
"""

from __future__ import annotations

import io
import warnings
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from importlib import resources

import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import MissingGlyphWarning
from billkit.invoicing.render import RenderDocument, render_html, render_pdf
from billkit.invoicing.render.fmt import Formatter
from billkit.invoicing.render.model import Column, Field, LineTable, PartyBlock, TaxRow, TotalRow
from billkit.invoicing.render.pdf import PAGE_W
from billkit.invoicing.render.shaping import has_rtl
from billkit.invoicing.render.text import BIDI_CONTROLS, printable
from billkit.money import Money

LANGS = ["en", "ru", "uk", "it", "fa"]
CURRENCY = {"en": "GBP", "ru": "RUB", "uk": "UAH", "it": "EUR", "fa": "IRR"}
WORD = "W" * 60 + "x" * 60  # 120 characters, no space
LONG = " ".join(["описание", "description", "توضیحات", "descrizione"] * 40)[:500]
MARKUP = '<b>bold</b> <img src="/etc/passwd"/> <font size=40>big</font>'
ENTITIES = "&amp; &lt;tag&gt; &#x202E; &nbsp;"
SPOOF = "\u202e00.0001 GBP"  # shown reversed if the override were obeyed
EVERY_BIDI = "".join(sorted(BIDI_CONTROLS))
CONTROL = "tab\there nul\x00here"
PHONE = "+7 495 123 45 67"


def hostile_rows(currency: str, n: int = 0) -> list[list[object]]:
    price = Money("1000.00" if currency != "IRR" else "1000", currency)
    texts = [
        WORD,
        LONG,
        MARKUP,
        ENTITIES,
        SPOOF,
        f"a{EVERY_BIDI}b",
        "line one\nper unit: explanation",
        CONTROL,
        "قیمت " + SPOOF,
        "smile \U0001f600",
    ]
    texts += [f"row {i}" for i in range(n)]
    return [[t, Decimal(1), price, price] for t in texts]


def hostile_doc(lang: str, n: int = 0) -> RenderDocument:
    currency = CURRENCY[lang]
    rows = hostile_rows(currency, n)
    total = Money(sum(r[3].amount for r in rows), currency)  # type: ignore[attr-defined]
    zero = Money(0, currency)
    return RenderDocument(
        kind="invoice",
        number=f"INV-{WORD[:40]}",
        issue_date=date(2026, 3, 5),
        locale=lang,
        currency=currency,
        fields=[Field(label="contract", value=f"{MARKUP} {SPOOF}")],
        parties=[
            PartyBlock(
                role="seller",
                name=f"ACME {WORD}",
                lines=[PHONE, ENTITIES],
                fields=[Field(label="phone", value=PHONE)],
            ),
            PartyBlock(role="buyer", name=f"Buyer {SPOOF}", lines=[LONG]),
        ],
        table=LineTable(
            columns=[
                Column(label="description"),
                Column(label="quantity", kind="number"),
                Column(label="price", kind="money"),
                Column(label="amount", kind="money"),
            ],
            rows=rows,
        ),
        tax_summary=[TaxRow(rate=None, net=total, tax=zero, gross=total)],
        totals=[TotalRow(label="total_due", amount=total, strong=True)],
        notes=[f"{LONG}\n{CONTROL}\n{SPOOF}"],
    )


def squash(text: str) -> str:
    """Text without any whitespace (wrapping moves line breaks around)."""
    return "".join(text.split())


def drawn_lines(pdf: bytes) -> list[str]:
    """Every line of text in the order it is drawn, left to right.

    pypdf reverses a line that holds Arabic-script letters (it guesses a
    logical order from the drawn one); this undoes that guess.
    """
    lines = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for line in page.extract_text().splitlines():
            lines.append(line[::-1] if has_rtl(line) else line)
    return lines


def render_quietly(doc: RenderDocument) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingGlyphWarning)
        return render_pdf(doc)


# ------------------------------------------------------------------- printable


def test_printable_removes_every_bidi_control_and_shows_controls() -> None:
    assert printable(f"a{EVERY_BIDI}b") == "ab"
    assert printable("a\x00b\x1bc\x7fd\x85e") == "a\ufffdb\ufffdc\ufffdd\ufffde"
    assert printable("a\tb\r\nc\rd") == "a b\nc\nd"
    assert printable("Persian\u200cjoiner") == "Persian\u200cjoiner"  # ZWNJ is a letter's business


@given(st.text())
def test_printable_leaves_no_control_but_newline(text: str) -> None:
    out = printable(text)
    assert not set(out) & BIDI_CONTROLS
    assert all(c == "\n" or not (ord(c) < 32 or 0x7F <= ord(c) < 0xA0) for c in out)
    assert printable(out) == out  # once is enough


# ------------------------------------------------------------------------ PDF


def _fragments(pdf: bytes) -> list[tuple[int, float, float, str]]:
    """(page, x, font size, text) of every string drawn, read back with pypdf."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    found: list[tuple[int, float, float, str]] = []
    for n, page in enumerate(reader.pages):

        def visit(
            text: str, cm: list[float], tm: list[float], font: object, size: float, n: int = n
        ) -> None:
            if text.strip():
                found.append((n, tm[4] * cm[0] + cm[4], size * tm[0], text))

        page.extract_text(visitor_text=visit)
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_prints_hostile_text_literally_and_inside_the_page(lang: str) -> None:
    from reportlab.pdfbase.ttfonts import TTFont

    doc = hostile_doc(lang)
    pdf = render_quietly(doc)
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert not set(text) & BIDI_CONTROLS
    flat = squash(text)
    assert WORD in flat  # wrapped, never lost
    for literal in ("<b>bold</b>", '<imgsrc="/etc/passwd"/>', "&amp;", "&lt;tag&gt;", "&#x202E;"):
        assert literal in flat
    assert "00.0001GBP" in flat  # the override is gone: the text reads as typed
    assert "tabhere" in flat
    assert "nul\ufffdhere" in flat
    fmt = Formatter(lang, doc.currency)
    amount = squash(fmt.amount(Money("1000", doc.currency)))
    # pypdf reverses Persian digits next to Arabic letters: count either way;
    # two rows hold Arabic-script words, whose line pypdf reorders as it guesses
    assert flat.count(amount) + flat.count(amount[::-1]) >= 2 * 8
    assert squash(PHONE) in flat or lang == "fa"
    # every string ends inside the page's margins (widths from the same font file)
    font = TTFont(
        "check",
        io.BytesIO(resources.files("billkit").joinpath("data/fonts/DejaVuSans.ttf").read_bytes()),
    )
    for _, x, size, fragment in _fragments(pdf):
        right = x + font.stringWidth(fragment, size) * 0.95  # the bold face is wider
        assert x >= 40, (fragment, x)
        assert right <= PAGE_W - 40 + 1, (fragment, x, right)


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_phone_numbers_never_break(lang: str) -> None:
    pdf = render_quietly(hostile_doc(lang))
    lines = [line.replace("\xa0", " ") for line in drawn_lines(pdf)]
    phone = PHONE.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) if lang == "fa" else PHONE
    assert any(phone in line or PHONE in line for line in lines)
    assert not any(line.rstrip().endswith("+7") for line in lines)


def test_a_missing_glyph_prints_visibly_and_warns() -> None:
    doc = hostile_doc("en")
    flagged = RenderDocument(
        kind="invoice",
        number="F-1",
        issue_date=date(2026, 3, 5),
        locale="en",
        currency="EUR",
        notes=["Italy \U0001f1ee\U0001f1f9 and \ufdfc"],
    )
    with pytest.warns(MissingGlyphWarning, match="U\\+1F1EE"):
        pdf = render_pdf(flagged)
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Italy \ufffd\ufffd and \ufffd" in text
    assert doc.locale == "en"


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_300_lines_keep_totals_with_the_last_lines(lang: str) -> None:
    doc = hostile_doc(lang, n=290)
    pdf = render_quietly(doc)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    # each page's text, also reversed: pypdf reverses Persian lines
    texts = [squash(p.extract_text()) for p in reader.pages]
    texts = [t + t[::-1] for t in texts]
    [page] = [n for n, t in enumerate(texts) if "row289" in t]  # the table's last line
    fmt = Formatter(lang, doc.currency)
    total = doc.totals[0].amount
    # the tax summary (net and gross) and the total due, on the page of the
    # last line (each page's text is there twice: as read and reversed)
    amount = squash(fmt.amount(total))
    assert texts[page].count(amount) + texts[page].count(amount[::-1]) >= 2 * 3
    assert all(amount not in t and amount[::-1] not in t for t in texts[page + 1 :])


# ----------------------------------------------------------------------- HTML


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.data: list[str] = []
        self.tags: list[str] = []
        self._skip = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.append(tag)
        self._skip = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._skip = False

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.data.append(data)


@pytest.mark.parametrize("lang", LANGS)
def test_html_prints_hostile_text_literally(lang: str) -> None:
    doc = hostile_doc(lang)
    page = render_html(doc)
    assert not set(page) & BIDI_CONTROLS
    assert "\x00" not in page
    parser = _Text()
    parser.feed(page)
    text = "".join(parser.data)
    assert "img" not in parser.tags
    assert parser.tags.count("b") == 0  # user markup never becomes a tag
    for literal in (WORD, MARKUP, ENTITIES, "00.0001 GBP", "tab here nul\ufffdhere"):
        assert literal in text
    assert "line one\nper unit: explanation" in text  # the newline is kept (pre-line)
    fmt = Formatter(lang, doc.currency)
    assert text.count(fmt.amount(Money("1000", doc.currency))) >= 20
    assert PHONE.replace(" ", "\xa0") in text  # one unbreakable number


def test_html_cells_wrap_and_side_tables_keep_their_width() -> None:
    page = render_html(hostile_doc("en"))
    style = page[page.index("<style>") : page.index("</style>")]
    assert "overflow-wrap:anywhere" in style
    assert ".bk-doc table.bk-lines{width:100%}" in style
    assert "table{border-collapse:collapse;margin:12px 0}" in style  # no width on the others
    assert ".bk-doc .num{text-align:right;white-space:nowrap" in style
