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

import functools
import io
import struct
import sys
import threading
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Iterator
from fnmatch import fnmatch
from itertools import accumulate, chain
from operator import itemgetter
from typing import Any
from weakref import WeakKeyDictionary

from reportlab import rl_config  # type: ignore[import-untyped]
from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfdoc, pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import (  # type: ignore[import-untyped]
    FF_NONSYMBOLIC,
    FF_SYMBOLIC,
    GF_ARG_1_AND_2_ARE_WORDS,
    GF_MORE_COMPONENTS,
    GF_WE_HAVE_A_SCALE,
    GF_WE_HAVE_A_TWO_BY_TWO,
    GF_WE_HAVE_AN_X_AND_Y_SCALE,
    TTEncoding,
    TTFError,
    TTFont,
    TTFontFace,
    TTFontFile,
    TTFontMaker,
    _set_ushort,
)
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

__all__ = ["FontError", "forget_subsets", "image", "new_canvas", "register_ttf"]

FontError: tuple[type[Exception], ...] = (TTFError, ValueError, IndexError, KeyError)
"""What parsing a malformed TrueType file raises."""


SUBSET_CACHE_SIZE = 64
"""Embedded font subsets kept per font (LRU): see ``_CachingFace``."""


def _shorts(data: bytes, at: int, count: int, code: str = "H") -> array[int]:
    """``count`` big-endian 16-bit numbers at ``at`` as a compact array (no object per number)."""
    found = array(code, data[at : at + 2 * count])
    if _LITTLE:
        found.byteswap()
    return found


def _longs(data: bytes, at: int, count: int) -> array[int]:
    """``count`` big-endian 32-bit unsigned numbers at ``at`` as a compact array."""
    found = array("I", data[at : at + 4 * count])
    if _LITTLE:
        found.byteswap()
    return found


_LITTLE = sys.byteorder == "little"


def _cmap_table(face: Any) -> tuple[int, int] | None:
    """The offset and format of the cmap subtable reportlab would read; None if not 4 or 12."""
    data = face._ttf_data
    cmap = face.get_table_pos("cmap")[0]
    version, count = struct.unpack_from(">HH", data, cmap)
    if count == 0 and version != 0:
        count = version
    found = None
    enc = 0
    for n in range(count):  # the same choice of subtable as reportlab's
        platform, encoding, offset = struct.unpack_from(">HHL", data, cmap + 4 + 8 * n)
        if platform == 3 or (platform, encoding) == (1, 1) or (platform == 0 and encoding != 5):
            enc, found = 1, offset
        elif platform == 1 and encoding == 0 and enc != 1:
            enc, found = 2, offset
    if found is None:
        return None
    (fmt,) = struct.unpack_from(">H", data, cmap + found)
    return (cmap + found, fmt) if fmt in (4, 12) else None


def _cmap_spans(data: bytes, at: int, fmt: int) -> Iterator[tuple[range, range | list[int]]]:
    """The characters of a format 4 or 12 cmap subtable and their glyphs, a run at a time.

    Each run is a range of characters and the range (or, where the table
    lists them one by one, the list) of their glyphs, in the table's order.
    """
    if fmt == 4:
        (length,) = struct.unpack_from(">H", data, at + 2)
        limit = at + length
        segments = struct.unpack_from(">H", data, at + 6)[0] // 2
        ends = struct.unpack_from(f">{segments}H", data, at + 14)
        starts = struct.unpack_from(f">{segments}H", data, at + 16 + 2 * segments)
        deltas = struct.unpack_from(f">{segments}h", data, at + 16 + 4 * segments)
        ranges_at = at + 16 + 6 * segments
        ranges = struct.unpack_from(f">{segments}H", data, ranges_at)
        for n in range(segments):
            start, delta, range_offset = starts[n], deltas[n], ranges[n]
            span = range(start, ends[n] + 1)
            if range_offset == 0:
                low, high = start + delta, ends[n] + delta
                if low >= 0 and high <= 0xFFFF:  # no wrap past 0xFFFF: one range
                    yield span, range(low, high + 1)
                else:
                    yield span, [(char + delta) & 0xFFFF for char in span]
                continue
            glyphs = []
            for char in span:
                offset = ranges_at + 2 * n + range_offset + (char - start) * 2
                glyph = 0
                if offset < limit:
                    (glyph,) = struct.unpack_from(">H", data, offset)
                    if glyph != 0:
                        glyph = (glyph + delta) & 0xFFFF
                glyphs.append(glyph)
            yield span, glyphs
    else:
        (groups,) = struct.unpack_from(">L", data, at + 12)
        bounds = struct.unpack_from(f">{3 * groups}L", data, at + 16)
        for n in range(0, 3 * groups, 3):
            start, end, first = bounds[n], bounds[n + 1], bounds[n + 2]
            yield range(start, end + 1), range(first, first + end + 1 - start)


