"""Zarinpal specifics: request -> StartPay -> callback -> verify, in whole rials."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from moneyed import Money

from billkit.errors import GatewayError, PaymentError, WebhookError
from billkit.payments import EventKind, PaymentRequest, PaymentStatus, SavedMethod
from tests.payments.fakes.harness import ZarinpalHarness


@pytest.fixture
def h() -> Iterator[ZarinpalHarness]:
    made = ZarinpalHarness()
    yield made
    made.close()


def test_the_whole_flow_in_rials(h: ZarinpalHarness) -> None:
    result = h.gateway.create_payment(h.request(Money("1500000", "IRR")), "k")
    session = h.fake.sessions[result.reference]
    assert session["amount"] == 1_500_000  # an integer number of rials
    assert result.next_action is not None
    assert result.next_action.url.endswith(f"/pg/StartPay/{result.reference}")
    callback = h.fake.pay(result.reference)
    [event] = h.gateway.parse_webhook({}, callback.encode())
    assert (event.kind, event.amount) == (EventKind.PAYMENT_SUCCEEDED, Money("1500000", "IRR"))
    assert dict(event.data)["code"] == "100"
    # The same callback again: verify answers 101 (already verified), still a success.
    [again] = h.gateway.parse_webhook({}, callback.encode())
    assert (again.kind, dict(again.data)["code"]) == (EventKind.PAYMENT_SUCCEEDED, "101")
    assert h.gateway.webhook_response(event).body == b"payment verified"


def test_a_payer_who_gives_up(h: ZarinpalHarness) -> None:
    result = h.gateway.create_payment(h.request(), "k")
    callback = h.fake.pay(result.reference, success=False)
    assert callback.endswith("Status=NOK")
    [event] = h.gateway.parse_webhook({}, callback.encode())
    assert event.kind is EventKind.PAYMENT_FAILED
    # Even a forged "OK" cannot make it succeed: verify says -51.
    forged = f"Authority={result.reference}&Status=OK".encode()
    assert h.gateway.parse_webhook({}, forged)[0].kind is EventKind.PAYMENT_FAILED
    assert h.gateway.get_payment(result.reference).status is PaymentStatus.FAILED


def test_a_lost_callback_is_verified_by_get_payment(h: ZarinpalHarness) -> None:
    result = h.gateway.create_payment(h.request(), "k")
    assert (
        h.gateway.get_payment(result.reference).status is PaymentStatus.REQUIRES_ACTION
    )  # IN_BANK
    h.fake.pay(result.reference)  # the payer paid; the callback never arrives
    assert h.fake.sessions[result.reference]["status"] == "PAID"
    assert h.gateway.get_payment(result.reference).status is PaymentStatus.SUCCEEDED
    assert h.fake.sessions[result.reference]["status"] == "VERIFIED"


def test_amounts_and_methods_refused_before_any_call(h: ZarinpalHarness) -> None:
    with pytest.raises(PaymentError, match="decimal places"):
        h.gateway.create_payment(h.request(Money("1500000.5", "IRR")), "k1")
    with pytest.raises(PaymentError, match="method"):
        h.gateway.create_payment(
            PaymentRequest(amount=h.amount, method=SavedMethod(token="x")), "k2"
        )
    assert h.calls() == 0


def test_error_answers(h: ZarinpalHarness) -> None:
    from billkit.payments.zarinpal import ZarinpalGateway

    wrong = ZarinpalGateway(
        merchant_id="00000000-0000-0000-0000-000000000000",
        callback_url="https://shop.example/back",
        clock=h.clock,
        base_url=str(h.gateway._client.base_url),  # type: ignore[attr-defined]
    )
    with pytest.raises(GatewayError, match="-10"):
        wrong.create_payment(h.request(), "k")
    wrong.close()
    result = h.gateway.create_payment(h.request(), "k")
    h.fake.pay(result.reference)
    h.fake.sessions[result.reference]["amount"] = 999_999  # the provider holds another amount
    with pytest.raises(WebhookError, match="-50"):
        h.gateway.parse_webhook({}, f"Authority={result.reference}&Status=OK".encode())
    with pytest.raises(WebhookError, match="Authority"):
        h.gateway.parse_webhook({}, b"Authority=A999&Status=OK")
    h.fake.slow_next = True
    with pytest.raises(GatewayError, match="timeout"):
        h.gateway.get_payment(result.reference)


def test_a_reversal_refunds_the_whole_payment(h: ZarinpalHarness) -> None:
    result = h.gateway.create_payment(h.request(), "k")
    h.gateway.parse_webhook({}, h.fake.pay(result.reference).encode())
    refund = h.gateway.refund(result.reference, idempotency_key="r")
    assert refund.amount == h.amount
    assert h.gateway.get_payment(result.reference).refunded == h.amount
    assert json.dumps(h.fake.sessions[result.reference]["status"]) == '"REVERSED"'
