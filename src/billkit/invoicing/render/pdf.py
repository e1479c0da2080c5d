"""PDF rendering with reportlab: an A4 layout drawn straight onto the canvas.

:func:`render_pdf` lays a :class:`RenderDocument` (or any billkit document, via
:func:`to_render_document`) out on A4 pages and returns the PDF's bytes:

* page 1: the title with number and date, the header fields, an optional
  logo, and the parties side by side with their identifiers;
* the line table, its header repeated on every page; a table with carried
  columns (``Column(carry=True)``) ends each page with a "carried forward" row
  and starts the next with the same sums "brought forward";
* the tax summary, totals, amount in words, payment details, notes and
  signature lines, each kept whole on one page;
* on every page a footer with the document's title (cut to half the width)
  and "page N of M".

Nothing is drawn below the bottom margin: any text taller than the room left
on a page (a 200-line party name, a huge table cell, a very long title) flows
on over as many further pages as it needs, a whole line at a time. Further
pages start with the title, cut to at most three lines, "(continued)".

Text is drawn with reportlab's text operators, never through ``Paragraph``
markup: user text (``<b>ACME</b> & Co``, ``<img src=...>``) prints as the
characters it is and can never open a file or change the layout. Persian
documents are laid out right to left (mirrored columns and blocks; numbers
stay right-aligned so their digits line up), with letters shaped and each
wrapped line reordered by :mod:`billkit.invoicing.render.shaping`; each
shaped line carries the letters it shows in an ``/ActualText`` span, so
readers extract letters rather than presentation forms (see ``_letters``).

Output is deterministic: reportlab's ``invariant`` mode fixes the dates and
the file identifier, and the metadata comes from the document alone, so the
same document renders to the same bytes.

>>> from datetime import date
>>> from billkit.money import Money
>>> from billkit.invoicing.render.model import RenderDocument, TotalRow
>>> doc = RenderDocument(kind="receipt", number="R-1", issue_date=date(2026, 3, 5),
...                      locale="en", currency="EUR",
...                      totals=[TotalRow(label="paid", amount=Money("10.00", "EUR"))])
>>> pdf = render_pdf(doc)
>>> pdf[:5], pdf == render_pdf(doc)
(b'%PDF-', True)
"""

from __future__ import annotations

import io
import os
import unicodedata
import warnings
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

from moneyed import Money

from billkit.errors import InvoicingError, MissingGlyphWarning
from billkit.invoicing.render.fmt import Formatter
from billkit.invoicing.render.fonts import family_fonts
from billkit.invoicing.render.model import Column, Field, LineTable, RenderDocument, Value
from billkit.invoicing.render.options import (
    DEFAULT_OPTIONS,
    SIGNATURE_BOX,
    STAMP_BOX,
    RenderOptions,
    fitted_image,
    logo_image,
)
from billkit.invoicing.render.shaping import has_rtl, shape, visual, wrap
from billkit.invoicing.render.text import REPLACEMENT, printable
from billkit.money import local_context

__all__ = ["render_pdf", "write_pdf"]

# A4 in points, and the frame the content stays inside.
PAGE_W: Final = 595.2756
PAGE_H: Final = 841.8898
MARGIN_X: Final = 42.0
MARGIN_TOP: Final = 42.0
MARGIN_BOTTOM: Final = 54.0
FOOTER_Y: Final = 30.0
CONTENT_W: Final = PAGE_W - 2 * MARGIN_X

TEXT: Final = "0.11 0.12 0.14"
MUTED: Final = "0.40 0.43 0.47"
RULE: Final = "0.78 0.80 0.84"
WHITE: Final = "1 1 1"

BODY: Final = 8.5
SMALL: Final = 7.5
CELL: Final = 8.0
HEAD: Final = 7.5
PAD_X: Final = 4.0
PAD_Y: Final = 3.2
GAP: Final = 14.0


