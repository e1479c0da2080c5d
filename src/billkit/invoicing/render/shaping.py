"""Right-to-left text for reportlab: shaping, bidi reordering and wrapping.

reportlab draws glyphs in the order it is given and does not join Arabic
letters. Persian text therefore goes through two steps before it is drawn:

1. arabic-reshaper replaces each letter by its joined form (initial, medial,
   final, isolated), in logical order. Shaping only looks inside words, so it
   can run before wrapping, and the widths it gives are the drawn widths.
2. The shaped text is wrapped into lines, and only then does python-bidi
   reorder each line into visual order. Reordering a whole paragraph before
   wrapping would put its last words on its first line.

Each line takes the direction of its first strong letter, as a browser does
with ``dir="auto"``; a line with no letter (a number) takes the document's.
Text with no right-to-left letters that reads left to right is returned as
it is, so Latin and Cyrillic documents pay nothing for this.

>>> [line] = visual_lines("سلام دنیا", 1000, lambda s: float(len(s)), rtl=True)
>>> line == shape("دنیا")[::-1] + " " + shape("سلام")[::-1]   # drawn left to right
True
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from typing import Final

from billkit.errors import MissingDependencyError

__all__ = ["direction", "has_rtl", "shape", "visual", "visual_lines", "wrap"]

_DIGIT: Final = re.compile("[0-9\u06f0-\u06f9\u0660-\u0669]")  # Latin, Persian, Arabic
_RTL: Final = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
# Invisible direction and joining controls: their work is done once the text is
# shaped and reordered, and left in they would show up in copied text.
_CONTROLS: Final = dict.fromkeys(
    map(ord, "\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)


def has_rtl(text: str) -> bool:
    """Whether ``text`` has a Hebrew or Arabic-script letter.

    >>> has_rtl("ACME"), has_rtl("شرکت ACME")
    (False, True)
    """
    return _RTL.search(text) is not None


@functools.lru_cache(maxsize=1)
def _reshaper() -> Callable[[str], str]:
    try:
        from arabic_reshaper import ArabicReshaper  # type: ignore[import-untyped]
    except ImportError:
        raise MissingDependencyError("arabic-reshaper", "Persian text", "persian") from None
    reshaper = ArabicReshaper(
        configuration={
            "delete_harakat": False,
            # the lam-alef ligatures are in every Arabic-script font; the word
            # ligatures (Allah, the rial sign) are not in DejaVu Sans
            "ARABIC LIGATURE ALLAH": False,
        }
    )
    reshape: Callable[[str], str] = reshaper.reshape
    return reshape


@functools.lru_cache(maxsize=1)
def _display() -> Callable[..., str]:
    # python-bidi's pure-Python algorithm, not its faster Rust ``get_display``
    # (python-bidi >= 0.5): the Rust one reorders but does not mirror brackets,
    # so "(ریال)" would print as ")ریال(".
    try:
        from bidi.algorithm import get_display  # type: ignore[import-untyped]
    except ImportError:
        raise MissingDependencyError("python-bidi", "right-to-left text", "persian") from None
    display: Callable[..., str] = get_display
    return display


def shape(text: str) -> str:
    """``text`` with Arabic-script letters in their joined forms, still in logical order."""
    return _reshaper()(text) if has_rtl(text) else text


def direction(text: str, *, rtl: bool) -> bool:
    """Whether ``text`` reads right to left: its first strong letter decides.

    As a browser does with ``dir="auto"``: a Latin name or an IBAN in a Persian
    document reads left to right, Persian words in an English one right to
    left. Text with no letter but a digit (a number, a phone number) reads
    left to right, as a browser lays out a ``unicode-bidi: plaintext`` cell
    with no letter: "+۳۹ ۰۲ ۱۲۳۴" keeps its groups in order. Other text with
    no letter takes the document's direction.

    >>> direction("1 Main Street", rtl=True), direction("شرکت ACME", rtl=False), direction("-", rtl=True)
    (False, True, True)
    >>> direction("+7 495 123-45-67", rtl=True), direction("+۳۹ ۰۲ ۱۲۳۴ ۵۶۷۸", rtl=True)
    (False, False)
    """
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return False
        if kind in ("R", "AL"):
            return True
    # no letter: a number (a phone number, an account), in Latin or Persian
    # digits, reads left to right, or an RTL line would print "+7 495" as
    # "495 7+" (and the HTML, a plaintext cell, prints it left to right)
    return rtl and not _DIGIT.search(text)


def visual(line: str, *, rtl: bool) -> str:
    """One shaped line in visual (left-to-right drawing) order.

    ``rtl`` is the document's direction, used when the line has no letter to
    decide its own. A line that reads left to right and has no right-to-left
    letter is returned unchanged.
    """
    base = direction(line, rtl=rtl)
    if not base and not has_rtl(line):
        return line
    return str(_display()(line, base_dir="R" if base else "L")).translate(_CONTROLS)


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Break ``text`` into lines no wider than ``width``, at spaces.

    ``measure`` gives a string's drawn width. A word wider than a whole line is
    cut between characters. Newlines in ``text`` always break.

    >>> wrap("one two three", 7, lambda s: float(len(s)))
    ['one two', 'three']
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if measure(paragraph) <= width:
            lines.append(paragraph)
            continue
        space = measure(" ")
        current: list[str] = []
        used = 0.0
        for word in paragraph.split(" "):
            w = measure(word)
            if w > width:  # cut a word that no line can hold
                if current:
                    lines.append(" ".join(current))
                    current, used = [], 0.0
                piece = ""
                for ch in word:
                    if piece and measure(piece + ch) > width:
                        lines.append(piece)
                        piece = ""
                    piece += ch
                current, used = [piece], measure(piece)
                continue
            extra = w + (space if current else 0.0)
            if current and used + extra > width:
                lines.append(" ".join(current))
                current, used = [word], w
            else:
                current.append(word)
                used += extra
        lines.append(" ".join(current))
    return lines


def visual_lines(
    text: str, width: float, measure: Callable[[str], float], *, rtl: bool
) -> list[str]:
    """Shape ``text``, wrap it to ``width``, then reorder each line for drawing."""
    shaped = shape(text)
    return [visual(line, rtl=rtl) for line in wrap(shaped, width, measure)]
