"""The gateway contract: the sandbox and every provider adapter, each against
its local fake server, must behave the same way through the port."""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pytest
from moneyed import Money

from billkit.errors import CurrencyMismatchError, GatewayError, PaymentError, WebhookError
from billkit.payments import EventKind, PaymentAttempt, PaymentStatus, RefundStatus, reconcile
from billkit.payments.reconcile import SCHEDULE
from billkit.ports import PaymentGateway
from tests.payments.fakes.harness import (
    Harness,
    RobokassaHarness,
    SandboxHarness,
    StripeHarness,
    YooKassaHarness,
    ZarinpalHarness,
)

FACTORIES = {
    "sandbox": SandboxHarness,
    "stripe": StripeHarness,
    "yookassa": YooKassaHarness,
    "robokassa": RobokassaHarness,
    "zarinpal": ZarinpalHarness,
}


@pytest.fixture(params=sorted(FACTORIES))
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    made = FACTORIES[request.param]()
    try:
        yield made
    finally:
        made.close()


def paid(h: Harness, key: str, amount: Money | None = None):  # type: ignore[no-untyped-def]
    """A payment taken through the gateway, the payer's part played if needed."""
    result = h.gateway.create_payment(h.request(amount), key)
    if result.status is PaymentStatus.REQUIRES_ACTION:
        assert result.next_action is not None
        assert result.next_action.url.startswith("http")
        h.complete(result)
        result = h.gateway.get_payment(result.reference)
    return result


def test_is_a_payment_gateway(harness: Harness) -> None:
    assert isinstance(harness.gateway, PaymentGateway)
    caps = harness.gateway.capabilities
    assert harness.amount.currency.code in caps.currencies
    assert harness.foreign.currency.code not in caps.currencies


def test_a_foreign_currency_is_refused_before_any_call(harness: Harness) -> None:
    before = harness.calls()
    with pytest.raises(CurrencyMismatchError, match="amount"):
        harness.gateway.create_payment(harness.request(harness.foreign), "k-foreign")
    assert harness.calls() == before


def test_an_amount_below_the_minimum_is_refused_before_any_call(harness: Harness) -> None:
    before = harness.calls()
    with pytest.raises(PaymentError, match="minimum"):
        harness.gateway.create_payment(harness.request(harness.below_minimum), "k-small")
    assert harness.calls() == before


def test_an_approved_payment_succeeds_with_the_exact_amount(harness: Harness) -> None:
    result = paid(harness, "k-ok")
    assert result.status is PaymentStatus.SUCCEEDED
    assert result.amount == harness.amount
    assert result.reference
    again = harness.gateway.get_payment(result.reference)
    assert (again.status, again.amount) == (PaymentStatus.SUCCEEDED, harness.amount)


def test_a_declined_payment_fails_with_a_code(harness: Harness) -> None:
    result = harness.gateway.create_payment(harness.request(good=False), "k-bad")
    if result.status is PaymentStatus.REQUIRES_ACTION:
        harness.complete(result)
        result = harness.gateway.get_payment(result.reference)
    assert result.status is PaymentStatus.FAILED
    assert result.failure is not None
    assert result.failure.code


def test_the_same_idempotency_key_makes_one_payment(harness: Harness) -> None:
    request = harness.request()
    first = harness.gateway.create_payment(request, "k-once")
    calls = harness.calls()
    second = harness.gateway.create_payment(request, "k-once")
    assert second.reference == first.reference
    assert harness.calls() - calls <= 1  # at most the replayed request itself


def test_a_lost_answer_is_unknown_and_reconciliation_resolves_it(harness: Harness) -> None:
    if not harness.lose_next_answer():
        pytest.skip(f"creating a {harness.gateway.name} payment makes no call: no answer to lose")
    request = harness.request()
    attempt = PaymentAttempt.start(harness.gateway, request, "k-lost", harness.clock.now())
    assert attempt.status is PaymentStatus.UNKNOWN
    assert reconcile(harness.gateway, [attempt], harness.clock.now()) == [attempt]  # not due yet
    harness.clock.advance(SCHEDULE[0])
    [attempt] = reconcile(harness.gateway, [attempt], harness.clock.now())
    if attempt.status is PaymentStatus.REQUIRES_ACTION:  # a redirect gateway: the payer pays
        harness.complete(attempt.result)
        attempt = attempt.observe(harness.gateway.get_payment(attempt.reference))
    assert attempt.status is PaymentStatus.SUCCEEDED
    assert attempt.newly_succeeded
    assert harness.gateway.get_payment(attempt.reference).amount == harness.amount


