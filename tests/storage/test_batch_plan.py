"""SqlStore.post_all's plan made before the write lock (private helpers):
for any batch, the per-account shortcut gives exactly what posting entry by
entry gives, or steps aside for it."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from billkit.errors import BillkitError
from billkit.storage import EntryRecord
from billkit.storage.sql import _Account, _moves, _plan, _quick_plan

AT = datetime(2026, 3, 1, tzinfo=timezone.utc)

entry_strategy = st.builds(
    lambda account, key, cents, currency: EntryRecord(
        account=account,
        key=key,
        amount=Money(Decimal(cents) / 100, currency),
        at=AT,
        kind="top_up" if cents >= 0 else "charge",
    ),
    account=st.sampled_from(["a", "b", "c"]),
    key=st.sampled_from([f"k{i}" for i in range(30)]),
    cents=st.integers(-5000, 5000),
    currency=st.sampled_from(["EUR", "EUR", "EUR", "USD"]),
)
account_strategy = st.builds(
    lambda balance, limit: _Account("EUR", Decimal(balance) / 100, Decimal(-limit) / 100),
    balance=st.integers(-3000, 3000),
    limit=st.integers(0, 4000),
)


@given(
    batch=st.lists(entry_strategy, min_size=1, max_size=30),
    accounts=st.dictionaries(st.sampled_from(["a", "b", "c"]), account_strategy),
)
def test_the_quick_plan_is_the_entry_by_entry_plan_or_steps_aside(
    batch: list[EntryRecord], accounts: dict[str, _Account]
) -> None:
    # post_all reads the batch's accounts only (those that exist).
    accounts = {id: acc for id, acc in accounts.items() if id in {e.account for e in batch}}
    moves = _moves(batch)
    quick = _quick_plan(moves, accounts) if moves is not None else None
    try:
        slow = _plan(batch, accounts, {})
    except BillkitError:
        slow = None
    if quick is not None:
        # Same new entries, order and balances as posting one by one.
        assert slow == quick
    if moves is not None and slow is not None:
        # Distinct pairs, one currency per account, and posting one by one
        # accepts them all: the shortcut must not step aside.
        assert quick == slow


def test_a_debit_below_the_floor_midway_is_refused_even_if_the_batch_ends_above() -> None:
    # Balance 0, credit limit 10 (floor -10): -15 takes it to -15 < -10,
    # although +20 afterwards would end at 5. Posting one by one refuses -15.
    account = {"a": _Account("EUR", Decimal(0), Decimal(-10))}
    batch = [
        EntryRecord(account="a", key="d", amount=Money("-15", "EUR"), at=AT, kind="charge"),
        EntryRecord(account="a", key="t", amount=Money("20", "EUR"), at=AT, kind="top_up"),
    ]
    moves = _moves(batch)
    assert moves is not None
    assert _quick_plan(moves, account) is None
    # The other order is fine: 0 + 20 - 15 = 5 >= -10.
    moves = _moves(batch[::-1])
    assert moves is not None
    plan = _quick_plan(moves, account)
    assert plan is not None
    assert plan.balances == {"a": Decimal(5)}
