"""A deterministic payment gateway that misbehaves like real providers.

:class:`SandboxGateway` keeps its payments in memory and is driven by a
clock (:class:`FixedClock` by default), so a test or a notebook moves time
forward and watches pending payments settle, disputes open and webhooks
arrive late. The same ``seed`` and the same calls give the same references,
events and webhook order, every run. What happens is chosen by the saved
method's token:

================================  ===============================================
token                             what happens
================================  ===============================================
``tok_visa`` (any other token)    approved: ``succeeded``
``tok_insufficient_funds``        hard decline: ``failed``, ``insufficient_funds``
``tok_expired_card``              hard decline: ``failed``, ``expired_card``
``tok_soft_decline``              ``failed`` (``try_again_later``, retryable) the
                                  first time for a customer; the retry succeeds
``tok_3ds``                       ``requires_action`` (3-D Secure); then
                                  :meth:`~SandboxGateway.authenticate` completes
                                  or abandons it; unanswered for an hour: failed
``tok_timeout``                   charged, but the answer is lost: ``unknown``;
                                  the same idempotency key replayed returns the
                                  payment, then ``get_payment`` knows it
``tok_bank_transfer``             ``pending`` until the settlement delay has
                                  passed (3 days), then ``succeeded``
``tok_bank_debit_fails``          ``pending``, then ``failed`` (``debit_failed``)
                                  when the settlement delay has passed
``tok_refund_fails``              approved; every refund of it fails
``tok_dispute_won``               approved; a dispute opens a day later and is
                                  won two days after that
``tok_dispute_lost``              the same, lost
``tok_bad_signature``             approved; its webhooks carry a bad signature
================================  ===============================================

A request without a saved method answers ``requires_action`` with a redirect
to the sandbox's payment page; :meth:`~SandboxGateway.authenticate` plays the
payer. Webhooks (Standard Webhooks, signed with ``secret``) wait in a queue
until the clock reaches them: :meth:`~SandboxGateway.deliveries` hands out
those due. With ``duplicates`` (a probability, as a string) some are sent
twice; with ``max_delay`` each is late by up to that much, so they also
arrive out of order.

>>> from datetime import datetime, timedelta, timezone
>>> from billkit.money import Money
>>> from billkit.payments import PaymentRequest, SavedMethod
>>> clock = FixedClock(datetime(2026, 3, 1, tzinfo=timezone.utc))
>>> sandbox = SandboxGateway(clock=clock)
>>> card = SavedMethod(token="tok_bank_transfer")
>>> paid = sandbox.create_payment(PaymentRequest(amount=Money("50.00", "EUR"), method=card), "k1")
>>> paid.status.value
'pending'
>>> _ = clock.advance(timedelta(days=3))
>>> sandbox.get_payment(paid.reference).status.value
'succeeded'
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Final

import attrs
from moneyed import Money

from billkit.errors import GatewayError, PaymentError, WebhookError
from billkit.payments.types import (
    Capabilities,
    EventKind,
    Failure,
    GatewayEvent,
    NextAction,
    PaymentRequest,
    PaymentResult,
    PaymentStatus,
    Refund,
    RefundStatus,
    WebhookReply,
    check_request,
)
from billkit.payments.webhooks import WebhookVerifier, sign
from billkit.ports import Clock, FixedClock

__all__ = ["MAGIC_TOKENS", "Delivery", "SandboxGateway"]

MAGIC_TOKENS: Final[Mapping[str, str]] = {
    "tok_visa": "approved",
    "tok_insufficient_funds": "hard decline: insufficient funds",
    "tok_expired_card": "hard decline: card expired",
    "tok_soft_decline": "soft decline, the retry succeeds",
    "tok_3ds": "3-D Secure required",
    "tok_timeout": "charged, answer lost (unknown)",
    "tok_bank_transfer": "pending, settles after the settlement delay",
    "tok_bank_debit_fails": "pending, fails after the settlement delay",
    "tok_refund_fails": "approved, refunds fail",
    "tok_dispute_won": "approved, dispute opened then won",
    "tok_dispute_lost": "approved, dispute opened then lost",
    "tok_bad_signature": "approved, webhooks badly signed",
}
"""The sandbox's magic saved-method tokens and what each does."""

