"""Redraw the pictures in docs/images from the documents ``billkit demo`` writes.

Run from the repository's root::

    PYTHONPATH=src python docs/images/regenerate.py

Each picture is the first page of one demo document, drawn at 90 dpi by
poppler's ``pdftoppm`` (Debian: ``apt-get install poppler-utils``) and reduced
to a 256-colour palette with Pillow, which keeps it around 20-40 KB. The PDFs
are byte-identical from run to run; the PNGs depend on poppler's version.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from billkit._demo_documents import demo_documents
from billkit.invoicing.render import render_pdf

HERE = Path(__file__).resolve().parent
DPI = 90
PICTURES = {  # picture (docs/images/NAME.png): demo document
    "ru-act": "1-analytics-act-ru",
    "ru-reconciliation": "3-hosting-reconciliation-documents-ru",
    "uk-invoice": "2-email-invoice-uk",
    "fa-invoice": "5-attribution-invoice-fa",
    "it-invoice": "4-messaging-subscription-invoice-it",
    "it-credit-note": "4-messaging-credit-note-it",
    "en-reverse-charge-invoice": "4-messaging-reverse-charge-invoice-en",
}


def main() -> None:
    if shutil.which("pdftoppm") is None:
        sys.exit("pdftoppm is missing: apt-get install poppler-utils")
    documents = demo_documents()
    with tempfile.TemporaryDirectory() as tmp:
        for picture, name in PICTURES.items():
            pdf = Path(tmp, f"{name}.pdf")
            pdf.write_bytes(render_pdf(documents[name]))
            stem = Path(tmp, picture)
            subprocess.run(
                [
                    "pdftoppm",
                    "-r",
                    str(DPI),
                    "-png",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    str(pdf),
                    str(stem),
                ],
                check=True,
            )
            with Image.open(f"{stem}.png") as page:
                small = page.convert("RGB").quantize(colors=256)
                small.save(HERE / f"{picture}.png", optimize=True)
            size = (HERE / f"{picture}.png").stat().st_size
            print(f"docs/images/{picture}.png  {size // 1024} KB  (from {name})")


if __name__ == "__main__":
    main()
