"""Fuzz: rendering documents with hostile text, locales, amounts and logos.

A RenderDocument or RenderOptions either refuses its input with a
BillkitError or renders, to PDF and HTML, without any other exception: every
text drawn on a PDF page lies within it (never below the bottom margin), the
HTML encodes as UTF-8, and amounts print the same under a 5-digit caller
decimal context.
"""

from __future__ import annotations

import decimal
import io
import re
import warnings
from datetime import date

import pypdf
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from PIL import Image

from billkit.errors import BillkitError, MissingGlyphWarning
from billkit.invoicing.render import RenderDocument, RenderOptions, render_html, render_pdf
from billkit.invoicing.render.model import Column, Field, LineTable, PartyBlock, TotalRow
from billkit.invoicing.render.pdf import FOOTER_Y, MARGIN_BOTTOM
from tests.fuzz._support import examples, survive
from tests.strategies.hostile import hostile_texts, in_range_money

pytestmark = pytest.mark.fuzz

_TD = re.compile(r"BT (-?[\d.]+) (-?[\d.]+) Td")

GOOD_LOCALES = st.sampled_from(["en", "ru_RU", "fa_IR", "it", "uk_UA", "en_GB", "fa"])
LOCALES = st.one_of(
    GOOD_LOCALES,
    GOOD_LOCALES,
    st.sampled_from(["en_XX", "fa_", "en-GB", "EN", "fa_ir", "zz", "", "en_RU"]),
    st.from_regex(r"[a-z]{2}(_[A-Za-z]{0,3})?", fullmatch=True),
)
# text a document accepts, of every kind of character (right-to-left, bidi
# controls, unassigned code points, emoji), short, very long or tall
_VALID = st.one_of(
    st.text(alphabet=st.characters(codec=None, exclude_categories=("Cs",)), max_size=60),
    st.text(alphabet="ab سلام ж\u202e\u0378\x00\t\n1,.-", max_size=300),
    st.lists(st.text(max_size=40), min_size=1, max_size=80).map("\n".join),  # tall
    st.just("W" * 3000),
).map(lambda s: s.strip() or "x")
TEXTS = st.one_of(_VALID, _VALID, _VALID, hostile_texts())


def _drawn_within_pages(data: bytes) -> None:
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        content = page.get_contents()
        assert content is not None
        for _, y in _TD.findall(content.get_data().decode("latin-1")):
            assert float(y) >= MARGIN_BOTTOM or float(y) == FOOTER_Y, y


def _render(doc: RenderDocument, options: RenderOptions | None = None) -> tuple[bytes, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingGlyphWarning)  # random text: glyphs missing
        return render_pdf(doc, options), render_html(doc, options)


@examples(quick=15, deep=400)
@given(
    locale=LOCALES,
    title=TEXTS,
    name=TEXTS,
    line=TEXTS,
    cell=TEXTS,
    note=TEXTS,
    amount=in_range_money(nonnegative=True, currencies=("EUR",)),
)
def test_documents_render_or_are_refused(
    locale: object,
    title: object,
    name: object,
    line: object,
    cell: object,
    note: object,
    amount: object,
) -> None:
    def build() -> RenderDocument:
        return RenderDocument(
            kind="invoice",
            number="F-1",
            issue_date=date(2026, 3, 5),
            locale=locale,  # type: ignore[arg-type]
            currency="EUR",
            title=title,  # type: ignore[arg-type]
            fields=[Field(label="contract", value=line)],  # type: ignore[arg-type]
            parties=[PartyBlock(role="seller", name=name, lines=[line])],  # type: ignore[arg-type]
            table=LineTable(
                columns=[Column(label="description"), Column(label="amount", kind="money")],
                rows=[[cell, amount], ["x", amount]],
            ),
            totals=[TotalRow(label="total_due", amount=amount, strong=True)],  # type: ignore[arg-type]
            notes=[note],  # type: ignore[list-item]
        )

    doc = survive(build)
    if isinstance(doc, BillkitError):
        event(f"refused: {doc.field}")  # type: ignore[attr-defined]
        return
    event("rendered")
    pdf, html = _render(doc)
    _drawn_within_pages(pdf)
    html.encode("utf-8")
    with decimal.localcontext() as ctx:
        ctx.prec = 5
        assert _render(doc)[1] == html


def _png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (31, 58, 95)).save(out, "PNG")
    return out.getvalue()


@st.composite
def logos(draw: st.DrawFn) -> bytes:
    """Real PNGs of odd sizes, with bytes overwritten, cut short or appended."""
    data = bytearray(
        _png((draw(st.integers(1, 900)), draw(st.integers(1, 300))))
        if draw(st.booleans())
        else draw(st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"]))
        + draw(st.binary(max_size=200))
    )
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data) - 1))
        data[at] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(1, len(data)))]
    return bytes(data)


@examples(quick=15, deep=400)
@given(logo=logos())
def test_logos_render_or_are_refused(logo: bytes) -> None:
    options = survive(RenderOptions, logo=logo)
    if isinstance(options, BillkitError):
        event("refused")
        return
    event("rendered")
    doc = RenderDocument(
        kind="receipt", number="R-1", issue_date=date(2026, 3, 5), locale="en", currency="EUR"
    )
    pdf, html = _render(doc, options)
    assert pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images[0].image.size[0] <= 600  # type: ignore[union-attr]
    assert 'class="bk-logo"' in html
