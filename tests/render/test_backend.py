"""reportlab is reached through one private module, and its output still reads back.

A reportlab upgrade that changes how text is written fails here: the rendered
invoices are read back with pypdf (an independent PDF parser) and must carry
the document number, the seller, every line and the totals as printed text.
"""

from __future__ import annotations

import ast
import io
import sys
import zlib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import billkit
from billkit.invoicing.render import RenderDocument, render_pdf
from billkit.invoicing.render.model import Column, LineTable, PartyBlock, TaxRow, TotalRow
from billkit.money import Money

PACKAGE = Path(billkit.__file__).parent
BACKEND = PACKAGE / "invoicing" / "render" / "_backend.py"


def _imports_reportlab(path: Path) -> list[int]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        if any(name == "reportlab" or name.startswith("reportlab.") for name in names):
            found.append(node.lineno)
    return found


def test_only_the_backend_imports_reportlab() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != BACKEND and (lines := _imports_reportlab(path))
    }
    assert offenders == {}
    assert _imports_reportlab(BACKEND)  # the scan does see an import when there is one


def test_the_scan_catches_every_import_form(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    for source in (
        "import reportlab",
        "import os, reportlab.pdfgen.canvas",
        "from reportlab.pdfbase import pdfmetrics",
        "def f():\n    from reportlab.lib.utils import ImageReader",
    ):
        module.write_text(source, encoding="utf-8")
        assert _imports_reportlab(module), source
    module.write_text("from . import reportlab_like\nimport reportlabs", encoding="utf-8")
    assert _imports_reportlab(module) == []


def test_importing_the_renderer_does_not_load_reportlab() -> None:
    import subprocess

    code = (
        "import sys, billkit.invoicing.render as r; r.RenderDocument;"
        "print(any(m.split('.')[0] == 'reportlab' for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


# A 3-line invoice: 2 h x 100.00 + 1 h x 250.00 + 4 h x 12.50 = 200 + 250 + 50 = 500.00 net,
# 20 % VAT = 100.00, total due 600.00.
LINES = [
    ("Design review", Decimal(2), Decimal("100.00")),
    ("Server setup", Decimal(1), Decimal("250.00")),
    ("Support hours", Decimal(4), Decimal("12.50")),
]


def _document(locale: str, seller: str, descriptions: list[str]) -> RenderDocument:
    def m(amount: str) -> Money:
        return Money(Decimal(amount), "EUR")

    return RenderDocument(
        kind="invoice",
        number="INV-2026-0042",
        issue_date=date(2026, 3, 5),
        locale=locale,
        currency="EUR",
        parties=[PartyBlock(role="seller", name=seller), PartyBlock(role="buyer", name="Buyer")],
        table=LineTable(
            columns=[
                Column(label="description"),
                Column(label="quantity", kind="number"),
                Column(label="unit_price", kind="money"),
                Column(label="net", kind="money"),
            ],
            rows=[
                [text, q, Money(p, "EUR"), Money(q * p, "EUR")]
                for text, (_, q, p) in zip(descriptions, LINES, strict=True)
            ],
        ),
        tax_summary=[
            TaxRow(rate=Decimal("0.20"), net=m("500.00"), tax=m("100.00"), gross=m("600.00"))
        ],
        totals=[
            TotalRow(label="total_net", amount=m("500.00")),
            TotalRow(label="total_tax", amount=m("100.00")),
            TotalRow(label="total_due", amount=m("600.00"), strong=True),
        ],
    )


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize(
    ("locale", "seller", "descriptions", "amounts"),
    [
        # English (CLDR en): grouping ",", decimal "." -> "500.00", "600.00".
        ("en", "Conversa Ltd", [d for d, _, _ in LINES], ["500.00", "100.00", "600.00"]),
        # Russian (CLDR ru): decimal comma -> "500,00", "600,00".
        (
            "ru",
            'ООО "Конверса"',
            ["Аудит дизайна", "Настройка сервера", "Часы поддержки"],
            ["500,00", "100,00", "600,00"],
        ),
    ],
)
def test_pypdf_reads_back_number_seller_lines_and_totals(
    locale: str, seller: str, descriptions: list[str], amounts: list[str]
) -> None:
    text = _text(render_pdf(_document(locale, seller, descriptions)))
    assert "INV-2026-0042" in text
    assert seller in text
    for description in descriptions:
        assert description in text
    for amount in amounts:
        assert amount in text


def test_a_cached_font_subset_embeds_the_same_bytes() -> None:
    from billkit.invoicing.render import _backend

    document = _document("ru", 'ООО "Конверса"', ["Аудит", "Сервер", "Поддержка"])
    _backend.forget_subsets()
    fresh = render_pdf(document)  # subsets cut from the font and deflated
    again = render_pdf(document)  # the same subsets, from the cache
    assert again == fresh
    _backend.forget_subsets()
    assert render_pdf(document) == fresh
    assert 'ООО "Конверса"' in _text(again)


def _embedded(pdf: bytes) -> tuple[list[bytes], list[bytes]]:
    """The pages' decoded content streams and the embedded font files, decoded."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    pages, fonts = [], []
    for page in reader.pages:
        pages.append(page.get_contents().get_data())  # type: ignore[union-attr]
        for ref in page["/Resources"]["/Font"].values():  # type: ignore[index]
            descriptor = ref.get_object().get("/FontDescriptor")
            if descriptor is not None:
                fonts.append(descriptor.get_object()["/FontFile2"].get_object().get_data())
    return pages, fonts


def test_the_subsets_embed_what_reportlab_itself_embeds() -> None:
    """billkit's face (faster parsing, its own subsetting and deflating) against
    reportlab's ``TTFontFace`` on the same font: the same pages and, once
    inflated, the same font files."""
    from reportlab.pdfbase.ttfonts import TTFontFace  # type: ignore[import-untyped]

    from billkit.invoicing.render import _backend
    from billkit.invoicing.render.fonts import family_fonts

    document = _document("ru", 'ООО "Конверса"', ["Аудит", "Сервер", "Поддержка"])
    _backend.forget_subsets()
    ours = render_pdf(document)
    faces = [font.face for font in family_fonts("DejaVu Sans")]
    classes = [face.__class__ for face in faces]
    try:
        for face in faces:
            face.hmetrics, face.glyphToChar, face.glyphPos  # made when first read  # noqa: B018
            face.__class__ = TTFontFace  # reportlab's own subset embedding
        theirs = render_pdf(document)
    finally:
        for face, cls in zip(faces, classes, strict=True):
            face.__class__ = cls
    pages, fonts = _embedded(ours)
    assert len(fonts) == 2  # regular and bold
    assert (pages, fonts) == _embedded(theirs)
    assert len(ours) <= len(theirs) * 1.02  # the spliced deflate costs at most 2 % in size


FONTS = sorted(
    [
        *(PACKAGE / "data" / "fonts").glob("*.ttf"),  # cmap format 12
        *(Path(pytest.importorskip("reportlab").__file__).parent / "fonts").glob("*.ttf"),
    ]
)


@pytest.mark.parametrize("path", FONTS, ids=lambda p: p.name)
def test_a_font_is_parsed_as_reportlab_parses_it(path: Path) -> None:
    from reportlab.pdfbase.ttfonts import TTFontFace

    from billkit.invoicing.render import _backend

    data = path.read_bytes()
    ours = _backend.register_ttf(f"test:{path.name}", data).face
    theirs = TTFontFace(io.BytesIO(data))
    assert ours.charToGlyph  # the fast reader did read the characters
    assert not {"hmetrics", "glyphToChar", "glyphPos"} & set(vars(ours))  # made when first read
    names = set(vars(theirs)) - {"_pos", "_pdfScale"}
    assert {k: getattr(ours, k) for k in names} == {k: getattr(theirs, k) for k in names}
    assert {k for k in vars(ours) if not k.startswith("_")} <= names


@pytest.mark.parametrize("path", FONTS, ids=lambda p: p.name)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_subset_is_the_file_reportlab_writes(path: Path, data: st.DataObject) -> None:
    from reportlab.pdfbase.ttfonts import TTFontFile

    face = _face(path)
    codes = sorted(face.charToGlyph)
    subset = data.draw(
        st.lists(st.sampled_from(codes) | st.integers(0, 0x10FFFF), max_size=300, unique=True)
    )
    raw = face.makeSubset(subset)
    assert raw == TTFontFile.makeSubset(face, subset)
    assert zlib.decompress(face._deflate(raw)) == raw
    assert zlib.decompress(face._deflate(raw)) == raw  # again, with the kept tail


_FACES: dict[Path, object] = {}


def _face(path: Path) -> Any:
    from billkit.invoicing.render import _backend

    if path not in _FACES:
        _FACES[path] = _backend.register_ttf(f"subset:{path.name}", path.read_bytes()).face
    return _FACES[path]


def test_a_changed_tail_is_deflated_afresh() -> None:
    face = _face(PACKAGE / "data" / "fonts" / "DejaVuSans.ttf")
    first = face.makeSubset([ord("A"), ord("b")])
    packed = face._deflate(first)
    assert face._tail[0] == first[-len(face._tail[0]) :]  # name, post, prep: kept
    assert zlib.decompress(packed) == first
    face._tail = (b"something else", b"")  # not the tail of this subset: not used
    assert face._deflate(first) == packed


_fresh: dict[Path, Any] = {}


@pytest.mark.parametrize("path", FONTS, ids=lambda p: p.name)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_a_subset_assembled_from_cached_glyphs_is_the_uncached_one(
    path: Path, data: st.DataObject
) -> None:
    """A subset made after other subsets (most of its glyphs' outlines, metrics
    and composite parts then come from the face's per-glyph cache) is the file
    reportlab's own ``makeSubset`` writes, and the file a face with an empty
    glyph cache writes."""
    from reportlab.pdfbase.ttfonts import TTFontFile

    from billkit.invoicing.render import _backend

    face = _face(path)
    codes = sorted(face.charToGlyph)
    subsets = st.lists(st.sampled_from(codes) | st.integers(0, 0x10FFFF), max_size=200, unique=True)
    earlier, subset = data.draw(subsets), data.draw(subsets)
    face.makeSubset(earlier)  # fills the glyph cache with the earlier subset's glyphs
    face.makeSubset(subset)  # and with this one's
    cached = face.makeSubset(subset)
    fresh = _fresh.get(path) or _fresh.setdefault(path, _backend._CachingFace(path.read_bytes()))
    fresh._glyphs.clear()  # as parsed: every glyph cut from the font
    assert cached == fresh.makeSubset(subset) == TTFontFile.makeSubset(face, subset)


def test_a_document_with_cached_glyphs_renders_as_a_fully_cold_one() -> None:
    """New text whose glyphs other documents already used (the subsets are new,
    the glyphs cached) gives the same PDF as a process that never saw them, and
    pypdf reads the same text back from it."""
    from billkit.invoicing.render import _backend
    from billkit.invoicing.render.fonts import family_fonts

    descriptions = ["Аудит дизайна", "Настройка сервера", "Часы поддержки"]
    document = _document("ru", 'ООО "Конверса"', descriptions)
    _backend.forget_subsets(glyphs=True)
    for font in family_fonts("DejaVu Sans"):  # and the blocks deflated once per font
        font.face._tail, font.face._run = (b"", b""), None
    cold = render_pdf(document)  # every glyph cut from the font, everything deflated
    # other text with the same letters in another order: new subsets, cached glyphs
    render_pdf(_document("ru", 'ООО "Снег"', ["Сервер", "Поддержка дизайна", "Аудит часов"]))
    _backend.forget_subsets()
    assembled = render_pdf(document)
    assert assembled == cold
    text = _text(assembled)
    assert text == _text(cold)
    for description in descriptions:
        assert description in text


@pytest.mark.parametrize("name", ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"])
def test_the_ascii_outlines_deflated_once_inflate_to_the_subset(name: str) -> None:
    """reportlab's first subset of a document: codes 1-31 for the first other
    letters, then the printable ASCII characters at their own codes. Their
    outlines, deflated once per face, are spliced into the subset's stream,
    which still inflates to the font file, on every call."""
    face = _face(PACKAGE / "data" / "fonts" / name)
    letters = [ord(c) for c in "Счёт-фактура № Продавец" if ord(c) > 127]  # ASCII: own codes
    subset = [0, *dict.fromkeys(letters), *[0] * (31 - len(set(letters)))]
    subset = [*subset[:32], *range(32, 128), 0x0416, 0x044E]  # then Ж, ю at 128, 129
    raw = face.makeSubset(subset)
    run, packed_run = face._ascii_run()
    assert len(run) > 8000  # the ASCII outlines of DejaVu Sans: about 16 KB
    assert raw.find(run) > 0
    packed = face._deflate(raw)
    assert packed_run in packed
    assert zlib.decompress(packed) == raw
    assert face._deflate(raw) == packed
