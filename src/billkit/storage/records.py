"""The records a :class:`~billkit.ports.Store` keeps.

Each record is a frozen value: the fields the store indexes, checks and
queries (ids, amounts, dates, versions) plus ``data``, the serialised value
itself as JSON-safe data (what :func:`billkit.serialize.to_data` returns).
The store never interprets ``data``; it keeps it and gives it back.

Every field is checked when the record is made, so a bad record never
reaches a store: ids are non-empty text, amounts are exact (never float),
timestamps carry a time zone (kept in UTC), ``data`` is JSON-safe.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

import attrs
from moneyed import Money

from billkit import _checks as checks
from billkit.errors import (
    CreditError,
    InvoicingError,
    SubscriptionError,
    UsageError,
    ValidationError,
)
from billkit.money import in_range, to_decimal

if TYPE_CHECKING:
    from _collections_abc import dict_items, dict_keys, dict_values

__all__ = [
    "AccountRecord",
    "DocumentEvent",
    "DocumentRecord",
    "EntryRecord",
    "IdempotencyRecord",
    "JsonData",
    "OutboxMessage",
    "PayerRecord",
    "PlanRecord",
    "SeriesRecord",
    "SubscriptionRecord",
    "UsageRecord",
    "canonical_json",
    "request_hash",
]

#: JSON-safe data: what :func:`billkit.serialize.to_data` returns.
JsonData = Mapping[str, Any]


_MAX_ID = 200


def _check_json(value: object, path: str, error: type[ValidationError]) -> None:
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise error(path, value, "JSON-safe data (a finite number)")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise error(path, key, "JSON-safe data (object keys are str)")
            _check_json(item, f"{path}.{key}", error)
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_json(item, f"{path}[{index}]", error)
        return
    raise error(path, value, "JSON-safe data (str, int, bool, None, lists and objects)")


def canonical_json(value: object) -> str:
    """``value`` as deterministic JSON: sorted keys, no spaces, ASCII only.

    >>> canonical_json({"b": 1, "a": [True, None]})
    '{"a":[true,null],"b":1}'
    """
    return _canonical(value)


# canonical_json's encoder, made once (json.dumps with options makes one per call).
_canonical: Final = json.JSONEncoder(sort_keys=True, separators=(",", ":"), allow_nan=False).encode


def request_hash(request: object) -> str:
    """The SHA-256 of a request's canonical JSON, as kept in idempotency records.

    >>> request_hash({"amount": "10.00"})[:16]
    'e9eb495accbce2a0'
    """
    return hashlib.sha256(canonical_json(request).encode("utf-8")).hexdigest()


def _json_text(data: JsonData) -> str:
    """``data`` as canonical JSON: a record's data keeps the text it was made
    from (private; the stores compare data by it)."""
    if type(data) is _StoredJson:
        return data._canonical()
    if type(data) is _Checked:
        text = data.json
        if text is None:  # read back from a row: written once, when first asked
            text = data.json = canonical_json(data)
        return text
    return canonical_json(data)


class _Checked(dict):  # type: ignore[type-arg]
    """A record's own deep copy of its data, already checked JSON-safe: records
    made from another record's data (a stored entry with its number) share it
    instead of copying and checking it again. ``json`` is the canonical JSON
    text the copy was made from: a store writes it as it is, without
    serialising the data again (a record is a frozen value: its data is not
    to be changed after it is made). ``json`` is None until :func:`_json_text`
    first needs it for data read back from a store's rows (most records read
    are never written again) and for flat data (made as it is written)."""

    __slots__ = ("json",)

    json: str | None


def _json_written(data: JsonData) -> str:
    """The JSON text a store writes for a record's ``data`` (private: the SQL
    store's writes): data read back from a store is written as the text it was
    read as, without decoding it (JSON of the same value, not necessarily
    canonical); anything else as its canonical JSON (:func:`_json_text`)."""
    if type(data) is _StoredJson:
        return data._stored_text()
    return _json_text(data)


class _Pending:
    """The key of the one item a :class:`_StoredJson`'s own dict holds until it is
    decoded, its JSON text the value: not a str, so no key of JSON data is it. Code
    that reads a dict's items in C without calling its methods sees a dict that is not
    empty (``json.dumps``'s encoder writes ``{}`` for an empty one without asking it)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<billkit: stored data not decoded yet>"


_PENDING: Final = _Pending()


def _read_only(self: object, *args: object, **kwargs: object) -> None:
    raise TypeError("a record's data read from a store is read-only (dict(data) is a copy)")


class _StoredJson(_Checked):
    """A record's data as a store read it back: the JSON text of its row,
    decoded when it is first looked into (private: made by the SQL store's
    row readers, through :func:`_stored_data`; and by the engine's run for
    data it made as its canonical text, through :func:`_text_data`).

    Data was checked JSON-safe when its record was made, and much of what a
    store reads back is never looked into (the unpaid invoices a run collects
    are read for their totals and states, an issued document's data never
    changes): such data is never decoded, and is written again as its text
    (:func:`_json_written`). Once decoded, it behaves as the dict it decodes
    to (a record's own, checked copy), and it is one: a ``dict`` (a
    :class:`_Checked`) whose own items are filled when it is decoded (a
    copy of the decoded dict, which its methods read), so
    ``json.dumps(data)`` (whose encoder asks a dict subclass for its
    ``items()``), ``isinstance(data, dict)``, ``dict(data)`` and ``{**data}``
    work as on the data a memory store gives back. Equal to the decoded dict
    (``==`` either way, to any mapping with the same items: a subclass of
    ``_Checked``, its own ``__eq__`` is asked first by a dict or a
    ``_Checked``), the same keys in the same order, the same items, ``repr``
    and ``len``; unhashable, as a dict is; read-only, as a record's data is
    (every changing method raises ``TypeError``; ``dict(data)`` is a
    changeable copy). It pickles as its text. Until it is decoded its own dict
    holds one item, its text under the key :data:`_PENDING`, which
    only C code reading a dict's storage without calling its methods (another
    dict subclass's ``==`` on the left) could see. ``tests/storage/test_records.py``
    checks all of this against the decoded dict, ``json.dumps`` included.
    """

    __slots__ = ("_data", "_text")

    _data: dict[str, Any] | None  # the decoded dict (its own items a copy), once decoded
    _text: str  # set when decoded (till then, the value of its one item)

    def __init__(self, text: str) -> None:
        self._data = None
        if len(text) < 8 and "".join(text.split()) == "{}":
            # Empty data holds no pending item: an encoder checking a dict's
            # size in C before asking for its items (``json`` with an
            # ``indent`` on Python 3.13) would see it and write ``{ }`` open.
            self._text = text
            return
        dict.__setitem__(self, _PENDING, text)

    def _decoded(self) -> dict[str, Any]:
        """The decoded dict, its own items filled from it when first asked: added
        after the pending item, which then leaves (the keys in the text's order).
        Two threads may both decode: the same items either way, never a dict half
        filled."""
        data = self._data
        if data is None:
            text = dict.get(self, _PENDING)
            if text is None:  # empty data, or another thread decoding it meanwhile
                text = self._text
            data = json.loads(text)
            assert data is not None
            self._text = text
            dict.update(self, data)
            dict.pop(self, _PENDING, None)
            self._data = data
        return data

    def _stored_text(self) -> str:
        """The JSON text it was read as."""
        text = dict.get(self, _PENDING)
        return self._text if text is None else str(text)

    def _canonical(self) -> str:
        """Its canonical JSON, made once."""
        try:
            return self.json  # type: ignore[return-value]
        except AttributeError:
            text = self.json = canonical_json(self._decoded())
            return text

    def __getitem__(self, key: str) -> Any:
        return self._decoded()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._decoded())

    def __reversed__(self) -> Iterator[str]:
        return reversed(self._decoded())

    def __len__(self) -> int:
        return len(self._decoded())

    def __contains__(self, key: object) -> bool:
        return key in self._decoded()

    def get(self, key: str, default: Any = None) -> Any:
        return self._decoded().get(key, default)

    def keys(self) -> dict_keys[Any, Any]:
        return self._decoded().keys()

    def items(self) -> dict_items[Any, Any]:
        return self._decoded().items()

    def values(self) -> dict_values[Any, Any]:
        return self._decoded().values()

    def copy(self) -> dict[str, Any]:
        return self._decoded().copy()

    def __or__(self, other: Any) -> Any:
        return self._decoded() | other

    def __ror__(self, other: Any) -> Any:
        return other | self._decoded()

    def __eq__(self, other: object) -> bool:
        if type(other) is _StoredJson:
            other = other._decoded()
        return self._decoded() == other

    def __ne__(self, other: object) -> bool:
        if type(other) is _StoredJson:
            other = other._decoded()
        return self._decoded() != other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._decoded())

    def __reduce__(self) -> tuple[Callable[[str], Any], tuple[str]]:
        return (_stored_data, (self._stored_text(),))

    # every changing method of dict refuses (a record's data is frozen)
    __setitem__ = __delitem__ = __ior__ = _read_only  # type: ignore[assignment]
    clear = pop = popitem = setdefault = update = _read_only  # type: ignore[assignment]