def _rgb(hex_colour: str, tint: float = 0.0) -> str:
    """``#rrggbb`` as PDF rgb operands, mixed with ``tint`` of white."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    return " ".join(f"{c + (1 - c) * tint:.3f}" for c in channels)


# One drawing instruction, relative to a block's top: a block is measured
# first (its height is known before it is placed) and then emitted at a y.
#   ("t", x, width, dy, text, size, bold, colour, align)  text baseline at top - dy
#   ("l", x, width, dy, line width, colour)               horizontal rule
#   ("r", x, width, dy, height, colour)                   filled rectangle
# x is measured from the start edge: the left in LTR, the right in RTL.
# align: "start", "end", "center", or "right" (physical: numbers).
_Op = tuple[Any, ...]


class _Block:
    __slots__ = ("height", "ops")

    def __init__(self) -> None:
        self.ops: list[_Op] = []
        self.height = 0.0


class _Layout:
    """Measures, wraps and places a document's content on pages."""

    def __init__(self, doc: RenderDocument, options: RenderOptions, canvas: Any) -> None:
        self.doc = doc
        self.options = options
        self.canvas = canvas
        self.rtl = doc.direction == "rtl"
        self.fmt = Formatter.cached(
            doc.locale, doc.currency, options.digits, options.calendar, options.money_unit
        )
        regular, bold = family_fonts(options.fonts)
        self.fonts = (regular, bold)
        self._widths = (regular.stringWidth, bold.stringWidth)
        self._cmaps = (regular.face.charToGlyph, bold.face.charToGlyph)
        self.missing: set[str] = set()
        self._width_cache: dict[tuple[str, float, bool], float] = {}
        self.accent = _rgb(options.accent)
        self.tint = _rgb(options.accent, 0.88)
        self.pages: list[list[str]] = []
        self.images: dict[int, list[tuple[Any, float, float, float, float]]] = {}
        self.ops: list[str] = []
        self.y = PAGE_H - MARGIN_TOP
        self._pdfdoc = canvas._doc
        self._escape = canvas._escape
        self._subset_names: dict[tuple[int, int], str] = {}
        self._shown: dict[tuple[str, float, bool], str] = {}
        self._visual: dict[tuple[str, bool], str] = {}
        self._spans: dict[tuple[str, float, bool], str] = {}  # the /ActualText span openers
        self._fill = ""
        self.keep_after = 0.0
        self._continued: _Block | None = None
        title = doc.title or self.fmt.label(doc.kind)
        self.title = title
        self.heading = self.fmt.label("heading").format(
            title=title,
            number=doc.number,
            date=self.fmt.long_date(doc.issue_date).replace(" ", "\xa0"),  # one unbroken date
        )
        self.footer_text = f"{title} {doc.number}"

    # ------------------------------------------------------------- text tools

    def width(self, text: str, size: float, bold: bool = False) -> float:
        key = (text, size, bold)
        found = self._width_cache.get(key)
        if found is None:
            found = self._width_cache[key] = float(self._widths[bold](text, size))
        return found

    def glyphs(self, text: str, bold: bool = False) -> str:
        """``text`` with each character the font cannot draw replaced by U+FFFD.

        A missing glyph would print as an empty box, or as nothing; the
        replacement is visible, and :func:`render_pdf` warns which characters
        it replaced.
        """
        cmap = self._cmaps[bold]
        if all(ord(c) in cmap for c in text):
            return text
        missing = {c for c in text if ord(c) not in cmap and c != "\n"}
        if not missing:
            return text
        self.missing |= missing
        sub = REPLACEMENT if ord(REPLACEMENT) in cmap else "?"
        return "".join(sub if c in missing else c for c in text)

    def vis(self, text: str, bold: bool = False) -> str:
        """One line of text in drawing order (shaped and reordered if needed)."""
        text = printable(text)
        if not self.rtl and not has_rtl(text):
            return self.glyphs(text, bold)
        found = self._visual.get((text, bold))
        if found is None:
            found = visual(self.glyphs(shape(text), bold), rtl=self.rtl)
            self._visual[(text, bold)] = found
        return found

    def lines(self, text: str, width: float, size: float, bold: bool = False) -> list[str]:
        """``text`` wrapped to ``width``, each line in drawing order."""
        width += 0.01  # a label measured to fit its own width must fit it
        text = printable(text)
        if "\n" not in text and not has_rtl(text):
            text = self.glyphs(text, bold)
            if self.width(text, size, bold) <= width:
                return [text] if not self.rtl else [self.vis(text, bold)]
        shaped = self.glyphs(shape(text), bold)
        measure = self._widths[bold]
        wrapped = wrap(shaped, width, lambda s: float(measure(s, size)))
        if not self.rtl and not has_rtl(shaped):
            return wrapped
        return [visual(line, rtl=self.rtl) for line in wrapped]

    # ---------------------------------------------------------------- emitting

    def _phys(self, x: float, w: float) -> float:
        """The physical left edge of the logical box [x, x + w]."""
        return MARGIN_X + x if not self.rtl else PAGE_W - MARGIN_X - x - w

    def _colour(self, colour: str) -> None:
        if colour != self._fill:
            self.ops.append(f"{colour} rg")
            self._fill = colour

    def _text(self, left: float, y: float, text: str, size: float, bold: bool) -> None:
        key = (text, size, bold)
        shown = self._shown.get(key)
        if shown is None:  # the glyph codes of ``text`` in this document's font subsets
            font = self.fonts[bold]
            pdfdoc = self._pdfdoc
            chunks = []
            for subset, data in font.splitString(text, pdfdoc):
                name = self._subset_names.get((bold, subset))
                if name is None:
                    name = font.getSubsetInternalName(subset, pdfdoc)
                    self._subset_names[(bold, subset)] = name
                chunks.append(f"{name} {size:g} Tf ({self._escape(data)}) Tj")
            shown = " ".join(chunks) + " ET"
            actual = _letters(text)
            if actual != text:
                # shaped Persian: the glyphs are presentation forms; a marked-content
                # span's /ActualText (PDF 32000-1:2008, 14.9.4) gives the letters they
                # show, so a reader extracts, searches and copies letters
                shown += " EMC"
                self._spans[key] = f"/Span <</ActualText {_pdf_text_string(actual)}>> BDC "
            self._shown[key] = shown
        span = self._spans.get(key, "") if self._spans else ""
        self.ops.append(f"{span}BT {left:.2f} {y:.2f} Td {shown}")

    def emit(self, block: _Block, top: float) -> None:
        ops = self.ops
        for op in block.ops:
            kind = op[0]
            if kind == "t":
                _, x, w, dy, text, size, bold, colour, align = op
                if not text:
                    continue
                left = self._phys(x, w)
                if align == "start":
                    align = "right" if self.rtl else "left"
                elif align == "end":
                    align = "left" if self.rtl else "right"
                if align == "right":
                    left += w - self.width(text, size, bold)
                elif align == "center":
                    left += (w - self.width(text, size, bold)) / 2
                self._colour(colour)
                self._text(left, top - dy, text, size, bold)
            elif kind == "l":
                _, x, w, dy, lw, colour = op
                left = self._phys(x, w)
                y = top - dy
                ops.append(f"{colour} RG {lw:g} w {left:.2f} {y:.2f} m {left + w:.2f} {y:.2f} l S")
            else:
                _, x, w, dy, h, colour = op
                self._colour(colour)
                ops.append(f"{self._phys(x, w):.2f} {top - dy - h:.2f} {w:.2f} {h:.2f} re f")

    # ------------------------------------------------------------------ pages

    def room(self) -> float:
        return self.y - MARGIN_BOTTOM

    def clip(self, text: str, width: float, size: float, bold: bool = False) -> str:
        """``text`` cut to about ``width`` with an ellipsis, measuring no more
        of it than fits: the cost is bounded by the width, not the text."""
        if len(text) * size * 0.2 <= width and self.width(text, size, bold) <= width:
            return text  # short enough to measure whole (no glyph is under 0.2 em)
        room = width - self.width(_ELLIPSIS, size, bold)
        used = 0.0
        for i, ch in enumerate(text):
            used += self.width(ch, size, bold)
            if used > room:
                return text[:i].rstrip() + _ELLIPSIS
        return text

    def continued(self) -> _Block:
        """The heading of every further page: built once, at most three lines,
        however long the title (the whole title prints on page 1)."""
        if self._continued is None:
            block = _Block()
            heading = self.clip(self.heading, 2 * CONTENT_W, SMALL)
            text = f"{heading} ({self.fmt.label('continued')})"
            for i, line in enumerate(self.lines(text, CONTENT_W, SMALL)[:_CONTINUED_LINES]):
                block.ops.append(
                    ("t", 0.0, CONTENT_W, SMALL + i * 10, line, SMALL, False, MUTED, "start")
                )
                block.height = SMALL + i * 10 + 10
            self._continued = block
        return self._continued

    def new_page(self) -> None:
        self.pages.append(self.ops)
        self.ops = []
        self._fill = ""
        self.y = PAGE_H - MARGIN_TOP
        self.place(self.continued())

    def place(self, block: _Block, *, keep: bool = True) -> None:
        """Put ``block`` at the cursor, on a new page if it does not fit; a
        block taller than the room left flows on over further pages."""
        if (
            keep
            and block.height > self.room()
            and self.y < PAGE_H - MARGIN_TOP - 40
            and block.height <= PAGE_H - MARGIN_TOP - MARGIN_BOTTOM - self.continued().height
        ):
            self.new_page()
        if block.height > self.room():
            self.flow(block)
            return
        self.emit(block, self.y)
        self.y -= block.height

    def flow(self, block: _Block) -> None:
        """Emit ``block`` over as many pages as it needs, never below the
        bottom margin: each page takes the drawings that end within its room,
        the next page starts at the top of the first one left over (so a line
        of text is never cut, and side-by-side columns continue together)."""
        ops = sorted(block.ops, key=_op_top)
        base = 0.0  # the block's dy drawn at the cursor
        while ops and block.height - base > self.room():
            room = self.room()
            here = [op for op in ops if _op_bottom(op) - base <= room]
            if not here and self.y >= PAGE_H - MARGIN_TOP - self.continued().height:
                here = ops[:1]  # taller than a whole page (never text): drawn alone
            self.emit(_shifted(here, base), self.y)
            kept = {id(op) for op in here}
            ops = [op for op in ops if id(op) not in kept]
            if not ops:
                break
            self.new_page()
            base = _op_top(ops[0])
        rest = _shifted(ops, base)
        self.emit(rest, self.y)
        self.y -= max(block.height - base, 0.0)

    def finish(self) -> None:
        self.pages.append(self.ops)
        total = len(self.pages)
        # the title beside the page number, cut to half the width (once)
        footer_text = self.vis(self.clip(self.footer_text, CONTENT_W / 2 - 6, SMALL))
        for number, ops in enumerate(self.pages, start=1):
            self.ops = ops
            self._fill = ""
            footer = _Block()
            footer.ops.append(("l", 0.0, CONTENT_W, 0.0, 0.5, RULE))
            page = self.fmt.label("page").format(
                page=self.fmt.number(number), pages=self.fmt.number(total)
            )
            half = CONTENT_W / 2
            footer.ops.append(("t", 0.0, half, 10.0, footer_text, SMALL, False, MUTED, "start"))
            footer.ops.append(("t", half, half, 10.0, self.vis(page), SMALL, False, MUTED, "end"))
            self.emit(footer, FOOTER_Y + 10)

    # ----------------------------------------------------------------- blocks

    def field_rows(
        self, fields: Sequence[tuple[str, str]], x: float, width: float, size: float
    ) -> tuple[list[_Op], float]:
        """Label/value pairs in two aligned columns; returns ops and height."""
        if not fields:
            return [], 0.0
        leading = size * 1.35
        label_w = min(max(self.width(f"{label}:", size) for label, _ in fields) + 6, width * 0.45)
        value_w = width - label_w
        ops: list[_Op] = []
        dy = 0.0
        for label, value in fields:
            label_lines = self.lines(f"{label}:", label_w - 6, size)
            value_lines = self.lines(value, value_w, size)
            for i, line in enumerate(label_lines):
                ops.append(
                    ("t", x, label_w, dy + size + i * leading, line, size, False, MUTED, "start")
                )
            for i, line in enumerate(value_lines):
                ops.append(
                    (
                        "t",
                        x + label_w,
                        value_w,
                        dy + size + i * leading,
                        line,
                        size,
                        False,
                        TEXT,
                        "start",
                    )
                )
            dy += max(len(label_lines), len(value_lines)) * leading
        return ops, dy

    def labelled(self, fields: Sequence[Any], *, long_dates: bool = False) -> list[tuple[str, str]]:
        fmt = self.fmt
        return [(fmt.label(f.label), fmt.value(f.value, long=long_dates)) for f in fields]

    def header(self) -> None:
        doc = self.doc
        block = _Block()
        logo_w = 0.0
        if self.options.logo is not None:
            logo_w = self._logo(self.options.logo)
        title_w = CONTENT_W - (logo_w + GAP if logo_w else 0.0)
        dy = 0.0
        for line in self.lines(self.heading, title_w, 15, bold=True):
            dy += 18
            block.ops.append(("t", 0.0, title_w, dy - 3, line, 15, True, self.accent, "start"))
        dy += 8
        fields = list(doc.fields)
        if "{date}" not in self.fmt.label("heading"):
            fields.insert(0, Field(label="issue_date", value=doc.issue_date))
        ops, h = self.field_rows(self.labelled(fields, long_dates=True), 0.0, title_w, BODY)
        block.ops.extend((*op[:3], op[3] + dy, *op[4:]) for op in ops)
        dy += h
        block.height = max(dy, self._logo_h) + GAP
        self.place(block, keep=False)

    _logo_h = 0.0

    def _logo(self, data: bytes) -> float:
        from billkit.invoicing.render import _backend

        embedded, _ = logo_image(data)  # at most LOGO_BOX pixels, decoded once
        image = _backend.image(embedded)
        iw, ih = image.getSize()
        scale = min(150.0 / iw, 56.0 / ih)
        w, h = iw * scale, ih * scale
        x = PAGE_W - MARGIN_X - w if not self.rtl else MARGIN_X
        self.images.setdefault(len(self.pages), []).append((image, x, self.y - h, w, h))
        self._logo_h = float(h)
        return float(w)

    def parties(self) -> None:
        parties = self.doc.parties
        col_w = (CONTENT_W - GAP) / 2
        for start in range(0, len(parties), 2):
            block = _Block()
            height = 0.0
            for i, party in enumerate(parties[start : start + 2]):
                x = i * (col_w + GAP)
                ops, h = self.party(party, x, col_w)
                block.ops.extend(ops)
                height = max(height, h)
            block.height = height + GAP
            self.place(block)

    def party(self, party: Any, x: float, width: float) -> tuple[list[_Op], float]:
        ops: list[_Op] = []
        role = self.fmt.label(party.role)
        ops.append(("t", x, width, SMALL, self.vis(role.upper()), SMALL, True, MUTED, "start"))
        ops.append(("l", x, width, SMALL + 4, 0.8, self.accent))
        dy = SMALL + 6
        for line in self.lines(party.name, width, 9.5, bold=True):
            dy += 12
            ops.append(("t", x, width, dy, line, 9.5, True, TEXT, "start"))
        dy += 2
        for text in party.lines:
            for line in self.lines(text, width, BODY):
                dy += BODY * 1.35
                ops.append(("t", x, width, dy, line, BODY, False, TEXT, "start"))
        rows, h = self.field_rows(self.labelled(party.fields), x, width, BODY)
        ops.extend((*op[:3], op[3] + dy + 2, *op[4:]) for op in rows)
        return ops, dy + 2 + h

    # ------------------------------------------------------------------ table

    def table(self, table: LineTable) -> None:
        fmt = self.fmt
        columns = table.columns
        kinds = [c.kind for c in columns]
        carry = [j for j, c in enumerate(columns) if c.carry]

        def cells(row: Sequence[Value]) -> list[str]:
            return [fmt.value(v, cell=k) for v, k in zip(row, kinds, strict=True)]

        body = [cells(r) for r in table.rows]
        head_rows = [cells(r) for r in table.head_rows]
        foot_rows = [cells(r) for r in table.foot_rows]
        sums = _running_sums(table, carry)
        headers = [self.header_label(c) for c in columns]
        widths = self.column_widths(columns, headers, head_rows + foot_rows + body, table, carry)
        xs = [sum(widths[:j]) for j in range(len(widths))]
        header = self.table_header(headers, kinds, widths, xs)
        leading = CELL * 1.3
        carry_row_h = leading + 2 * PAD_Y + 2

        def row_block(texts: list[str], bold: bool) -> _Block:
            block = _Block()
            lines_per_cell = []
            for j, text in enumerate(texts):
                kind = kinds[j]
                inner = widths[j] - 2 * PAD_X
                if kind == "text":
                    lines_per_cell.append(self.lines(text, inner, CELL, bold))
                else:
                    lines_per_cell.append([self.vis(text)] if text else [])
            n = max(1, *(len(lines) for lines in lines_per_cell))
            for j, lines in enumerate(lines_per_cell):
                align = _ALIGN[kinds[j]]
                for i, line in enumerate(lines):
                    block.ops.append(
                        (
                            "t",
                            xs[j] + PAD_X,
                            widths[j] - 2 * PAD_X,
                            PAD_Y + CELL + i * leading,
                            line,
                            CELL,
                            bold,
                            TEXT,
                            align,
                        )
                    )
            block.height = n * leading + 2 * PAD_Y
            block.ops.append(("l", 0.0, CONTENT_W, block.height, 0.4, RULE))
            return block

        def sum_block(label: str, values: list[Decimal]) -> _Block:
            block = _Block()
            block.ops.append(("r", 0.0, CONTENT_W, 0.0, carry_row_h - 2, self.tint))
            first = carry[0]
            span = xs[first] if first else widths[0]
            block.ops.append(
                (
                    "t",
                    PAD_X,
                    span - 2 * PAD_X,
                    PAD_Y + CELL,
                    self.vis(label),
                    CELL,
                    True,
                    TEXT,
                    "start",
                )
            )
            for j, value in zip(carry, values, strict=True):
                text = fmt.amount(value) if kinds[j] == "money" else fmt.number(value)
                block.ops.append(
                    (
                        "t",
                        xs[j] + PAD_X,
                        widths[j] - 2 * PAD_X,
                        PAD_Y + CELL,
                        self.vis(text),
                        CELL,
                        True,
                        TEXT,
                        "right",
                    )
                )
            block.height = carry_row_h
            return block

        # the header and the first row start on the same page
        first = (
            row_block(head_rows[0], True)
            if head_rows
            else (row_block(body[0], False) if body else None)
        )
        needed = header.height + (first.height if first else 0.0) + (carry_row_h if carry else 0.0)
        if needed > self.room():
            self.new_page()
        self.place(header, keep=False)
        for texts in head_rows:
            self.place(row_block(texts, True), keep=False)
        reserve = carry_row_h if carry else 0.0
        for i, texts in enumerate(body):
            block = row_block(texts, False)
            last = i == len(body) - 1
            room_needed = block.height + (0.0 if last and not foot_rows else reserve)
            if last and not foot_rows:
                room_needed += self.keep_after + GAP
            if room_needed > self.room() and i > 0:
                if carry:
                    self.place(sum_block(fmt.label("carried_forward"), sums[i - 1]), keep=False)
                self.new_page()
                self.place(header, keep=False)
                if carry:
                    self.place(sum_block(fmt.label("brought_forward"), sums[i - 1]), keep=False)
            self.place(block, keep=False)
        for k, texts in enumerate(foot_rows):
            block = row_block(texts, True)
            after = self.keep_after + GAP if k == len(foot_rows) - 1 else 0.0
            if block.height + after > self.room():
                if carry and body:
                    self.place(sum_block(fmt.label("carried_forward"), sums[-1]), keep=False)
                self.new_page()
                self.place(header, keep=False)
                if carry and body:
                    self.place(sum_block(fmt.label("brought_forward"), sums[-1]), keep=False)
            self.place(block, keep=False)
        self.y -= GAP

    def header_label(self, column: Column) -> str:
        label = self.fmt.label(column.label)
        if column.kind == "money":
            return self.fmt.label("with_currency").format(label=label, currency=self.fmt.symbol)
        return label

    def column_widths(
        self,
        columns: Sequence[Column],
        headers: list[str],
        rows: list[list[str]],
        table: LineTable,
        carry: list[int],
    ) -> list[float]:
        widths: list[float] = []
        flexible = []
        for j, column in enumerate(columns):
            words = shape(headers[j]).split() or [""]
            head = max(self.width(w, HEAD, True) for w in words)
            if column.kind == "text":
                widths.append(head + 2 * PAD_X)
                flexible.append(j)
                continue
            values = {row[j] for row in rows}
            widest = max((self.width(v, CELL, bool(carry)) for v in values), default=0.0)
            if j in carry:
                bound = _abs_total(table, j)
                text = self.fmt.amount(bound) if column.kind == "money" else self.fmt.number(bound)
                widest = max(widest, self.width(text, CELL, True))
            widths.append(max(head, widest) + 2 * PAD_X + 1)
        # what the text columns need unwrapped (judged on the first 200 rows)
        natural = {
            j: max(
                (self.width(line, CELL) for row in rows[:200] for line in row[j].split("\n")),
                default=0.0,
            )
            + 2 * PAD_X
            + 1
            for j in flexible
        }
        # number columns as wide as their whole header (no wrapped header) when the
        # text columns keep what they need, or at least half the width
        full = [
            self.width(shape(headers[j]), HEAD, True) + 2 * PAD_X + 1 if j not in flexible else w
            for j, w in enumerate(widths)
        ]
        text_need = sum(max(natural[j], widths[j]) for j in flexible)
        budget = CONTENT_W - sum(widths[j] for j in range(len(widths)) if j not in flexible)
        budget -= min(text_need, CONTENT_W * 0.5)
        if sum(f - w for f, w in zip(full, widths, strict=True)) <= budget:
            widths = [max(w, f) for w, f in zip(widths, full, strict=True)]
        else:  # or wide enough for a header on two lines rather than three or more
            two = [
                self.two_lines(shape(headers[j]), HEAD, True) + 2 * PAD_X + 1
                if j not in flexible
                else w
                for j, w in enumerate(widths)
            ]
            if sum(max(t - w, 0.0) for t, w in zip(two, widths, strict=True)) <= budget:
                widths = [max(w, t) for w, t in zip(widths, two, strict=True)]
        fixed = sum(w for j, w in enumerate(widths) if j not in flexible)
        free = CONTENT_W - fixed
        if flexible and free >= sum(widths[j] for j in flexible):
            # water-filling: a text column that needs less than its share gets
            # what it needs; the others share the rest by weight
            open_ = list(flexible)
            while open_:
                weights = sum(columns[j].weight for j in open_)
                share = {j: free * columns[j].weight / weights for j in open_}
                small = [j for j in open_ if max(natural[j], widths[j]) <= share[j]]
                if not small:
                    for j in open_:
                        widths[j] = share[j]
                    break
                if len(small) == len(open_):  # every column fits: the widest takes the rest
                    main = max(open_, key=lambda j: (natural[j], -j))
                    if len(open_) == 1:
                        widths[main] = free
                        break
                    small.remove(main)
                for j in small:
                    widths[j] = max(natural[j], widths[j])
                    free -= widths[j]
                    open_.remove(j)
            return widths
        # too wide: scale every column down to fit (numbers may crowd)
        scale = CONTENT_W / sum(widths)
        return [w * scale for w in widths]

    def two_lines(self, text: str, size: float, bold: bool) -> float:
        """The narrowest width at which ``text`` wraps to at most two lines."""
        words = text.split()
        if len(words) < 2:
            return self.width(text, size, bold)
        return min(
            max(
                self.width(" ".join(words[:k]), size, bold),
                self.width(" ".join(words[k:]), size, bold),
            )
            for k in range(1, len(words))
        )

    def table_header(
        self, headers: list[str], kinds: Sequence[str], widths: list[float], xs: list[float]
    ) -> _Block:
        block = _Block()
        leading = HEAD * 1.25
        all_lines = [
            self.lines(h, widths[j] - 2 * PAD_X, HEAD, True) for j, h in enumerate(headers)
        ]
        n = max(len(lines) for lines in all_lines)
        height = n * leading + 2 * PAD_Y + 1
        block.ops.append(("r", 0.0, CONTENT_W, 0.0, height, self.tint))
        for j, lines in enumerate(all_lines):
            align = "start" if kinds[j] == "text" else ("center" if kinds[j] == "date" else "right")
            for i, line in enumerate(lines):
                block.ops.append(
                    (
                        "t",
                        xs[j] + PAD_X,
                        widths[j] - 2 * PAD_X,
                        PAD_Y + HEAD + i * leading,
                        line,
                        HEAD,
                        True,
                        TEXT,
                        align,
                    )
                )
        block.ops.append(("l", 0.0, CONTENT_W, height, 0.8, self.accent))
        block.height = height
        return block

    # ------------------------------------------------------- after the table

    def tax_summary(self) -> _Block | None:
        rows = self.doc.tax_summary
        if not rows:
            return None
        fmt = self.fmt
        labels = [
            fmt.label(r.label)
            if r.label is not None
            else (
                fmt.label("tax_rate_row").format(rate=fmt.percent(r.rate))
                if r.rate is not None
                else fmt.label("no_tax")
            )
            for r in rows
        ]
        own = self.doc.own_taxes
        heads = [
            fmt.label("taxes_summary" if own else "tax_summary"),
            fmt.label("net"),
            fmt.label("taxes_amount" if own else "tax"),
            fmt.label("gross"),
        ]
        values = [[fmt.amount(r.net), fmt.amount(r.tax), fmt.amount(r.gross)] for r in rows]
        num_w = (
            max(
                max(self.width(v, CELL) for row in values for v in row),
                *(max(self.width(w, HEAD, True) for w in shape(h).split()) for h in heads[1:]),
            )
            + 2 * PAD_X
            + 2
        )
        label_w = (
            max(
                max(self.width(shape(t), CELL) for t in labels),
                max(self.width(w, HEAD, True) for w in shape(heads[0]).split()),
            )
            + 2 * PAD_X
            + 2
        )
        # headers on at most two lines when the summary still takes under 70 % of the width
        two_w = max(
            num_w, *(self.two_lines(shape(h), HEAD, True) + 2 * PAD_X + 2 for h in heads[1:])
        )
        two_label = max(label_w, self.two_lines(shape(heads[0]), HEAD, True) + 2 * PAD_X + 2)
        if two_label + 3 * two_w <= CONTENT_W * 0.7:
            num_w, label_w = two_w, two_label
        # the summary's own header ("Riepilogo IVA") on one line when that still fits
        one_label = max(label_w, self.width(shape(heads[0]), HEAD, True) + 2 * PAD_X + 2)
        if one_label + 3 * num_w <= CONTENT_W * 0.7:
            label_w = one_label
        label_w = min(label_w, CONTENT_W - 3 * num_w)
        total_w = label_w + 3 * num_w
        x0 = CONTENT_W - total_w
        widths = [label_w, num_w, num_w, num_w]
        xs = [x0, x0 + label_w, x0 + label_w + num_w, x0 + label_w + 2 * num_w]
        block = _Block()
        leading = HEAD * 1.25
        head_lines = [self.lines(h, widths[j] - 2 * PAD_X, HEAD, True) for j, h in enumerate(heads)]
        hh = max(len(lines) for lines in head_lines) * leading + 2 * PAD_Y
        block.ops.append(("r", x0, total_w, 0.0, hh, self.tint))
        for j, lines in enumerate(head_lines):
            for i, line in enumerate(lines):
                block.ops.append(
                    (
                        "t",
                        xs[j] + PAD_X,
                        widths[j] - 2 * PAD_X,
                        PAD_Y + HEAD + i * leading,
                        line,
                        HEAD,
                        True,
                        TEXT,
                        "start" if j == 0 else "right",
                    )
                )
        dy = hh
        row_leading = CELL * 1.3
        for label, vals in zip(labels, values, strict=True):
            lines = self.lines(label, label_w - 2 * PAD_X, CELL)
            for i, line in enumerate(lines):
                block.ops.append(
                    (
                        "t",
                        xs[0] + PAD_X,
                        label_w - 2 * PAD_X,
                        dy + PAD_Y + CELL + i * row_leading,
                        line,
                        CELL,
                        False,
                        TEXT,
                        "start",
                    )
                )
            for j, v in enumerate(vals, start=1):
                block.ops.append(
                    (
                        "t",
                        xs[j] + PAD_X,
                        num_w - 2 * PAD_X,
                        dy + PAD_Y + CELL,
                        self.vis(v),
                        CELL,
                        False,
                        TEXT,
                        "right",
                    )
                )
            dy += len(lines) * row_leading + 2 * PAD_Y
            block.ops.append(("l", x0, total_w, dy, 0.4, RULE))
        block.height = dy + 8
        return block

    def totals(self) -> _Block | None:
        rows = self.doc.totals
        if not rows:
            return None
        fmt = self.fmt
        texts = [(fmt.label(r.label), fmt.money(r.amount), r.strong) for r in rows]
        if fmt.toman:  # the total due also in rials, under it
            for k in range(len(texts) - 1, -1, -1):
                if rows[k].strong:
                    texts.insert(k + 1, ("", f"({fmt.rials(rows[k].amount)})", False))
                    break
        value_w = max(self.width(v, 10.5 if s else BODY, s) for _, v, s in texts) + 2
        label_w = max(self.width(shape(lbl), 10.5 if s else BODY, s) for lbl, _, s in texts) + 12
        label_w = min(label_w, CONTENT_W - value_w - 20)
        x0 = CONTENT_W - value_w - label_w
        block = _Block()
        dy = 0.0
        for label, value, strong in texts:
            size = 10.5 if strong else BODY
            leading = size * 1.45
            if strong:
                block.ops.append(("l", x0, label_w + value_w, dy + 2, 0.8, self.accent))
                dy += 4
            lines = self.lines(label, label_w - 12, size, strong)
            for i, line in enumerate(lines):
                block.ops.append(
                    (
                        "t",
                        x0,
                        label_w - 12,
                        dy + size + i * leading,
                        line,
                        size,
                        strong,
                        TEXT,
                        "start" if self.rtl else "end",  # a Persian label reads from the right
                    )
                )
            block.ops.append(
                (
                    "t",
                    x0 + label_w,
                    value_w,
                    dy + size,
                    self.vis(value),
                    size,
                    strong,
                    TEXT,
                    "right",
                )
            )
            dy += len(lines) * leading
        block.height = dy + GAP
        return block

    def words(self) -> None:
        text = self.doc.amount_in_words
        if not text and not self.doc.summary:
            return
        block = _Block()
        dy = 0.0
        for sentence in self.doc.summary:
            for line in self.lines(sentence, CONTENT_W, BODY):
                dy += BODY * 1.4
                block.ops.append(("t", 0.0, CONTENT_W, dy, line, BODY, False, TEXT, "start"))
            dy += 3
        if text:
            label = f"{self.fmt.label('amount_in_words')}:"
            dy += BODY * 1.4
            block.ops.append(("t", 0.0, CONTENT_W, dy, self.vis(label), BODY, True, TEXT, "start"))
            for line in self.lines(text, CONTENT_W, BODY):
                dy += BODY * 1.4
                block.ops.append(("t", 0.0, CONTENT_W, dy, line, BODY, False, TEXT, "start"))
        block.height = dy + GAP
        self.place(block)

    def section(self, title: str, ops: list[_Op], height: float) -> None:
        block = _Block()
        block.ops.append(
            ("t", 0.0, CONTENT_W, BODY, self.vis(title), BODY, True, self.accent, "start")
        )
        block.ops.append(("l", 0.0, CONTENT_W, BODY + 4, 0.5, RULE))
        block.ops.extend((*op[:3], op[3] + BODY + 7, *op[4:]) for op in ops)
        block.height = BODY + 7 + height + GAP
        self.place(block)

    def payment(self) -> None:
        if self.doc.payment:
            ops, h = self.field_rows(self.labelled(self.doc.payment), 0.0, CONTENT_W, BODY)
            self.section(self.fmt.label("payment_details"), ops, h)

    def notes(self) -> None:
        if not self.doc.notes:
            return
        paragraphs = [self.lines(note, CONTENT_W, BODY) for note in self.doc.notes]
        if sum(len(p) for p in paragraphs) * BODY * 1.4 < (PAGE_H - MARGIN_TOP - MARGIN_BOTTOM) / 2:
            ops: list[_Op] = []
            dy = 0.0
            for lines in paragraphs:
                for line in lines:
                    dy += BODY * 1.4
                    ops.append(("t", 0.0, CONTENT_W, dy, line, BODY, False, TEXT, "start"))
                dy += 3
            self.section(self.fmt.label("notes"), ops, dy)
            return
        # long notes flow from page to page, a line at a time (the title keeps its first line)
        first = True
        for lines in paragraphs:
            for line in lines:
                block = _Block()
                top = 0.0
                if first:
                    title = self.vis(self.fmt.label("notes"))
                    block.ops.append(
                        ("t", 0.0, CONTENT_W, BODY, title, BODY, True, self.accent, "start")
                    )
                    block.ops.append(("l", 0.0, CONTENT_W, BODY + 4, 0.5, RULE))
                    top = BODY + 7
                    first = False
                block.ops.append(
                    ("t", 0.0, CONTENT_W, top + BODY * 1.4, line, BODY, False, TEXT, "start")
                )
                block.height = top + BODY * 1.4
                self.place(block)
            self.y -= 3
        self.y -= GAP

    def signatures(self) -> None:
        roles = self.doc.signatures
        if not roles:
            return
        col_w = (CONTENT_W - GAP) / 2
        leading = BODY * 1.35
        for start in range(0, len(roles), 2):
            block = _Block()
            pair = [
                self.lines(self.fmt.label(r), col_w, BODY, True) for r in roles[start : start + 2]
            ]
            text_h = max(len(lines) for lines in pair) * leading
            for i, lines in enumerate(pair):
                x = i * (col_w + GAP)
                for k, line in enumerate(lines):
                    block.ops.append(
                        ("t", x, col_w, BODY + k * leading, line, BODY, True, TEXT, "start")
                    )
                block.ops.append(("l", x, col_w * 0.8, text_h + 28.0, 0.6, TEXT))
                caption = self.vis(f"({self.fmt.label('signature')})")
                block.ops.append(
                    ("t", x, col_w * 0.8, text_h + 36.0, caption, 6.5, False, MUTED, "center")
                )
            block.height = text_h + 40.0 + GAP
            facsimile = self.doc.facsimile if start == 0 else None
            if facsimile is not None and facsimile.stamp is not None:
                block.height = text_h + 28.0 + 44.0 + GAP  # room for the stamp's lower half
            self.place(block)
            if facsimile is not None:  # the seller's, on the first line
                self._facsimile(facsimile, self.y + block.height - text_h - 28.0, col_w * 0.8)

    def _facsimile(self, facsimile: Any, line_y: float, line_w: float) -> None:
        """The facsimile signature over the first signature line (at ``line_y``,
        ``line_w`` long) and the stamp at its end, on the page just drawn."""
        from billkit.invoicing.render import _backend

        page = self.images.setdefault(len(self.pages), [])
        for data, box, (bw, bh), centre in (
            (facsimile.signature, SIGNATURE_BOX, (110.0, 40.0), line_w * 0.45),
            (facsimile.stamp, STAMP_BOX, (80.0, 80.0), line_w * 0.85),
        ):
            if data is None:
                continue
            embedded, _ = fitted_image(data, box)  # at most box pixels, decoded once
            image = _backend.image(embedded)
            iw, ih = image.getSize()
            scale = min(bw / iw, bh / ih)
            w, h = iw * scale, ih * scale
            left = self._phys(centre - w / 2, w)
            bottom = line_y - 6.0 if bh < 60 else line_y - h / 2  # a stamp straddles the line
            page.append((image, left, bottom, w, h))

    # -------------------------------------------------------------- the whole

    def run(self) -> None:
        self.header()
        self.parties()
        # the tax summary and the totals stay on the page of the table's last row
        after = [b for b in (self.tax_summary(), self.totals()) if b is not None]
        keep = sum(b.height for b in after)
        self.keep_after = keep if keep < (PAGE_H - MARGIN_TOP - MARGIN_BOTTOM) / 2 else 0.0
        if self.doc.table is not None:
            self.table(self.doc.table)
        for block in after:
            self.place(block)
        self.words()
        self.payment()
        self.notes()
        self.signatures()
        self.finish()


