"""Lifecycles: the states of invoices, official invoices, payments and
credit-limit statements, as pure transitions with clear refusals.

A :class:`Lifecycle` is a table of ``state -> event -> next state``.
:meth:`Lifecycle.apply` returns the next state, or raises
:class:`~billkit.errors.TransitionError` naming the current state, the event
refused and the events allowed from there. Nothing is stored: the caller
keeps the state (an issued document itself never changes; see
:mod:`billkit.invoicing.documents`).

* :data:`INVOICE_LIFECYCLE` (the messaging SaaS): Draft -> Open -> Paid,
  Void or Uncollectible; Paid -> Refunded or Partially refunded;
* :data:`STRIPE_INVOICE_LIFECYCLE` (Stripe's): a draft may be deleted rather
  than voided, and Paid is final: a refund is a credit note, not a state;
* :data:`OFFICIAL_INVOICE_LIFECYCLE` and :class:`OfficialInvoiceFlow` (the
  attribution SaaS): proforma issued -> approved by customer -> official
  invoice sent (with its scan) -> paid, through a gateway or an uploaded
  receipt, with a deadline after which the account is blocked;
* :data:`PAYMENT_LIFECYCLE` and :class:`PaymentStatus`: new / being paid ->
  credited, or failed with a :class:`PaymentFailure` reason;
* :data:`STATEMENT_LIFECYCLE`: credit-limit statements, to pay -> partially
  paid -> paid (:func:`statement_event` picks the event from the amounts).

>>> state = INVOICE_LIFECYCLE.apply(InvoiceState.DRAFT, "finalize")
>>> state = INVOICE_LIFECYCLE.apply(state, "pay")
>>> state
<InvoiceState.PAID: 'paid'>
>>> INVOICE_LIFECYCLE.apply(state, "void")
Traceback (most recent call last):
...
billkit.errors.TransitionError: invoice in state 'paid' cannot 'void'; allowed: 'partially_refund', 'refund'
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, ClassVar, Final, Generic, TypeVar

import attrs
from moneyed import Money

from billkit import _checks as checks
from billkit._kinds import StatementState
from billkit._states import Machine
from billkit.errors import InvoicingError, ValidationError

__all__ = [
    "INVOICE_LIFECYCLE",
    "OFFICIAL_INVOICE_LIFECYCLE",
    "PAYMENT_LIFECYCLE",
    "STATEMENT_LIFECYCLE",
    "STRIPE_INVOICE_LIFECYCLE",
    "InvoiceState",
    "Lifecycle",
    "OfficialInvoiceFlow",
    "OfficialInvoiceState",
    "PaymentFailure",
    "PaymentState",
    "PaymentStatus",
    "StatementState",
    "refund_event",
    "statement_event",
]

S = TypeVar("S", bound=enum.Enum)


def _table(value: object) -> dict[object, dict[str, object]]:
    if not isinstance(value, Mapping) or not all(isinstance(v, Mapping) for v in value.values()):
        raise InvoicingError("transitions", value, "a mapping of state to {event: next state}")
    return {k: dict(v) for k, v in value.items()}


@attrs.frozen(kw_only=True)
class Lifecycle(Generic[S]):
    """A state machine as data: ``transitions[state][event]`` is the next state.

    States missing from ``transitions`` (or with no events) are final. The
    moves run on :class:`billkit._states.Machine`, the one state-machine
    helper of billkit: :meth:`apply` is the one verb, a refused event raises
    :class:`~billkit.errors.TransitionError` naming the state and the events
    allowed from it (sorted).

    >>> class Door(enum.Enum):
    ...     SHUT = "shut"
    ...     OPEN = "open"
    >>> door = Lifecycle(subject="door", states=Door,
    ...                  transitions={Door.SHUT: {"open": Door.OPEN}, Door.OPEN: {"shut": Door.SHUT}})
    >>> door.apply(Door.SHUT, "open"), door.allowed(Door.OPEN)
    (<Door.OPEN: 'open'>, ('shut',))
    >>> door.apply("open", "open")
    Traceback (most recent call last):
    ...
    billkit.errors.TransitionError: door in state 'open' cannot 'open'; allowed: 'shut'
    """

    subject: str = attrs.field(converter=checks.TEXT)
    states: type[S]
    transitions: Mapping[S, Mapping[str, S]] = attrs.field(
        converter=_table,
        eq=False,
        hash=False,
        repr=False,
    )
    _machine: Machine[S, str] = attrs.field(
        init=False,
        eq=False,
        hash=False,
        repr=False,
        default=attrs.Factory(lambda self: self._build(), takes_self=True),
    )

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    def _build(self) -> Machine[S, str]:
        table = {
            (state, event): after
            for state, moves in self.transitions.items()
            for event, after in sorted(moves.items())
        }
        return Machine(self.subject, self.states, table, error=InvoicingError)

    def state(self, value: S | str) -> S:
        """``value`` as one of :attr:`states` (its member or its value)."""
        return self._machine.state(value)

    def allowed(self, state: S | str) -> tuple[str, ...]:
        """The events allowed from ``state``, sorted."""
        return self._machine.allowed(state)

    def can(self, state: S | str, event: str) -> bool:
        """Whether ``event`` is allowed from ``state``."""
        return isinstance(event, str) and self._machine.can(state, event)

    def is_final(self, state: S | str) -> bool:
        """Whether no event leaves ``state``."""
        return self._machine.is_final(state)

    def apply(self, state: S | str, event: str) -> S:
        """The state after ``event``; a :class:`~billkit.errors.TransitionError`
        naming the state and the allowed events if it is not allowed."""
        return self._machine.apply(state, event)


# --------------------------------------------------------------------------- invoices


class InvoiceState(str, enum.Enum):
    """An invoice's state (the messaging SaaS's list, and Stripe's ``deleted``
    draft, which only :data:`STRIPE_INVOICE_LIFECYCLE` reaches).

    >>> [s.value for s in InvoiceState]   # doctest: +NORMALIZE_WHITESPACE
    ['draft', 'open', 'paid', 'void', 'uncollectible', 'refunded', 'partially_refunded',
     'deleted']
    """

    DRAFT = "draft"
    OPEN = "open"
    PAID = "paid"
    VOID = "void"
    UNCOLLECTIBLE = "uncollectible"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    DELETED = "deleted"


INVOICE_LIFECYCLE: Final = Lifecycle(
    subject="invoice",
    states=InvoiceState,
    transitions={
        InvoiceState.DRAFT: {"finalize": InvoiceState.OPEN},
        InvoiceState.OPEN: {
            "pay": InvoiceState.PAID,
            "void": InvoiceState.VOID,
            "mark_uncollectible": InvoiceState.UNCOLLECTIBLE,
        },
        # A written-off invoice may still be paid late, or voided.
        InvoiceState.UNCOLLECTIBLE: {"pay": InvoiceState.PAID, "void": InvoiceState.VOID},
        InvoiceState.PAID: {
            "refund": InvoiceState.REFUNDED,
            "partially_refund": InvoiceState.PARTIALLY_REFUNDED,
        },
        InvoiceState.PARTIALLY_REFUNDED: {
            "refund": InvoiceState.REFUNDED,
            "partially_refund": InvoiceState.PARTIALLY_REFUNDED,
        },
    },
)
"""Draft -> (finalize) Open -> (pay) Paid, (void) Void or (mark_uncollectible)
Uncollectible; Uncollectible -> Paid or Void; Paid and Partially refunded ->
(refund) Refunded or (partially_refund) Partially refunded. Void and Refunded
are final.