_SCALARS: Final = frozenset({str, int, bool, type(None)})


def _json_copy(value: object) -> Any:
    """A private deep copy of JSON-safe data (so a record cannot change behind a
    store's back); anything else unchanged, for the validator to refuse."""
    if type(value) is _Checked or type(value) is _StoredJson:
        return value  # checked when first made, never changed since
    if type(value) is dict and all(
        type(k) is str and type(v) in _SCALARS for k, v in value.items()
    ):
        # Flat data of str, int, bool and None (an outbox notice's payload): JSON-safe
        # as it is, and its copy the one json.loads makes of its canonical text (the
        # same keys in the same, sorted, order; the values immutable, shared). Its
        # text is made when first needed (a notice is often copied with its number
        # added, by _data_with, before it is written).
        flat = _Checked(sorted(value.items()))
        flat.json = None
        return flat
    if isinstance(value, Mapping):
        try:
            _check_json(value, "data", ValidationError)
        except ValidationError:
            return value  # the validator refuses it, naming the record's field
        text = canonical_json(value)
        copy = _Checked(json.loads(text))
        copy.json = text
        return copy
    return value


def _stored_data(value: Mapping[str, Any] | str) -> Any:
    """Data a store read back from its own rows (checked JSON-safe when it was
    written), as a record's own copy without checking it again (private: the
    SQL store's row readers). ``value`` must be fresh from the driver, held by
    no one else: the decoded data, or its JSON text (kept as a
    :class:`_StoredJson`, decoded when first looked into)."""
    if isinstance(value, str):
        return _StoredJson(value)
    copy = _Checked(value)
    copy.json = None  # made by _json_text if this record is written or compared
    return copy