_ELLIPSIS: Final = "\u2026"
_CONTINUED_LINES: Final = 3


def _letters(line: str) -> str:
    """A shaped line as the letters it shows, in the order it is drawn: each
    Arabic presentation form (U+FB50 to U+FDFF, U+FE70 to U+FEFE) back to its
    letter, a ligature's letters (lam-alef) in drawing order too; every other
    character as it is.

    Drawing order, not reading order: poppler (pdftotext 22, checked) lays
    an /ActualText out over the span's glyphs like glyphs drawn left to right
    and then applies the bidirectional algorithm to the line, as it does to
    glyphs; the letters in reading order came out reversed. In drawing order
    they extract in reading order ("صورتحساب شماره 1").
    """
    if not any("\ufb50" <= c <= "\ufdff" or "\ufe70" <= c <= "\ufefe" for c in line):
        return line
    return "".join(
        unicodedata.normalize("NFKC", c)[::-1]
        if "\ufb50" <= c <= "\ufdff" or "\ufe70" <= c <= "\ufefe"
        else c
        for c in line
    )


def _pdf_text_string(text: str) -> str:
    """``text`` as a PDF text string: UTF-16BE with its byte order mark, in hex."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def _op_top(op: _Op) -> float:
    """How far below a block's top a drawing starts (text: its ascent)."""
    return float(op[3] - op[5]) if op[0] == "t" else float(op[3])


