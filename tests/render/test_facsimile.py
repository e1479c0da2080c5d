"""Facsimile signatures and stamps (issue 15): data on the document, checked once
like a logo, drawn on the seller's signature line in HTML and PDF in every
language; read back with pypdf (the image XObjects on the page) and with the
standard library's HTML parser (the <img> elements)."""

from __future__ import annotations

import base64
import io
from datetime import date
from html.parser import HTMLParser

import pypdf
import pytest
from PIL import Image

from billkit.errors import InvoicingError
from billkit.invoicing import (
    DocumentTerms,
    Item,
    build_act,
    build_credit_note,
    build_invoice,
    build_reconciliation,
)
from billkit.invoicing.documents import FACSIMILE_BYTES, Facsimile
from billkit.invoicing.render import RenderDocument, render_html, render_pdf
from billkit.money import Money
from billkit.parties import Party
from billkit.periods import Period

LANGUAGES = ["en", "ru_RU", "uk_UA", "it_IT", "fa_IR"]


def png(width: int, height: int, colour: tuple[int, int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), colour).save(out, "PNG")
    return out.getvalue()


SIGNATURE = png(300, 100, (0, 0, 160, 255))  # fits the 440 x 160 px box: embedded as given
STAMP = png(1200, 1200, (200, 0, 0, 120))  # larger than the 320 x 320 px box: downscaled
FACSIMILE = Facsimile(signature=SIGNATURE, stamp=STAMP)


def terms(locale: str, facsimile: Facsimile | None = FACSIMILE) -> DocumentTerms:
    return DocumentTerms(
        seller=Party(kind="legal_entity", country="IT", name="Chat S.r.l."),
        buyer=Party(kind="legal_entity", country="IT", name="Cliente S.p.A."),
        locale=locale,
        rules=None,
        facsimile=facsimile,
    )


def invoice(locale: str, facsimile: Facsimile | None = FACSIMILE) -> object:
    # Persian amounts in words need whole rials
    price = Money("1000000", "IRR") if locale == "fa_IR" else Money("100.00", "EUR")
    return build_invoice(
        [Item(description="Plan", unit_price=price)],
        terms(locale, facsimile),
        number="7",
        issue_date=date(2026, 3, 2),
    )


def pdf_images(document: object) -> list[tuple[int, int]]:
    """The (width, height) of each image XObject on the PDF's pages."""
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(document)))
    sizes = []
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject", {})
        for ref in xobjects.values():
            obj = ref.get_object()
            if obj["/Subtype"] == "/Image":
                sizes.append((int(obj["/Width"]), int(obj["/Height"])))
    return sorted(sizes)


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.found.append(dict(attrs))


def html_images(document: object) -> dict[str, bytes]:
    parser = _Images()
    parser.feed(render_html(document))
    out = {}
    for img in parser.found:
        src = img["src"] or ""
        head, _, data = src.partition(",")
        assert head in ("data:image/png;base64", "data:image/jpeg;base64")
        out[img["class"] or ""] = base64.b64decode(data, validate=True)
    return out


@pytest.mark.parametrize("locale", LANGUAGES)
def test_the_pdf_carries_the_signature_and_the_stamp_in_every_language(locale: str) -> None:
    # the signature as given (300 x 100); the stamp scaled into 320 x 320 px
    assert pdf_images(invoice(locale)) == [(300, 100), (320, 320)]
    assert pdf_images(invoice(locale, facsimile=None)) == []


@pytest.mark.parametrize("locale", LANGUAGES)
def test_the_html_carries_the_signature_and_the_stamp_in_every_language(locale: str) -> None:
    images = html_images(invoice(locale))
    assert set(images) == {"bk-signature", "bk-stamp"}
    assert images["bk-signature"] == SIGNATURE
    with Image.open(io.BytesIO(images["bk-stamp"])) as stamp:
        assert stamp.size == (320, 320)
    assert html_images(invoice(locale, facsimile=None)) == {}


def test_an_english_invoice_without_signature_lines_gets_the_sellers() -> None:
    doc = invoice("en")
    assert "Seller: Chat S.r.l." in render_html(doc)
    assert 'class="bk-sign"' not in render_html(invoice("en", facsimile=None))


def test_acts_statements_and_credit_notes_carry_it_too() -> None:
    t = terms("ru_RU")
    act = build_act(
        [Item(description="VPS", unit_price=Money("100.00", "EUR"))],
        t,
        number="A-1",
        issue_date=date(2026, 3, 31),
    )
    assert act.facsimile is FACSIMILE
    assert pdf_images(act) == [(300, 100), (320, 320)]
    original = invoice("it_IT")
    note = build_credit_note(original, number="NC-1", issue_date=date(2026, 3, 3))
    assert note.facsimile is FACSIMILE
    from billkit.credit import Ledger, Wallet

    ledger = Ledger(wallets=[Wallet(name="main", currency="EUR")])
    statement = build_reconciliation(
        ledger,
        "main",
        t,
        period=Period(date(2026, 3, 1), date(2026, 4, 1)),
        issue_date=date(2026, 4, 1),
    )
    assert set(html_images(statement)) == {"bk-signature", "bk-stamp"}


def test_signature_alone_or_stamp_alone() -> None:
    only_stamp = invoice("en", Facsimile(stamp=STAMP))
    assert pdf_images(only_stamp) == [(320, 320)]
    assert set(html_images(only_stamp)) == {"bk-stamp"}


def test_bad_images_are_refused_naming_the_field() -> None:
    with pytest.raises(InvoicingError, match=r"facsimile.signature = b'GIF89a'"):
        Facsimile(signature=b"GIF89a")
    with pytest.raises(InvoicingError, match="a signature image, a stamp image or both"):
        Facsimile()
    # a header claiming 3 000 x 3 000 pixels (9 million, over the 4 million limit)
    header = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + (3000).to_bytes(4, "big") * 2
    with pytest.raises(
        InvoicingError, match=r"facsimile.stamp = .*4000000 pixels, not 3000 x 3000"
    ):
        Facsimile(stamp=header + bytes(20))
    # more bytes than 512 KiB
    big = SIGNATURE + bytes(FACSIMILE_BYTES)
    with pytest.raises(InvoicingError, match=f"at most {FACSIMILE_BYTES} bytes"):
        Facsimile(signature=big)
    # a valid header with a body that does not decode
    with pytest.raises(InvoicingError, match="that decodes"):
        Facsimile(signature=SIGNATURE[:40])
    with pytest.raises(InvoicingError, match=r"facsimile = .*Facsimile"):
        DocumentTerms(
            seller=Party(kind="legal_entity", country="IT", name="A"),
            buyer=Party(kind="legal_entity", country="IT", name="B"),
            rules=None,
            facsimile=b"\x89PNG",
        )


def test_a_render_document_needs_a_line_for_the_facsimile() -> None:
    with pytest.raises(InvoicingError, match="a signature line to print it on"):
        RenderDocument(
            kind="receipt",
            number="R-1",
            issue_date=date(2026, 3, 5),
            locale="en",
            currency="EUR",
            facsimile=FACSIMILE,
        )