def _data_with(data: JsonData, key: str, value: object) -> Any:
    """``{**data, key: value}`` as a record's data (private: the engine adds a
    notice's number to its payload once the number is drawn). Data a record
    already holds checked stays checked with a str added: it is copied one
    level and shares the rest, which no one changes (a record's data is
    frozen); anything else is returned as a plain dict, for the record's
    converter to check and copy."""
    if type(data) is _StoredJson:
        data = dict.copy(data._decoded())  # its items, as a plain dict (a _Checked below)
    elif type(data) is not _Checked or type(value) is not str:
        return {**data, key: value}
    if type(value) is not str:
        return {**data, key: value}
    copy = _Checked(data)
    copy[key] = value
    copy.json = None  # made by _json_text when the record is written or compared
    return copy


def _text_data(text: str) -> Any:
    """Data given as its canonical JSON ``text`` alone, as a record's data
    (private: the engine's billing run). The shortcut "data as its text": the
    value is never made as dicts unless someone looks into it (it is then
    ``json.loads(text)``, as data read back from a store is: a
    :class:`_StoredJson`), and a store writes ``text`` as it is. ``text`` must
    be ``canonical_json`` of JSON-safe data: the engine gives a draft's
    ``serialize._canonical_text`` (proven equal to ``canonical_json(to_data(doc))``
    in tests/serialize/test_text.py) and a notice's :func:`_flat_text`.
    tests/storage/test_records.py proves the record equal to the one made
    from the value through the converter's check and copy, byte for byte."""
    return _StoredJson(text)


def _flat_text(data: dict[str, Any]) -> str | None:
    """``canonical_json(data)`` for flat data whose keys are str and values
    str, int, bool or None (JSON-safe as it is: an outbox notice's payload);
    ``None`` for anything else, which takes the record's converter (private:
    the engine's notices, with :func:`_text_data`)."""
    for k, v in data.items():
        if type(k) is not str or type(v) not in _SCALARS:
            return None
    return _canonical(data)


