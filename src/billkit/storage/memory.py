"""MemoryStore: the reference Store, in memory, for tests and notebooks.

It keeps every guarantee of :class:`~billkit.ports.Store` (the same contract
test suite runs it and the SQL store) within one process: one transaction at
a time (a lock serialises them), and a transaction that raises is undone
entry by entry, so a refusal leaves nothing behind.

>>> from datetime import datetime, timezone
>>> from billkit.money import Money
>>> from billkit.storage import AccountRecord, EntryRecord, MemoryStore, PayerRecord
>>> store = MemoryStore()
>>> at = datetime(2026, 3, 1, tzinfo=timezone.utc)
>>> with store.transaction(lock="account:acme/main") as tx:
...     _ = tx.save_payer(PayerRecord(id="acme"))
...     _ = tx.open_account(AccountRecord(id="acme/main", customer="acme",
...         credit_limit=Money("0", "EUR"), balance=Money("0", "EUR")))
...     _ = tx.post(EntryRecord(account="acme/main", key="pay-1", amount=Money("100", "EUR"),
...         at=at, kind="top_up"))
>>> with store.transaction(readonly=True) as tx:
...     tx.balance("acme/main")
Money('100', 'EUR')
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import itertools
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import attrs
from moneyed import Money

from billkit.errors import (
    CreditError,
    DuplicateRecordError,
    ImmutableRecordError,
    InvoicingError,
    LeaseLostError,
    StoreError,
)
from billkit.ports import LockScope
from billkit.storage import _common as c
from billkit.storage.records import (
    AccountRecord,
    DocumentEvent,
    DocumentRecord,
    EntryRecord,
    IdempotencyRecord,
    JsonData,
    OutboxMessage,
    PayerRecord,
    PlanRecord,
    SeriesRecord,
    SubscriptionRecord,
    UsageRecord,
    request_hash,
)

__all__ = ["MemoryStore"]

_K = TypeVar("_K")
_V = TypeVar("_V")
_ABSENT: Any = object()


class _State:
    def __init__(self) -> None:
        self.payers: dict[str, PayerRecord] = {}
        self.payer_versions: dict[str, int] = {}
        self.plans: dict[str, PlanRecord] = {}
        self.subscriptions: dict[str, SubscriptionRecord] = {}
        self.usage: dict[str, UsageRecord] = {}
        self.usage_by_sub: dict[str, list[tuple[datetime, int, UsageRecord]]] = {}
        self.accounts: dict[str, AccountRecord] = {}
        self.entries: dict[str, list[EntryRecord]] = {}
        self.entry_keys: dict[tuple[str, str], EntryRecord] = {}
        self.series: dict[str, SeriesRecord] = {}
        self.documents: dict[str, DocumentRecord] = {}
        self.numbers: set[str] = set()
        self.document_events: dict[str, list[DocumentEvent]] = {}
        self.idempotency: dict[str, IdempotencyRecord] = {}
        self.outbox: dict[int, OutboxMessage] = {}
        self.outbox_keys: dict[str, int] = {}
        self.counter = itertools.count(1)


class MemoryStore:
    """The in-memory :class:`~billkit.ports.Store` (see the module docstring)."""

    def __init__(self) -> None:
        self._state = _State()
        self._lock = threading.RLock()
        self._nesting = c.NoNesting()

    @contextmanager
    def transaction(
        self, *, lock: LockScope = None, readonly: bool = False
    ) -> Iterator[_MemoryTransaction]:
        """Open a unit of work; see :class:`~billkit.ports.Store`."""
        scopes = c.lock_scopes(lock)  # checked; one lock serialises every transaction here
        self._nesting.enter()
        try:
            with self._lock:
                tx = _MemoryTransaction(self._state, readonly=bool(readonly))
                tx._held = scopes
                try:
                    yield tx
                except BaseException:
                    tx._rollback()
                    raise
                finally:
                    tx._closed = True
        finally:
            self._nesting.leave()

    def close(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return "MemoryStore()"


class _MemoryTransaction:
    def __init__(self, state: _State, *, readonly: bool) -> None:
        self._s = state
        self._readonly = readonly
        self._undo: list[Callable[[], None]] = []
        self._closed = False
        self._held: tuple[str, ...] = ()

    # ------------------------------------------------------------ helpers
    def _rollback(self) -> None:
        while self._undo:
            self._undo.pop()()

    def _write(self) -> None:
        if self._closed:
            raise StoreError("this transaction has ended")
        if self._readonly:
            raise c.readonly()

    def lock(self, lock: LockScope) -> None:
        if self._closed:
            raise StoreError("this transaction has ended")
        # checked; the store's one lock, held already, serialises every transaction
        self._held += c.more_scopes(lock, self._held)

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        if self._closed:
            raise StoreError("this transaction has ended")
        mark = len(self._undo)
        try:
            yield None
        except BaseException:
            while len(self._undo) > mark:
                self._undo.pop()()
            raise

    def _set(self, table: dict[_K, _V], key: _K, value: _V) -> None:
        old = table.get(key, _ABSENT)

        def undo() -> None:
            if old is _ABSENT:
                del table[key]
            else:
                table[key] = old

        table[key] = value
        self._undo.append(undo)

    def _append(self, items: list[_V], value: _V) -> None:
        items.append(value)
        self._undo.append(lambda: _drop_last(items))

    def _get(self, table: dict[str, _V], kind: str, id: str) -> _V:
        try:
            return table[id]
        except KeyError:
            raise c.not_found(kind, id) from None

    # ------------------------------------------------------ payers, plans
    def save_payer(self, payer: PayerRecord) -> PayerRecord:
        c.arg_record("payer", payer, PayerRecord)
        self._write()
        self._set(self._s.payers, payer.id, payer)
        # Every save raises the payer's version (payer_versions); a new payer starts at 1.
        self._set(self._s.payer_versions, payer.id, self._s.payer_versions.get(payer.id, 0) + 1)
        return payer

    def payer(self, id: str) -> PayerRecord:
        return self._get(self._s.payers, "payer", c.arg_id("id", id))

    def save_plan(self, plan: PlanRecord) -> PlanRecord:
        c.arg_record("plan", plan, PlanRecord)
        self._write()
        self._set(self._s.plans, plan.code, plan)
        return plan

    def plan(self, code: str) -> PlanRecord:
        return self._get(self._s.plans, "plan", c.arg_id("code", code))

    # ------------------------------------------------------ subscriptions
    def add_subscription(self, subscription: SubscriptionRecord) -> SubscriptionRecord:
        sub = c.arg_record("subscription", subscription, SubscriptionRecord)
        self._write()
        if sub.id in self._s.subscriptions:
            raise DuplicateRecordError(f"subscription {sub.id!r} already exists")
        if sub.version != 0:
            raise c.stale("subscription", sub.id, 0, sub.version)
        self.payer(sub.customer)
        stored = attrs.evolve(sub, version=1)
        self._set(self._s.subscriptions, sub.id, stored)
        return stored

    def update_subscriptions(self, subscriptions: Iterable[SubscriptionRecord]) -> None:
        batch = list(subscriptions)
        self._write()
        with self.savepoint():
            for sub in batch:
                self.update_subscription(sub)

    def update_subscription(self, subscription: SubscriptionRecord) -> SubscriptionRecord:
        sub = c.arg_record("subscription", subscription, SubscriptionRecord)
        self._write()
        old = self.subscription(sub.id)
        if old.version != sub.version:
            raise c.stale("subscription", sub.id, old.version, sub.version)
        self.payer(sub.customer)
        stored = attrs.evolve(sub, version=sub.version + 1)
        self._set(self._s.subscriptions, sub.id, stored)
        return stored

    def subscription(self, id: str) -> SubscriptionRecord:
        return self._get(self._s.subscriptions, "subscription", c.arg_id("id", id))

    def subscriptions_due(
        self, on: date, *, id_from: str | None = None, id_to: str | None = None
    ) -> list[SubscriptionRecord]:
        day = c.arg_day("on", on)
        low, high = c.arg_optional_id("id_from", id_from), c.arg_optional_id("id_to", id_to)
        due = [
            s
            for s in self._s.subscriptions.values()
            if s.next_billing is not None
            and s.next_billing <= day
            and (low is None or _key(s.id) >= _key(low))
            and (high is None or _key(s.id) < _key(high))
        ]
        return sorted(due, key=lambda s: _key(s.id))

    # -------------------------------------------------------------- usage
    def add_usage(self, events: Iterable[UsageRecord]) -> int:
        batch = c.usage_batch(events)
        self._write()
        for event in batch:
            self.subscription(event.subscription)
        new: dict[str, UsageRecord] = {}
        for event in batch:
            stored = self._s.usage.get(event.key)
            if stored is not None:
                if stored != event:
                    raise c.conflict_usage(event.key)
                continue
            new[event.key] = event
        for event in new.values():
            self._set(self._s.usage, event.key, event)
            rows = self._s.usage_by_sub.setdefault(event.subscription, [])
            row = (event.at, next(self._s.counter), event)
            index = bisect.bisect_right(rows, row[:2], key=lambda r: r[:2])
            rows.insert(index, row)
            self._undo.append(functools.partial(rows.remove, row))
        return len(new)

    def usage_events(
        self, subscription: str, since: datetime, until: datetime, metric: str | None = None
    ) -> list[UsageRecord]:
        sub = c.arg_id("subscription", subscription)
        start, end = c.arg_moment("since", since), c.arg_moment("until", until)
        name = c.arg_optional_id("metric", metric)
        self.subscription(sub)
        return [
            event
            for at, _, event in self._s.usage_by_sub.get(sub, [])
            if start <= at < end and (name is None or event.metric == name)
        ]

    def usage_totals(
        self, subscription: str, since: datetime, until: datetime
    ) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for event in self.usage_events(subscription, since, until):
            totals[event.metric] = c.add(totals.get(event.metric, Decimal(0)), event.quantity)
        return dict(sorted(totals.items()))

    def usage_totals_for(
        self, subscriptions: Iterable[str], since: datetime, until: datetime
    ) -> dict[str, dict[str, Decimal]]:
        subs = sorted({c.arg_id("subscriptions", s) for s in subscriptions}, key=_key)
        start, end = c.arg_moment("since", since), c.arg_moment("until", until)
        out: dict[str, dict[str, Decimal]] = {}
        for sub in subs:
            totals: dict[str, Decimal] = {}
            for at, _, event in self._s.usage_by_sub.get(sub, []):
                if start <= at < end:
                    totals[event.metric] = c.add(
                        totals.get(event.metric, Decimal(0)), event.quantity
                    )
            out[sub] = dict(sorted(totals.items()))
        return out

    # ------------------------------------------------------------- ledger
    def open_account(self, account: AccountRecord) -> AccountRecord:
        acc = c.arg_record("account", account, AccountRecord)
        self._write()
        if acc.id in self._s.accounts:
            raise DuplicateRecordError(f"account {acc.id!r} already exists")
        if acc.balance.amount != 0:
            raise CreditError("balance", acc.balance, "zero: a balance comes from entries")
        self.payer(acc.customer)
        self._set(self._s.accounts, acc.id, acc)
        self._set(self._s.entries, acc.id, [])
        return acc

    def account(self, id: str) -> AccountRecord:
        return self._get(self._s.accounts, "account", c.arg_id("id", id))

    def set_credit_limit(self, id: str, limit: Money) -> AccountRecord:
        acc = self.account(id)
        new = c.check_limit(limit, acc.currency)
        self._write()
        stored = attrs.evolve(acc, credit_limit=new)
        self._set(self._s.accounts, acc.id, stored)
        return stored

    def post(self, entry: EntryRecord) -> EntryRecord:
        e = c.arg_record("entry", entry, EntryRecord)
        self._write()
        acc = self.account(e.account)
        stored = self._s.entry_keys.get((e.account, e.key))
        if stored is not None:
            if not stored.same_as(e):
                raise c.conflict_entry(e.account, e.key)
            return stored
        after = c.check_entry(e, acc.currency, acc.balance, acc.credit_limit)
        posted = attrs.evolve(e, seq=next(self._s.counter))
        self._append(self._s.entries[e.account], posted)
        self._set(self._s.entry_keys, (e.account, e.key), posted)
        self._set(self._s.accounts, acc.id, attrs.evolve(acc, balance=after))
        return posted

    def post_all(self, entries: Iterable[EntryRecord]) -> Sequence[EntryRecord]:
        batch = c.entry_batch(entries)
        self._write()
        mark = len(self._undo)
        try:
            return [self.post(e) for e in batch]
        except BaseException:
            while len(self._undo) > mark:
                self._undo.pop()()
            raise

    def balance(self, account: str) -> Money:
        return self.account(account).balance

    def balance_at(self, account: str, moment: datetime) -> Money:
        acc = self.account(account)
        until = c.arg_moment("moment", moment)
        total = c.total(e.amount.amount for e in self._s.entries[acc.id] if e.at < until)
        return Money(total, acc.currency)

    def entries(
        self, account: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[EntryRecord]:
        acc = self.account(account)
        start = c.arg_optional_moment("since", since)
        end = c.arg_optional_moment("until", until)
        rows = [
            e
            for e in self._s.entries[acc.id]
            if (start is None or e.at >= start) and (end is None or e.at < end)
        ]
        return sorted(rows, key=lambda e: (e.at, e.seq))

    # ------------------------------------------------ series and documents
    def create_series(self, series: SeriesRecord) -> SeriesRecord:
        s = c.arg_record("series", series, SeriesRecord)
        self._write()
        if s.name in self._s.series:
            raise DuplicateRecordError(f"number series {s.name!r} already exists")
        self._set(self._s.series, s.name, s)
        return s

    def series(self, name: str) -> SeriesRecord:
        return self._get(self._s.series, "number series", c.arg_id("name", name))

    def take_number(self, series: str) -> int:
        s = self.series(series)
        self._write()
        self._set(self._s.series, s.name, attrs.evolve(s, next=s.next + 1))
        return s.next

    def save_draft(self, document: DocumentRecord) -> DocumentRecord:
        doc = c.arg_record("document", document, DocumentRecord)
        self._write()
        old = self._s.documents.get(doc.id)
        if old is not None and old.issued:
            raise c.immutable(old)
        if doc.issued or doc.issued_at is not None or doc.series is not None:
            raise InvoicingError("number", doc.number, "None: a draft is numbered by issue()")
        if doc.status != "draft":
            raise InvoicingError("status", doc.status, "'draft' (issue() issues a document)")
        stored_version = 0 if old is None else old.version
        if doc.version != stored_version:
            raise c.stale("document", doc.id, stored_version, doc.version)
        self.payer(doc.customer)
        stored = attrs.evolve(doc, version=doc.version + 1)
        self._set(self._s.documents, doc.id, stored)
        return stored

    def issue_all(
        self, drafts: Iterable[tuple[DocumentRecord, str]], *, at: datetime
    ) -> list[DocumentRecord]:
        batch = list(drafts)
        c.arg_moment("at", at)
        self._write()
        with self.savepoint():
            out = []
            for doc, series in batch:
                self.save_draft(doc)
                out.append(self.issue(doc.id, series=series, at=at))
            return out

    def issue(self, id: str, *, series: str, at: datetime) -> DocumentRecord:
        doc = self.document(id)
        moment = c.arg_moment("at", at)
        self._write()
        if doc.issued:
            raise c.immutable(doc)
        s = self.series(c.arg_id("series", series))
        number = s.format(s.next)
        if number in self._s.numbers:
            raise DuplicateRecordError(f"document number {number!r} is already taken")
        self.take_number(s.name)
        stored = attrs.evolve(
            doc,
            status="issued",
            number=number,
            series=s.name,
            issued_at=moment,
            version=doc.version + 1,
        )
        self._set(self._s.documents, doc.id, stored)
        self._s.numbers.add(number)
        self._undo.append(lambda: self._s.numbers.discard(number))
        self._event(DocumentEvent(document=doc.id, event="issue", status="issued", at=moment))
        return stored

    def _event(self, event: DocumentEvent) -> None:
        events = self._s.document_events.setdefault(event.document, [])
        self._append(events, event)

    def change_status(
        self,
        id: str,
        *,
        event: str,
        status: str,
        at: datetime,
        data: JsonData | None = None,
    ) -> DocumentRecord:
        doc = self.document(id)
        record = DocumentEvent(
            document=doc.id, event=event, status=status, at=at, data={} if data is None else data
        )
        self._write()
        if not doc.issued:
            raise ImmutableRecordError(
                f"document {doc.id!r} is a draft: issue it before recording lifecycle changes"
            )
        stored = attrs.evolve(doc, status=record.status, version=doc.version + 1)
        self._set(self._s.documents, doc.id, stored)
        self._event(record)
        return stored

    def change_status_all(self, changes: Iterable[DocumentEvent]) -> None:
        batch = list(changes)
        self._write()
        with self.savepoint():
            for e in batch:
                self.change_status(e.document, event=e.event, status=e.status, at=e.at, data=e.data)

    def document(self, id: str) -> DocumentRecord:
        return self._get(self._s.documents, "document", c.arg_id("id", id))

    def documents_by_id(self, ids: Iterable[str]) -> dict[str, DocumentRecord]:
        keys = sorted({c.arg_id("ids", id) for id in ids}, key=_key)
        return {id: self._s.documents[id] for id in keys if id in self._s.documents}

    def documents(
        self,
        *,
        customer: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[DocumentRecord]:
        who = c.arg_optional_id("customer", customer)
        start, end = c.arg_optional_day("since", since), c.arg_optional_day("until", until)
        found = [
            d
            for d in self._s.documents.values()
            if (who is None or d.customer == who)
            and (start is None or (d.period_start is not None and d.period_start >= start))
            and (end is None or (d.period_start is not None and d.period_start < end))
        ]
        return sorted(found, key=lambda d: _key(d.id))

    def document_events(self, id: str) -> list[DocumentEvent]:
        doc = self.document(id)
        return list(self._s.document_events.get(doc.id, []))

    def unpaid_invoices(
        self, *, id_from: str | None = None, id_to: str | None = None
    ) -> list[DocumentRecord]:
        low, high = c.arg_optional_id("id_from", id_from), c.arg_optional_id("id_to", id_to)
        found = [
            d
            for d in self._s.documents.values()
            if d.kind in ("invoice", "proforma")
            and d.status in ("issued", "pending")
            and (low is None or _key(d.id) >= _key(low))
            and (high is None or _key(d.id) < _key(high))
        ]
        return sorted(found, key=lambda d: _key(d.id))

    def documents_in_status(
        self,
        kind: str,
        statuses: Collection[str],
        *,
        id_from: str | None = None,
        id_to: str | None = None,
    ) -> list[DocumentRecord]:
        which = c.arg_id("kind", kind)
        wanted = c.arg_event_kinds("statuses", statuses)
        low, high = c.arg_optional_id("id_from", id_from), c.arg_optional_id("id_to", id_to)
        found = [
            d
            for d in self._s.documents.values()
            if d.kind == which
            and wanted is not None
            and d.status in wanted
            and (low is None or _key(d.id) >= _key(low))
            and (high is None or _key(d.id) < _key(high))
        ]
        return sorted(found, key=lambda d: _key(d.id))

    def document_events_of(
        self, ids: Iterable[str], *, events: Collection[str] | None = None
    ) -> dict[str, list[DocumentEvent]]:
        keys = sorted({c.arg_id("ids", id) for id in ids}, key=_key)
        kinds = c.arg_event_kinds("events", events)
        stored = self._s.document_events
        if kinds is None:
            return {id: list(stored.get(id, [])) for id in keys}
        return {id: [e for e in stored.get(id, []) if e.event in kinds] for id in keys}

    def document_versions(self, ids: Iterable[str]) -> dict[str, int]:
        keys = sorted({c.arg_id("ids", id) for id in ids}, key=_key)
        docs = self._s.documents
        return {id: docs[id].version for id in keys if id in docs}

    def payers_of(self, ids: Iterable[str]) -> dict[str, PayerRecord]:
        keys = sorted({c.arg_id("ids", id) for id in ids}, key=_key)
        return {id: self._s.payers[id] for id in keys if id in self._s.payers}

    def payer_versions(self, ids: Iterable[str]) -> dict[str, int]:
        keys = sorted({c.arg_id("ids", id) for id in ids}, key=_key)
        versions = self._s.payer_versions
        return {id: versions[id] for id in keys if id in versions}

    def payers_paying_with(
        self, methods: Iterable[str], *, business: str | None
    ) -> dict[str, PayerRecord]:
        names = {c.arg_id("methods", name) for name in methods}
        mine = None if business is None else c.arg_id("business", business)
        found = [
            p
            for p in self._s.payers.values()
            if p.data.get("pays_with") in names and c.of_business(p.data, mine)
        ]
        return {p.id: p for p in sorted(found, key=lambda p: _key(p.id))}

    def accounts_of(self, ids: Iterable[str]) -> dict[str, AccountRecord]:
        keys = sorted({c.arg_id("ids", id) for id in ids}, key=_key)
        return {id: self._s.accounts[id] for id in keys if id in self._s.accounts}

    def subscriptions_of(self, ids: Iterable[str]) -> dict[str, SubscriptionRecord]:
        keys = sorted({c.arg_id("ids", id) for id in ids}, key=_key)
        return {id: self._s.subscriptions[id] for id in keys if id in self._s.subscriptions}

    def documents_of(self, customers: Iterable[str]) -> dict[str, list[DocumentRecord]]:
        keys = sorted({c.arg_id("customers", id) for id in customers}, key=_key)
        found: dict[str, list[DocumentRecord]] = {id: [] for id in keys}
        for d in self._s.documents.values():
            if d.customer in found:
                found[d.customer].append(d)
        return {id: sorted(docs, key=lambda d: _key(d.id)) for id, docs in found.items()}

    # -------------------------------------------------------- idempotency
    def recall(self, key: str, request: JsonData) -> JsonData | None:
        k = c.arg_id("key", key)
        digest = request_hash(c.arg_data("request", request))
        stored = self._s.idempotency.get(k)
        if stored is None:
            return None
        if stored.request_hash != digest:
            raise c.conflict_request(k)
        return stored.result

    def remember(
        self, key: str, request: JsonData, result: JsonData, *, at: datetime
    ) -> IdempotencyRecord:
        record = c.idempotency_record(key, request, result, at)
        self._write()
        stored = c.replayed(self._s.idempotency.get(record.key), record)
        if stored is not None:
            return stored
        self._set(self._s.idempotency, record.key, record)
        return record

    # ------------------------------------------------------------- outbox
    def enqueue_all(self, messages: Iterable[OutboxMessage]) -> None:
        batch = list(messages)
        self._write()
        with self.savepoint():
            for m in batch:
                c.arg_record("message", m, OutboxMessage)
                self.enqueue(key=m.key, topic=m.topic, payload=m.payload, at=m.created_at)

    def enqueue(self, *, key: str, topic: str, payload: JsonData, at: datetime) -> OutboxMessage:
        c.arg_id("key", key)
        draft = OutboxMessage(id=0, key=key, topic=topic, payload=payload, created_at=at)
        self._write()
        known = self._s.outbox_keys.get(draft.key)
        if known is not None:
            stored = self._s.outbox[known]
            if stored.topic != draft.topic or not c.same_data(stored.payload, draft.payload):
                raise c.conflict_message(draft.key)
            return stored
        message = attrs.evolve(draft, id=len(self._s.outbox) + 1)
        self._set(self._s.outbox, message.id, message)
        self._set(self._s.outbox_keys, message.key, message.id)
        return message

    def claim(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int = 10
    ) -> list[OutboxMessage]:
        who = c.arg_id("worker", worker)
        moment = c.arg_moment("now", now)
        until = moment + c.arg_lease(lease)
        count = c.arg_limit(limit)
        self._write()
        claimed: list[OutboxMessage] = []
        for message in self._s.outbox.values():
            if len(claimed) == count:
                break
            if message.acknowledged_at is not None:
                continue
            if message.lease_until is not None and message.lease_until > moment:
                continue
            taken = attrs.evolve(
                message, claimed_by=who, lease_until=until, attempts=message.attempts + 1
            )
            self._set(self._s.outbox, message.id, taken)
            claimed.append(taken)
        return claimed

    def acknowledge(self, id: int, worker: str, *, now: datetime) -> OutboxMessage:
        message = self.message(id)
        who = c.arg_id("worker", worker)
        moment = c.arg_moment("now", now)
        self._write()
        if message.claimed_by != who:
            raise LeaseLostError(
                f"outbox message {message.id} is leased to {message.claimed_by!r}, not {who!r}"
            )
        if message.acknowledged_at is not None:
            return message
        done = attrs.evolve(message, acknowledged_at=moment)
        self._set(self._s.outbox, message.id, done)
        return done

    def message(self, id: int) -> OutboxMessage:
        number = c.arg_message_id(id)
        try:
            return self._s.outbox[number]
        except KeyError:
            raise c.not_found("outbox message", number) from None


def _drop_last(items: list[Any]) -> None:
    items.pop()


def _key(id: str) -> bytes:
    """Ids order as UTF-8 bytes, the order SQLite and PostgreSQL's "C" collation use."""
    return id.encode("utf-8")
