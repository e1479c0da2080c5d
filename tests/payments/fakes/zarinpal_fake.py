"""A local stand-in for Zarinpal's REST v4 payment API, as documented:
``request.json`` (code 100 and an ``authority``), ``verify.json`` (100
verified, 101 already verified, -50 amount mismatch, -51 failed session,
-54 unknown authority), ``inquiry.json`` (``status`` IN_BANK, PAID,
VERIFIED, FAILED, REVERSED) and ``reverse.json``; answers as
``{"data": {...}, "errors": []}`` or ``{"data": [], "errors": {"code": ...}}``."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from tests.payments.fakes.server import StartResponse, read_body, respond

MERCHANT = "1344b5d4-0048-11e8-94db-005056a205be"


def _error(code: int, message: str) -> tuple[int, Any]:
    return 400, {"data": [], "errors": {"code": code, "message": message, "validations": []}}


def _ok(data: dict[str, Any]) -> tuple[int, Any]:
    return 200, {"data": data, "errors": []}


class ZarinpalFake:
    def __init__(self) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}
        self.requests = 0
        self.slow_next = False
        self.delay = 1.5  # past the tests' client timeout (1 s)
        self._lock = threading.Lock()

    def pay(self, authority: str, *, success: bool = True) -> str:
        """The payer pays (or gives up) on StartPay; returns the callback query.
        A session described "declined" is declined by the bank."""
        session = self.sessions[authority]
        success = success and session["description"] != "declined"
        session["status"] = "PAID" if success else "FAILED"
        return f"Authority={authority}&Status={'OK' if success else 'NOK'}"

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        with self._lock:
            self.requests += 1
            slow, self.slow_next = self.slow_next, False
        try:
            body = json.loads(read_body(environ) or b"{}")
        except ValueError:
            status, answer = _error(-9, "The input params invalid, validation error.")
            return respond(start_response, status, answer)
        if body.get("merchant_id") != MERCHANT:
            status, answer = _error(
                -10, "Terminal is not valid, please check merchant_id or ip address."
            )
        else:
            status, answer = self._route(environ["PATH_INFO"].rsplit("/", 1)[-1], body)
        if slow:
            time.sleep(self.delay)
        return respond(start_response, status, answer)

    def _route(self, name: str, body: dict[str, Any]) -> tuple[int, Any]:
        if name == "request.json":
            amount = body.get("amount")
            if not isinstance(amount, int) or amount < 1_000 or not body.get("callback_url"):
                return _error(-9, "The input params invalid, validation error.")
            authority = f"A{len(self.sessions) + 1:035d}"
            self.sessions[authority] = {
                "amount": amount,
                "status": "IN_BANK",
                "ref_id": 0,
                "description": body.get("description"),
            }
            return _ok(
                {
                    "code": 100,
                    "message": "Success",
                    "authority": authority,
                    "fee_type": "Merchant",
                    "fee": 0,
                }
            )
        session = self.sessions.get(body.get("authority", ""))
        if session is None:
            return _error(-54, "Invalid authority.")
        if name == "verify.json":
            if body.get("amount") != session["amount"]:
                return _error(-50, "Session is not valid, amounts values is not the same.")
            if session["status"] == "VERIFIED":
                return _ok(
                    {
                        "code": 101,
                        "message": "Verified",
                        "ref_id": session["ref_id"],
                        "card_pan": "502229******5995",
                    }
                )
            if session["status"] != "PAID":
                return _error(-51, "Session is not valid, session is not active paid try.")
            session["status"] = "VERIFIED"
            session["ref_id"] = 201 + len(self.sessions)
            return _ok(
                {
                    "code": 100,
                    "message": "Verified",
                    "ref_id": session["ref_id"],
                    "card_pan": "502229******5995",
                    "fee_type": "Merchant",
                    "fee": 0,
                }
            )
        if name == "inquiry.json":
            return _ok({"code": 100, "message": "Success", "status": session["status"]})
        if name == "reverse.json":
            if session["status"] != "VERIFIED":
                return _error(-63, "Maximum time for reverse this session is expired.")
            session["status"] = "REVERSED"
            return _ok({"code": 100, "message": "Reversed"})
        return _error(-9, "unknown endpoint")