def _cmap_lists(face: Any) -> tuple[list[int], list[int]]:
    """Every character of the face's cmap and its glyph, in the table's order."""
    chars: list[int] = []
    codes: list[int] = []
    table = _cmap_table(face)
    if table is not None:
        for span, glyphs in _cmap_spans(face._ttf_data, *table):
            chars.extend(span)
            codes.extend(glyphs)
    return chars, codes


def _char_info(face: Any) -> bool:
    """Read the cmap, hmtx and loca tables into ``face`` as reportlab does; False if not handled.

    reportlab's ``TTFontFile.extractInfo`` reads these tables two bytes at a
    time through a method call (about 40 000 calls, 9 ms of CPU for DejaVu
    Sans), and keeps a list and a tuple per glyph. Here the character map
    is filled a run of characters at a time (``dict.update`` over ranges),
    the widths are shared (one float per distinct advance, about 950 of
    DejaVu Sans's 6 253 glyphs), and the metrics and glyph positions stay
    the font's own numbers in compact arrays, read per glyph when a subset
    is made: the same ``charToGlyph``, ``charWidths`` and ``defaultWidth``
    come out (``tests/render/test_backend.py`` compares every attribute
    with reportlab's on several fonts), with a few objects instead of tens
    of thousands. Only the cmap formats 4 and 12 (every Unicode font
    billkit ships or meets in practice) are handled; any other leaves the
    work to reportlab.
    """
    data = face._ttf_data
    head = face.get_table_pos("head")[0]
    index_to_loc, glyph_format = struct.unpack_from(">hh", data, head + 50)
    if glyph_format != 0 or index_to_loc not in (0, 1) or "loca" not in face.table:
        return False
    (h_metrics,) = struct.unpack_from(">H", data, face.get_table_pos("hhea")[0] + 34)
    glyphs = face.numGlyphs
    table = _cmap_table(face)
    if table is None or h_metrics == 0:
        return False
    char_to_glyph: dict[int, int] = {}
    listed = 0
    for span, codes in _cmap_spans(data, *table):
        char_to_glyph.update(zip(span, codes, strict=True))  # a later entry wins, as in reportlab
        listed += len(span)
    hmtx = face.get_table_pos("hmtx")[0]
    pairs = _shorts(data, hmtx, 2 * h_metrics)
    advances = pairs[0::2]
    rest = max(glyphs - h_metrics, 0)
    if face.unitsPerEm == 1000:  # reportlab's scale: x, or x * (1000 / unitsPerEm)
        widths: list[Any] = advances.tolist()
    else:
        times = 1000 / face.unitsPerEm
        scaled = {aw: aw * times for aw in set(advances)}
        widths = list(map(scaled.__getitem__, advances))
    # reportlab gives the glyphs past the last full metric its advance in
    # PDF units (1/1000 em), not font units; kept, so subsets come out the same
    last = widths[-1]
    face._advances = advances
    face._last_advance = last
    face._sides = pairs[1::2] + _shorts(data, hmtx + 4 * h_metrics, rest)
    face.defaultWidth = widths[0]
    top = max(h_metrics, glyphs)
    widths.extend([last] * (top - h_metrics))
    if listed != len(char_to_glyph):  # a character listed twice: reportlab's order, by glyph
        char_widths = {}
        glyph_to_char = _glyph_to_char(*_cmap_lists(face))
        for glyph in sorted(glyph_to_char):
            if glyph < top:
                for char in glyph_to_char[glyph]:
                    char_widths[char] = widths[glyph]
    elif not char_to_glyph or max(char_to_glyph.values()) < top:
        found = map(widths.__getitem__, char_to_glyph.values())
        char_widths = dict(zip(char_to_glyph, found, strict=True))
    else:
        char_widths = {c: widths[g] for c, g in char_to_glyph.items() if g < top}
    loca = face.get_table_pos("loca")[0]
    if index_to_loc == 0:
        face._loca, face._loca_shift = _shorts(data, loca, glyphs + 1), 1
    else:
        face._loca, face._loca_shift = _longs(data, loca, glyphs + 1), 0
    if 0x20 in char_to_glyph:
        char_to_glyph[0xA0] = char_to_glyph[0x20]
        char_widths[0xA0] = char_widths[0x20]
    elif 0xA0 in char_to_glyph:
        char_to_glyph[0x20] = char_to_glyph[0xA0]
        char_widths[0x20] = char_widths[0xA0]
    face.charToGlyph = char_to_glyph
    face.charWidths = char_widths
    return True


