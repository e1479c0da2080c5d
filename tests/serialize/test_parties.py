"""A bill run's buyers read from the payers' data (serialize._Parties) are the
parties from_data reads, or the same error, whatever the data holds; one
reader serves a whole stream of payers."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.errors import BillkitError
from billkit.parties import Address, Party
from billkit.serialize import _Parties, from_data, to_data

# One reader for every example: its Buyers made by the examples before.
SHARED = _Parties()

names = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["Customer 7", " padded ", "", "   ", "Ольга", "شرکت"]),
)


@st.composite
def party_data(draw: st.DrawFn) -> dict[str, Any]:
    """What to_data writes for a party (plain or not), then perhaps one field changed."""
    fields: dict[str, Any] = {
        "kind": draw(st.sampled_from(["individual", "legal_entity", "sole_proprietor"])),
        "country": draw(st.sampled_from(["IT", "RU", "UA", "IR"])),
        "name": draw(st.sampled_from(["Customer 1", "Ольга", "ООО Клиент"])),
    }
    extra = draw(
        st.sampled_from(
            [{}, {}, {"email": "a@b.it"}, {"legal_address": Address(country="IT", city="Roma")}]
        )
    )
    data = to_data(Party(**fields, **extra))
    change = draw(st.integers(0, 12))
    if change == 1:
        data["name"] = draw(names)
    elif change == 2:
        data["kind"] = draw(st.sampled_from(["INDIVIDUAL", "person", 1, None, "legal_entity"]))
    elif change == 3:
        data["country"] = draw(st.sampled_from(["it", "XX", "", 39, "ITA", "ru"]))
    elif change == 4:
        data["$version"] = draw(st.sampled_from([0, 2, True, "1", 1.0]))
    elif change == 5:
        data[draw(st.sampled_from(["id", "email", "fax", "name_genitive"]))] = draw(
            st.sampled_from(["x", " ", 0, None, False, ""])
        )
    elif change == 6:
        data[draw(st.sampled_from(["identifiers"]))] = draw(
            st.sampled_from([(), [], [{"scheme": "it.vat", "value": "x"}], None, ""])
        )
    elif change == 7:
        data[draw(st.sampled_from(["bank", "legal_address", "director"]))] = draw(
            st.sampled_from([None, {}, [], ""])
        )
    elif change == 8:
        del data[draw(st.sampled_from(sorted(data)))]
    elif change == 9:
        data[draw(st.sampled_from(["nick", "Name", "$extra"]))] = "x"
    elif change == 10:
        data["$type"] = draw(st.sampled_from(["billkit.parties.Address", "Party", 7]))
    elif change == 11:
        data["name"] = draw(st.sampled_from([7, None, ["x"], b"x"]))
    return data


def _outcome(read: Any, data: object) -> object:
    try:
        return read(data)
    except BillkitError as problem:
        return repr(problem)


@settings(max_examples=400, deadline=None)
@given(st.lists(party_data(), min_size=1, max_size=4))
def test_a_party_read_is_the_one_from_data_reads(stream: list[dict[str, Any]]) -> None:
    fresh = _Parties()
    for data in stream:
        expected = _outcome(from_data, data)
        assert _outcome(SHARED.read, data) == expected
        assert _outcome(fresh.read, data) == expected
        if isinstance(expected, Party):
            # a party made here holds no identifiers: its invariants hold, run them
            made = SHARED.read(data)
            made.__attrs_post_init__()
            assert type(made) is Party
            assert to_data(made) == to_data(expected)


def test_a_plain_buyer_is_made_by_the_runs_buyers() -> None:
    reader = _Parties()
    data = to_data(Party(kind="legal_entity", country="IT", name="Customer 7"))
    assert reader.read(data) == Party(kind="legal_entity", country="IT", name="Customer 7")
    assert set(reader._buyers) == {("legal_entity", "IT")}  # one Buyers per kind and country
    other = to_data(Party(kind="legal_entity", country="IT", name="Customer 8"))
    assert reader.read(other).name == "Customer 8"
    assert set(reader._buyers) == {("legal_entity", "IT")}


def test_not_a_mapping_is_refused_as_from_data_refuses_it() -> None:
    for data in (None, [], "party"):
        assert _outcome(_Parties().read, data) == _outcome(from_data, data)
