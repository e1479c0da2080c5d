"""Payments: one gateway protocol, a sandbox that misbehaves like real
providers, signed webhooks, reconciliation, and provider adapters.

* :mod:`~billkit.payments.types`: the values every gateway speaks
  (:class:`PaymentRequest`, :class:`PaymentResult`, :class:`Refund`,
  :class:`GatewayEvent`, :class:`Capabilities`, ...);
* :mod:`~billkit.payments.webhooks`: Standard Webhooks, signed and verified;
* :mod:`~billkit.payments.sandbox`: :class:`SandboxGateway`, deterministic
  and clock-driven, with magic tokens for every misbehaviour;
* :mod:`~billkit.payments.reconcile`: :class:`PaymentAttempt` and
  :func:`reconcile`, which resolve unknown and pending payments;
* provider adapters, each an optional extra, imported by name:
  ``billkit.payments.stripe`` (``py-billkit[stripe]``),
  ``billkit.payments.yookassa`` (``[yookassa]``),
  ``billkit.payments.robokassa`` (``[robokassa]``),
  ``billkit.payments.zarinpal`` (``[zarinpal]``).

The gateway protocol itself is :class:`billkit.ports.PaymentGateway`.

>>> from datetime import datetime, timezone
>>> from billkit.money import Money
>>> from billkit.ports import FixedClock
>>> from billkit.payments import PaymentRequest, SandboxGateway, SavedMethod
>>> sandbox = SandboxGateway(clock=FixedClock(datetime(2026, 3, 1, tzinfo=timezone.utc)))
>>> result = sandbox.create_payment(
...     PaymentRequest(amount=Money("19.90", "EUR"), method=SavedMethod(token="tok_visa")),
...     idempotency_key="invoice-2026-0001",
... )
>>> result.status.value, result.reference
('succeeded', 'pay_0001')
"""

from __future__ import annotations

from billkit.payments.reconcile import SCHEDULE, PaymentAttempt, reconcile
from billkit.payments.sandbox import MAGIC_TOKENS, Delivery, SandboxGateway
from billkit.payments.types import (
    Capabilities,
    EventKind,
    Failure,
    GatewayEvent,
    MethodState,
    NextAction,
    PaymentRequest,
    PaymentResult,
    PaymentStatus,
    Refund,
    RefundStatus,
    SavedMethod,
    WebhookReply,
    check_request,
    from_minor,
    to_minor,
)
from billkit.payments.webhooks import TOLERANCE, WebhookVerifier, decode_secret, sign, signature

__all__ = [
    "MAGIC_TOKENS",
    "SCHEDULE",
    "TOLERANCE",
    "Capabilities",
    "Delivery",
    "EventKind",
    "Failure",
    "GatewayEvent",
    "MethodState",
    "NextAction",
    "PaymentAttempt",
    "PaymentRequest",
    "PaymentResult",
    "PaymentStatus",
    "Refund",
    "RefundStatus",
    "SandboxGateway",
    "SavedMethod",
    "WebhookReply",
    "WebhookVerifier",
    "check_request",
    "decode_secret",
    "from_minor",
    "reconcile",
    "sign",
    "signature",
    "to_minor",
]