def _glyph_to_char(chars: list[int], codes: list[int]) -> dict[int, list[int]]:
    """reportlab's ``glyphToChar``: each glyph's characters, in the cmap's order."""
    glyph_to_char: dict[int, list[int]] = {}
    for char, glyph in zip(chars, codes, strict=True):
        listed = glyph_to_char.get(glyph)
        if listed is None:
            glyph_to_char[glyph] = [char]
        else:
            listed.append(char)
    return glyph_to_char


_MORE_COMPONENTS = GF_MORE_COMPONENTS
_Piece = tuple[tuple[int, int], bytes, tuple[int, ...], tuple[int, ...]]
"""One glyph's share of a subset: see ``_CachingFace._glyph_piece``."""
_METRICS = itemgetter(0)
_OUTLINE = itemgetter(1)
_HALF = (1).__rrshift__  # an offset in loca's short format: half the bytes
_SUBSET_LEVEL = 3
"""The zlib level of a new subset's glyphs and metrics: see ``_CachingFace._deflate``."""


def _component_size(flags: int) -> int:
    """The bytes of one component of a composite glyph, from its flags to the next one."""
    size = 8 if flags & GF_ARG_1_AND_2_ARE_WORDS else 6
    if flags & GF_WE_HAVE_A_SCALE:
        return size + 2
    if flags & GF_WE_HAVE_AN_X_AND_Y_SCALE:
        return size + 4
    if flags & GF_WE_HAVE_A_TWO_BY_TWO:
        return size + 8
    return size


