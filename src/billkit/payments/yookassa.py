"""YooKassa (API v3) through httpx (``pip install 'py-billkit[yookassa]'``).

Payments, capture, cancel and refunds, each POST carrying the idempotency
key as YooKassa's ``Idempotence-Key``; HTTP Basic auth with the shop id and
secret key. Amounts cross as decimal strings with the currency's minor unit
(``{"value": "1500.00", "currency": "RUB"}``). Statuses map as:

========================================  ======================================
YooKassa ``status``                       billkit
========================================  ======================================
``pending`` with a ``confirmation_url``   ``requires_action`` (redirect)
``pending`` otherwise                     ``pending``
``waiting_for_capture``                   ``pending`` (capture or cancel it)
``succeeded``                             ``succeeded``
``canceled`` by the merchant              ``canceled``
``canceled`` otherwise                    ``failed`` (``cancellation_details.reason``)
========================================  ======================================

A create that gets no answer, a 500 or a 202 ("still processing") is
``unknown``: YooKassa's documented advice is to repeat it with the same
Idempotence-Key, which reconciliation does. YooKassa's notifications carry
no signature, so :meth:`YooKassaGateway.parse_webhook` trusts nothing in
them: it re-fetches the payment (or refund) from the API and reports what
the API says, refusing a notification that does not describe the same
payment.

>>> from billkit.money import Money
>>> gateway = YooKassaGateway(shop_id="123456", secret_key="test_secret")
>>> gateway.name, gateway.capabilities.minimum("RUB")
('yookassa', Money('1.00', 'RUB'))
>>> _amount(Money("1500.5", "RUB"), 2)
{'value': '1500.50', 'currency': 'RUB'}
>>> gateway.close()
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
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
    to_minor,
)

__all__ = ["API_URL", "YooKassaGateway"]

API_URL: Final = "https://api.yookassa.ru/v3"
"""YooKassa's API endpoint."""

_RETRYABLE: Final = frozenset(
    {
        "3d_secure_failed",
        "general_decline",
        "issuer_unavailable",
        "internal_timeout",
        "expired_on_confirmation",
        "call_issuer",
    }
)
_EVENTS: Final = {
    "payment.succeeded": EventKind.PAYMENT_SUCCEEDED,
    "payment.canceled": EventKind.PAYMENT_FAILED,
    "payment.waiting_for_capture": EventKind.PAYMENT_PENDING,
    "refund.succeeded": EventKind.PAYMENT_REFUNDED,
}
_SAME_PAYMENT: Final = ("id", "amount", "created_at", "description", "metadata", "test")
_REQUIRED: Final = frozenset({"id", "amount", "created_at"})


def _amount(money: Money, digits: int) -> dict[str, str]:
    to_minor(money, digits)  # refuses amounts finer than the minor unit
    value = money.amount.quantize(Decimal(1).scaleb(-digits))
    return {"value": f"{value:f}", "currency": money.currency.code}


def _key(value: object) -> str:
    key = _common.key(value)
    if len(key) > 64:
        raise PaymentError("idempotency_key", key, "at most 64 characters (YooKassa's limit)")
    return key


