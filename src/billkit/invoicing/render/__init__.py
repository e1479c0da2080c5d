"""Documents rendered to PDF and HTML, in English, Russian, Ukrainian, Italian and Persian.

The renderers draw a :class:`RenderDocument`: a neutral view model holding what
a document prints (title, number, dates, parties with identifiers, a line
table, tax summary, totals, payment details, notes), every value already
computed. billkit's invoicing documents convert to it with
:func:`to_render_document`, and :func:`render_pdf` / :func:`render_html` accept
either.

Nothing heavy loads on import: reportlab, babel, arabic-reshaper, python-bidi
and jdatetime are imported by the first render that needs them.

>>> from datetime import date
>>> from billkit.money import Money
>>> from billkit.invoicing.render import (
...     Column, Field, LineTable, PartyBlock, RenderDocument, TotalRow, render_html, render_pdf)
>>> doc = RenderDocument(
...     kind="invoice", number="A-1", issue_date=date(2026, 3, 5), locale="it", currency="EUR",
...     parties=[PartyBlock(role="seller", name="<b>ACME</b> & Co",
...                         fields=[Field(label="partita_iva", value="IT01234567890")])],
...     table=LineTable(columns=[Column(label="description"),
...                              Column(label="amount", kind="money")],
...                     rows=[["Piano Pro, marzo", Money("1234.50", "EUR")]]),
...     totals=[TotalRow(label="total_due", amount=Money("1234.50", "EUR"), strong=True)],
... )
>>> render_pdf(doc)[:5]
b'%PDF-'
>>> "&lt;b&gt;ACME&lt;/b&gt; &amp; Co" in render_html(doc)
True
>>> "1.234,50\xa0€" in render_html(doc)
True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from billkit.invoicing.render.adapters import to_render_document
    from billkit.invoicing.render.examples import demo_documents, write_demo_documents
    from billkit.invoicing.render.fmt import Formatter
    from billkit.invoicing.render.fonts import register_fonts, registered_fonts
    from billkit.invoicing.render.html import render_html
    from billkit.invoicing.render.labels import label_keys, translate
    from billkit.invoicing.render.model import (
        LANGUAGES,
        Column,
        ColumnKind,
        Field,
        Label,
        LineTable,
        PartyBlock,
        RenderDocument,
        TaxRow,
        TotalRow,
        Value,
    )
    from billkit.invoicing.render.options import RenderOptions
    from billkit.invoicing.render.pdf import render_pdf, write_pdf

_EXPORTS: dict[str, str] = {
    "LANGUAGES": "billkit.invoicing.render.model",
    "Column": "billkit.invoicing.render.model",
    "ColumnKind": "billkit.invoicing.render.model",
    "Field": "billkit.invoicing.render.model",
    "Formatter": "billkit.invoicing.render.fmt",
    "Label": "billkit.invoicing.render.model",
    "LineTable": "billkit.invoicing.render.model",
    "PartyBlock": "billkit.invoicing.render.model",
    "RenderDocument": "billkit.invoicing.render.model",
    "RenderOptions": "billkit.invoicing.render.options",
    "TaxRow": "billkit.invoicing.render.model",
    "TotalRow": "billkit.invoicing.render.model",
    "Value": "billkit.invoicing.render.model",
    "demo_documents": "billkit.invoicing.render.examples",
    "label_keys": "billkit.invoicing.render.labels",
    "register_fonts": "billkit.invoicing.render.fonts",
    "registered_fonts": "billkit.invoicing.render.fonts",
    "render_html": "billkit.invoicing.render.html",
    "render_pdf": "billkit.invoicing.render.pdf",
    "to_render_document": "billkit.invoicing.render.adapters",
    "translate": "billkit.invoicing.render.labels",
    "write_demo_documents": "billkit.invoicing.render.examples",
    "write_pdf": "billkit.invoicing.render.pdf",
}

__all__ = [
    "LANGUAGES",
    "Column",
    "ColumnKind",
    "Field",
    "Formatter",
    "Label",
    "LineTable",
    "PartyBlock",
    "RenderDocument",
    "RenderOptions",
    "TaxRow",
    "TotalRow",
    "Value",
    "demo_documents",
    "label_keys",
    "register_fonts",
    "registered_fonts",
    "render_html",
    "render_pdf",
    "to_render_document",
    "translate",
    "write_demo_documents",
    "write_pdf",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'billkit.invoicing.render' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
