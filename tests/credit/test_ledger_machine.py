"""A stateful test of the ledger (issue 17) and of its versions (issue 10).

A hypothesis ``RuleBasedStateMachine`` drives one ledger through random
grants (some expiring, some earned by a payment), top-ups, charges, refunds,
expiries, pending payments (expected, confirmed, cancelled) and reloads from
its own entries, with moments in America/New_York walking through the
2026-11-01 daylight-saving fold. Some keys are picked to collide with keys
billkit derives (``<lot>/expiry``, ``<refund>/clawback``). After every step:

* each wallet's balance is the sum of its entries;
* the ledger reloads from its own entries, pending payments and wallets, with
  the same balances and open credit;
* refunds never pay out bonus money: a refund takes from a paid lot, and the
  cash refunded from a payment never exceeds what it paid;
* every key is unique, and no entry uses a pending payment's key;
* a refused operation leaves the ledger as it was;
* every older version kept along the way still has exactly its entries and
  balance (posting to a newer or a sibling version never changes it).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from billkit.credit import CreditKind, EntryKind, Ledger, PendingPayment, Wallet
from billkit.errors import BillkitError
from billkit.money import Money
from tests.fuzz._support import examples

UTC = timezone.utc
NY = ZoneInfo("America/New_York")
START = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # 00:00 EDT; the fold is 05:00Z-07:00Z
cents = st.integers(min_value=1, max_value=5000).map(lambda n: Decimal(n).scaleb(-2))
fine = st.integers(min_value=1, max_value=500000).map(lambda n: Decimal(n).scaleb(-4))


def snapshot(ledger: Ledger) -> tuple[Any, ...]:
    return (
        tuple(ledger.entries),
        ledger.pending,
        ledger.balance("main"),
        ledger.credits("main"),
    )


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.ledger = Ledger(wallets=[Wallet(name="main", currency="EUR")])
        self.now = START
        self.n = 0
        self.kept: list[tuple[Ledger, tuple[Any, ...]]] = []

    # -- helpers -----------------------------------------------------------

    def at(self, minutes: int) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now.astimezone(NY)  # fold set right by astimezone

    def key(self, choice: int) -> str:
        """A fresh key, or one aimed at a key billkit derives or already used."""
        self.n += 1
        keys = [e.key for e in self.ledger.entries]
        if choice == 1 and keys:
            return f"{keys[self.n % len(keys)]}/expiry"
        if choice == 2 and keys:
            return f"{keys[self.n % len(keys)]}/clawback"
        if choice == 3 and keys:
            return keys[self.n % len(keys)]
        return f"k{self.n}"

    def attempt(self, make: Any) -> None:
        before = snapshot(self.ledger)
        try:
            self.ledger = make()
        except BillkitError:
            assert snapshot(self.ledger) == before  # refused: nothing changed

    def paid_keys(self) -> list[str]:
        return [
            e.key
            for e in self.ledger.entries
            if e.kind is EntryKind.TOP_UP and e.credit_kind is CreditKind.PAID
        ]

    # -- rules --------------------------------------------------------------

    @rule(amount=cents, minutes=st.integers(0, 90), choice=st.integers(0, 3))
    def top_up(self, amount: Decimal, minutes: int, choice: int) -> None:
        at, key = self.at(minutes), self.key(choice)
        self.attempt(lambda: self.ledger.top_up("main", amount, at=at, key=key))

    @rule(
        amount=cents,
        minutes=st.integers(0, 90),
        expires=st.none() | st.integers(1, 240),
        earned=st.booleans(),
        choice=st.integers(0, 3),
    )
    def grant(
        self, amount: Decimal, minutes: int, expires: int | None, earned: bool, choice: int
    ) -> None:
        at = self.at(minutes)
        paid = self.paid_keys()
        source = paid[-1] if earned and paid else ""
        key = f"{source}/bonus" if source and choice == 0 else self.key(choice)
        until = None if expires is None else at + timedelta(minutes=expires)
        self.attempt(
            lambda: self.ledger.grant(
                "main", amount, at=at, key=key, expires_at=until, source=source
            )
        )

    @rule(amount=fine, minutes=st.integers(0, 90), choice=st.integers(0, 3))
    def charge(self, amount: Decimal, minutes: int, choice: int) -> None:
        at, key = self.at(minutes), self.key(choice)
        self.attempt(lambda: self.ledger.charge("main", amount, at=at, key=key))

    @precondition(lambda self: bool(self.paid_keys()))
    @rule(data=st.data(), minutes=st.integers(0, 90), choice=st.integers(0, 3))
    def refund(self, data: st.DataObject, minutes: int, choice: int) -> None:
        payment = data.draw(st.sampled_from(self.paid_keys()))
        at, key = self.at(minutes), self.key(choice)
        most = self.ledger.expire(at).refundable("main", payment).amount
        amount = data.draw(st.sampled_from([most, most / 2, most + Decimal("0.01")]))
        amount = amount.quantize(Decimal("0.01"))
        self.attempt(lambda: self.ledger.refund("main", payment, amount, at=at, key=key))

    @rule(minutes=st.integers(0, 300))
    def expire(self, minutes: int) -> None:
        at = self.at(minutes)
        self.attempt(lambda: self.ledger.expire(at))

    @rule(amount=cents, minutes=st.integers(0, 30), choice=st.integers(0, 3))
    def expect(self, amount: Decimal, minutes: int, choice: int) -> None:
        at, key = self.at(minutes), self.key(choice)
        self.attempt(
            lambda: self.ledger.expect(
                PendingPayment(key=key, wallet="main", amount=Money(amount, "EUR"), at=at)
            )
        )

    @precondition(lambda self: bool(self.ledger.pending))
    @rule(data=st.data(), minutes=st.integers(0, 90), cancel=st.booleans())
    def settle(self, data: st.DataObject, minutes: int, cancel: bool) -> None:
        payment = data.draw(st.sampled_from(self.ledger.pending))
        at = self.at(minutes)
        if cancel:
            self.attempt(lambda: self.ledger.cancel(payment.key))
        else:
            self.attempt(lambda: self.ledger.confirm(payment.key, at=at))

    @rule()
    def reload(self) -> None:
        ledger = self.ledger
        self.ledger = Ledger(wallets=ledger.wallets, entries=ledger.entries, pending=ledger.pending)
        assert self.ledger == ledger

    @rule()
    def keep(self) -> None:
        """Keep this version: later posts to it or to newer ones must not change it."""
        self.kept.append((self.ledger, snapshot(self.ledger)))

    @precondition(lambda self: bool(self.kept))
    @rule(data=st.data())
    def go_back(self, data: st.DataObject) -> None:
        """Carry on from an older version (a branch: its log is copied on divergence)."""
        self.ledger = data.draw(st.sampled_from(self.kept))[0]
        last = self.ledger.entries[-1].at if self.ledger.entries else START
        self.now = max(self.now, last.astimezone(UTC))

    # -- invariants ---------------------------------------------------------

    @invariant()
    def balance_is_the_sum_of_the_entries(self) -> None:
        total = sum((e.amount.amount for e in self.ledger.entries), Decimal(0))
        assert self.ledger.balance("main").amount == total

    @invariant()
    def reloads_from_its_own_entries(self) -> None:
        ledger = self.ledger
        again = Ledger(wallets=ledger.wallets, entries=ledger.entries, pending=ledger.pending)
        assert again.balance("main") == ledger.balance("main")
        assert again.credits("main") == ledger.credits("main")
        assert again.debt("main") == ledger.debt("main")

    @invariant()
    def refunds_never_pay_out_bonus(self) -> None:
        entries = {e.key: e for e in self.ledger.entries}
        refunded: dict[str, Decimal] = {}
        for e in self.ledger.entries:
            if e.kind is EntryKind.REFUND:
                lot = entries[e.source]
                assert lot.credit_kind is not None
                assert lot.credit_kind.cash
                refunded[e.source] = refunded.get(e.source, Decimal(0)) - e.amount.amount
        for source, cash in refunded.items():
            assert cash <= entries[source].amount.amount

    @invariant()
    def every_key_is_unique(self) -> None:
        keys = [e.key for e in self.ledger.entries]
        assert len(keys) == len(set(keys))
        assert not set(keys) & {p.key for p in self.ledger.pending}

    @invariant()
    def older_versions_are_unchanged(self) -> None:
        for version, seen in self.kept:
            assert snapshot(version) == seen


# quick: 60 runs; deep profile (`pytest -m fuzz`): 400 runs of up to 30 steps
LedgerMachine.TestCase.settings = settings(
    examples(quick=60, deep=400),
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestLedgerMachine = pytest.mark.fuzz(LedgerMachine.TestCase)