>>> INVOICE_LIFECYCLE.allowed("open")
('mark_uncollectible', 'pay', 'void')
>>> INVOICE_LIFECYCLE.is_final(InvoiceState.VOID)
True
"""


STRIPE_INVOICE_LIFECYCLE: Final = Lifecycle(
    subject="invoice",
    states=InvoiceState,
    transitions={
        InvoiceState.DRAFT: {"finalize": InvoiceState.OPEN, "delete": InvoiceState.DELETED},
        InvoiceState.OPEN: {
            "pay": InvoiceState.PAID,
            "void": InvoiceState.VOID,
            "mark_uncollectible": InvoiceState.UNCOLLECTIBLE,
        },
        InvoiceState.UNCOLLECTIBLE: {"pay": InvoiceState.PAID, "void": InvoiceState.VOID},
    },
)
"""Stripe's invoice lifecycle (https://docs.stripe.com/invoicing/overview,
"Invoice lifecycle"): Draft -> (finalize) Open or (delete) Deleted; Open ->
(pay) Paid, (void) Void or (mark_uncollectible) Uncollectible; Uncollectible
-> Paid or Void. A draft is deleted, not voided ("Attempts to delete invoices
that are no longer in a draft state will fail; once an invoice has been
finalized ... it must be voided", https://docs.stripe.com/api/invoices/delete);
a billkit draft has no number yet, so deleting it leaves no gap in a series.
Paid, Void and Deleted are final: money given back on a paid invoice is a
credit note (a refund, or credit for the customer's next invoices, see
:meth:`billkit.invoicing.balances.AccountBalances.adjust`) and the invoice
stays paid. Use it where :data:`INVOICE_LIFECYCLE` is used.

>>> STRIPE_INVOICE_LIFECYCLE.allowed("draft")
('delete', 'finalize')
>>> STRIPE_INVOICE_LIFECYCLE.apply("paid", "refund")
Traceback (most recent call last):
...
billkit.errors.TransitionError: invoice in state 'paid' cannot 'refund'; allowed: nothing (a final state)
"""


def refund_event(total: Money, refunded: Money) -> str:
    """``'refund'`` when ``refunded`` (everything credited so far, this refund
    included) reaches the invoice's ``total``, else ``'partially_refund'``.

    >>> refund_event(Money("122.00", "EUR"), Money("61.00", "EUR"))
    'partially_refund'
    >>> refund_event(Money("122.00", "EUR"), Money("122.00", "EUR"))
    'refund'
    >>> refund_event(Money("122.00", "EUR"), Money("122.01", "EUR"))
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: refunded = Money('122.01', 'EUR'): expected an amount above zero and at most the total, 122.00 EUR
    """
    checks.money("total", total, error=InvoicingError)
    checks.money("refunded", refunded, total.currency, error=InvoicingError)
    if not 0 < refunded.amount <= total.amount:
        raise InvoicingError(
            "refunded",
            refunded,
            f"an amount above zero and at most the total, {total.amount} {total.currency.code}",
        )
    return "refund" if refunded.amount == total.amount else "partially_refund"


# --------------------------------------------------------------------------- official invoices


class OfficialInvoiceState(str, enum.Enum):
    """The attribution SaaS's document states.

    ``PROFORMA_ISSUED`` (the proforma at the end of the period),
    ``APPROVED_BY_CUSTOMER``, ``REJECTED_BY_CUSTOMER`` (a revised proforma
    follows), ``SENT_TO_CUSTOMER`` (the official invoice issued, its scan
    attached), ``RECEIPT_UPLOADED`` (the customer's bank receipt awaits
    confirmation), ``PAID``.

    >>> OfficialInvoiceState("sent_to_customer").name
    'SENT_TO_CUSTOMER'
    """

    PROFORMA_ISSUED = "proforma_issued"
    APPROVED_BY_CUSTOMER = "approved_by_customer"
    REJECTED_BY_CUSTOMER = "rejected_by_customer"
    SENT_TO_CUSTOMER = "sent_to_customer"
    RECEIPT_UPLOADED = "receipt_uploaded"
    PAID = "paid"


OFFICIAL_INVOICE_LIFECYCLE: Final = Lifecycle(
    subject="official invoice",
    states=OfficialInvoiceState,
    transitions={
        OfficialInvoiceState.PROFORMA_ISSUED: {
            "approve": OfficialInvoiceState.APPROVED_BY_CUSTOMER,
            "reject": OfficialInvoiceState.REJECTED_BY_CUSTOMER,
        },
        OfficialInvoiceState.APPROVED_BY_CUSTOMER: {"send": OfficialInvoiceState.SENT_TO_CUSTOMER},
        OfficialInvoiceState.SENT_TO_CUSTOMER: {
            "pay": OfficialInvoiceState.PAID,
            "upload_receipt": OfficialInvoiceState.RECEIPT_UPLOADED,
        },
        OfficialInvoiceState.RECEIPT_UPLOADED: {
            "confirm_payment": OfficialInvoiceState.PAID,
            "reject_receipt": OfficialInvoiceState.SENT_TO_CUSTOMER,
        },
    },
)
"""Proforma issued -> (approve) approved by customer or (reject) rejected;
approved -> (send) sent to customer; sent -> (pay, through the gateway) paid,
or (upload_receipt) receipt uploaded; receipt uploaded -> (confirm_payment)
paid or (reject_receipt) back to sent.

>>> OFFICIAL_INVOICE_LIFECYCLE.allowed("sent_to_customer")
('pay', 'upload_receipt')
"""


@attrs.frozen(kw_only=True)
class OfficialInvoiceFlow:
    """One period's proforma and official invoice at the attribution SaaS.

    Each step returns a new value; a step the state does not allow raises
    :class:`~billkit.errors.TransitionError`. :meth:`send` records the
    official invoice's number, its scan and the payment deadline
    (``payment_days`` after issue, 10 by default); :meth:`is_blocked` says
    whether the account is blocked on a day: the invoice is sent, neither
    paid nor with a receipt uploaded, and the deadline has passed.

    >>> flow = OfficialInvoiceFlow(proforma="PF-1403-02")
    >>> flow = flow.approve().send(number="F-1403-117", on=date(2024, 4, 20), scan="scans/F-117.pdf")
    >>> flow.due_on, flow.is_blocked(date(2024, 4, 30)), flow.is_blocked(date(2024, 5, 1))
    (datetime.date(2024, 4, 30), False, True)
    >>> flow = flow.upload_receipt("receipts/bank-5521.jpg", on=date(2024, 5, 2))
    >>> flow.is_blocked(date(2024, 5, 2)), flow.confirm_payment(on=date(2024, 5, 3)).state.value
    (False, 'paid')
    >>> OfficialInvoiceFlow(proforma="PF-1").send(number="F-1", on=date(2024, 4, 20), scan="s.pdf")
    Traceback (most recent call last):
    ...
    billkit.errors.TransitionError: official invoice in state 'proforma_issued' cannot 'send'; allowed: 'approve', 'reject'
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    proforma: str = attrs.field(converter=checks.TEXT)
    state: OfficialInvoiceState = attrs.field(
        default=OfficialInvoiceState.PROFORMA_ISSUED, converter=checks.MEMBER
    )
    number: str = attrs.field(default="", converter=checks.FREE_TEXT)
    issued_on: date | None = attrs.field(default=None, converter=checks.DAY)
    due_on: date | None = attrs.field(default=None, converter=checks.DAY)
    scan: str = attrs.field(default="", converter=checks.FREE_TEXT)
    receipt: str = attrs.field(default="", converter=checks.FREE_TEXT)
    paid_on: date | None = attrs.field(default=None, converter=checks.DAY)

    def _to(self, event: str, **changes: Any) -> OfficialInvoiceFlow:
        state = OFFICIAL_INVOICE_LIFECYCLE.apply(self.state, event)
        return attrs.evolve(self, state=state, **changes)

    def approve(self) -> OfficialInvoiceFlow:
        """The customer approves the proforma."""
        return self._to("approve")

    def reject(self) -> OfficialInvoiceFlow:
        """The customer disputes the proforma (a revised one follows)."""
        return self._to("reject")

    def send(
        self, *, number: str, on: date, scan: str, payment_days: int = 10
    ) -> OfficialInvoiceFlow:
        """Finance issues official invoice ``number`` on ``on``, with its ``scan``."""
        checks.whole("payment_days", payment_days, low=0, error=InvoicingError)
        day = checks.day("on", on, error=InvoicingError)
        return self._to(
            "send",
            number=checks.text("number", number, error=InvoicingError),
            issued_on=day,
            due_on=day + timedelta(days=payment_days),
            scan=checks.text("scan", scan, error=InvoicingError),
        )

    def upload_receipt(self, receipt: str, *, on: date) -> OfficialInvoiceFlow:
        """The customer uploads a bank receipt for the invoice on ``on``."""
        self._after_issue(on)
        return self._to(
            "upload_receipt", receipt=checks.text("receipt", receipt, error=InvoicingError)
        )

    def reject_receipt(self) -> OfficialInvoiceFlow:
        """Finance refuses the uploaded receipt; the invoice is unpaid again."""
        return self._to("reject_receipt", receipt="")

    def confirm_payment(self, *, on: date) -> OfficialInvoiceFlow:
        """Finance confirms the uploaded receipt's payment, received on ``on``."""
        return self._to("confirm_payment", paid_on=self._after_issue(on))

    def pay(self, *, on: date) -> OfficialInvoiceFlow:
        """The customer pays through the gateway on ``on``."""
        return self._to("pay", paid_on=self._after_issue(on))

    def _after_issue(self, on: date) -> date:
        day = checks.day("on", on, error=InvoicingError)
        if self.issued_on is not None and day < self.issued_on:
            raise InvoicingError(
                "on", day, f"a day on or after the invoice's issue ({self.issued_on})"
            )
        return day

    def is_blocked(self, on: date) -> bool:
        """Whether the account is blocked on day ``on`` for this invoice."""
        day = checks.day("on", on, error=InvoicingError)
        return (
            self.state is OfficialInvoiceState.SENT_TO_CUSTOMER
            and self.due_on is not None
            and day > self.due_on
        )


# --------------------------------------------------------------------------- payments


class PaymentState(str, enum.Enum):
    """A payment's state: new, being paid (a bank transfer awaiting the bank),
    credited, or failed.

    >>> PaymentState("being_paid") is PaymentState.BEING_PAID
    True
    """

    NEW = "new"
    BEING_PAID = "being_paid"
    CREDITED = "credited"
    FAILED = "failed"


PAYMENT_LIFECYCLE: Final = Lifecycle(
    subject="payment",
    states=PaymentState,
    transitions={
        PaymentState.NEW: {
            "start": PaymentState.BEING_PAID,
            "credit": PaymentState.CREDITED,
            "fail": PaymentState.FAILED,
        },
        PaymentState.BEING_PAID: {"credit": PaymentState.CREDITED, "fail": PaymentState.FAILED},
    },
)
"""New -> (start) being paid; new or being paid -> (credit) credited or
(fail) failed. Credited and failed are final: a retry is a new payment.

>>> PAYMENT_LIFECYCLE.allowed("being_paid")
('credit', 'fail')
"""


class PaymentFailure(str, enum.Enum):
    """Why a payment failed, each with a plain :attr:`message`.

    >>> PaymentFailure.THREE_DS_FAILED.message
    '3-D Secure authentication failed'
    """

    DECLINED = "declined"
    THREE_DS_FAILED = "3ds_failed"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    EXPIRED_CARD = "expired_card"
    AMOUNT_OUT_OF_LIMITS = "amount_out_of_limits"
    CANCELLED = "cancelled"
    TIMEOUT = "timeout"
    GATEWAY_ERROR = "gateway_error"

    @property
    def message(self) -> str:
        """What to tell the customer."""
        return _FAILURE_MESSAGES[self.value]


_FAILURE_MESSAGES: Final = {
    "declined": "The card was declined by the issuing bank",
    "3ds_failed": "3-D Secure authentication failed",
    "insufficient_funds": "Insufficient funds",
    "expired_card": "The card has expired",
    "amount_out_of_limits": "The amount is outside the payment method's limits",
    "cancelled": "The payment was cancelled",
    "timeout": "The payment was not completed in time",
    "gateway_error": "The payment provider reported an error",
}


@attrs.frozen(kw_only=True)
class PaymentStatus:
    """A payment's state and, once failed, the reason (and the provider's
    own ``detail``).

    >>> status = PaymentStatus().start()
    >>> failed = status.fail("3ds_failed", detail="ACS timeout")
    >>> failed.state.value, failed.reason.message, failed.detail
    ('failed', '3-D Secure authentication failed', 'ACS timeout')
    >>> failed.credit()
    Traceback (most recent call last):
    ...
    billkit.errors.TransitionError: payment in state 'failed' cannot 'credit'; allowed: nothing (a final state)
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    state: PaymentState = attrs.field(default=PaymentState.NEW, converter=checks.MEMBER)
    reason: PaymentFailure | None = attrs.field(default=None, converter=checks.MEMBER)
    detail: str = attrs.field(default="", converter=checks.FREE_TEXT)

    def __attrs_post_init__(self) -> None:
        failed = self.state is PaymentState.FAILED
        if failed and self.reason is None:
            raise InvoicingError("reason", None, "a PaymentFailure: a failed payment says why")
        if not failed and (self.reason is not None or self.detail):
            raise InvoicingError("reason", self.reason, "None: only a failed payment has a reason")

    def start(self) -> PaymentStatus:
        """The payment is under way (a transfer awaiting the bank's confirmation)."""
        return PaymentStatus(state=PAYMENT_LIFECYCLE.apply(self.state, "start"))

    def credit(self) -> PaymentStatus:
        """The money arrived and is credited."""
        return PaymentStatus(state=PAYMENT_LIFECYCLE.apply(self.state, "credit"))

    def fail(self, reason: PaymentFailure | str, *, detail: str = "") -> PaymentStatus:
        """The payment failed for ``reason``."""
        state = PAYMENT_LIFECYCLE.apply(self.state, "fail")
        return PaymentStatus(state=state, reason=reason, detail=detail)


# --------------------------------------------------------------------------- statements


STATEMENT_LIFECYCLE: Final = Lifecycle(
    subject="credit-limit statement",
    states=StatementState,
    transitions={
        StatementState.TO_PAY: {
            "pay_part": StatementState.PARTIALLY_PAID,
            "pay_in_full": StatementState.PAID,
        },
        StatementState.PARTIALLY_PAID: {
            "pay_part": StatementState.PARTIALLY_PAID,
            "pay_in_full": StatementState.PAID,
        },
    },
)
"""To pay -> (pay_part) partially paid -> (pay_in_full) paid; to pay ->
(pay_in_full) paid. Paid is final.

>>> STATEMENT_LIFECYCLE.apply("to_pay", "pay_part")
<StatementState.PARTIALLY_PAID: 'partially_paid'>
"""


def statement_event(remaining: Money, paid: Money) -> str:
    """The statement event for a payment of ``paid`` against ``remaining``:
    ``'pay_in_full'`` when it covers what remains (any excess stays on the
    balance), else ``'pay_part'``.

    >>> statement_event(Money("1200.00", "RUB"), Money("500.00", "RUB"))
    'pay_part'
    >>> statement_event(Money("700.00", "RUB"), Money("700.00", "RUB"))
    'pay_in_full'
    """
    checks.money("remaining", remaining, error=InvoicingError)
    checks.money("paid", paid, remaining.currency, error=InvoicingError)
    if paid.amount <= 0:
        raise InvoicingError("paid", paid, "an amount above zero")
    if remaining.amount <= 0:
        raise InvoicingError("remaining", remaining, "an amount above zero: the statement is paid")
    return "pay_in_full" if paid.amount >= remaining.amount else "pay_part"
