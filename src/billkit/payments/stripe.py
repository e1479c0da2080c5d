"""Stripe, through the official ``stripe`` library (``pip install 'py-billkit[stripe]'``).

PaymentIntents carry every payment: created and confirmed in one call with
the saved payment method, captured, cancelled, refunded, each with the
idempotency key passed as Stripe's ``Idempotency-Key``. Amounts cross as
integers in the currency's minor unit (19.90 EUR is ``1990``; 500 JPY is
``500``). Statuses map as:

=========================================  ============================
Stripe ``status``                          billkit
=========================================  ============================
``succeeded``                              ``succeeded``
``processing``, ``requires_capture``       ``pending``
``requires_action``                        ``requires_action`` (its
                                           ``redirect_to_url``)
``requires_payment_method`` after an error ``failed`` (decline code)
``canceled``                               ``canceled``
=========================================  ============================

A ``requires_action`` whose next action is not a redirect (Stripe's
``use_stripe_sdk``) carries the URL ``stripe:use_stripe_sdk``: finish it in
the browser with Stripe.js. A request that gets no answer (a timeout, a dropped connection) is
``unknown``: reconcile it by replaying the same idempotency key, which Stripe
answers with the original response. Webhooks are verified from the
``Stripe-Signature`` header (``t=...,v1=...``: HMAC-SHA256 of
``{t}.{body}`` under the endpoint secret, five minutes of tolerance) against
billkit's clock.

>>> from datetime import datetime, timezone
>>> from billkit.ports import FixedClock
>>> gateway = StripeGateway("sk_test_123", webhook_secret="whsec_test",
...                         clock=FixedClock(datetime(2026, 3, 1, tzinfo=timezone.utc)))
>>> gateway.name, sorted(gateway.capabilities.currencies)[:3]
('stripe', ['AUD', 'CAD', 'EUR'])
>>> gateway.close()
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Final

from moneyed import Money

from billkit.errors import GatewayError, PaymentError, WebhookError
from billkit.payments import _common
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
    from_minor,
    to_minor,
)
from billkit.payments.webhooks import TOLERANCE
from billkit.ports import Clock

__all__ = ["MINIMUMS", "StripeGateway", "verify_signature"]

MINIMUMS: Final = (
    Money("0.50", "USD"),
    Money("0.50", "EUR"),
    Money("0.30", "GBP"),
    Money("50", "JPY"),
    Money("0.50", "CAD"),
    Money("0.50", "AUD"),
)
"""Stripe's documented minimum charge amounts for the default currencies."""

_RETRYABLE: Final = frozenset(
    {
        "try_again_later",
        "processing_error",
        "issuer_not_available",
        "reenter_transaction",
        "approve_with_id",
        "authentication_required",
        "payment_intent_authentication_failure",
    }
)
_EVENTS: Final = {
    "payment_intent.succeeded": EventKind.PAYMENT_SUCCEEDED,
    "payment_intent.payment_failed": EventKind.PAYMENT_FAILED,
    "payment_intent.canceled": EventKind.PAYMENT_CANCELED,
    "payment_intent.processing": EventKind.PAYMENT_PENDING,
    "charge.refunded": EventKind.PAYMENT_REFUNDED,
    "charge.dispute.created": EventKind.DISPUTE_OPENED,
}


def verify_signature(
    header: str | None, body: bytes, secret: str, now: datetime, tolerance: int = 300
) -> None:
    """Check a ``Stripe-Signature`` header; :class:`WebhookError` if it fails.

    >>> from datetime import datetime, timezone
    >>> now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> verify_signature("t=1772323200,v1=00", b"{}", "whsec_x", now)
    Traceback (most recent call last):
    ...
    billkit.errors.WebhookError: Stripe-Signature = 't=1772323200,v1=00': expected a v1 signature made with the endpoint secret
    """
    if not header:
        raise WebhookError("Stripe-Signature", header, "a Stripe-Signature header")
    stamp = ""
    candidates = []
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        if name == "t":
            stamp = value
        elif name == "v1":
            candidates.append(value.encode("ascii", "replace"))
    if not stamp.isdigit() or not candidates:
        raise WebhookError("Stripe-Signature", header, "'t=<unix seconds>,v1=<hex signature>'")
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256)
    digest = expected.hexdigest().encode()
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(digest, candidate)
    if not matched:
        raise WebhookError(
            "Stripe-Signature", header, "a v1 signature made with the endpoint secret"
        )
    if abs(int(now.timestamp()) - int(stamp)) > tolerance:
        raise WebhookError("Stripe-Signature", header, f"a timestamp within {tolerance} s of now")


def _dict(obj: Any) -> dict[str, Any]:
    if hasattr(obj, "to_dict"):
        return dict(obj.to_dict())
    return dict(obj)


