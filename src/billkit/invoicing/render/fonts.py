"""Font families for the PDF renderer: the bundled DejaVu Sans and your own.

reportlab's built-in fonts have no Cyrillic or Arabic-script glyphs, so
billkit ships DejaVu Sans (regular and bold, with its licence) inside the
package, in ``billkit/data/fonts``: a plain ``pip install`` renders English,
Russian, Ukrainian, Italian and Persian. It is registered with reportlab the
first time a document is rendered.

Your own TrueType fonts (a corporate typeface) are registered once per
process with :func:`register_fonts` and chosen per render with
``RenderOptions(fonts=...)``. The font must have glyphs for every character
the document prints: a missing glyph prints as an empty box.
"""

from __future__ import annotations

import os
import threading
from importlib import resources
from typing import Any

from billkit.errors import InvoicingError
from billkit.invoicing.render.options import DEFAULT_FONT_FAMILY

__all__ = ["register_fonts", "registered_fonts"]

_LOCK = threading.Lock()
_FAMILIES: dict[str, tuple[Any, Any]] = {}  # family -> (regular TTFont, bold TTFont)
_BUNDLED = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}


def _read(field: str, source: object) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        try:
            with open(source, "rb") as f:
                return f.read()
        except OSError as error:
            raise InvoicingError(field, source, f"a readable font file ({error})") from None
    raise InvoicingError(field, source, "the bytes or the path of a TrueType font")


def _ttfont(name: str, data: bytes, field: str) -> Any:
    from billkit.invoicing.render import _backend

    try:
        return _backend.register_ttf(name, data)
    except _backend.FontError as error:
        raise InvoicingError(field, f"<{len(data)} bytes>", f"a TrueType font ({error})") from None


def register_fonts(
    family: str,
    regular: bytes | str | os.PathLike[str],
    bold: bytes | str | os.PathLike[str] | None = None,
) -> str:
    """Register a TrueType family for ``RenderOptions(fonts=family)``; returns ``family``.

    ``regular`` and ``bold`` are the font files' bytes or paths (without a
    bold face, headings use the regular one). Registering a family again
    replaces it for later renders.

    >>> from importlib import resources
    >>> font = resources.files("billkit").joinpath("data/fonts/DejaVuSans.ttf").read_bytes()
    >>> register_fonts("House Sans", font)
    'House Sans'
    >>> "House Sans" in registered_fonts()
    True
    >>> register_fonts("Broken", b"not a font")
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: fonts.regular = '<10 bytes>': expected a TrueType font (...)
    """
    if not isinstance(family, str) or not family.strip():
        raise InvoicingError("fonts.family", family, "a non-empty family name")
    regular_data = _read("fonts.regular", regular)
    bold_data = regular_data if bold is None else _read("fonts.bold", bold)
    with _LOCK:
        regular_font = _ttfont(f"billkit:{family}", regular_data, "fonts.regular")
        bold_font = (
            regular_font
            if bold is None
            else _ttfont(f"billkit:{family}:bold", bold_data, "fonts.bold")
        )
        _FAMILIES[family] = (regular_font, bold_font)
    return family


def registered_fonts() -> tuple[str, ...]:
    """The families a document can use: the bundled one and every registered one.

    >>> "DejaVu Sans" in registered_fonts()
    True
    """
    return tuple(sorted({DEFAULT_FONT_FAMILY, *_FAMILIES}))


def _bundled(name: str) -> bytes:
    """A font file shipped in ``billkit/data/fonts``, read through billkit's own loader.

    What ``importlib.resources`` does for a package on disk or in a zip,
    without importing ``zipfile`` and ``importlib.resources``' readers
    (about a millisecond of a first render).
    """
    import billkit

    loader = getattr(billkit.__spec__, "loader", None)
    if not hasattr(loader, "get_data"):  # pragma: no cover - importlib's loaders all have it
        return resources.files("billkit").joinpath(f"data/fonts/{name}").read_bytes()
    path = os.path.join(os.path.dirname(billkit.__file__), "data", "fonts", name)
    return bytes(loader.get_data(path))  # type: ignore[union-attr]


def family_fonts(family: str) -> tuple[Any, Any]:
    """The (regular, bold) reportlab fonts of ``family``, loading the bundled one on first use."""
    found = _FAMILIES.get(family)
    if found is not None:
        return found
    if family != DEFAULT_FONT_FAMILY:
        raise InvoicingError(
            "options.fonts",
            family,
            f"a registered font family ({', '.join(map(repr, registered_fonts()))})",
        )
    with _LOCK:
        if family not in _FAMILIES:
            regular = _ttfont("billkit:DejaVuSans", _bundled(_BUNDLED["regular"]), "fonts")
            bold = _ttfont("billkit:DejaVuSans-Bold", _bundled(_BUNDLED["bold"]), "fonts")
            _FAMILIES[family] = (regular, bold)
    return _FAMILIES[family]
