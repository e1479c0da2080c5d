"""The records' data: checked once when a record is made, kept with the JSON text
it was copied from (what the stores write), and that text is the data's."""

from __future__ import annotations

import json
import pickle
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from billkit import _checks as checks
from billkit.errors import CreditError, InvoicingError, UsageError, ValidationError
from billkit.storage import DocumentRecord, EntryRecord, UsageRecord, canonical_json, records
from billkit.storage.records import (
    _PENDING,
    _data_with,
    _json_text,
    _json_written,
    _stored_data,
    _StoredJson,
)

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(data=st.dictionaries(st.text(), json_values, max_size=5))
def test_a_record_keeps_the_canonical_json_of_its_data(data: dict[str, Any]) -> None:
    record = UsageRecord(
        subscription="s", metric="calls", at=T0, quantity=Decimal(1), key="k", data=data
    )
    # The kept text is canonical_json of the data given, and reads back as the data.
    assert _json_text(record.data) == canonical_json(data)
    assert json.loads(_json_text(record.data)) == record.data
    # A record made from another record's data keeps the same text.
    again = UsageRecord(
        subscription="s", metric="calls", at=T0, quantity=Decimal(1), key="k", data=record.data
    )
    assert _json_text(again.data) == _json_text(record.data)
    assert again == record


def test_the_checks_still_refuse_bad_fields_of_a_copied_record() -> None:
    good = EntryRecord(
        account="a", key="k", amount=Money("1.50", "EUR"), at=T0, kind="charge", data={"n": 1}
    )
    # The data is shared with the good record; every other field is checked again.
    for amount in (Decimal("1.50"), "1.50 EUR", None):  # not a Money
        with pytest.raises(CreditError, match="amount"):
            EntryRecord(account="a", key="k", amount=amount, at=T0, kind="charge", data=good.data)
    with pytest.raises(CreditError, match="at"):
        EntryRecord(
            account="a",
            key="k",
            amount=good.amount,
            at=datetime(2026, 3, 1),  # noqa: DTZ001 (naive: refused)
            kind="charge",
            data=good.data,
        )
    with pytest.raises(UsageError, match="data"):
        UsageRecord(
            subscription="s",
            metric="calls",
            at=T0,
            quantity=Decimal(1),
            key="k",
            data={"x": float("nan")},
        )


def test_moments_are_checked_in_utc_as_in_any_zone() -> None:
    from datetime import timedelta

    from billkit._checks import LAST_MOMENT

    # The last instant billkit accepts is just before 9999-12-31 00:00 UTC
    # (docs/limits.md); one microsecond earlier is accepted, in UTC or in +01:00.
    last = LAST_MOMENT - timedelta(microseconds=1)
    plus_one = timezone(timedelta(hours=1))
    for at in (last, last.astimezone(plus_one)):
        record = UsageRecord(subscription="s", metric="calls", at=at, quantity=Decimal(1), key="k")
        assert record.at == last
        assert record.at.tzinfo is timezone.utc
    with pytest.raises(UsageError, match="at"):
        UsageRecord(subscription="s", metric="calls", at=LAST_MOMENT, quantity=Decimal(1), key="k")