def _utc(value: object) -> Any:
    """An aware datetime in UTC; anything else unchanged, for the validator to refuse."""
    if type(value) is datetime and value.tzinfo is timezone.utc:
        return value  # already in UTC (what astimezone would return)
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return value.astimezone(timezone.utc)
    return value


_Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _data(error: type[ValidationError]) -> _Validator:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if type(value) is _Checked or type(value) is _StoredJson:  # made by _json_copy,
            return  # or read back from a store: checked when it was written
        if not isinstance(value, Mapping):
            raise error(
                attribute.name, value, "JSON-safe data: a mapping (billkit.serialize.to_data)"
            )
        _check_json(value, attribute.name, error)

    return check


# Each field validator below tests the usual value first, in one expression that
# accepts only what the general check accepts unchanged, and sends anything
# else through that check for its error; ``optional=True`` accepts ``None``
# too (after the usual value: an optional field set is the common case read
# back). Proven against the general checks by tests/storage/test_records.py::
# test_the_validators_fast_tests_accept_what_the_general_checks_accept.


def _id(error: type[ValidationError], *, optional: bool = False) -> _Validator:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if type(value) is str and 0 < len(value) <= _MAX_ID and value == value.strip():
            return  # the usual id, told apart with one strip()
        if value is None and optional:
            return
        if not isinstance(value, str) or not value.strip() or len(value) > _MAX_ID:
            raise error(attribute.name, value, f"a non-empty id of at most {_MAX_ID} characters")
        if value != value.strip():
            raise error(attribute.name, value, "an id without leading or trailing spaces")

    return check


def _aware_field(error: type[ValidationError], *, optional: bool = False) -> _Validator:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        # A datetime in UTC within the range is what checks.moment accepts,
        # tested directly; anything else goes through it for its error.
        if (
            type(value) is datetime
            and value.tzinfo is timezone.utc
            and checks.FIRST_MOMENT <= value < checks.LAST_MOMENT
        ):
            return
        if value is None and optional:
            return
        checks.moment(attribute.name, value, error=error)

    return check


def _day_field(error: type[ValidationError], *, optional: bool = False) -> _Validator:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if type(value) is date:  # a date (not a datetime): what checks.day accepts
            return
        if value is None and optional:
            return
        checks.day(attribute.name, value, error=error)

    return check


def _count(error: type[ValidationError]) -> _Validator:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise error(attribute.name, value, "a whole number >= 0")

    return check


def _money_field(error: type[ValidationError], *, optional: bool = False) -> _Validator:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        # What checks.money accepts for a Money, tested directly; anything else
        # goes through it for its error.
        if (
            isinstance(value, Money)
            and isinstance(value.amount, Decimal)
            and in_range(value.amount)
        ):
            return
        if value is None and optional:
            return
        checks.money(
            attribute.name, checks.instance(attribute.name, value, Money, error=error), error=error
        )

    return check


def _short_text(error: type[ValidationError]) -> _Validator:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        checks.text(attribute.name, value, required=False, max_length=_MAX_ID, error=error)

    return check


@attrs.frozen(kw_only=True)
class PayerRecord:
    """A payer (customer): its id and its serialised party data."""

    id: str = attrs.field(validator=_id(ValidationError))
    data: JsonData = attrs.field(
        factory=dict, converter=_json_copy, validator=_data(ValidationError)
    )


@attrs.frozen(kw_only=True)
class PlanRecord:
    """A plan under its code, with its serialised definition."""

    code: str = attrs.field(validator=_id(ValidationError))
    data: JsonData = attrs.field(
        factory=dict, converter=_json_copy, validator=_data(ValidationError)
    )


@attrs.frozen(kw_only=True)
class SubscriptionRecord:
    """A subscription: who, which plan, its state, when it is next billed.

    ``version`` is the optimistic version: 0 for a record not yet stored; the
    store returns the record with the version it now holds, and an update must
    carry the version it was read at (else :class:`~billkit.errors.StaleVersionError`).
    ``next_billing`` is the day the subscription is next due (``None``: never).
    """

    id: str = attrs.field(validator=_id(SubscriptionError))
    customer: str = attrs.field(validator=_id(SubscriptionError))
    plan: str = attrs.field(validator=_id(SubscriptionError))
    status: str = attrs.field(validator=_id(SubscriptionError))
    next_billing: date | None = attrs.field(
        default=None, validator=_day_field(SubscriptionError, optional=True)
    )
    data: JsonData = attrs.field(
        factory=dict, converter=_json_copy, validator=_data(SubscriptionError)
    )
    version: int = attrs.field(default=0, validator=_count(SubscriptionError))


