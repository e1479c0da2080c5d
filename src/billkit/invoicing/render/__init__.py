"""Documents rendered to PDF and HTML, in English, Russian, Ukrainian, Italian and Persian.

The renderers draw a :class:`RenderDocument`: a neutral view model holding what
a document prints (title, number, dates, parties with identifiers, a line
table, tax summary, totals, payment details, notes), every value already
computed (build one from the parts in :mod:`~billkit.invoicing.render.model`).
billkit's invoicing documents convert to it with
:func:`~billkit.invoicing.render.adapters.to_render_document`, and
:func:`render_pdf` / :func:`render_html` accept either.

Nothing heavy loads on import: reportlab, babel, arabic-reshaper, python-bidi
and jdatetime are imported by the first render that needs them.

>>> from datetime import date
>>> from billkit.money import Money
>>> from billkit.invoicing.render import RenderDocument, render_html, render_pdf
>>> from billkit.invoicing.render.model import Column, Field, LineTable, PartyBlock, TotalRow
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

from typing import TYPE_CHECKING

from billkit import _lazy

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from billkit.invoicing.render.html import render_html
    from billkit.invoicing.render.model import RenderDocument
    from billkit.invoicing.render.options import RenderOptions
    from billkit.invoicing.render.pdf import render_pdf

_EXPORTS: dict[str, str] = {
    "RenderDocument": "billkit.invoicing.render.model",
    "RenderOptions": "billkit.invoicing.render.options",
    "render_html": "billkit.invoicing.render.html",
    "render_pdf": "billkit.invoicing.render.pdf",
}

__all__ = [
    "RenderDocument",
    "RenderOptions",
    "render_html",
    "render_pdf",
]

# Names that left the public surface in issue 9 (see CHANGELOG.md): still
# importable from here for code written before, not listed by dir() or docs;
# import them from the module that defines them.
_MOVED: dict[str, str] = {
    "Column": "billkit.invoicing.render.model",
    "ColumnKind": "billkit.invoicing.render.model",
    "Field": "billkit.invoicing.render.model",
    "Formatter": "billkit.invoicing.render.fmt",
    "LANGUAGES": "billkit.invoicing.render.model",
    "Label": "billkit.invoicing.render.model",
    "LineTable": "billkit.invoicing.render.model",
    "PartyBlock": "billkit.invoicing.render.model",
    "TaxRow": "billkit.invoicing.render.model",
    "TotalRow": "billkit.invoicing.render.model",
    "Value": "billkit.invoicing.render.model",
    "demo_documents": "billkit._demo_documents",
    "label_keys": "billkit.invoicing.render.labels",
    "register_fonts": "billkit.invoicing.render.fonts",
    "registered_fonts": "billkit.invoicing.render.fonts",
    "to_render_document": "billkit.invoicing.render.adapters",
    "translate": "billkit.invoicing.render.labels",
    "write_demo_documents": "billkit._demo_documents",
    "write_pdf": "billkit.invoicing.render.pdf",
}

__getattr__, _dir = _lazy.attach(__name__, {**_EXPORTS, **_MOVED})


def __dir__() -> list[str]:
    return [name for name in _dir() if name not in _MOVED or name in globals()]
