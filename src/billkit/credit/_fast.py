"""The credit room's one fast path: field converters that let already-valid values pass.

Private. Entries are loaded from storage by the million, and almost every
value is already of the right type; :func:`passing` wraps a
:mod:`billkit._checks` field converter so that such a value skips the generic
converter's bookkeeping, and anything else goes through the check as usual.
Each ``accept`` predicate here says yes only to values its check returns
unchanged; ``tests/credit/test_properties.py`` proves it for every pair used.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

__all__ = ["exactly", "is_empty_tuple", "is_moment", "is_name", "is_text", "or_none", "passing"]


def passing(accept: Callable[[object], bool], check: Any) -> Any:
    """The ``attrs.Converter`` ``check``, except that a value ``accept``
    recognises passes as it is."""
    slow = check.converter  # the attrs.Converter's function

    def run(value: object, self: object, field: attrs.Attribute[Any]) -> Any:
        return value if accept(value) else slow(value, self, field)

    return attrs.Converter(run, takes_self=True, takes_field=True)


def is_name(value: object) -> bool:
    """What ``checks.text`` (required) returns unchanged: a non-empty, unpadded str."""
    return type(value) is str and value != "" and not (value[0].isspace() or value[-1].isspace())


def is_text(value: object) -> bool:
    """What ``checks.text(required=False)`` returns unchanged: any str."""
    return type(value) is str


def is_moment(value: object) -> bool:
    """What ``checks.moment`` returns unchanged: an aware datetime."""
    return type(value) is datetime and value.utcoffset() is not None


def is_empty_tuple(value: object) -> bool:
    """No tags: ``()``."""
    return type(value) is tuple and not value


def exactly(kind: type) -> Callable[[object], bool]:
    """A member of the enum ``kind`` itself (not its value), which ``checks.member`` keeps."""
    return lambda value: type(value) is kind


def or_none(accept: Callable[[object], bool]) -> Callable[[object], bool]:
    """``accept``, or ``None`` (for an optional field, which its check lets through)."""
    return lambda value: value is None or accept(value)
