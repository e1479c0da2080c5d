"""The customer's answers after a proforma's approval: a rejected proforma (asked again
by ``reissue``), and the payment receipts customers upload, confirmed (in full or in part)
or refused by the business. One layer of
:class:`billkit.engine.Billing` (users import from :mod:`billkit.engine`; the modules
are listed in docs/architecture.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Final

import attrs
from moneyed import Money

from billkit import _checks as checks
from billkit.billing import INVOICE, PROFORMA, DocumentKey
from billkit.engine._collect import _Collect
from billkit.engine._core import _about
from billkit.engine._proformas import _PART, _RECEIPT, _official_move, _part_of
from billkit.errors import BillingError
from billkit.money import RoundingPolicy
from billkit.serialize import to_data
from billkit.storage.records import DocumentEvent, DocumentRecord, EntryRecord

_ANSWERS: Final = frozenset({"upload_receipt", "refuse_receipt", _PART})
"""The events that upload a receipt or answer one without paying the invoice."""


def _checked_part(amount: object, total: Money) -> Money:
    """``amount``, checked: a :class:`Money` above zero in ``total``'s currency,
    in whole minor units."""
    if not isinstance(amount, Money):
        raise BillingError("amount", amount, "a Money (the amount the receipt shows)")
    part = checks.money("amount", amount, total.currency, sign="above_zero", error=BillingError)
    return checks.whole_minor_units("amount", part, RoundingPolicy(), error=BillingError)


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


class _Receipts(_Collect):
    """Rejections and receipts: a layer of :class:`~billkit.engine.Billing`."""

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
        its status, with a ``withdraw`` event naming no new status), or
        until the business asks again for the same bill (:meth:`reissue`).
        While the bill is unchanged nothing new is asked, and every run that
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
                document,
                event="reject",
                status=_official_move(doc, "reject"),
                at=moment,
                data={"reason": why},
            )
            self._notify(
                tx,
                f"proforma.rejected|{document}",
                "proforma.rejected",
                customer,
                tx.payer(customer).data,
                {
                    **_about(doc),
                    "reason": why,
                },
                moment,
            )
        return True

    def reissue(self, proforma: str, *, at: datetime | None = None) -> str:
        """Ask the customer again for the period of the rejected ``proforma``
        (its id): issue the proforma of its next revision, for the same
        bill; returns its id (``...|proforma|<revision + 1>``).

        For a business billing with ``proforma_approval=True``, after
        :meth:`reject`, when the business and the customer agreed that the
        amount stands (a misunderstanding cleared up off-line). In one
        transaction, under the customer's lock and the proforma series'
        lock, the proforma of the next revision is issued (numbered next in
        ``proforma_series``) with the rejected one's lines, taxes and
        totals, dated the day of ``at`` (default: now), due as many days
        later as the rejected one gave, and referring to it; the rejected
        one keeps its status and number, with a ``reissue`` event naming
        the new one. The new proforma waits for :meth:`approve` or
        :meth:`reject` as any other, and the period is no longer reported
        in :attr:`RunReport.rejected`. The customer is told
        (``proforma.reissued``, with both numbers and the total).

        For a corrected amount, correct the bill instead (the usage,
        :meth:`change_plan`...): the next run that bills the subscription
        issues the next revision for the new amount, as it does for any
        changed bill.

        Asking again twice (a retry, several workers at once) issues one
        proforma and returns its id each time. Refused with a
        :class:`~billkit.errors.BillingError` naming the field: without
        ``proforma_approval``; a document that is not one of this
        business's proformas; a proforma that is not ``rejected`` (still
        awaiting its answer, approved, withdrawn), or one a run replaced
        already because its bill changed, naming its status; ``at``
        before the rejected proforma's issue day.
        """
        document, moment = self._answerable("reissue", proforma, at)
        with self.store.transaction(readonly=True) as tx:
            customer = tx.document(document).customer
        lock = [f"account:{customer}", f"series:{self.series[PROFORMA]}"]
        with self.store.transaction(lock=lock) as tx:
            doc, made = self._own_proforma(tx, document)
            events = tx.document_events(document)
            asked = next((e for e in events if e.event == "reissue"), None)
            if asked is not None:
                return str(asked.data["proforma"])  # asked again already
            if doc.status != "rejected" or any(e.event == "withdraw" for e in events):
                why = {
                    "issued": " (it awaits the customer's answer)",
                    "approved": " (the customer approved it: its invoice is issued)",
                    "withdrawn": " (its bill changed: a proforma of the next revision asks)",
                    "rejected": " (its bill changed: a run issued the next revision already)",
                }
                raise BillingError(
                    "proforma",
                    document,
                    f"a rejected proforma standing for its period; it is {doc.status}"
                    + why.get(doc.status, ""),
                )
            if moment.date() < made.issue_date:
                raise BillingError(
                    "at", moment, f"a moment on or after the proforma's issue day {made.issue_date}"
                )
            key = DocumentKey.parse(document)
            new_id = str(attrs.evolve(key, revision=key.revision + 1))
            day = moment.date()
            days = (made.due_date - made.issue_date) if made.due_date is not None else None
            again = attrs.evolve(
                made,
                number=None,
                issue_date=day,
                due_date=None if days is None else day + days,
                references=(attrs.evolve(made, number=doc.number).ref,),
            )
            tx.save_draft(
                DocumentRecord(
                    id=new_id,
                    customer=customer,
                    kind=PROFORMA,
                    period_start=doc.period_start,
                    period_end=doc.period_end,
                    total=again.totals.gross,
                    data=to_data(again),
                )
            )
            number = tx.issue(new_id, series=self.series[PROFORMA], at=moment).number
            tx.change_status(
                document,
                event="reissue",
                status="rejected",
                at=moment,
                data={"proforma": new_id, "proforma_number": number or ""},
            )
            self._notify(
                tx,
                f"proforma.reissued|{new_id}",
                "proforma.reissued",
                customer,
                tx.payer(customer).data,
                {
                    "document": new_id,
                    "number": number or "",
                    "rejected": document,
                    "rejected_number": doc.number or "",
                    "total": str(again.totals.gross.amount),
                    "currency": again.totals.gross.currency.code,
                },
                moment,
            )
        return new_id

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
        recorded already, or confirmed already for part of the invoice;
        another one, a clearer scan or the receipt of the rest, is recorded
        too).

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
        The customer is told that the receipt was received and awaits
        confirmation (``receipt.uploaded``, with the file's name: the
        business's app gets the same message, a webhook channel for
        example, to check the receipt), once per file recorded.

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
            if doc.kind == INVOICE and doc.status in (_RECEIPT, "paid", "issued"):
                events = tx.document_events(document)
                last = _last_receipt(events)
                if doc.status != "issued" and last is not None and last.data == data:
                    return False  # this file is recorded already (and maybe confirmed)
                if any(e.event == _PART and e.data.get("receipt") == data for e in events):
                    return False  # this file is confirmed already, for a part
            if doc.kind != INVOICE or doc.status not in ("issued", _RECEIPT):
                raise BillingError(
                    "invoice",
                    document,
                    "an issued invoice to pay "
                    f"(its kind is {doc.kind!r}, its status {doc.status!r})",
                )
            # another file while one awaits: the state stays (the engine's own move)
            status = _RECEIPT if doc.status == _RECEIPT else _official_move(doc, "upload_receipt")
            tx.change_status(document, event="upload_receipt", status=status, at=moment, data=data)
            assert doc.total is not None
            self._notify(
                tx,
                f"receipt.uploaded|{document}|{len(tx.document_events(document))}",
                "receipt.uploaded",
                customer,
                tx.payer(customer).data,
                {
                    **_about(doc),
                    "attachment": name,
                },
                moment,
            )
            if doc.status == "issued" and self.overdue is not None and document.count("|") == 4:
                self._overdue_paid(tx, customer, tx.payer(customer).data)
        return True

    def confirm_receipt(
        self, invoice: str, *, amount: Money | None = None, at: datetime | None = None
    ) -> str:
        """Confirm the receipt uploaded for ``invoice`` (its id): the transfer
        it shows, ``amount`` (default: all the invoice still owes), is
        booked; returns ``"paid"`` when the invoice is paid in full,
        ``"partly_paid"`` when a rest is still owed.

        Booked as a bank transfer the gateway confirms is booked: in one
        transaction under the customer's lock, a ``payment`` entry of the
        amount (key ``receipt|<invoice>`` when one receipt pays the whole
        total, else ``receipt|<invoice>|<n>`` for the invoice's ``n``-th
        receipt; reference ``receipt:<attachment>``) is posted. When the
        parts confirmed reach the invoice's total, the invoice's charge is
        posted, the invoice is marked ``paid`` (a ``pay`` event naming the
        receipt), the customer is told (``payment.received``, naming the
        invoice's total) and the account is weighed again (a frozen or
        overdue subscription is active again). A part short of the rest is
        a partial payment: it waits in the customer's balance for the rest
        (the invoice's charge takes the whole total at once when paid), a
        ``confirm_part`` event keeps the amount, the receipt and what is
        still owed, and the invoice is ``issued`` again: still due by its
        due day, collected and counted overdue for the rest, as after
        :meth:`refuse_receipt`, until the rest arrives (another receipt,
        or the balance reaching the total). The customer is told
        (``payment.received``, naming the part). At ``at`` (default: now).

        More than the invoice still owes is refused, never booked in
        silence: the business books the surplus itself (a top-up).
        Confirming again (a retry, several workers at once) books nothing
        and returns the same answer; the same receipt confirmed again for
        another amount is refused. An invoice a correction credited while
        its receipt awaited confirmation (late usage) is not paid: the
        transfer (``amount``, default the rest) is booked to the balance,
        which pays the invoice of the next revision; ``"credited"`` is
        returned. Refused with a :class:`~billkit.errors.BillingError`
        naming the field: the invoice and its status when no receipt
        awaits confirmation (none uploaded, or refused); ``amount`` not
        above zero, not in whole minor units, above what is owed, or
        confirmed already for another amount; a
        :class:`~billkit.errors.CurrencyMismatchError` for an amount in
        another currency than the invoice's.
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
            answers = [e for e in events if e.event in _ANSWERS]
            asked = None
            if amount is not None and doc.total is not None:
                asked = _checked_part(amount, doc.total)
            if doc.status == "issued" and answers and answers[-1].event == _PART:
                # its last receipt was confirmed already, as a part
                booked = _part_of(answers[-1])
                if asked is not None and asked != booked:
                    raise BillingError(
                        "amount",
                        amount,
                        f"the {booked.amount} {booked.currency.code} this receipt is "
                        "confirmed for already",
                    )
                return "partly_paid"
            # credited while its receipt awaited confirmation (not after a refusal)
            credited = (
                doc.status == "credited" and bool(answers) and answers[-1].event == "upload_receipt"
            )
            if doc.status != _RECEIPT and not credited:
                raise BillingError(
                    "invoice",
                    document,
                    "an invoice whose uploaded receipt awaits confirmation "
                    f"(its kind is {doc.kind!r}, its status {doc.status!r})",
                )
            assert last is not None
            assert doc.total is not None
            parts = [_part_of(e) for e in events if e.event == _PART]
            paid = sum((p.amount for p in parts), Decimal(0))
            rest = Money(doc.total.amount - paid, doc.total.currency)
            part = rest if asked is None else asked
            if part > rest:
                raise BillingError(
                    "amount",
                    amount,
                    f"at most the {rest.amount} {rest.currency.code} the invoice still owes "
                    "(book a surplus to the balance as a top-up)",
                )
            reference = f"receipt:{last.data['attachment']}"
            ordinal = sum(1 for e in events if e.event == "upload_receipt")
            whole = not parts and part == doc.total
            key = f"receipt|{document}" if whole else f"receipt|{document}|{ordinal}"
            if credited:
                if tx.recall(f"credited|{key}", {}) is None:
                    tx.post(_receipt_entry(customer, key, part, moment, reference))
                    tx.remember(f"credited|{key}", {}, {"document": document}, at=moment)
                return "credited"
            tx.post(_receipt_entry(customer, key, part, moment, reference))
            if part == rest:
                _official_move(doc, "confirm_payment")  # checked: paid, by _settle
                return self._settle(
                    tx,
                    doc,
                    reference,
                    at=moment,
                    receipt=last.data,
                    received=None if whole else part,
                )
            owed = rest - part
            tx.change_status(
                document,
                event=_PART,
                status="issued",
                at=moment,
                data={
                    "amount": str(part.amount),
                    "currency": part.currency.code,
                    "owed": str(owed.amount),
                    "reference": reference,
                    "receipt": dict(last.data),
                },
            )
            self._notify(
                tx,
                f"payment.received|{document}|{ordinal}",
                "payment.received",
                customer,
                tx.payer(customer).data,
                _about(doc, part),
                moment,
            )
        return "partly_paid"

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
                document,
                event="refuse_receipt",
                status=_official_move(doc, "reject_receipt"),
                at=moment,
                data={"reason": why},
            )
            self._notify(
                tx,
                f"receipt.refused|{document}|{len(tx.document_events(document))}",
                "receipt.refused",
                customer,
                tx.payer(customer).data,
                {
                    **_about(doc),
                    "reason": why,
                },
                moment,
            )
        return True
