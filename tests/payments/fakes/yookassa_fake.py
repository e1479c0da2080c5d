"""A local stand-in for YooKassa's API v3, as documented: JSON bodies, HTTP
Basic auth (shop id : secret key), a required ``Idempotence-Key`` on POST
replaying the first answer, errors as ``{"type": "error", "code": ...,
"description": ..., "parameter": ...}``, payments in ``pending``,
``waiting_for_capture``, ``succeeded`` or ``canceled`` with
``cancellation_details``, and notifications ``{"type": "notification",
"event": ..., "object": ...}``.

Saved payment methods: ``pm-ok`` is charged; ``pm-insufficient`` and
``pm-expired`` are declined (``insufficient_funds``, ``card_expired``)."""

from __future__ import annotations

import base64
import json
import threading
import time
from decimal import Decimal
from typing import Any

from tests.payments.fakes.server import StartResponse, read_body, respond

SHOP_ID = "123456"
SECRET = "test_billkit_secret"
CREATED = "2026-03-01T12:00:00.000Z"
DECLINES = {"pm-insufficient": "insufficient_funds", "pm-expired": "card_expired"}


def _error(code: str, description: str, parameter: str | None = None) -> dict[str, Any]:
    error = {"type": "error", "id": "err-1", "code": code, "description": description}
    if parameter:
        error["parameter"] = parameter
    return error


