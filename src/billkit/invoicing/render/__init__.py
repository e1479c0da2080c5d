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

__getattr__, __dir__ = _lazy.attach(__name__, _EXPORTS)
