"""The engine: runs a billing business on a store, a payment gateway, a notifier and a clock.

:class:`Billing` is the one place that reads the clock, touches the store,
calls the gateway and queues notifications. Its month-end :meth:`Billing.run`
bills every due subscription by recompute-and-diff
(:func:`billkit.billing.plan_documents`, :func:`billkit.billing.diff`), in
one transaction per customer with gap-free numbers, then collects payment:

* from the customer's balance first, then from the saved payment method;
* every gateway call carries an idempotency key derived from what it is for
  (``pay|<document>|<attempt>``), so a run retried after a crash never charges
  twice: the gateway replays the first answer;
* a failed payment is recorded on the document (its ``payment_failed``
  events count the attempts, one a day); after ``max_attempts`` the
  subscription is frozen, or, given ``dunning=`` a
  :class:`~billkit.subscriptions.DunningSchedule`, the schedule's retries,
  notices, freeze and cancellation happen on its days; given ``overdue=``
  an :class:`~billkit.subscriptions.OverdueLadder`, its states (weighed
  per account, on the days the invoices' dates give) block changes,
  freeze and cancel; both are kept in the store;
* a customer whose run fails with a billkit error is skipped and named in
  the :class:`RunReport`; the next run tries again.

It also keeps what the example businesses need around the month end:
top-ups with the payment method's commission and cashback and the bonus
program (:meth:`Billing.top_up`), upgrades at once with proration and
downgrades at the cycle end (:meth:`Billing.change_plan`), autopayment
within a customer's monthly cap, the credit-limit schedule of postpaid
customers (statement, due, overdue, blocked), and usage alerts at 90 % and
100 % of an allowance.

Notifications go to the store's outbox in the transaction that makes them
true, one per channel the customer chose for the topic's category
(:data:`billkit.ports.CATEGORIES`), each under a de-duplication key, and
:meth:`Billing.deliver` hands them to the :class:`~billkit.ports.Notifier`
at least once.

See ``docs/engine.md`` for a whole month of an app.
"""

from __future__ import annotations

import enum
import hashlib
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from functools import partial
from typing import Any, Final, Literal

import attrs
from moneyed import Money

from billkit import _checks as checks
from billkit.billing import (
    ACT,
    CREDIT_NOTE,
    INVOICE,
    PROFORMA,
    BillingState,
    DocumentKey,
    Issued,
    PlanFrom,
    Subscribed,
    UsageTotal,
    _plan_documents,
    _Templates,
    diff,
)
from billkit.credit.autopay import AutopaySettings, decide_autopay
from billkit.credit.bonus import BonusProgram
from billkit.credit.commission import PaymentMethod, PaymentQuote
from billkit.credit.credit_line import CreditLine, CreditNoticeKind
from billkit.credit.entries import Entry, EntryKind
from billkit.credit.ledger import Ledger
from billkit.credit.limit import credit_state, notices_due
from billkit.credit.topup import receive_payment
from billkit.credit.wallets import Wallet
from billkit.errors import (
    BillingError,
    BillkitError,
    CreditError,
    NotFoundError,
    SubscriptionError,
)
from billkit.invoicing.builders import invoice_from_proforma
from billkit.invoicing.documents import Act, CreditNote, Invoice, Proforma
from billkit.invoicing.terms import DocumentTerms
from billkit.parties.party import Party
from billkit.payments.types import PaymentRequest, PaymentResult, PaymentStatus, SavedMethod
from billkit.periods import BillingCycle
from billkit.ports import CATEGORIES, CHANNELS, Clock, Notifier, PaymentGateway, Store, Transaction
from billkit.pricing.plans import Charge, Plan
from billkit.pricing.proration import ChangeDirection, change_direction, fixed_fee
from billkit.serialize import _canonical_text, _Parties, _Texts, from_data, to_data
from billkit.storage.records import (
    AccountRecord,
    DocumentEvent,
    DocumentRecord,
    EntryRecord,
    OutboxMessage,
    PayerRecord,
    PlanRecord,
    SeriesRecord,
    SubscriptionRecord,
    UsageRecord,
    _data_with,
    _flat_text,
    _text_data,
)
from billkit.subscriptions.actions import ActionKind, SubscriptionNoticeKind
from billkit.subscriptions.dunning import (
    DunningAnchor,
    DunningMove,
    DunningSchedule,
    cancel_date,
    simulate_dunning,
)
from billkit.subscriptions.overdue import OverdueCancellation, OverdueLadder, OverdueState
from billkit.subscriptions.renewals import SavedMethod as RenewalMethod
from billkit.subscriptions.renewals import renewal_day, renewal_result
from billkit.subscriptions.services import BALANCE, Service
from billkit.tables import Table

__all__ = ["Billing", "RunReport"]

_UTC = timezone.utc
#: Customers billed (and payments recorded) per transaction, each in its own savepoint.
_BATCH = 200
_CATEGORY_NAMES = sorted({*CATEGORIES.values(), "news", "support"})
#: The payer record that keeps the seller's details.
SELLER_ID = "_seller"
#: The payer record that keeps the dunning: the schedules and the overdue ladder.
DUNNING_ID = "_dunning"
#: The payer record that keeps a business's settings: series, language, tax and proforma
#: settings, the attempt-counted dunning's numbers, payment days, notification channels,
#: payment-method terms and bonus program (``_settings/KEY`` for ``business=KEY``).
SETTINGS_ID = "_settings"
#: Each kept setting's default: what a ``Billing`` uses when neither it nor the store has
#: one, as the store keeps it (:func:`_setting`).
_SETTINGS: dict[str, object] = {
    "invoice_series": "INV",
    "credit_series": "CN",
    "proforma_series": "PF",
    "act_series": "ACT",
    "locale": "en",
    "prices_include_tax": None,
    "proforma": False,
    "proforma_final": INVOICE,
    "proforma_approval": False,
    "max_attempts": 3,
    "cancel_at_cycle_end": True,
    "deletion_days": 90,
    "payment_days": 10,
    "channels": {},
    "methods": {},
    "bonus": None,
}
#: The settings that name a number series; the first three number what asks to be paid.
_SERIES_SETTINGS = ("invoice_series", "proforma_series", "act_series", "credit_series")
#: The key of the settings record listing the series a business numbered its bills in
#: before :meth:`Billing.change_settings` moved them to others.
_EARLIER_SERIES = "earlier_series"


class _Unset(enum.Enum):
    """A setting left out (``deletion_days=None`` means "never")."""

    UNSET = "unset"


_UNSET: Final = _Unset.UNSET


def _setting(name: str, value: object) -> object:
    """The setting ``name`` given as ``value`` (to :class:`Billing` or
    :meth:`Billing.change_settings`), checked, as the store keeps it: plain
    data, comparable (a plan list sorted, a mapping a dict sorted by key,
    payment-method terms by name and the bonus program as
    :func:`billkit.serialize.to_data` writes them). A bad value is refused with
    a :class:`~billkit.errors.BillingError` naming the setting and the value."""
    if name in _SERIES_SETTINGS:
        return checks.text(name, value, required=True, error=BillingError)
    if name == "locale":
        return checks.locale(name, value, error=BillingError)
    if name == "prices_include_tax":
        if value is None:
            return None
        if isinstance(value, Mapping):
            plans = checks.mapping(
                name,
                value,
                partial(checks.text, error=BillingError),
                partial(checks.flag, error=BillingError),
                error=BillingError,
            )
            return dict(plans.items())
        return checks.flag(name, value, error=BillingError)
    if name == "proforma":
        if isinstance(value, bool):
            return value
        return sorted(set(checks.texts(name, value, required=True, error=BillingError)))
    if name == "proforma_final":
        if value not in (INVOICE, ACT):
            raise BillingError(name, value, "'invoice' or 'act'")
        return value
    if name == "max_attempts":
        return checks.whole(name, value, low=1, error=BillingError)
    if name in ("cancel_at_cycle_end", "proforma_approval"):
        return checks.flag(name, value, error=BillingError)
    if name == "deletion_days":
        return None if value is None else checks.whole(name, value, error=BillingError)
    if name == "payment_days":
        return checks.whole(name, value, error=BillingError)
    if name == "channels":
        return {k: list(v) for k, v in sorted(_channels(name, value).items())}  # type: ignore[arg-type]
    if name == "methods":
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise BillingError(name, value, "an iterable of billkit.credit.PaymentMethod")
        kept: dict[str, object] = {}
        for i, method in enumerate(value):
            method = checks.instance(f"methods[{i}]", method, PaymentMethod, error=BillingError)
            if method.name in kept:
                raise BillingError(f"methods[{i}]", method.name, "each method's name once")
            kept[method.name] = to_data(method)
        return dict(sorted(kept.items()))
    if name == "bonus":
        if value is None:
            return None
        return to_data(checks.instance(name, value, BonusProgram, error=BillingError))
    raise AssertionError(f"not a setting: {name}")  # pragma: no cover


def _quoted_terms(quoted: Mapping[str, object]) -> tuple[PaymentMethod | None, BonusProgram | None]:
    """The payment-method terms and the bonus program a top-up's kept terms name."""
    method, bonus = quoted.get("method"), quoted.get("bonus")
    assert method is None or isinstance(method, Mapping)
    assert bonus is None or isinstance(bonus, Mapping)
    return (
        None if method is None else from_data(method, PaymentMethod),
        None if bonus is None else from_data(bonus, BonusProgram),
    )


def _kept_value(name: str, kept: object) -> object:
    """The setting ``name`` as the store keeps it (``kept``), read back and
    checked again: the payment-method terms (by name) and the bonus program
    as values, every other setting as :func:`_setting` gives it."""
    if name == "methods":
        if not isinstance(kept, Mapping):
            raise BillingError(name, kept, "payment methods by name, as the store keeps them")
        methods = {str(k): from_data(v, PaymentMethod) for k, v in kept.items()}
        for key, method in methods.items():
            if method.name != key:
                raise BillingError(f"methods[{key!r}]", method.name, f"the method named {key!r}")
        return methods
    if name == "bonus":
        if kept is not None and not isinstance(kept, Mapping):
            raise BillingError(name, kept, "a bonus program, as the store keeps it")
        return None if kept is None else from_data(kept, BonusProgram)
    return _setting(name, kept)


def _series_of(value: Mapping[str, object]) -> tuple[dict[str, str], frozenset[str] | None]:
    """The series a business numbers in by kind, and the plans it bills by proforma
    (``None``: every plan), from its settings (read back, :func:`_kept_value`)."""
    series = {INVOICE: str(value["invoice_series"]), CREDIT_NOTE: str(value["credit_series"])}
    proforma = value["proforma"]
    plans = (
        (None if proforma else frozenset()) if isinstance(proforma, bool) else frozenset(proforma)  # type: ignore[call-overload]
    )
    if plans != frozenset():
        series[PROFORMA] = str(value["proforma_series"])
    if value["proforma_final"] == ACT:
        # also with proformas turned off: a proforma issued before may still be paid
        series[ACT] = str(value["act_series"])
    return series, plans


def _check_approval(value: Mapping[str, object]) -> None:
    """Refuse ``proforma_approval`` without ``proforma_final="invoice"``: an
    approval issues an invoice to pay."""
    if value["proforma_approval"] and value["proforma_final"] != INVOICE:
        raise BillingError(
            "proforma_approval",
            True,
            "proforma_final='invoice' with it: an approval issues an invoice to pay "
            f"(proforma_final is {value['proforma_final']!r})",
        )


def _shown(name: str, kept: object) -> object:
    """A kept setting as :meth:`Billing.change_settings` reports it."""
    return _kept_value(name, kept) if name in ("methods", "bonus") else kept


def _same_setting(name: str, a: object, b: object) -> bool:
    """Whether two kept forms of the setting ``name`` are the same setting
    (the same values: a rate written ``0.05`` or ``0.050`` is one rate)."""
    return a == b or _kept_value(name, a) == _kept_value(name, b)


#: The kinds of document a subscription's dunning follows: what asks to be paid.
_DUNNED = (INVOICE, PROFORMA)
# The events a payment decision reads (the attempts made) and those dunning
# reads (the attempts and the moves done): ``Store.document_events_of(events=...)``.
_FAILED: Final = frozenset({"payment_failed"})
_DUNNING_EVENTS: Final = frozenset({"payment_failed", "dunning"})
#: The payer record that lists the customers on credit.
_CREDIT_BOOK = "_credit_lines"
#: The idempotency records keeping the terms a top-up was made under
#: (``topup-terms|CUSTOMER|KEY``: its payment method's and the bonus program).
_QUOTED = "topup-terms"
#: How many customers an error names at most (the rest are counted).
_NAMED = 5

#: The payer record that lists the customers with hosted services.
_SERVICE_BOOK = "_services"
#: The notification topic of each notice a dunning schedule's ``notify`` steps may send.
_DUNNING_TOPICS = {
    SubscriptionNoticeKind.PAYMENT_OVERDUE: "payment.overdue",
    SubscriptionNoticeKind.PAYMENT_REMINDER: "payment.reminder",
}


def _plan_schedules(value: Mapping[Any, object]) -> dict[str, DunningSchedule]:
    """``dunning={plan_code: DunningSchedule}`` checked."""
    found: dict[str, DunningSchedule] = {}
    for code, schedule in value.items():
        if not isinstance(code, str) or not code:
            raise BillingError("dunning", code, "a plan code")
        checked = _dunning_schedule(schedule)
        if checked is None:
            raise BillingError(f"dunning[{code!r}]", schedule, "a DunningSchedule")
        found[code] = checked
    return found


def _with_ladder(
    overdue: OverdueLadder | None,
    dunning: DunningSchedule | None,
    plans: Mapping[str, DunningSchedule],
) -> None:
    """Under an overdue ladder the schedules only retry and tell: the ladder freezes and cancels
    (the rule of :class:`~billkit.subscriptions.LifecycleSettings`)."""
    if overdue is None:
        return
    named = [("dunning", dunning), *((f"dunning[{c!r}]", v) for c, v in sorted(plans.items()))]
    for field, schedule in named:
        if schedule is None:
            continue
        for step in (schedule.freeze_step, schedule.cancel_step):
            if step is not None:
                raise BillingError(
                    field,
                    step.move.value,
                    "a schedule that neither freezes nor cancels when an overdue ladder "
                    "decides (DunningSchedule.standard(grace_days=None, "
                    "cancel_at_cycle_end=False))",
                )


def _dunning_schedule(value: object) -> DunningSchedule | None:
    """``value`` checked as a schedule the engine runs (``None``: the attempt-counted dunning)."""
    if value is None:
        return None
    if not isinstance(value, DunningSchedule):
        raise BillingError("dunning", value, "a billkit.subscriptions.DunningSchedule or None")
    for step in value.steps:
        if step.move is DunningMove.NOTIFY and (
            step.anchor is not DunningAnchor.OVERDUE or step.notice not in _DUNNING_TOPICS
        ):
            raise BillingError(
                "dunning",
                step,
                "'notify' steps counted from the overdue day, with a notice payment_overdue "
                "or payment_reminder (the engine tells cancellations and deletion marks itself)",
            )
    if value.cancel_step is not None and value.freeze_step is None:
        raise BillingError(
            "dunning",
            value.steps,
            "a 'freeze' step with the 'cancel' step: the engine cancels frozen subscriptions",
        )
    return value


def _proforma_of(document: str) -> str | None:
    """The id of the proforma whose payment issued the engine's invoice (or
    act) ``document``, else ``None``."""
    parts = document.split("|")
    if len(parts) != 5 or parts[3] not in (INVOICE, ACT):
        return None
    return "|".join((*parts[:3], PROFORMA, parts[4]))


_RECEIPT: Final = "receipt_uploaded"
"""The status of an invoice whose uploaded payment receipt awaits the business's
confirmation (:meth:`Billing.upload_receipt`)."""


def _last_receipt(events: Sequence[DocumentEvent]) -> DocumentEvent | None:
    """The last ``upload_receipt`` event of an invoice's ``events``."""
    return next((e for e in reversed(events) if e.event == "upload_receipt"), None)


def _receipt_entry(
    customer: str, key: str, amount: Money, at: datetime, reference: str
) -> EntryRecord:
    """The payment a confirmed receipt shows, booked to the customer's balance."""
    return EntryRecord(
        account=f"{customer}/main",
        key=key,
        amount=amount,
        at=at,
        kind="payment",
        data={"reference": reference},
    )


@attrs.frozen
class RunReport:
    """What one :meth:`Billing.run` did.

    ``billed``: subscriptions billed; ``issued``: ids of the documents
    issued (invoices, credit notes, proformas, then the invoices or acts
    that paying proformas issued while the run collected); ``invoiced``:
    their gross totals per currency (credit notes subtract; the invoice of
    a proforma issued by the same run is the proforma's money, counted
    once); ``paid`` / ``failed_payments``: payments taken and refused;
    ``failures``: ``(customer, reason)`` of each customer skipped.
    ``documents``: ``(document, customer, currency, total)`` of each
    document issued, in ``issued``'s order, its gross total exact and
    negative for a credit note (what :meth:`to_table` lists).
    ``rejected``: the proformas the customer rejected
    (:meth:`Billing.reject`) that still stand for their period in the
    subscriptions this run billed (their bill unchanged, so nothing new
    was asked): periods billed by nothing the customer accepted, left to
    the business.
    """

    as_of: date
    billed: int = 0
    issued: tuple[str, ...] = ()
    invoiced: tuple[tuple[str, Decimal], ...] = ()
    paid: int = 0
    failed_payments: int = 0
    failures: tuple[tuple[str, str], ...] = ()
    documents: tuple[tuple[str, str, str, Decimal], ...] = ()
    rejected: tuple[str, ...] = ()

    def to_table(self, store: Store | None = None) -> Table:
        """One row per account and currency: ``account``, ``status``
        (``"billed"`` or ``"failed"``), ``documents`` (how many were issued),
        ``total`` (their gross sum, exact; credit notes subtract; a proforma
        and the invoice its payment issued count once), ``currency``
        and ``reason`` (why it failed, else ``""``). A report made by
        :meth:`Billing.run` carries each document's customer and total
        (``documents``), so it needs no store; ``store`` (the run's) supplies
        them for a report made by hand with ``issued`` ids only. A failure
        names what failed: the customer, or ``customer/subscription`` for a
        hosted service's renewal, or the document whose payment could not be
        collected.

        >>> invoice = "acme-pro|2026-03-01|2026-04-01|invoice|0"
        >>> report = RunReport(
        ...     as_of=date(2026, 4, 1),
        ...     issued=(invoice,),
        ...     documents=((invoice, "acme", "EUR", Decimal("30.50")),),
        ...     failures=(("bolt", "CreditError: ..."),),
        ... )
        >>> for row in report.to_table().to_records():
        ...     print(row)
        {'account': 'acme', 'status': 'billed', 'documents': 1, 'total': Decimal('30.50'), 'currency': 'EUR', 'reason': ''}
        {'account': 'bolt', 'status': 'failed', 'documents': 0, 'total': None, 'currency': None, 'reason': 'CreditError: ...'}
        """
        sums: dict[tuple[str, str], list[Any]] = {}
        carried = {doc_id: (who, code, total) for doc_id, who, code, total in self.documents}
        missing = [doc_id for doc_id in self.issued if doc_id not in carried]
        if missing:
            if store is None:
                raise BillingError(
                    "store", None, f"the run's store: the report does not carry {missing[0]!r}"
                )
            with store.transaction(readonly=True) as tx:
                for doc_id in missing:
                    doc = tx.document(doc_id)
                    if doc.total is None:
                        continue
                    sign = -1 if doc.kind == "credit_note" else 1
                    carried[doc_id] = (
                        doc.customer,
                        doc.total.currency.code,
                        sign * doc.total.amount,
                    )
        listed = set(self.issued)
        for doc_id in self.issued:
            if doc_id not in carried:
                continue
            who, code, total = carried[doc_id]
            row = sums.setdefault((who, code), [0, Decimal(0)])
            row[0] += 1
            if _proforma_of(doc_id) not in listed:  # else the proforma's money, counted
                row[1] += total
        rows: list[tuple[Any, ...]] = [
            (account, "billed", n, total, code, "")
            for (account, code), (n, total) in sorted(sums.items())
        ]
        rows.extend((account, "failed", 0, None, None, why) for account, why in self.failures)
        return Table(
            columns=("account", "status", "documents", "total", "currency", "reason"),
            rows=tuple(rows),
            money=("total",),
            currency="currency",
        )


_SERVICE_TOPICS = {
    "renewal_failed": "renewal.failed",
    "service_renewed": "service.renewed",
    "service_expired": "service.expired",
}