@given(
    calls=st.integers(min_value=0, max_value=2_000_000),
    name=st.text(min_size=1, max_size=12).map(str.strip).filter(bool),
)
def test_a_billed_invoice_made_into_a_record_as_its_text_is_the_checked_copy(
    calls: int, name: str
) -> None:
    # The engine's run makes a draft's record from the document's canonical text
    # alone (records._text_data(serialize._canonical_text(...)): "data as its
    # text"), never making to_data's dicts: the record must be the one the plain
    # path makes (to_data, the converter's check, canonical JSON, copy), equal
    # both ways and written as the same bytes; looking into its data decodes it.
    from datetime import date

    from billkit.billing import BillingState, PlanFrom, Subscribed, UsageTotal, plan_documents
    from billkit.invoicing.terms import DocumentTerms
    from billkit.parties import Party
    from billkit.periods import Period
    from billkit.serialize import _canonical_text, _Texts, to_data
    from billkit.storage.records import _text_data
    from tests.engine import support

    march = Period(date(2026, 3, 1), date(2026, 4, 1))
    sub = Subscribed(id="s1", plans=[PlanFrom(on=march.start, plan=support.PRO)])
    usage = [UsageTotal(subscription="s1", period=march, metric="calls", quantity=calls)]
    buyer = Party(kind="legal_entity", country="IT", name=name)  # any Unicode name
    terms = DocumentTerms(seller=support.SELLER, buyer=buyer, rules=None)
    (planned,) = plan_documents(
        BillingState(terms=terms, subscriptions=[sub], usage=usage), march.end
    )
    fields: dict[str, Any] = {
        "id": str(planned.key),
        "customer": "c1",
        "kind": planned.key.kind,
        "period_start": march.start,
        "period_end": march.end,
        "total": planned.document.totals.gross,
    }
    texts = _Texts()
    _canonical_text(texts, planned.document)  # a run's texts have written others before
    written = DocumentRecord(**fields, data=_text_data(_canonical_text(texts, planned.document)))
    plain = DocumentRecord(**fields, data=to_data(planned.document))
    assert _json_written(written.data) == _json_written(plain.data)
    assert _json_written(written.data) == canonical_json(to_data(planned.document))
    assert written == plain
    assert plain == written
    assert dict(written.data) == dict(plain.data) == json.loads(_json_text(plain.data))
    assert _json_text(written.data) == _json_text(plain.data)


@given(
    data=st.dictionaries(st.text(), json_values, max_size=5),
    key=st.text(max_size=8),
    value=st.text() | st.none() | st.integers(),
)
def test_a_payload_with_a_field_added_is_what_the_checked_copy_gives(
    data: dict[str, Any], key: str, value: object
) -> None:
    # The engine adds a notice's number to a payload already checked
    # (records._data_with): the message must be the one made from the plain
    # dict {**payload, key: value}, through the converter's check and copy.
    from billkit.storage import OutboxMessage
    from billkit.storage.records import _data_with

    made = OutboxMessage(id=0, key="k", topic="t", payload=data, created_at=T0)
    direct = OutboxMessage(
        id=0, key="k", topic="t", payload=_data_with(made.payload, key, value), created_at=T0
    )
    plain = OutboxMessage(id=0, key="k", topic="t", payload={**data, key: value}, created_at=T0)
    assert _json_text(direct.payload) == _json_text(plain.payload)
    assert _json_text(direct.payload) == canonical_json({**data, key: value})
    assert direct.payload == plain.payload
    assert direct == plain
    # The first message's payload is left as it was.
    assert _json_text(made.payload) == canonical_json(data)


_SCALAR = st.none() | st.booleans() | st.integers() | st.text(max_size=8)


@given(st.dictionaries(st.text(max_size=6), _SCALAR, max_size=8))
def test_flat_data_is_copied_as_the_general_path_copies_it(data: dict[str, Any]) -> None:
    # records._json_copy takes flat data (str keys; str, int, bool, None values: an
    # outbox notice's payload) without the check and the JSON round trip: the copy
    # must be the round trip's (same items in the same order, same types) and keep
    # the same canonical text, and be the record's own.
    from billkit.storage import OutboxMessage
    from billkit.storage.records import _json_copy

    general = json.loads(canonical_json(data))
    copy = _json_copy(data)
    assert list(copy.items()) == list(general.items())
    assert [type(v) for v in copy.values()] == [type(v) for v in general.values()]
    assert _json_text(copy) == canonical_json(general)
    assert copy is not data
    message = OutboxMessage(
        id=0, key="k", topic="t", payload=data, created_at=datetime(2026, 3, 1, tzinfo=timezone.utc)
    )
    data["extra"] = "changed after"
    assert dict(message.payload) == general


@given(
    st.dictionaries(st.text(max_size=6), _SCALAR, max_size=8)
    | st.dictionaries(st.text(max_size=6), json_values, max_size=4)
)
def test_a_notice_made_as_its_text_is_the_message_the_converter_makes(
    data: dict[str, Any],
) -> None:
    # The engine's notices give flat payloads as their canonical text
    # (records._flat_text, kept by records._text_data): the message must equal
    # the one made from the dict (both ways), be written as the same bytes,
    # and read as the same items in the same order. Anything not flat has no
    # text (None) and takes the converter.
    from billkit.storage import OutboxMessage
    from billkit.storage.records import _flat_text, _text_data

    text = _flat_text(data)
    flat = all(type(v) in (str, int, bool, type(None)) for v in data.values())
    assert (text is None) == (not flat)
    if text is None:
        return
    assert text == canonical_json(data)
    made = OutboxMessage(id=0, key="k", topic="t", payload=_text_data(text), created_at=T0)
    plain = OutboxMessage(id=0, key="k", topic="t", payload=data, created_at=T0)
    assert _json_written(made.payload) == _json_written(plain.payload) == canonical_json(data)
    assert made == plain
    assert plain == made
    assert list(made.payload.items()) == list(plain.payload.items())
    assert _json_text(made.payload) == _json_text(plain.payload)


