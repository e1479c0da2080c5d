"""``Billing``, the public class (every layer below), and its month-end ``run``. Private
(users import from :mod:`billkit.engine`; the modules are listed in
docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from moneyed import Money

from billkit.engine._bill import _Run
from billkit.engine._core import _BATCH
from billkit.engine._receipts import _Receipts
from billkit.engine._report import RunReport, _proforma_of
from billkit.errors import BillkitError
from billkit.ports import Transaction
from billkit.storage.records import SubscriptionRecord


class Billing(_Receipts):
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
    after its payments (:meth:`_overdue_states`; a run after a gap does
    so for each billing day of the gap in turn: :meth:`run`); an invoice counts from
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
    next revision asks once its bill changes, or when the business asks
    again for the same bill, :meth:`reissue`; until then the runs
    report the period in :attr:`RunReport.rejected`). A proforma neither
    approved nor rejected never falls overdue: nothing is owed before the
    approval. The customer may pay the invoice by transfer and upload the
    receipt (:meth:`upload_receipt`: status ``receipt_uploaded``, neither
    collected nor counted overdue while it awaits the business), which
    :meth:`confirm_receipt` books as the payment (or, given ``amount=``,
    as part of it: the invoice is ``issued`` again, owed the rest) or
    :meth:`refuse_receipt` sends back to ``issued``. It needs
    ``proforma_final="invoice"``.

    Notifications are filed by category (:data:`billkit.ports.CATEGORIES`:
    ``finance``, ``services``...); ``channels`` maps a category to the
    channels its messages go by (:data:`billkit.ports.CHANNELS`; e-mail
    for a category it leaves out; an empty choice sends nothing), and a
    customer's own ``channels`` override it. Each channel gets its own
    outbox message, keyed ``<event>|<channel>`` for de-duplication.
    """

    # Users import it from the package, where it says it lives (help(), reprs, pickles
    # by reference). RunReport keeps its defining module: an attrs value, its string
    # annotations are resolved in that module (billkit._checks, typing.get_type_hints),
    # and its doctests are found there.
    __module__ = "billkit.engine"

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

        Under an overdue ladder or a dunning schedule, a run after a gap goes
        through the gap's days in order, one pass each, as the daily runs it
        replaces would have: the due subscriptions' next billing days before
        ``as_of`` and the days a schedule has a move of an unpaid invoice not
        yet done (a retry, a notice, the freeze: :meth:`_dunning_days`). Each
        pass applies the ladder's states entered before its day, bills what is
        due by it, collects (the schedule's moves due by it done) and weighs
        the ladder on it; then the pass of ``as_of`` itself, which alone keeps
        the schedules. A daily run is one pass. A customer whose billing
        failed in a pass is not billed again by the run.

        What is dated when: money moves on the real day. A charge a pass makes
        is made now (under the attempt's key); declined, it is the attempt of
        the pass's day (its ``payment_failed`` event says that day, and the
        dunning and the ladder go on from it as after daily runs); taken, it is
        today's money (the ledger's entries, the ``pay`` event and notices are
        dated now, the autopay cap counts the real day's month, a subscription
        it unfreezes resumes with the cycle running on the real day) and the
        invoice is settled for the passes after it. Notices of past days are
        sent now and say their own day. Money received during the gap outside
        the runs (a top-up, a webhook, :meth:`pay`) is there for the first
        pass: an invoice it paid or a balance it filled is settled from that
        pass on, the days before it arrived not replayed for it.

        Each pass records, as idempotency records, that it started billing and
        that its payments are done (:meth:`_pass_mark`). A rerun of the shard
        after a crash between the two, on the same day or a later one, goes
        first through that day again (:meth:`_passes_cut`): the invoices it
        billed are charged as the attempts of the day they were billed, as one
        uninterrupted run would have.
        """
        day = as_of or self.clock.today()
        issued: list[str] = []
        carried: list[tuple[str, str, str, Decimal]] = []
        totals: dict[str, Decimal] = {}
        failures: list[tuple[str, str]] = []
        early: list[tuple[str, str]] = []
        rejected: dict[str, None] = {}
        billed_here: set[str] = set()  # the documents billed, over every pass
        billed = paid = refused = 0
        shard = f"{self.business or ''}|{id_from or ''}|{id_to or ''}"
        with self.store.transaction(readonly=True) as tx:
            due = tx.subscriptions_due(day, id_from=id_from, id_to=id_to)
            # The days of this shard's passes a crash cut between their billing and
            # their collection (_pass_mark): each is gone through again, in its order.
            resumed = self._passes_cut(tx, day, shard, id_from, id_to)
            # Under a ladder or a dunning schedule, a gap's days one pass each, in order
            # (_next_pass): each bills up to its day, collects (a schedule's moves due on
            # it done) and weighs the accounts as a daily run on it would. Else one pass.
            on = self._next_pass(tx, due, day, None, resumed, id_from, id_to)
        stop: set[str] = set()  # customers whose billing failed: not billed again
        while True:
            # the ladder's days since the last run, before billing
            if self.overdue is not None and self._overdue_states(
                on, id_from, id_to, early, billing=True
            ):
                with self.store.transaction(readonly=True) as tx:  # moved: read again
                    due = tx.subscriptions_due(day, id_from=id_from, id_to=id_to)
            now_due = [
                s
                for s in due
                if s.customer not in stop and s.next_billing is not None and s.next_billing <= on
            ]
            customers = sorted({s.customer for s in now_due})
            # A pass that bills keeps its marks (_pass_mark), as does a cut one gone
            # through again (its billing done: it bills nothing now), so it is done.
            marked = bool(customers) or on in resumed
            if marked:
                self._pass_mark(shard, on, "billing")
            ids_of: dict[str, list[str]] = {}
            for s in now_due:
                ids_of.setdefault(s.customer, []).append(s.id)
            outcomes: list[tuple[str, int, list[tuple[str, Money, int]]]] = []
            templates = _Run()  # this pass's compiled invoices, buyers and texts (_Run)
            failed: list[tuple[str, str]] = []
            for first in range(0, len(customers), _BATCH):
                chunk = customers[first : first + _BATCH]
                try:
                    outcomes += self._bill_batch(chunk, ids_of, on, failed, templates)
                except BillkitError as error:  # the batch's transaction failed: each is skipped
                    failed += [(c, f"{type(error).__name__}: {error}") for c in chunk]
            stop.update(c for c, _ in failed)
            failures += failed
            rejected.update(templates.rejected)
            for _customer, done, docs in outcomes:
                billed += done
                for doc_id, gross, sign in docs:
                    issued.append(doc_id)
                    billed_here.add(doc_id)
                    carried.append((doc_id, _customer, gross.currency.code, sign * gross.amount))
                    totals[gross.currency.code] = totals.get(gross.currency.code, Decimal(0)) + (
                        sign * gross.amount
                    )
            if on == day and (id_from is None if schedules is None else schedules):
                self._credit_lines(day, failures)  # by default the first shard's, on ``day``
                self._renewals(day, failures)
            on_payment: list[tuple[str, str, str, Decimal]] = []
            got, lost = self.collect(
                on, id_from=id_from, id_to=id_to, failures=failures, issued=on_payment
            )
            paid += got
            refused += lost
            for row in on_payment:  # the invoices (or acts) paying proformas issued meanwhile
                issued.append(row[0])
                carried.append(row)
                if _proforma_of(row[0]) not in billed_here:  # else its money is counted already
                    totals[row[2]] = totals.get(row[2], Decimal(0)) + row[3]
            if marked:
                self._pass_mark(shard, on, "collected")
            if self.overdue is not None:
                # the accounts billed a correction (a credit note, a next revision) weighed again
                fixed = {c for c, _, docs in outcomes for d, _, _ in docs if not d.endswith("|0")}
                self._overdue_states(on, id_from, id_to, failures, corrected=fixed)
            if on == day:
                break
            with self.store.transaction(readonly=True) as tx:  # the gap's next day
                due = tx.subscriptions_due(day, id_from=id_from, id_to=id_to)
                on = self._next_pass(tx, due, day, on, resumed, id_from, id_to)
        failures[:0] = early
        rejected.update(self._rejected_standing(id_from, id_to))  # every run: the shard's
        return RunReport(
            as_of=day,
            billed=billed,
            issued=tuple(issued),
            invoiced=tuple(sorted(totals.items())),
            paid=paid,
            failed_payments=refused,
            failures=tuple(failures),
            documents=tuple(carried),
            rejected=tuple(rejected),
        )

    def _next_pass(
        self,
        tx: Transaction,
        due: Sequence[SubscriptionRecord],
        day: date,
        after: date | None,
        resumed: Sequence[date],
        id_from: str | None,
        id_to: str | None,
    ) -> date:
        """The day of a run's next pass (``after``: the last pass's; ``None``: the first):
        the earliest of the days a crash cut (``resumed``), and, under a ladder or a
        dunning schedule, of the gap's billing days (:func:`_gap_day`) and the days a
        schedule has a move of an unpaid invoice not yet done (:meth:`_dunning_days`),
        after ``after``; else ``day`` itself."""
        days = [d for d in resumed if after is None or d > after]
        if self.overdue is not None or self.dunning is not None or self.plan_dunning:
            days.append(_gap_day(due, day, after))
            moves = self._dunning_days(tx, id_from, id_to, after, day)
            if moves is not None:
                days.append(moves)
        return min(min(days, default=day), day)

    def _pass_mark(self, shard: str, on: date, step: str) -> None:
        """Record that the pass of ``on`` of shard ``shard`` reached ``step``
        (``billing``: it starts billing; ``collected``: its payments are made and recorded),
        as an idempotency record (:func:`_mark_key`), once."""
        with self.store.transaction() as tx:  # kept once: a second worker's is replayed
            tx.remember(_mark_key(shard, on, step), {}, {}, at=self.clock.now())

    def _passes_cut(
        self, tx: Transaction, day: date, shard: str, id_from: str | None, id_to: str | None
    ) -> list[date]:
        """The days before ``day`` whose pass (of shard ``shard``) started billing but did
        not finish its collection: a crash cut it (:meth:`_pass_mark`). Each is a day an
        unpaid invoice of the shard was issued on, the pass that billed it being the one
        that collects it on that day. Read in ``tx``."""
        issued = {
            date.fromisoformat(str(d.data["issue_date"]))
            for d in tx.unpaid_invoices(id_from=id_from, id_to=id_to)
            if d.status == "issued" and d.data.get("issue_date")
        }
        return [
            x
            for x in sorted(issued)
            if x < day
            and tx.recall(_mark_key(shard, x, "billing"), {}) is not None
            and tx.recall(_mark_key(shard, x, "collected"), {}) is None
        ]


def _mark_key(shard: str, on: date, step: str) -> str:
    """The idempotency key recording that a run's pass of ``on`` reached ``step``."""
    return f"run|{shard}|{on.isoformat()}|{step}"


def _gap_day(due: Sequence[SubscriptionRecord], day: date, after: date | None) -> date:
    """The next day a run over a gap ending on ``day`` bills (and collects, and weighs the
    ladder on): the earliest next billing day of the ``due`` subscriptions after
    ``after`` (``None``: the first pass), else ``day`` itself."""
    days = [
        s.next_billing
        for s in due
        if s.next_billing is not None and (after is None or s.next_billing > after)
    ]
    return min(min(days, default=day), day)
