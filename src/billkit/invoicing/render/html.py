"""HTML rendering: the same documents for email bodies and notebooks.

:func:`render_html` writes a self-contained page (or, with ``fragment=True``,
one ``<article>`` with its own ``<style>``, which is what notebooks show via
``RenderDocument._repr_html_``). Every piece of user text is escaped, values
are formatted exactly as in the PDF (same babel data, same Persian digits and
Solar Hijri dates), and Persian documents are marked ``dir="rtl"`` so the
browser shapes and orders them. A logo is embedded as a ``data:`` URI: the
renderer never references a file or a remote address.

>>> from datetime import date
>>> from billkit.money import Money
>>> from billkit.invoicing.render import RenderDocument
>>> from billkit.invoicing.render.model import TotalRow
>>> doc = RenderDocument(kind="invoice", number="<script>1</script>",
...                      issue_date=date(2026, 3, 5), locale="fa", currency="IRR",
...                      totals=[TotalRow(label="total_due", amount=Money("1250000", "IRR"))])
>>> page = render_html(doc)
>>> '<html lang="fa" dir="rtl">' in page, "<script>" in page, "۱٬۲۵۰٬۰۰۰\xa0ریال" in page
(True, False, True)
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from billkit.errors import InvoicingError
from billkit.invoicing.render.fmt import Formatter
from billkit.invoicing.render.model import Field, RenderDocument
from billkit.invoicing.render.options import (
    DEFAULT_OPTIONS,
    SIGNATURE_BOX,
    STAMP_BOX,
    RenderOptions,
    fitted_image,
    logo_image,
)
from billkit.invoicing.render.text import printable
from billkit.money import local_context

__all__ = ["render_html"]

# no letter (no strong bidi character), at least one Latin digit
_LATIN_NUMBER = re.compile(r"[^\w]*[0-9][\W0-9_]*")

_STYLE = """
.bk-doc{font-family:%(font)s;color:#1c1f24;font-size:13px;line-height:1.45;max-width:820px;
margin:0 auto;padding:24px}
.bk-doc h1{color:%(accent)s;font-size:22px;margin:0 0 10px}
.bk-doc h2{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:#666c75;
margin:0 0 6px;padding-bottom:3px;border-bottom:1.5px solid %(accent)s}
.bk-doc h3{color:%(accent)s;font-size:13px;margin:18px 0 6px;border-bottom:1px solid #c8ccd6}
.bk-head{display:flex;justify-content:space-between;gap:16px}
.bk-head>div{min-width:0}
.bk-logo{max-width:200px;max-height:72px}
.bk-doc dl{display:grid;grid-template-columns:fit-content(45%%) minmax(0,1fr);gap:1px 10px;margin:0}
.bk-doc dt{color:#666c75}
.bk-doc dd{margin:0}
.bk-parties{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:20px;margin:18px 0}
.bk-name{font-weight:bold;margin:0 0 2px}
.bk-party p{margin:0}
.bk-doc table{border-collapse:collapse;margin:12px 0}
.bk-doc table.bk-lines{width:100%%}
.bk-doc th{background:%(tint)s;text-align:start;font-size:11px;padding:5px 6px;
border-bottom:1.5px solid %(accent)s}
.bk-doc td{padding:5px 6px;border-bottom:1px solid #c8ccd6;vertical-align:top}
.bk-doc td,.bk-doc dd,.bk-doc p,.bk-doc h1,.bk-doc small{unicode-bidi:plaintext;text-align:left}
.bk-doc td,.bk-doc dd,.bk-doc p,.bk-doc h1{overflow-wrap:anywhere;white-space:pre-line}
.bk-doc th,.bk-doc dt{overflow-wrap:break-word}
.bk-doc[dir=rtl] td,.bk-doc[dir=rtl] dd,.bk-doc[dir=rtl] p,.bk-doc[dir=rtl] h1{text-align:right}
.bk-doc .num{text-align:right;white-space:nowrap;overflow-wrap:normal}
.bk-doc th.num{white-space:normal;overflow-wrap:break-word}
.bk-doc .date{text-align:center;white-space:nowrap;overflow-wrap:normal}
/* a statement's four money columns as narrow as their figures: the width goes to the text */
.bk-doc table.bk-many th.num{width:1%%}
.bk-doc th.bk-unit{min-width:5em}
.bk-doc tr.bk-strong td{font-weight:bold}
.bk-doc thead{display:table-header-group}
.bk-doc table.bk-side{margin-inline-start:auto}
.bk-doc table.bk-totals{margin-inline-start:auto}
.bk-totals td{border:0;padding:2px 6px}
.bk-totals th{background:none;border:0;font-weight:normal;text-align:end;font-size:13px;padding:2px 6px}
.bk-totals tr.bk-strong th,.bk-totals tr.bk-strong td{font-weight:bold;font-size:15px;
border-top:1.5px solid %(accent)s}
.bk-signs{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:20px;margin-top:28px}
.bk-sign b{overflow-wrap:anywhere;unicode-bidi:plaintext}
.bk-sign div{border-bottom:1px solid #1c1f24;height:36px;width:80%%}
.bk-sign small{color:#666c75}
.bk-sign .bk-facsimile{position:relative;height:36px;width:80%%}
.bk-facsimile img{position:absolute;bottom:-12px;max-width:147px;max-height:53px}
.bk-facsimile img.bk-stamp{max-width:107px;max-height:107px;bottom:-40px;inset-inline-end:0}
"""


def _e(text: str) -> str:
    """Text as it prints (see :func:`printable`), escaped for HTML."""
    return escape(printable(text))


def _tint(hex_colour: str, tint: float) -> str:
    channels = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * tint):02x}" for c in channels)


class _Writer:
    def __init__(self, doc: RenderDocument, options: RenderOptions) -> None:
        self.doc = doc
        self.options = options
        self.fmt = Formatter.cached(
            doc.locale, doc.currency, options.digits, options.calendar, options.money_unit
        )
        self.out: list[str] = []
        self.rtl = doc.direction == "rtl"

    def t(self, text: str) -> str:
        """Text as it prints, escaped.

        On a right-to-left page a text with no letter but Latin digits (a
        phone number, an account number) is isolated left to right, or it
        would print ``+7 495`` as ``495 7+``.
        """
        clean = _e(text)
        if self.rtl and _LATIN_NUMBER.fullmatch(clean):
            return f'<bdi dir="ltr">{clean}</bdi>'
        return clean

    def label(self, key: str) -> str:
        return self.t(self.fmt.label(key))

    def fields(self, fields: Iterable[Any], *, long: bool = False) -> None:
        items = list(fields)
        if not items:
            return
        w = self.out.append
        w("<dl>")
        for f in items:
            value = self.t(self.fmt.value(f.value, long=long))
            w(f"<dt>{self.label(f.label)}</dt><dd>{value}</dd>")
        w("</dl>")

    def run(self) -> str:
        doc, fmt, w = self.doc, self.fmt, self.out.append
        title = doc.title or fmt.label(doc.kind)
        heading = fmt.label("heading").format(
            title=title, number=doc.number, date=fmt.long_date(doc.issue_date)
        )
        w(f'<article class="bk-doc" lang="{escape(doc.locale.replace("_", "-"))}" ')
        w(f'dir="{doc.direction}">')
        w('<div class="bk-head"><div>')
        w(f"<h1>{self.t(heading)}</h1>")
        fields: list[Any] = list(doc.fields)
        if "{date}" not in fmt.label("heading"):
            fields.insert(0, Field(label="issue_date", value=doc.issue_date))
        self.fields(fields, long=True)
        w("</div>")
        if self.options.logo is not None:
            embedded, kind = logo_image(self.options.logo)  # downscaled to LOGO_BOX
            data = base64.b64encode(embedded).decode("ascii")
            w(f'<img class="bk-logo" alt="" src="data:image/{kind};base64,{data}">')
        w("</div>")
        if doc.parties:
            w('<section class="bk-parties">')
            for party in doc.parties:
                w(f'<div class="bk-party"><h2>{self.label(party.role)}</h2>')
                w(f'<p class="bk-name">{self.t(party.name)}</p>')
                for line in party.lines:
                    w(f"<p>{self.t(line)}</p>")
                self.fields(party.fields)
                w("</div>")
            w("</section>")
        if doc.table is not None:
            self.table()
        self.tax_summary()
        self.totals()
        for sentence in doc.summary:
            w(f'<p class="bk-summary">{self.t(sentence)}</p>')
        if doc.amount_in_words:
            w(f"<p><b>{self.label('amount_in_words')}:</b> {self.t(doc.amount_in_words)}</p>")
        if doc.payment:
            w(f"<h3>{self.label('payment_details')}</h3>")
            self.fields(doc.payment)
        if doc.notes:
            w(f"<h3>{self.label('notes')}</h3>")
            for note in doc.notes:
                w(f"<p>{self.t(note)}</p>".replace("\n", "<br>"))
        if doc.signatures:
            w('<section class="bk-signs">')
            for i, role in enumerate(doc.signatures):
                w(f'<div class="bk-sign"><b>{self.label(role)}</b>')
                if i == 0 and doc.facsimile is not None:  # the seller's facsimile, on its line
                    w('<div class="bk-facsimile">')
                    for cls, image, box in (
                        ("bk-signature", doc.facsimile.signature, SIGNATURE_BOX),
                        ("bk-stamp", doc.facsimile.stamp, STAMP_BOX),
                    ):
                        if image is not None:
                            embedded, kind = fitted_image(image, box)
                            encoded = base64.b64encode(embedded).decode("ascii")
                            w(
                                f'<img class="{cls}" alt="" src="data:image/{kind};base64,{encoded}">'
                            )
                    w("</div>")
                else:
                    w("<div></div>")
                w(f"<small>({self.label('signature')})</small></div>")
            w("</section>")
        w("</article>")
        return "".join(self.out)

    def table(self) -> None:
        table = self.doc.table
        assert table is not None
        fmt, w = self.fmt, self.out.append
        kinds = [c.kind for c in table.columns]
        classes = [_CLASS[k] for k in kinds]
        many = sum(kind == "money" for kind in kinds) >= 4
        w(f'<table class="bk-lines{" bk-many" if many else ""}"><thead><tr>')
        for column, cls in zip(table.columns, classes, strict=True):
            label = fmt.label(column.label)
            if column.kind == "money":
                label = fmt.label("with_currency").format(label=label, currency=fmt.symbol)
            if column.label == "unit":  # "blocco", not "blocc" over "o"
                cls = ' class="bk-unit"'
            w(f"<th{cls}>{self.t(label)}</th>")
        w("</tr></thead>")

        def rows(rows: Sequence[Sequence[Any]], strong: bool) -> None:
            tr = '<tr class="bk-strong">' if strong else "<tr>"
            for row in rows:
                w(tr)
                for value, kind, cls in zip(row, kinds, classes, strict=True):
                    w(f"<td{cls}>{self.t(fmt.value(value, cell=kind))}</td>")
                w("</tr>")

        w("<tbody>")
        rows(table.head_rows, True)
        rows(table.rows, False)
        w("</tbody>")
        if table.foot_rows:
            w("<tfoot>")
            rows(table.foot_rows, True)
            w("</tfoot>")
        w("</table>")

    def tax_summary(self) -> None:
        if not self.doc.tax_summary:
            return
        fmt, w = self.fmt, self.out.append
        w('<table class="bk-side"><thead><tr>')
        own = self.doc.own_taxes
        w(f"<th>{self.label('taxes_summary' if own else 'tax_summary')}</th>")
        for key in ("net", "taxes_amount" if own else "tax", "gross"):
            w(f'<th class="num">{self.label(key)}</th>')
        w("</tr></thead><tbody>")
        for row in self.doc.tax_summary:
            if row.label is not None:
                label = fmt.label(row.label)
            elif row.rate is not None:
                label = fmt.label("tax_rate_row").format(rate=fmt.percent(row.rate))
            else:
                label = fmt.label("no_tax")
            w(f"<tr><td>{self.t(label)}</td>")
            for money in (row.net, row.tax, row.gross):
                w(f'<td class="num">{self.t(fmt.amount(money))}</td>')
            w("</tr>")
        w("</tbody></table>")

    def totals(self) -> None:
        if not self.doc.totals:
            return
        w = self.out.append
        w('<table class="bk-totals"><tbody>')
        for row in self.doc.totals:
            tr = '<tr class="bk-strong">' if row.strong else "<tr>"
            money = self.t(self.fmt.money(row.amount))
            w(f'{tr}<th>{self.label(row.label)}</th><td class="num">{money}</td></tr>')
            if row.strong and self.fmt.toman:  # the total due also in rials
                rials = self.t(self.fmt.rials(row.amount))
                w(f'<tr><th></th><td class="num">({rials})</td></tr>')
        w("</tbody></table>")


_CLASS = {
    "text": "",
    "number": ' class="num"',
    "money": ' class="num"',
    "percent": ' class="num"',
    "date": ' class="date"',
}


def render_html(
    document: object, options: RenderOptions | None = None, *, fragment: bool = False
) -> str:
    """The HTML of ``document``: a full page, or with ``fragment=True`` one ``<article>``.

    Both carry their own CSS; the same document and options always give the
    same text.
    """
    # every number is formatted in billkit's own decimal context, whatever
    # the caller's thread has set (docs/limits.md)
    with local_context():
        return _render_html(document, options, fragment)


def _render_html(document: object, options: RenderOptions | None, fragment: bool) -> str:
    from billkit.invoicing.render.adapters import to_render_document

    options = DEFAULT_OPTIONS if options is None else options
    if not isinstance(options, RenderOptions):
        raise InvoicingError("options", options, "a RenderOptions or None")
    doc = to_render_document(document, options)
    family = re.sub(r"[^\w \-]", "", options.fonts)  # a CSS string: no quotes, no markup
    font = f"'{family}','DejaVu Sans','Segoe UI',Tahoma,Arial,sans-serif"
    style = _STYLE % {
        "font": font,
        "accent": options.accent,
        "tint": _tint(options.accent, 0.88),
    }
    body = _Writer(doc, options).run()
    if fragment:
        return f"<div><style>{style}</style>{body}</div>"
    lang = escape(doc.locale.replace("_", "-"))
    title = _e(f"{doc.title or _Writer(doc, options).fmt.label(doc.kind)} {doc.number}")
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}" dir="{doc.direction}">'
        f'<head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{style}</style></head><body>{body}</body></html>\n"
    )
