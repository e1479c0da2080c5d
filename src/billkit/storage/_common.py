"""What every Store implementation checks and says the same way (private)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TypeVar

from moneyed import Money

from billkit import _checks as checks
from billkit.errors import (
    CreditError,
    CreditLimitExceededError,
    CurrencyMismatchError,
    IdempotencyConflictError,
    ImmutableRecordError,
    NotFoundError,
    StaleVersionError,
    StoreError,
    ValidationError,
)
from billkit.money import CONTEXT
from billkit.storage.records import (
    DocumentRecord,
    EntryRecord,
    IdempotencyRecord,
    JsonData,
    UsageRecord,
    _check_json,
    _json_copy,
    _json_text,
    request_hash,
)

_MAX_ID = 200
_T = TypeVar("_T")


def arg_id(field: str, value: object) -> str:
    """A method's id argument: non-empty text that fits the id columns."""
    return checks.text(field, value, max_length=_MAX_ID)


def arg_optional_id(field: str, value: object) -> str | None:
    return None if value is None else arg_id(field, value)


def arg_event_kinds(field: str, value: object) -> frozenset[str] | None:
    """A method's event-kinds argument: ``None`` (every kind), or a collection
    of event names (not one name: a ``str`` is refused, not read as its letters)."""
    if value is None:
        return None
    return frozenset(arg_id(field, kind) for kind in checks.tuple_of(field, value, str))


def arg_moment(field: str, value: object) -> datetime:
    return checks.moment(field, value).astimezone(timezone.utc)


def arg_optional_moment(field: str, value: object) -> datetime | None:
    return None if value is None else arg_moment(field, value)


def arg_day(field: str, value: object) -> date:
    return checks.day(field, value)


def arg_optional_day(field: str, value: object) -> date | None:
    return None if value is None else arg_day(field, value)


def arg_data(field: str, value: object) -> JsonData:
    data = checks.instance(field, value, Mapping)  # type: ignore[type-abstract]
    _check_json(data, field, ValidationError)
    result: JsonData = _json_copy(data)
    return result


def arg_record(field: str, value: object, kind: type[_T]) -> _T:
    if not isinstance(value, kind):
        raise ValidationError(field, value, f"a {kind.__name__}")
    return value


def arg_lease(value: object) -> timedelta:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ValidationError("lease", value, "a timedelta > 0")
    return value


