"""The sandbox's magic tokens, each producing the misbehaviour it promises."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import attrs
import pytest
from moneyed import Money

from billkit.errors import GatewayError, PaymentError, WebhookError
from billkit.payments import (
    MAGIC_TOKENS,
    SCHEDULE,
    Failure,
    MethodState,
    PaymentAttempt,
    PaymentRequest,
    PaymentStatus,
    RefundStatus,
    SandboxGateway,
    SavedMethod,
    reconcile,
)
from billkit.ports import FixedClock

AT = datetime(2026, 3, 1, tzinfo=timezone.utc)
TEN = Money("10.00", "EUR")


def setup(**kw: object) -> tuple[SandboxGateway, FixedClock]:
    clock = FixedClock(AT)
    return SandboxGateway(clock=clock, **kw), clock  # type: ignore[arg-type]


def pay(sandbox: SandboxGateway, token: str, key: str = "k", customer: str = "c"):  # type: ignore[no-untyped-def]
    request = PaymentRequest(amount=TEN, method=SavedMethod(token=token), customer=customer)
    return sandbox.create_payment(request, key)


def events(sandbox: SandboxGateway) -> list[tuple[str, str]]:
    return [
        (e.kind.value, e.payment)
        for d in sandbox.deliveries()
        for e in sandbox.parse_webhook(d.headers, d.body)
    ]


@pytest.mark.parametrize(
    ("token", "code", "retryable"),
    [
        ("tok_insufficient_funds", "insufficient_funds", False),
        ("tok_expired_card", "expired_card", False),
    ],
)
def test_hard_declines(token: str, code: str, retryable: bool) -> None:
    sandbox, _ = setup()
    result = pay(sandbox, token)
    assert result.status is PaymentStatus.FAILED
    assert result.failure is not None
    assert (result.failure.code, result.failure.retryable) == (code, retryable)
    assert pay(sandbox, token, "k2").status is PaymentStatus.FAILED  # a retry does not help


def test_a_soft_decline_succeeds_on_retry() -> None:
    sandbox, _ = setup()
    first = pay(sandbox, "tok_soft_decline", "k1")
    assert first.status is PaymentStatus.FAILED
    assert first.failure
    assert first.failure.retryable
    assert pay(sandbox, "tok_soft_decline", "k1").status is PaymentStatus.FAILED  # same key: replay
    assert pay(sandbox, "tok_soft_decline", "k2").status is PaymentStatus.SUCCEEDED


def test_3ds_completed_abandoned_or_left_unanswered() -> None:
    sandbox, clock = setup()
    done = pay(sandbox, "tok_3ds", "k1")
    assert done.status is PaymentStatus.REQUIRES_ACTION
    assert done.next_action is not None
    assert done.next_action.url.endswith("/3ds/pay_0001")
    assert sandbox.authenticate(done.reference, success=True).status is PaymentStatus.SUCCEEDED
    left = pay(sandbox, "tok_3ds", "k2")
    failed = sandbox.authenticate(left.reference, success=False)
    assert failed.failure is not None
    assert failed.failure.code == "authentication_failed"
    idle = pay(sandbox, "tok_3ds", "k3")
    clock.advance(timedelta(minutes=59))
    assert sandbox.get_payment(idle.reference).status is PaymentStatus.REQUIRES_ACTION
    clock.advance(timedelta(minutes=1))
    expired = sandbox.get_payment(idle.reference)
    assert expired.failure is not None
    assert expired.failure.code == "authentication_abandoned"


def test_a_redirect_payment_without_a_saved_method() -> None:
    sandbox, _ = setup()
    result = sandbox.create_payment(
        PaymentRequest(amount=TEN, return_url="https://shop.example/back"), "k"
    )
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert result.next_action is not None
    assert "/checkout/" in result.next_action.url


def test_a_timeout_after_the_charge_went_through() -> None:
    sandbox, _clock = setup()
    request = PaymentRequest(amount=TEN, method=SavedMethod(token="tok_timeout"))
    lost = sandbox.create_payment(request, "k")
    assert (lost.status, lost.reference) == (PaymentStatus.UNKNOWN, "")
    replay = sandbox.create_payment(request, "k")
    assert (replay.status, replay.reference) == (PaymentStatus.SUCCEEDED, "pay_0001")
    assert sandbox.get_payment("pay_0001").status is PaymentStatus.SUCCEEDED


def test_delayed_settlement_and_a_late_bank_debit_failure() -> None:
    sandbox, clock = setup()
    ok = pay(sandbox, "tok_bank_transfer", "k1")
    bad = pay(sandbox, "tok_bank_debit_fails", "k2")
    assert ok.status is bad.status is PaymentStatus.PENDING
    clock.advance(timedelta(days=3) - timedelta(seconds=1))
    assert sandbox.get_payment(ok.reference).status is PaymentStatus.PENDING
    clock.advance(timedelta(seconds=1))
    assert sandbox.get_payment(ok.reference).status is PaymentStatus.SUCCEEDED
    late = sandbox.get_payment(bad.reference)
    assert late.status is PaymentStatus.FAILED
    assert late.failure
    assert late.failure.code == "debit_failed"


def test_partial_refunds_and_a_failing_refund() -> None:
    sandbox, _ = setup()
    ok = pay(sandbox, "tok_visa", "k1")
    three = Money("3.00", "EUR")
    assert (
        sandbox.refund(ok.reference, three, idempotency_key="r1").status is RefundStatus.SUCCEEDED
    )
    assert (
        sandbox.refund(ok.reference, three, idempotency_key="r1").reference == "re_0001"
    )  # replay
    assert sandbox.get_payment(ok.reference).refunded == three
    with pytest.raises(GatewayError, match="amount_too_large"):
        sandbox.refund(ok.reference, Money("7.01", "EUR"), idempotency_key="r2")
    with pytest.raises(GatewayError, match="idempotency_key_in_use"):
        sandbox.refund(ok.reference, Money("1.00", "EUR"), idempotency_key="r1")
    failing = pay(sandbox, "tok_refund_fails", "k2")
    refused = sandbox.refund(failing.reference, idempotency_key="r3")
    assert refused.status is RefundStatus.FAILED
    assert refused.failure is not None
    assert sandbox.get_payment(failing.reference).refunded == Money("0.00", "EUR")


@pytest.mark.parametrize(
    ("token", "outcome"), [("tok_dispute_won", "dispute.won"), ("tok_dispute_lost", "dispute.lost")]
)
def test_disputes_open_then_close(token: str, outcome: str) -> None:
    sandbox, clock = setup()
    ref = pay(sandbox, token).reference
    assert events(sandbox) == [("payment.succeeded", ref)]
    clock.advance(timedelta(days=1))
    assert events(sandbox) == [("dispute.opened", ref)]
    clock.advance(timedelta(days=2))
    assert events(sandbox) == [(outcome, ref)]


def test_a_badly_signed_webhook_is_refused() -> None:
    sandbox, _ = setup()
    pay(sandbox, "tok_bad_signature")
    [delivery] = sandbox.deliveries()
    with pytest.raises(WebhookError, match="webhook-signature"):
        sandbox.parse_webhook(delivery.headers, delivery.body)


def test_duplicated_and_delayed_webhooks_are_deterministic_per_seed() -> None:
    def run(seed: int) -> list[tuple[str, str]]:
        sandbox, clock = setup(seed=seed, duplicates="0.5", max_delay=timedelta(minutes=10))
        for n in range(6):
            pay(sandbox, "tok_visa", f"k{n}")
        assert sandbox.deliveries() == [] or True  # some may be due at once (no delay drawn)
        clock.advance(timedelta(minutes=10))
        return [(d.headers["webhook-id"], d.due.isoformat()) for d in sandbox.deliveries()]

    first = run(7)
    assert first == run(7)
    ids = [i for i, _ in first]
    assert len(ids) >= 6  # every event at least once


def test_every_magic_token_is_documented() -> None:
    import billkit.payments.sandbox as module

    for token in MAGIC_TOKENS:
        assert f"``{token}``" in (module.__doc__ or "")


def test_saved_method_state_and_payment_method_limits_apply_before_the_call() -> None:
    from billkit.credit import Commission, PaymentMethod

    sandbox, _ = setup(currencies=["RUB"], minimums=[])
    expired = SavedMethod(token="tok_visa", state=MethodState.EXPIRED)
    with pytest.raises(PaymentError, match=r"method\.state"):
        sandbox.create_payment(PaymentRequest(amount=Money("100.00", "RUB"), method=expired), "k")
    hosting = PaymentMethod(
        name="card",
        commission=Commission(rate="5%", fixed=Money("10.00", "RUB")),
        min_amount=Money("10.00", "RUB"),
        max_amount=Money("3000.00", "RUB"),
    )
    # 20.00 to credit: 20.00 + 5 % (1.00) + 10.00 = 31.00 to pay, within 10.00..3 000.00.
    request = PaymentRequest.for_net(
        hosting, Money("20.00", "RUB"), method=SavedMethod(token="tok_visa")
    )
    assert sandbox.create_payment(request, "k1").amount == Money("31.00", "RUB")
    with pytest.raises(PaymentError, match="limits"):
        sandbox.create_payment(
            PaymentRequest(amount=Money("3000.01", "RUB"), payment_method=hosting), "k2"
        )
    with pytest.raises(PaymentError, match="decimal places"):
        sandbox.create_payment(PaymentRequest(amount=Money("10.005", "RUB")), "k3")


def test_reconciliation_follows_the_schedule_and_gives_up_after_five_days() -> None:
    sandbox, clock = setup(settlement_delay=timedelta(days=30))
    attempt = PaymentAttempt.start(
        sandbox, PaymentRequest(amount=TEN, method=SavedMethod(token="tok_bank_transfer")), "k", AT
    )
    checked = []
    for offset in SCHEDULE:
        clock.set(AT + offset)
        [attempt] = reconcile(sandbox, [attempt], clock.now())
        checked.append(attempt.checks)
    assert checked == [1, 2, 3, 4, 5, 6, 7]
    assert attempt.exhausted
    assert attempt.next_check is None
    assert [str(s) for s in SCHEDULE] == [
        "0:05:00",
        "1:00:00",
        "1 day, 0:00:00",
        "2 days, 0:00:00",
        "3 days, 0:00:00",
        "4 days, 0:00:00",
        "5 days, 0:00:00",
    ]


def test_saved_method_states_follow_the_charges() -> None:
    sandbox, _ = setup()
    card = SavedMethod(token="tok_insufficient_funds")
    failed = card.after(pay(sandbox, "tok_insufficient_funds", "k1"))
    assert failed.state is MethodState.FAILED
    with pytest.raises(PaymentError, match="active"):
        sandbox.create_payment(PaymentRequest(amount=TEN, method=failed), "k2")
    expired = SavedMethod(token="tok_expired_card").after(pay(sandbox, "tok_expired_card", "k3"))
    assert expired.state is MethodState.EXPIRED
    working = SavedMethod(token="tok_visa", state=MethodState.FAILED)
    assert working.after(pay(sandbox, "tok_visa", "k4")).state is MethodState.ACTIVE
    pending = pay(sandbox, "tok_bank_transfer", "k5")
    assert working.after(pending) is working


def test_a_final_state_is_kept_whatever_arrives_later() -> None:
    sandbox, _ = setup()
    attempt = PaymentAttempt.start(
        sandbox, PaymentRequest(amount=TEN, method=SavedMethod(token="tok_visa")), "k", AT
    )
    assert attempt.newly_succeeded
    failed_later = attrs.evolve(
        attempt.result, status=PaymentStatus.FAILED, failure=Failure(code="x")
    )
    kept = attempt.observe(failed_later)
    assert (kept.status, kept.newly_succeeded) == (PaymentStatus.SUCCEEDED, False)
    sandbox.refund(attempt.reference, Money("4.00", "EUR"), idempotency_key="r")
    refreshed = kept.observe(sandbox.get_payment(attempt.reference))
    assert refreshed.result.refunded == Money("4.00", "EUR")
    assert not refreshed.newly_succeeded
    with pytest.raises(PaymentError, match="reference"):
        PaymentAttempt.start(
            sandbox,
            PaymentRequest(amount=TEN, method=SavedMethod(token="tok_bank_transfer")),
            "k2",
            AT,
        ).observe(sandbox.get_payment("pay_0001"))
