"""A local stand-in for Stripe's PaymentIntents API (v1), as documented:
form-encoded requests with bracketed keys, Bearer secret keys, the
``Idempotency-Key`` header replaying the first response, card errors as
HTTP 402 with the PaymentIntent inside the error, ``resource_missing`` 404s,
and Stripe's test payment methods (``pm_card_visa``,
``pm_card_chargeDeclinedInsufficientFunds``, ``pm_card_chargeDeclinedExpiredCard``,
``pm_card_authenticationRequired``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from typing import Any
from urllib.parse import parse_qsl

from tests.payments.fakes.server import StartResponse, read_body, respond

API_KEY = "sk_test_billkit"
WEBHOOK_SECRET = "whsec_stripe_local_test_secret"

DECLINES = {
    "pm_card_chargeDeclinedInsufficientFunds": (
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "pm_card_chargeDeclinedExpiredCard": ("expired_card", "Your card has expired."),
}


def _nested(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding: metadata[key]=v, expand[0]=x."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if "[" in key:
            head, rest = key.split("[", 1)
            sub = rest.rstrip("]")
            if sub.isdigit():
                out.setdefault(head, []).append(value)
            else:
                out.setdefault(head, {})[sub] = value
        else:
            out[key] = value
    return out


class StripeFake:
    """State and WSGI app of the fake Stripe."""

    def __init__(self) -> None:
        self.intents: dict[str, dict[str, Any]] = {}
        self.refunded: dict[str, int] = {}
        self.idempotency: dict[str, tuple[str, int, Any]] = {}
        self.requests = 0
        self.slow_next = False
        self.delay = 1.5  # past the tests' client timeout (1 s)
        self.keys_seen: list[str] = []
        self._lock = threading.Lock()

    # -- the provider's side, driven by the tests -----------------------------

    def authenticate(self, intent_id: str, success: bool = True) -> None:
        """The customer finishes (or fails) 3-D Secure on Stripe's page."""
        pi = self.intents[intent_id]
        pi["next_action"] = None
        if success:
            pi["status"] = (
                "succeeded" if pi["capture_method"] == "automatic" else "requires_capture"
            )
            if pi["status"] == "succeeded":
                pi["amount_received"] = pi["amount"]
        else:
            pi["status"] = "requires_payment_method"
            pi["last_payment_error"] = {
                "code": "payment_intent_authentication_failure",
                "message": "The provided PaymentMethod has failed authentication.",
                "type": "card_error",
            }

    def event(self, kind: str, obj: dict[str, Any], at: int, event_id: str = "evt_1") -> bytes:
        return json.dumps(
            {
                "id": event_id,
                "object": "event",
                "type": kind,
                "created": at,
                "data": {"object": obj},
            }
        ).encode()

    @staticmethod
    def signature_header(body: bytes, at: int, secret: str = WEBHOOK_SECRET) -> str:
        mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
        return f"t={at},v1={mac}"

    # -- the HTTP API -------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        with self._lock:
            self.requests += 1
            slow, self.slow_next = self.slow_next, False
        if environ.get("HTTP_AUTHORIZATION") != f"Bearer {API_KEY}":
            return respond(
                start_response,
                401,
                {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}},
            )
        method = environ["REQUEST_METHOD"]
        path = environ["PATH_INFO"]
        raw = read_body(environ).decode()
        params = _nested(parse_qsl(raw if method == "POST" else environ.get("QUERY_STRING", "")))
        key = environ.get("HTTP_IDEMPOTENCY_KEY")
        if method == "POST" and key:
            self.keys_seen.append(key)
            fingerprint = f"{path}?{raw}"
            with self._lock:
                seen = self.idempotency.get(key)
            if seen is not None:
                if seen[0] != fingerprint:
                    return respond(
                        start_response,
                        400,
                        {
                            "error": {
                                "type": "idempotency_error",
                                "message": "Keys for idempotent requests can only be used with the same parameters they were first used with.",
                            }
                        },
                    )
                return respond(
                    start_response, seen[1], seen[2], headers=[("Idempotent-Replayed", "true")]
                )
        status, body = self._route(method, path, params)
        if method == "POST" and key:
            with self._lock:
                self.idempotency[key] = (f"{path}?{raw}", status, body)
        if slow:
            time.sleep(self.delay)  # the work is done; the answer comes too late
        return respond(start_response, status, body)

    def _missing(self, what: str, ident: str) -> tuple[int, Any]:
        return 404, {
            "error": {
                "type": "invalid_request_error",
                "code": "resource_missing",
                "message": f"No such {what}: '{ident}'",
                "param": "intent" if what == "payment_intent" else "id",
            }
        }

    def _route(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if parts[:2] == ["v1", "payment_intents"]:
            if len(parts) == 2 and method == "POST":
                return self._create(params)
            intent = self.intents.get(parts[2]) if len(parts) > 2 else None
            if intent is None:
                return self._missing("payment_intent", parts[2] if len(parts) > 2 else "")
            if len(parts) == 3 and method == "GET":
                return 200, self._view(intent, "latest_charge" in params.get("expand", []))
            action = parts[3] if len(parts) == 4 else ""
            if action == "confirm":
                return self._confirm(intent, params)
            if action == "capture":
                if intent["status"] != "requires_capture":
                    return self._state_error(intent, "capture")
                amount = int(params.get("amount_to_capture", intent["amount"]))
                intent["amount_received"] = amount
                intent["status"] = "succeeded"
                return 200, self._view(intent)
            if action == "cancel":
                if intent["status"] in ("succeeded", "canceled"):
                    return self._state_error(intent, "cancel")
                intent["status"] = "canceled"
                intent["next_action"] = None
                return 200, self._view(intent)
        if parts == ["v1", "refunds"] and method == "POST":
            return self._refund(params)
        return 404, {
            "error": {
                "type": "invalid_request_error",
                "message": f"Unrecognized request URL ({method}: {path})",
            }
        }

    def _state_error(self, intent: dict[str, Any], action: str) -> tuple[int, Any]:
        return 400, {
            "error": {
                "type": "invalid_request_error",
                "code": "payment_intent_unexpected_state",
                "message": f"You cannot {action} this PaymentIntent because it has a status of {intent['status']}.",
            }
        }

    def _view(self, intent: dict[str, Any], expand: bool = False) -> dict[str, Any]:
        view = dict(intent)
        charge = f"ch_{intent['id'][3:]}"
        refunded = self.refunded.get(intent["id"], 0)
        view["latest_charge"] = (
            {
                "id": charge,
                "object": "charge",
                "amount_refunded": refunded,
                "refunded": refunded == intent["amount_received"] > 0,
            }
            if expand
            else charge
        )
        return view

    def _create(self, params: dict[str, Any]) -> tuple[int, Any]:
        try:
            amount = int(params["amount"])
            currency = params["currency"]
        except (KeyError, ValueError):
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "parameter_missing",
                    "message": "Missing required param: amount.",
                    "param": "amount",
                }
            }
        if currency != currency.lower():
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "parameter_invalid",
                    "message": "Invalid currency",
                    "param": "currency",
                }
            }
        if amount < 50 and currency in ("usd", "eur"):
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "amount_too_small",
                    "message": "Amount must be at least 50 cents",
                    "param": "amount",
                }
            }
        ident = f"pi_{len(self.intents) + 1:04d}"
        intent = {
            "id": ident,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": 0,
            "currency": currency,
            "customer": params.get("customer"),
            "description": params.get("description"),
            "metadata": params.get("metadata", {}),
            "capture_method": params.get("capture_method", "automatic"),
            "payment_method": params.get("payment_method"),
            "status": "requires_payment_method"
            if not params.get("payment_method")
            else "requires_confirmation",
            "next_action": None,
            "last_payment_error": None,
            "created": 1772366400,
            "livemode": False,
        }
        self.intents[ident] = intent
        if params.get("confirm") == "true":
            return self._confirm(intent, params)
        return 200, self._view(intent)

    def _confirm(self, intent: dict[str, Any], params: dict[str, Any]) -> tuple[int, Any]:
        pm = params.get("payment_method") or intent["payment_method"]
        intent["payment_method"] = pm
        if pm in DECLINES:
            decline, message = DECLINES[pm]
            code = "expired_card" if decline == "expired_card" else "card_declined"
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {
                "type": "card_error",
                "code": code,
                "decline_code": decline,
                "message": message,
            }
            return 402, {
                "error": {
                    "type": "card_error",
                    "code": code,
                    "decline_code": decline,
                    "message": message,
                    "payment_intent": self._view(intent),
                }
            }
        if pm == "pm_card_authenticationRequired":
            intent["status"] = "requires_action"
            intent["next_action"] = {
                "type": "redirect_to_url",
                "redirect_to_url": {
                    "url": f"https://hooks.stripe.com/3d_secure_2/hosted?payment_intent={intent['id']}",
                    "return_url": params.get("return_url"),
                },
            }
            return 200, self._view(intent)
        if intent["capture_method"] == "manual":
            intent["status"] = "requires_capture"
        else:
            intent["status"] = "succeeded"
            intent["amount_received"] = intent["amount"]
        return 200, self._view(intent)

    def _refund(self, params: dict[str, Any]) -> tuple[int, Any]:
        ident = params.get("payment_intent", "")
        intent = self.intents.get(ident)
        if intent is None:
            return self._missing("payment_intent", ident)
        if intent["status"] != "succeeded":
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "charge_not_refundable",
                    "message": "This charge cannot be refunded.",
                }
            }
        left = intent["amount_received"] - self.refunded.get(ident, 0)
        amount = int(params.get("amount", left))
        if amount > left or amount <= 0:
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "amount_too_large",
                    "message": f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                    "param": "amount",
                }
            }
        self.refunded[ident] = self.refunded.get(ident, 0) + amount
        number = sum(1 for _ in self.idempotency) + 1
        return 200, {
            "id": f"re_{number:04d}",
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": ident,
            "charge": f"ch_{ident[3:]}",
            "status": "succeeded",
        }