def test_a_genuine_webhook_is_accepted_and_a_tampered_one_refused(harness: Harness) -> None:
    result = paid(harness, "k-hook")
    headers, body = harness.webhook(result.reference)
    [event] = harness.gateway.parse_webhook(headers, body)
    assert event.kind is EventKind.PAYMENT_SUCCEEDED
    assert event.payment == result.reference
    reply = harness.gateway.webhook_response(event)
    assert 200 <= reply.status < 300
    headers, body = harness.webhook(result.reference)
    tampered = bytearray(body)
    tampered[len(tampered) // 2] ^= 0x01
    with pytest.raises(WebhookError):
        harness.gateway.parse_webhook(headers, bytes(tampered))


def test_refund_half_then_the_rest(harness: Harness) -> None:
    caps = harness.gateway.capabilities
    if not caps.refunds:
        pytest.skip(f"{harness.gateway.name} offers no refunds through its API")
    result = paid(harness, "k-refund")
    if not caps.partial_refunds:
        with pytest.raises(PaymentError, match="amount"):
            harness.gateway.refund(result.reference, harness.amount / 2, idempotency_key="r-0")
        whole = harness.gateway.refund(result.reference, idempotency_key="r-1")
        assert (whole.status, whole.amount) == (RefundStatus.SUCCEEDED, harness.amount)
        assert harness.gateway.get_payment(result.reference).refunded == harness.amount
        with pytest.raises(GatewayError):
            harness.gateway.refund(result.reference, idempotency_key="r-2")
        return
    half = Money(harness.amount.amount / 2, harness.amount.currency)
    refund = harness.gateway.refund(result.reference, half, idempotency_key="r-1")
    assert (refund.status, refund.amount) == (RefundStatus.SUCCEEDED, half)
    assert harness.gateway.get_payment(result.reference).refunded == half
    rest = harness.gateway.refund(result.reference, idempotency_key="r-2")
    assert rest.amount == harness.amount - half
    with pytest.raises(GatewayError):
        harness.gateway.refund(result.reference, half, idempotency_key="r-3")


def test_an_unknown_reference_is_a_gateway_error(harness: Harness) -> None:
    with pytest.raises(GatewayError):
        harness.gateway.get_payment("no-such-payment-0000")


def test_authorise_then_capture_or_cancel(harness: Harness) -> None:
    caps = harness.gateway.capabilities
    if not caps.manual_capture:
        pytest.skip(f"{harness.gateway.name} captures at once")
    held = harness.gateway.create_payment(attrs.evolve(harness.request(), capture=False), "k-hold")
    if held.status is PaymentStatus.REQUIRES_ACTION:
        harness.complete(held)
        held = harness.gateway.get_payment(held.reference)
    assert held.status is PaymentStatus.PENDING
    captured = harness.gateway.capture(held.reference, idempotency_key="c-1")
    assert (captured.status, captured.amount) == (PaymentStatus.SUCCEEDED, harness.amount)
    other = harness.gateway.create_payment(
        attrs.evolve(harness.request(), capture=False), "k-hold2"
    )
    if other.status is PaymentStatus.REQUIRES_ACTION:
        harness.complete(other)
    canceled = harness.gateway.cancel(other.reference, idempotency_key="x-1")
    assert canceled.status is PaymentStatus.CANCELED


def test_the_same_webhook_twice_credits_once(harness: Harness) -> None:
    request = harness.request()
    attempt = PaymentAttempt.start(harness.gateway, request, "k-twice", harness.clock.now())
    if attempt.status is PaymentStatus.REQUIRES_ACTION:
        harness.complete(attempt.result)
    credited = int(attempt.newly_succeeded)
    for _ in range(2):
        headers, body = harness.webhook(attempt.reference)
        try:
            events = harness.gateway.parse_webhook(headers, body)
        except WebhookError:
            continue  # refused as a replay (Standard Webhooks): nothing happens
        for event in events:
            attempt = attempt.observe_event(event)
            credited += int(attempt.newly_succeeded)
    [attempt] = reconcile(harness.gateway, [attempt], harness.clock.now() + SCHEDULE[-1])
    credited += int(attempt.newly_succeeded)
    assert attempt.status is PaymentStatus.SUCCEEDED
    assert credited == 1