# -------------------------------------------- data read back, decoded when looked into


def _lazy(text: str) -> Any:
    """Data read back as ``text``, as the SQL store's row readers make it."""
    return _stored_data(text)


def _texts(data: dict[str, Any]) -> list[str]:
    """JSON texts of ``data`` as stores give them back: canonical (what billkit
    writes), SQLAlchemy's default ``json.dumps`` (rows written before), and
    PostgreSQL's jsonb output (spaces after separators, non-ASCII as is)."""
    return [
        canonical_json(data),
        json.dumps(data),
        json.dumps(data, ensure_ascii=False, separators=(", ", ": ")),
    ]


@given(data=st.dictionaries(st.text(), json_values, max_size=5))
def test_data_read_back_behaves_as_the_dict_it_decodes_to(data: dict[str, Any]) -> None:
    for text in _texts(data):
        lazy, plain = _lazy(text), json.loads(text)
        # Equal both ways, to the dict, to another text of the same value, to itself.
        assert lazy == plain
        assert plain == lazy
        assert (lazy != plain) is False
        assert all(lazy == _lazy(other) for other in _texts(data))
        assert lazy == data
        assert data == lazy
        # The same keys in the same order, the same items, values, length, repr.
        assert list(lazy) == list(plain)
        assert list(lazy.keys()) == list(plain.keys())
        assert list(lazy.items()) == list(plain.items())
        assert list(lazy.values()) == list(plain.values())
        assert len(lazy) == len(plain)
        assert repr(lazy) == repr(plain)
        for key in [*plain, "\x00 not a key"]:
            assert (key in lazy) == (key in plain)
            assert lazy.get(key, "none") == plain.get(key, "none")
        assert dict(lazy) == plain
        assert type(dict(lazy)) is dict
        assert {**lazy} == plain
        # A dict, as the data of a memory store's record is: json.dumps writes it as the
        # dict, with any options, inside other data too; copies are plain dicts.
        fresh = _lazy(text)
        assert isinstance(fresh, dict)
        assert json.dumps(fresh) == json.dumps(plain)
        for options in ({"sort_keys": True}, {"indent": 2}, {"ensure_ascii": False}):
            assert json.dumps({"in": [_lazy(text)]}, **options) == json.dumps(
                {"in": [plain]}, **options
            )
        assert lazy.copy() == plain
        assert type(lazy.copy()) is dict
        assert (lazy | {"new": 1}) == (plain | {"new": 1})
        assert ({"new": 1} | lazy) == ({"new": 1} | plain)
        assert list(reversed(lazy)) == list(reversed(plain))
        # Unhashable, as a dict is; read-only: every changing method refuses.
        with pytest.raises(TypeError):
            hash(lazy)
        with pytest.raises(TypeError):
            lazy["new"] = 1  # type: ignore[index]
        for name, args in (
            ("update", ({"a": 1},)),
            ("pop", ("a", None)),
            ("popitem", ()),
            ("setdefault", ("a", 1)),
            ("clear", ()),
            ("__delitem__", ("a",)),
            ("__ior__", ({"a": 1},)),
        ):
            with pytest.raises(TypeError, match="read-only"):
                getattr(lazy, name)(*args)
        assert lazy == plain
        # Pickles (as its text), and comes back equal.
        again = pickle.loads(pickle.dumps(lazy))
        assert type(again) is _StoredJson
        assert again == plain
        # Its canonical JSON is the data's, whatever text it was read as, also inside
        # other data.
        assert _json_text(lazy) == canonical_json(lazy) == canonical_json(data)
        assert canonical_json({"in": [lazy]}) == canonical_json({"in": [data]})


