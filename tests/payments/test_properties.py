"""Property: whatever the webhooks do (duplicated, reordered, delayed, badly
signed) and whenever reconciliation runs, every payment ends in exactly one
final state, the provider's, and the ledger is credited exactly once per
succeeded payment."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from billkit.credit import Ledger, Wallet
from billkit.errors import GatewayError, WebhookError
from billkit.payments import (
    SCHEDULE,
    PaymentAttempt,
    PaymentRequest,
    PaymentStatus,
    SandboxGateway,
    SavedMethod,
    reconcile,
)
from billkit.ports import FixedClock

AT = datetime(2026, 3, 1, tzinfo=timezone.utc)
TOKENS = [
    "tok_visa",
    "tok_insufficient_funds",
    "tok_expired_card",
    "tok_soft_decline",
    "tok_3ds",
    "tok_timeout",
    "tok_bank_transfer",
    "tok_bank_debit_fails",
    "tok_bad_signature",
    "tok_dispute_lost",
]
STEPS = st.one_of(
    st.tuples(st.just("advance"), st.integers(min_value=1, max_value=3 * 24 * 60)),
    st.tuples(st.just("deliver"), st.just(0)),
    st.tuples(st.just("reconcile"), st.just(0)),
    st.tuples(st.just("authenticate"), st.integers(min_value=0, max_value=11)),
)


class Merchant:
    """What a merchant's code does: track attempts, credit on newly_succeeded."""

    def __init__(self, sandbox: SandboxGateway, clock: FixedClock) -> None:
        self.sandbox = sandbox
        self.clock = clock
        self.attempts: dict[str, PaymentAttempt] = {}
        self.ledger = Ledger(wallets=[Wallet(name="main", currency="EUR")])
        self.credits: Counter[str] = Counter()

    def _settle(self, attempt: PaymentAttempt) -> None:
        self.attempts[attempt.key] = attempt
        if attempt.newly_succeeded:
            self.credits[attempt.key] += 1
            self.ledger = self.ledger.top_up(
                "main", attempt.result.amount, at=self.clock.now(), key=attempt.key
            )

    def pay(self, key: str, token: str, amount: Money) -> None:
        request = PaymentRequest(amount=amount, method=SavedMethod(token=token), customer=key)
        self._settle(PaymentAttempt.start(self.sandbox, request, key, self.clock.now()))

    def deliver(self) -> None:
        by_reference = {a.reference: a for a in self.attempts.values() if a.reference}
        for delivery in self.sandbox.deliveries():
            try:
                events = self.sandbox.parse_webhook(delivery.headers, delivery.body)
            except WebhookError:
                continue  # refused: nothing happens
            for event in events:
                attempt = by_reference.get(event.payment)
                if attempt is not None:
                    attempt = self.attempts[attempt.key].observe_event(event)
                    self._settle(attempt)

    def reconcile(self) -> None:
        for attempt in reconcile(self.sandbox, list(self.attempts.values()), self.clock.now()):
            self._settle(attempt)

    def authenticate(self, index: int, success: bool) -> None:
        waiting = [a for a in self.attempts.values() if a.status is PaymentStatus.REQUIRES_ACTION]
        if waiting:
            attempt = waiting[index % len(waiting)]
            try:
                result = self.sandbox.authenticate(attempt.reference, success=success)
            except GatewayError:
                return  # the page expired while the merchant's view was stale
            self._settle(attempt.observe(result))


@given(
    seed=st.integers(min_value=0, max_value=2**16),
    tokens=st.lists(st.sampled_from(TOKENS), min_size=1, max_size=8),
    duplicates=st.sampled_from(["0", "0.3", "1"]),
    max_delay=st.sampled_from([0, 5, 90]),
    steps=st.lists(STEPS, max_size=25),
)
def test_each_payment_ends_final_and_is_credited_once(
    seed: int, tokens: list[str], duplicates: str, max_delay: int, steps: list[tuple[str, int]]
) -> None:
    clock = FixedClock(AT)
    sandbox = SandboxGateway(
        seed=seed, clock=clock, duplicates=duplicates, max_delay=timedelta(minutes=max_delay)
    )
    merchant = Merchant(sandbox, clock)
    for n, token in enumerate(tokens):
        merchant.pay(f"p{n}", token, Money(f"{10 + n}.00", "EUR"))
    for action, value in steps:
        if action == "advance":
            clock.advance(timedelta(minutes=value))
        elif action == "deliver":
            merchant.deliver()
        elif action == "reconcile":
            merchant.reconcile()
        else:
            merchant.authenticate(value, success=value % 2 == 0)
    # Then the schedule runs to its end, webhooks arriving in between.
    start = clock.now()
    for offset in SCHEDULE:
        clock.set(max(clock.now(), start + offset + timedelta(hours=1)))
        merchant.deliver()
        merchant.reconcile()
    merchant.deliver()

    succeeded = Money("0.00", "EUR")
    for key, attempt in merchant.attempts.items():
        assert attempt.result.final, (key, attempt.status)
        truth = sandbox.get_payment(attempt.reference)
        assert attempt.status is truth.status  # the provider's own record
        expected = 1 if attempt.status is PaymentStatus.SUCCEEDED else 0
        assert merchant.credits[key] == expected, (key, attempt.status)
        if expected:
            succeeded += attempt.result.amount
    assert sum(merchant.credits.values()) == sum(
        1 for a in merchant.attempts.values() if a.status is PaymentStatus.SUCCEEDED
    )
    assert merchant.ledger.balances()["main"] == succeeded
