"""Zarinpal (REST v4) through httpx (``pip install 'py-billkit[zarinpal]'``).

The flow: ``request.json`` opens a session and returns an ``authority``; the
payer is sent to ``StartPay/{authority}``; Zarinpal brings them back to the
``callback_url`` with ``Authority`` and ``Status`` (``OK`` or ``NOK``); the
shop then calls ``verify.json`` with the same amount, and only a verified
payment is settled. Verify answers ``100`` (verified now) or ``101``
(verified before): both mean the money is taken. Amounts are whole rials
(``currency: "IRR"``), sent as integers.

:meth:`ZarinpalGateway.parse_webhook` takes the callback's query string,
verifies the payment with Zarinpal and reports the outcome; nothing in the
callback itself is trusted. :meth:`~ZarinpalGateway.get_payment` asks
``inquiry.json`` and verifies a payment that is paid but not yet verified (a
lost callback), since Zarinpal returns unverified money to the payer.
Zarinpal has no idempotency keys: the gateway remembers which key opened
which session, and the amount of each session, in ``sessions`` (a dict by
default; pass a persistent mapping to survive restarts). A refund is
Zarinpal's ``reverse.json``: the whole payment, within its time limit.

>>> from datetime import datetime, timezone
>>> from billkit.money import Money
>>> from billkit.ports import FixedClock
>>> gateway = ZarinpalGateway(merchant_id="1344b5d4-0048-11e8-94db-005056a205be",
...                           callback_url="https://shop.example/zarinpal/back",
...                           clock=FixedClock(datetime(2026, 3, 1, tzinfo=timezone.utc)))
>>> gateway.capabilities.minimum("IRR"), gateway.capabilities.digits("IRR")
(Money('1000', 'IRR'), 0)
>>> gateway.close()
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any, Final
from urllib.parse import parse_qsl

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
from billkit.ports import Clock

__all__ = ["API_URL", "START_PAY_URL", "ZarinpalGateway"]

API_URL: Final = "https://payment.zarinpal.com/pg/v4/payment"
"""Zarinpal's v4 payment API."""
START_PAY_URL: Final = "https://payment.zarinpal.com/pg/StartPay"
"""Where the payer goes to pay: ``{START_PAY_URL}/{authority}``."""

_VERIFIED: Final = frozenset({100, 101})


