"""Stripe specifics, against the local fake speaking Stripe's documented API."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator

import pytest
from moneyed import Money

from billkit.errors import GatewayError, MissingDependencyError, PaymentError, WebhookError
from billkit.payments import EventKind, PaymentRequest, PaymentStatus, SavedMethod
from tests.payments.fakes.harness import StripeHarness


@pytest.fixture
def h() -> Iterator[StripeHarness]:
    made = StripeHarness()
    yield made
    made.close()


def test_amounts_cross_in_minor_units_and_the_key_is_passed(h: StripeHarness) -> None:
    request = PaymentRequest(amount=Money("19.90", "EUR"), method=SavedMethod(token="pm_card_visa"))
    result = h.gateway.create_payment(request, "invoice-0001")
    intent = h.fake.intents[result.reference]
    # 19.90 EUR = 1990 cents; currencies go lower-case; the key travels as Idempotency-Key.
    assert (intent["amount"], intent["currency"]) == (1990, "eur")
    assert h.fake.keys_seen == ["invoice-0001"]
    assert intent["metadata"]["billkit_key"] == "invoice-0001"
    yen = h.gateway.create_payment(
        PaymentRequest(amount=Money("500", "JPY"), method=SavedMethod(token="pm_card_visa")),
        "k-jpy",
    )
    assert h.fake.intents[yen.reference]["amount"] == 500  # JPY has no minor unit
    assert yen.amount == Money("500", "JPY")


def test_3ds_maps_to_requires_action_with_the_redirect(h: StripeHarness) -> None:
    request = PaymentRequest(
        amount=h.amount,
        method=SavedMethod(token="pm_card_authenticationRequired"),
        return_url="https://shop.example/back",
    )
    result = h.gateway.create_payment(request, "k-3ds")
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert result.next_action is not None
    assert result.next_action.url.startswith("https://hooks.stripe.com/3d_secure_2/")
    h.fake.authenticate(result.reference, success=False)
    failed = h.gateway.get_payment(result.reference)
    assert failed.status is PaymentStatus.FAILED
    assert failed.failure is not None
    assert failed.failure.code == "payment_intent_authentication_failure"
    assert failed.failure.retryable


def test_an_expired_card_is_a_hard_decline(h: StripeHarness) -> None:
    request = PaymentRequest(
        amount=h.amount, method=SavedMethod(token="pm_card_chargeDeclinedExpiredCard")
    )
    result = h.gateway.create_payment(request, "k-exp")
    assert result.status is PaymentStatus.FAILED
    assert result.failure is not None
    assert (result.failure.code, result.failure.retryable) == ("expired_card", False)


def test_error_responses_become_gateway_errors(h: StripeHarness) -> None:
    with pytest.raises(GatewayError, match="resource_missing"):
        h.gateway.get_payment("pi_missing")
    paid = h.gateway.create_payment(h.request(), "k1")
    with pytest.raises(GatewayError, match="payment_intent_unexpected_state"):
        h.gateway.capture(paid.reference, idempotency_key="c1")
    with pytest.raises(GatewayError, match="idempotency"):
        h.gateway.create_payment(h.request(Money("30.00", "EUR")), "k1")  # same key, other request
    with pytest.raises(PaymentError, match="method"):
        h.gateway.create_payment(PaymentRequest(amount=h.amount), "k-no-method")


def test_a_wrong_api_key_is_a_gateway_error() -> None:
    from billkit.payments.stripe import StripeGateway
    from tests.payments.fakes.server import serve
    from tests.payments.fakes.stripe_fake import StripeFake

    h = StripeHarness()
    try:
        with serve(StripeFake()) as base:
            bad = StripeGateway("sk_test_wrong", webhook_secret="x", clock=h.clock, base_url=base)
            with pytest.raises(GatewayError, match="Invalid API Key"):
                bad.get_payment("pi_0001")
            bad.close()
    finally:
        h.close()


def test_a_timeout_on_a_read_is_a_gateway_error(h: StripeHarness) -> None:
    paid = h.gateway.create_payment(h.request(), "k1")
    h.fake.slow_next = True
    with pytest.raises(GatewayError, match="timeout"):
        h.gateway.get_payment(paid.reference)


def test_stripe_signature_refusals(h: StripeHarness) -> None:
    paid = h.gateway.create_payment(h.request(), "k1")
    at = int(h.clock.now().timestamp())
    body = h.fake.event("payment_intent.succeeded", h.fake.intents[paid.reference], at)
    stale = at - 301
    for headers in (
        {},
        {"Stripe-Signature": h.fake.signature_header(body, at, secret="whsec_other")},
        {"Stripe-Signature": h.fake.signature_header(body, stale).replace(f"t={stale}", f"t={at}")},
        {"Stripe-Signature": h.fake.signature_header(body, stale)},
    ):
        with pytest.raises(WebhookError, match="Stripe-Signature"):
            h.gateway.parse_webhook(headers, body)


def test_refund_and_dispute_events(h: StripeHarness) -> None:
    at = int(h.clock.now().timestamp())
    cases = [
        (
            "charge.refunded",
            {"payment_intent": "pi_1", "amount_refunded": 1000, "currency": "eur"},
            EventKind.PAYMENT_REFUNDED,
            Money("10.00", "EUR"),
        ),
        (
            "charge.dispute.created",
            {
                "payment_intent": "pi_1",
                "amount": 2000,
                "currency": "eur",
                "status": "needs_response",
            },
            EventKind.DISPUTE_OPENED,
            Money("20.00", "EUR"),
        ),
        (
            "charge.dispute.closed",
            {"payment_intent": "pi_1", "amount": 2000, "currency": "eur", "status": "lost"},
            EventKind.DISPUTE_LOST,
            Money("20.00", "EUR"),
        ),
        (
            "charge.dispute.closed",
            {"payment_intent": "pi_1", "amount": 2000, "currency": "eur", "status": "won"},
            EventKind.DISPUTE_WON,
            Money("20.00", "EUR"),
        ),
    ]
    for kind, obj, expected, amount in cases:
        body = h.fake.event(kind, obj, at)
        [event] = h.gateway.parse_webhook(
            {"stripe-signature": h.fake.signature_header(body, at)}, body
        )
        assert (event.kind, event.payment, event.amount) == (expected, "pi_1", amount)
    body = h.fake.event("customer.created", {"id": "cus_1"}, at)
    assert (
        h.gateway.parse_webhook({"Stripe-Signature": h.fake.signature_header(body, at)}, body) == ()
    )
    body = json.dumps({"id": "evt_2", "type": "payment_intent.succeeded"}).encode()
    with pytest.raises(WebhookError, match="body"):
        h.gateway.parse_webhook({"Stripe-Signature": h.fake.signature_header(body, at)}, body)


def test_without_the_library_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime, timezone

    from billkit.payments.stripe import StripeGateway
    from billkit.ports import FixedClock

    monkeypatch.setitem(sys.modules, "stripe", None)
    with pytest.raises(MissingDependencyError, match=r"py-billkit\[stripe\]"):
        StripeGateway(
            "sk", webhook_secret="x", clock=FixedClock(datetime(2026, 1, 1, tzinfo=timezone.utc))
        )