class StripeGateway:
    """A :class:`~billkit.ports.PaymentGateway` over Stripe's PaymentIntents.

    ``api_key`` is the secret key; ``webhook_secret`` the endpoint's signing
    secret; ``clock`` checks webhook timestamps; ``base_url`` points the
    official library elsewhere (a local test server); ``timeout`` is in
    seconds. Requests must name a saved payment method (Stripe confirms
    server-side; redirect flows belong to Stripe Checkout).
    """

    def __init__(
        self,
        api_key: str,
        *,
        webhook_secret: str,
        clock: Clock,
        base_url: str | None = None,
        timeout: float = 30.0,
        minimums: Sequence[Money] = MINIMUMS,
    ) -> None:
        stripe = _common.require("stripe", "stripe", "the Stripe gateway", "stripe")
        self._stripe = stripe
        self._http = stripe.RequestsClient(timeout=timeout)
        options: dict[str, Any] = {"http_client": self._http, "max_network_retries": 0}
        if base_url is not None:
            options["base_addresses"] = {"api": base_url}
        self._client = stripe.StripeClient(api_key, **options)
        self._secret = webhook_secret
        self._clock = clock
        self._caps = Capabilities(
            currencies=[m.currency.code for m in minimums], minimums=list(minimums)
        )

    @property
    def name(self) -> str:
        """``"stripe"``."""
        return "stripe"

    @property
    def capabilities(self) -> Capabilities:
        """Cards with 3-D Secure, saved methods, manual capture, refunds."""
        return self._caps

    def close(self) -> None:
        """Close the HTTP session."""
        self._http.close()

    # -- calls --------------------------------------------------------------------

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        stripe = self._stripe
        try:
            return _dict(fn(*args, **kwargs))
        except stripe.CardError as error:
            body = error.json_body or {}
            intent = body.get("error", {}).get("payment_intent")
            if isinstance(intent, dict):
                return intent
            raise GatewayError("stripe", str(error.code or "card_error"), _message(error)) from None
        except stripe.APIConnectionError:
            raise
        except stripe.StripeError as error:
            raise GatewayError("stripe", _code(error), _message(error)) from None

    def create_payment(self, request: PaymentRequest, idempotency_key: str) -> PaymentResult:
        """Create and confirm a PaymentIntent for the saved method."""
        _common.key(idempotency_key)
        check_request(self._caps, request)
        if request.method is None:
            raise PaymentError(
                "method", None, "a saved payment method (redirect flows use Stripe Checkout)"
            )
        digits = self._caps.digits(request.amount.currency)
        params: dict[str, Any] = {
            "amount": to_minor(request.amount, digits),
            "currency": request.amount.currency.code.lower(),
            "payment_method": request.method.token,
            "confirm": True,
            "capture_method": "automatic" if request.capture else "manual",
            "metadata": {**dict(request.metadata), "billkit_key": idempotency_key},
        }
        if request.customer:
            params["customer"] = request.customer
        if request.description:
            params["description"] = request.description
        if request.return_url:
            params["return_url"] = request.return_url
        try:
            intent = self._call(
                self._client.v1.payment_intents.create,
                params=params,
                options={"idempotency_key": idempotency_key},
            )
        except self._stripe.APIConnectionError:
            return PaymentResult(
                reference="",
                status=PaymentStatus.UNKNOWN,
                amount=request.amount,
                provider="stripe",
                raw_status="no answer",
            )
        return self._result(intent)

    def capture(
        self, reference: str, amount: Money | None = None, *, idempotency_key: str
    ) -> PaymentResult:
        """Capture a ``requires_capture`` PaymentIntent."""
        _common.key(idempotency_key)
        params: dict[str, Any] = {}
        if amount is not None:
            params["amount_to_capture"] = to_minor(amount, self._caps.digits(amount.currency))
        return self._result(
            self._guarded(
                self._client.v1.payment_intents.capture,
                reference,
                params=params,
                options={"idempotency_key": idempotency_key},
            )
        )

    def cancel(self, reference: str, *, idempotency_key: str) -> PaymentResult:
        """Cancel a PaymentIntent that has not succeeded."""
        _common.key(idempotency_key)
        return self._result(
            self._guarded(
                self._client.v1.payment_intents.cancel,
                reference,
                options={"idempotency_key": idempotency_key},
            )
        )

    def refund(
        self, reference: str, amount: Money | None = None, *, idempotency_key: str
    ) -> Refund:
        """Refund part (``amount``) or the rest of a succeeded PaymentIntent."""
        _common.key(idempotency_key)
        params: dict[str, Any] = {"payment_intent": reference}
        if amount is not None:
            params["amount"] = to_minor(amount, self._caps.digits(amount.currency))
        data = self._guarded(
            self._client.v1.refunds.create,
            params=params,
            options={"idempotency_key": idempotency_key},
        )
        try:
            money = self._money(data["amount"], data["currency"])
            status = {
                "succeeded": RefundStatus.SUCCEEDED,
                "pending": RefundStatus.PENDING,
                "requires_action": RefundStatus.PENDING,
            }.get(data["status"], RefundStatus.FAILED)
            failure = None
            if status is RefundStatus.FAILED:
                failure = Failure(code=str(data.get("failure_reason") or data["status"]))
            return Refund(
                reference=data["id"],
                payment=reference,
                amount=money,
                status=status,
                failure=failure,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise GatewayError("stripe", "malformed", f"a refund without {error}") from None

    def get_payment(self, reference: str) -> PaymentResult:
        """Retrieve the PaymentIntent, with its latest charge's refunds."""
        return self._result(
            self._guarded(
                self._client.v1.payment_intents.retrieve,
                reference,
                params={"expand": ["latest_charge"]},
            )
        )

    def _guarded(self, fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return self._call(fn, *args, **kwargs)
        except self._stripe.APIConnectionError as error:
            raise GatewayError("stripe", "timeout", _message(error)) from None

    # -- webhooks -------------------------------------------------------------------

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[GatewayEvent]:
        """Verify ``Stripe-Signature`` and read the event (unrelated types: none)."""
        verify_signature(
            _common.header(headers, "Stripe-Signature"),
            body,
            self._secret,
            self._clock.now(),
            int(TOLERANCE.total_seconds()),
        )
        try:
            data = json.loads(body)
            kind_name = data["type"]
            obj = data["data"]["object"]
            occurred = datetime.fromtimestamp(int(data["created"]), timezone.utc)
            kind = _EVENTS.get(kind_name)
            if kind_name == "charge.dispute.closed":
                kind = {"won": EventKind.DISPUTE_WON, "lost": EventKind.DISPUTE_LOST}.get(
                    obj["status"]
                )
            if kind is None:
                return ()
            if kind_name.startswith("payment_intent."):
                payment, amount = obj["id"], None
            elif kind is EventKind.PAYMENT_REFUNDED:
                payment = obj["payment_intent"]
                amount = self._money(obj["amount_refunded"], obj["currency"])
            else:
                payment = obj["payment_intent"]
                amount = self._money(obj["amount"], obj["currency"])
            return (
                GatewayEvent(
                    id=data["id"],
                    kind=kind,
                    payment=payment,
                    occurred=occurred,
                    provider="stripe",
                    amount=amount,
                ),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise WebhookError("body", body[:60], f"a Stripe event ({error!r})") from None

    def webhook_response(self, event: GatewayEvent | None) -> WebhookReply:
        """``200`` when handled; ``400`` when refused (Stripe retries)."""
        return WebhookReply(status=200 if event is not None else 400)

    # -- mapping ----------------------------------------------------------------------

    def _money(self, units: object, currency: object) -> Money:
        if isinstance(units, bool) or not isinstance(units, int) or not isinstance(currency, str):
            raise GatewayError("stripe", "malformed", f"amount {units!r} {currency!r}")
        code = currency.upper()
        return from_minor(units, code, self._caps.digits(code))

    def _result(self, intent: Mapping[str, Any]) -> PaymentResult:
        try:
            status = intent["status"]
            amount = self._money(intent["amount"], intent["currency"])
            charge = intent.get("latest_charge")
            refunded = None
            if isinstance(charge, Mapping):
                refunded = self._money(charge.get("amount_refunded", 0), intent["currency"])
            error = intent.get("last_payment_error") or None
            next_action = None
            failure = None
            if status == "succeeded":
                mapped = PaymentStatus.SUCCEEDED
            elif status in ("processing", "requires_capture", "requires_confirmation"):
                mapped = PaymentStatus.PENDING
            elif status == "canceled":
                mapped = PaymentStatus.CANCELED
            elif status == "requires_action":
                mapped = PaymentStatus.REQUIRES_ACTION
                action = intent.get("next_action") or {}
                url = (action.get("redirect_to_url") or {}).get("url") or ""
                next_action = NextAction(kind="redirect", url=url or "stripe:use_stripe_sdk")
            elif status == "requires_payment_method" and error:
                mapped = PaymentStatus.FAILED
                code = str(error.get("decline_code") or error.get("code") or "card_declined")
                failure = Failure(
                    code=code, message=str(error.get("message") or ""), retryable=code in _RETRYABLE
                )
            else:  # requires_payment_method with no error: nothing attempted yet
                mapped = PaymentStatus.REQUIRES_ACTION
                next_action = NextAction(
                    kind="payment_method", url="stripe:requires_payment_method"
                )
            return PaymentResult(
                reference=intent["id"],
                status=mapped,
                amount=amount,
                provider="stripe",
                refunded=refunded if refunded is not None else Money(0, amount.currency),
                next_action=next_action,
                failure=failure,
                raw_status=status,
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise GatewayError("stripe", "malformed", f"a PaymentIntent without {error}") from None


def _code(error: Any) -> str:
    """Stripe's error ``code``, or its ``type`` when it has none (``idempotency_error``)."""
    if error.code:
        return str(error.code)
    body = error.json_body if isinstance(error.json_body, dict) else {}
    inner = body.get("error")
    return str(inner.get("type") or "") if isinstance(inner, dict) else ""


def _message(error: Any) -> str:
    return str(getattr(error, "user_message", None) or getattr(error, "_message", None) or error)
