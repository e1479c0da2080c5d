"""One harness per gateway: how the contract suite drives each provider."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone

from moneyed import Money

from billkit.errors import GatewayError
from billkit.payments import (
    PaymentRequest,
    PaymentResult,
    SandboxGateway,
    SavedMethod,
)
from billkit.payments.webhooks import sign
from billkit.ports import FixedClock, PaymentGateway

START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
TIMEOUT = 1.0  # seconds: a local answer comes far sooner; the fakes' slow answers 1.5 s later


class Harness:
    """What the contract suite needs from a gateway under test."""

    gateway: PaymentGateway
    clock: FixedClock
    amount: Money
    below_minimum: Money
    foreign: Money

    def calls(self) -> int:
        """Requests the provider has received so far."""
        raise NotImplementedError

    def request(self, amount: Money | None = None, *, good: bool = True) -> PaymentRequest:
        """A request the provider will approve (``good``) or decline."""
        raise NotImplementedError

    def complete(self, result: PaymentResult) -> None:
        """Play the payer on the provider's page (or 3-D Secure) for ``result``."""

    def lose_next_answer(self) -> bool:
        """The next create goes through at the provider, but its answer is
        lost (False: creating makes no call, so no answer can be lost)."""
        raise NotImplementedError

    def webhook(self, reference: str) -> tuple[Mapping[str, str], bytes]:
        """A genuine 'payment succeeded' notification for ``reference``."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class SandboxHarness(Harness):
    def __init__(self) -> None:
        self.clock = FixedClock(START)
        self.sandbox = SandboxGateway(clock=self.clock)
        self.gateway = self.sandbox
        self.amount = Money("20.00", "EUR")
        self.below_minimum = Money("0.49", "EUR")
        self.foreign = Money("20.00", "JPY")
        self._lose = False

    def calls(self) -> int:
        """Payments the sandbox holds (its references are pay_0001, pay_0002, ...)."""
        count = 0
        while True:
            try:
                self.sandbox.get_payment(f"pay_{count + 1:04d}")
            except GatewayError:
                return count
            count += 1

    def request(self, amount: Money | None = None, *, good: bool = True) -> PaymentRequest:
        token = "tok_visa" if good else "tok_insufficient_funds"
        if self._lose:
            token, self._lose = "tok_timeout", False
        return PaymentRequest(amount=amount or self.amount, method=SavedMethod(token=token))

    def lose_next_answer(self) -> bool:
        self._lose = True
        return True

    def webhook(self, reference: str) -> tuple[Mapping[str, str], bytes]:
        body = (
            b'{"id":"evt_test_1","type":"payment.succeeded","created":"2026-03-01T12:00:00+00:00",'
            b'"data":{"payment":"' + reference.encode() + b'","currency":"EUR","amount":null}}'
        )
        return sign(self.sandbox.secret, "msg_test_1", self.clock.now(), body), body


class StripeHarness(Harness):
    def __init__(self) -> None:
        from billkit.payments.stripe import StripeGateway
        from tests.payments.fakes import stripe_fake
        from tests.payments.fakes.server import serve

        self.fake = stripe_fake.StripeFake()
        self._server = serve(self.fake)
        base = self._server.__enter__()
        self.clock = FixedClock(START)
        self.gateway = StripeGateway(
            stripe_fake.API_KEY,
            webhook_secret=stripe_fake.WEBHOOK_SECRET,
            clock=self.clock,
            base_url=base,
            timeout=TIMEOUT,
        )
        self.amount = Money("20.00", "EUR")
        self.below_minimum = Money("0.49", "EUR")
        self.foreign = Money("20.00", "RUB")

    def calls(self) -> int:
        return self.fake.requests

    def request(self, amount: Money | None = None, *, good: bool = True) -> PaymentRequest:
        token = "pm_card_visa" if good else "pm_card_chargeDeclinedInsufficientFunds"
        return PaymentRequest(amount=amount or self.amount, method=SavedMethod(token=token))

    def complete(self, result: PaymentResult) -> None:
        self.fake.authenticate(result.reference)

    def lose_next_answer(self) -> bool:
        self.fake.slow_next = True
        return True

    def webhook(self, reference: str) -> tuple[Mapping[str, str], bytes]:
        at = int(self.clock.now().timestamp())
        body = self.fake.event("payment_intent.succeeded", self.fake.intents[reference], at)
        return {"Stripe-Signature": self.fake.signature_header(body, at)}, body

    def close(self) -> None:
        self.gateway.close()  # type: ignore[attr-defined]
        self._server.__exit__(None, None, None)


class YooKassaHarness(Harness):
    def __init__(self) -> None:
        from billkit.payments.yookassa import YooKassaGateway
        from tests.payments.fakes import yookassa_fake
        from tests.payments.fakes.server import serve

        self.fake = yookassa_fake.YooKassaFake()
        self._server = serve(self.fake)
        base = self._server.__enter__()
        self.clock = FixedClock(START)
        self.gateway = YooKassaGateway(
            shop_id=yookassa_fake.SHOP_ID,
            secret_key=yookassa_fake.SECRET,
            base_url=base + "/v3",
            timeout=TIMEOUT,
        )
        self.amount = Money("1500.00", "RUB")
        self.below_minimum = Money("0.99", "RUB")
        self.foreign = Money("20.00", "EUR")

    def calls(self) -> int:
        return self.fake.requests

    def request(self, amount: Money | None = None, *, good: bool = True) -> PaymentRequest:
        token = "pm-ok" if good else "pm-insufficient"
        return PaymentRequest(amount=amount or self.amount, method=SavedMethod(token=token))

    def complete(self, result: PaymentResult) -> None:
        self.fake.pay(result.reference)

    def lose_next_answer(self) -> bool:
        self.fake.slow_next = True
        return True

    def webhook(self, reference: str) -> tuple[Mapping[str, str], bytes]:
        obj = self.fake._view(self.fake.payments[reference])
        small = {k: obj[k] for k in ("id", "status", "amount", "created_at", "test")}
        return {"Content-Type": "application/json"}, self.fake.notification(
            "payment.succeeded", small
        )

    def close(self) -> None:
        self.gateway.close()  # type: ignore[attr-defined]
        self._server.__exit__(None, None, None)


class RobokassaHarness(Harness):
    def __init__(self) -> None:
        from billkit.credit import Commission
        from billkit.payments.robokassa import RobokassaGateway
        from tests.payments.fakes import robokassa_fake
        from tests.payments.fakes.server import serve

        self.fake = robokassa_fake.RobokassaFake()
        self._server = serve(self.fake)
        base = self._server.__enter__()
        self.clock = FixedClock(START)
        self.gateway = RobokassaGateway(
            merchant_login=robokassa_fake.LOGIN,
            password1=robokassa_fake.PASSWORD1,
            password2=robokassa_fake.PASSWORD2,
            clock=self.clock,
            test=True,
            commission=Commission(rate="3.9%", currency="RUB"),
            service_url=base + "/Merchant/WebService/Service.asmx",
            timeout=TIMEOUT,
        )
        self.amount = Money("1500.00", "RUB")
        self.below_minimum = Money("0.99", "RUB")
        self.foreign = Money("20.00", "EUR")

    def calls(self) -> int:
        return self.fake.requests

    def request(self, amount: Money | None = None, *, good: bool = True) -> PaymentRequest:
        meta = {"plan": "pro"} if good else {"card": "declined"}
        return PaymentRequest(amount=amount or self.amount, description="Top-up", metadata=meta)

    def complete(self, result: PaymentResult) -> None:
        assert result.next_action is not None
        self.fake.visit(result.next_action.url)

    def lose_next_answer(self) -> bool:
        return False

    def webhook(self, reference: str) -> tuple[Mapping[str, str], bytes]:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return headers, self.fake.result_url_form(reference).encode()

    def close(self) -> None:
        self.gateway.close()  # type: ignore[attr-defined]
        self._server.__exit__(None, None, None)


class ZarinpalHarness(Harness):
    def __init__(self) -> None:
        from billkit.payments.zarinpal import ZarinpalGateway
        from tests.payments.fakes import zarinpal_fake
        from tests.payments.fakes.server import serve

        self.fake = zarinpal_fake.ZarinpalFake()
        self._server = serve(self.fake)
        base = self._server.__enter__()
        self.clock = FixedClock(START)
        self.gateway = ZarinpalGateway(
            merchant_id=zarinpal_fake.MERCHANT,
            callback_url="https://shop.example/zarinpal/back",
            clock=self.clock,
            base_url=base + "/pg/v4/payment",
            timeout=TIMEOUT,
        )
        self.amount = Money("1500000", "IRR")
        self.below_minimum = Money("999", "IRR")
        self.foreign = Money("20.00", "EUR")

    def calls(self) -> int:
        return self.fake.requests

    def request(self, amount: Money | None = None, *, good: bool = True) -> PaymentRequest:
        return PaymentRequest(
            amount=amount or self.amount,
            description="Attribution plan" if good else "declined",
        )

    def complete(self, result: PaymentResult) -> None:
        query = self.fake.pay(result.reference)
        self.gateway.parse_webhook({}, query.encode())  # the callback: verify.json

    def lose_next_answer(self) -> bool:
        self.fake.slow_next = True
        return True

    def webhook(self, reference: str) -> tuple[Mapping[str, str], bytes]:
        return {}, f"Authority={reference}&Status=OK".encode()

    def close(self) -> None:
        self.gateway.close()  # type: ignore[attr-defined]
        self._server.__exit__(None, None, None)