def _op_bottom(op: _Op) -> float:
    """How far below a block's top a drawing ends (text: its descent)."""
    if op[0] == "t":
        return float(op[3] + op[5] * 0.3)
    if op[0] == "r":
        return float(op[3] + op[4])
    return float(op[3])


def _shifted(ops: list[_Op], by: float) -> _Block:
    block = _Block()
    block.ops = [(*op[:3], op[3] - by, *op[4:]) for op in ops]
    return block


_ALIGN: Final = {
    "text": "start",
    "number": "right",
    "money": "right",
    "percent": "right",
    "date": "center",
}


def _number(value: Value) -> Decimal | None:
    if isinstance(value, Money):
        amount: Decimal = value.amount
        return amount
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return None


def _running_sums(table: LineTable, carry: list[int]) -> list[list[Decimal]]:
    """For each row, the carried columns' sums up to and including it."""
    if not carry:
        return []
    totals = [Decimal(0)] * len(carry)
    result = []
    for row in table.rows:
        totals = [t + (_number(row[j]) or 0) for t, j in zip(totals, carry, strict=True)]
        result.append(totals)
    return result


def _abs_total(table: LineTable, j: int) -> Decimal:
    """An upper bound of every running sum of column ``j``: the sum of magnitudes."""
    total = Decimal(0)
    for row in table.rows:
        value = _number(row[j])
        if value is not None:
            total += abs(value)
    return total


