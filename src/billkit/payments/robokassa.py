"""Robokassa: a signed payment URL, the ResultURL notification and the
``OK{InvId}`` reply (``pip install 'py-billkit[robokassa]'`` for the status
look-ups, which use httpx).

Creating a payment makes no call: it builds the link to Robokassa's payment
page, signed with ``hash(MerchantLogin:OutSum:InvId:Password#1)`` followed by
the ``Shp_`` parameters sorted by name (``:Shp_plan=pro``). After the payer
pays, Robokassa calls the shop's ResultURL with ``OutSum``, ``InvId``,
``SignatureValue`` and the ``Shp_`` parameters; the signature is
``hash(OutSum:InvId:Password#2[:Shp_...])`` over the values exactly as sent,
compared case-insensitively in constant time, and the shop must answer
``OK{InvId}``. The hash is MD5 unless the shop chose SHA-256, SHA-384 or
SHA-512 in its technical settings (``algorithm=``). ``get_payment`` asks the
XML interface ``OpStateExt`` (signed ``MerchantLogin:InvoiceID:Password#2``).

``InvId`` is the request's ``metadata["invoice_id"]`` when given (pass your
invoice number: it must be a whole number up to 2 147 483 647), otherwise a
number derived from the idempotency key, so a repeated create gives the same
link. Robokassa's commission is shown with billkit's
:class:`~billkit.credit.Commission`: the analytics SaaS includes 3.9 % in the
amount the payer sees.

>>> from datetime import datetime, timezone
>>> from billkit.credit import Commission
>>> from billkit.money import Money
>>> from billkit.ports import FixedClock
>>> from billkit.payments import PaymentRequest
>>> kassa = RobokassaGateway(merchant_login="demo", password1="pass1", password2="pass2",
...                          clock=FixedClock(datetime(2026, 3, 1, tzinfo=timezone.utc)),
...                          commission=Commission(rate="3.9%", currency="RUB"))
>>> kassa.quote(Money("10000.00", "RUB")).gross   # the 3.9 % included in what the payer pays
Money('10405.83', 'RUB')
>>> result = kassa.create_payment(
...     PaymentRequest(amount=Money("10405.83", "RUB"), description="Top-up",
...                    metadata={"invoice_id": "42", "plan": "pro"}),
...     idempotency_key="topup-42")
>>> result.status.value, result.reference
('requires_action', '42')
>>> result.next_action.url
'https://auth.robokassa.ru/Merchant/Index.aspx?MerchantLogin=demo&OutSum=10405.83&InvId=42&Description=Top-up&SignatureValue=...&Shp_plan=pro'
>>> signature_value("md5", "10405.83", "42", "pass2", {"Shp_plan": "pro"})  # ResultURL
'...'
>>> kassa.close()
"""

from __future__ import annotations

import hashlib
import hmac
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode

from moneyed import Money

from billkit.credit.commission import Commission, PaymentQuote, gross_up
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
    WebhookReply,
    check_request,
    to_minor,
)
from billkit.ports import Clock

__all__ = ["ALGORITHMS", "PAYMENT_URL", "RobokassaGateway", "signature_value"]

PAYMENT_URL: Final = "https://auth.robokassa.ru/Merchant/Index.aspx"
"""Robokassa's payment page."""
_SERVICE_URL: Final = "https://auth.robokassa.ru/Merchant/WebService/Service.asmx"
ALGORITHMS: Final = ("md5", "sha256", "sha384", "sha512")
"""The signature hashes a shop may choose; MD5 is Robokassa's default."""
_NS: Final = "{http://merchant.roboxchange.com/WebService/}"
_MAX_INV_ID: Final = 2_147_483_647


def _algorithm(value: str) -> str:
    name = value.lower().replace("-", "")
    if name not in ALGORITHMS:
        raise PaymentError("algorithm", value, f"one of {', '.join(ALGORITHMS)}")
    return name


def signature_value(
    algorithm: str, *parts_and_shp: str | Mapping[str, str], uppercase: bool = False
) -> str:
    """The hex hash of the parts joined by ``:``, then of the ``Shp_``
    parameters (a mapping, last) sorted by name as ``Shp_name=value``.

    >>> signature_value("md5", "100.00", "1", "password2")
    '1a913169538738b9497e7f4368a5895e'
    """
    parts = [p for p in parts_and_shp if isinstance(p, str)]
    shp: Mapping[str, str] = next((p for p in parts_and_shp if not isinstance(p, str)), {})
    text = ":".join([*parts, *(f"{k}={shp[k]}" for k in sorted(shp))])
    digest = hashlib.new(_algorithm(algorithm), text.encode("utf-8")).hexdigest()
    return digest.upper() if uppercase else digest