def _quantity(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Decimal):
        raise UsageError(attribute.name, value, "a Decimal (floats are inexact)")
    try:
        to_decimal(value, attribute.name)
    except ValidationError as error:
        raise UsageError(attribute.name, value, error.expected) from None


@attrs.frozen(kw_only=True)
class UsageRecord:
    """One metered event of a subscription: append-only, deduplicated on ``key``.

    Storing the same event twice keeps it once; another event under a used
    key is refused (:class:`~billkit.errors.IdempotencyConflictError`).
    """

    subscription: str = attrs.field(validator=_id(UsageError))
    metric: str = attrs.field(validator=_id(UsageError))
    at: datetime = attrs.field(converter=_utc, validator=_aware_field(UsageError))
    quantity: Decimal = attrs.field(validator=_quantity)
    key: str = attrs.field(validator=_id(UsageError))
    data: JsonData = attrs.field(factory=dict, converter=_json_copy, validator=_data(UsageError))


@attrs.frozen(kw_only=True)
class AccountRecord:
    """A ledger account (one wallet of one payer) in one currency.

    ``credit_limit`` is how far below zero debits may take the balance (zero:
    prepaid, never below zero). ``balance`` is what the store keeps; it always
    equals the sum of the account's entries.
    """

    id: str = attrs.field(validator=_id(CreditError))
    customer: str = attrs.field(validator=_id(CreditError))
    credit_limit: Money = attrs.field(validator=_money_field(CreditError))
    balance: Money = attrs.field(validator=_money_field(CreditError))

    @credit_limit.validator
    def _limit(self, attribute: attrs.Attribute[Money], value: Money) -> None:
        if value.amount < 0:
            raise CreditError("credit_limit", value, "an amount >= 0")

    def __attrs_post_init__(self) -> None:
        if self.balance.currency != self.credit_limit.currency:
            raise CreditError("balance", self.balance, f"an amount in {self.credit_limit.currency}")

    @property
    def currency(self) -> str:
        """The account's currency code."""
        return str(self.credit_limit.currency)


@attrs.frozen(kw_only=True)
class EntryRecord:
    """One signed ledger entry: credits positive, debits negative. Append-only.

    ``key`` is unique within the account: posting the same entry again returns
    the stored one; another entry under the key is refused. ``seq`` is the
    store's posting order (``None`` before it is stored).
    """

    account: str = attrs.field(validator=_id(CreditError))
    key: str = attrs.field(validator=_id(CreditError))
    amount: Money = attrs.field(validator=_money_field(CreditError))
    at: datetime = attrs.field(converter=_utc, validator=_aware_field(CreditError))
    kind: str = attrs.field(validator=_id(CreditError))
    data: JsonData = attrs.field(factory=dict, converter=_json_copy, validator=_data(CreditError))
    seq: int | None = attrs.field(default=None, eq=False)

    def same_as(self, other: EntryRecord) -> bool:
        """Whether two entries say the same thing (``seq`` aside)."""
        return (
            self.account == other.account
            and self.key == other.key
            and self.amount == other.amount
            and self.at == other.at
            and self.kind == other.kind
            and _json_text(self.data) == _json_text(other.data)
        )


