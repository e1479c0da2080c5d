"""Proformas: the invoice or act a paid or approved proforma issues, ``approve``,
``mark_sent``, ``official_state`` and the rejected periods a run reports. One layer of :class:`billkit.engine.Billing` (users import from
:mod:`billkit.engine`; the modules are listed in docs/architecture.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Final

import attrs
from moneyed import Money

from billkit import _checks as checks
from billkit.billing import ACT, INVOICE, PROFORMA, DocumentKey
from billkit.engine._core import _Writes
from billkit.engine._settings import _Settings
from billkit.errors import BillingError
from billkit.invoicing.builders import invoice_from_proforma
from billkit.invoicing.documents import Act, Invoice, Proforma
from billkit.invoicing.lifecycle import OFFICIAL_INVOICE_LIFECYCLE, OfficialInvoiceState
from billkit.ports import Transaction
from billkit.serialize import from_data, to_data
from billkit.storage.records import DocumentEvent, DocumentRecord, PayerRecord

_RECEIPT: Final = "receipt_uploaded"
"""The status of an invoice whose uploaded payment receipt awaits the business's
confirmation (:meth:`Billing.upload_receipt`)."""

_PART: Final = "confirm_part"
"""The event of a receipt confirmed for part of what its invoice owes."""


def _part_of(event: DocumentEvent) -> Money:
    """The amount a ``confirm_part`` event booked."""
    return Money(str(event.data["amount"]), str(event.data["currency"]))


_S = OfficialInvoiceState
_OFFICIAL: Final[Mapping[tuple[str, str], OfficialInvoiceState]] = {
    (PROFORMA, "issued"): _S.PROFORMA_ISSUED,
    (PROFORMA, "pending"): _S.PROFORMA_ISSUED,  # a payment under way (without approval)
    (PROFORMA, "approved"): _S.APPROVED_BY_CUSTOMER,
    (PROFORMA, "rejected"): _S.REJECTED_BY_CUSTOMER,
    (INVOICE, "issued"): _S.SENT_TO_CUSTOMER,
    (INVOICE, "pending"): _S.SENT_TO_CUSTOMER,  # a gateway payment under way
    (INVOICE, _RECEIPT): _S.RECEIPT_UPLOADED,
    (INVOICE, "paid"): _S.PAID,
}
"""The official-invoice state of each stored (kind, status) of the engine's
proformas and invoices: the strings every version of the engine wrote, read
as :class:`~billkit.invoicing.OfficialInvoiceState` (the rest, ``withdrawn``,
``credited``, a paid proforma, are out of the flow)."""

_STORED: Final[Mapping[tuple[str, OfficialInvoiceState], str]] = {
    (PROFORMA, _S.PROFORMA_ISSUED): "issued",
    (PROFORMA, _S.APPROVED_BY_CUSTOMER): "approved",
    (PROFORMA, _S.REJECTED_BY_CUSTOMER): "rejected",
    (INVOICE, _S.SENT_TO_CUSTOMER): "issued",
    (INVOICE, _S.RECEIPT_UPLOADED): _RECEIPT,
    (INVOICE, _S.PAID): "paid",
}
"""The status the engine stores for a kind of document in an official-invoice state."""


def _official_move(doc: DocumentRecord, event: str) -> str:
    """The status ``doc`` (a proforma or an invoice) is stored with after
    ``event`` of :data:`~billkit.invoicing.OFFICIAL_INVOICE_LIFECYCLE`: its
    state's move, checked (a :class:`~billkit.errors.TransitionError` naming
    the state and the events allowed; a
    :class:`~billkit.errors.BillingError` for a status out of the flow)."""
    state = _OFFICIAL.get((doc.kind, doc.status))
    if state is None:
        raise BillingError(
            doc.kind,
            doc.id,
            f"a document of the official-invoice flow (its status is {doc.status!r})",
        )
    after = OFFICIAL_INVOICE_LIFECYCLE.apply(state, event)
    return _STORED[(doc.kind, after)]


_REPLACED: Final = ("withdraw", "reissue")
"""The events of a rejected proforma that another revision replaced."""


class _Proformas(_Settings):
    """Proformas: a layer of :class:`~billkit.engine.Billing`."""

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

    def _rejected_standing(self, id_from: str | None, id_to: str | None) -> dict[str, None]:
        """The proformas of this business's subscriptions ``id_from <= id <
        id_to`` that the customer rejected and that still stand for their
        period (neither asked again, :meth:`reissue`, nor replaced by the
        next revision of a changed bill), by id: :attr:`RunReport.rejected`.

        Two reads whatever the shard's size, none without
        ``proforma_approval``: the rejected proformas (from ``id_from``:
        a subscription's documents sort after its id; the shard's end is
        checked on the subscription), then the events of those that
        replaced them.
        """
        if not self.proforma_approval:
            return {}
        with self.store.transaction(readonly=True) as tx:
            found = [
                d
                for d in tx.documents_in_status(PROFORMA, ("rejected",), id_from=id_from)
                if d.id.count("|") == 4
                and (id_from is None or d.id.split("|", 1)[0] >= id_from)
                and (id_to is None or d.id.split("|", 1)[0] < id_to)
            ]
            if not found:
                return {}
            replaced = tx.document_events_of((d.id for d in found), events=_REPLACED)
        return {
            d.id: None
            for d in found
            if not replaced[d.id] and from_data(d.data).seller == self.seller
        }

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

    def _own_proforma(self, tx: Transaction, document: str) -> tuple[DocumentRecord, Proforma]:
        """The proforma ``document``, read in ``tx``, and its contents; refused
        with a :class:`~billkit.errors.BillingError` naming the proforma when
        the engine did not issue it as a proforma of this business."""
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
        return doc, made

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
        doc, made = self._own_proforma(tx, document)
        if doc.status == done:
            return None
        if doc.status != "issued":
            why = {
                "withdrawn": " (its bill changed: a proforma of the next revision replaced it)",
                "rejected": " (the customer rejected it: a proforma of the next revision asks"
                " once its bill is corrected, or reissue() asks again)",
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
                status=_official_move(doc, "approve"),
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

    def official_state(self, document: str) -> OfficialInvoiceState | None:
        """The state of ``document`` (the id of one of the engine's proformas or
        invoices) in the official-invoice flow, as the pure core names it:
        an :class:`~billkit.invoicing.OfficialInvoiceState`.

        The stored status, whichever version of the engine wrote it, read
        so: a proforma ``issued`` (or ``pending``) is ``PROFORMA_ISSUED``,
        ``approved`` ``APPROVED_BY_CUSTOMER``, ``rejected``
        ``REJECTED_BY_CUSTOMER``; an invoice ``issued`` or ``pending`` is
        ``SENT_TO_CUSTOMER`` (:meth:`approve` issues it and tells the
        customer; :meth:`mark_sent` attaches its scan), ``receipt_uploaded``
        ``RECEIPT_UPLOADED``, ``paid`` ``PAID``. ``None`` for a document
        out of the flow: a proforma withdrawn (replaced by the next
        revision) or paid (billing without approval), an invoice credited,
        an act or a credit note. The engine's moves follow
        :data:`~billkit.invoicing.OFFICIAL_INVOICE_LIFECYCLE` (``approve``,
        ``reject``, ``upload_receipt``, ``confirm_payment``,
        ``reject_receipt``, ``pay``), and two of its own: another receipt
        uploaded while one awaits (the state stays ``RECEIPT_UPLOADED``), and
        a receipt confirmed for part of the amount (back to
        ``SENT_TO_CUSTOMER``, owed the rest). Refused with a
        :class:`~billkit.errors.NotFoundError` for an unknown id.
        """
        document = checks.text("document", document, required=True, error=BillingError)
        with self.store.transaction(readonly=True) as tx:
            doc = tx.document(document)
        return _OFFICIAL.get((doc.kind, doc.status))

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
