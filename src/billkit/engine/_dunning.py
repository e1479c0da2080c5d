"""The overdue ladder and dunning: attempt-counted dunning, dunning schedules, the ladder's
states per account, freezing and unfreezing. One layer of
:class:`billkit.engine.Billing` (users import from :mod:`billkit.engine`; the modules
are listed in docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Final

import attrs
from moneyed import Money

from billkit.billing import INVOICE, PROFORMA, DocumentKey, Subscribed
from billkit.engine._core import _DUNNING_TOPICS
from billkit.engine._outbox import _Outbox
from billkit.errors import BillkitError, NotFoundError
from billkit.periods import BillingCycle
from billkit.ports import Transaction
from billkit.storage.records import DocumentEvent, DocumentRecord, SubscriptionRecord
from billkit.subscriptions.dunning import (
    DunningMove,
    DunningSchedule,
    cancel_date,
    simulate_dunning,
)
from billkit.subscriptions.overdue import OverdueCancellation, OverdueLadder, OverdueState

#: The kinds of document a subscription's dunning follows: what asks to be paid.
_DUNNED = (INVOICE, PROFORMA)


_DUNNING_EVENTS: Final = frozenset({"payment_failed", "dunning"})


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


class _Dunning(_Outbox):
    """The overdue ladder and dunning: a layer of :class:`~billkit.engine.Billing`."""

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
        return self._schedule_on(record, on)

    def _schedule_on(
        self, record: SubscriptionRecord, on: date | None = None
    ) -> DunningSchedule | None:
        """:meth:`_schedule` of the subscription ``record``, read already."""
        if not self.plan_dunning:
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

    def _dunning_days(
        self,
        tx: Transaction,
        id_from: str | None,
        id_to: str | None,
        after: date | None,
        day: date,
    ) -> date | None:
        """The earliest day after ``after`` (``None``: any) and before ``day`` on which a
        dunning schedule has a move of an unpaid invoice of the shard not yet done (a
        retry after its last failed charge, a notice or the freeze not recorded), or
        ``None``: the days a run over a gap goes through (:meth:`Billing.run`), as the
        daily runs it replaces would have. The cancellation and the deletion mark come
        from the subscription's next billing day, a billing day of the gap.

        Every move due by a run's day is done by that run (:meth:`_dun`), so the moves
        not done fall after the last run: a run goes through no day before it. Read in
        ``tx``.
        """
        if self.dunning is None and not self.plan_dunning:
            return None
        unpaid = [
            d
            for d in tx.unpaid_invoices(id_from=id_from, id_to=id_to)
            if d.kind in _DUNNED
            and d.status == "issued"
            and d.id.count("|") == 4
            and d.total is not None
        ]
        events = tx.document_events_of((d.id for d in unpaid), events=_DUNNING_EVENTS)
        failing = [d for d in unpaid if any(e.event == "payment_failed" for e in events[d.id])]
        keys = {d.id: DocumentKey.parse(d.id) for d in failing}
        records = tx.subscriptions_of({k.subscription for k in keys.values()})
        found: date | None = None
        for doc in failing:
            key = keys[doc.id]
            record = records.get(key.subscription)
            if record is None or record.status == "cancelled":
                continue  # dunning is over
            schedule = self._schedule_on(record, key.period.start)
            if schedule is None:
                continue
            history = events[doc.id]
            failed = [e for e in history if e.event == "payment_failed"]
            overdue_on = date.fromisoformat(str(failed[0].data["day"]))
            last_failed = date.fromisoformat(str(failed[-1].data["day"]))
            done = {(e.data.get("move"), e.data.get("on")) for e in history if e.event == "dunning"}
            sub = self._subscribed(record, tx)
            cycle = self._cycle(sub, overdue_on + timedelta(days=schedule.grace_days or 0))
            for move in simulate_dunning(schedule, overdue_on=overdue_on, cycle=cycle):
                if move.on >= day or (after is not None and move.on <= after):
                    continue
                if found is not None and move.on >= found:
                    continue
                if move.move is DunningMove.RETRY:
                    waiting = move.on > last_failed
                elif move.move in (DunningMove.NOTIFY, DunningMove.FREEZE):
                    waiting = (move.move.value, move.on.isoformat()) not in done
                else:
                    waiting = False
                if waiting:
                    found = move.on
        return found

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
    ) -> bool:
        """Put every account with overdue invoices in the state of :attr:`overdue` on ``day``;
        whether an account was moved (weighed under its lock).

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
                return False
            documents = tx.documents_of(customers)
            payers = tx.payers_of(customers)
            weighed = {
                c: self._overdue_of(tx, documents[c], events) for c in customers if c in payers
            }
            ids = {c: _account_subscriptions(payers[c].data, documents[c]) for c in weighed}
            records = tx.subscriptions_of(i for c in weighed for i in ids[c])
        moved = False
        for customer, invoices in weighed.items():
            mine = [records[i] for i in ids[customer] if i in records]
            until = _ladder_until(mine, day) if billing else day
            try:
                if customer in fixed and self._overdue_above(invoices, until, mine):
                    moved = True
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
                moved = True
                with self.store.transaction(lock=[f"account:{customer}"]) as tx:
                    self._catch_up(tx, customer, day, billing=billing)
            except BillkitError as error:
                failures.append((customer, f"{type(error).__name__}: {error}"))
        return moved

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