_SECRET: Final = "whsec_c2FuZGJveC1zZWNyZXQtZm9yLXRlc3RzLW9ubHk="
_WRONG_KEY: Final = b"not-the-sandbox-secret"
_UTC: Final = timezone.utc
_ACTION_TIMEOUT: Final = timedelta(hours=1)
_DISPUTE_OPENS: Final = timedelta(days=1)
_DISPUTE_CLOSES: Final = timedelta(days=3)
_PAGE: Final = "https://sandbox.billkit.invalid"


@attrs.frozen(kw_only=True)
class Delivery:
    """One webhook call the sandbox makes: the ``headers`` and raw ``body``
    to hand to ``parse_webhook``, and when it was ``due``."""

    headers: Mapping[str, str]
    body: bytes
    due: datetime


@attrs.define
class _Payment:
    reference: str
    key: str
    request: PaymentRequest
    token: str
    created: datetime
    status: PaymentStatus
    failure: Failure | None = None
    next_action: NextAction | None = None
    refunded: Decimal = Decimal(0)
    answer_lost: bool = False
    authorized_only: bool = False
    dispute: str = ""  # "", "open", "won", "lost"


def _in_currency_of(amount: Decimal, like: Money) -> Money:
    return Money(amount, like.currency)


class SandboxGateway:
    """An in-memory payment provider for tests and notebooks; see the module
    documentation for its magic tokens.

    ``seed`` fixes the webhook faults (which are duplicated, how late each
    is); ``clock`` drives every delay; ``secret`` signs the webhooks;
    ``currencies`` and ``minimums`` are its capabilities.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: Clock | None = None,
        secret: str = _SECRET,
        currencies: Sequence[str] = ("EUR", "USD", "RUB", "IRR"),
        minimums: Sequence[Money] = (Money("0.50", "EUR"), Money("0.50", "USD")),
        settlement_delay: timedelta = timedelta(days=3),
        duplicates: str = "0",
        max_delay: timedelta = timedelta(0),
    ) -> None:
        self._clock: Clock = clock or FixedClock(datetime(2026, 1, 1, tzinfo=_UTC))
        self._seed = seed
        self._secret = secret
        self._verifier = WebhookVerifier(secret, clock=self._clock)
        self._caps = Capabilities(currencies=currencies, minimums=list(minimums))
        self._settlement = settlement_delay
        self._duplicates = Decimal(duplicates)
        if not 0 <= self._duplicates <= 1:
            raise PaymentError("duplicates", duplicates, "a probability from '0' to '1'")
        self._max_delay = max_delay
        self._payments: dict[str, _Payment] = {}
        self._by_key: dict[str, tuple[PaymentRequest, str]] = {}
        self._refunds: dict[str, Refund] = {}
        self._refund_keys: dict[str, tuple[str, Money | None]] = {}
        self._soft_declined: set[tuple[str, str]] = set()
        self._queue: list[tuple[datetime, int, str, bytes, bool]] = []
        self._events = 0
        self._draws = 0

    # -- the port -------------------------------------------------------------

    @property
    def name(self) -> str:
        """``"sandbox"``."""
        return "sandbox"

    @property
    def capabilities(self) -> Capabilities:
        """Everything: refunds, partial refunds, saved methods, 3-D Secure, webhooks."""
        return self._caps

    @property
    def clock(self) -> Clock:
        """The clock that drives the sandbox."""
        return self._clock

    @property
    def secret(self) -> str:
        """The Standard Webhooks secret the sandbox signs with."""
        return self._secret

    def create_payment(self, request: PaymentRequest, idempotency_key: str) -> PaymentResult:
        """Create a payment; what happens depends on the saved method's token."""
        if not isinstance(request, PaymentRequest):
            raise PaymentError("request", request, "a PaymentRequest")
        _key(idempotency_key)
        check_request(self._caps, request)
        self._tick()
        seen = self._by_key.get(idempotency_key)
        if seen is not None:
            if seen[0] != request:
                raise GatewayError(
                    "sandbox",
                    "idempotency_key_in_use",
                    f"key {idempotency_key!r} was used with another request",
                )
            payment = self._payments[seen[1]]
            payment.answer_lost = False
            return self._result(payment)
        now = self._clock.now()
        reference = f"pay_{len(self._payments) + 1:04d}"
        token = request.method.token if request.method is not None else ""
        payment = _Payment(reference, idempotency_key, request, token, now, PaymentStatus.PENDING)
        self._payments[reference] = payment
        self._by_key[idempotency_key] = (request, reference)
        if not token or token == "tok_3ds":
            payment.status = PaymentStatus.REQUIRES_ACTION
            kind = "3ds" if token else "checkout"
            payment.next_action = NextAction(url=f"{_PAGE}/{kind}/{reference}")
        elif token == "tok_insufficient_funds":
            self._fail(payment, "insufficient_funds", "The card has insufficient funds.", False)
        elif token == "tok_expired_card":
            self._fail(payment, "expired_card", "The card has expired.", False)
        elif token == "tok_soft_decline" and (request.customer, token) not in self._soft_declined:
            self._soft_declined.add((request.customer, token))
            self._fail(payment, "try_again_later", "The issuer asks to try again.", True)
        elif token in ("tok_bank_transfer", "tok_bank_debit_fails"):
            self._emit(payment, EventKind.PAYMENT_PENDING, now)
        else:
            self._approve(payment, now)
            payment.answer_lost = token == "tok_timeout"
        if payment.answer_lost:
            return PaymentResult(
                reference="",
                status=PaymentStatus.UNKNOWN,
                amount=request.amount,
                provider="sandbox",
                raw_status="timeout",
            )
        return self._result(payment)

    def capture(
        self, reference: str, amount: Money | None = None, *, idempotency_key: str
    ) -> PaymentResult:
        """Capture an authorised payment, all of it or ``amount``."""
        _key(idempotency_key)
        payment = self._get(reference)
        if payment.status is PaymentStatus.SUCCEEDED and not payment.authorized_only:
            return self._result(payment)  # a replayed capture
        if not payment.authorized_only or payment.status is not PaymentStatus.PENDING:
            raise GatewayError(
                "sandbox", "payment_unexpected_state", f"{reference} is not authorised"
            )
        if amount is not None and (
            amount.currency != payment.request.amount.currency
            or not 0 < amount.amount <= payment.request.amount.amount
        ):
            raise GatewayError("sandbox", "amount_too_large", f"cannot capture {amount}")
        payment.authorized_only = False
        if amount is not None and amount.amount < payment.request.amount.amount:
            payment.request = attrs.evolve(payment.request, amount=amount)
        self._approve(payment, self._clock.now(), capturing=True)
        return self._result(payment)

    def cancel(self, reference: str, *, idempotency_key: str) -> PaymentResult:
        """Cancel an authorised payment or one still waiting for the payer."""
        _key(idempotency_key)
        payment = self._get(reference)
        if payment.status is PaymentStatus.CANCELED:
            return self._result(payment)
        cancellable = payment.status is PaymentStatus.REQUIRES_ACTION or (
            payment.status is PaymentStatus.PENDING and payment.authorized_only
        )
        if not cancellable:
            raise GatewayError(
                "sandbox", "payment_unexpected_state", f"{reference} is {payment.status.value}"
            )
        payment.status = PaymentStatus.CANCELED
        payment.authorized_only = False
        payment.next_action = None
        self._emit(payment, EventKind.PAYMENT_CANCELED, self._clock.now())
        return self._result(payment)

    def refund(
        self, reference: str, amount: Money | None = None, *, idempotency_key: str
    ) -> Refund:
        """Refund part or all of a succeeded payment (``tok_refund_fails``: refused)."""
        _key(idempotency_key)
        seen = self._refund_keys.get(idempotency_key)
        if seen is not None:
            if seen != (reference, amount):
                raise GatewayError(
                    "sandbox",
                    "idempotency_key_in_use",
                    f"key {idempotency_key!r} was used with another refund",
                )
            return self._refunds[idempotency_key]
        payment = self._get(reference)
        paid = payment.request.amount
        if payment.status is not PaymentStatus.SUCCEEDED:
            raise GatewayError(
                "sandbox", "charge_not_refundable", f"{reference} is {payment.status.value}"
            )
        left = paid.amount - payment.refunded
        wanted = left if amount is None else amount.amount
        if amount is not None and amount.currency != paid.currency:
            raise GatewayError("sandbox", "currency_mismatch", f"{amount} for a {paid} payment")
        if not 0 < wanted <= left:
            raise GatewayError(
                "sandbox", "amount_too_large", f"refund of {wanted} with {left} left to refund"
            )
        number = f"re_{len(self._refunds) + 1:04d}"
        if payment.token == "tok_refund_fails":
            refund = Refund(
                reference=number,
                payment=reference,
                amount=_in_currency_of(wanted, paid),
                status=RefundStatus.FAILED,
                failure=Failure(code="refund_failed", message="The bank refused the refund."),
            )
        else:
            payment.refunded += wanted
            refund = Refund(
                reference=number,
                payment=reference,
                amount=_in_currency_of(wanted, paid),
                status=RefundStatus.SUCCEEDED,
            )
            self._emit(payment, EventKind.PAYMENT_REFUNDED, self._clock.now(), wanted)
        self._refunds[idempotency_key] = refund
        self._refund_keys[idempotency_key] = (reference, amount)
        return refund

    def get_payment(self, reference: str) -> PaymentResult:
        """The sandbox's record of a payment, after the clock's due changes."""
        return self._result(self._get(reference))

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[GatewayEvent]:
        """Verify a sandbox webhook (Standard Webhooks) and return its event."""
        data = self._verifier.parse(headers, body)
        try:
            obj = data["data"]
            currency = obj["currency"]
            amount = obj.get("amount")
            event = GatewayEvent(
                id=data["id"],
                kind=data["type"],
                payment=obj["payment"],
                occurred=datetime.fromisoformat(data["created"]),
                provider="sandbox",
                amount=None if amount is None else Money(Decimal(amount), currency),
            )
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            raise WebhookError("body", body[:60], f"a sandbox event ({error})") from None
        return (event,)

    def webhook_response(self, event: GatewayEvent | None) -> WebhookReply:
        """``204 No Content`` for a handled event, ``400`` for a refused one."""
        return WebhookReply(status=204) if event is not None else WebhookReply(status=400)

    # -- driving the sandbox ----------------------------------------------------

    def authenticate(self, reference: str, *, success: bool) -> PaymentResult:
        """Play the payer on the 3-D Secure or payment page: complete it
        (``success=True``) or abandon it."""
        payment = self._get(reference)
        if payment.status is not PaymentStatus.REQUIRES_ACTION:
            raise GatewayError(
                "sandbox", "payment_unexpected_state", f"{reference} is {payment.status.value}"
            )
        payment.next_action = None
        if success:
            self._approve(payment, self._clock.now())
        else:
            self._fail(
                payment, "authentication_failed", "The payer did not complete 3-D Secure.", True
            )
        return self._result(payment)

    def deliveries(self) -> list[Delivery]:
        """The webhook calls due by now, in the order they arrive (taken
        from the queue: each is handed out once, duplicates included)."""
        self._tick()
        now = self._clock.now()
        due = [item for item in self._queue if item[0] <= now]
        self._queue = [item for item in self._queue if item[0] > now]
        out = []
        for when, _, msg_id, body, bad in sorted(due, key=lambda item: (item[0], item[1])):
            keys: str | bytes = _WRONG_KEY if bad else self._secret
            out.append(Delivery(headers=sign(keys, msg_id, now, body), body=body, due=when))
        return out

    def pending_webhooks(self) -> int:
        """How many webhook calls are still waiting for their time."""
        return len(self._queue)

    # -- internals ---------------------------------------------------------------

    def _get(self, reference: str) -> _Payment:
        self._tick()
        payment = self._payments.get(reference)
        if payment is None:
            raise GatewayError("sandbox", "resource_missing", f"no payment {reference!r}")
        return payment

    def _result(self, payment: _Payment) -> PaymentResult:
        status = payment.status
        return PaymentResult(
            reference=payment.reference,
            status=status,
            amount=payment.request.amount,
            provider="sandbox",
            refunded=_in_currency_of(payment.refunded, payment.request.amount),
            next_action=payment.next_action if status is PaymentStatus.REQUIRES_ACTION else None,
            failure=payment.failure if status is PaymentStatus.FAILED else None,
            raw_status="requires_capture" if payment.authorized_only else status.value,
        )

    def _approve(self, payment: _Payment, at: datetime, *, capturing: bool = False) -> None:
        if not payment.request.capture and not capturing:
            payment.authorized_only = True
            payment.status = PaymentStatus.PENDING
            return
        payment.status = PaymentStatus.SUCCEEDED
        self._emit(payment, EventKind.PAYMENT_SUCCEEDED, at)

    def _fail(self, payment: _Payment, code: str, message: str, retryable: bool) -> None:
        payment.status = PaymentStatus.FAILED
        payment.failure = Failure(code=code, message=message, retryable=retryable)
        self._emit(payment, EventKind.PAYMENT_FAILED, self._clock.now())

    def _tick(self) -> None:
        """Apply every change the clock has reached, in time order."""
        now = self._clock.now()
        for payment in self._payments.values():
            due = payment.created + self._settlement
            if (
                payment.status is PaymentStatus.PENDING
                and not payment.authorized_only
                and due <= now
            ):
                if payment.token == "tok_bank_debit_fails":
                    payment.status = PaymentStatus.FAILED
                    payment.failure = Failure(
                        code="debit_failed", message="The bank returned the debit."
                    )
                    self._emit(payment, EventKind.PAYMENT_FAILED, due)
                else:
                    payment.status = PaymentStatus.SUCCEEDED
                    self._emit(payment, EventKind.PAYMENT_SUCCEEDED, due)
            expires = payment.created + _ACTION_TIMEOUT
            if payment.status is PaymentStatus.REQUIRES_ACTION and expires <= now:
                payment.status = PaymentStatus.FAILED
                payment.next_action = None
                payment.failure = Failure(
                    code="authentication_abandoned",
                    message="The payer left 3-D Secure unanswered.",
                    retryable=True,
                )
                self._emit(payment, EventKind.PAYMENT_FAILED, expires)
            if payment.token in ("tok_dispute_won", "tok_dispute_lost") and (
                payment.status is PaymentStatus.SUCCEEDED
            ):
                opens = payment.created + _DISPUTE_OPENS
                closes = payment.created + _DISPUTE_CLOSES
                if not payment.dispute and opens <= now:
                    payment.dispute = "open"
                    self._emit(
                        payment, EventKind.DISPUTE_OPENED, opens, payment.request.amount.amount
                    )
                if payment.dispute == "open" and closes <= now:
                    won = payment.token == "tok_dispute_won"
                    payment.dispute = "won" if won else "lost"
                    kind = EventKind.DISPUTE_WON if won else EventKind.DISPUTE_LOST
                    self._emit(payment, kind, closes, payment.request.amount.amount)

    def _draw(self) -> Decimal:
        """A deterministic number in [0, 1) from the seed and a counter."""
        self._draws += 1
        digest = hashlib.sha256(f"{self._seed}:{self._draws}".encode()).digest()
        return Decimal(int.from_bytes(digest[:8], "big")) / Decimal(2**64)

    def _emit(
        self, payment: _Payment, kind: EventKind, at: datetime, amount: Decimal | None = None
    ) -> None:
        self._events += 1
        event_id = f"evt_{self._events:05d}"
        money = payment.request.amount
        body = json.dumps(
            {
                "id": event_id,
                "type": kind.value,
                "created": at.isoformat(),
                "data": {
                    "payment": payment.reference,
                    "currency": money.currency.code,
                    "amount": None if amount is None else str(amount),
                },
            },
            separators=(",", ":"),
        ).encode()
        bad = payment.token == "tok_bad_signature"
        copies = 2 if self._duplicates and self._draw() < self._duplicates else 1
        for _ in range(copies):
            late = int(Decimal(int(self._max_delay.total_seconds())) * self._draw())
            due = at + timedelta(seconds=late)
            self._queue.append((due, self._events, f"msg_{event_id}", body, bad))


def _key(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        raise PaymentError("idempotency_key", value, "a non-empty str of at most 255 characters")
    return value
