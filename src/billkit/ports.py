"""The ports: what billkit's shell needs from the outside world, as Protocols.

billkit's core is pure: it computes from its arguments and touches nothing.
The shell (the engine, apps built on billkit) talks to the world through the
Protocols below. Each names its guarantees; each has an in-memory
implementation for tests and notebooks and a real one, and one contract test
suite runs every implementation of a port.

- :class:`Store`: billing state, in units of work
  (:class:`~billkit.storage.MemoryStore`, :class:`~billkit.storage.SqlStore`).
- :class:`Clock`: the time, in an explicit time zone (:class:`SystemClock`,
  :class:`FixedClock`).
- :class:`Notifier`: delivers what the store's outbox holds.
- :class:`Runner`: maps a function over shards of accounts.
- :class:`PaymentGateway`: takes payments (:class:`~billkit.payments.SandboxGateway`
  and the provider adapters in :mod:`billkit.payments`).

The pure core (money, periods, pricing, credit, invoicing, subscriptions,
usage, parties, serialize) never imports this module.

>>> from datetime import datetime, timedelta, timezone
>>> clock = FixedClock(datetime(2026, 3, 31, 23, 30, tzinfo=timezone.utc), tz="Asia/Tehran")
>>> clock.today()  # already April 1st in Tehran (UTC+3:30)
datetime.date(2026, 4, 1)
>>> clock.advance(timedelta(days=1)).isoformat()
'2026-04-02T03:00:00+03:30'
>>> isinstance(clock, Clock) and isinstance(SystemClock("UTC"), Clock)
True
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

from moneyed import Money

from billkit import _checks as checks
from billkit.errors import PeriodError
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
)

__all__ = [
    "CATEGORIES",
    "CHANNELS",
    "Clock",
    "FixedClock",
    "LockScope",
    "Notifier",
    "PaymentGateway",
    "Runner",
    "Store",
    "SystemClock",
    "Transaction",
]

if TYPE_CHECKING:
    from billkit.payments.types import (
        Capabilities,
        GatewayEvent,
        PaymentRequest,
        PaymentResult,
        Refund,
        WebhookReply,
    )

_T = TypeVar("_T")
_R = TypeVar("_R")

#: What ``Store.transaction(lock=...)`` takes: one scope name or several,
#: such as ``"account:acc-1"`` or ``("account:acc-1", "series:INV")``.
LockScope = str | Sequence[str] | None


# --------------------------------------------------------------------- Store


@runtime_checkable
class Transaction(Protocol):
    """One unit of work: everything done through it commits together or not at all.

    Guarantees every implementation keeps (the contract test suite checks each):

    - A method that refuses (raises a :class:`~billkit.errors.BillkitError`)
      has written nothing, even if the caller catches the error and goes on.
    - Ledger entries and usage events are append-only: there is no method to
      change or delete them. An account's stored balance always equals the sum
      of its entries, and a debit never takes it below minus its credit limit.
    - An issued document's number, kind, customer, period, total and data never
      change; status changes are recorded as :class:`DocumentEvent`\\ s.
    - Numbers are taken from a series' counter in the transaction that uses
      them: a rolled-back transaction gives its number back, so issued numbers
      run without gaps or duplicates, under any concurrency and crashes.
    - Ids are compared as exact text (byte order), in every backend.
    """

    # payers and plans
    def save_payer(self, payer: PayerRecord) -> PayerRecord:
        """Store a payer, replacing the stored one with that id."""

    def payer(self, id: str) -> PayerRecord:
        """The payer with this id; :class:`~billkit.errors.NotFoundError` if none."""

    def save_plan(self, plan: PlanRecord) -> PlanRecord:
        """Store a plan under its code, replacing the stored one."""

    def plan(self, code: str) -> PlanRecord:
        """The plan with this code; :class:`~billkit.errors.NotFoundError` if none."""

    # subscriptions
    def add_subscription(self, subscription: SubscriptionRecord) -> SubscriptionRecord:
        """Store a new subscription (version 0); returns it at version 1.

        Refuses a taken id (:class:`~billkit.errors.DuplicateRecordError`) and
        an unknown payer (:class:`~billkit.errors.NotFoundError`).
        """

    def update_subscription(self, subscription: SubscriptionRecord) -> SubscriptionRecord:
        """Store a changed subscription read at ``version``; returns it at version + 1.

        Refuses with :class:`~billkit.errors.StaleVersionError` when the stored
        version is not the one the change was based on.
        """

    def update_subscriptions(self, subscriptions: Iterable[SubscriptionRecord]) -> None:
        """:meth:`update_subscription` each, in order, as one batch: all of them or none.

        The usual batch (distinct ids, each at its stored version) is checked
        in one read and written together; a refusal of any change refuses the
        batch, with the error :meth:`update_subscription` would give for it.
        Returns nothing (as :meth:`change_status_all`): the records are not
        made again; each is stored at its ``version`` + 1, and
        :meth:`subscriptions_of` reads them as changed.
        """

    def subscription(self, id: str) -> SubscriptionRecord:
        """The subscription with this id; :class:`~billkit.errors.NotFoundError` if none."""

    def subscriptions_due(
        self, on: date, *, id_from: str | None = None, id_to: str | None = None
    ) -> list[SubscriptionRecord]:
        """Subscriptions whose ``next_billing`` is ``on`` or earlier, by id.

        ``id_from <= id < id_to`` (either bound optional) shards a run: workers
        given adjacent ranges split the subscriptions between them exactly.
        """

    # usage
    def add_usage(self, events: Iterable[UsageRecord]) -> int:
        """Append usage events; returns how many were new.

        An event whose key is already stored with the same content is skipped;
        with other content the whole batch is refused
        (:class:`~billkit.errors.IdempotencyConflictError`). Events of an unknown
        subscription are refused (:class:`~billkit.errors.NotFoundError`).
        """

    def usage_events(
        self, subscription: str, since: datetime, until: datetime, metric: str | None = None
    ) -> list[UsageRecord]:
        """The events of a subscription with ``since <= at < until``, in time order."""

    def usage_totals(
        self, subscription: str, since: datetime, until: datetime
    ) -> dict[str, Decimal]:
        """The total quantity per metric of a subscription's events in ``[since, until)``."""

    def usage_totals_for(
        self, subscriptions: Iterable[str], since: datetime, until: datetime
    ) -> dict[str, dict[str, Decimal]]:
        """:meth:`usage_totals` of many subscriptions over one period, in one read.

        Every subscription asked for is a key (by id order), with ``{}`` when it
        has no events in ``[since, until)``; ids of no subscription are not
        refused (their totals are ``{}``).
        """

    # ledger
    def open_account(self, account: AccountRecord) -> AccountRecord:
        """Open a ledger account for a known payer, with a zero balance."""

    def account(self, id: str) -> AccountRecord:
        """The account with its current balance; :class:`~billkit.errors.NotFoundError` if none."""

    def set_credit_limit(self, id: str, limit: Money) -> AccountRecord:
        """Change an account's credit limit (in its currency, >= 0)."""

    def post(self, entry: EntryRecord) -> EntryRecord:
        """Append an entry and move the balance by its amount; returns the stored entry.

        The same entry posted again returns the stored one and changes nothing;
        another entry under the key is refused. A debit that would take the
        balance below minus the credit limit is refused
        (:class:`~billkit.errors.CreditLimitExceededError`); an amount in another
        currency too (:class:`~billkit.errors.CurrencyMismatchError`).
        """

    def post_all(self, entries: Iterable[EntryRecord]) -> Sequence[EntryRecord]:
        """:meth:`post` each entry in order, as one batch: all of them or none.

        Faster than posting one by one (each account is locked and read once,
        the new entries are inserted together). A refusal of any entry refuses
        the batch, with the error :meth:`post` would give for it.
        """

    def balance(self, account: str) -> Money:
        """The account's balance: the sum of all its entries."""

    def balance_at(self, account: str, moment: datetime) -> Money:
        """The sum of the account's entries dated before ``moment``.

        So ``balance_at(start)`` opens a statement and ``balance_at(end)`` closes it.
        """

    def entries(
        self, account: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[EntryRecord]:
        """The account's entries with ``since <= at < until``, by date then posting order.

        With :meth:`balance_at`, these are the rows of a reconciliation statement.
        """

    # number series and documents
    def create_series(self, series: SeriesRecord) -> SeriesRecord:
        """Create a number series; refuses a taken name."""

    def series(self, name: str) -> SeriesRecord:
        """The series with its next counter; :class:`~billkit.errors.NotFoundError` if none."""

    def take_number(self, series: str) -> int:
        """The series' next counter, moving it on by one in this transaction."""

    def save_draft(self, document: DocumentRecord) -> DocumentRecord:
        """Store a new draft (version 0) or a changed one read at ``version``.

        Returns it at the next version. Refuses an issued document
        (:class:`~billkit.errors.ImmutableRecordError`) and a stale version.
        """

    def issue(self, id: str, *, series: str, at: datetime) -> DocumentRecord:
        """Number a draft from ``series`` and mark it issued at ``at``.

        The number is taken in this transaction; the change is recorded as an
        ``issue`` event. An issued document is refused.
        """

    def issue_all(
        self, drafts: Iterable[tuple[DocumentRecord, str]], *, at: datetime
    ) -> list[DocumentRecord]:
        """:meth:`save_draft` each new draft and :meth:`issue` it from its series
        (the pair's second item) at ``at``, in order, as one batch: all or none.

        A series' numbers go to its drafts in the batch's order, consecutive
        and gap-free, taken together (the counter moved on once by their
        count). A refusal of any draft refuses the batch, with the error the
        one-by-one calls would give for it. Returns the issued documents.
        """

    def change_status(
        self,
        id: str,
        *,
        event: str,
        status: str,
        at: datetime,
        data: JsonData | None = None,
    ) -> DocumentRecord:
        """Record a lifecycle change of an issued document (``event`` to ``status``).

        Whether the change is allowed is the lifecycle's decision
        (:mod:`billkit.invoicing`); the store records it.
        """

    def change_status_all(self, changes: Iterable[DocumentEvent]) -> None:
        """:meth:`change_status` for each event (its document, event, status,
        ``at`` and data), in order, as one batch: all of them or none.

        The usual batch (distinct issued documents) is checked and locked in
        one statement and written together; a refusal of any change refuses
        the batch, with the error :meth:`change_status` would give for it.
        Returns nothing (as :meth:`enqueue_all`): the documents are not read
        back; :meth:`documents_by_id` reads them as changed.
        """

    def document(self, id: str) -> DocumentRecord:
        """The document with this id; :class:`~billkit.errors.NotFoundError` if none."""

    def documents(
        self,
        *,
        customer: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[DocumentRecord]:
        """Documents of a customer and/or whose period starts in ``[since, until)``, by id."""

    def document_events(self, id: str) -> list[DocumentEvent]:
        """The recorded lifecycle changes of a document, oldest first."""

    def unpaid_invoices(
        self, *, id_from: str | None = None, id_to: str | None = None
    ) -> list[DocumentRecord]:
        """Invoices and proformas (kinds ``"invoice"``, ``"proforma"``: the documents
        that ask to be paid) whose status is ``issued`` or ``pending``, by id.

        ``id_from <= id < id_to`` (either bound optional) shards the read, the
        way :meth:`subscriptions_due` does.
        """

    def documents_in_status(
        self,
        kind: str,
        statuses: Collection[str],
        *,
        id_from: str | None = None,
        id_to: str | None = None,
    ) -> list[DocumentRecord]:
        """Documents of ``kind`` whose status is one of ``statuses`` (a
        collection of names, not one ``str``), by id, in one read.

        ``id_from <= id < id_to`` (either bound optional) shards the read, as
        in :meth:`unpaid_invoices`.
        """

    def document_events_of(
        self, ids: Iterable[str], *, events: Collection[str] | None = None
    ) -> dict[str, list[DocumentEvent]]:
        """:meth:`document_events` of many documents in one read: every id asked
        for is a key (``[]`` for a document with no events or no document).

        ``events``: only the events of these kinds (``event`` among them; for
        instance ``{"payment_failed"}``), oldest first, as the full lists
        filtered would give them; ``None``: every event.
        """

    def document_versions(self, ids: Iterable[str]) -> dict[str, int]:
        """The stored ``version`` of the documents with these ids, by id, in one
        read; an unknown id is left out.

        Every change of a stored document (a draft saved, issued, a status
        changed) gives it a new version, and only that: a document whose
        version is the one of a record read before is that record still (the
        engine re-takes a decision under a lock on a record read outside it,
        and re-reads only what this says changed meanwhile).
        """

    def payers_of(self, ids: Iterable[str]) -> dict[str, PayerRecord]:
        """The payers with these ids, in one read; ids of no payer are left out."""

    def payer_versions(self, ids: Iterable[str]) -> dict[str, int]:
        """The stored version of the payers with these ids, by id, in one read;
        an id of no payer is left out.

        Every save of a payer (:meth:`save_payer`) gives it a new, higher
        version, and only that: a payer whose version has not moved since it
        was read before this, in an earlier statement or transaction, is the
        payer that read saw (the engine re-takes a payment decision under the
        customer's lock on a payer read outside it, and re-reads only the
        payers this says changed meanwhile).
        """

    def payers_paying_with(
        self, methods: Iterable[str], *, business: str | None
    ) -> dict[str, PayerRecord]:
        """The payers of ``business`` whose data's ``pays_with`` names one of
        ``methods``, by id (in id order): a read of every payer (a search the
        store's payers are not indexed for), for a change as rare as a payment
        method removed.

        A payer's business is its data's ``business`` (the engine writes the
        ``Billing(business=...)`` that added or changed the customer; ``None``:
        the store's unnamed business). A payer whose data names none (added
        before billkit 0.x kept it, or by hand) is counted for every business:
        it may be any business's customer.
        """

    def accounts_of(self, ids: Iterable[str]) -> dict[str, AccountRecord]:
        """The ledger accounts with these ids, in one read; ids of no account are left out."""

    def subscriptions_of(self, ids: Iterable[str]) -> dict[str, SubscriptionRecord]:
        """The subscriptions with these ids, in one read; ids of no subscription are left out."""

    def documents_by_id(self, ids: Iterable[str]) -> dict[str, DocumentRecord]:
        """The documents with these ids, by id, read together; an unknown id is left out."""

    def documents_of(self, customers: Iterable[str]) -> dict[str, list[DocumentRecord]]:
        """:meth:`documents` of many customers in one read, each list by id: every
        customer asked for is a key (``[]`` for one with no documents)."""

    def lock(self, lock: LockScope) -> None:
        """Take more lock scopes now, held until the transaction ends (as
        :meth:`Store.transaction`'s ``lock``, which names the ones held from
        the start).

        For two transactions never to deadlock, every scope taken here must
        sort after every scope the transaction holds already (the scopes
        taken at the start and by earlier calls): a scope sorting before one
        held, or held already, is refused with
        :class:`~billkit.errors.ValidationError` naming ``lock``. Called
        outside a :meth:`savepoint` (a savepoint undone may let its locks
        go). The engine's bill step takes its customers' ``account:`` scopes
        at the start and the number series' ``series:`` scopes only here, for
        the numbering and the commit (docs/architecture.md).
        """

    def savepoint(self) -> AbstractContextManager[None]:
        """A nested unit of work inside this one (``with tx.savepoint(): ...``).

        Leaving the block normally keeps its writes in the transaction;
        leaving it by an exception undoes only the writes made inside it and
        raises the exception on (a database failure as a
        :class:`~billkit.errors.StoreError`), so the transaction can go on:
        the engine bills a batch of customers in one transaction, each in its
        own savepoint, and a customer that fails is skipped alone. Lock
        scopes are the transaction's; a savepoint takes none.
        """

    # idempotency
    def recall(self, key: str, request: JsonData) -> JsonData | None:
        """The result stored under ``key`` for this request, or ``None`` if the key is new.

        A key stored for another request is refused
        (:class:`~billkit.errors.IdempotencyConflictError`).
        """

    def remember(
        self, key: str, request: JsonData, result: JsonData, *, at: datetime
    ) -> IdempotencyRecord:
        """Store the result of a request under its key (in the transaction that did the work)."""

    # outbox
    def enqueue(self, *, key: str, topic: str, payload: JsonData, at: datetime) -> OutboxMessage:
        """Put a message in the outbox; the same key and content again keeps one."""

    def enqueue_all(self, messages: Iterable[OutboxMessage]) -> None:
        """:meth:`enqueue` each message (its key, topic, payload and
        ``created_at``; its id is not read), in order, as one batch: all or none.

        The usual batch (new keys) is inserted together; a key stored with
        other content refuses the batch, as :meth:`enqueue` would.
        """

    def claim(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int = 10
    ) -> list[OutboxMessage]:
        """Lease up to ``limit`` undelivered messages to ``worker`` until ``now + lease``.

        Messages never claimed, or whose lease ran out, are claimed, oldest
        first; concurrent claims never hand out the same message twice.
        """

    def acknowledge(self, id: int, worker: str, *, now: datetime) -> OutboxMessage:
        """Mark a message delivered; only the worker holding its lease may.

        Another worker's lease is refused (:class:`~billkit.errors.LeaseLostError`).
        """

    def message(self, id: int) -> OutboxMessage:
        """The outbox message with this id."""


@runtime_checkable
class Store(Protocol):
    """Where billing state lives: a factory of units of work.

    ``with store.transaction(lock=scope) as tx:`` opens a :class:`Transaction`
    that commits when the block ends and rolls back if it raises. ``lock``
    names scopes (an account, a number series) to serialise writers of the
    same scope while others run in parallel: held from the start of the
    transaction until it ends, taken in sorted order (so two transactions
    never deadlock on them). ``readonly=True`` opens a transaction that
    refuses writes. Transactions do not nest.
    """

    def transaction(
        self, *, lock: LockScope = None, readonly: bool = False
    ) -> AbstractContextManager[Transaction]:
        """Open a unit of work (see the class docstring)."""

    def close(self) -> None:
        """Release the store's connections; the store is not used afterwards."""


# --------------------------------------------------------------------- Clock


@runtime_checkable
class Clock(Protocol):
    """The time, the only way the shell learns it.

    ``now()`` is timezone-aware, in the clock's time zone; ``today()`` is the
    date there. The core never reads a clock: the shell passes ``now`` and
    ``today`` on as arguments.
    """

    @property
    def tz(self) -> tzinfo:
        """The clock's time zone."""

    def now(self) -> datetime:
        """The current moment, aware, in :attr:`tz`."""

    def today(self) -> date:
        """The current date in :attr:`tz`."""


def _clock_zone(value: tzinfo | str) -> tzinfo:
    return checks.tz("tz", value, error=PeriodError)


class SystemClock:
    """The computer's clock, read in an explicit time zone.

    >>> SystemClock("Europe/Moscow").now().utcoffset()
    datetime.timedelta(seconds=10800)
    """

    def __init__(self, tz: tzinfo | str = "UTC") -> None:
        self._tz = _clock_zone(tz)

    @property
    def tz(self) -> tzinfo:
        """The clock's time zone."""
        return self._tz

    def now(self) -> datetime:
        """The current moment in :attr:`tz`."""
        return datetime.now(self._tz)

    def today(self) -> date:
        """Today's date in :attr:`tz`."""
        return self.now().date()

    def __repr__(self) -> str:
        return f"SystemClock({self._tz!s})"


class FixedClock:
    """A clock that stands still until told to move: for tests and simulations.

    >>> from datetime import datetime, timedelta, timezone
    >>> clock = FixedClock(datetime(2026, 1, 31, 12, tzinfo=timezone.utc))
    >>> clock.set(datetime(2026, 2, 1, tzinfo=timezone.utc)).date()
    datetime.date(2026, 2, 1)
    >>> clock.advance(timedelta(days=-1))
    Traceback (most recent call last):
    ...
    billkit.errors.PeriodError: step = datetime.timedelta(days=-1): expected a step >= 0 (a clock never goes back)
    """

    def __init__(self, at: datetime, tz: tzinfo | str | None = None) -> None:
        if not isinstance(at, datetime) or at.utcoffset() is None:
            raise PeriodError("at", at, "a datetime with a time zone")
        zone = _clock_zone(tz) if tz is not None else at.tzinfo
        assert zone is not None
        self._tz: tzinfo = zone
        self._at = at.astimezone(self._tz)

    @property
    def tz(self) -> tzinfo:
        """The clock's time zone."""
        return self._tz

    def now(self) -> datetime:
        """The moment the clock shows."""
        return self._at

    def today(self) -> date:
        """The date the clock shows."""
        return self._at.date()

    def advance(self, step: timedelta) -> datetime:
        """Move the clock forward by ``step`` (>= 0); returns the new moment."""
        if not isinstance(step, timedelta) or step < timedelta(0):
            raise PeriodError("step", step, "a step >= 0 (a clock never goes back)")
        self._at = self._at + step
        return self._at

    def set(self, at: datetime) -> datetime:
        """Move the clock to ``at`` (not earlier than now); returns it in the clock's zone."""
        if not isinstance(at, datetime) or at.utcoffset() is None:
            raise PeriodError("at", at, "a datetime with a time zone")
        return self.advance(at - self._at)

    def __repr__(self) -> str:
        return f"FixedClock({self._at.isoformat()})"


# ----------------------------------------------------------------- Notifier


CATEGORIES: Mapping[str, str] = {
    "invoice.issued": "finance",
    "credit_note.issued": "finance",
    "proforma.issued": "finance",
    "proforma.approved": "finance",
    "proforma.rejected": "finance",
    "proforma.reissued": "finance",
    "receipt.uploaded": "finance",
    "receipt.refused": "finance",
    "act.issued": "finance",
    "payment.received": "finance",
    "invoice.charged_to_credit": "finance",
    "payment.failed": "finance",
    "payment.overdue": "finance",
    "payment.reminder": "finance",
    "autopay.capped": "finance",
    "balance.low": "finance",
    "statement.issued": "finance",
    "credit.notice": "finance",
    "credit.blocked": "finance",
    "credit.unblocked": "finance",
    "usage.threshold": "services",
    "subscription.frozen": "services",
    "subscription.unfrozen": "services",
    "subscription.overdue_state": "services",
    "subscription.overdue_cleared": "services",
    "subscription.cancelled": "services",
    "subscription.marked_for_deletion": "services",
    "renewal.failed": "services",
    "service.renewed": "services",
    "service.expired": "services",
}
"""The category of each notification topic, as the hosting business files them.

Categories (``finance``, ``services``, and ``news`` and ``support`` for an
app's own messages) are what a customer chooses channels for.

>>> CATEGORIES["payment.failed"], CATEGORIES["usage.threshold"]
('finance', 'services')
"""

CHANNELS: tuple[str, ...] = ("email", "webhook", "sms", "messenger")
"""The channels a category may be sent by (none: an empty choice)."""


@runtime_checkable
class Notifier(Protocol):
    """Delivers outbox messages (email, webhook, chat...).

    Guarantees asked of an implementation: :meth:`deliver` returns only once
    the message was handed over, and raises otherwise (the message is then
    claimed again when its lease runs out). Delivery is at least once, so an
    implementation passes ``message.key`` on as the idempotency key the
    receiver deduplicates on.
    """

    def deliver(self, message: OutboxMessage) -> None:
        """Hand the message over, or raise."""


# ------------------------------------------------------------------- Runner


@runtime_checkable
class Runner(Protocol):
    """Maps a function over shards (ranges of account or subscription ids).

    Guarantees asked of an implementation: ``fn`` is called once per shard
    (perhaps in another process, so ``fn`` and the shards must pickle); the
    results come back in the order of ``shards``; an exception in any shard
    is raised to the caller after the others finished or were cancelled.
    """

    def map(self, fn: Callable[[_T], _R], shards: Sequence[_T]) -> list[_R]:
        """``[fn(shard) for shard in shards]``, perhaps in parallel."""


# ----------------------------------------------------------- PaymentGateway


@runtime_checkable
class PaymentGateway(Protocol):
    """A payment provider, as billkit sees it.

    Every call that moves money takes an ``idempotency_key`` derived from
    what it is for: the same key sent twice charges once. ``create_payment``
    answers ``succeeded``, ``pending``, ``requires_action``, ``failed`` or
    ``unknown`` (no answer: reconcile with ``get_payment``, never guess).
    ``parse_webhook`` checks the provider's signature before anything else
    and raises :class:`~billkit.errors.WebhookError` on any doubt.

    The sandbox and every provider adapter pass one contract test suite.

    >>> from billkit.payments import SandboxGateway
    >>> isinstance(SandboxGateway(), PaymentGateway)
    True
    """

    @property
    def name(self) -> str:
        """The provider's name: ``"sandbox"``, ``"stripe"``, ..."""
        ...

    @property
    def capabilities(self) -> Capabilities:
        """What the gateway can do: currencies, minimums, refunds, ..."""
        ...

    def create_payment(self, request: PaymentRequest, idempotency_key: str) -> PaymentResult:
        """Create (and, for a saved method, attempt) one payment."""
        ...

    def capture(
        self, reference: str, amount: Money | None = None, *, idempotency_key: str
    ) -> PaymentResult:
        """Capture an authorised payment (all of it unless ``amount``)."""
        ...

    def cancel(self, reference: str, *, idempotency_key: str) -> PaymentResult:
        """Cancel an authorised or unpaid payment."""
        ...

    def refund(
        self, reference: str, amount: Money | None = None, *, idempotency_key: str
    ) -> Refund:
        """Refund part (``amount``) or all of a succeeded payment."""
        ...

    def get_payment(self, reference: str) -> PaymentResult:
        """The provider's own record of a payment: the source of truth."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[GatewayEvent]:
        """Verify a webhook call and return its events."""
        ...

    def webhook_response(self, event: GatewayEvent | None) -> WebhookReply:
        """What to answer the provider after handling ``event`` (``None``: refused)."""
        ...
