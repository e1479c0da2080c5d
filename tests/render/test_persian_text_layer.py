"""The Persian PDF's text layer and totals (issue 15).

Shaped Persian is drawn as Arabic presentation forms in drawing order; each
such line sits in a marked-content span whose /ActualText (PDF 32000-1:2008,
14.9.4) holds the letters it shows, so readers extract, search and copy
letters. pypdf ignores /ActualText, so the tests read the spans from the
content stream; where poppler's pdftotext is installed (not a test
dependency) the extracted text is checked too.

Drawing order: poppler lays an /ActualText over the span's glyphs as if drawn
left to right and applies the bidirectional algorithm to the line, so the
letters go in the order they are drawn (a right-to-left word reversed); the
reading order is then what comes out. Letters in reading order came out
reversed ("هرامش" for "شماره") when we tried them with pdftotext 22.12.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import pypdf
import pytest

from billkit.invoicing import DocumentTerms, Item, build_invoice
from billkit.invoicing.render import render_pdf
from billkit.invoicing.render.fonts import family_fonts
from billkit.invoicing.render.labels import translate
from billkit.invoicing.render.shaping import shape, visual
from billkit.money import Money
from billkit.parties import Party

_SPAN = re.compile(
    rb"/Span <</ActualText <FEFF([0-9A-F]*)>>> BDC BT ([\d.]+) ([\d.]+) Td (/\S+) ([\d.]+) Tf"
)


def invoice(locale: str, currency: str, amount: str) -> object:
    terms = DocumentTerms(
        seller=Party(kind="legal_entity", country="IR", name="شرکت نمونه"),
        buyer=Party(kind="legal_entity", country="IR", name="خریدار لا"),
        locale=locale,
        rules=None,
    )
    return build_invoice(
        [Item(description="اشتراک ماهانه", unit_price=Money(amount, currency))],
        terms,
        number="1",
        issue_date=date(2026, 3, 1),
    )


PERSIAN = invoice("fa_IR", "IRR", "1000000")


def spans(pdf: bytes) -> list[tuple[str, float, float, str, float]]:
    """(ActualText, x, y, font, size) of each span on the first page."""
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    data = page.get_contents().get_data()  # type: ignore[union-attr]
    return [
        (bytes.fromhex(h.decode()).decode("utf-16-be"), float(x), float(y), f.decode(), float(s))
        for h, x, y, f, s in _SPAN.findall(data)
    ]


def reading(drawn: str) -> str:
    """A right-to-left line without digits, from drawing order to reading order."""
    return drawn[::-1]


def _presentation_form(c: str) -> bool:
    return "\ufb50" <= c <= "\ufdff" or "\ufe70" <= c <= "\ufefe"


def test_every_shaped_line_carries_its_letters() -> None:
    found = spans(render_pdf(PERSIAN))
    assert found, "no /ActualText span on a Persian page"
    texts = [text for text, *_ in found]
    # letters only, never presentation forms
    assert not any(_presentation_form(c) for text in texts for c in text)
    lines = {reading(t) for t in texts}
    for key in ("seller", "buyer", "total_net", "total_tax"):
        assert translate(key, "fa") in lines, key
    assert "شرکت نمونه" in lines  # the seller's name, typed in reading order
    # the lam-alef ligature (one glyph, U+FEFB) comes back as lam then alef
    assert "خریدار لا" in lines


def test_only_shaped_lines_get_a_span() -> None:
    # an English invoice: only the Persian names (and the Persian description) are shaped
    english = invoice("en", "EUR", "10.00")
    assert {reading(text) for text, *_ in spans(render_pdf(english))} == {
        "شرکت نمونه",
        "خریدار لا",
        "اشتراک ماهانه",
    }


def test_the_totals_labels_are_right_aligned() -> None:
    found = spans(render_pdf(PERSIAN))
    regular, _ = family_fonts("DejaVu Sans")
    edges = []
    for key in ("total_net", "total_tax"):
        label = translate(key, "fa")
        (x, size) = next((x, s) for text, x, _, _, s in found if reading(text) == label)
        drawn = visual(shape(label), rtl=True)
        edges.append(x + regular.stringWidth(drawn, size))
    # the two labels differ in width ("جمع بدون مالیات", "مالیات بر ارزش افزوده"):
    # right-aligned, their right edges meet
    assert abs(edges[0] - edges[1]) < 0.05


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdftotext_reads_letters_in_reading_order(tmp_path: Path) -> None:
    path = tmp_path / "fa.pdf"
    path.write_bytes(render_pdf(PERSIAN))
    out = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    # poppler marks runs with embedding controls (U+202A-U+202C); drop them
    text = "".join(c for c in out if unicodedata.category(c) != "Cf")
    for expected in ("صورتحساب شماره", "فروشنده", "جمع بدون مالیات", "شرکت نمونه"):
        assert expected in text
    assert not any(_presentation_form(c) for c in text)
