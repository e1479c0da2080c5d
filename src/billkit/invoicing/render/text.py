"""User text made safe to print, the same way in HTML and PDF.

Both renderers pass every piece of text they print through :func:`printable`
first, so a document prints the same characters in both:

* bidi control characters (U+202A–U+202E embeddings and overrides, U+2066–
  U+2069 isolates, U+200E/U+200F marks) are removed. Left in, a right-to-left
  override in a description would reorder what follows it on screen
  (``"\\u202e00.0001 GBP"`` shows as ``PBG 1000.00``): an amount or an IBAN
  could be spoofed. Without them each text takes its direction from its own
  letters (the HTML cells are ``unicode-bidi: plaintext``, the PDF lines are
  reordered by their first strong letter), so Persian still reads right to
  left and an amount is never reordered.
* A TAB prints as a space; a line break (``\\r\\n``, ``\\r``) as ``\\n``; every
  other control character (NUL, ESC, DEL, C1) and anything that is not a
  character (a lone surrogate, a noncharacter, a code point this Python's
  Unicode database has not assigned) as U+FFFD ``�``, visibly: neither
  renderer can order or draw it (python-bidi has no direction for it).
* A space inside a number, an amount or a phone number (``120 000 ₽``,
  ``+7 (495) 123-45-67``) becomes a no-break space, so neither renderer
  breaks the number across two lines.

>>> printable("\\u202e00.0001 GBP")
'00.0001 GBP'
>>> printable("a\\tb\\x00c")
'a b�c'
>>> printable("Call +7 495 123 45 67 about 120 000 ₽") == (
...     "Call +7\\xa0495\\xa0123\\xa045\\xa067 about 120\\xa0000\\xa0₽")
True
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = ["BIDI_CONTROLS", "printable"]

BIDI_CONTROLS: Final = frozenset(
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""The bidi control characters :func:`printable` removes from user text."""

REPLACEMENT: Final = "\ufffd"

_TABLE: Final = {ord(c): None for c in BIDI_CONTROLS} | {9: " ", 0x0B: " ", 0x0C: " "}
# one character, then a space (or several), then a digit, a bracket or a currency sign
_NUMBER_SPACE: Final = re.compile(r"(?<=[\d)])[ ]+(?=[\d(]|[₽€$£₴﷼](?!\w))|(?<=\+\d)[ ]+(?=[\d(])")
_SUSPECT: Final = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def _bad(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cs", "Cn") or (
        0xFDD0 <= ord(ch) <= 0xFDEF or (ord(ch) & 0xFFFE) == 0xFFFE
    )


def printable(text: str) -> str:
    """``text`` as the renderers print it (see the module notes)."""
    if text.isascii() and text.isprintable():
        clean = text
    else:
        clean = text.replace("\r\n", "\n").replace("\r", "\n").translate(_TABLE)
        if _SUSPECT.search(clean) or (
            not clean.isprintable() and any(unicodedata.category(c) == "Cn" for c in clean)
        ):
            clean = "".join(REPLACEMENT if c != "\n" and _bad(c) else c for c in clean)
    if " " in clean:
        clean = _NUMBER_SPACE.sub("\xa0", clean)
    return clean