def _channels(field: str, value: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Checked channel choices: category -> channels (each once, each known)."""
    if not isinstance(value, Mapping):
        raise BillingError(field, value, "a mapping of category to channels")
    out: dict[str, tuple[str, ...]] = {}
    for category, chosen in value.items():
        if category not in _CATEGORY_NAMES:
            raise BillingError(f"{field}[{category!r}]", category, f"one of {_CATEGORY_NAMES}")
        if isinstance(chosen, str) or not all(c in CHANNELS for c in chosen):
            raise BillingError(
                f"{field}[{category!r}]", chosen, f"a list of channels from {list(CHANNELS)}"
            )
        out[category] = tuple(dict.fromkeys(chosen))
    return out


def _ledger(line: CreditLine, records: Iterable[EntryRecord]) -> Ledger:
    """A customer's store entries as a :class:`~billkit.credit.Ledger` wallet on ``line``."""
    keys: dict[str, str] = {}
    entries = []
    for record in records:
        amount = record.amount
        if record.kind in ("bonus", "cashback") and str(record.data.get("source")) in keys:
            kind = EntryKind(record.kind)
            head = keys[str(record.data["source"])]
            key, source = f"{head}/{record.kind}", head
        else:
            kind = EntryKind.CHARGE if amount.amount < 0 else EntryKind.TOP_UP
            key, source = f"e{record.seq}", ""
        keys[record.key] = key
        entries.append(
            Entry(kind=kind, amount=amount, wallet="main", at=record.at, key=key, source=source)
        )
    return Ledger(
        wallets=[Wallet(name="main", currency=line.currency, credit=line)], entries=entries
    )


#: A notice about a draft not numbered yet: its messages, made once given the number.
_Numbered = Callable[[str | None], list[OutboxMessage]]


@attrs.define
class _Writes:
    """A batch's writes, held back to be written per table at once
    (:meth:`flush`): the drafts to issue, the documents' status changes, the
    notices (with an index into the drafts, whose number the payload gets:
    messages to add it to, or a function making them with it, ``_Numbered``)
    and the subscriptions' next billing days."""

    drafts: list[tuple[DocumentRecord, str]] = attrs.Factory(list)
    changes: list[DocumentEvent] = attrs.Factory(list)
    notices: list[tuple[int | None, list[OutboxMessage] | _Numbered]] = attrs.Factory(list)
    subscriptions: list[SubscriptionRecord] = attrs.Factory(list)

    def flush(self, tx: Transaction, at: datetime) -> None:
        """Write what is held in ``tx``: one call per table; then hold nothing."""
        issued = tx.issue_all(self.drafts, at=at) if self.drafts else []
        if self.changes:
            tx.change_status_all(self.changes)
        messages: list[OutboxMessage] = []
        for index, notices in self.notices:
            if index is None:
                assert not callable(notices)
                messages += notices
                continue
            number = issued[index].number
            if callable(notices):  # made once, with the number (Billing._bill)
                messages += notices(number)
                continue
            messages += [
                attrs.evolve(m, payload=_data_with(m.payload, "number", number)) for m in notices
            ]
        if messages:
            tx.enqueue_all(messages)
        if self.subscriptions:
            tx.update_subscriptions(self.subscriptions)
        self.drafts.clear()
        self.changes.clear()
        self.notices.clear()
        self.subscriptions.clear()


def _account_subscriptions(
    payer: Mapping[str, object], documents: Iterable[DocumentRecord]
) -> list[str]:
    """The subscriptions of an account: those its payer record lists, and those its
    documents bill (a store made before the list was kept)."""
    listed = payer.get("subscriptions") or []
    assert isinstance(listed, list)
    ids = {str(i) for i in listed}
    ids.update(DocumentKey.parse(d.id).subscription for d in documents if d.id.count("|") == 4)
    return sorted(ids)


def _ladder_until(records: Iterable[SubscriptionRecord], day: date) -> date:
    """The last day whose overdue states are applied before ``day``'s billing: the day
    before the first billing day due of the live ``records`` (daily runs bill a day
    before weighing it), or ``day`` when none is due. :meth:`Billing._catch_up` asks it
    of each subscription alone: a state entered between two billing days of a gap
    stops the later one before the run bills it, as daily runs would."""
    due = [
        r.next_billing
        for r in records
        if r.status not in ("cancelled", "frozen")
        and r.next_billing is not None
        and r.next_billing <= day
    ]
    return min(due) - timedelta(days=1) if due else day


def _ladder_steps(
    ladder: OverdueLadder, entered: Sequence[tuple[date, OverdueState]], record: SubscriptionRecord
) -> list[tuple[date, OverdueState]]:
    """The states of ``entered`` (the account's, in order: each higher on ``ladder``
    than the one before) subscription ``record`` has yet to enter: those higher than
    the state it is in (all when it is in none). A cancelled subscription enters
    none; a lower state is entered on a payment only (:meth:`Billing._overdue_paid`)."""
    if record.status == "cancelled" or not entered:
        return []
    mark = record.data.get("overdue_state")
    rank = {s.name: i for i, s in enumerate(ladder.states)}
    held = -1 if mark is None else rank.get(str(mark), -1)
    return [(on, state) for on, state in entered if rank[state.name] > held]


class _Run:
    """What one :meth:`Billing.run` keeps over its customers, never process-wide:
    the compiled invoices (``billing._Templates``), the buyers read from the
    payers' data (``serialize._Parties``) and the documents' text
    (``serialize._Texts``, the canonical JSON a draft's record keeps); and
    the rejected proformas found standing for a period (``rejected``, in the
    order found: :attr:`RunReport.rejected`)."""

    __slots__ = ("parties", "rejected", "templates", "texts")

    def __init__(self) -> None:
        self.templates = _Templates()
        self.parties = _Parties()
        self.texts = _Texts()
        self.rejected: dict[str, None] = {}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=_UTC)


