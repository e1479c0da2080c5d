"""How a document is drawn, apart from what it says: fonts, logo, colour, digits."""

from __future__ import annotations

import functools
import io
import re
from typing import Final, Literal

import attrs

from billkit import _checks as checks
from billkit.errors import InvoicingError

__all__ = ["DEFAULT_FONT_FAMILY", "RenderOptions"]
# also here, outside the listed surface: LOGO_BOX, logo_image (the logo as embedded),
# SIGNATURE_BOX, STAMP_BOX, fitted_image (a facsimile signature or stamp as embedded)

DEFAULT_FONT_FAMILY = "DejaVu Sans"
"""The font family bundled with billkit: Latin, Cyrillic and Arabic-script glyphs."""

_HEX = re.compile(r"#[0-9a-fA-F]{6}")


def _logo(value: object) -> bytes | None:
    if value is None:
        return None
    return checks.image("options.logo", value, error=InvoicingError)


LOGO_BOX: Final = (600, 224)
"""The most pixels a logo is embedded with (width, height): four pixels a
point of the 150 x 56 pt box the PDF draws it in; a larger logo is
downscaled to fit, keeping its proportions."""


SIGNATURE_BOX: Final = (440, 160)
"""The most pixels a facsimile signature is embedded with: four a point of
the 110 x 40 pt box the PDF draws it in."""
STAMP_BOX: Final = (320, 320)
"""The most pixels a facsimile stamp is embedded with: four a point of the
80 x 80 pt box the PDF draws it in."""


def logo_image(data: bytes) -> tuple[bytes, str]:
    """The logo as embedded: ``data`` itself if it fits :data:`LOGO_BOX`, else
    a PNG downscaled to fit it; and its kind (``"png"`` or ``"jpeg"``).

    ``data`` has passed :func:`~billkit._checks.image` (RenderOptions checks
    it), so its size is bounded before it is decoded here.
    """
    return fitted_image(data, LOGO_BOX)


@functools.lru_cache(maxsize=8)
def fitted_image(data: bytes, box: tuple[int, int]) -> tuple[bytes, str]:
    """``data`` as embedded in a box of ``box`` pixels: itself if it fits,
    else a PNG downscaled to fit, keeping its proportions; and its kind
    (``"png"`` or ``"jpeg"``). ``data`` has passed :func:`~billkit._checks.image`."""
    from PIL import Image

    with Image.open(io.BytesIO(data), formats=("PNG", "JPEG")) as image:
        kind = "png" if image.format == "PNG" else "jpeg"
        if image.width <= box[0] and image.height <= box[1]:
            return data, kind
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA")
        image.thumbnail(box, Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, "PNG", optimize=True)
    return out.getvalue(), "png"


def _digits(value: object) -> Literal["locale", "latin"]:
    if value == "locale" or value == "latin":
        return value
    raise InvoicingError("options.digits", value, "one of 'locale', 'latin'")


def _calendar(value: object) -> Literal["locale", "gregorian"]:
    if value == "locale" or value == "gregorian":
        return value
    raise InvoicingError("options.calendar", value, "one of 'locale', 'gregorian'")


def _unit(value: object) -> Literal["currency", "toman"]:
    if value == "currency" or value == "toman":
        return value
    raise InvoicingError("options.money_unit", value, "'currency' or 'toman'")


def _family(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvoicingError("options.fonts", value, "the name of a registered font family")
    return value


def _accent(value: object) -> str:
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise InvoicingError("options.accent", value, "a colour such as '#1f3a5f'")
    return value.lower()


@attrs.frozen(kw_only=True)
class RenderOptions:
    """Presentation choices shared by the PDF and HTML renderers.

    ``fonts`` names a family registered with
    :func:`~billkit.invoicing.render.fonts.register_fonts` (the bundled DejaVu Sans by
    default). ``logo`` is the bytes of a PNG or JPEG image, drawn at the top of
    the first page (read the file yourself: rendering never opens files).
    ``accent`` colours the title and rules.

    Persian documents use Persian digits (۱۲۳) and Solar Hijri dates by
    default, as Iranian documents do; ``digits="latin"`` and
    ``calendar="gregorian"`` keep babel's Latin digits and the Gregorian
    calendar instead. Other languages ignore both.

    ``money_unit="toman"`` shows Iranian rial amounts in tomans (one toman is
    ten rials), as Iranian shops price, with the total due also in rials; it
    is never chosen for you, and amounts in other currencies are unchanged.

    >>> RenderOptions(digits="latin").digits
    'latin'
    >>> RenderOptions(logo=b"GIF89a")
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: options.logo = b'GIF89a': expected the bytes of a PNG or JPEG image (read the file first)
    """

    fonts: str = attrs.field(default=DEFAULT_FONT_FAMILY, converter=_family)
    logo: bytes | None = attrs.field(default=None, converter=_logo, repr=False)
    accent: str = attrs.field(default="#1f3a5f", converter=_accent)
    digits: Literal["locale", "latin"] = attrs.field(default="locale", converter=_digits)
    calendar: Literal["locale", "gregorian"] = attrs.field(default="locale", converter=_calendar)
    money_unit: Literal["currency", "toman"] = attrs.field(default="currency", converter=_unit)


DEFAULT_OPTIONS = RenderOptions()