class _CachingFace(TTFontFace):  # type: ignore[misc]
    """A font face that keeps its last embedded subsets, compressed.

    Embedding a subset (cutting the glyphs a document uses out of the font
    and deflating them) is the largest single cost of a one-page render.
    The result depends only on the subset -- the characters in the order
    the document first used them -- so a document printed again with the
    same characters (the same invoice rendered twice, a template whose
    text reuses the same letters in the same order) embeds the stored
    bytes. zlib is deterministic, so the same document gives the same PDF.
    A new subset is assembled from per-glyph pieces cut once (``_piece``)
    and deflated by ``_deflate``, which splices in the blocks it deflated
    once for the parts every subset shares (the printable ASCII outlines,
    the ``name``/``post``/``prep`` tail); it inflates to the font file
    reportlab's ``makeSubset`` writes.
    """

    _subsets: OrderedDict[tuple[int, ...], bytes]
    _subsets_lock: threading.Lock

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self._subsets = OrderedDict()
        self._subsets_lock = threading.Lock()
        self._tail: tuple[bytes, bytes] = (b"", b"")
        self._glyphs: dict[int, _Piece] = {}
        self._run: tuple[bytes, bytes] | None = None

    def _deflate(self, raw: bytes) -> bytes:
        """``raw`` (a subset font file) as a zlib stream, its constant tail deflated once.

        A subset's tables come in tag order, and the last ones (``name`` --
        15 KB of DejaVu Sans's 39 KB subsets, mostly the licence --, ``post``,
        ``prep``) are copied from the font whatever the subset. Deflating
        the part before them and ending it with a full flush (byte-aligned,
        nothing referred to across it) lets the tail's deflated blocks,
        kept from the first subset, follow as they are (RFC 1950/1951): a
        valid stream of the same bytes, deterministic, for about half the
        deflating. A tail that differs from the kept one is deflated afresh.
        The rest is deflated at level 3 (``_SUBSET_LEVEL``), not zlib's
        default 6: half the time for about 2 % more bytes (300 of a 15 KB
        stream), which the tail, deflated once at level 9, more than wins
        back (the benchmark's invoice: 45 260 bytes, 45 486 before). The
        outlines of the printable ASCII glyphs, which every first subset
        carries in the same order, are spliced in the same way
        (``_ascii_run``): what is left to deflate per subset is its header,
        character map, other glyphs and metrics, a few KB.
        """
        count = int.from_bytes(raw[4:6], "big")
        split = 0
        for n in range(count):
            tag, _, offset, _ = struct.unpack_from(">4sLLL", raw, 12 + 16 * n)
            if tag == b"name":
                split = offset
        if not split:
            return zlib.compress(raw)
        tail = raw[split:]
        kept = self._tail
        if kept[0] != tail:  # deflated once: the smallest
            deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
            kept = self._tail = (tail, deflate.compress(tail) + deflate.flush())
        deflate = zlib.compressobj(_SUBSET_LEVEL, zlib.DEFLATED, -15)
        run, packed_run = self._ascii_run()
        at = raw.find(run, 0, split) if run else -1
        if at < 0:
            head = deflate.compress(raw[:split]) + deflate.flush(zlib.Z_FULL_FLUSH)
        else:  # the ASCII glyphs' outlines, deflated once, between the subset's own bytes
            head = b"".join(
                (
                    deflate.compress(raw[:at]),
                    deflate.flush(zlib.Z_FULL_FLUSH),
                    packed_run,
                    deflate.compress(raw[at + len(run) : split]),
                    deflate.flush(zlib.Z_FULL_FLUSH),
                )
            )
        return b"\x78\x9c" + head + kept[1] + zlib.adler32(raw).to_bytes(4, "big")

    def _ascii_run(self) -> tuple[bytes, bytes]:
        """The outlines of the printable ASCII glyphs as every first subset carries them,
        and the same bytes deflated (once per face, kept): empty if too short to matter.

        reportlab gives the characters 32 to 127 the codes 32 to 127 of a
        font's first subset whatever the document's text, so their glyphs
        follow one another in the subset's ``glyf`` table, in that order,
        in every document (16 KB of the 39 KB font file of the benchmark's
        Russian invoice's first DejaVu Sans subset, of the English one's 35 KB).
        ``_deflate`` looks for these bytes in a new subset and splices their
        deflated blocks in (each side ended with a full flush, as for the
        tail). The run stops before a composite glyph (its parts are
        renumbered per subset); a subset whose earlier text already used
        one of these glyphs does not carry the run, and is deflated whole.
        """
        kept = self._run
        if kept is None:
            to_glyph = self.charToGlyph
            seen = {0}
            outlines = []
            for code in range(32, 128):
                old = to_glyph.get(code, 0)
                if old in seen:
                    continue
                seen.add(old)
                piece = self._piece(old)
                if piece[2]:
                    break
                outlines.append(piece[1])
            run = b"".join(outlines)
            if len(run) < 1024:
                kept = (b"", b"")
            else:
                deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
                kept = (run, deflate.compress(run) + deflate.flush(zlib.Z_FULL_FLUSH))
            self._run = kept
        return kept

    def extractInfo(self, charInfo: int = 1) -> None:
        """reportlab's header parsing, then the character tables read by ``_char_info``.

        ``glyphToChar`` and ``hmetrics`` -- a list and a tuple per glyph,
        which nothing billkit does reads -- are made when first read: at
        6 000 glyphs, making them costs a parse several garbage collection
        passes over everything the process holds (most of the time a first
        render used to spend on fonts).
        """
        TTFontFile.extractInfo(self, 0)
        if charInfo and not _char_info(self):
            TTFontFile.extractInfo(self, charInfo)
            self._advances = [advance for advance, _ in self.hmetrics]
            self._last_advance = 0  # unused: every glyph has its own advance
            self._sides = [side for _, side in self.hmetrics]
            self._loca, self._loca_shift = self.glyphPos, 0

    @functools.cached_property
    def glyphToChar(self) -> dict[int, list[int]]:
        return _glyph_to_char(*_cmap_lists(self))

    @functools.cached_property
    def hmetrics(self) -> list[tuple[Any, int]]:
        advances = [*self._advances]
        advances += [self._last_advance] * (len(self._sides) - len(advances))
        return list(zip(advances, self._sides, strict=True))

    @functools.cached_property
    def glyphPos(self) -> list[int]:
        shift = self._loca_shift
        return [p << shift for p in self._loca] if shift else list(self._loca)

    def _glyph_piece(self, old: int) -> _Piece:
        """What a subset takes from glyph ``old``: its advance and left side bearing,
        its outline padded to 4 bytes, and, for a composite glyph, its parts and
        where their numbers are (renumbered in each subset)."""
        places, shift = self._loca, self._loca_shift
        advances = self._advances
        advance = int(advances[old] if old < len(advances) else self._last_advance)
        metrics = (advance, int(self._sides[old]))
        first = places[old] << shift
        end = places[old + 1] << shift
        glyph = bytes(self._glyf[first:end])
        composite = end - first > 2 and glyph[0] & 0x80
        glyph += b"\0" * (-len(glyph) % 4)
        if not composite:
            return metrics, glyph, (), ()
        parts: list[int] = []
        where: list[int] = []
        at = 10
        flags = _MORE_COMPONENTS
        while flags & _MORE_COMPONENTS:
            flags, part = struct.unpack_from(">HH", glyph, at)
            parts.append(part)
            where.append(at + 2)
            at += _component_size(flags)
        return metrics, glyph, tuple(parts), tuple(where)

    @functools.cached_property
    def _glyf(self) -> memoryview:
        """The font's ``glyf`` table, not copied."""
        start, length = self.get_table_pos("glyf")
        return memoryview(self._ttf_data)[start : start + length]

    @functools.cached_property
    def _fixed_tables(self) -> tuple[dict[str, bytes], bytes, bytes, bytes]:
        """The tables every subset copies (``name``, ``OS/2``, ``cvt ``, ``fpgm``,
        ``prep`` and the cut ``post``), and the ``hhea``, ``maxp`` and ``head``
        a subset changes a number of: read from the font once."""
        copied = {
            tag: self.get_table(tag)
            for tag in ("name", "OS/2", "cvt ", "fpgm", "prep")
            if tag in self.table
        }
        copied["post"] = b"\x00\x03\x00\x00" + self.get_table("post")[4:16] + b"\x00" * 16
        return copied, self.get_table("hhea"), self.get_table("maxp"), self.get_table("head")

    def _piece(self, old: int) -> _Piece:
        """``_glyph_piece(old)``, cut once per face and kept."""
        piece = self._glyphs.get(old)
        if piece is None:
            piece = self._glyphs[old] = self._glyph_piece(old)
        return piece

    def makeSubset(self, subset: list[int]) -> bytes:
        """reportlab's ``TTFontFile.makeSubset``, the same bytes, with its per-glyph reads batched.

        The font file of the glyphs of ``subset`` (codes in the order the
        document first used them), renumbered from 1, with the glyphs that
        composite glyphs are made of; ``tests/render/test_backend.py``
        checks the bytes equal reportlab's on generated subsets. Each glyph's
        share (metrics, padded outline, composite parts) is cut from the font
        once per face and kept (``_piece``: at most one small entry per glyph
        of the font), so a new subset -- a document with new text -- is
        assembled from the pieces earlier documents cut; the tests check a
        subset assembled so is the one an empty cache gives.
        """
        to_glyph = self.charToGlyph
        glyph_map = [0]  # new glyph index -> old glyph index
        glyph_set = {0: 0}  # old glyph index -> new glyph index
        code_to_glyph: dict[int, int] = {}
        for code in subset:
            old = to_glyph.get(code, 0)
            new = glyph_set.get(old)
            if new is None:
                new = glyph_set[old] = len(glyph_map)
                glyph_map.append(old)
            code_to_glyph[code] = new
        cache = self._glyphs
        piece = self._piece
        pieces = [cache.get(old) or piece(old) for old in glyph_map]
        composites = [n for n, found in enumerate(pieces) if found[2]]
        for n in composites:  # add the glyphs composite glyphs are made of
            for part in pieces[n][2]:
                if part not in glyph_set:
                    glyph_set[part] = len(glyph_map)
                    glyph_map.append(part)
                    found = cache.get(part) or piece(part)
                    pieces.append(found)
                    if found[2]:
                        composites.append(len(pieces) - 1)
        fixed = self._fixed_tables
        output = TTFontMaker()
        output.tables.update(fixed[0])
        count = len(glyph_map)
        hmtx = [*chain.from_iterable(map(_METRICS, pieces))]
        # the advances of a trailing run of equal advances are left out
        n = len(hmtx) - 2
        while n and hmtx[n] == hmtx[n - 2]:
            n -= 2
        n += 2
        hmtx = hmtx[:n] + hmtx[n + 1 :: 2]
        output.add("hmtx", struct.pack(f">{len(hmtx)}H", *hmtx))
        output.add("hhea", _set_ushort(fixed[1], 34, n >> 1))
        output.add("maxp", _set_ushort(fixed[2], 4, count))
        entries = len(subset)
        cmap = [0, 1, 1, 0, 0, 12, 6, 10 + entries * 2, 0, 0, entries]
        cmap += map(code_to_glyph.__getitem__, subset)
        output.add("cmap", struct.pack(f">{len(cmap)}H", *cmap))
        glyf = [*map(_OUTLINE, pieces)]
        for n in composites:  # renumber a composite glyph's parts
            _, glyph, parts, where = pieces[n]
            renumbered = bytearray(glyph)
            for at, part in zip(where, parts, strict=True):
                struct.pack_into(">H", renumbered, at, glyph_set[part])
            glyf[n] = bytes(renumbered)
        offsets = [0, *accumulate(map(len, glyf))]  # each outline padded to 4 bytes
        pos = offsets[-1]
        output.add("glyf", b"".join(glyf))
        if (pos + 1) >> 1 > 0xFFFF:
            loc_format = 1
            loca = struct.pack(f">{len(offsets)}L", *offsets)
        else:
            loc_format = 0
            loca = struct.pack(f">{len(offsets)}H", *map(_HALF, offsets))
        output.add("loca", loca)
        output.add("head", _set_ushort(fixed[3], 50, loc_format))
        stream: bytes = output.makeStream()
        return stream

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
            packed = len(raw).to_bytes(4, "big") + self._deflate(raw)
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


