"""Values that moved to a lower room keep reading and writing their first tag."""

from __future__ import annotations

import pytest

from billkit import serialize
from billkit.conventions import ProrationBasis, ProrationDivisor, SliceRounding


@pytest.mark.parametrize("cls", [ProrationBasis, ProrationDivisor, SliceRounding])
def test_moved_enums_keep_the_tag_they_were_first_saved_under(cls: type) -> None:
    # Saved before billkit.conventions existed, these enums were tagged as
    # billkit.pricing values; stored data with that tag must still read back,
    # and data written now must read in the versions before the move.
    first = f"billkit.pricing.{cls.__name__}"
    tags, classes = serialize._registry()
    assert tags[cls] == serialize._tag(cls) == first
    assert classes[first] is serialize._class_of(first) is cls
    assert classes[f"billkit.conventions.{cls.__name__}"] is cls