class RobokassaGateway:
    """A :class:`~billkit.ports.PaymentGateway` for Robokassa's payment page.

    ``merchant_login``, ``password1`` (the payment link) and ``password2``
    (ResultURL and status look-ups) come from the shop's technical
    settings; ``algorithm`` is the hash chosen there. ``test=True`` adds
    ``IsTest=1``. ``commission`` (a :class:`~billkit.credit.Commission`) is
    what :meth:`quote` includes. ``minimums`` default to 1.00 RUB: set your
    shop's. Robokassa takes no saved methods, captures at once and offers no
    refunds through this interface.
    """

    def __init__(
        self,
        *,
        merchant_login: str,
        password1: str,
        password2: str,
        clock: Clock,
        algorithm: str = "md5",
        test: bool = False,
        commission: Commission | None = None,
        payment_url: str = PAYMENT_URL,
        service_url: str = _SERVICE_URL,
        timeout: float = 30.0,
        minimums: Sequence[Money] = (Money("1.00", "RUB"),),
    ) -> None:
        self._login = merchant_login
        self._pass1 = password1
        self._pass2 = password2
        self._clock = clock
        self._algorithm = _algorithm(algorithm)
        self._test = test
        self._commission = commission
        self._payment_url = payment_url
        self._service_url = service_url.rstrip("/")
        self._timeout = timeout
        self._client: Any = None
        self._caps = Capabilities(
            currencies=["RUB"],
            minimums=list(minimums),
            refunds=False,
            partial_refunds=False,
            saved_methods=False,
            three_d_secure=True,
            manual_capture=False,
            cancel=False,
        )

    @property
    def name(self) -> str:
        """``"robokassa"``."""
        return "robokassa"

    @property
    def capabilities(self) -> Capabilities:
        """Rubles through the payment page; no saved methods, refunds or holds."""
        return self._caps

    def close(self) -> None:
        """Close the HTTP client, if a status look-up opened one."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def quote(self, net: Money) -> PaymentQuote:
        """What the payer pays so that ``net`` arrives after the commission."""
        if self._commission is None:
            raise PaymentError("commission", None, "a Commission given to the gateway")
        return gross_up(self._commission, net)

    # -- the port -------------------------------------------------------------------

    def _inv_id(self, request: PaymentRequest, key: str) -> str:
        given = request.meta("invoice_id")
        if given:
            if not given.isdigit() or not 0 < int(given) <= _MAX_INV_ID:
                raise PaymentError(
                    "metadata.invoice_id", given, f"a whole number from 1 to {_MAX_INV_ID}"
                )
            return str(int(given))
        digest = hashlib.sha256(key.encode()).digest()
        return str(int.from_bytes(digest[:4], "big") % _MAX_INV_ID + 1)

    def _shp(self, request: PaymentRequest) -> dict[str, str]:
        return {f"Shp_{k}": v for k, v in request.metadata if k != "invoice_id"}

    def create_payment(self, request: PaymentRequest, idempotency_key: str) -> PaymentResult:
        """The signed link to Robokassa's payment page (no call is made)."""
        _common.key(idempotency_key)
        check_request(self._caps, request)
        out_sum = f"{request.amount.amount.quantize(Decimal('0.01')):f}"
        to_minor(request.amount, 2)
        if len(request.description) > 100:
            raise PaymentError(
                "description", request.description, "at most 100 characters (Robokassa's limit)"
            )
        inv_id = self._inv_id(request, idempotency_key)
        shp = self._shp(request)
        params = {
            "MerchantLogin": self._login,
            "OutSum": out_sum,
            "InvId": inv_id,
            "Description": request.description,
            "SignatureValue": signature_value(
                self._algorithm, self._login, out_sum, inv_id, self._pass1, shp
            ),
        }
        if self._test:
            params["IsTest"] = "1"
        params.update(shp)
        return PaymentResult(
            reference=inv_id,
            status=PaymentStatus.REQUIRES_ACTION,
            amount=request.amount,
            provider="robokassa",
            next_action=NextAction(url=f"{self._payment_url}?{urlencode(params)}"),
            raw_status="link",
        )

    def capture(
        self, reference: str, amount: Money | None = None, *, idempotency_key: str
    ) -> PaymentResult:
        """Not offered: Robokassa payments are captured at once."""
        raise PaymentError("capture", reference, "a gateway with two-stage payments")

    def cancel(self, reference: str, *, idempotency_key: str) -> PaymentResult:
        """Not offered: an unpaid Robokassa invoice simply expires."""
        raise PaymentError("cancel", reference, "a gateway that cancels payments")

    def refund(
        self, reference: str, amount: Money | None = None, *, idempotency_key: str
    ) -> Refund:
        """Not offered through this interface (refund in Robokassa's account)."""
        raise PaymentError("refund", reference, "a gateway with refunds through its API")

    def get_payment(self, reference: str) -> PaymentResult:
        """The invoice's state from ``OpStateExt``."""
        httpx = _common.require("httpx", "httpx", "Robokassa status look-ups", "robokassa")
        if self._client is None:
            self._client = httpx.Client(timeout=self._timeout)
        query = {
            "MerchantLogin": self._login,
            "InvoiceID": reference,
            "Signature": signature_value(self._algorithm, self._login, reference, self._pass2),
        }
        try:
            response = self._client.get(f"{self._service_url}/OpStateExt", params=query)
        except httpx.TransportError as error:
            raise GatewayError("robokassa", "timeout", str(error) or type(error).__name__) from None
        if response.status_code != 200:
            raise GatewayError("robokassa", str(response.status_code), response.text[:200])
        return self._state(reference, response.content)

    def _state(self, reference: str, xml: bytes) -> PaymentResult:
        try:
            root = ET.fromstring(xml)
        except ET.ParseError as error:
            raise GatewayError("robokassa", "malformed", f"OpStateExt answer: {error}") from None

        code = root.findtext(f"{_NS}Result/{_NS}Code", "").strip()
        if code != "0":
            description = root.findtext(f"{_NS}Result/{_NS}Description", "").strip()
            raise GatewayError("robokassa", code or "malformed", description or "no description")
        state = root.findtext(f"{_NS}State/{_NS}Code", "").strip()
        out_sum = root.findtext(f"{_NS}Info/{_NS}OutSum", "").strip()
        try:
            amount = Money(Decimal(out_sum).quantize(Decimal("0.01")), "RUB")
        except InvalidOperation:
            raise GatewayError("robokassa", "malformed", f"OutSum {out_sum!r}") from None
        failure = None
        refunded = Money(0, "RUB")
        if state == "100":
            status = PaymentStatus.SUCCEEDED
        elif state == "60":
            status, refunded = PaymentStatus.SUCCEEDED, amount
        elif state in ("5", "20", "50", "80"):
            status = PaymentStatus.PENDING
        elif state == "10":
            status = PaymentStatus.FAILED
            failure = Failure(
                code="canceled", message="not paid: canceled or expired", retryable=True
            )
        else:
            raise GatewayError("robokassa", "malformed", f"State {state!r}")
        return PaymentResult(
            reference=reference,
            status=status,
            amount=amount,
            provider="robokassa",
            refunded=refunded,
            failure=failure,
            raw_status=state,
        )

    # -- ResultURL ----------------------------------------------------------------------

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[GatewayEvent]:
        """Verify a ResultURL call (its form body, or the query string of a
        GET) and return the payment-succeeded event."""
        try:
            form = dict(
                parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
            )
        except (UnicodeDecodeError, ValueError):
            raise WebhookError(
                "body", body[:60], "a form with OutSum, InvId, SignatureValue"
            ) from None
        out_sum, inv_id, given = (form.get(k) for k in ("OutSum", "InvId", "SignatureValue"))
        if not out_sum or not inv_id or not given:
            raise WebhookError("body", body[:60], "a form with OutSum, InvId and SignatureValue")
        shp = {k: v for k, v in form.items() if k.startswith("Shp_")}
        expected = signature_value(self._algorithm, out_sum, inv_id, self._pass2, shp)
        if not hmac.compare_digest(expected.encode(), given.lower().encode("ascii", "replace")):
            raise WebhookError("SignatureValue", given, "the hash made with Password #2")
        try:
            amount = Money(Decimal(out_sum).quantize(Decimal("0.01")), "RUB")
        except InvalidOperation:
            raise WebhookError("OutSum", out_sum, "a decimal amount") from None
        if not inv_id.isdigit():
            raise WebhookError("InvId", inv_id, "a whole number")
        return (
            GatewayEvent(
                id=f"result:{inv_id}",
                kind=EventKind.PAYMENT_SUCCEEDED,
                payment=inv_id,
                occurred=self._clock.now(),
                provider="robokassa",
                amount=amount,
                data=shp,
            ),
        )

    def webhook_response(self, event: GatewayEvent | None) -> WebhookReply:
        """``OK{InvId}``, the reply Robokassa waits for; ``bad sign`` when refused."""
        if event is None:
            return WebhookReply(status=400, body=b"bad sign")
        return WebhookReply(status=200, body=f"OK{event.payment}".encode())