def forget_subsets(*, glyphs: bool = False) -> None:
    """Empty every registered font's subset cache (benchmarks time the cold path with it).

    A document with new text misses these; the per-glyph pieces subsets are
    assembled from (``_CachingFace._glyph_piece``) stay, as they do for such
    a document in a process that printed the same letters before. With
    ``glyphs`` they go too: every glyph is cut from the font again, as for
    letters the process never printed. The blocks deflated once per font
    whatever the text (the ``name``/``post``/``prep`` tail, the ASCII
    outlines) stay either way; the first render in a process pays for them.
    """
    for font in list(pdfmetrics._fonts.values()):
        face = getattr(font, "face", None)
        if isinstance(face, _CachingFace):
            with face._subsets_lock:
                face._subsets.clear()
                if glyphs:
                    face._glyphs.clear()


def register_ttf(name: str, data: bytes) -> Any:
    """Parse a TrueType font once and register it under ``name``; raises ``FontError``.

    The font is reportlab's ``TTFont`` as ``TTFont(name, file)`` makes it,
    with a ``_CachingFace`` (faster parsing, cached subsets) for its face.
    """
    face = _CachingFace(data)
    font = TTFont.__new__(TTFont)
    font.fontName = name
    font.face = face
    font.encoding = TTEncoding()
    font.state = WeakKeyDictionary()
    font._asciiReadable = rl_config.ttfAsciiReadable
    font.shapable = not any(fnmatch(name, glob) for glob in rl_config.unShapedFontGlob)
    pdfmetrics.registerFont(font)
    return font


def new_canvas(buffer: io.BytesIO, size: tuple[float, float], lang: str) -> Any:
    """A compressed, deterministic canvas (``invariant`` fixes dates and ids) writing to ``buffer``."""
    return Canvas(buffer, pagesize=size, invariant=1, pageCompression=1, lang=lang)


def image(data: bytes) -> Any:
    """A reportlab image from encoded image bytes."""
    return ImageReader(io.BytesIO(data))