def render_pdf(document: object, options: RenderOptions | None = None) -> bytes:
    """The PDF of ``document``: a :class:`RenderDocument` or a billkit document.

    The same document and options always give the same bytes.
    """
    # every number is formatted (and every carried sum added) in billkit's own
    # decimal context, whatever the caller's thread has set (docs/limits.md)
    with local_context():
        options = DEFAULT_OPTIONS if options is None else options
        if not isinstance(options, RenderOptions):
            raise InvoicingError("options", options, "a RenderOptions or None")
        if isinstance(document, RenderDocument):  # drawn as it is: no adapter to load
            doc = document
        else:
            from billkit.invoicing.render.adapters import to_render_document

            # the adapter writes a few values as text: in the page's digits and calendar
            doc = to_render_document(document, options)
        data, missing = _render_pdf(doc, options)
    if missing:
        chars = ", ".join(f"U+{ord(c):04X}" for c in sorted(missing))
        warnings.warn(
            f"font {options.fonts!r} has no glyph for {chars}: printed as U+FFFD",
            MissingGlyphWarning,
            stacklevel=2,
        )
    return data


def _render_pdf(doc: RenderDocument, options: RenderOptions) -> tuple[bytes, set[str]]:
    from billkit.invoicing.render import _backend

    buffer = io.BytesIO()
    canvas = _backend.new_canvas(buffer, (PAGE_W, PAGE_H), doc.locale.replace("_", "-"))
    layout = _Layout(doc, options, canvas)
    layout.run()
    parties = doc.parties
    canvas.setTitle(printable(layout.footer_text))
    canvas.setAuthor(printable(parties[0].name) if parties else "")
    canvas.setSubject(printable(layout.title))
    canvas.setCreator("billkit")
    canvas.setProducer("billkit (ReportLab)")
    for index, ops in enumerate(layout.pages):
        for image, x, y, w, h in layout.images.get(index, ()):
            canvas.drawImage(image, x, y, w, h, mask="auto")
        canvas.addLiteral("\n".join(ops))
        canvas.showPage()
    canvas.save()
    return buffer.getvalue(), set(layout.missing)


def write_pdf(
    document: object, path: str | os.PathLike[str], options: RenderOptions | None = None
) -> int:
    """Render ``document`` and write it to ``path``; returns the number of bytes written."""
    data = render_pdf(document, options)
    with open(path, "wb") as f:
        return f.write(data)
