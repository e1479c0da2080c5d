"""YooKassa specifics, against the local fake speaking YooKassa's documented API v3."""

from __future__ import annotations

import json
from collections.abc import Iterator

import attrs
import pytest
from moneyed import Money

from billkit.errors import GatewayError, PaymentError, WebhookError
from billkit.payments import EventKind, PaymentRequest, PaymentStatus, SavedMethod
from tests.payments.fakes.harness import YooKassaHarness


@pytest.fixture
def h() -> Iterator[YooKassaHarness]:
    made = YooKassaHarness()
    yield made
    made.close()


def test_amounts_cross_as_decimal_strings_and_the_key_is_passed(h: YooKassaHarness) -> None:
    result = h.gateway.create_payment(h.request(Money("1500.5", "RUB")), "invoice-0001")
    payment = h.fake.payments[result.reference]
    assert payment["amount"] == {"value": "1500.50", "currency": "RUB"}
    assert h.fake.keys_seen == ["invoice-0001"]
    assert result.amount == Money("1500.50", "RUB")


def test_a_redirect_payment_then_the_payer_pays(h: YooKassaHarness) -> None:
    request = PaymentRequest(amount=h.amount, return_url="https://shop.example/back")
    result = h.gateway.create_payment(request, "k-redirect")
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert result.next_action is not None
    assert result.next_action.url.startswith("https://yoomoney.ru/checkout/")
    h.fake.pay(result.reference)
    assert h.gateway.get_payment(result.reference).status is PaymentStatus.SUCCEEDED
    with pytest.raises(PaymentError, match="return_url"):
        h.gateway.create_payment(PaymentRequest(amount=h.amount), "k-no-return")


def test_declines_and_merchant_cancels(h: YooKassaHarness) -> None:
    expired = h.gateway.create_payment(
        PaymentRequest(amount=h.amount, method=SavedMethod(token="pm-expired")), "k1"
    )
    assert expired.status is PaymentStatus.FAILED
    assert expired.failure is not None
    assert (expired.failure.code, expired.failure.retryable) == ("card_expired", False)
    abandoned = h.gateway.create_payment(
        PaymentRequest(amount=h.amount, return_url="https://shop.example/back"), "k2"
    )
    h.fake.pay(abandoned.reference, success=False)
    failed = h.gateway.get_payment(abandoned.reference)
    assert failed.failure is not None
    assert (failed.failure.code, failed.failure.retryable) == ("3d_secure_failed", True)
    held = h.gateway.create_payment(attrs.evolve(h.request(), capture=False), "k3")
    assert held.raw_status == "waiting_for_capture"
    assert h.gateway.cancel(held.reference, idempotency_key="x").status is PaymentStatus.CANCELED


def test_a_500_on_create_is_unknown_and_on_read_a_gateway_error(h: YooKassaHarness) -> None:
    h.fake.fail_next_with_500 = True
    result = h.gateway.create_payment(h.request(), "k-500")
    assert result.status is PaymentStatus.UNKNOWN
    # Repeated with the same Idempotence-Key, as YooKassa documents: now it goes through.
    assert h.gateway.create_payment(h.request(), "k-500").status is PaymentStatus.SUCCEEDED
    h.fake.fail_next_with_500 = True
    with pytest.raises(GatewayError, match="timeout"):
        h.gateway.get_payment(result.reference or "x")


def test_error_answers_name_the_code(h: YooKassaHarness) -> None:
    with pytest.raises(GatewayError, match="not_found"):
        h.gateway.get_payment("2f000099-000f-5000-a000-1d0000000000")
    h.gateway.create_payment(h.request(), "k1")
    with pytest.raises(GatewayError, match="Idempotence key duplicated"):
        h.gateway.create_payment(h.request(Money("10.00", "RUB")), "k1")


def test_wrong_credentials_are_a_gateway_error(h: YooKassaHarness) -> None:
    from billkit.payments.yookassa import YooKassaGateway

    wrong = YooKassaGateway(shop_id="1", secret_key="bad", base_url=str(h.gateway._client.base_url))  # type: ignore[attr-defined]
    with pytest.raises(GatewayError, match="invalid_credentials"):
        wrong.get_payment("x")
    wrong.close()


def test_notifications_are_confirmed_by_refetching(h: YooKassaHarness) -> None:
    held = h.gateway.create_payment(attrs.evolve(h.request(), capture=False), "k-held")
    view = h.fake._view(h.fake.payments[held.reference])
    # A forged "succeeded" for a payment that is only authorised: the API's word wins.
    [event] = h.gateway.parse_webhook({}, h.fake.notification("payment.succeeded", view))
    assert event.kind is EventKind.PAYMENT_PENDING
    forged = {**view, "amount": {"value": "1.00", "currency": "RUB"}}
    with pytest.raises(WebhookError, match=r"object\.amount"):
        h.gateway.parse_webhook({}, h.fake.notification("payment.succeeded", forged))
    missing = {**view, "id": "2f999999-000f-5000-a000-1d0000000000"}
    with pytest.raises(WebhookError, match=r"object\.id"):
        h.gateway.parse_webhook({}, h.fake.notification("payment.succeeded", missing))
    with pytest.raises(WebhookError, match="body"):
        h.gateway.parse_webhook({}, b'{"type": "notification"}')
    assert h.gateway.parse_webhook({}, h.fake.notification("deal.closed", {"id": "d1"})) == ()


def test_a_refund_notification(h: YooKassaHarness) -> None:
    paid = h.gateway.create_payment(h.request(), "k1")
    refund = h.gateway.refund(paid.reference, Money("500.00", "RUB"), idempotency_key="r1")
    note = h.fake.notification("refund.succeeded", h.fake.refunds[refund.reference])
    [event] = h.gateway.parse_webhook({}, note)
    assert (event.kind, event.payment, event.amount) == (
        EventKind.PAYMENT_REFUNDED,
        paid.reference,
        Money("500.00", "RUB"),
    )
    assert json.loads(note)["object"]["amount"] == {"value": "500.00", "currency": "RUB"}


def test_yookassa_limits_are_refused_not_truncated(h: YooKassaHarness) -> None:
    with pytest.raises(PaymentError, match="128"):
        h.gateway.create_payment(attrs.evolve(h.request(), description="x" * 129), "k1")
    with pytest.raises(PaymentError, match="64"):
        h.gateway.create_payment(h.request(), "k" * 65)
    assert h.calls() == 0