@given(data=st.dictionaries(st.text(), json_values, max_size=5))
def test_a_record_made_from_data_read_back_does_not_decode_it(data: dict[str, Any]) -> None:
    for text in _texts(data):
        lazy = _lazy(text)
        record = UsageRecord(
            subscription="s", metric="calls", at=T0, quantity=Decimal(1), key="k", data=lazy
        )
        # Kept as it is (checked when it was written), written again as its text.
        assert record.data is lazy
        assert _json_written(record.data) == text
        assert _undecoded(lazy)
        # Equal to the record made from the dict, as it is once decoded.
        made = UsageRecord(
            subscription="s", metric="calls", at=T0, quantity=Decimal(1), key="k", data=data
        )
        assert record == made
        assert made == record
        assert pickle.loads(pickle.dumps(record)) == made
        # A field added (a notice's number) gives what the dict gives.
        assert _data_with(lazy, "number", "INV-1") == {**data, "number": "INV-1"}


def _undecoded(lazy: Any) -> bool:
    """Whether ``lazy`` is still its text, never parsed: no decoded dict, and its own
    dict holds the placeholder alone (empty data: nothing, as an encoder may read
    its size)."""
    return lazy._data is None and dict.keys(lazy) <= {_PENDING}


def test_data_read_back_is_decoded_once() -> None:
    lazy = _lazy('{"b": [1, 2.5, "\\u00e9"], "a": {"x": null}}')
    assert _undecoded(lazy)
    inner = lazy["a"]
    assert inner == {"x": None}
    # Its own dict holds the decoded items (in the text's key order); later reads use them.
    assert not _undecoded(lazy)
    assert list(dict.keys(lazy)) == list(lazy) == ["b", "a"]
    assert lazy["a"] is inner
    assert lazy["b"] == [1, 2.5, "é"]


def test_json_dumps_of_data_read_back_decodes_it_first() -> None:
    # json.dumps writes "{}" for a dict whose own storage is empty without asking it:
    # the placeholder makes it ask for the items, which decodes them.
    lazy = _lazy('{"b": 1, "a": "é"}')
    assert json.dumps(lazy) == '{"b": 1, "a": "\\u00e9"}'
    assert json.dumps(_lazy("{}")) == "{}"
    assert json.dumps([_lazy('{"a": []}')], indent=1) == '[\n {\n  "a": []\n }\n]'


def _accepts(check: Any, value: object) -> bool:
    try:
        check(value)
    except ValidationError:  # InvoicingError, or a MoneyError for an amount out of range
        return False
    return True


def _plain_id(value: object) -> None:
    # The documented rule: non-empty text of at most 200 characters, no outer spaces.
    if not (
        isinstance(value, str) and value.strip() and len(value) <= 200 and value == value.strip()
    ):
        raise InvoicingError("id", value, "an id")


_PLAIN: dict[str, Any] = {
    "id": _plain_id,
    "day": lambda v: checks.day("f", v, error=InvoicingError),
    "moment": lambda v: checks.moment("f", v, error=InvoicingError),
    "money": lambda v: checks.money(
        "f", checks.instance("f", v, Money, error=InvoicingError), error=InvoicingError
    ),
}
_FAST: dict[str, Any] = {
    "id": records._id,
    "day": records._day_field,
    "moment": records._aware_field,
    "money": records._money_field,
}
_ANY_VALUE = (
    st.none()
    | st.text(max_size=3)
    | st.text(min_size=198, max_size=202)
    | st.sampled_from([" a", "a ", "", "   ", "inv-1", "ä"])
    | st.integers()
    | st.booleans()
    | st.dates()
    | st.datetimes()
    | st.datetimes(
        timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=3, minutes=30))])
    )
    | st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: Money(d, "EUR"))
    | st.decimals(allow_nan=False, allow_infinity=False)
)


@given(kind=st.sampled_from(sorted(_FAST)), optional=st.booleans(), value=_ANY_VALUE)
def test_the_validators_fast_tests_accept_what_the_general_checks_accept(
    kind: str, optional: bool, value: object
) -> None:
    field = attrs.fields(DocumentRecord).number  # any field: its name goes into the error
    fast = _FAST[kind](InvoicingError, optional=optional)
    plain = _PLAIN[kind]
    expected = (optional and value is None) or _accepts(plain, value)
    assert _accepts(lambda v: fast(None, field, v), value) == expected
    if not expected:
        with pytest.raises(ValidationError, match="number"):
            fast(None, field, value)
