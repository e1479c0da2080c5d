"""The one place billkit talks to reportlab (private).

Every reportlab name the PDF renderer needs -- the canvas, TrueType font
parsing and registration, image reading -- comes through this module, so a
reportlab upgrade is checked in one place (``tests/render/test_backend.py``
keeps every other billkit module from importing reportlab and reads a
rendered invoice back with pypdf). It is imported on the first PDF render,
never by ``import billkit``.

reportlab uses its C accelerator ``_rl_accel`` (the ``rl-accel`` package,
a dependency of billkit) when it is installed: number formatting, string
widths and ASCII85 encoding then run in C, about a quarter of a one-page
render's time.
"""

from __future__ import annotations

import io
import threading
import zlib
from collections import OrderedDict
from typing import Any

from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfdoc, pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import (  # type: ignore[import-untyped]
    FF_NONSYMBOLIC,
    FF_SYMBOLIC,
    TTFError,
    TTFont,
    TTFontFace,
)
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

__all__ = ["FontError", "forget_subsets", "image", "new_canvas", "register_ttf"]

FontError: tuple[type[Exception], ...] = (TTFError, ValueError, IndexError, KeyError)
"""What parsing a malformed TrueType file raises."""


SUBSET_CACHE_SIZE = 64
"""Embedded font subsets kept per font (LRU): see ``_CachingFace``."""


class _CachingFace(TTFontFace):  # type: ignore[misc]
    """A font face that keeps its last embedded subsets, compressed.

    Embedding a subset (cutting the glyphs a document uses out of the font
    and deflating them) is the largest single cost of a one-page render.
    The result depends only on the subset -- the characters in the order
    the document first used them -- so a document printed again with the
    same characters (the same invoice rendered twice, a template whose
    text reuses the same letters in the same order) embeds the stored
    bytes. zlib is deterministic, so the PDF is byte-for-byte the one
    reportlab itself writes.
    """

    _subsets: OrderedDict[tuple[int, ...], bytes]
    _subsets_lock: threading.Lock

    def addSubsetObjects(self, doc: Any, fontname: str, subset: list[int]) -> Any:
        if not doc.compression:
            return super().addSubsetObjects(doc, fontname, subset)
        key = tuple(subset)
        with self._subsets_lock:
            packed = self._subsets.get(key)
            if packed is not None:
                self._subsets.move_to_end(key)
        if packed is None:
            raw = self.makeSubset(subset)
            packed = len(raw).to_bytes(4, "big") + zlib.compress(raw)
            with self._subsets_lock:
                self._subsets[key] = packed
                while len(self._subsets) > SUBSET_CACHE_SIZE:
                    self._subsets.popitem(last=False)
        # The rest is reportlab's own TTFontFace.addSubsetObjects, with the
        # stream already deflated (a stream whose dictionary has a /Filter is
        # written as given).
        font_file = pdfdoc.PDFStream()
        font_file.content = packed[4:]
        font_file.dictionary["Length1"] = int.from_bytes(packed[:4], "big")
        font_file.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
        file_ref = doc.Reference(font_file, f"fontFile:{self.filename}({fontname})")
        descriptor = pdfdoc.PDFDictionary(
            {
                "Type": "/FontDescriptor",
                "Ascent": self.ascent,
                "CapHeight": self.capHeight,
                "Descent": self.descent,
                "Flags": (self.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
                "FontBBox": pdfdoc.PDFArray(self.bbox),
                "FontName": pdfdoc.PDFName(fontname),
                "ItalicAngle": self.italicAngle,
                "StemV": self.stemV,
                "FontFile2": file_ref,
                "MissingWidth": self.defaultWidth,
            }
        )
        return doc.Reference(descriptor, "fontDescriptor:" + fontname)


def forget_subsets() -> None:
    """Empty every registered font's subset cache (benchmarks time the cold path with it)."""
    for font in list(pdfmetrics._fonts.values()):
        face = getattr(font, "face", None)
        if isinstance(face, _CachingFace):
            with face._subsets_lock:
                face._subsets.clear()


def register_ttf(name: str, data: bytes) -> Any:
    """Parse a TrueType font once and register it under ``name``; raises ``FontError``."""
    font = TTFont(name, io.BytesIO(data))
    font.face.__class__ = _CachingFace
    font.face._subsets = OrderedDict()
    font.face._subsets_lock = threading.Lock()
    pdfmetrics.registerFont(font)
    return font


def new_canvas(buffer: io.BytesIO, size: tuple[float, float], lang: str) -> Any:
    """A compressed, deterministic canvas (``invariant`` fixes dates and ids) writing to ``buffer``."""
    return Canvas(buffer, pagesize=size, invariant=1, pageCompression=1, lang=lang)


def image(data: bytes) -> Any:
    """A reportlab image from encoded image bytes."""
    return ImageReader(io.BytesIO(data))