class ZarinpalGateway:
    """A :class:`~billkit.ports.PaymentGateway` over Zarinpal's v4 API.

    ``merchant_id`` is the 36-character merchant code; ``callback_url`` the
    page Zarinpal returns the payer to (a request's ``return_url`` overrides
    it); ``clock`` dates the events; ``sessions`` keeps key -> authority and
    authority -> amount. ``minimums`` default to 10 000 rials (1 000 tomans):
    set your terminal's.
    """

    def __init__(
        self,
        *,
        merchant_id: str,
        callback_url: str,
        clock: Clock,
        base_url: str = API_URL,
        start_pay_url: str = START_PAY_URL,
        timeout: float = 30.0,
        sessions: MutableMapping[str, str] | None = None,
        minimums: Sequence[Money] = (Money("1000", "IRR"),),
    ) -> None:
        httpx = _common.require("httpx", "httpx", "the Zarinpal gateway", "zarinpal")
        self._httpx = httpx
        self._client = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self._merchant = merchant_id
        self._callback = callback_url
        self._clock = clock
        self._start_pay = start_pay_url.rstrip("/")
        self._sessions: MutableMapping[str, str] = {} if sessions is None else sessions
        self._caps = Capabilities(
            currencies=["IRR"],
            minimums=list(minimums),
            partial_refunds=False,
            saved_methods=False,
            manual_capture=False,
            cancel=False,
            minor_units=(("IRR", 0),),
        )

    @property
    def name(self) -> str:
        """``"zarinpal"``."""
        return "zarinpal"

    @property
    def capabilities(self) -> Capabilities:
        """Whole rials through the StartPay page; full reversals only."""
        return self._caps

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    # -- HTTP -------------------------------------------------------------------------

    def _post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Zarinpal's ``code`` and ``data``; GatewayError for its errors. A
        transport failure propagates (httpx.TransportError)."""
        response = self._client.post(path, json={"merchant_id": self._merchant, **body})
        try:
            answer = response.json()
        except ValueError:
            raise GatewayError(
                "zarinpal", str(response.status_code), "an answer that is not JSON"
            ) from None
        data = answer.get("data") if isinstance(answer, dict) else None
        if isinstance(data, dict) and isinstance(data.get("code"), int):
            return data["code"], data
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if isinstance(errors, dict) and "code" in errors:
            raise GatewayError("zarinpal", str(errors["code"]), str(errors.get("message", "")))
        raise GatewayError("zarinpal", str(response.status_code), "an answer without a code")

    def _guarded(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        try:
            return self._post(path, body)
        except self._httpx.TransportError as error:
            raise GatewayError("zarinpal", "timeout", str(error) or type(error).__name__) from None

    def _amount(self, authority: str) -> Money:
        stored = self._sessions.get(f"amount:{authority}")
        if stored is None:
            raise GatewayError(
                "zarinpal",
                "unknown_authority",
                f"{authority!r} was not opened by this gateway (see sessions=)",
            )
        return from_minor(int(stored), "IRR", 0)

    # -- the port -------------------------------------------------------------------

    def create_payment(self, request: PaymentRequest, idempotency_key: str) -> PaymentResult:
        """Open a payment session and send the payer to StartPay."""
        _common.key(idempotency_key)
        check_request(self._caps, request)
        if request.method is not None:
            raise PaymentError(
                "method", request.method.token, "no saved method: Zarinpal redirects"
            )
        known = self._sessions.get(f"key:{idempotency_key}")
        if known is not None:
            return self.get_payment(known)
        rials = to_minor(request.amount, 0)
        body: dict[str, Any] = {
            "amount": rials,
            "currency": "IRR",
            "callback_url": request.return_url or self._callback,
            "description": request.description or "payment",
        }
        meta = {k: v for k, v in request.metadata if k in ("mobile", "email", "order_id")}
        if meta:
            body["metadata"] = meta
        try:
            code, data = self._post("/request.json", body)
        except self._httpx.TransportError:
            return PaymentResult(
                reference="",
                status=PaymentStatus.UNKNOWN,
                amount=request.amount,
                provider="zarinpal",
                raw_status="no answer",
            )
        authority = data.get("authority")
        if code != 100 or not isinstance(authority, str) or not authority:
            raise GatewayError("zarinpal", str(code), str(data.get("message", "")))
        self._sessions[f"amount:{authority}"] = str(rials)
        self._sessions[f"key:{idempotency_key}"] = authority
        return self._action(authority, request.amount)

    def _action(self, authority: str, amount: Money) -> PaymentResult:
        return PaymentResult(
            reference=authority,
            status=PaymentStatus.REQUIRES_ACTION,
            amount=amount,
            provider="zarinpal",
            next_action=NextAction(url=f"{self._start_pay}/{authority}"),
            raw_status="session",
        )

    def capture(
        self, reference: str, amount: Money | None = None, *, idempotency_key: str
    ) -> PaymentResult:
        """Not offered: a verified Zarinpal payment is captured."""
        raise PaymentError("capture", reference, "a gateway with two-stage payments")

    def cancel(self, reference: str, *, idempotency_key: str) -> PaymentResult:
        """Not offered: an unpaid session simply expires."""
        raise PaymentError("cancel", reference, "a gateway that cancels payments")

    def refund(
        self, reference: str, amount: Money | None = None, *, idempotency_key: str
    ) -> Refund:
        """Reverse the whole payment (``reverse.json``); partial refunds are refused."""
        _common.key(idempotency_key)
        paid = self._amount(reference)
        if amount is not None and amount != paid:
            raise PaymentError(
                "amount", amount, f"the whole payment ({paid}): Zarinpal reverses in full"
            )
        code, data = self._guarded("/reverse.json", {"authority": reference})
        if code != 100:
            raise GatewayError("zarinpal", str(code), str(data.get("message", "")))
        self._sessions[f"reversed:{reference}"] = "1"
        return Refund(
            reference=f"reverse:{reference}",
            payment=reference,
            amount=paid,
            status=RefundStatus.SUCCEEDED,
        )

    def _verify(self, authority: str, amount: Money) -> tuple[int, dict[str, Any]]:
        return self._post("/verify.json", {"authority": authority, "amount": to_minor(amount, 0)})

    def get_payment(self, reference: str) -> PaymentResult:
        """The session's state from ``inquiry.json``; a paid, unverified
        payment is verified first."""
        amount = self._amount(reference)
        code, data = self._guarded("/inquiry.json", {"authority": reference})
        if code != 100:
            raise GatewayError("zarinpal", str(code), str(data.get("message", "")))
        status = str(data.get("status", ""))
        if status == "PAID":
            try:
                code, data = self._verify(reference, amount)
            except self._httpx.TransportError as error:
                raise GatewayError("zarinpal", "timeout", str(error)) from None
            status = "VERIFIED" if code in _VERIFIED else status
        if status == "VERIFIED":
            return PaymentResult(
                reference=reference,
                status=PaymentStatus.SUCCEEDED,
                amount=amount,
                provider="zarinpal",
                raw_status=status,
            )
        if status == "REVERSED":
            return PaymentResult(
                reference=reference,
                status=PaymentStatus.SUCCEEDED,
                amount=amount,
                refunded=amount,
                provider="zarinpal",
                raw_status=status,
            )
        if status == "FAILED":
            return PaymentResult(
                reference=reference,
                status=PaymentStatus.FAILED,
                amount=amount,
                provider="zarinpal",
                failure=Failure(
                    code="-51", message="the payment failed or was abandoned", retryable=True
                ),
                raw_status=status,
            )
        if status == "IN_BANK":
            return self._action(reference, amount)
        if status == "PAID":
            return PaymentResult(
                reference=reference,
                status=PaymentStatus.PENDING,
                amount=amount,
                provider="zarinpal",
                raw_status=status,
            )
        raise GatewayError("zarinpal", "malformed", f"inquiry status {status!r}")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[GatewayEvent]:
        """Read the callback's query string (``Authority``, ``Status``) and
        verify the payment with Zarinpal."""
        try:
            query = dict(parse_qsl(body.decode("ascii"), strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            raise WebhookError("body", body[:60], "a callback query string") from None
        authority = query.get("Authority", "")
        if not authority or query.get("Status") not in ("OK", "NOK"):
            raise WebhookError("body", body[:60], "Authority and Status (OK or NOK)")
        try:
            amount = self._amount(authority)
        except GatewayError:
            raise WebhookError("Authority", authority, "an authority this gateway opened") from None
        try:
            code, data = self._verify(authority, amount)
        except self._httpx.TransportError as error:
            raise WebhookError(
                "Authority", authority, f"a payment Zarinpal verifies ({error})"
            ) from None
        except GatewayError as error:
            if error.code not in ("-51", "-52"):
                raise WebhookError(
                    "Authority", authority, f"a payment Zarinpal verifies ({error})"
                ) from None
            code, data = int(error.code), {}
        when = self._clock.now()
        kind = EventKind.PAYMENT_SUCCEEDED if code in _VERIFIED else EventKind.PAYMENT_FAILED
        ref_id = str(data.get("ref_id", ""))
        return (
            GatewayEvent(
                id=f"{kind.value}:{authority}",
                kind=kind,
                payment=authority,
                occurred=when,
                provider="zarinpal",
                amount=amount,
                data={"ref_id": ref_id, "code": str(code)},
            ),
        )

    def webhook_response(self, event: GatewayEvent | None) -> WebhookReply:
        """The payer's browser comes back here: a plain page saying how it went."""
        if event is None:
            return WebhookReply(status=400, body=b"payment could not be verified")
        ok = event.kind is EventKind.PAYMENT_SUCCEEDED
        return WebhookReply(status=200, body=b"payment verified" if ok else b"payment failed")