def arg_limit(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000:
        raise ValidationError("limit", value, "a whole number from 1 to 10000")
    return value


def arg_message_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError("id", value, "an outbox message id (a whole number >= 1)")
    return value


def of_business(data: Mapping[str, object], business: str | None) -> bool:
    """Whether a payer whose data is ``data`` counts as a customer of ``business``
    (``None``: the store's unnamed business): its data's ``business`` is it, or its
    data names none (a payer kept before the engine wrote it: conservatively, any
    business's)."""
    return "business" not in data or data["business"] == business


def lock_scopes(lock: object) -> tuple[str, ...]:
    """The sorted, distinct lock scope names of ``transaction(lock=...)``."""
    if lock is None:
        return ()
    names: Sequence[object] = [lock] if isinstance(lock, str) else lock  # type: ignore[assignment]
    if isinstance(lock, (bytes, Mapping)) or not isinstance(names, Sequence):
        raise ValidationError("lock", lock, "a scope name or a sequence of them")
    for name in names:
        arg_id("lock", name)
    return tuple(sorted({str(n) for n in names}))


def more_scopes(lock: object, held: Sequence[str]) -> tuple[str, ...]:
    """The sorted, distinct scopes of ``Transaction.lock(lock)`` for a transaction
    holding ``held`` (sorted): each must sort after every one held (the one order
    every transaction takes scopes in, so none deadlock), else refused."""
    scopes = lock_scopes(lock)
    if scopes and held and scopes[0] <= held[-1]:
        raise ValidationError(
            "lock", lock, f"scopes sorting after every one this transaction holds ({held[-1]!r})"
        )
    return scopes


def usage_batch(events: Iterable[UsageRecord]) -> list[UsageRecord]:
    """The batch as a list, each a UsageRecord; a key twice in it must say the same."""
    if isinstance(events, (str, bytes, Mapping)) or not isinstance(events, Iterable):
        raise ValidationError("events", events, "an iterable of UsageRecord")
    batch = list(events)
    seen: dict[str, UsageRecord] = {}
    for index, event in enumerate(batch):
        arg_record(f"events[{index}]", event, UsageRecord)
        earlier = seen.setdefault(event.key, event)
        if earlier is not event and earlier != event:
            raise conflict_usage(event.key)
    return batch


def entry_batch(entries: Iterable[EntryRecord]) -> list[EntryRecord]:
    """The batch as a list, each an EntryRecord."""
    if isinstance(entries, (str, bytes, Mapping)) or not isinstance(entries, Iterable):
        raise ValidationError("entries", entries, "an iterable of EntryRecord")
    batch = list(entries)
    for index, entry in enumerate(batch):
        arg_record(f"entries[{index}]", entry, EntryRecord)
    return batch


def conflict_usage(key: str) -> IdempotencyConflictError:
    return IdempotencyConflictError(
        f"usage event key {key!r} is already stored with other content; "
        "an event is stored once and never changed"
    )


def conflict_entry(account: str, key: str) -> IdempotencyConflictError:
    return IdempotencyConflictError(
        f"account {account!r} already holds another entry under key {key!r}; "
        "an entry is posted once and never changed"
    )


def conflict_request(key: str) -> IdempotencyConflictError:
    return IdempotencyConflictError(
        f"idempotency key {key!r} was used for another request; use a new key for a new request"
    )


def conflict_message(key: str) -> IdempotencyConflictError:
    return IdempotencyConflictError(
        f"outbox key {key!r} is already queued with another topic or payload"
    )


def not_found(kind: str, id: object) -> NotFoundError:
    return NotFoundError(f"{kind} {id!r} not found")


def stale(kind: str, id: str, stored: int, given: int) -> StaleVersionError:
    return StaleVersionError(
        f"{kind} {id!r} is at version {stored}, the change was based on version {given}: "
        "reload it and apply the change again"
    )


def immutable(document: DocumentRecord) -> ImmutableRecordError:
    return ImmutableRecordError(
        f"document {document.id!r} was issued as {document.number!r} and may no longer change; "
        "correct it with a credit note or a new document"
    )


def readonly() -> StoreError:
    return StoreError("this transaction is read-only (transaction(readonly=True)): it cannot write")


def check_entry(entry: EntryRecord, currency: str, balance: Money, limit: Money) -> Money:
    """The balance after ``entry``; refuses another currency or a debit beyond the limit."""
    if str(entry.amount.currency) != currency:
        raise CurrencyMismatchError("amount", entry.amount, f"an amount in {currency}")
    after = Money(add(balance.amount, entry.amount.amount), currency)
    if entry.amount.amount < 0 and after.amount < -limit.amount:
        available = add(balance.amount, limit.amount)
        raise CreditLimitExceededError(
            "amount",
            entry.amount,
            f"a debit of at most {available} {currency} on account {entry.account!r} "
            f"(balance {balance.amount}, credit limit {limit.amount})",
        )
    return after


def check_limit(limit: object, currency: str) -> Money:
    if not isinstance(limit, Money):
        raise CreditError("credit_limit", limit, "a Money amount")
    if str(limit.currency) != currency:
        raise CurrencyMismatchError("credit_limit", limit, f"an amount in {currency}")
    if limit.amount < 0:
        raise CreditError("credit_limit", limit, "an amount >= 0")
    return limit


def add(a: Decimal, b: Decimal) -> Decimal:
    """``a + b`` exactly, whatever the caller's decimal context."""
    return CONTEXT.add(a, b)


def total(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of ``values``, whatever the caller's decimal context."""
    result = Decimal(0)
    for value in values:
        result = CONTEXT.add(result, value)
    return result


def same_data(a: JsonData, b: JsonData) -> bool:
    return _json_text(a) == _json_text(b)


def idempotency_record(
    key: str, request: JsonData, result: JsonData, at: datetime
) -> IdempotencyRecord:
    """The record ``remember`` stores: the key, the request's hash, the result."""
    return IdempotencyRecord(
        key=arg_id("key", key),
        request_hash=request_hash(arg_data("request", request)),
        result=arg_data("result", result),
        at=arg_moment("at", at),
    )


def replayed(
    stored: IdempotencyRecord | None, record: IdempotencyRecord
) -> IdempotencyRecord | None:
    """The one rule of idempotency records, for every store: nothing stored yet
    gives ``None`` (store ``record``); the same key with the same request and
    result gives the stored record back; anything else is a conflict."""
    if stored is None:
        return None
    if stored.request_hash != record.request_hash:
        raise conflict_request(record.key)
    if not same_data(stored.result, record.result):
        raise IdempotencyConflictError(
            f"idempotency key {record.key!r} already holds another result for this request"
        )
    return stored


class NoNesting:
    """Refuses a transaction opened inside another one on the same thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def enter(self) -> None:
        if getattr(self._local, "open", False):
            raise StoreError(
                "a transaction is already open on this thread: transactions do not nest"
            )
        self._local.open = True

    def leave(self) -> None:
        self._local.open = False