class Billing:
    """A billing business: customers, subscriptions, usage, documents and payments.

    Built from a ``store``, a payment ``gateway``, a ``notifier``, a
    ``clock`` and a ``catalog`` of plans; ``seller`` issues every document.
    Both are kept in the store, so a later ``Billing`` on the same store
    (``billkit run``) may leave them out.
    Invoices are numbered from the series ``invoice_series`` (``INV-000001``...:
    a series prefixes its numbers with its name), credit notes from
    ``credit_series`` (``CN-000001``...); an invoice gives ``payment_days``
    days to pay (10). A payment that fails is
    tried again on a later run, at most ``max_attempts`` times, then the
    subscription is frozen. Unless paid meanwhile, a frozen subscription is
    cancelled at the end of the cycle it was frozen in (``cancel_at_cycle_end``)
    and marked for deletion ``deletion_days`` later (``None``: never).

    ``dunning`` replaces that attempt-counted dunning with a
    :class:`~billkit.subscriptions.DunningSchedule`, one for the whole
    business (as its :class:`~billkit.subscriptions.LifecycleSettings` are),
    or one per plan (a mapping of plan code to schedule; a plan left out keeps
    the attempt-counted dunning, and an invoice is dunned on the schedule of
    the plan its period was billed under), counted in days from the day an invoice fell overdue: the day its first
    charge failed. Each run does what the schedule says is due by its day
    (:func:`~billkit.subscriptions.simulate_dunning`): a retry on a retry day
    (one attempt a day; key ``pay|<invoice>|<attempt>``), a notice
    (``payment.overdue``, ``payment.reminder``; once each), the freeze, then
    the cancellation on the schedule's day (:func:`~billkit.subscriptions.cancel_date`)
    and the deletion mark its ``deletion_days`` later; ``max_attempts``,
    ``cancel_at_cycle_end`` and ``deletion_days`` are then unused. On daily
    runs the default behaves as the schedule of ``max_attempts - 1`` daily
    retries, frozen on the last retry's day, without the overdue notice:
    ``DunningSchedule(steps=[retry 1, retry 2, freeze 2, cancel at the cycle end,
    mark for deletion 90])`` (``docs/engine.md`` shows both).

    ``overdue``, an :class:`~billkit.subscriptions.OverdueLadder` (as in
    :class:`~billkit.subscriptions.LifecycleSettings`), puts every
    subscription of an account (a customer) with overdue invoices in the
    state the ladder gives the account on the run's day, each state passed
    since the last run applied on its own day, before the run bills and
    after its payments (:meth:`_overdue_states`); an invoice counts from
    its issue date once a charge of it failed, one never charged from the
    day after its due date (:meth:`_overdue_since`). A payment, or a
    correction a run bills, weighs the account again (:meth:`_overdue_paid`:
    a lower state, or a clear account, is told), and a subscription added
    to an account in a state enters it at once. Its states block plan
    changes, freeze and cancel, and the dunning only retries and tells (a
    schedule that freezes or cancels is refused; without one, the
    attempt-counted retries stay, without their freeze).

    The dunning given (``dunning``, ``overdue``) is kept in the store (the
    payer record :data:`DUNNING_ID`, ``_dunning/KEY`` for ``business=KEY``,
    as the seller is); a later ``Billing`` of the business given
    neither runs what is kept, one given another is refused (a
    :class:`~billkit.errors.BillingError` naming the field), and
    :meth:`change_dunning` replaces it.

    ``methods`` are the business's payment-method terms (commission, amount
    limits, cashback: :class:`~billkit.credit.PaymentMethod`), by name; a
    customer's ``pays_with`` names the one its saved method is charged
    under. ``bonus`` is the prepayment bonus program top-ups earn.

    ``business`` names the business when several share one store (the
    demo's five do, each on its own shard of subscription ids): its
    ``seller`` is kept under that name, so each business reopened without
    ``seller=`` gets its own back (``None``, the default, keeps the one
    seller of a store, as stores made before this setting have it).

    The business's settings (the four series, ``locale``,
    ``prices_include_tax``, ``proforma``, ``proforma_final``,
    ``max_attempts``, ``cancel_at_cycle_end``, ``deletion_days``,
    ``payment_days``, ``channels``, ``methods``, ``bonus``) are kept
    in the store as its seller is (the payer record :data:`SETTINGS_ID`,
    ``_settings/KEY`` for ``business=KEY``; ``methods`` and ``bonus`` as
    :func:`billkit.serialize.to_data` writes them): each one given is kept, one
    left out is the kept one (else its default: ``INV``, ``CN``, ``PF``,
    ``ACT``, ``"en"``, tax-exclusive, no proforma, ``"invoice"``, 3, ``True``,
    90, 10 days, e-mail, no methods, no bonus), and one
    given that differs from the kept one is refused (a
    :class:`~billkit.errors.BillingError` naming it);
    :meth:`change_settings` changes them.

    ``prices_include_tax``: whether the plans' prices include tax (``True``,
    ``False``, or a mapping of plan code to either; ``None``, the default,
    bills them tax-exclusive). A price including VAT is the invoice's total
    and the amount charged: 1 200.00 UAH including 20 % VAT is invoiced as
    1 000.00 + 200.00 VAT = 1 200.00, and 1 200.00 is charged.

    ``proforma``: bill by proforma, every plan (``True``) or the plans
    named. A due period gets a proforma (a request to pay, numbered in
    ``proforma_series``, ``PF-000001``...) instead of an invoice; it is
    collected as an invoice is (balance, saved method, webhook,
    :meth:`pay`), and the transaction that records its payment issues the
    invoice made from it (:func:`~billkit.invoicing.invoice_from_proforma`,
    key ``...|invoice|<revision>``, numbered in ``invoice_series``), paid
    already: exactly once, whatever is retried. An unpaid proforma whose
    bill changes (late usage) is withdrawn and a proforma of the next
    revision replaces it; money that still arrives for it goes to the
    balance. ``proforma_final="act"`` makes the document issued on payment
    an act of completed work (key ``...|act|<revision>``, numbered in
    ``act_series``, ``ACT-000001``...) with the proforma's contents, where
    the seller issues acts rather than invoices.

    ``proforma_approval=True`` puts the customer's approval between the
    proforma and the invoice (the attribution business's way): a proforma
    is not collected but waits for :meth:`approve`, which marks it
    ``approved`` and issues its invoice then, unpaid, due ``payment_days``
    after that day; the invoice is collected and dunned as any invoice is
    (:meth:`mark_sent` records it sent, with its scan). :meth:`reject`
    marks a proforma ``rejected`` instead (no invoice; a proforma of the
    next revision asks once its bill changes, and until then the runs
    report the period in :attr:`RunReport.rejected`). A proforma neither
    approved nor rejected never falls overdue: nothing is owed before the
    approval. The customer may pay the invoice by transfer and upload the
    receipt (:meth:`upload_receipt`: status ``receipt_uploaded``, neither
    collected nor counted overdue while it awaits the business), which
    :meth:`confirm_receipt` books as the payment or :meth:`refuse_receipt`
    sends back to ``issued``. It needs ``proforma_final="invoice"``.

    Notifications are filed by category (:data:`billkit.ports.CATEGORIES`:
    ``finance``, ``services``...); ``channels`` maps a category to the
    channels its messages go by (:data:`billkit.ports.CHANNELS`; e-mail
    for a category it leaves out; an empty choice sends nothing), and a
    customer's own ``channels`` override it. Each channel gets its own
    outbox message, keyed ``<event>|<channel>`` for de-duplication.
    """

    def __init__(
        self,
        store: Store,
        gateway: PaymentGateway,
        notifier: Notifier,
        clock: Clock,
        catalog: Iterable[Plan] = (),
        *,
        seller: Party | None = None,
        locale: str | None = None,
        payment_days: int | None = None,
        max_attempts: int | None = None,
        cancel_at_cycle_end: bool | None = None,
        deletion_days: int | Literal[_Unset.UNSET] | None = _UNSET,
        dunning: DunningSchedule | Mapping[str, DunningSchedule] | None = None,
        overdue: OverdueLadder | None = None,
        invoice_series: str | None = None,
        credit_series: str | None = None,
        methods: Iterable[PaymentMethod] | None = None,
        bonus: BonusProgram | None = None,
        channels: Mapping[str, Sequence[str]] | None = None,
        business: str | None = None,
        prices_include_tax: bool | Mapping[str, bool] | None = None,
        proforma: bool | Iterable[str] | None = None,
        proforma_series: str | None = None,
        proforma_final: str | None = None,
        act_series: str | None = None,
        proforma_approval: bool | None = None,
    ) -> None:
        self.store = store
        self.gateway = gateway
        self.notifier = notifier
        self.clock = clock
        self.plans: dict[str, Plan] = {plan.code: plan for plan in catalog}
        self.business = (
            None if business is None else checks.text("business", business, error=BillingError)
        )
        given = {
            name: _setting(name, value)
            for name, value in (
                ("invoice_series", invoice_series),
                ("credit_series", credit_series),
                ("proforma_series", proforma_series),
                ("act_series", act_series),
                ("locale", locale),
                ("prices_include_tax", prices_include_tax),
                ("proforma", proforma),
                ("proforma_final", proforma_final),
                ("proforma_approval", proforma_approval),
                ("max_attempts", max_attempts),
                ("cancel_at_cycle_end", cancel_at_cycle_end),
                ("deletion_days", deletion_days),
                ("payment_days", payment_days),
                ("channels", channels),
                ("methods", methods),
                ("bonus", bonus),
            )
            if value is not (_UNSET if name == "deletion_days" else None)
        }
        with store.transaction(readonly=True) as tx:
            self._use_settings(self._settings(given, self._kept_settings(tx)))
        self.plan_dunning: dict[str, DunningSchedule] = {}
        self.dunning: DunningSchedule | None = None
        self.overdue: OverdueLadder | None = None
        given_dunning = dunning is not None
        if isinstance(dunning, Mapping):
            plan_dunning, dunning = _plan_schedules(dunning), None
        else:
            plan_dunning, dunning = {}, _dunning_schedule(dunning)
        if overdue is not None and not isinstance(overdue, OverdueLadder):
            raise BillingError("overdue", overdue, "a billkit.subscriptions.OverdueLadder or None")
        lock = [
            f"account:{self._dunning_id}",
            f"account:{self._settings_id}",
            *(f"series:{s}" for s in self.series.values()),
        ]
        with store.transaction(lock=lock) as tx:
            kept_settings = self._kept_settings(tx)
            self._settings(given, kept_settings)  # again, under the lock: one kept meanwhile
            if any(name not in kept_settings for name in given):  # the same value kept stays
                tx.save_payer(PayerRecord(id=self._settings_id, data={**given, **kept_settings}))
            for name in self.series.values():
                try:
                    tx.series(name)
                except NotFoundError:
                    tx.create_series(SeriesRecord(name=name, prefix=f"{name}-", width=6))
            for plan in self.plans.values():
                tx.save_plan(PlanRecord(code=plan.code, data=to_data(plan)))
            seller = self._seller(tx, seller)
            kept = self._kept_dunning(tx)
            if given_dunning:
                if kept is not None and (kept[0], kept[1]) != (dunning, plan_dunning):
                    raise BillingError(
                        "dunning",
                        dunning if dunning is not None else plan_dunning,
                        "the dunning the store keeps (set by an earlier Billing on it: "
                        "leave dunning= out to use it, or replace it with change_dunning())",
                    )
            elif kept is not None:
                dunning, plan_dunning = kept[0], kept[1]
            if overdue is not None:
                if kept is not None and kept[2] != overdue:
                    raise BillingError(
                        "overdue",
                        overdue,
                        "the overdue ladder the store keeps (leave overdue= out to use it, "
                        "or replace it with change_dunning())",
                    )
            elif kept is not None:
                overdue = kept[2]
            self._use_dunning(dunning, plan_dunning, overdue)
            if kept is None and (given_dunning or overdue is not None):
                self._keep_dunning(tx)
        self.seller: Party = seller

    def _use_dunning(
        self,
        dunning: DunningSchedule | None,
        plan_dunning: Mapping[str, DunningSchedule],
        overdue: OverdueLadder | None,
    ) -> None:
        _with_ladder(overdue, dunning, plan_dunning)
        self.dunning, self.plan_dunning, self.overdue = dunning, dict(plan_dunning), overdue
        self.deletion_days = (
            self._deletion_days if self.dunning is None else self.dunning.deletion_days
        )

    @property
    def _dunning_id(self) -> str:
        """The payer record keeping this business's dunning (one per ``business=``)."""
        return DUNNING_ID if self.business is None else f"{DUNNING_ID}/{self.business}"

    def _kept_dunning(
        self, tx: Transaction
    ) -> tuple[DunningSchedule | None, dict[str, DunningSchedule], OverdueLadder | None] | None:
        """The dunning the store keeps (``None``: none kept)."""
        try:
            data = tx.payer(self._dunning_id).data
        except NotFoundError:
            return None
        business = data.get("dunning")
        plans = data.get("plans") or {}
        ladder = data.get("overdue")
        assert isinstance(plans, Mapping)
        return (
            None if business is None else from_data(business),
            {str(code): from_data(value) for code, value in plans.items()},
            None if ladder is None else from_data(ladder),
        )

    def _keep_dunning(self, tx: Transaction) -> None:
        data = {
            "dunning": None if self.dunning is None else to_data(self.dunning),
            "plans": {code: to_data(v) for code, v in sorted(self.plan_dunning.items())},
            "overdue": None if self.overdue is None else to_data(self.overdue),
        }
        tx.save_payer(PayerRecord(id=self._dunning_id, data=data))

    def change_dunning(
        self,
        dunning: DunningSchedule | Mapping[str, DunningSchedule] | None = None,
        *,
        overdue: OverdueLadder | None = None,
    ) -> None:
        """Replace the dunning the store keeps (and this ``Billing``'s) with ``dunning``
        and ``overdue`` (``None``: the attempt-counted dunning, no ladder).

        Every ``Billing`` on the store opened afterwards without ``dunning=``
        and ``overdue=`` runs them; one already open keeps what it read until
        it is opened again. Invoices already overdue are dunned by the new
        schedule from the next run on (what was done stays done).
        """
        if isinstance(dunning, Mapping):
            plans, business = _plan_schedules(dunning), None
        else:
            plans, business = {}, _dunning_schedule(dunning)
        if overdue is not None and not isinstance(overdue, OverdueLadder):
            raise BillingError("overdue", overdue, "a billkit.subscriptions.OverdueLadder or None")
        _with_ladder(overdue, business, plans)
        with self.store.transaction(lock=f"account:{self._dunning_id}") as tx:
            self._use_dunning(business, plans, overdue)
            self._keep_dunning(tx)

    @property
    def _settings_id(self) -> str:
        """The payer record keeping this business's settings (one per ``business=``)."""
        return SETTINGS_ID if self.business is None else f"{SETTINGS_ID}/{self.business}"

    def _kept_settings(self, tx: Transaction) -> dict[str, object]:
        """The settings the store keeps for this business (``{}``: none kept)."""
        try:
            return dict(tx.payer(self._settings_id).data)
        except NotFoundError:
            return {}

    def _settings(
        self, given: Mapping[str, object], kept: Mapping[str, object]
    ) -> dict[str, object]:
        """Each setting: the one given, else the one kept, else its default; one
        given that differs from the one kept is refused, naming it."""
        for name, value in given.items():
            if name in kept and not _same_setting(name, kept[name], value):
                which = "the store" if self.business is None else f"business {self.business!r}"
                raise BillingError(
                    name,
                    value,
                    f"the {name} kept in {which} ({kept[name]!r}, set by an earlier Billing "
                    f"on it): leave {name}= out to use it, or change it with change_settings()",
                )
        return {name: given.get(name, kept.get(name, d)) for name, d in _SETTINGS.items()}

    def _use_settings(self, chosen: Mapping[str, object]) -> None:
        """Use the settings ``chosen`` (each as the store keeps it, :func:`_setting`),
        checked again, as they may come from the store: all of them, or (one
        refused) none."""
        value = {name: _kept_value(name, chosen[name]) for name in _SETTINGS}
        series, plans = _series_of(value)
        include = value["prices_include_tax"]
        self.series = series
        self.locale: str = str(value["locale"])
        self.prices_include_tax: bool | None = None if isinstance(include, Mapping) else include  # type: ignore[assignment]
        self.plan_prices_include_tax: Mapping[str, bool] = (
            include if isinstance(include, Mapping) else {}
        )
        self.proforma_plans: frozenset[str] | None = plans
        self.proforma_final: str = str(value["proforma_final"])
        _check_approval(value)
        self.proforma_approval: bool = value["proforma_approval"]  # type: ignore[assignment]
        self.max_attempts: int = value["max_attempts"]  # type: ignore[assignment]
        self.cancel_at_cycle_end: bool = value["cancel_at_cycle_end"]  # type: ignore[assignment]
        self._deletion_days: int | None = value["deletion_days"]  # type: ignore[assignment]
        schedule: DunningSchedule | None = getattr(self, "dunning", None)  # None in __init__
        self.deletion_days = self._deletion_days if schedule is None else schedule.deletion_days
        self.payment_days: int = value["payment_days"]  # type: ignore[assignment]
        self.channels: dict[str, tuple[str, ...]] = _channels("channels", value["channels"])  # type: ignore[arg-type]
        self.methods: dict[str, PaymentMethod] = value["methods"]  # type: ignore[assignment]
        self.bonus: BonusProgram | None = value["bonus"]  # type: ignore[assignment]

    def _has_billed(self, tx: Transaction, kept: Mapping[str, object]) -> bool:
        """Whether a series this business numbers (or numbered) its bills in has
        issued a number (a series another business shares counts too)."""
        names = {str(kept.get(n, _SETTINGS[n])) for n in _SERIES_SETTINGS[:3]}
        earlier = kept.get(_EARLIER_SERIES) or []
        assert isinstance(earlier, list)
        for name in names | {str(n) for n in earlier}:
            try:
                if tx.series(name).next > 1:
                    return True
            except NotFoundError:
                continue
        return False

    def _no_payer_left(
        self, tx: Transaction, before: Mapping[str, object], after: Mapping[str, object]
    ) -> None:
        """Refuse ``methods`` that leave out a method a customer's ``pays_with``
        still names: its top-ups and autopayments would fail. The store's
        payers are read only when a method is removed. In a store shared by
        several businesses, only this business's customers count (the payer
        data's ``business``, written by :meth:`add_customer` and
        :meth:`change_payer`); a payer added before it was written names no
        business and counts for every business (conservative: it may be this
        business's)."""
        gone = sorted(set(before) - set(after))
        if not gone:
            return
        paying = tx.payers_paying_with(gone, business=self.business)
        payers = [id for id in paying if not id.startswith("_")]
        if payers:
            shown = ", ".join(payers[:_NAMED])
            more = f" and {len(payers) - _NAMED} more" if len(payers) > _NAMED else ""
            names = " or ".join(repr(name) for name in gone)
            whom = "1 customer pays" if len(payers) == 1 else f"{len(payers)} customers pay"
            raise BillingError(
                "methods",
                sorted(after),
                f"every method a customer's pays_with names: {whom} with {names} "
                f"({shown}{more}); move them to another method first "
                "(change_payer(customer, pays_with=...))",
            )

    def _no_stranded(self, tx: Transaction, before: int, after: int) -> None:
        """Refuse ``max_attempts`` lowered to ``after`` when an unpaid invoice
        dunned by attempts has failed from ``after`` to ``before - 1`` times: it
        would be neither tried again nor frozen (the failure that freezes is
        the ``max_attempts``-th). Conservative: a store shared with other
        businesses counts their invoices too."""
        if after >= before:
            return
        unpaid = [d for d in tx.unpaid_invoices() if self._schedule_of(d, tx) is None]
        events = tx.document_events_of([d.id for d in unpaid])
        tried = {d.id: sum(e.event == "payment_failed" for e in events[d.id]) for d in unpaid}
        stranded = {doc: n for doc, n in tried.items() if after <= n < before}
        if stranded:
            doc, most = max(stranded.items(), key=lambda item: (item[1], item[0]))
            raise BillingError(
                "max_attempts",
                after,
                f"at least {most + 1}: {doc} has failed {most} times, and would be "
                "neither tried again nor frozen",
            )

    def change_settings(
        self,
        *,
        invoice_series: str | _Unset = _UNSET,
        credit_series: str | _Unset = _UNSET,
        proforma_series: str | _Unset = _UNSET,
        act_series: str | _Unset = _UNSET,
        locale: str | _Unset = _UNSET,
        prices_include_tax: bool | Mapping[str, bool] | _Unset | None = _UNSET,
        proforma: bool | Iterable[str] | _Unset = _UNSET,
        proforma_final: str | _Unset = _UNSET,
        proforma_approval: bool | _Unset = _UNSET,
        max_attempts: int | _Unset = _UNSET,
        cancel_at_cycle_end: bool | _Unset = _UNSET,
        deletion_days: int | _Unset | None = _UNSET,
        payment_days: int | _Unset = _UNSET,
        channels: Mapping[str, Sequence[str]] | _Unset = _UNSET,
        methods: Iterable[PaymentMethod] | _Unset = _UNSET,
        bonus: BonusProgram | _Unset | None = _UNSET,
    ) -> dict[str, tuple[Any, Any]]:
        """Replace the settings given in the store (the settings record
        :data:`SETTINGS_ID`) and in this ``Billing``; returns what changed:
        ``{setting: (before, after)}``, each as the store keeps it (the
        payment ``methods`` by name and the ``bonus`` program as values;
        ``{}``: nothing changed). Each value is checked as ``Billing(...)``
        checks it; one refused (a :class:`~billkit.errors.BillingError`
        naming the setting and the value) changes nothing.

        Under the settings' lock, the settings are read from the store (what
        another process changed meanwhile counts), the changes are written,
        and this ``Billing`` takes every kept setting. A ``Billing`` opened
        earlier elsewhere keeps what it read until it is opened again; one
        opened afterwards without the settings uses the new ones, and one
        given the old ones is refused.

        A change applies to what is issued or done from then on: documents
        already issued are never edited (their numbers, due dates, language
        and amounts stay), and no period already billed is billed again.

        * a series (``invoice_series``...): the next documents of its kind
          are numbered in the series named, created if new
          (``NAME-000001``) or continued if it exists; the old series keeps
          its numbers, gap-free, and continues where it stopped if chosen
          again;
        * ``payment_days``: the due date of the next documents; ``locale``:
          the language of the next documents and notices of the customers
          without a locale of their own (:meth:`add_customer`); ``channels``: the
          next notices; ``methods`` and ``bonus``: the next top-ups (one
          made before and still pending is booked under the terms it was
          made under). A method a customer's ``pays_with`` names cannot be
          removed: refused, naming the first five such customers and
          counting the rest; move them first with :meth:`change_payer`
          (the store's payers are read only when a method is removed);
        * ``proforma``, ``proforma_final``: how the next due periods are
          billed and what a proforma paid from now on issues; a period
          already billed is not billed again (its proforma stays payable);
        * ``max_attempts``, ``cancel_at_cycle_end``, ``deletion_days``: the
          next run's dunning. Raised, an invoice whose dunning was over is
          tried again up to the new number (its subscription stays frozen
          until it is paid); lowered, it is refused while an unpaid invoice
          has failed as often as the new number but not the old one (it
          would be neither tried again nor frozen): the error names the
          least number accepted;
        * ``prices_include_tax`` is refused once the business has billed
          (a bill series of its has a number): a run recomputes every
          period of a subscription, so the periods billed already would be
          billed again (credit notes and supplementary invoices) instead of
          the change applying to the next invoice. Bill at other prices
          through another plan (:meth:`change_plan`).
        """
        asked = {
            name: _setting(name, value)
            for name, value in (
                ("invoice_series", invoice_series),
                ("credit_series", credit_series),
                ("proforma_series", proforma_series),
                ("act_series", act_series),
                ("locale", locale),
                ("prices_include_tax", prices_include_tax),
                ("proforma", proforma),
                ("proforma_final", proforma_final),
                ("proforma_approval", proforma_approval),
                ("max_attempts", max_attempts),
                ("cancel_at_cycle_end", cancel_at_cycle_end),
                ("deletion_days", deletion_days),
                ("payment_days", payment_days),
                ("channels", channels),
                ("methods", methods),
                ("bonus", bonus),
            )
            if value is not _UNSET
        }
        named = {str(asked[n]) for n in _SERIES_SETTINGS if n in asked}
        lock = [
            f"account:{self._settings_id}",
            *(f"series:{s}" for s in sorted(named | set(self.series.values()))),
        ]
        with self.store.transaction(lock=lock) as tx:
            kept = self._kept_settings(tx)
            before = {name: kept.get(name, default) for name, default in _SETTINGS.items()}
            after = {**before, **asked}
            changed = [n for n in asked if not _same_setting(n, before[n], after[n])]
            if "prices_include_tax" in changed and self._has_billed(tx, kept):
                raise BillingError(
                    "prices_include_tax",
                    prices_include_tax,
                    f"the kept {before['prices_include_tax']!r}: the business has billed, "
                    "and a run would bill the periods billed already again; bill at other "
                    "prices through another plan",
                )
            if "max_attempts" in changed:
                self._no_stranded(tx, before["max_attempts"], after["max_attempts"])  # type: ignore[arg-type]
            if "methods" in changed:
                self._no_payer_left(tx, before["methods"], after["methods"])  # type: ignore[arg-type]
            # a kept one refused refuses the change
            _check_approval(after)
            series, _ = _series_of({name: _kept_value(name, after[name]) for name in _SETTINGS})
            if any(kept.get(name, _UNSET) != value for name, value in asked.items()):
                data = {**kept, **{n: after[n] for n in asked if n in changed or n not in kept}}
                earlier = list(kept.get(_EARLIER_SERIES) or [])  # type: ignore[call-overload]
                for name in _SERIES_SETTINGS[:3]:
                    if name in changed and before[name] not in earlier:
                        earlier.append(before[name])
                if earlier:
                    data[_EARLIER_SERIES] = sorted(earlier)
                tx.save_payer(PayerRecord(id=self._settings_id, data=data))
            for name in series.values():
                try:
                    tx.series(name)
                except NotFoundError:
                    tx.create_series(SeriesRecord(name=name, prefix=f"{name}-", width=6))
        self._use_settings(after)
        return {
            name: (_shown(name, before[name]), _shown(name, after[name]))
            for name in _SETTINGS
            if name in changed
        }

    def _seller(self, tx: Transaction, seller: Party | None) -> Party:
        """Keep ``seller`` as the business's seller, or read the one kept."""
        record = SELLER_ID if self.business is None else f"{SELLER_ID}/{self.business}"
        if seller is not None:
            seller = checks.instance("seller", seller, Party, error=BillingError)
            tx.save_payer(PayerRecord(id=record, data={"party": to_data(seller)}))
            return seller
        try:
            kept: Party = from_data(tx.payer(record).data["party"])
        except NotFoundError:
            which = "the store" if self.business is None else f"business {self.business!r}"
            raise BillingError(
                "seller", None, f"a seller: none is kept in the store for {which}"
            ) from None
        return kept

    # ------------------------------------------------------------ customers

    def add_customer(
        self,
        id: str,
        party: Party,
        *,
        currency: str,
        email: str = "",
        method: str | None = None,
        balance_first: bool = True,
        pays_with: str | None = None,
        autopay_cap: Money | None = None,
        channels: Mapping[str, Sequence[str]] | None = None,
        credit_line: CreditLine | None = None,
        locale: str | None = None,
    ) -> None:
        """Add a payer with a ledger account ``<id>/main`` in ``currency``.

        ``method`` is a saved payment method's token; with ``balance_first``
        (the default) it is charged only when the balance does not cover an
        invoice, without it the method pays and the balance is left for what
        the method cannot. ``pays_with`` names the business's payment-method
        terms the saved method is charged under (its commission and
        cashback apply to top-ups): one of the methods the store keeps now,
        else a :class:`~billkit.errors.CreditError` naming ``pays_with``
        (move a customer to other terms with :meth:`change_payer`). ``autopay_cap`` turns on autopayment: an
        invoice the balance does not cover is paid by topping the balance
        up from the saved method, never by more than ``autopay_cap`` in a
        calendar month (commission included); above it the invoice stays
        due and the customer is told. ``email`` receives notifications;
        ``channels`` (category to channels) overrides the business's choice
        for this customer; ``locale`` (``"uk_UA"``, ``"fa"``) is the language and
        number format of the customer's notifications (see
        :func:`billkit.notify.compose`) and of the invoices and proformas
        made for it (their labels, the lines' names by ``Plan.name_in`` and
        ``Charge.name_in``, their explanations), the business's ``locale``
        when not given, or for documents when billkit does not write them in
        its language (English, Russian, Ukrainian, Italian and Persian). A
        changed locale applies to the next documents: the issued ones, and
        the periods they bill, stay as they are.
        ``credit_line`` makes the customer postpaid
        (:class:`~billkit.credit.CreditLine`): invoices are paid from the
        account on credit up to the line's limit, and :meth:`run` keeps the
        line's statement calendar (statement, due, overdue, blocked).
        Adding the same customer again changes nothing but the payer's details.
        The payer's data records this ``business`` (``None``: the store's unnamed
        one) as the customer's: in a store shared by several businesses,
        :meth:`change_settings` weighs only its own customers when it removes
        a payment method.
        """
        if autopay_cap is not None:
            AutopaySettings(currency=currency, monthly_max=autopay_cap)  # refuses a bad cap
        data: dict[str, object] = {
            "party": to_data(party),
            "email": email,
            "method": method,
            "balance_first": balance_first,
            "pays_with": pays_with,
            "autopay_cap": None if autopay_cap is None else str(autopay_cap.amount),
            "business": self.business,  # whose customer (_no_payer_left counts its own)
        }
        if locale is not None:
            data["locale"] = checks.locale("locale", locale, error=BillingError)
        if channels is not None:
            data["channels"] = {k: list(v) for k, v in _channels("channels", channels).items()}
        if credit_line is not None:
            if credit_line.currency.code != currency:
                raise CreditError("credit_line", credit_line.limit, f"a limit in {currency}")
            data["credit_line"] = to_data(credit_line)
        lock = [f"account:{id}"]
        if pays_with is not None:
            # Under the settings' lock too: a change_settings() removing the method
            # waits for this customer, and then sees it paying with the method.
            lock.append(f"account:{self._settings_id}")
        with self.store.transaction(lock=lock) as tx:
            self._kept_method(tx, pays_with)
            try:
                kept = tx.payer(id).data
            except NotFoundError:
                kept = {}
            for name in ("subscriptions", "credit_blocked", "credit_events"):
                if name in kept:
                    data[name] = kept[name]
            tx.save_payer(PayerRecord(id=id, data=data))
            try:
                tx.account(f"{id}/main")
            except NotFoundError:
                zero = Money("0", currency)
                tx.open_account(
                    AccountRecord(id=f"{id}/main", customer=id, credit_limit=zero, balance=zero)
                )
            if credit_line is not None:
                tx.set_credit_limit(f"{id}/main", credit_line.limit)
        if credit_line is not None:
            with self.store.transaction(lock=[f"payer:{_CREDIT_BOOK}"]) as tx:
                try:
                    book = tx.payer(_CREDIT_BOOK)
                except NotFoundError:
                    book = PayerRecord(id=_CREDIT_BOOK, data={"customers": []})
                listed = list(book.data["customers"])
                if id not in listed:
                    tx.save_payer(attrs.evolve(book, data={"customers": sorted([*listed, id])}))

    def change_payer(self, customer: str, *, pays_with: str | None) -> str | None:
        """Charge ``customer``'s saved method under the payment-method terms
        named ``pays_with`` from now on (``None``: no terms, no commission);
        returns the name it replaced. The customer's next top-ups and
        autopayments pay that method's commission and earn its cashback; a
        top-up made before keeps the terms it was made under. A name that is
        not one of the business's ``methods`` (as the store keeps them now) is
        refused (:class:`~billkit.errors.CreditError` naming ``pays_with``), and
        nothing changes. This is how customers are moved off a method before
        :meth:`change_settings` removes it. The payer's data records this
        ``business`` as the customer's (as :meth:`add_customer` does; a customer
        added before billkit recorded it counts for every business until then).
        """
        # Under the settings' lock too: a change_settings() removing the method
        # waits for this change, and then sees the customer paying with it.
        lock = [f"account:{customer}", f"account:{self._settings_id}"]
        with self.store.transaction(lock=lock) as tx:
            self._kept_method(tx, pays_with)
            payer = tx.payer(customer)
            before = payer.data.get("pays_with")
            mine = {"pays_with": pays_with, "business": self.business}
            if any(payer.data.get(k, _UNSET) != v for k, v in mine.items()):
                tx.save_payer(attrs.evolve(payer, data={**payer.data, **mine}))
        return None if before is None else str(before)

    def _kept_method(self, tx: Transaction, pays_with: str | None) -> None:
        """Refuse ``pays_with`` unless it names one of the methods the store keeps
        now (this ``Billing``'s when it keeps none): another process may have
        changed them since this one read them."""
        if pays_with is None:
            return
        kept = self._kept_settings(tx)
        methods = _kept_value("methods", kept["methods"]) if "methods" in kept else self.methods
        assert isinstance(methods, Mapping)
        if pays_with not in methods:
            raise CreditError(
                "pays_with", pays_with, f"a payment method of the business {sorted(methods)}"
            )

    def subscribe(self, id: str, customer: str, plan: str, *, on: date | None = None) -> None:
        """Subscribe ``customer`` to ``plan`` from ``on`` (today by default), as ``id``.

        Under an :attr:`overdue` ladder, a customer's account in an overdue
        state holds the new subscription too, from now: it enters today the
        state the account's other subscriptions (not cancelled) are in, the
        highest when they differ (:meth:`_enter_state`: told, frozen when the
        state stops the service); a state the account passed since the last
        run is applied by the next, as to the others.
        """
        today = self.clock.today()
        start = on or today
        chosen = self._plan(plan)
        sub = Subscribed(id=id, plans=[PlanFrom(on=start, plan=chosen)])
        first = sub.plans[0].plan.cycle.period(start, 0)
        with self.store.transaction(lock=[f"account:{customer}"]) as tx:
            payer = tx.payer(customer)
            listed = list(payer.data.get("subscriptions") or [])
            tx.save_payer(attrs.evolve(payer, data={**payer.data, "subscriptions": [*listed, id]}))
            tx.add_subscription(
                SubscriptionRecord(
                    id=id,
                    customer=customer,
                    plan=plan,
                    status="active",
                    next_billing=first.end,
                    data={"plans": [[start.isoformat(), plan]], "ends": None, "attempts": 0},
                )
            )
            if self.overdue is not None and listed:  # one more read: the account's others
                rank = {s.name: i for i, s in enumerate(self.overdue.states)}
                held = [
                    rank[str(r.data["overdue_state"])]
                    for r in tx.subscriptions_of(str(i) for i in listed).values()
                    if r.status != "cancelled" and str(r.data.get("overdue_state")) in rank
                ]
                if held:
                    self._enter_state(tx, id, self.overdue.states[max(held)], today)

    def add_service(self, customer: str, service: Service, *, token: str | None = None) -> None:
        """Keep a hosted ``service`` of ``customer`` renewed automatically by :meth:`run`.

        ``service`` (:class:`~billkit.subscriptions.services.Service`) says
        its price per term, when it expires and where it renews from: the
        account balance, or a saved method (``pay_from`` its id; ``token``
        the gateway's token for it). Each run asks
        :func:`billkit.subscriptions.renewals.renewal_day` what to do: from
        one day before expiry (60 for domains and SSL certificates) the
        method is charged, or the balance debited; a failed charge makes the
        method "not working", tells the customer (``renewal.failed``) and is
        tried again once the method works (a later successful payment). An
        unrenewed service stops on its expiry day and starts again when
        renewed. Adding a service again replaces it.
        """
        service = checks.instance("service", service, Service, error=SubscriptionError)
        with self.store.transaction(lock=[f"account:{customer}"]) as tx:
            payer = tx.payer(customer)
            data = dict(payer.data)
            data["services"] = {**(payer.data.get("services") or {}), service.id: to_data(service)}
            if service.pay_from not in (None, BALANCE) and token is not None:
                methods = dict(payer.data.get("saved_methods") or {})
                kept = methods.get(service.pay_from)
                method = (
                    kept["method"]
                    if kept and kept["token"] == token
                    else to_data(RenewalMethod(id=str(service.pay_from)))  # a new card: enabled
                )
                methods[str(service.pay_from)] = {"token": token, "method": method}
                data["saved_methods"] = methods
            tx.save_payer(attrs.evolve(payer, data=data))
        with self.store.transaction(lock=[f"payer:{_SERVICE_BOOK}"]) as tx:
            try:
                book = tx.payer(_SERVICE_BOOK)
            except NotFoundError:
                book = PayerRecord(id=_SERVICE_BOOK, data={"customers": []})
            listed = list(book.data["customers"])
            if customer not in listed:
                tx.save_payer(attrs.evolve(book, data={"customers": sorted([*listed, customer])}))

    def record_usage(
        self,
        subscription: str,
        metric: str,
        quantity: Decimal | int | str,
        *,
        key: str,
        at: datetime | None = None,
    ) -> bool:
        """Record usage once per ``key``; ``False`` if that key was already recorded.

        When the usage of the billing period reaches 90 % and then 100 % of
        what the subscription's plan includes for ``metric``, a
        ``usage.threshold`` notification is queued (once per level and
        period), in the transaction that records the event.
        """
        event = UsageRecord(
            subscription=subscription,
            metric=metric,
            at=at or self.clock.now(),
            quantity=Decimal(quantity),
            key=key,
        )
        with self.store.transaction() as tx:
            new = tx.add_usage([event]) == 1
            if new:
                self._usage_alerts(tx, subscription, metric, event.at)
            return new

    def _usage_alerts(self, tx: Transaction, sub_id: str, metric: str, at: datetime) -> None:
        record = tx.subscription(sub_id)
        sub = self._subscribed(record, tx)
        day = at.astimezone(_UTC).date()
        if day < sub.starts or (sub.ends is not None and day >= sub.ends):
            return
        period = sub.period_on(day)
        plan = sub.plan_on(period.start)
        included = [
            c
            for c in plan.charges
            if isinstance(c, Charge) and c.metric == metric and c.included > 0
        ]
        if not included:
            return
        used = tx.usage_totals(sub_id, _midnight(period.start), _midnight(period.end)).get(
            metric, Decimal(0)
        )
        payer: Mapping[str, object] | None = None
        for charge in included:
            for level, label in ((Decimal("0.9"), "90%"), (Decimal(1), "100%")):
                if used < level * charge.included:
                    continue
                key = f"usage.threshold|{sub_id}|{period.start}|{charge.code}|{label}"
                if tx.recall(f"told|{key}", {}) is not None:
                    continue
                payer = payer or tx.payer(record.customer).data
                self._notify(
                    tx,
                    key,
                    "usage.threshold",
                    record.customer,
                    payer,
                    {
                        "subscription": sub_id,
                        "metric": metric,
                        "metric_name": charge.description,  # the plan's name of it ("" if none)
                        "metric_names": dict(charge.names),  # per locale (Charge.names)
                        "level": label,
                        "included": str(charge.included),
                        "period": str(period),
                    },
                    self.clock.now(),
                )
                tx.remember(f"told|{key}", {}, {"used": str(used)}, at=self.clock.now())

    def top_up(
        self,
        customer: str,
        amount: Money,
        *,
        key: str,
        via: str | None = None,
        tariff: Money | None = None,
    ) -> PaymentResult:
        """Credit ``amount`` to the customer's balance, paid with the saved method, once per ``key``.

        ``via`` names one of the business's payment ``methods`` (default:
        the customer's ``pays_with``): the payer is charged what
        :meth:`billkit.credit.PaymentMethod.quote` says, commission included,
        and earns that method's cashback. The business's ``bonus`` program
        adds its bonus, counted in months of ``tariff`` (default: the fixed
        fees of the customer's subscriptions today). The payment, the bonus
        and the cashback are posted together with the record of the
        payment, by :func:`billkit.credit.receive_payment`; a payment the
        provider settles later (a bank transfer) is booked when its
        webhook arrives. The same ``key`` again replays the first answer
        and books nothing twice; with another amount it is refused
        (:class:`~billkit.errors.IdempotencyConflictError`).

        The terms are those in force when the top-up is first asked: the
        method (commission, limits, cashback) and the bonus program are
        kept with it before the provider is asked, and the payment is
        booked under them, however late it settles and whatever
        :meth:`change_settings` changed meanwhile (the customer pays and
        gets what was quoted). A top-up refused by the method's limits
        keeps nothing: asked again with its key, it is checked under the
        terms then in force.
        """
        return self._top_up(customer, amount, key=key, via=via, tariff=tariff)

    def _top_up(
        self,
        customer: str,
        amount: Money,
        *,
        key: str,
        via: str | None = None,
        tariff: Money | None = None,
        autopay: bool = False,
    ) -> PaymentResult:
        request_key = f"topup|{customer}|{key}"
        quoted_key = f"{_QUOTED}|{customer}|{key}"
        now = self.clock.now()
        # Under the account's lock, the terms the top-up was first asked under are
        # read back; asked for the first time, the terms in force now are checked
        # (the limits refuse before anything is kept or called) and kept with it,
        # in this one transaction: it is booked under them, however long its
        # payment takes to settle and whatever changes meanwhile.
        with self.store.transaction(lock=[f"account:{customer}"]) as tx:
            payer = tx.payer(customer)
            name = via if via is not None else payer.data.get("pays_with")
            if tariff is None and self.bonus is not None:
                tariff = self._tariff(tx, payer.data)
            ask: dict[str, object] = {
                "amount": str(amount.amount),
                "currency": amount.currency.code,
                "via": name,
                "tariff": None if tariff is None else str(tariff.amount),
            }
            if autopay:
                ask["autopay"] = True
            done = tx.recall(request_key, ask)
            if done is None:
                kept = tx.recall(quoted_key, ask)
                terms, program = (
                    (self._terms(name), self.bonus) if kept is None else _quoted_terms(kept)
                )
                _, quote = self._top_up_entries(customer, key, ask, "", now, terms, program)
                if kept is None:
                    quoted = {
                        "method": None if terms is None else to_data(terms),
                        "bonus": None if program is None else to_data(program),
                    }
                    tx.remember(quoted_key, ask, quoted, at=now)
        if done is not None:
            return self.gateway.get_payment(str(done["reference"]))
        token = payer.data.get("method")
        request = PaymentRequest(
            amount=quote.gross if quote is not None else amount,
            customer=customer,
            method=SavedMethod(token=token) if token else None,
            description=f"top-up {key}",
            metadata={"purpose": "top_up", "key": key},
        )
        result = self.gateway.create_payment(request, request_key)
        if result.status is PaymentStatus.SUCCEEDED:
            self._book_top_up(customer, key, ask, result, (terms, program))
        elif result.status is not PaymentStatus.FAILED and result.reference:
            with self.store.transaction(lock=[f"account:{customer}"]) as tx:
                ref_key = f"payment|{result.reference}"
                if tx.recall(ref_key, {}) is None:
                    found = {"top_up": customer, "key": key, "ask": ask}
                    tx.remember(ref_key, {}, found, at=self.clock.now())
        return result

    def _tariff(self, tx: Transaction, payer: Mapping[str, object]) -> Money | None:
        """The fixed fees of the customer's subscriptions in force today (None: none)."""
        total: Money | None = None
        today = self.clock.today()
        listed = payer.get("subscriptions") or []
        assert isinstance(listed, list)
        for sub_id in listed:
            record = tx.subscription(str(sub_id))
            if record.status in ("cancelled", "frozen"):
                continue
            fee = fixed_fee(self._subscribed(record, tx).plan_on(today))
            total = fee if total is None else total + fee
        return total

    def _top_up_entries(
        self,
        customer: str,
        key: str,
        ask: Mapping[str, object],
        reference: str,
        at: datetime,
        terms: PaymentMethod | None,
        program: BonusProgram | None,
    ) -> tuple[list[EntryRecord], PaymentQuote | None]:
        """The store entries of a top-up (payment, bonus, cashback) and the quote
        of ``terms`` (the method's), under the bonus ``program``."""
        amount = Money(str(ask["amount"]), str(ask["currency"]))
        tariff = None if ask.get("tariff") is None else Money(str(ask["tariff"]), amount.currency)
        quote = terms.quote(amount) if terms is not None else None
        book = Ledger(wallets=[Wallet(name="main", currency=amount.currency)])
        book = receive_payment(
            book,
            "main",
            amount,
            at=at,
            key=f"topup|{key}",
            reference=reference,
            method=terms,
            program=program,
            tariff=tariff,
        )
        records = []
        for entry in book.entries:
            data: dict[str, object] = {"reference": reference}
            if entry.kind is EntryKind.TOP_UP:
                kind = "payment"
                if quote is not None:
                    data.update(gross=str(quote.gross.amount), fee=str(quote.fee.amount))
            else:
                kind = entry.kind.value
                data.update(
                    source=entry.source, credit_kind=str(getattr(entry.credit_kind, "value", ""))
                )
                if entry.expires_at is not None:
                    data["expires_at"] = entry.expires_at.isoformat()
            if terms is not None:
                data["method"] = terms.name
            if ask.get("autopay") and entry.kind is EntryKind.TOP_UP:
                data["autopay"] = True
            records.append(
                EntryRecord(
                    account=f"{customer}/main",
                    key=entry.key,
                    amount=entry.amount,
                    at=entry.at,
                    kind=kind,
                    data=data,
                )
            )
        return records, quote

    def _book_top_up(
        self,
        customer: str,
        key: str,
        ask: Mapping[str, object],
        result: PaymentResult,
        quoted: tuple[PaymentMethod | None, BonusProgram | None] | None = None,
    ) -> bool:
        """Post a succeeded top-up's entries with the record of its payment (once),
        under the terms it was made under: ``quoted``, else those kept when it
        was made (a top-up made before they were kept:
        the terms in force now)."""
        request_key = f"topup|{customer}|{key}"
        now = self.clock.now()
        with self.store.transaction(lock=[f"account:{customer}"]) as tx:
            if tx.recall(request_key, ask) is not None:
                return False
            if quoted is None:
                kept = tx.recall(f"{_QUOTED}|{customer}|{key}", ask)
                quoted = (
                    (self._terms(ask.get("via")), self.bonus)
                    if kept is None
                    else _quoted_terms(kept)
                )
            terms, program = quoted
            entries, _ = self._top_up_entries(
                customer, key, ask, result.reference, now, terms, program
            )
            tx.post_all(entries)
            tx.remember(request_key, ask, {"reference": result.reference}, at=now)
            self._notify(
                tx,
                f"payment.received|{request_key}",
                "payment.received",
                customer,
                tx.payer(customer).data,
                {
                    "document": f"top-up {key}",
                    "total": str(result.amount.amount),
                    "credited": str(sum(e.amount.amount for e in entries)),
                    "currency": result.amount.currency.code,
                },
                now,
            )
        return True

    def _terms(self, name: object) -> PaymentMethod | None:
        if name is None:
            return None
        if name not in self.methods:
            raise CreditError(
                "via", name, f"a payment method of the business {sorted(self.methods)}"
            )
        return self.methods[str(name)]

    def change_plan(self, subscription: str, plan: str) -> date:
        """Move ``subscription`` to ``plan``; returns the day the change takes effect.

        An upgrade (the new plan bills more per cycle:
        :func:`billkit.pricing.proration.change_direction`) takes effect
        today: the running cycle ends today and is billed at once, pro rata
        (the old plan's fixed fee less the credit
        :func:`billkit.pricing.change_plan` gives for the unused days, and
        the usage so far), and the cycles restart today on the new plan. A
        downgrade or a plan of the same fee takes effect when the running
        cycle ends (the subscription is ``downgrading`` until then). Asking
        for the plan already in force drops a scheduled change.
        """
        with self.store.transaction() as tx:
            chosen = self._plan(plan, tx)
            record = tx.subscription(subscription)
            current = self._subscribed(record, tx)
            if chosen.cycle != current.plans[0].plan.cycle:
                raise SubscriptionError(
                    "plan", plan, f"a plan billed {current.plans[0].plan.cycle}"
                )
            if record.status in ("cancelled", "frozen"):
                raise SubscriptionError("status", record.status, "an active subscription")
            held = record.data.get("overdue_state")
            if held is not None and self.overdue is not None:
                rung = next((s for s in self.overdue.states if s.name == held), None)
                if rung is not None and rung.blocks_changes:
                    raise SubscriptionError(
                        "overdue_state", held, "a state that does not block plan changes"
                    )
            today = self.clock.today()
            period = current.period_on(max(today, current.starts))
            in_force = current.plan_on(today)
            status = record.status
            next_billing = record.next_billing
            bill_now = False
            if chosen.code == in_force.code:
                on = today  # already on it (or a retry): a scheduled change is dropped
                status = "active" if status == "downgrading" else status
                kept = [p for p in record.data["plans"] if date.fromisoformat(p[0]) <= today]
                kept = kept or list(record.data["plans"][:1])
                bill_now = next_billing is not None and next_billing <= today
            else:
                if change_direction(in_force, chosen) is ChangeDirection.UPGRADE:
                    on = max(today, current.starts)
                    if period.start < on and next_billing is not None:
                        next_billing = min(next_billing, on)  # the cut-short cycle is due
                        bill_now = True
                else:
                    on = period.end
                    status = "downgrading" if status == "active" else status
                kept = [p for p in record.data["plans"] if date.fromisoformat(p[0]) < on]
                kept.append([on.isoformat(), plan])
            data = {**record.data, "plans": kept}
            tx.update_subscription(
                attrs.evolve(record, data=data, status=status, next_billing=next_billing)
            )
            customer = record.customer
        if bill_now:
            lock = [f"account:{customer}", *(f"series:{s}" for s in self.series.values())]
            with self.store.transaction(lock=lock) as tx:
                documents = tx.documents(customer=customer)
                now = self.clock.now()
                writes = _Writes()
                self._bill(
                    tx, customer, [subscription], today, now, None, {}, documents, {}, writes
                )
                writes.flush(tx, now)
        return on

    def cancel(self, subscription: str) -> date:
        """Cancel at the end of the current billing cycle; returns the last day billed + 1."""
        with self.store.transaction() as tx:
            record = tx.subscription(subscription)
            current = self._subscribed(record, tx)
            ends = current.period_on(max(self.clock.today(), current.starts)).end
            data = {**record.data, "ends": ends.isoformat()}
            if record.status in ("frozen", "cancelled"):
                # Frozen (dunning: cancelled at the cycle end anyway) or already over.
                tx.update_subscription(attrs.evolve(record, data=data))
                return ends
            tx.update_subscription(attrs.evolve(record, status="cancelling", data=data))
        return ends

    # ------------------------------------------------------------ the run

    def run(
        self,
        as_of: date | None = None,
        *,
        id_from: str | None = None,
        id_to: str | None = None,
        schedules: bool | None = None,
    ) -> RunReport:
        """Bill every subscription due by ``as_of`` (today by default), then collect payment.

        ``id_from <= subscription id < id_to`` shards the run: workers with
        overlapping shards bill each period once (the subscription's version
        and the documents' keys refuse a second billing). ``schedules``
        says whether this run also keeps the credit-line calendar and the
        hosted services' renewals (by default: the run whose shard starts
        at the beginning, ``id_from=None``).
        """
        day = as_of or self.clock.today()
        early: list[tuple[str, str]] = []
        if self.overdue is not None:  # the ladder's days since the last run, before billing
            self._overdue_states(day, id_from, id_to, early, billing=True)
        with self.store.transaction(readonly=True) as tx:
            due = tx.subscriptions_due(day, id_from=id_from, id_to=id_to)
        customers = sorted({s.customer for s in due})
        issued: list[str] = []
        carried: list[tuple[str, str, str, Decimal]] = []
        totals: dict[str, Decimal] = {}
        failures: list[tuple[str, str]] = []
        billed = 0
        ids_of: dict[str, list[str]] = {}
        for s in due:
            ids_of.setdefault(s.customer, []).append(s.id)
        outcomes: list[tuple[str, int, list[tuple[str, Money, int]]]] = []
        templates = _Run()  # this run's compiled invoices, buyers and texts (_Run)
        for first in range(0, len(customers), _BATCH):
            chunk = customers[first : first + _BATCH]
            try:
                outcomes += self._bill_batch(chunk, ids_of, day, failures, templates)
            except BillkitError as error:  # the batch's transaction failed: each is skipped
                failures += [(c, f"{type(error).__name__}: {error}") for c in chunk]
        for _customer, done, docs in outcomes:
            billed += done
            for doc_id, gross, sign in docs:
                issued.append(doc_id)
                carried.append((doc_id, _customer, gross.currency.code, sign * gross.amount))
                totals[gross.currency.code] = totals.get(gross.currency.code, Decimal(0)) + (
                    sign * gross.amount
                )
        if id_from is None if schedules is None else schedules:  # by default the first shard's
            self._credit_lines(day, failures)
            self._renewals(day, failures)
        on_payment: list[tuple[str, str, str, Decimal]] = []
        paid, refused = self.collect(
            day, id_from=id_from, id_to=id_to, failures=failures, issued=on_payment
        )
        billed_here = set(issued)
        for row in on_payment:  # the invoices (or acts) paying proformas issued meanwhile
            issued.append(row[0])
            carried.append(row)
            if _proforma_of(row[0]) not in billed_here:  # else its money is counted already
                totals[row[2]] = totals.get(row[2], Decimal(0)) + row[3]
        if self.overdue is not None:
            failures[:0] = early
            # the accounts billed a correction (a credit note, a next revision) weighed again
            fixed = {c for c, _, docs in outcomes for d, _, _ in docs if not d.endswith("|0")}
            self._overdue_states(day, id_from, id_to, failures, corrected=fixed)
        return RunReport(
            as_of=day,
            billed=billed,
            issued=tuple(issued),
            invoiced=tuple(sorted(totals.items())),
            paid=paid,
            failed_payments=refused,
            failures=tuple(failures),
            documents=tuple(carried),
            rejected=tuple(templates.rejected),
        )

    def _bill_batch(
        self,
        customers: Sequence[str],
        ids_of: Mapping[str, Sequence[str]],
        day: date,
        failures: list[tuple[str, str]],
        templates: _Run | None = None,
    ) -> list[tuple[str, int, list[tuple[str, Money, int]]]]:
        """Bill a batch of customers in one transaction.

        The batch's accounts and the number series are locked for the
        whole transaction; its inputs (payers, subscriptions, documents,
        usage totals) are read in a few statements under those locks. The
        batch is first billed straight through; if a customer's billing
        fails with a billkit error, that transaction is rolled back and the
        batch billed again with a savepoint per customer, so the failing
        customer is undone alone, named in ``failures`` and skipped. Anything
        else (a crash) rolls the whole batch back, which a rerun bills again.
        """
        try:
            return self._bill_batch_in(customers, ids_of, day, None, templates)
        except BillkitError:
            return self._bill_batch_in(customers, ids_of, day, failures, templates)

    def _bill_batch_in(
        self,
        customers: Sequence[str],
        ids_of: Mapping[str, Sequence[str]],
        day: date,
        failures: list[tuple[str, str]] | None,
        templates: _Run | None = None,
    ) -> list[tuple[str, int, list[tuple[str, Money, int]]]]:
        """:meth:`_bill_batch` once: straight through (``failures=None``: a
        failure raises) or with a savepoint per customer."""
        lock = [
            *(f"account:{c}" for c in customers),
            *(f"series:{s}" for s in self.series.values()),
        ]
        out: list[tuple[str, int, list[tuple[str, Money, int]]]] = []
        now = self.clock.now()
        writes = _Writes()
        with self.store.transaction(lock=lock) as tx:
            payers = tx.payers_of(customers)
            records = tx.subscriptions_of(i for c in customers for i in ids_of[c])
            documents = tx.documents_of(customers)
            subscribed: dict[str, tuple[SubscriptionRecord, Subscribed]] = {}
            usage = self._usage_of(tx, records.values(), day, subscribed)
            for customer in customers:
                args = (customer, ids_of[customer], day, now, payers.get(customer))
                if failures is None:
                    done, docs = self._bill(
                        tx,
                        *args,
                        records,
                        documents[customer],
                        usage,
                        writes,
                        templates,
                        subscribed,
                    )
                    out.append((customer, done, docs))
                    continue
                try:
                    with tx.savepoint():
                        done, docs = self._bill(
                            tx,
                            *args,
                            records,
                            documents[customer],
                            usage,
                            writes,
                            templates,
                            subscribed,
                        )
                        writes.flush(tx, now)  # per customer: its failure is undone alone
                except BillkitError as error:
                    writes = _Writes()
                    failures.append((customer, f"{type(error).__name__}: {error}"))
                    continue
                out.append((customer, done, docs))
            writes.flush(tx, now)  # straight through: the batch's writes, per table
        return out

    def _usage_of(
        self,
        tx: Transaction,
        records: Iterable[SubscriptionRecord],
        day: date,
        subscribed: dict[str, tuple[SubscriptionRecord, Subscribed]] | None = None,
    ) -> dict[tuple[str, date, date], dict[str, Decimal]]:
        """The usage totals of the periods each due subscription bills, one read per period.

        A subscription whose periods cannot be worked out here is left out
        (its billing reads them itself, and fails in its own savepoint).
        ``subscribed`` gets each record's :class:`Subscribed`, by id, for
        :meth:`_bill` to use again.
        """
        by_period: dict[tuple[date, date], list[str]] = {}
        for record in records:
            if record.next_billing is None or record.next_billing > day:
                continue
            if record.status in ("frozen", "cancelled"):
                continue
            try:
                sub = self._subscribed(record, tx)
                periods = sub.periods(day)
            except BillkitError:
                continue
            if subscribed is not None:
                subscribed[record.id] = (record, sub)
            for period in periods:
                by_period.setdefault((period.start, period.end), []).append(record.id)
        found: dict[tuple[str, date, date], dict[str, Decimal]] = {}
        for (start, end), subs in by_period.items():
            totals = tx.usage_totals_for(subs, _midnight(start), _midnight(end))
            for sub_id in subs:
                found[(sub_id, start, end)] = totals.get(sub_id, {})
        return found

    def _bill(
        self,
        tx: Transaction,
        customer: str,
        ids: Sequence[str],
        day: date,
        now: datetime,
        known: PayerRecord | None,
        records: Mapping[str, SubscriptionRecord],
        documents: Sequence[DocumentRecord],
        usage_of: Mapping[tuple[str, date, date], Mapping[str, Decimal]],
        writes: _Writes,
        templates: _Run | None = None,
        subscribed: Mapping[str, tuple[SubscriptionRecord, Subscribed]] | None = None,
    ) -> tuple[int, list[tuple[str, Money, int]]]:
        """Bill one customer's due subscriptions in ``tx`` from the batch's reads.

        The usual writes (drafts to issue, their notices, the subscriptions'
        next billing days) are added to ``writes`` for the caller to flush;
        anything unusual (dunning, a credit note) flushes them first and
        writes at once, so that it reads what came before. ``subscribed``: the
        batch's :class:`Subscribed` of each record (:meth:`_usage_of`), used
        for the very record it was made from.
        """
        out: list[tuple[str, Money, int]] = []
        billed = 0
        kept = _Run() if templates is None else templates  # the run's, else this call's
        payer = known if known is not None else tx.payer(customer)
        terms = DocumentTerms(
            seller=self.seller,
            buyer=kept.parties.read(payer.data["party"]),  # from_data's (serialize._Parties)
            locale=self._document_locale(payer.data),
            prices_include_tax=self.prices_include_tax,
            rules=None,
        )
        for sub_id in ids:
            record = records[sub_id] if sub_id in records else tx.subscription(sub_id)
            if record.next_billing is None or record.next_billing > day:
                continue  # billed meanwhile by another worker
            if record.status in ("frozen", "cancelled"):
                writes.flush(tx, now)
                self._dunning(tx, record, payer.data, now)
                continue
            seen = None if subscribed is None else subscribed.get(sub_id)
            sub = (
                seen[1] if seen is not None and seen[0] is record else self._subscribed(record, tx)
            )
            usage = []
            for period in sub.periods(day):
                totals = usage_of.get((sub_id, period.start, period.end))
                if totals is None:
                    totals = tx.usage_totals_for(
                        [sub_id], _midnight(period.start), _midnight(period.end)
                    )[sub_id]
                usage += [
                    UsageTotal(subscription=sub_id, period=period, metric=metric, quantity=q)
                    for metric, q in totals.items()
                ]
            state = BillingState(
                terms=terms,
                subscriptions=[sub],
                usage=usage,
                payment_days=self.payment_days,
                prices_include_tax=self.plan_prices_include_tax,
                proforma=(
                    {p.plan.code for p in sub.plans}
                    if self.proforma_plans is None
                    else self.proforma_plans
                ),
            )
            existing = [
                Issued(key=key, document=from_data(doc.data), number=doc.number)
                for doc in documents
                if doc.number is not None
                and (key := DocumentKey.parse(doc.id)).subscription == sub_id
            ]
            # A run's compiled invoices where they apply (billing._Templates)
            planned_docs = _plan_documents(state, day, kept.templates)
            changes = diff(existing, planned_docs, as_of=day)
            if changes.withdraw:  # unusual: written at once, in order
                writes.flush(tx, now)
                status_of = {d.id: d.status for d in documents}
                for key in changes.withdraw:
                    # a rejected proforma stays rejected (replaced all the same)
                    left = "rejected" if status_of.get(str(key)) == "rejected" else "withdrawn"
                    tx.change_status(str(key), event="withdraw", status=left, at=now)
            if self.proforma_approval and changes.unchanged:
                kept.rejected.update(
                    (d.id, None)
                    for d in documents
                    if d.status == "rejected" and DocumentKey.parse(d.id) in changes.unchanged
                )
            for planned in changes.issue:
                doc = planned.document
                doc_id = str(planned.key)
                draft = DocumentRecord(
                    id=doc_id,
                    customer=customer,
                    kind=planned.key.kind,
                    period_start=planned.key.period.start,
                    period_end=planned.key.period.end,
                    total=doc.totals.gross,
                    # its canonical text, written from doc: never made as dicts
                    # unless looked into (records._text_data)
                    data=_text_data(_canonical_text(kept.texts, doc)),
                )
                series = self.series[planned.key.kind]
                sign = -1 if isinstance(doc, CreditNote) else 1
                topic = (
                    "credit_note.issued"
                    if sign < 0
                    else "proforma.issued"
                    if planned.key.kind == PROFORMA
                    else "invoice.issued"
                )
                told: dict[str, object] = {
                    "document": doc_id,
                    "number": "",
                    "total": str(doc.totals.gross.amount),
                    "currency": doc.totals.gross.currency.code,
                }
                if planned.key.kind == PROFORMA:
                    told["kind"] = PROFORMA
                if isinstance(doc, CreditNote):  # unusual: written at once, in order
                    writes.flush(tx, now)
                    tx.save_draft(draft)
                    number = tx.issue(doc_id, series=series, at=now)
                    self._credit_note(tx, customer, planned.key, doc)
                    told["number"] = number.number
                    tx.enqueue_all(
                        self._messages(f"{topic}|{doc_id}", topic, customer, payer.data, told, now)
                    )
                else:  # its messages made once its number is drawn (_Writes.flush)
                    writes.notices.append(
                        (
                            len(writes.drafts),
                            self._numbered(
                                f"{topic}|{doc_id}", topic, customer, payer.data, told, now
                            ),
                        )
                    )
                    writes.drafts.append((draft, series))
                out.append((doc_id, doc.totals.gross, sign))
            # Every cycle ended by ``day`` is billed: the next is the one running on it.
            following = sub.period_on(max(day, sub.starts))
            ended = sub.ends is not None and following.start >= sub.ends
            status = record.status
            if ended:
                status = "cancelled"
                notices = self._messages(
                    f"subscription.cancelled|{sub_id}",
                    "subscription.cancelled",
                    customer,
                    payer.data,
                    {"subscription": sub_id, "ends": str(sub.ends)},
                    now,
                )
                writes.notices.append((None, notices))
            elif status == "downgrading" and sub.plans[-1].on <= following.start:
                status = "active"  # the downgrade took effect
            writes.subscriptions.append(
                SubscriptionRecord(
                    id=record.id,
                    customer=record.customer,
                    plan=record.plan,
                    status=status,
                    next_billing=None if ended else following.end,
                    data=record.data,
                    version=record.version,
                )
            )
            billed += 1
        return billed, out

    def _document_locale(self, payer: Mapping[str, object]) -> str:
        """The locale of the documents made for ``payer``: its own, the one its
        notices are written in (:meth:`_messages`), where billkit writes
        documents in its language (:data:`~billkit.invoicing.render.model.LANGUAGES`),
        else the business's ``locale``."""
        own = payer.get("locale")
        if not isinstance(own, str) or not own:
            return self.locale
        from billkit.invoicing.render.model import LANGUAGES

        return own if own.replace("-", "_").split("_")[0].lower() in LANGUAGES else self.locale

    def _dunning(
        self,
        tx: Transaction,
        record: SubscriptionRecord,
        payer: Mapping[str, object],
        now: datetime,
    ) -> None:
        """The dunning step due on a frozen or dunning-cancelled subscription.

        Frozen and still unpaid at its cycle's end: cancelled on that day
        (``subscription.cancelled``, reason ``unpaid``; final: a later
        payment does not bring it back). Cancelled so: marked for deletion
        ``deletion_days`` later (``subscription.marked_for_deletion``).
        """
        assert record.next_billing is not None
        on = record.next_billing
        if record.status == "frozen":
            schedule = self._schedule(record.id, tx)
            days = self.deletion_days if schedule is None else schedule.deletion_days
            deletion = None if days is None else on + timedelta(days)
            data = {**record.data, "cancelled_on": on.isoformat()}
            if deletion is not None:
                data["deletion_on"] = deletion.isoformat()
            tx.update_subscription(
                attrs.evolve(record, status="cancelled", next_billing=deletion, data=data)
            )
            self._notify(
                tx,
                f"subscription.cancelled|{record.id}",
                "subscription.cancelled",
                record.customer,
                payer,
                {"subscription": record.id, "ends": on.isoformat(), "reason": "unpaid"},
                now,
            )
            return
        data = {**record.data, "marked_for_deletion": on.isoformat()}
        tx.update_subscription(attrs.evolve(record, next_billing=None, data=data))
        self._notify(
            tx,
            f"subscription.marked_for_deletion|{record.id}",
            "subscription.marked_for_deletion",
            record.customer,
            payer,
            {"subscription": record.id, "on": on.isoformat()},
            now,
        )

    def _credit_lines(self, day: date, failures: list[tuple[str, str]]) -> None:
        """Keep every credit line's statement calendar on ``day``: notices and blocking.

        The statements, their dates and the blocked state are those of
        :func:`billkit.credit.credit_state` and :func:`billkit.credit.notices_due`
        over the customer's store entries. ``statement.issued`` and
        ``credit.notice`` (due soon, overdue, blocking soon) go out on their
        days; a change of the blocked state is recorded on the payer (with
        the day) and told as ``credit.blocked`` or ``credit.unblocked``.
        """
        with self.store.transaction(readonly=True) as tx:
            try:
                customers = list(tx.payer(_CREDIT_BOOK).data["customers"])
            except NotFoundError:
                return
        for customer in customers:
            try:
                self._credit_line(customer, day)
            except BillkitError as error:
                failures.append((customer, f"{type(error).__name__}: {error}"))

    def _credit_line(self, customer: str, day: date) -> None:
        now = self.clock.now()
        with self.store.transaction(lock=[f"account:{customer}"]) as tx:
            payer = tx.payer(customer)
            if payer.data.get("credit_line") is None:
                return
            line: CreditLine = from_data(payer.data["credit_line"])
            ledger = _ledger(line, tx.entries(f"{customer}/main"))
            end = _midnight(day + timedelta(days=1)) - timedelta(microseconds=1)
            state = credit_state(ledger, "main", end)
            cur = line.currency.code
            for notice in notices_due(ledger, "main", end):
                if notice.kind is CreditNoticeKind.BLOCKED:
                    continue  # told by the blocking itself
                topic = (
                    "statement.issued"
                    if notice.kind is CreditNoticeKind.ISSUED
                    else "credit.notice"
                )
                self._notify(
                    tx,
                    f"{topic}|{customer}|{notice.statement}|{notice.kind.value}",
                    topic,
                    customer,
                    payer.data,
                    {
                        "statement": notice.statement,
                        "notice": notice.kind.value,
                        "total": str(notice.amount.amount),
                        "currency": cur,
                        "due_on": notice.due_on.isoformat(),
                        "blocked_from": notice.blocked_from.isoformat(),
                    },
                    now,
                )
            was = bool(payer.data.get("credit_blocked"))
            if state.blocked == was:
                return
            event = "blocked" if state.blocked else "unblocked"
            history = [*(payer.data.get("credit_events") or []), [day.isoformat(), event]]
            data = {**payer.data, "credit_blocked": state.blocked, "credit_events": history}
            tx.save_payer(attrs.evolve(payer, data=data))
            self._notify(
                tx,
                f"credit.{event}|{customer}|{len(history)}",
                f"credit.{event}",
                customer,
                data,
                {
                    "overdue": str(state.overdue.amount),
                    "debt": str(state.debt.amount),
                    "currency": cur,
                    "on": day.isoformat(),
                },
                now,
            )

    def _renewals(self, day: date, failures: list[tuple[str, str]]) -> None:
        """Renew every hosted service due on ``day`` (see :meth:`add_service`)."""
        with self.store.transaction(readonly=True) as tx:
            try:
                customers = list(tx.payer(_SERVICE_BOOK).data["customers"])
            except NotFoundError:
                return
        for customer in customers:
            with self.store.transaction(readonly=True) as tx:
                services = sorted(tx.payer(customer).data.get("services") or {})
            for sid in services:
                try:
                    self._renew(customer, sid, day)
                except BillkitError as error:
                    failures.append((f"{customer}/{sid}", f"{type(error).__name__}: {error}"))

    def _renew(self, customer: str, sid: str, day: date) -> None:
        """One day of one service's auto-renewal: decide, charge (outside), record (once)."""
        with self.store.transaction(readonly=True) as tx:
            payer = tx.payer(customer).data
            account = tx.account(f"{customer}/main")
        service: Service = from_data(payer["services"][sid])
        saved = (payer.get("saved_methods") or {}).get(str(service.pay_from))
        method: RenewalMethod | None = from_data(saved["method"]) if saved else None
        available = account.balance
        if payer.get("credit_line") is not None:
            available = account.balance + account.credit_limit
        out = renewal_day(
            service,
            day,
            method=method,
            balance=available,
            balance_blocked=bool(payer.get("credit_blocked")),
        )
        term = str(service.expires_on)
        attempts = int((payer.get("renewal_attempts") or {}).get(f"{sid}|{term}", 0))
        key = f"renew|{customer}|{sid}|{term}|{attempts}"
        charge = next((a for a in out.actions if a.kind is ActionKind.CHARGE), None)
        result: PaymentResult | None = None
        if charge is not None:
            assert saved is not None
            assert charge.amount is not None
            request = PaymentRequest(
                amount=charge.amount,
                customer=customer,
                method=SavedMethod(token=str(saved["token"])),
                description=f"renewal of {sid} (term ends {term})",
                metadata={"purpose": "renewal", "service": sid},
            )
            result = self.gateway.create_payment(request, key)
            if result.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED):
                return  # settles later: the same key asks again tomorrow (replayed, not recharged)
        now = self.clock.now()
        with self.store.transaction(lock=[f"account:{customer}"]) as tx:
            record = tx.payer(customer)
            if tx.recall(f"renewed|{key}|{day}", {}) is not None:
                return  # this day of this service is recorded already
            if from_data(record.data["services"][sid]) != service:
                return  # changed meanwhile (another run): tomorrow decides again
            outcome = out
            attempts_after = attempts
            debit = next((a for a in out.actions if a.kind is ActionKind.DEBIT_BALANCE), None)
            if result is not None:
                paid = result.status is PaymentStatus.SUCCEEDED
                reason = result.failure.code if result.failure is not None else ""
                outcome = renewal_result(
                    out.service, day, paid=paid, method=out.method, reason=reason
                )
                outcome = attrs.evolve(outcome, actions=(*out.actions, *outcome.actions))
                if paid:
                    tx.post(
                        EntryRecord(
                            account=f"{customer}/main",
                            key=key,
                            amount=result.amount,
                            at=now,
                            kind="payment",
                            data={"reference": result.reference, "service": sid},
                        )
                    )
                    debit = charge
                else:
                    attempts_after += 1
            elif debit is not None:
                outcome = renewal_result(out.service, day, paid=True)
                outcome = attrs.evolve(outcome, actions=(*out.actions, *outcome.actions))
            if debit is not None and debit.amount is not None:
                tx.post(
                    EntryRecord(
                        account=f"{customer}/main",
                        key=f"service|{sid}|{term}",
                        amount=-debit.amount,
                        at=now,
                        kind="charge",
                        data={"service": sid, "term_ends": term},
                    )
                )
            data = dict(record.data)
            data["services"] = {**data["services"], sid: to_data(outcome.service)}
            if outcome.method is not None and saved is not None:
                methods = dict(data.get("saved_methods") or {})
                methods[outcome.method.id] = {**saved, "method": to_data(outcome.method)}
                data["saved_methods"] = methods
            if attempts_after != attempts:
                data["renewal_attempts"] = {
                    **(data.get("renewal_attempts") or {}),
                    f"{sid}|{term}": attempts_after,
                }
            tx.save_payer(attrs.evolve(record, data=data))
            for action in outcome.actions:
                if action.kind is not ActionKind.NOTIFY or action.notice is None:
                    continue
                topic = _SERVICE_TOPICS.get(action.notice.value, f"service.{action.notice.value}")
                self._notify(
                    tx,
                    f"{topic}|{customer}|{sid}|{term}|{day}",
                    topic,
                    customer,
                    data,
                    {"service": sid, "term_ends": term, "reason": action.reason},
                    now,
                )
            tx.remember(f"renewed|{key}|{day}", {}, {"service": sid}, at=now)

    def _credit_note(
        self, tx: Transaction, customer: str, key: DocumentKey, note: CreditNote
    ) -> None:
        """A credit note of a paid invoice (or act) gives its amount back to the balance."""
        reversed_ = [
            str(attrs.evolve(key, kind=k, revision=key.revision - 1)) for k in (INVOICE, ACT)
        ]
        found = tx.documents_by_id(reversed_)
        original = found[reversed_[0]] if reversed_[0] in found else tx.document(reversed_[1])
        if original.status == "paid":
            tx.post(
                EntryRecord(
                    account=f"{customer}/main",
                    key=f"doc|{key}",
                    amount=note.totals.gross,
                    at=self.clock.now(),
                    kind="refund",
                )
            )
        else:
            tx.change_status(original.id, event="credit", status="credited", at=self.clock.now())

    # ------------------------------------------------------------ payments

    def collect(
        self,
        as_of: date | None = None,
        *,
        id_from: str | None = None,
        id_to: str | None = None,
        failures: list[tuple[str, str]] | None = None,
        issued: list[tuple[str, str, str, Decimal]] | None = None,
    ) -> tuple[int, int]:
        """Try to collect every unpaid invoice of the shard; returns (paid, refused).

        Given ``issued``, each invoice (or act) that paying a proforma issued
        is added to it as ``(document, customer, currency, total)``.
        """
        day = as_of or self.clock.today()
        # What every payment decision reads, read for the whole shard at once
        # (four statements). Each decision is taken again under the
        # customer's lock before anything is written (see ``_record``,
        # ``_settle``), so a snapshot that ages meanwhile costs a skipped
        # attempt, never a second charge: the gateway's key is the attempt's.
        with self.store.transaction(readonly=True) as tx:
            unpaid = tx.unpaid_invoices(id_from=id_from, id_to=id_to)
            events = tx.document_events_of((d.id for d in unpaid), events=_FAILED)
            # The versions before the payers (``_payers_now``): a payer saved
            # between the two reads is read newer than its version says, never older.
            versions = tx.payer_versions({d.customer for d in unpaid})
            payers = tx.payers_of({d.customer for d in unpaid})
            accounts = tx.accounts_of({f"{d.customer}/main" for d in unpaid})
        counts = {"paid": 0, "failed": 0}
        seen: set[str] = set()
        # Charges made, whose answers are recorded together (``_record_batch``).
        charged: list[tuple[DocumentRecord, PayerRecord, PaymentResult, str]] = []
        for doc in unpaid:
            try:
                account = accounts.get(f"{doc.customer}/main")
                if doc.customer in seen or doc.customer not in payers or account is None:
                    # A second invoice of a customer reads the balance the first left.
                    self._record_batch(charged, day, counts, failures, versions)
                    status = self.pay(doc.id, as_of=day)
                else:
                    payer = payers[doc.customer]
                    step = self._collect_step(doc, payer, events[doc.id], account.balance, day)
                    if isinstance(step, str):
                        status = step
                    else:
                        request, key = step
                        result = self.gateway.create_payment(request, key)
                        if result.status in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED):
                            charged.append((doc, payer, result, key))
                            if len(charged) >= _BATCH:
                                self._record_batch(charged, day, counts, failures, versions)
                            continue
                        # Settled later: recorded at once, so that the webhook
                        # that settles it finds its document by the reference.
                        status = self._record(doc.id, result, day, key, doc.customer)
            except BillkitError as error:
                if failures is not None:
                    failures.append((doc.id, f"{type(error).__name__}: {error}"))
                continue
            finally:
                seen.add(doc.customer)
            counts[status] = counts.get(status, 0) + 1
        self._record_batch(charged, day, counts, failures, versions)
        if issued is not None:
            issued += self._issued_on_payment(unpaid)
        return counts["paid"], counts["failed"]

    def _record_batch(
        self,
        charged: list[tuple[DocumentRecord, PayerRecord, PaymentResult, str]],
        day: date,
        counts: dict[str, int],
        failures: list[tuple[str, str]] | None,
        versions: Mapping[str, int],
    ) -> None:
        """Record the answers to the charges in ``charged`` in one transaction; empties it.

        ``versions``: the stored versions of the charged payers, read no
        later than the payers in ``charged`` (:meth:`_payers_now`).

        Each answer is recorded in its own savepoint (:meth:`_record`'s
        checks, under the batch's account locks), so one that fails is
        undone alone and named in ``failures``. The charges were made
        before, outside any transaction, each under its attempt's key: a
        crash before this commits loses only the records, and the rerun's
        charge with the same key gets the provider's first answer back.
        """
        if not charged:
            return
        batch = list(charged)
        charged.clear()
        try:
            statuses = self._record_batch_in(batch, day, None, versions)
        except BillkitError:
            try:
                statuses = self._record_batch_in(batch, day, failures)
            except BillkitError as error:  # the batch's transaction failed: none was recorded
                if failures is not None:
                    failures += [(doc.id, f"{type(error).__name__}: {error}") for doc, *_ in batch]
                return
        for doc, payer, status, dunned in statuses:
            try:
                if not dunned:
                    status = self._dun_after(status, doc, payer.data, day)
            except BillkitError as error:
                if failures is not None:
                    failures.append((doc.id, f"{type(error).__name__}: {error}"))
                continue
            counts[status] = counts.get(status, 0) + 1

    def _record_batch_in(
        self,
        batch: Sequence[tuple[DocumentRecord, PayerRecord, PaymentResult, str]],
        day: date,
        failures: list[tuple[str, str]] | None,
        versions: Mapping[str, int] | None = None,
    ) -> list[tuple[DocumentRecord, PayerRecord, str, bool]]:
        """:meth:`_record_batch` once: straight through (``failures=None``: a
        failure raises), the ledger entries of the batch posted together at
        its end and the day's scheduled dunning of its failed invoices done
        in its transaction (:meth:`_dun_in`), or with a savepoint per answer
        (a failure is named in ``failures``). Each answer comes back with its
        status and whether its dunning was done here."""
        statuses: list[tuple[DocumentRecord, PayerRecord, str, bool]] = []
        lock = sorted(
            {f"account:{doc.customer}" for doc, _, _, _ in batch}
            | set(self._series_lock(*(doc.id for doc, _, _, _ in batch)))
        )
        with self.store.transaction(lock=lock) as tx:
            if failures is None:
                entries: list[EntryRecord] = []
                writes = _Writes()
                payers = self._payers_now(tx, [payer for _, payer, _, _ in batch], versions or {})
                documents = self._documents_now(tx, [doc for doc, _, _, _ in batch])
                # The failures recorded so far, read once for the batch's failed answers.
                events = tx.document_events_of(
                    (
                        doc.id
                        for doc, _, result, _ in batch
                        if result.status is PaymentStatus.FAILED
                    ),
                    events=_FAILED,
                )
                # Each engine-issued invoice's subscription, parsed from its key once.
                subscription_of = {
                    doc.id: DocumentKey.parse(doc.id).subscription
                    for doc, _, _, _ in batch
                    if doc.kind in _DUNNED and doc.id.count("|") == 4
                }
                subscriptions = tx.subscriptions_of(set(subscription_of.values()))
                for doc, payer, result, key in batch:
                    status = self._record_in(
                        tx,
                        doc.id,
                        result,
                        day,
                        key,
                        doc.customer,
                        payer=payers.get(doc.customer),
                        entries=entries,
                        known=documents.get(doc.id),
                        subscriptions=subscriptions,
                        subscription_of=subscription_of,
                        writes=writes,
                        events=events.get(doc.id),
                    )
                    # the payer as it stands now, for the dunning after
                    statuses.append((doc, payers.get(doc.customer, payer), status, False))
                tx.post_all(entries)
                writes.flush(tx, self.clock.now())
                # The day's scheduled moves of the failed invoices, in this transaction:
                # their documents and events (the failures just written) read once.
                dun = [
                    i
                    for i, (doc, _, status, _) in enumerate(statuses)
                    if status == "failed" and self._schedule_of(doc, tx) is not None
                ]
                if dun:
                    ids = [statuses[i][0].id for i in dun]
                    now_events = tx.document_events_of(ids, events=_DUNNING_EVENTS)
                    now_docs = tx.documents_by_id(ids)
                    moves: list[DocumentEvent] = []
                    for i in dun:
                        doc, payer, status, _ = statuses[i]
                        self._dun_in(
                            tx,
                            doc,
                            payer.data,
                            day,
                            known=now_docs.get(doc.id),
                            events=now_events[doc.id],
                            changes=moves,
                        )
                        statuses[i] = (doc, payer, status, True)
                    if moves:
                        tx.change_status_all(moves)
                return statuses
            for doc, payer, result, key in batch:
                try:
                    with tx.savepoint():
                        status = self._record_in(tx, doc.id, result, day, key, doc.customer)
                except BillkitError as error:
                    failures.append((doc.id, f"{type(error).__name__}: {error}"))
                    continue
                statuses.append((doc, payer, status, False))
        return statuses

    @staticmethod
    def _documents_now(
        tx: Transaction, docs: Sequence[DocumentRecord]
    ) -> dict[str, DocumentRecord]:
        """The stored documents ``docs`` as they stand in ``tx``, by id (an
        unknown one left out), for a decision re-taken under ``tx``'s locks on
        records read before, outside them (:meth:`collect`'s snapshot).

        A shortcut, proven equal to ``tx.documents_by_id`` of the same ids by
        ``tests/engine/test_collect_shortcuts.py``: only the versions are
        read (:meth:`~billkit.ports.Transaction.document_versions`); a record
        whose stored version is still its own is that record still (every
        change of a stored document gives it a new version), so it is used as
        it is; the documents that changed meanwhile are read again, whole.
        The versions are read under the same locks as the whole rows were
        before this shortcut, so the decision sees what it saw then.
        """
        versions = tx.document_versions(d.id for d in docs)
        now = {d.id: d for d in docs if versions.get(d.id) == d.version}
        changed = [d.id for d in docs if d.id in versions and d.id not in now]
        if changed:
            now.update(tx.documents_by_id(changed))
        return now

    @staticmethod
    def _payers_now(
        tx: Transaction, payers: Sequence[PayerRecord], versions: Mapping[str, int]
    ) -> dict[str, PayerRecord]:
        """The stored payers ``payers`` as they stand in ``tx``, by id (an unknown
        one left out), for a decision re-taken under ``tx``'s locks on records
        read before, outside them; ``versions``: their stored versions, read
        no later than ``payers`` were (:meth:`collect`'s snapshot).

        A shortcut, proven equal to ``tx.payers_of`` of the same ids by
        ``tests/engine/test_collect_shortcuts.py``: only the versions are read
        (:meth:`~billkit.ports.Transaction.payer_versions`). Every save of a
        payer raises its version, so a version read now equal to the one read
        before the record means no save came between that read and now: the
        record, read after that version, is the payer still. The payers whose
        version moved (or was not known) are read again, whole.
        """
        now_versions = tx.payer_versions(p.id for p in payers)
        now: dict[str, PayerRecord] = {}
        changed: list[str] = []
        for p in payers:
            if p.id in now or p.id not in now_versions:
                continue
            known = versions.get(p.id)
            if known is not None and known == now_versions[p.id]:
                now[p.id] = p
            else:
                changed.append(p.id)
        if changed:
            now.update(tx.payers_of(changed))
        return now

    def pay(self, document: str, *, as_of: date | None = None) -> str:
        """Collect an issued invoice: from the balance, else the saved method.

        Returns the document's payment state: ``paid``, ``pending`` (the
        provider settles later: a webhook or a later run finishes it),
        ``failed`` (recorded; tried again on a later day), ``capped`` (an
        autopay customer's monthly maximum would be exceeded: left due,
        the customer told) or ``skipped`` (nothing to do today).
        """
        day = as_of or self.clock.today()
        with self.store.transaction(readonly=True) as tx:
            doc = tx.document(document)
            payer = tx.payer(doc.customer)
            events = tx.document_events_of([document], events=_FAILED)[document]
            balance = tx.balance(f"{doc.customer}/main")
        return self._collect_one(doc, payer, events, balance, day)

    def _collect_one(
        self,
        doc: DocumentRecord,
        payer: PayerRecord,
        events: Sequence[DocumentEvent],
        balance: Money,
        day: date,
    ) -> str:
        """:meth:`pay` of ``doc`` read with its payer, events and balance."""
        step = self._collect_step(doc, payer, events, balance, day)
        if isinstance(step, str):
            return step
        request, key = step
        result = self.gateway.create_payment(request, key)
        status = self._record(doc.id, result, day, key, doc.customer)
        return self._dun_after(status, doc, payer.data, day)

    def _collect_step(
        self,
        doc: DocumentRecord,
        payer: PayerRecord,
        events: Sequence[DocumentEvent],
        balance: Money,
        day: date,
    ) -> str | tuple[PaymentRequest, str]:
        """What collecting ``doc`` takes: done here (its status), or a charge of the
        saved method to make (the request and its idempotency key)."""
        document = doc.id
        if doc.status not in ("issued", "pending") or doc.total is None:
            return "skipped"
        if doc.kind == PROFORMA and self.proforma_approval:
            return "skipped"  # it waits for the customer's approval (approve())
        failed = [e for e in events if e.event == "payment_failed"]
        method = payer.data.get("method")
        balance_first = payer.data.get("balance_first", True) or not method
        cover = balance
        if payer.data.get("credit_line") is not None:
            line: CreditLine = from_data(payer.data["credit_line"])
            # Bought on credit up to the limit; nothing is paid from the account while blocked.
            cover = balance + line.limit
            if payer.data.get("credit_blocked"):
                cover = Money(-1, doc.total.currency)
        if self._schedule_of(doc) is None:
            over = len(failed) >= self.max_attempts
        else:
            # The schedule's moves due by today; no retry due today is "over" for today.
            over = bool(failed) and cover < doc.total and not self._dun(doc, payer.data, day)
        if over and cover < doc.total:
            return "skipped"  # dunning is over (frozen): only a late payment settles it
        if not over and failed and failed[-1].data.get("day") == day.isoformat():
            return "skipped"  # one attempt a day
        if cover >= doc.total and (balance_first or failed):
            # Paid from the balance; after dunning, by a late payment (a top-up), which
            # unfreezes the subscription (see ``_settle``).
            lock = [f"account:{doc.customer}", *self._series_lock(document)]
            with self.store.transaction(lock=lock) as tx:
                current = tx.document(document)
                if current.status not in ("issued", "pending"):
                    return "skipped"  # settled meanwhile (a webhook, another worker)
                return self._settle(tx, current, None)
        if not method:
            return "skipped"
        if payer.data.get("autopay_cap") is not None:
            status = self._autopay(doc, payer.data, balance, len(failed), day)
            return self._dun_after(status, doc, payer.data, day)
        request = PaymentRequest(
            amount=doc.total,
            customer=doc.customer,
            method=SavedMethod(token=method),
            description=f"document {document}",
            metadata={"document": document},
        )
        return request, f"pay|{document}|{len(failed)}"

    def _dun_after(
        self,
        status: str,
        doc: DocumentRecord,
        payer: Mapping[str, object],
        day: date,
    ) -> str:
        """After a failed charge of ``doc``, the rest of the day's scheduled moves."""
        if status == "failed" and self._schedule_of(doc) is not None:
            self._dun(doc, payer, day)
        return status

    def _cycle(self, sub: Subscribed, day: date) -> BillingCycle:
        """The billing cycle of the period ``day`` falls in, counted from that period's end.

        Counted from the end, so that a period a plan change cut short ends
        where it does (the cycles restart there).
        """
        period = sub.period_on(max(day, sub.starts))
        return BillingCycle.anniversary(sub.plan_on(period.start).cycle, period.end)

    def _schedule(
        self, sub_id: str, tx: Transaction | None = None, on: date | None = None
    ) -> DunningSchedule | None:
        """The dunning schedule of subscription ``sub_id``: its plan's, else the business's.

        The plan is the one in force on ``on`` (an invoice's period start),
        else the latest (``None``: the attempt-counted dunning).
        """
        if not self.plan_dunning:
            return self.dunning
        try:
            if tx is None:
                with self.store.transaction(readonly=True) as own:
                    record = own.subscription(sub_id)
            else:
                record = tx.subscription(sub_id)
        except NotFoundError:
            return self.dunning
        plans = [(date.fromisoformat(start), str(code)) for start, code in record.data["plans"]]
        code = plans[-1][1]
        if on is not None:
            code = next((c for start, c in reversed(plans) if start <= on), plans[0][1])
        return self.plan_dunning.get(code, self.dunning)

    def _schedule_of(
        self, doc: DocumentRecord, tx: Transaction | None = None
    ) -> DunningSchedule | None:
        """The dunning schedule of invoice ``doc`` (its subscription's; see :meth:`_schedule`)."""
        if not self.plan_dunning or doc.kind not in _DUNNED or doc.id.count("|") != 4:
            return self.dunning
        key = DocumentKey.parse(doc.id)
        return self._schedule(key.subscription, tx, on=key.period.start)

    def _dun(self, doc: DocumentRecord, payer: Mapping[str, object], day: date) -> bool:
        """Do what :attr:`dunning` says is due by ``day`` for the overdue invoice ``doc``.

        The moves come in the schedule's order
        (:func:`~billkit.subscriptions.simulate_dunning`); notices and the
        freeze are done once each: every move done is recorded on the
        document (a ``dunning`` event with its move and day) in the
        transaction that does it. A retry is due when the schedule has a
        retry day after the day of the last failed charge (retry days a
        run missed make one retry, not several); the moves after it wait
        for its answer. Returns whether a retry is due. The cancellation
        and the deletion mark come from the frozen subscription's next
        billing day (see :meth:`run`).
        """
        if doc.kind not in _DUNNED or doc.id.count("|") != 4:
            return False  # not a subscription's invoice: charged once, no dunning
        with self.store.transaction(lock=[f"account:{doc.customer}"]) as tx:
            return self._dun_in(tx, doc, payer, day)

    def _dun_in(
        self,
        tx: Transaction,
        doc: DocumentRecord,
        payer: Mapping[str, object],
        day: date,
        *,
        known: DocumentRecord | None = None,
        events: Sequence[DocumentEvent] | None = None,
        changes: list[DocumentEvent] | None = None,
    ) -> bool:
        """:meth:`_dun` in ``tx``, which holds the customer's account lock.

        ``known``, ``events``: the document and its events, read in ``tx``
        already (``None``: read here); ``changes``: the moves' ``dunning``
        events are added to it, for the caller to write with the batch's.
        """
        if doc.kind not in _DUNNED or doc.id.count("|") != 4:
            return False
        key = DocumentKey.parse(doc.id)
        sub_id = key.subscription
        schedule = self._schedule(sub_id, tx, key.period.start)
        if schedule is None:
            return False
        current = known if known is not None else tx.document(doc.id)
        if current.status not in ("issued", "pending") or current.total is None:
            return False  # settled meanwhile
        if events is None:
            events = tx.document_events_of([doc.id], events=_DUNNING_EVENTS)[doc.id]
        failed = [e for e in events if e.event == "payment_failed"]
        if not failed:
            return False
        record = tx.subscription(sub_id)
        if record.status == "cancelled":
            return False  # dunning is over: only the deletion mark is left
        overdue_on = date.fromisoformat(str(failed[0].data["day"]))
        last_failed = date.fromisoformat(str(failed[-1].data["day"]))
        sub = self._subscribed(record, tx)
        cycle = self._cycle(sub, overdue_on + timedelta(days=schedule.grace_days or 0))
        due = [
            m for m in simulate_dunning(schedule, overdue_on=overdue_on, cycle=cycle) if m.on <= day
        ]
        retries = [i for i, m in enumerate(due) if m.move is DunningMove.RETRY]
        retry = bool(retries) and due[retries[-1]].on > last_failed
        if retry:
            due = due[: retries[-1]]  # what follows the retry waits for its answer
        done = {(e.data.get("move"), e.data.get("on")) for e in events if e.event == "dunning"}
        now = self.clock.now()
        for move in due:
            if move.move not in (DunningMove.NOTIFY, DunningMove.FREEZE):
                continue  # retries: charged by the caller; cancelling: by run()
            if (move.move.value, move.on.isoformat()) in done:
                continue
            if move.move is DunningMove.NOTIFY:
                assert move.notice is not None
                topic = _DUNNING_TOPICS[move.notice]
                self._notify(
                    tx,
                    f"{topic}|{doc.id}|{move.on.isoformat()}",
                    topic,
                    doc.customer,
                    payer,
                    {
                        "document": doc.id,
                        "number": current.number or "",
                        "total": str(current.total.amount),
                        "currency": current.total.currency.code,
                        "overdue_on": overdue_on.isoformat(),
                        "day": move.on.isoformat(),
                    },
                    now,
                )
            else:
                cancel_on = cancel_date(schedule, overdue_on, cycle)
                self._freeze(tx, sub_id, payer, day, cancel_on=cancel_on)
            moved = DocumentEvent(
                document=doc.id,
                event="dunning",
                status=current.status,
                at=now,
                data={"move": move.move.value, "on": move.on.isoformat()},
            )
            if changes is not None:
                changes.append(moved)
            else:
                tx.change_status(
                    doc.id, event=moved.event, status=moved.status, at=moved.at, data=moved.data
                )
        return retry

    def _overdue_states(
        self,
        day: date,
        id_from: str | None,
        id_to: str | None,
        failures: list[tuple[str, str]],
        *,
        billing: bool = False,
        corrected: Iterable[str] = (),
    ) -> None:
        """Put every account with overdue invoices in the state of :attr:`overdue` on ``day``.

        The ladder weighs an account (a customer), as Kill Bill's overdue
        system does: all its overdue invoices, whichever subscription they
        bill (:meth:`_overdue_of`), and the state reached holds every
        subscription of the account. The state is a function of the dates:
        each state the account entered by ``day``
        (:meth:`~billkit.subscriptions.OverdueLadder.entered`) and not yet
        applied is applied on the day it was entered (:meth:`_enter_state`),
        so a run after a gap of days lands where daily runs would have, and
        tells each state passed, once.

        ``billing``: the pass before a run bills, which applies to each
        subscription only the states entered before its own first billing
        day due (daily runs would have billed that day before weighing it;
        :meth:`_catch_up`): over a gap holding billing days of several
        subscriptions, a state that stops the service between them stops
        the later ones before they are billed. The pass after the payments
        applies the rest. The shard's unpaid invoices name the accounts to weigh;
        an account whose subscriptions change is moved in one transaction
        under its lock, weighed again there; the others cost nothing but
        the reads.

        ``corrected``: the accounts this run billed a correction (a credit
        note settles an unpaid invoice; a proforma withdrawn for its next
        revision). They, and in the pass after the payments every account
        with a correcting invoice unpaid (a revision after the first: found
        again by a run after a crash), are weighed as a payment weighs them
        when a subscription holds a state higher than the one the invoices
        left give (:meth:`_overdue_paid`: the state falls, told).
        """
        assert self.overdue is not None
        with self.store.transaction(readonly=True) as tx:
            unpaid = [
                d
                for d in tx.unpaid_invoices(id_from=id_from, id_to=id_to)
                if d.id.count("|") == 4 and d.total is not None
            ]
            events = tx.document_events_of(d.id for d in unpaid)
            late = {
                d.customer
                for d in unpaid
                if (since := self._overdue_since(d, events[d.id])) is not None and since <= day
            }
            fixed = set(corrected)
            if not billing:
                fixed.update(d.customer for d in unpaid if not d.id.endswith("|0"))
            customers = sorted(late | fixed)
            if not customers:
                return
            documents = tx.documents_of(customers)
            payers = tx.payers_of(customers)
            weighed = {
                c: self._overdue_of(tx, documents[c], events) for c in customers if c in payers
            }
            ids = {c: _account_subscriptions(payers[c].data, documents[c]) for c in weighed}
            records = tx.subscriptions_of(i for c in weighed for i in ids[c])
        for customer, invoices in weighed.items():
            mine = [records[i] for i in ids[customer] if i in records]
            until = _ladder_until(mine, day) if billing else day
            try:
                if customer in fixed and self._overdue_above(invoices, until, mine):
                    with self.store.transaction(lock=[f"account:{customer}"]) as tx:
                        self._overdue_paid(tx, customer, tx.payer(customer).data, on=until)
                if customer not in late:
                    continue
                # each subscription up to its own first billing day due (_ladder_until)
                if not any(
                    _ladder_steps(
                        self.overdue,
                        self.overdue.entered(invoices, _ladder_until([r], day) if billing else day),
                        r,
                    )
                    for r in mine
                ):
                    continue
                with self.store.transaction(lock=[f"account:{customer}"]) as tx:
                    self._catch_up(tx, customer, day, billing=billing)
            except BillkitError as error:
                failures.append((customer, f"{type(error).__name__}: {error}"))

    def _overdue_above(
        self,
        invoices: Sequence[tuple[date, Money]],
        day: date,
        records: Iterable[SubscriptionRecord],
    ) -> bool:
        """Whether one of ``records`` (an account's subscriptions) holds a state higher
        than the one its ``invoices`` give on ``day``."""
        assert self.overdue is not None
        state = self.overdue.state_of(invoices, day) if invoices else None
        rank = {s.name: i for i, s in enumerate(self.overdue.states)}
        now = -1 if state is None else rank[state.name]
        return any(
            r.status != "cancelled" and rank.get(str(r.data.get("overdue_state")), -1) > now
            for r in records
        )

    def _overdue_of(
        self,
        tx: Transaction,
        documents: Sequence[DocumentRecord],
        events: Mapping[str, Sequence[DocumentEvent]] | None = None,
    ) -> list[tuple[date, Money]]:
        """The unpaid invoices among an account's ``documents``, as the ladder weighs them:
        each with the day it counts from (:meth:`_overdue_since`; one that does not count
        yet on a day is left out by the ladder on that day) and its total unpaid.
        ``events``: the documents' events read already (``None``, or a
        document not in it: read in ``tx``).
        """
        open_ = [
            d
            for d in documents
            if d.kind in _DUNNED
            and d.status in ("issued", "pending")
            and d.id.count("|") == 4
            and d.total is not None
        ]
        known = events or {}
        missing = [d.id for d in open_ if d.id not in known]
        read = tx.document_events_of(missing) if missing else {}
        found: list[tuple[date, Money]] = []
        for doc in open_:
            assert doc.total is not None
            history = known[doc.id] if doc.id in known else read[doc.id]
            since = self._overdue_since(doc, history)
            if since is not None:
                found.append((since, doc.total))
        return found

    def _overdue_since(self, doc: DocumentRecord, history: Sequence[DocumentEvent]) -> date | None:
        """The day unpaid invoice (or proforma) ``doc`` counts from on the ladder
        (``None``: never, as it stands), given its events ``history``.

        A charged invoice counts from its issue date once one of its charges
        failed: the day it was due to be charged (the day its first charge
        failed when runs are daily), as Kill Bill counts it. Any other unpaid
        invoice (never charged: no saved method, the customer pays by
        transfer; or an approved invoice; or a charge still pending or held
        by the autopay cap) counts from the day after its due date (issue
        date + ``payment_days``, the last day to pay): the first day it is
        late. A proforma awaiting the customer's approval
        (``proforma_approval``) does not count: its approval issues the
        invoice that does. A document without a due date counts only once
        a charge of it failed.
        """
        failed = next((e for e in history if e.event == "payment_failed"), None)
        if failed is not None:
            issued = doc.data.get("issue_date")
            return date.fromisoformat(str(issued if issued else failed.data["day"]))
        if doc.kind == PROFORMA and self.proforma_approval:
            return None  # awaiting approval: approve() issues the invoice that counts
        due = doc.data.get("due_date")
        if not due:
            return None
        return date.fromisoformat(str(due)) + timedelta(days=1)

    def _catch_up(self, tx: Transaction, customer: str, day: date, *, billing: bool) -> None:
        """:meth:`_overdue_states` for ``customer`` in ``tx``, which holds its account lock.

        Before billing (``billing``), each subscription enters the states the account
        entered before its own first billing day due (:func:`_ladder_until` of it
        alone), again once a state froze it (a frozen one is not billed: every state
        up to ``day``): over a gap holding billing days of several subscriptions, a
        state that stops the service between them stops the later ones before the
        run bills them, as daily runs would; the earlier ones, billed first, enter it
        after the run's payments."""
        assert self.overdue is not None
        payer = tx.payer(customer)
        documents = tx.documents(customer=customer)
        invoices = self._overdue_of(tx, documents)
        mine = list(tx.subscriptions_of(_account_subscriptions(payer.data, documents)).values())
        for record in sorted(mine, key=lambda r: r.id):
            for _ in self.overdue.states:  # a state that froze it moves its until to ``day``
                until = _ladder_until([record], day) if billing else day
                steps = _ladder_steps(self.overdue, self.overdue.entered(invoices, until), record)
                if not steps:
                    break
                for on, state in steps:
                    starts = self._subscribed(tx.subscription(record.id), tx).starts
                    self._enter_state(tx, record.id, state, max(on, starts))
                record = tx.subscription(record.id)

    def _overdue_paid(
        self,
        tx: Transaction,
        customer: str,
        payer: Mapping[str, object],
        *,
        on: date | None = None,
    ) -> None:
        """A payment (or a credit note) of one of ``customer``'s invoices: weigh its
        account again on ``on`` (today by default).

        Clear (no overdue invoice left), each of its subscriptions leaves
        its state and a frozen one is active again (:meth:`_unfreeze`); in
        a lower state (older invoices still unpaid), each moves down to it,
        unfrozen unless that state blocks the service. Either is told once
        per subscription: the lower state as ``subscription.overdue_state``
        (with the state left, ``lowered_from``), the clear account as
        ``subscription.overdue_cleared``. A state as high as before stays:
        the runs go on from it.
        """
        assert self.overdue is not None
        day = self.clock.today() if on is None else on
        documents = tx.documents(customer=customer)
        invoices = self._overdue_of(tx, documents)
        state = self.overdue.state_of(invoices, day) if invoices else None
        rank = {s.name: i for i, s in enumerate(self.overdue.states)}
        now = -1 if state is None else rank[state.name]
        ids = _account_subscriptions(payer, documents)
        for sub_id, record in sorted(tx.subscriptions_of(ids).items()):
            mark = record.data.get("overdue_state")
            if record.status == "cancelled" or (mark is None and record.status != "frozen"):
                continue
            if mark is not None and now >= rank.get(str(mark), -1):
                continue
            if state is None or not state.blocks_service:
                self._unfreeze(tx, sub_id, payer)  # leaves the state, active again if frozen
            if state is not None:
                record = tx.subscription(sub_id)
                tx.update_subscription(
                    attrs.evolve(record, data={**record.data, "overdue_state": state.name})
                )
            if mark is not None:
                self._overdue_lowered(tx, sub_id, record.customer, payer, str(mark), state, day)

    def _overdue_lowered(
        self,
        tx: Transaction,
        sub_id: str,
        customer: str,
        payer: Mapping[str, object],
        left: str,
        state: OverdueState | None,
        day: date,
    ) -> None:
        """Tell the customer subscription ``sub_id`` left overdue state ``left`` on ``day``
        for the lower ``state`` (``None``: clear), once (the key names both states and the
        day)."""
        if state is None:
            self._notify(
                tx,
                f"subscription.overdue_cleared|{sub_id}|{left}|{day.isoformat()}",
                "subscription.overdue_cleared",
                customer,
                payer,
                {"subscription": sub_id, "lowered_from": left, "on": day.isoformat()},
                self.clock.now(),
            )
            return
        self._notify(
            tx,
            f"subscription.overdue_state|{sub_id}|{state.name}|{day.isoformat()}|from|{left}",
            "subscription.overdue_state",
            customer,
            payer,
            {
                "subscription": sub_id,
                "state": state.name,
                "on": day.isoformat(),
                "message": state.message,
                "lowered_from": left,
            },
            self.clock.now(),
        )

    def _overdue_marked(
        self, tx: Transaction, known: SubscriptionRecord | None, payer: Mapping[str, object]
    ) -> bool:
        """Whether a payment may move the account of ``payer`` down the ladder: the paid
        invoice's subscription (``known``, ``None``: not read) or another of the
        account's is in an overdue state, or frozen."""
        if known is None or known.status == "frozen" or "overdue_state" in known.data:
            return True
        others = [i for i in _account_subscriptions(payer, ()) if i != known.id]
        if not others:
            return False
        return any(
            r.status == "frozen" or "overdue_state" in r.data
            for r in tx.subscriptions_of(others).values()
        )

    def _enter_state(
        self, tx: Transaction, sub_id: str, state: OverdueState | None, day: date
    ) -> None:
        """Move subscription ``sub_id`` to overdue ``state`` on ``day`` (in ``tx``, under its
        customer's lock): tell the customer (``subscription.overdue_state``); a state that
        blocks the service freezes it (billing paused; a payment unfreezes it); one that
        cancels cancels it now (``immediate``: then marked for deletion after the
        dunning's ``deletion_days``) or at the end of the cycle running on ``day``
        (``end_of_term``). The state's name is kept in the subscription's data
        (``overdue_state``), where :meth:`change_plan` reads whether it blocks changes."""
        record = tx.subscription(sub_id)
        if record.status == "cancelled":
            return
        payer = tx.payer(record.customer).data
        now = self.clock.now()
        name = state.name if state is not None else None
        if name == record.data.get("overdue_state"):
            return  # moved meanwhile by another worker
        data = {k: v for k, v in record.data.items() if k != "overdue_state"}
        if name is not None:
            data["overdue_state"] = name
        status, next_billing = record.status, record.next_billing
        if state is not None and state.blocks_service and status != "frozen":
            status, next_billing = "frozen", None
            data["frozen_on"] = day.isoformat()
        told: dict[str, object] = {
            "subscription": sub_id,
            "state": name or "",
            "on": day.isoformat(),
            "message": state.message if state is not None else "",
        }
        if state is not None and state.cancellation is OverdueCancellation.IMMEDIATE:
            deletion = None if self.deletion_days is None else day + timedelta(self.deletion_days)
            status, next_billing = "cancelled", deletion
            data["cancelled_on"] = day.isoformat()
            if deletion is not None:
                data["deletion_on"] = deletion.isoformat()
        elif state is not None and state.cancellation is OverdueCancellation.END_OF_TERM:
            sub = self._subscribed(record, tx)
            ends = sub.period_on(max(day, sub.starts)).end
            if sub.ends is not None:
                ends = min(ends, max(sub.ends, day))
            told["ends"] = ends.isoformat()
            data["ends"] = ends.isoformat()  # kept when a payment unfreezes it
            if status == "frozen":
                next_billing = ends  # run() cancels a frozen subscription on its next billing day
            else:
                status = "cancelling"  # billed to the end of the cycle, then cancelled
        tx.update_subscription(
            attrs.evolve(record, status=status, next_billing=next_billing, data=data)
        )
        self._notify(
            tx,
            f"subscription.overdue_state|{sub_id}|{name or ''}|{day.isoformat()}",
            "subscription.overdue_state",
            record.customer,
            payer,
            told,
            now,
        )
        if status == "frozen" and record.status != "frozen":
            self._notify(
                tx,
                f"subscription.frozen|{sub_id}|{day.isoformat()}",
                "subscription.frozen",
                record.customer,
                payer,
                {"subscription": sub_id},
                now,
            )
        if status == "cancelled":
            self._notify(
                tx,
                f"subscription.cancelled|{sub_id}",
                "subscription.cancelled",
                record.customer,
                payer,
                {"subscription": sub_id, "ends": day.isoformat(), "reason": "unpaid"},
                now,
            )

    def _autopay(
        self,
        doc: DocumentRecord,
        payer: Mapping[str, object],
        balance: Money,
        attempt: int,
        day: date,
    ) -> str:
        """Pay ``doc`` from the balance after an automatic top-up within the monthly cap.

        :func:`billkit.credit.decide_autopay` decides the top-up: what the
        balance lacks, held to what is left of the customer's monthly
        maximum after this calendar month's automatic top-ups (commission
        included). When that cannot cover the document, nothing is charged:
        the document stays due and an ``autopay.capped`` notification is
        queued (once per document and month).
        """
        assert doc.total is not None
        customer, cur = doc.customer, doc.total.currency
        month = day.replace(day=1)
        following = (month + timedelta(days=32)).replace(day=1)
        with self.store.transaction(readonly=True) as tx:
            this_month = tx.entries(
                f"{customer}/main", since=_midnight(month), until=_midnight(following)
            )
        spent = sum(
            (
                Decimal(str(e.data.get("gross", e.amount.amount)))
                for e in this_month
                if e.kind == "payment" and e.data.get("autopay")
            ),
            Decimal(0),
        )
        settings = AutopaySettings(
            currency=cur,
            monthly_max=Money(str(payer["autopay_cap"]), cur),
            method=self._terms(payer.get("pays_with")),
        )
        decision = decide_autopay(
            settings,
            balance=balance,
            next_charges=doc.total,
            monthly_spend=doc.total,
            paid_this_month=Money(spent, cur),
        )
        if decision.top_up and decision.covers_next:
            key = f"autopay|{doc.id}|{attempt}"
            result = self._top_up(customer, decision.amount, key=key, autopay=True)
            if result.status is not PaymentStatus.SUCCEEDED:
                return self._record(doc.id, result, day, f"topup|{customer}|{key}", customer)
        elif decision.top_up or not decision.covers_next:
            with self.store.transaction(lock=[f"account:{customer}"]) as tx:
                self._notify(
                    tx,
                    f"autopay.capped|{doc.id}|{month:%Y-%m}",
                    "autopay.capped",
                    customer,
                    payer,
                    {
                        "document": doc.id,
                        "number": doc.number or "",
                        "total": str(doc.total.amount),
                        "cap": str(payer["autopay_cap"]),
                        "charged": str(spent),
                        "currency": cur.code,
                    },
                    self.clock.now(),
                )
            return "capped"
        lock = [f"account:{customer}", *self._series_lock(doc.id)]
        with self.store.transaction(lock=lock) as tx:
            current = tx.document(doc.id)
            if current.status not in ("issued", "pending"):
                return "skipped"
            if tx.balance(f"{customer}/main") < doc.total:
                return "skipped"  # spent meanwhile: the next run tries again
            return self._settle(tx, current, None)

    def _record(
        self, document: str, result: PaymentResult, day: date, key: str, customer: str
    ) -> str:
        """Record the answer to the payment request ``key`` (once, whoever records it)."""
        lock = [f"account:{customer}", *self._series_lock(document)]
        with self.store.transaction(lock=lock) as tx:
            return self._record_in(tx, document, result, day, key, customer)

    def _record_in(
        self,
        tx: Transaction,
        document: str,
        result: PaymentResult,
        day: date,
        key: str,
        customer: str,
        *,
        payer: PayerRecord | None = None,
        entries: list[EntryRecord] | None = None,
        known: DocumentRecord | None = None,
        subscriptions: Mapping[str, SubscriptionRecord] | None = None,
        subscription_of: Mapping[str, str] | None = None,
        writes: _Writes | None = None,
        events: Sequence[DocumentEvent] | None = None,
    ) -> str:
        """:meth:`_record` in ``tx``, which holds the customer's account lock.

        ``payer``: the customer's, read in ``tx`` already (``None``: read
        here). ``entries``: a
        succeeded payment's two entries (the payment and the invoice's
        charge) are added to it, for the caller to post with the batch's,
        instead of posted here. ``known``, ``subscriptions``: the document
        and the subscriptions, read in ``tx`` already; ``writes``: its
        status change and notices are added to it, for the caller to flush
        with the batch's (both with ``entries`` only). ``events``: the
        document's events, read in ``tx`` already; with ``writes``, a failed
        answer's ``payment_failed`` event is added to ``writes`` too, so a
        batch records its failures in one write (each document comes once in
        a batch: the events read cannot age within it).
        """
        doc = known if known is not None and known.id == document else tx.document(document)
        # A charge made before the customer uploaded a receipt still pays the invoice.
        paid_meanwhile = doc.status == _RECEIPT and result.status is PaymentStatus.SUCCEEDED
        if doc.status not in ("issued", "pending") and not paid_meanwhile:
            # Money for an invoice a correction replaced goes to the balance (once).
            if (
                result.status is PaymentStatus.SUCCEEDED
                and doc.status in ("credited", "withdrawn")
                and tx.recall(f"credited|{key}", {}) is None
            ):
                self._credit(tx, customer, result, key)
                tx.remember(f"credited|{key}", {}, {"document": document}, at=self.clock.now())
            return "skipped"  # settled meanwhile (a webhook, another worker)
        settles_later = result.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED)
        if settles_later and result.reference:
            # The webhook that settles it later finds its document by the reference.
            ref_key = f"payment|{result.reference}"
            if tx.recall(ref_key, {}) is None:
                found = {"document": document, "key": key}
                tx.remember(ref_key, {}, found, at=self.clock.now())
        if result.status is PaymentStatus.SUCCEEDED:
            # The entry's key is the request's: one payment is credited once.
            if entries is not None and result.reference is not None:
                entries.append(self._credit_entry(customer, result, key))
                return self._settle(
                    tx,
                    doc,
                    result.reference,
                    payer=payer,
                    entries=entries,
                    subscriptions=subscriptions,
                    subscription_of=subscription_of,
                    writes=writes,
                )
            self._credit(tx, customer, result, key)
            return self._settle(tx, doc, result.reference)
        if result.status is PaymentStatus.FAILED:
            if events is None:
                events = tx.document_events_of([document], events=_FAILED)[document]
            failures = [e for e in events if e.event == "payment_failed"]
            if any(e.data.get("key") == key for e in failures):
                return "skipped"  # this attempt's failure is recorded already
            attempts = 1 + len(failures)
            failed = DocumentEvent(
                document=document,
                event="payment_failed",
                status="issued",
                at=self.clock.now(),
                data={"day": day.isoformat(), "reference": result.reference, "key": key},
            )
            if writes is not None:  # with the batch's status changes, in one write
                writes.changes.append(failed)
            else:
                tx.change_status(
                    document,
                    event=failed.event,
                    status=failed.status,
                    at=failed.at,
                    data=failed.data,
                )
            if payer is None:
                payer = tx.payer(customer)
            notices = self._messages(
                f"payment.failed|{document}|{attempts}",
                "payment.failed",
                customer,
                payer.data,
                {"document": document, "number": doc.number or "", "attempt": attempts},
                self.clock.now(),
            )
            if writes is not None:  # with the batch's, in the batch's order
                writes.notices.append((None, notices))
            else:
                tx.enqueue_all(notices)
            if self.dunning is None and self.overdue is None and attempts >= self.max_attempts:
                parsed = DocumentKey.parse(document)
                sub_id = parsed.subscription
                # an invoice under a plan's own schedule is frozen by that schedule
                if self._schedule(sub_id, tx, parsed.period.start) is None:
                    if writes is not None:
                        writes.flush(tx, self.clock.now())  # what came before, first
                    self._freeze(tx, sub_id, payer.data, day)
            return "failed"
        if doc.status != "pending":
            tx.change_status(
                document, event="payment_pending", status="pending", at=self.clock.now()
            )
        return "pending"

    def _freeze(
        self,
        tx: Transaction,
        sub_id: str,
        payer: Mapping[str, object],
        day: date,
        *,
        cancel_on: date | None = None,
    ) -> None:
        """Freeze after the last attempt; the cycle's end (when dunning cancels) is due next.

        Under a :attr:`dunning` schedule the cancellation is due on ``cancel_on``
        (the schedule's day), not before ``day``.
        """
        record = tx.subscription(sub_id)
        if record.status == "frozen":
            return
        if self._schedule(sub_id, tx) is not None:
            if cancel_on is not None:
                cancel_on = max(cancel_on, day)
                ends = self._subscribed(record, tx).ends
                if ends is not None:
                    cancel_on = min(cancel_on, max(ends, day))
        elif self.cancel_at_cycle_end:
            sub = self._subscribed(record, tx)
            # The first cycle boundary strictly after the freeze day (as
            # billkit.subscriptions.cancel_date counts it), or the end already asked for.
            cancel_on = sub.period_on(max(day, sub.starts)).end
            if sub.ends is not None:
                cancel_on = min(cancel_on, max(sub.ends, day))
        data = {**record.data, "frozen_on": day.isoformat()}
        tx.update_subscription(
            attrs.evolve(record, status="frozen", next_billing=cancel_on, data=data)
        )
        self._notify(
            tx,
            f"subscription.frozen|{sub_id}",
            "subscription.frozen",
            record.customer,
            payer,
            {"subscription": sub_id},
            self.clock.now(),
        )

    def _unfreeze(self, tx: Transaction, sub_id: str, payer: Mapping[str, object]) -> None:
        """A late payment of a frozen subscription's invoice makes it active again.

        Billing resumes with the cycle running today, billed in full at its
        end; the cycles that ended while it was frozen are not billed. A
        subscription cancelled meanwhile (its end passed) is cancelled.
        """
        try:
            record = tx.subscription(sub_id)
        except NotFoundError:
            return
        if record.status != "frozen":
            if "overdue_state" in record.data:  # paid: the next run weighs what is left
                data = {k: v for k, v in record.data.items() if k != "overdue_state"}
                tx.update_subscription(attrs.evolve(record, data=data))
            return
        record = attrs.evolve(
            record, data={k: v for k, v in record.data.items() if k != "overdue_state"}
        )
        sub = self._subscribed(record, tx)
        today = self.clock.today()
        following = sub.period_on(max(today, sub.starts))
        status = "active"
        next_billing: date | None = following.end
        if sub.ends is not None:
            status = "cancelling"
            if following.start >= sub.ends:
                status, next_billing = "cancelled", None
        tx.update_subscription(attrs.evolve(record, status=status, next_billing=next_billing))
        self._notify(
            tx,
            f"subscription.unfrozen|{sub_id}|{today}",
            "subscription.unfrozen",
            record.customer,
            payer,
            {"subscription": sub_id, "status": status},
            self.clock.now(),
        )

    def _credit(self, tx: Transaction, customer: str, result: PaymentResult, key: str) -> None:
        tx.post(self._credit_entry(customer, result, key))

    def _credit_entry(self, customer: str, result: PaymentResult, key: str) -> EntryRecord:
        return EntryRecord(
            account=f"{customer}/main",
            key=key,
            amount=result.amount,
            at=self.clock.now(),
            kind="payment",
            data={"reference": result.reference},
        )

    def _settle(
        self,
        tx: Transaction,
        doc: DocumentRecord,
        reference: str | None,
        *,
        payer: PayerRecord | None = None,
        entries: list[EntryRecord] | None = None,
        subscriptions: Mapping[str, SubscriptionRecord] | None = None,
        subscription_of: Mapping[str, str] | None = None,
        writes: _Writes | None = None,
        at: datetime | None = None,
        receipt: Mapping[str, object] | None = None,
    ) -> str:
        """Mark ``doc`` paid, its charge posted (or, given ``entries`` and a
        ``reference``, added to ``entries`` for the caller to post; and given
        ``writes``, its status change and notice added to it). ``at``: when
        (default: now); ``receipt``: the uploaded receipt confirmed
        (:meth:`confirm_receipt`), kept on the ``pay`` event."""
        batched = entries is not None and reference is not None and writes is not None
        document = doc.id
        assert doc.total is not None
        now = self.clock.now() if at is None else at
        charge = EntryRecord(
            account=f"{doc.customer}/main",
            key=f"doc|{document}",
            amount=-doc.total,
            at=now,
            kind="charge",
        )
        if entries is not None and reference is not None:
            entries.append(charge)
        else:
            tx.post(charge)
        said: dict[str, object] = {"reference": reference} if reference else {}
        if receipt is not None:
            said["receipt"] = dict(receipt)
        paid = DocumentEvent(document=document, event="pay", status="paid", at=now, data=said)
        if batched:
            assert writes is not None
            writes.changes.append(paid)
        else:
            tx.change_status(
                document, event=paid.event, status=paid.status, at=paid.at, data=paid.data
            )
        if payer is None or payer.id != doc.customer:
            payer = tx.payer(doc.customer)
        told: dict[str, object] = {
            "document": document,
            "number": doc.number or "",
            "total": str(doc.total.amount),
            "currency": doc.total.currency.code,
        }
        topic = "payment.received"
        on_credit = reference is None and payer.data.get("credit_line") is not None
        if on_credit and tx.balance(f"{doc.customer}/main").amount < 0:
            # Bought on the credit line, not paid: its own topic, so that a
            # listener counting payments does not count it.
            topic = "invoice.charged_to_credit"
        notices = self._messages(f"{topic}|{document}", topic, doc.customer, payer.data, told, now)
        if batched:
            assert writes is not None
            writes.notices.append((None, notices))
        else:
            for m in notices:
                tx.enqueue(key=m.key, topic=m.topic, payload=m.payload, at=m.created_at)
        if doc.kind == PROFORMA:
            self._paid_proforma(tx, doc, payer, writes if batched else None)
        if doc.kind in (INVOICE, PROFORMA) and document.count("|") == 4:  # the engine issued it
            parsed = None if subscription_of is None else subscription_of.get(document)
            sub_id = parsed if parsed is not None else DocumentKey.parse(document).subscription
            known = None if subscriptions is None else subscriptions.get(sub_id)
            if self.overdue is not None:  # the ladder weighs the account again
                if self._overdue_marked(tx, known, payer.data):
                    if writes is not None and batched:
                        writes.flush(tx, self.clock.now())  # this payment first
                    self._overdue_paid(tx, doc.customer, payer.data)
            elif known is None or known.status == "frozen" or "overdue_state" in known.data:
                self._unfreeze(tx, sub_id, payer.data)
        if (
            reference is None
            and payer.data.get("credit_line") is None
            and payer.data.get("autopay_cap") is None
        ):
            # Paid from a prepaid balance: say so when what is left would not pay another.
            left = tx.balance(f"{doc.customer}/main")
            if left < doc.total:
                self._notify(
                    tx,
                    f"balance.low|{document}",
                    "balance.low",
                    doc.customer,
                    payer.data,
                    {
                        "document": document,
                        "number": doc.number or "",
                        "balance": str(left.amount),
                        "expected": str(doc.total.amount),
                        "currency": doc.total.currency.code,
                    },
                    self.clock.now(),
                )
        return "paid"

    def _series_lock(self, *documents: str) -> list[str]:
        """The lock scope of the series of a paid proforma's invoice (or act) when
        one of ``documents`` is a proforma (paying it issues that: :meth:`_paid_proforma`)."""
        if PROFORMA in self.series and any(
            d.rsplit("|", 2)[-2:-1] == [PROFORMA] for d in documents
        ):
            return [f"series:{self.series[self.proforma_final]}"]
        return []

    def _issued_on_payment(
        self, unpaid: Sequence[DocumentRecord]
    ) -> list[tuple[str, str, str, Decimal]]:
        """The invoices (or acts) issued since ``unpaid`` was read, each
        paying one of its proformas: ``(document, customer, currency,
        total)``, in the proformas' order (one read; none without proformas,
        and none under ``proforma_approval``: :meth:`approve` issues them)."""
        if self.proforma_approval:
            return []
        finals = [
            str(attrs.evolve(DocumentKey.parse(d.id), kind=self.proforma_final))
            for d in unpaid
            if d.kind == PROFORMA and d.id.count("|") == 4
        ]
        if not finals:
            return []
        with self.store.transaction(readonly=True) as tx:
            made = tx.documents_by_id(finals)
        out: list[tuple[str, str, str, Decimal]] = []
        for final in finals:
            doc = made.get(final)
            if doc is not None and doc.total is not None:
                out.append((final, doc.customer, doc.total.currency.code, doc.total.amount))
        return out

    def _paid_proforma(
        self, tx: Transaction, doc: DocumentRecord, payer: PayerRecord, writes: _Writes | None
    ) -> None:
        """Issue the invoice (or act) of the proforma ``doc``, paid in ``tx``: once,
        numbered in its series, paid already (the proforma's payment paid it).

        It is :func:`~billkit.invoicing.invoice_from_proforma` of the proforma
        (the same lines, taxes and totals, referring to it), dated the day of
        payment, under the proforma's key with the kind ``invoice``; with
        ``proforma_final="act"``, an act of completed work with the same
        contents, under the kind ``act``. Given ``writes``, the draft, its
        payment and its notice are added to them (issued when the batch
        flushes, in ``tx``).
        """
        kind = self.proforma_final
        final = str(attrs.evolve(DocumentKey.parse(doc.id), kind=kind))
        if tx.documents_by_id([final]):
            return  # made already
        now = self.clock.now()
        proforma: Proforma = from_data(doc.data)
        draft, invoice = self._final_draft(doc, kind, max(self.clock.today(), proforma.issue_date))
        paid = DocumentEvent(
            document=final,
            event="pay",
            status="paid",
            at=now,
            data={"proforma": doc.id, "proforma_number": doc.number or ""},
        )
        told: dict[str, object] = {
            "document": final,
            "number": "",
            "total": str(invoice.totals.gross.amount),
            "currency": invoice.totals.gross.currency.code,
        }
        topic = "invoice.issued"
        if kind == ACT:  # the customer is told of an act, not of an invoice
            told["kind"] = ACT
            topic = "act.issued"
        notices = self._messages(f"{topic}|{final}", topic, doc.customer, payer.data, told, now)
        if writes is not None:
            writes.notices.append((len(writes.drafts), notices))
            writes.drafts.append((draft, self.series[kind]))
            writes.changes.append(paid)
            return
        tx.save_draft(draft)
        number = tx.issue(final, series=self.series[kind], at=now).number
        tx.change_status(final, event=paid.event, status=paid.status, at=now, data=paid.data)
        tx.enqueue_all(attrs.evolve(m, payload={**m.payload, "number": number}) for m in notices)

    def _final_draft(
        self, doc: DocumentRecord, kind: str, day: date
    ) -> tuple[DocumentRecord, Invoice | Act]:
        """The draft of the invoice (``kind`` ``act``: the act) of the proforma
        ``doc``, issued on ``day`` (not before the proforma), and the document.

        It is :func:`~billkit.invoicing.invoice_from_proforma` of the proforma
        (the same lines, taxes and totals, referring to it), due
        ``payment_days`` after ``day``, under the proforma's key with the
        kind ``kind``.
        """
        final = str(attrs.evolve(DocumentKey.parse(doc.id), kind=kind))
        proforma = attrs.evolve(from_data(doc.data), number=doc.number)
        issued = invoice_from_proforma(
            proforma,
            number=str(doc.number),
            issue_date=day,
            payment_days=self.payment_days,
            invoice_kind="subscription",
        )
        invoice: Invoice | Act = attrs.evolve(issued, number=None)
        if kind == ACT:
            fields = {a.name: getattr(invoice, a.name) for a in attrs.fields(Act)}
            invoice = Act(**fields)
        draft = DocumentRecord(
            id=final,
            customer=doc.customer,
            kind=kind,
            period_start=doc.period_start,
            period_end=doc.period_end,
            total=invoice.totals.gross,
            data=to_data(invoice),
        )
        return draft, invoice

    def _answerable(self, verb: str, proforma: object, at: datetime | None) -> tuple[str, datetime]:
        """The checked arguments of :meth:`approve` or :meth:`reject` (``verb``):
        the proforma's id and the moment (default: now)."""
        if not self.proforma_approval:
            raise BillingError(
                "proforma_approval",
                False,
                f"True (Billing(proforma_approval=True)) to {verb} proformas",
            )
        document = checks.text("proforma", proforma, required=True, error=BillingError)
        moment = self.clock.now() if at is None else checks.moment("at", at, error=BillingError)
        return document, moment

    def _awaiting(
        self, tx: Transaction, document: str, moment: datetime, done: str
    ) -> tuple[DocumentRecord, Proforma] | None:
        """The engine's proforma ``document`` of this business, read in ``tx``,
        awaiting the customer's answer on the day of ``moment``; ``None``
        when its status is ``done`` (answered so already: nothing to do).

        Refused with a :class:`~billkit.errors.BillingError` naming the
        proforma and its status when it was answered otherwise (approved,
        rejected), withdrawn or is not one of this business's proformas;
        naming ``at`` when ``moment`` is before its issue day."""
        doc = tx.document(document)
        if doc.kind != PROFORMA or doc.id.count("|") != 4:
            raise BillingError(
                "proforma",
                document,
                f"the id of a proforma the engine issued (its kind is {doc.kind!r})",
            )
        made: Proforma = from_data(doc.data)
        if made.seller != self.seller:
            raise BillingError(
                "proforma",
                document,
                f"a proforma of this business (seller {self.seller.name!r}); "
                f"it is {made.seller.name!r}'s",
            )
        if doc.status == done:
            return None
        if doc.status != "issued":
            why = {
                "withdrawn": " (its bill changed: a proforma of the next revision replaced it)",
                "rejected": " (the customer rejected it: a proforma of the next revision asks"
                " once its bill is corrected)",
                "approved": " (the customer approved it: its invoice is issued)",
            }
            raise BillingError(
                "proforma",
                document,
                f"an issued proforma awaiting approval; it is {doc.status}"
                + why.get(doc.status, ""),
            )
        if moment.date() < made.issue_date:
            raise BillingError(
                "at", moment, f"a moment on or after the proforma's issue day {made.issue_date}"
            )
        return doc, made

    def approve(self, proforma: str, *, at: datetime | None = None) -> str:
        """Record the customer's approval of ``proforma`` (its id) and issue its
        invoice; returns the invoice's id (``...|invoice|<revision>``).

        For a business billing with ``proforma_approval=True``. In one
        transaction, under the customer's lock and the invoice series' lock,
        the proforma is marked ``approved`` (an ``approve`` event naming the
        invoice) and its invoice is issued (numbered next in
        ``invoice_series``), dated the day of ``at`` (default: now), due
        ``payment_days`` later, unpaid: the runs collect and dun it as any
        invoice. The customer is told (``proforma.approved``, with the
        invoice's number, total and due day).

        Approving again (a retry, or several workers at once) issues
        nothing and returns the same id. Refused with a
        :class:`~billkit.errors.BillingError` naming the field: without
        ``proforma_approval``; a document that is not one of this
        business's proformas (another seller's); a proforma withdrawn (its
        bill changed: the next revision asks instead), rejected
        (:meth:`reject`) or paid, naming its status; ``at`` before the
        proforma's issue day.
        """
        document, moment = self._answerable("approve", proforma, at)
        with self.store.transaction(readonly=True) as tx:
            customer = tx.document(document).customer
        lock = [f"account:{customer}", f"series:{self.series[INVOICE]}"]
        with self.store.transaction(lock=lock) as tx:
            found = self._awaiting(tx, document, moment, "approved")
            final = str(attrs.evolve(DocumentKey.parse(document), kind=INVOICE))
            if found is None:
                return final  # approved already: its invoice is issued
            doc, _made = found
            draft, invoice = self._final_draft(doc, INVOICE, moment.date())
            tx.save_draft(draft)
            number = tx.issue(final, series=self.series[INVOICE], at=moment).number
            tx.change_status(
                document,
                event="approve",
                status="approved",
                at=moment,
                data={"invoice": final, "invoice_number": number or ""},
            )
            assert isinstance(invoice, Invoice)
            assert invoice.due_date is not None
            self._notify(
                tx,
                f"proforma.approved|{document}",
                "proforma.approved",
                customer,
                tx.payer(customer).data,
                {
                    "document": final,
                    "number": number or "",
                    "proforma": document,
                    "proforma_number": doc.number or "",
                    "total": str(invoice.totals.gross.amount),
                    "currency": invoice.totals.gross.currency.code,
                    "due_on": invoice.due_date.isoformat(),
                },
                moment,
            )
        return final

    def reject(self, proforma: str, *, reason: str, at: datetime | None = None) -> bool:
        """Record the customer's rejection of ``proforma`` (its id), for
        ``reason`` (the customer's words); returns whether it was recorded
        now (``False``: rejected already, the first reason kept).

        For a business billing with ``proforma_approval=True``. Under the
        customer's lock the proforma is marked ``rejected`` (a ``reject``
        event keeps ``reason``): it keeps its number (never drawn again),
        is never collected, and no invoice is issued for it. The customer
        is told (``proforma.rejected``, with the reason).

        The period is not lost: the rejected proforma stands for it
        until its bill changes (the business corrects the usage, or
        :meth:`change_plan`...), when the next run issues a proforma of the
        next revision, to approve or reject again (the rejected one keeps
        its status, with a ``withdraw`` event naming no new status). While
        the bill is unchanged nothing new is asked, and every run that
        bills the subscription lists the proforma in
        :attr:`RunReport.rejected`: the period is left to the business.

        Refused with a :class:`~billkit.errors.BillingError` naming the
        field: without ``proforma_approval``; an empty ``reason``; a
        document that is not one of this business's proformas; a proforma
        approved (its invoice is issued: a credit note corrects that),
        withdrawn or paid, naming its status; ``at`` before the proforma's
        issue day.
        """
        document, moment = self._answerable("reject", proforma, at)
        why = checks.text("reason", reason, required=True, error=BillingError)
        with self.store.transaction(readonly=True) as tx:
            customer = tx.document(document).customer
        with self.store.transaction(lock=f"account:{customer}") as tx:
            found = self._awaiting(tx, document, moment, "rejected")
            if found is None:
                return False  # rejected already
            doc, _made = found
            assert doc.total is not None
            tx.change_status(
                document, event="reject", status="rejected", at=moment, data={"reason": why}
            )
            self._notify(
                tx,
                f"proforma.rejected|{document}",
                "proforma.rejected",
                customer,
                tx.payer(customer).data,
                {
                    "document": document,
                    "number": doc.number or "",
                    "total": str(doc.total.amount),
                    "currency": doc.total.currency.code,
                    "reason": why,
                },
                moment,
            )
        return True

    def mark_sent(
        self,
        invoice: str,
        *,
        attachment: str,
        content: bytes | None = None,
        at: datetime | None = None,
    ) -> bool:
        """Record that ``invoice`` (its id) was sent to the customer, with
        ``attachment`` (the name or reference of the file sent: the signed
        scan, kept by the app) and, given its ``content``, the file's SHA-256.

        The attribution business's "sent to customer" step after
        :meth:`approve`. A ``send`` event on the invoice keeps them (its
        status does not change: the invoice is collected as before).
        Returns whether it was recorded: the same attachment (name and
        hash) recorded already is not recorded again; another one (a
        corrected scan) is. Refused with a :class:`~billkit.errors.BillingError`
        naming the field: a document that is not an invoice, or one
        credited; an empty ``attachment``; ``content`` that is not bytes.
        """
        document = checks.text("invoice", invoice, required=True, error=BillingError)
        name = checks.text("attachment", attachment, required=True, error=BillingError)
        data: dict[str, object] = {"attachment": name}
        if content is not None:
            if not isinstance(content, bytes | bytearray | memoryview):
                raise BillingError("content", type(content).__name__, "the file's bytes")
            data["sha256"] = hashlib.sha256(content).hexdigest()
        moment = self.clock.now() if at is None else checks.moment("at", at, error=BillingError)
        with self.store.transaction(readonly=True) as tx:
            customer = tx.document(document).customer
        with self.store.transaction(lock=f"account:{customer}") as tx:
            doc = tx.document(document)
            if doc.kind != INVOICE or doc.status not in ("issued", "pending", _RECEIPT, "paid"):
                raise BillingError(
                    "invoice",
                    document,
                    "an invoice issued, pending, with a receipt uploaded or paid "
                    f"(its kind is {doc.kind!r}, its status {doc.status!r})",
                )
            if any(e.event == "send" and e.data == data for e in tx.document_events(document)):
                return False
            tx.change_status(document, event="send", status=doc.status, at=moment, data=data)
        return True

    def _receipt_invoice(self, invoice: object) -> tuple[str, str]:
        """The checked id of ``invoice`` and its customer (read)."""
        document = checks.text("invoice", invoice, required=True, error=BillingError)
        with self.store.transaction(readonly=True) as tx:
            return document, tx.document(document).customer

    def upload_receipt(
        self,
        invoice: str,
        *,
        attachment: str,
        content: bytes | None = None,
        at: datetime | None = None,
    ) -> bool:
        """Record the customer's payment receipt for ``invoice`` (its id):
        ``attachment`` (the name or reference of the uploaded file, kept by
        the app) and, given its ``content``, the file's SHA-256; returns
        whether it was recorded (``False``: the same file, name and hash,
        recorded already; another one, a clearer scan, is recorded too).

        The invoice's status becomes ``receipt_uploaded``: the receipt
        awaits the business's confirmation (:meth:`confirm_receipt`, which
        books the transfer and pays the invoice, or :meth:`refuse_receipt`,
        which makes it ``issued`` again). Meanwhile the invoice is not
        collected (no card is charged for it), not dunned, and the overdue
        ladder does not count it: the attribution business blocks an
        account whose invoice is neither paid nor has a receipt uploaded
        within its days to pay. An account the ladder put in a state for
        this invoice is weighed again at once, as a payment weighs it (its
        state falls when nothing else is late). A subscription frozen by a
        dunning schedule's failed charges stays frozen until the payment.

        Refused with a :class:`~billkit.errors.BillingError` naming the
        field: a document that is not an invoice, or one not ``issued``
        (paid, credited, or ``pending``: a payment through the gateway is
        under way), naming its status; an empty ``attachment``;
        ``content`` that is not bytes.
        """
        name = checks.text("attachment", attachment, required=True, error=BillingError)
        data: dict[str, object] = {"attachment": name}
        if content is not None:
            if not isinstance(content, bytes | bytearray | memoryview):
                raise BillingError("content", type(content).__name__, "the file's bytes")
            data["sha256"] = hashlib.sha256(content).hexdigest()
        moment = self.clock.now() if at is None else checks.moment("at", at, error=BillingError)
        document, customer = self._receipt_invoice(invoice)
        with self.store.transaction(lock=f"account:{customer}") as tx:
            doc = tx.document(document)
            if doc.kind == INVOICE and doc.status in (_RECEIPT, "paid"):
                last = _last_receipt(tx.document_events(document))
                if last is not None and last.data == data:
                    return False  # this file is recorded already (and maybe confirmed)
            if doc.kind != INVOICE or doc.status not in ("issued", _RECEIPT):
                raise BillingError(
                    "invoice",
                    document,
                    "an issued invoice to pay "
                    f"(its kind is {doc.kind!r}, its status {doc.status!r})",
                )
            tx.change_status(
                document, event="upload_receipt", status=_RECEIPT, at=moment, data=data
            )
            if doc.status == "issued" and self.overdue is not None and document.count("|") == 4:
                self._overdue_paid(tx, customer, tx.payer(customer).data)
        return True

    def confirm_receipt(self, invoice: str, *, at: datetime | None = None) -> str:
        """Confirm the receipt uploaded for ``invoice`` (its id): the transfer
        it shows is booked and the invoice paid; returns ``"paid"``.

        Booked as a bank transfer the gateway confirms is booked: in one
        transaction under the customer's lock, a ``payment`` entry of the
        invoice's total (key ``receipt|<invoice>``, reference
        ``receipt:<attachment>``) and the invoice's charge are posted, the
        invoice is marked ``paid`` (a ``pay`` event naming the receipt), the
        customer is told (``payment.received``) and the account is weighed
        again (a frozen or overdue subscription is active again). At ``at``
        (default: now).

        Confirming again (a retry, several workers at once) books nothing
        and returns ``"paid"``. An invoice a correction credited while its
        receipt awaited confirmation (late usage) is not paid: the
        transfer is booked to the balance, which pays the invoice of the
        next revision; ``"credited"`` is returned. Refused with a
        :class:`~billkit.errors.BillingError` naming the invoice and its
        status when no receipt awaits confirmation (none uploaded, or
        refused).
        """
        moment = self.clock.now() if at is None else checks.moment("at", at, error=BillingError)
        document, customer = self._receipt_invoice(invoice)
        with self.store.transaction(lock=f"account:{customer}") as tx:
            doc = tx.document(document)
            events = tx.document_events(document) if doc.kind == INVOICE else []
            last = _last_receipt(events)
            confirmed = any(e.event == "pay" and "receipt" in e.data for e in events)
            if doc.status == "paid" and confirmed:
                return "paid"  # confirmed already
            answers = [e.event for e in events if e.event in ("upload_receipt", "refuse_receipt")]
            # credited while its receipt awaited confirmation (not after a refusal)
            credited = doc.status == "credited" and answers[-1:] == ["upload_receipt"]
            if doc.status != _RECEIPT and not credited:
                raise BillingError(
                    "invoice",
                    document,
                    "an invoice whose uploaded receipt awaits confirmation "
                    f"(its kind is {doc.kind!r}, its status {doc.status!r})",
                )
            assert last is not None
            assert doc.total is not None
            reference = f"receipt:{last.data['attachment']}"
            key = f"receipt|{document}"
            if credited:
                if tx.recall(f"credited|{key}", {}) is None:
                    tx.post(_receipt_entry(customer, key, doc.total, moment, reference))
                    tx.remember(f"credited|{key}", {}, {"document": document}, at=moment)
                return "credited"
            tx.post(_receipt_entry(customer, key, doc.total, moment, reference))
            return self._settle(tx, doc, reference, at=moment, receipt=last.data)

    def refuse_receipt(self, invoice: str, *, reason: str, at: datetime | None = None) -> bool:
        """Refuse the receipt uploaded for ``invoice`` (its id), for ``reason``
        (the business's words, told to the customer); returns whether it
        was recorded now (``False``: refused already).

        The invoice is ``issued`` again (a ``refuse_receipt`` event keeps the
        reason), unpaid and due as before: the runs collect it again and the
        overdue ladder counts it again from its due day (an invoice past
        that day is late at the next run). The customer is told
        (``receipt.refused``, with the reason and the invoice's due day).
        Refused with a :class:`~billkit.errors.BillingError` naming the
        field: an empty ``reason``; an invoice whose status is not
        ``receipt_uploaded``, naming it.
        """
        why = checks.text("reason", reason, required=True, error=BillingError)
        moment = self.clock.now() if at is None else checks.moment("at", at, error=BillingError)
        document, customer = self._receipt_invoice(invoice)
        with self.store.transaction(lock=f"account:{customer}") as tx:
            doc = tx.document(document)
            if doc.kind == INVOICE and doc.status != _RECEIPT:
                answers = [
                    e.event
                    for e in tx.document_events(document)
                    if e.event in ("upload_receipt", "refuse_receipt")
                ]
                if answers and answers[-1] == "refuse_receipt":
                    return False  # its last receipt is refused already
            if doc.kind != INVOICE or doc.status != _RECEIPT:
                raise BillingError(
                    "invoice",
                    document,
                    "an invoice whose uploaded receipt awaits confirmation "
                    f"(its kind is {doc.kind!r}, its status {doc.status!r})",
                )
            assert doc.total is not None
            tx.change_status(
                document, event="refuse_receipt", status="issued", at=moment, data={"reason": why}
            )
            self._notify(
                tx,
                f"receipt.refused|{document}|{len(tx.document_events(document))}",
                "receipt.refused",
                customer,
                tx.payer(customer).data,
                {
                    "document": document,
                    "number": doc.number or "",
                    "total": str(doc.total.amount),
                    "currency": doc.total.currency.code,
                    "reason": why,
                },
                moment,
            )
        return True

    def handle_webhook(self, headers: Mapping[str, str], body: bytes) -> int:
        """Verify a provider webhook; settle the documents and book the top-ups it names.

        Returns how many documents it settled and top-ups it booked. The
        gateway verifies the signature first (a bad one raises
        :class:`~billkit.errors.WebhookError` and nothing happens). The
        payment's state is read back from the provider, never taken from
        the webhook alone; a webhook delivered twice settles once.
        """
        settled = 0
        for event in self.gateway.parse_webhook(headers, body):
            with self.store.transaction(readonly=True) as tx:
                found = tx.recall(f"payment|{event.payment}", {})
            if found is None:
                continue
            result = self.gateway.get_payment(event.payment)
            if "top_up" in found:
                if result.status is PaymentStatus.SUCCEEDED:
                    ask = found["ask"]
                    assert isinstance(ask, Mapping)
                    booked = self._book_top_up(str(found["top_up"]), str(found["key"]), ask, result)
                    settled += booked
                continue
            document, key = str(found["document"]), str(found["key"])
            with self.store.transaction(readonly=True) as tx:
                customer = tx.document(document).customer
            today = self.clock.today()
            settled += self._record(document, result, today, key, customer) == "paid"
        return settled

    # ------------------------------------------------------------ notifications

    def _notify(
        self,
        tx: Transaction,
        key: str,
        topic: str,
        customer: str,
        payer: Mapping[str, object],
        payload: Mapping[str, object],
        at: datetime,
    ) -> None:
        for m in self._messages(key, topic, customer, payer, payload, at):
            tx.enqueue(key=m.key, topic=m.topic, payload=m.payload, at=m.created_at)

    def _messages(
        self,
        key: str,
        topic: str,
        customer: str,
        payer: Mapping[str, object],
        payload: Mapping[str, object],
        at: datetime,
    ) -> list[OutboxMessage]:
        """The outbox messages of a notice: one per channel the payer chose."""
        out: list[OutboxMessage] = []
        category = CATEGORIES.get(topic, "services")
        chosen = payer.get("channels") or {}
        assert isinstance(chosen, Mapping)
        channels = chosen.get(category, self.channels.get(category, ("email",)))
        common = {
            "customer": customer,
            "email": payer.get("email") or "",
            "locale": payer.get("locale") or self.locale,
            **payload,
            "category": category,
        }
        for channel in channels:
            body = {**common, "channel": channel}
            # flat data: kept as its canonical text (records._text_data), else the converter's
            text = _flat_text(body)
            out.append(
                OutboxMessage(
                    id=0,
                    key=f"{key}|{channel}",
                    topic=topic,
                    payload=body if text is None else _text_data(text),
                    created_at=at,
                )
            )
        return out

    def _numbered(
        self,
        key: str,
        topic: str,
        customer: str,
        payer: Mapping[str, object],
        payload: Mapping[str, object],
        at: datetime,
    ) -> _Numbered:
        """The messages of a notice about a draft (:meth:`_messages`), made once
        its number is drawn: ``payload`` with that ``number``."""

        def made(number: str | None) -> list[OutboxMessage]:
            return self._messages(key, topic, customer, payer, {**payload, "number": number}, at)

        return made

    def deliver(self, *, worker: str | None = None, lease: timedelta = timedelta(minutes=5)) -> int:
        """Hand every waiting outbox message to the notifier; returns how many were delivered.

        A message is acknowledged only after the notifier took it, so a
        crash in between delivers it again (at least once; the message's
        ``key`` lets the receiver drop the repeat).
        """
        name = worker or f"worker-{uuid.uuid4().hex[:8]}"
        delivered = 0
        while True:
            with self.store.transaction() as tx:
                batch = tx.claim(name, now=self.clock.now(), lease=lease, limit=50)
            if not batch:
                return delivered
            for message in batch:
                self.notifier.deliver(message)
                with self.store.transaction() as tx:
                    tx.acknowledge(message.id, name, now=self.clock.now())
                delivered += 1

    # ------------------------------------------------------------ helpers

    def _plan(self, code: str, tx: Transaction | None = None) -> Plan:
        if code not in self.plans:
            try:
                if tx is not None:
                    self.plans[code] = from_data(tx.plan(code).data)
                else:
                    with self.store.transaction(readonly=True) as own:
                        self.plans[code] = from_data(own.plan(code).data)
            except NotFoundError:
                raise SubscriptionError("plan", code, "a plan of the catalog") from None
        return self.plans[code]

    def _subscribed(self, record: SubscriptionRecord, tx: Transaction) -> Subscribed:
        ends = record.data.get("ends")
        return Subscribed(
            id=record.id,
            plans=[
                PlanFrom(on=date.fromisoformat(on), plan=self._plan(code, tx))
                for on, code in record.data["plans"]
            ],
            ends=date.fromisoformat(ends) if ends else None,
        )