@attrs.frozen(kw_only=True)
class SeriesRecord:
    """A number series: numbers are ``prefix`` + the counter, zero-padded to ``width``.

    ``next`` is the counter the next issued document gets; numbers are taken
    in the transaction that issues the document, so they have no gaps.
    """

    name: str = attrs.field(validator=_id(InvoicingError))
    prefix: str = attrs.field(default="", validator=_short_text(InvoicingError))
    next: int = attrs.field(default=1)
    width: int = attrs.field(default=0)

    @next.validator
    def _next(self, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvoicingError("next", value, "a whole number >= 0")

    @width.validator
    def _width(self, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 20:
            raise InvoicingError("width", value, "a whole number from 0 to 20")

    def format(self, counter: int) -> str:
        """The document number for ``counter``.

        >>> SeriesRecord(name="inv", prefix="INV-2026-", width=5).format(42)
        'INV-2026-00042'
        """
        return f"{self.prefix}{counter:0{self.width}d}"


@attrs.frozen(kw_only=True)
class DocumentRecord:
    """A document (invoice, act, credit note...): a draft until it is issued.

    Drafts may be saved again (with their ``version``). Issuing gives the
    document its ``number`` from a series and its ``issued_at``; from then on
    its kind, customer, period, total and data never change, and only its
    ``status`` moves on, each change recorded as a :class:`DocumentEvent`.
    """

    id: str = attrs.field(validator=_id(InvoicingError))
    customer: str = attrs.field(validator=_id(InvoicingError))
    kind: str = attrs.field(validator=_id(InvoicingError))
    period_start: date | None = attrs.field(
        default=None, validator=_day_field(InvoicingError, optional=True)
    )
    period_end: date | None = attrs.field(
        default=None, validator=_day_field(InvoicingError, optional=True)
    )
    total: Money | None = attrs.field(
        default=None, validator=_money_field(InvoicingError, optional=True)
    )
    data: JsonData = attrs.field(
        factory=dict, converter=_json_copy, validator=_data(InvoicingError)
    )
    status: str = attrs.field(default="draft", validator=_id(InvoicingError))
    number: str | None = attrs.field(default=None, validator=_id(InvoicingError, optional=True))
    series: str | None = attrs.field(default=None, validator=_id(InvoicingError, optional=True))
    issued_at: datetime | None = attrs.field(
        default=None, converter=_utc, validator=_aware_field(InvoicingError, optional=True)
    )
    version: int = attrs.field(default=0, validator=_count(InvoicingError))

    def __attrs_post_init__(self) -> None:
        if (self.period_start is None) != (self.period_end is None):
            raise InvoicingError("period_end", self.period_end, "both period dates or neither")
        if self.period_start and self.period_end and self.period_end <= self.period_start:
            raise InvoicingError("period_end", self.period_end, f"a day after {self.period_start}")

    @property
    def issued(self) -> bool:
        """Whether the document has a number (and so may no longer change)."""
        return self.number is not None


@attrs.frozen(kw_only=True)
class DocumentEvent:
    """One recorded lifecycle change of a document: ``event`` took it to ``status``."""

    document: str = attrs.field(validator=_id(InvoicingError))
    event: str = attrs.field(validator=_id(InvoicingError))
    status: str = attrs.field(validator=_id(InvoicingError))
    at: datetime = attrs.field(converter=_utc, validator=_aware_field(InvoicingError))
    data: JsonData = attrs.field(
        factory=dict, converter=_json_copy, validator=_data(InvoicingError)
    )


@attrs.frozen(kw_only=True)
class IdempotencyRecord:
    """An idempotency key, the hash of its request and the stored result."""

    key: str = attrs.field(validator=_id(ValidationError))
    request_hash: str
    result: JsonData = attrs.field(converter=_json_copy, validator=_data(ValidationError))
    at: datetime = attrs.field(converter=_utc, validator=_aware_field(ValidationError))


@attrs.frozen(kw_only=True)
class OutboxMessage:
    """A notification or event waiting in the outbox to be delivered.

    ``key`` deduplicates (enqueueing the same message twice keeps one).
    A worker claims messages with a lease; a message whose lease ran out
    without an acknowledgement is claimed again (at-least-once delivery).
    """

    id: int
    key: str = attrs.field(validator=_id(ValidationError))
    topic: str = attrs.field(validator=_id(ValidationError))
    payload: JsonData = attrs.field(converter=_json_copy, validator=_data(ValidationError))
    created_at: datetime = attrs.field(converter=_utc, validator=_aware_field(ValidationError))
    attempts: int = 0
    claimed_by: str | None = None
    lease_until: datetime | None = attrs.field(
        default=None, converter=_utc, validator=_aware_field(ValidationError, optional=True)
    )
    acknowledged_at: datetime | None = attrs.field(
        default=None, converter=_utc, validator=_aware_field(ValidationError, optional=True)
    )
