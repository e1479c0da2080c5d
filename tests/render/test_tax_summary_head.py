"""The tax summary's own header stays on one line when the table has room (issue 15).

"Riepilogo IVA" (Italian, 13 characters) is narrower than the 70 % of the
content width the summary may take, so it is not broken into "Riepilogo"
over "IVA"; read back from the PDF's text, the header row is one line.
"""

from __future__ import annotations

import io

import pypdf

from billkit._demo_documents import demo_documents
from billkit.invoicing.render import render_pdf


def test_riepilogo_iva_on_one_line() -> None:
    pdf = render_pdf(demo_documents()["4-messaging-subscription-invoice-it"])
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    lines = [line.strip() for line in text.splitlines()]
    assert any(line.startswith("Riepilogo IVA") for line in lines), lines
    assert "IVA" not in lines  # no header word left alone on a line of its own
