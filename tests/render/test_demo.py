"""The example documents ``billkit demo`` writes: one set per business, every language."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf

from billkit._demo_documents import demo_documents, write_demo_documents
from billkit.invoicing.render import render_pdf
from billkit.invoicing.render.adapters import to_render_document


def test_the_demo_writes_a_pdf_and_an_html_page_per_document(tmp_path: Path) -> None:
    files = write_demo_documents(tmp_path / "out", formats=("pdf", "html"))
    docs = demo_documents()
    assert len(files) == 2 * len(docs) == 24
    assert {p.suffix for p in files} == {".pdf", ".html"}
    for name, document in docs.items():
        pdf = (tmp_path / "out" / f"{name}.pdf").read_bytes()
        assert pdf == render_pdf(document)  # what was written is the deterministic rendering
        view = to_render_document(document)
        text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text(extraction_mode="layout")
        if view.direction == "ltr":
            assert view.number in text, name
        html = (tmp_path / "out" / f"{name}.html").read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>")
        assert view.number in html


def test_the_five_businesses_in_five_languages() -> None:
    docs = demo_documents()
    languages = {to_render_document(d).language for d in docs.values()}
    assert languages == {"en", "ru", "uk", "it", "fa"}
    assert {name.split("-")[0] for name in docs} == {"1", "2", "3", "4", "5"}
    statement = to_render_document(docs["3-hosting-reconciliation-ru"])
    assert statement.table is not None
    assert len(statement.table.rows) > 150
    assert len(pypdf.PdfReader(io.BytesIO(render_pdf(statement))).pages) > 1


def test_the_statement_from_documents_carries_the_buyers_figures() -> None:
    """The docs picture of the reconciliation statement shows both sides: the buyer
    has booked its three payments and the January and February acts, not March's."""
    statement = demo_documents()["3-hosting-reconciliation-documents-ru"]
    march_act = statement.rows[-1]
    assert march_act.description.startswith("Продажа (акт № А-2026-03")
    assert statement.buyer_figures is not None
    # seller: -150.00 + 5 120.66 - 5 400.00 = -429.34 (in the buyer's favour)
    assert str(statement.closing_balance.amount) == "-429.34"
    # buyer: -150.00 - 5 400.00 + (1 763.78 + 1 593.10) = -2 193.12
    assert str(statement.buyer_figures.closing_balance.amount) == "-2193.12"
    # -429.34 - (-2 193.12) = 1 763.78, the March act
    assert statement.discrepancy == march_act.debit
