"""Ledger versions (issue 10): posting is amortised O(1) because versions share
their entries, yet every version keeps exactly its own.

A generated tree of versions: each step posts a top-up or a charge to any
earlier version (the newest, or an older one, which then diverges). Every
version must still have exactly the entries of its own path, its balance the
sum of them, ``balance(at)`` the sum of those up to ``at``, and equal the
ledger rebuilt from its entries.
"""

from __future__ import annotations

import pickle
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.credit import Entry, EntryKind, Ledger, Wallet
from billkit.errors import BillkitError, InsufficientFundsError
from billkit.money import Money

START = datetime(2026, 3, 1, tzinfo=timezone.utc)

steps = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=10_000),  # which earlier version (mod count)
        st.booleans(),  # top-up (True) or charge
        st.integers(min_value=1, max_value=3000),  # cents
        st.sampled_from(["main", "tracking"]),
    ),
    min_size=1,
    max_size=40,
)


def fresh() -> Ledger:
    return Ledger(
        wallets=[Wallet(name="main", currency="EUR"), Wallet(name="tracking", currency="EUR")]
    )


@given(steps)
def test_every_version_keeps_its_own_entries(plan: list[tuple[int, bool, int, str]]) -> None:
    versions: list[tuple[Ledger, tuple[Entry, ...]]] = [(fresh(), ())]
    for n, (pick, credit, cents, wallet) in enumerate(plan):
        parent, expected = versions[pick % len(versions)]
        at = START + timedelta(hours=len(expected))  # later than the parent's entries
        amount = Money(Decimal(cents).scaleb(-2), "EUR")
        try:
            if credit:
                child = parent.top_up(wallet, amount, at=at, key=f"k{n}")
            else:
                child = parent.charge(wallet, amount, at=at, key=f"k{n}")
        except BillkitError:
            continue  # not enough money on this branch: refused, nothing changed
        kind = EntryKind.TOP_UP if credit else EntryKind.CHARGE
        entry = Entry(
            kind=kind, amount=amount if credit else -amount, wallet=wallet, at=at, key=f"k{n}"
        )
        versions.append((child, (*expected, entry)))
    for ledger, expected in versions:
        assert ledger.entries == expected
        assert tuple(ledger.entries) == expected
        assert len(ledger.entries) == len(expected)
        for name in ("main", "tracking"):
            mine = [e for e in expected if e.wallet == name]
            total = sum((e.amount.amount for e in mine), Decimal(0))
            assert ledger.balance(name).amount == total
            if mine:
                middle = mine[len(mine) // 2].at
                upto = sum((e.amount.amount for e in mine if e.at <= middle), Decimal(0))
                assert ledger.balance(name, at=middle).amount == upto
        again = Ledger(wallets=ledger.wallets, entries=expected)
        assert again == ledger
        assert again.credits("main") == ledger.credits("main")
        assert pickle.loads(pickle.dumps(ledger)) == ledger


def test_a_refused_post_changes_no_version() -> None:
    base = fresh().top_up("main", "10.00", at=START, key="p1")
    newer = base.charge("main", "4.00", at=START, key="c1")
    with pytest.raises(InsufficientFundsError):
        newer.charge("main", "7.00", at=START, key="c2")  # 6.00 left: refused
    assert newer.balance("main") == Money("6.00", "EUR")
    assert base.balance("main") == Money("10.00", "EUR")
    # Posting again to the older version diverges: both keep their own entries.
    other = base.charge("main", "1.00", at=START, key="c9")
    assert [e.key for e in other.entries] == ["p1", "c9"]
    assert [e.key for e in newer.entries] == ["p1", "c1"]
    assert newer.charge("main", "6.00", at=START, key="c3").balance("main") == Money("0.00", "EUR")
    assert other.refundable("main", "p1") == Money("9.00", "EUR")
    assert newer.refundable("main", "p1") == Money("6.00", "EUR")