class YooKassaGateway:
    """A :class:`~billkit.ports.PaymentGateway` over YooKassa's API v3.

    ``shop_id`` and ``secret_key`` authenticate; ``base_url`` points
    elsewhere (a local test server); ``timeout`` is in seconds. A request
    with a saved method charges its ``payment_method_id``; without one the
    payer is redirected to YooKassa's page and back to ``return_url``.
    """

    def __init__(
        self,
        *,
        shop_id: str,
        secret_key: str,
        base_url: str = API_URL,
        timeout: float = 30.0,
        currencies: Sequence[str] = ("RUB",),
        minimums: Sequence[Money] = (Money("1.00", "RUB"),),
    ) -> None:
        httpx = _common.require("httpx", "httpx", "the YooKassa gateway", "yookassa")
        self._httpx = httpx
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"), auth=(shop_id, secret_key), timeout=timeout
        )
        self._caps = Capabilities(currencies=currencies, minimums=list(minimums))

    @property
    def name(self) -> str:
        """``"yookassa"``."""
        return "yookassa"

    @property
    def capabilities(self) -> Capabilities:
        """Rubles from 1.00; saved methods, two-stage payments, refunds."""
        return self._caps

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    # -- HTTP -------------------------------------------------------------------------

    def _send(self, method: str, path: str, body: object = None, key: str = "") -> Any:
        """The JSON answer; GatewayError for an error answer; the transport's
        own exception (httpx.TransportError) when there is no answer."""
        headers = {"Idempotence-Key": key} if key else {}
        response = self._client.request(method, path, json=body, headers=headers)
        if response.status_code == 202:
            raise self._httpx.TransportError("202 Accepted: the operation is still processing")
        try:
            data = response.json()
        except ValueError:
            if response.status_code >= 500:
                raise self._httpx.TransportError(f"HTTP {response.status_code}") from None
            raise GatewayError(
                "yookassa", "malformed", f"HTTP {response.status_code}: not JSON"
            ) from None
        if response.status_code >= 500:
            raise self._httpx.TransportError(f"HTTP {response.status_code}")
        if response.status_code >= 400 or (isinstance(data, dict) and data.get("type") == "error"):
            detail = data if isinstance(data, dict) else {}
            param = f" ({detail['parameter']})" if detail.get("parameter") else ""
            raise GatewayError(
                "yookassa",
                str(detail.get("code") or response.status_code),
                f"{detail.get('description', '')}{param}",
            )
        if not isinstance(data, dict):
            raise GatewayError("yookassa", "malformed", "an answer that is not an object")
        return data

    def _guarded(self, method: str, path: str, body: object = None, key: str = "") -> Any:
        try:
            return self._send(method, path, body, key)
        except self._httpx.TransportError as error:
            raise GatewayError("yookassa", "timeout", str(error) or type(error).__name__) from None

    # -- the port -------------------------------------------------------------------

    def create_payment(self, request: PaymentRequest, idempotency_key: str) -> PaymentResult:
        """Create a payment: charge the saved method, or redirect the payer."""
        _key(idempotency_key)
        check_request(self._caps, request)
        body: dict[str, Any] = {
            "amount": _amount(request.amount, self._caps.digits(request.amount.currency)),
            "capture": request.capture,
        }
        if request.method is not None:
            body["payment_method_id"] = request.method.token
        else:
            if not request.return_url:
                raise PaymentError("return_url", "", "a URL to bring the payer back to")
            body["confirmation"] = {"type": "redirect", "return_url": request.return_url}
        if len(request.description) > 128:
            raise PaymentError(
                "description", request.description, "at most 128 characters (YooKassa's limit)"
            )
        if request.description:
            body["description"] = request.description
        if request.metadata:
            body["metadata"] = dict(request.metadata)
        try:
            data = self._send("POST", "/payments", body, idempotency_key)
        except self._httpx.TransportError:
            return PaymentResult(
                reference="",
                status=PaymentStatus.UNKNOWN,
                amount=request.amount,
                provider="yookassa",
                raw_status="no answer",
            )
        return self._result(data)

    def capture(
        self, reference: str, amount: Money | None = None, *, idempotency_key: str
    ) -> PaymentResult:
        """Capture a ``waiting_for_capture`` payment, all of it or ``amount``."""
        _key(idempotency_key)
        body = (
            {}
            if amount is None
            else {"amount": _amount(amount, self._caps.digits(amount.currency))}
        )
        return self._result(
            self._guarded("POST", f"/payments/{reference}/capture", body, idempotency_key)
        )

    def cancel(self, reference: str, *, idempotency_key: str) -> PaymentResult:
        """Cancel a ``waiting_for_capture`` payment."""
        _key(idempotency_key)
        return self._result(
            self._guarded("POST", f"/payments/{reference}/cancel", {}, idempotency_key)
        )

    def refund(
        self, reference: str, amount: Money | None = None, *, idempotency_key: str
    ) -> Refund:
        """Refund part or the rest of a succeeded payment."""
        _key(idempotency_key)
        if amount is None:
            payment = self.get_payment(reference)
            amount = payment.amount - payment.refunded
        body = {
            "payment_id": reference,
            "amount": _amount(amount, self._caps.digits(amount.currency)),
        }
        return self._refund(self._guarded("POST", "/refunds", body, idempotency_key))

    def get_payment(self, reference: str) -> PaymentResult:
        """The payment as YooKassa has it."""
        return self._result(self._guarded("GET", f"/payments/{reference}"))

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[GatewayEvent]:
        """Read a notification and confirm it from the API (it has no signature)."""
        try:
            note = json.loads(body)
            event_name = note["event"]
            obj = note["object"]
            ident = obj["id"]
            if note.get("type") != "notification" or not isinstance(ident, str):
                raise ValueError("not a notification")
        except (ValueError, KeyError, TypeError) as error:
            raise WebhookError("body", body[:60], f"a YooKassa notification ({error!r})") from None
        kind = _EVENTS.get(event_name)
        if kind is None:
            return ()
        path = f"/refunds/{ident}" if event_name.startswith("refund.") else f"/payments/{ident}"
        try:
            truth = self._send("GET", path)
        except (GatewayError, self._httpx.TransportError) as error:
            raise WebhookError(
                "object.id", ident, f"an object the API confirms ({error})"
            ) from None
        for field in _SAME_PAYMENT:
            if (field in obj or field in _REQUIRED) and obj.get(field) != truth.get(field):
                raise WebhookError(
                    f"object.{field}", obj.get(field), f"{truth.get(field)!r}, as the API has it"
                )
        if event_name.startswith("refund."):
            refund = self._refund(truth)
            if refund.status is not RefundStatus.SUCCEEDED:
                raise WebhookError("object.status", obj.get("status"), "a refund the API confirms")
            payment, amount = refund.payment, refund.amount
            occurred = truth.get("created_at", "")
        else:
            result = self._result(truth)
            kind = {
                PaymentStatus.SUCCEEDED: EventKind.PAYMENT_SUCCEEDED,
                PaymentStatus.FAILED: EventKind.PAYMENT_FAILED,
                PaymentStatus.CANCELED: EventKind.PAYMENT_CANCELED,
            }.get(result.status, EventKind.PAYMENT_PENDING)
            payment, amount = result.reference, None
            occurred = truth.get("captured_at") or truth.get("created_at", "")
        try:
            when = datetime.fromisoformat(str(occurred).replace("Z", "+00:00"))
        except ValueError:
            raise WebhookError("object.created_at", occurred, "an ISO 8601 time") from None
        return (
            GatewayEvent(
                id=f"{kind.value}:{ident}",
                kind=kind,
                payment=payment,
                occurred=when,
                provider="yookassa",
                amount=amount,
            ),
        )

    def webhook_response(self, event: GatewayEvent | None) -> WebhookReply:
        """``200`` when handled (YooKassa retries others for 24 hours)."""
        return WebhookReply(status=200 if event is not None else 400)

    # -- mapping ----------------------------------------------------------------------

    def _money(self, value: object) -> Money:
        if not isinstance(value, Mapping):
            raise GatewayError("yookassa", "malformed", f"amount {value!r}")
        try:
            return Money(Decimal(str(value["value"])), str(value["currency"]))
        except (KeyError, InvalidOperation, ValueError) as error:
            raise GatewayError("yookassa", "malformed", f"amount {value!r} ({error})") from None

    def _refund(self, data: Mapping[str, Any]) -> Refund:
        try:
            status = {
                "succeeded": RefundStatus.SUCCEEDED,
                "pending": RefundStatus.PENDING,
            }.get(data["status"], RefundStatus.FAILED)
            failure = None
            if status is RefundStatus.FAILED:
                reason = (data.get("cancellation_details") or {}).get("reason") or "canceled"
                failure = Failure(code=str(reason))
            return Refund(
                reference=data["id"],
                payment=data["payment_id"],
                amount=self._money(data["amount"]),
                status=status,
                failure=failure,
            )
        except (KeyError, TypeError) as error:
            raise GatewayError("yookassa", "malformed", f"a refund without {error}") from None

    def _result(self, data: Mapping[str, Any]) -> PaymentResult:
        try:
            status = data["status"]
            amount = self._money(data["amount"])
            refunded = self._money(data["refunded_amount"]) if data.get("refunded_amount") else None
            next_action = None
            failure = None
            url = (data.get("confirmation") or {}).get("confirmation_url")
            if status == "succeeded":
                mapped = PaymentStatus.SUCCEEDED
            elif status == "pending" and url:
                mapped = PaymentStatus.REQUIRES_ACTION
                next_action = NextAction(url=url)
            elif status in ("pending", "waiting_for_capture"):
                mapped = PaymentStatus.PENDING
            elif status == "canceled":
                details = data.get("cancellation_details") or {}
                reason = str(details.get("reason") or "canceled")
                if reason == "canceled_by_merchant":
                    mapped = PaymentStatus.CANCELED
                else:
                    mapped = PaymentStatus.FAILED
                    failure = Failure(
                        code=reason,
                        message=f"canceled by {details.get('party', 'yoo_money')}",
                        retryable=reason in _RETRYABLE,
                    )
            else:
                raise GatewayError("yookassa", "malformed", f"status {status!r}")
            return PaymentResult(
                reference=data["id"],
                status=mapped,
                amount=amount,
                provider="yookassa",
                refunded=refunded if refunded is not None else Money(0, amount.currency),
                next_action=next_action,
                failure=failure,
                raw_status=status,
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise GatewayError("yookassa", "malformed", f"a payment without {error}") from None