class YooKassaFake:
    def __init__(self) -> None:
        self.payments: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[str, tuple[str, int, Any]] = {}
        self.requests = 0
        self.slow_next = False
        self.fail_next_with_500 = False
        self.delay = 1.5  # past the tests' client timeout (1 s)
        self.keys_seen: list[str] = []
        self._lock = threading.Lock()

    def pay(self, payment_id: str, *, success: bool = True) -> None:
        """The payer completes (or abandons) YooKassa's payment page."""
        payment = self.payments[payment_id]
        payment.pop("confirmation", None)
        if success:
            self._charge(payment)
        else:
            self._cancel(payment, "3d_secure_failed", "issuer")

    def notification(self, event: str, obj: dict[str, Any]) -> bytes:
        return json.dumps({"type": "notification", "event": event, "object": obj}).encode()

    def _charge(self, payment: dict[str, Any]) -> None:
        payment["paid"] = True
        if payment["_capture"]:
            payment["status"] = "succeeded"
            payment["captured_at"] = "2026-03-01T12:00:05.000Z"
        else:
            payment["status"] = "waiting_for_capture"

    def _cancel(self, payment: dict[str, Any], reason: str, party: str) -> None:
        payment["status"] = "canceled"
        payment["paid"] = False
        payment["cancellation_details"] = {"party": party, "reason": reason}

    def _view(self, payment: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in payment.items() if not k.startswith("_")}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        with self._lock:
            self.requests += 1
            slow, self.slow_next = self.slow_next, False
            broken, self.fail_next_with_500 = self.fail_next_with_500, False
        expected = "Basic " + base64.b64encode(f"{SHOP_ID}:{SECRET}".encode()).decode()
        if environ.get("HTTP_AUTHORIZATION") != expected:
            return respond(
                start_response, 401, _error("invalid_credentials", "Login or password is incorrect")
            )
        if broken:
            return respond(
                start_response, 500, _error("internal_server_error", "Internal server error")
            )
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        raw = read_body(environ)
        key = environ.get("HTTP_IDEMPOTENCE_KEY")
        if method == "POST":
            if not key:
                return respond(
                    start_response,
                    400,
                    _error("invalid_request", "Idempotence key is missing", "Idempotence-Key"),
                )
            self.keys_seen.append(key)
            with self._lock:
                seen = self.idempotency.get(key)
            if seen is not None:
                if seen[0] != f"{path}?{raw!r}":
                    return respond(
                        start_response,
                        400,
                        _error("invalid_request", "Idempotence key duplicated", "Idempotence-Key"),
                    )
                return respond(start_response, seen[1], seen[2])
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return respond(start_response, 400, _error("invalid_request", "Malformed JSON"))
        status, answer = self._route(method, path.removeprefix("/v3"), body)
        if method == "POST":
            with self._lock:
                self.idempotency[key or ""] = (f"{path}?{raw!r}", status, answer)
        if slow:
            time.sleep(self.delay)
        return respond(start_response, status, answer)

    def _route(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if parts == ["payments"] and method == "POST":
            return self._create(body)
        if parts[0] == "payments" and len(parts) >= 2:
            payment = self.payments.get(parts[1])
            if payment is None:
                return 404, _error("not_found", "Payment not found or forbidden", "payment_id")
            if len(parts) == 2 and method == "GET":
                return 200, self._view(payment)
            if parts[2:] == ["capture"]:
                if payment["status"] != "waiting_for_capture":
                    return 400, _error(
                        "invalid_request", f"Payment is in status {payment['status']}"
                    )
                if "amount" in body:
                    payment["amount"] = body["amount"]
                payment["status"] = "succeeded"
                payment["captured_at"] = "2026-03-01T12:00:05.000Z"
                return 200, self._view(payment)
            if parts[2:] == ["cancel"]:
                if payment["status"] not in ("waiting_for_capture", "pending"):
                    return 400, _error(
                        "invalid_request", f"Payment is in status {payment['status']}"
                    )
                self._cancel(payment, "canceled_by_merchant", "merchant")
                return 200, self._view(payment)
        if parts == ["refunds"] and method == "POST":
            return self._refund(body)
        if parts[0] == "refunds" and len(parts) == 2 and method == "GET":
            refund = self.refunds.get(parts[1])
            if refund is None:
                return 404, _error("not_found", "Refund not found", "refund_id")
            return 200, refund
        return 404, _error("not_found", f"No route {method} {path}")

    def _create(self, body: dict[str, Any]) -> tuple[int, Any]:
        amount = body.get("amount") or {}
        try:
            value = Decimal(amount["value"])
        except Exception:
            return 400, _error("invalid_request", "Amount is missing or malformed", "amount")
        if value < Decimal("1.00") or value.as_tuple().exponent < -2:
            return 400, _error(
                "invalid_request",
                "Amount value is less than 1.00 or has more than 2 decimals",
                "amount.value",
            )
        ident = f"2f{len(self.payments) + 1:06d}-000f-5000-a000-1d0000000000"
        payment: dict[str, Any] = {
            "id": ident,
            "status": "pending",
            "paid": False,
            "amount": amount,
            "created_at": CREATED,
            "description": body.get("description"),
            "metadata": body.get("metadata", {}),
            "test": True,
            "refundable": False,
            "_capture": bool(body.get("capture", False)),
        }
        self.payments[ident] = payment
        method_id = body.get("payment_method_id")
        if method_id in DECLINES:
            self._cancel(payment, DECLINES[method_id], "payment_network")
        elif method_id:
            self._charge(payment)
        else:
            confirmation = body.get("confirmation") or {}
            payment["confirmation"] = {
                "type": "redirect",
                "return_url": confirmation.get("return_url"),
                "confirmation_url": f"https://yoomoney.ru/checkout/payments/v2/contract?orderId={ident}",
            }
        return 200, self._view(payment)

    def _refund(self, body: dict[str, Any]) -> tuple[int, Any]:
        payment = self.payments.get(body.get("payment_id", ""))
        if payment is None:
            return 404, _error("not_found", "Payment not found", "payment_id")
        if payment["status"] != "succeeded":
            return 400, _error("invalid_request", "Payment can't be refunded", "payment_id")
        value = Decimal(body["amount"]["value"])
        paid = Decimal(payment["amount"]["value"])
        done = Decimal(payment.get("refunded_amount", {}).get("value", "0"))
        if value > paid - done:
            return 400, _error(
                "invalid_request", "Refund amount exceeds the available amount", "amount.value"
            )
        total = done + value
        payment["refunded_amount"] = {
            "value": f"{total:.2f}",
            "currency": payment["amount"]["currency"],
        }
        refund = {
            "id": f"rf{len(self.refunds) + 1:06d}-0015-5000-9000-1d0000000000",
            "payment_id": payment["id"],
            "status": "succeeded",
            "created_at": CREATED,
            "amount": body["amount"],
        }
        self.refunds[refund["id"]] = refund
        return 200, refund
