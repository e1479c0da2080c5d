"""The Store contract: every implementation (memory, SQLite file, PostgreSQL) passes it.

Each test states a guarantee of billkit.ports.Store and checks it, including
that a refused write leaves nothing behind.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from moneyed import Money

from billkit.errors import (
    BillkitError,
    ConflictError,
    CreditError,
    CreditLimitExceededError,
    CurrencyMismatchError,
    DuplicateRecordError,
    IdempotencyConflictError,
    ImmutableRecordError,
    InvoicingError,
    LeaseLostError,
    NotFoundError,
    StaleVersionError,
    StoreError,
    SubscriptionError,
    UsageError,
    ValidationError,
)
from billkit.ports import Store, Transaction
from billkit.storage import (
    AccountRecord,
    DocumentEvent,
    DocumentRecord,
    EntryRecord,
    OutboxMessage,
    PayerRecord,
    PlanRecord,
    SeriesRecord,
    SubscriptionRecord,
    UsageRecord,
)
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

UTC = timezone.utc
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def t(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def seed(tx: Any, *, limit: str = "0") -> None:
    """A payer 'acme' with an account 'acme/main' (EUR) and a subscription 'sub-1'."""
    tx.save_payer(PayerRecord(id="acme", data={"name": "Acme"}))
    tx.open_account(
        AccountRecord(id="acme/main", customer="acme", credit_limit=eur(limit), balance=eur("0"))
    )
    tx.add_subscription(
        SubscriptionRecord(
            id="sub-1", customer="acme", plan="pro", status="active", next_billing=date(2026, 3, 1)
        )
    )


def entry(key: str, amount: str, hours: float = 0, kind: str = "charge") -> EntryRecord:
    return EntryRecord(account="acme/main", key=key, amount=eur(amount), at=t(hours), kind=kind)


def event(
    key: str, quantity: str, hours: float = 0, metric: str = "calls", sub: str = "sub-1"
) -> UsageRecord:
    return UsageRecord(
        subscription=sub, metric=metric, at=t(hours), quantity=Decimal(quantity), key=key
    )


def test_every_store_is_a_store(store: Any) -> None:
    assert isinstance(store, Store)
    with store.transaction() as tx:
        assert isinstance(tx, Transaction)


# ----------------------------------------------------------- transactions


def test_a_transaction_that_raises_leaves_nothing(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)

    def fail_half_way() -> None:
        with store.transaction(lock="account:acme/main") as tx:
            tx.post(entry("e1", "50", kind="top_up"))
            tx.save_payer(PayerRecord(id="other"))
            raise RuntimeError("the app failed half-way")

    with pytest.raises(RuntimeError):
        fail_half_way()
    with store.transaction(readonly=True) as tx:
        assert tx.balance("acme/main") == eur("0")
        assert tx.entries("acme/main") == []
        with pytest.raises(NotFoundError):
            tx.payer("other")


def test_a_refusal_caught_inside_the_transaction_wrote_nothing(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        tx.post(entry("e1", "10", kind="top_up"))
    with store.transaction() as tx:
        with pytest.raises(CreditLimitExceededError):
            tx.post(entry("e2", "-10.01"))
        with pytest.raises(IdempotencyConflictError):
            tx.add_usage(
                [event("u-new", "1"), event("u-1", "1"), event("u-1", "5")]
            )  # u-1 twice, differently
        tx.add_usage([event("u-1", "1")])
        with pytest.raises(IdempotencyConflictError):
            tx.add_usage([event("u-2", "1"), event("u-1", "2")])  # u-1 stored with 1
        tx.post(entry("e3", "-4"))
    with store.transaction(readonly=True) as tx:
        # 10 - 4: the refused debit left no entry and did not move the balance
        assert tx.balance("acme/main") == eur("6")
        assert [e.key for e in tx.entries("acme/main")] == ["e1", "e3"]
        # only u-1 is stored: u-new and u-2 were in refused batches
        assert [e.key for e in tx.usage_events("sub-1", t(-1), t(1))] == ["u-1"]


def test_readonly_transactions_refuse_writes(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
    with store.transaction(readonly=True) as tx:
        with pytest.raises(StoreError, match="read-only"):
            tx.save_payer(PayerRecord(id="x"))
        with pytest.raises(StoreError, match="read-only"):
            tx.post(entry("e1", "1", kind="top_up"))
        assert tx.payer("acme").data == {"name": "Acme"}


def test_transactions_do_not_nest(store: Any) -> None:
    with store.transaction(), pytest.raises(StoreError, match="do not nest"), store.transaction():
        pass  # pragma: no cover
    with store.transaction() as tx:  # the store is usable afterwards
        tx.save_payer(PayerRecord(id="p"))


@pytest.mark.parametrize("lock", [5, [""], b"account", {"a": 1}])
def test_lock_scopes_must_be_names(store: Any, lock: object) -> None:
    with pytest.raises(ValidationError, match="lock"), store.transaction(lock=lock):
        pass  # pragma: no cover


def test_several_lock_scopes(store: Any) -> None:
    with store.transaction(lock=["series:INV", "account:acme/main", "series:INV"]) as tx:
        tx.save_payer(PayerRecord(id="acme"))
    with store.transaction(readonly=True) as tx:
        assert tx.payer("acme").id == "acme"


def test_lock_takes_later_scopes_mid_transaction_and_refuses_earlier_ones(store: Any) -> None:
    # Held from the start: "account:b". Sorted, "account:a" < "account:b" < "series:INV"
    # < "series:PRO": only scopes after every one held may be taken mid-way.
    with store.transaction(lock="account:b") as tx:
        tx.save_payer(PayerRecord(id="acme"))
        for refused in ("account:a", "account:b", ["series:INV", "account:a"]):
            with pytest.raises(ValidationError, match="lock"):
                tx.lock(refused)
        tx.lock(["series:PRO", "series:INV"])  # taken in sorted order
        tx.lock([])  # nothing more
        with pytest.raises(ValidationError, match="lock"):
            tx.lock("series:INV")  # held already
        tx.lock("series:ZZZ")
        with pytest.raises(ValidationError, match="lock"):
            tx.lock(5)
    with store.transaction() as tx:  # nothing held: any scope; the refusals wrote nothing
        tx.lock("account:a")
        assert tx.payer("acme").id == "acme"
    with pytest.raises(StoreError, match="ended"):
        tx.lock("series:INV")


def test_a_transaction_object_is_dead_after_its_block(store: Any) -> None:
    with store.transaction() as tx:
        pass
    with pytest.raises(StoreError, match="ended"):
        tx.save_payer(PayerRecord(id="late"))


# --------------------------------------------------------- payers, plans


def test_payers_and_plans_are_kept_and_replaced(store: Any) -> None:
    with store.transaction() as tx:
        tx.save_payer(PayerRecord(id="acme", data={"name": "Acme", "tags": ["a", 1, None]}))
        tx.save_plan(PlanRecord(code="pro", data={"$type": "Plan", "fee": "10.00"}))
    with store.transaction() as tx:
        assert tx.payer("acme").data == {"name": "Acme", "tags": ["a", 1, None]}
        tx.save_payer(PayerRecord(id="acme", data={"name": "Acme GmbH"}))
        assert tx.plan("pro") == PlanRecord(code="pro", data={"$type": "Plan", "fee": "10.00"})
    with store.transaction(readonly=True) as tx:
        assert tx.payer("acme").data == {"name": "Acme GmbH"}
        with pytest.raises(NotFoundError, match="payer 'nobody' not found"):
            tx.payer("nobody")
        with pytest.raises(NotFoundError, match="plan 'gold'"):
            tx.plan("gold")
        with pytest.raises(ValidationError, match="id"):
            tx.payer("")


def test_bad_records_are_refused_before_they_reach_a_store(store: Any) -> None:
    with pytest.raises(ValidationError, match="data"):
        PayerRecord(id="p", data={"amount": Decimal("1")})  # type: ignore[dict-item]
    with pytest.raises(ValidationError, match="id"):
        PayerRecord(id=" padded ")
    with pytest.raises(SubscriptionError, match="next_billing"):
        SubscriptionRecord(id="s", customer="c", plan="p", status="a", next_billing=T0)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="quantity"):
        UsageRecord(subscription="s", metric="m", at=T0, quantity=0.1, key="k")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="at"):
        UsageRecord(
            subscription="s",
            metric="m",
            at=datetime(2026, 1, 1),  # noqa: DTZ001 (naive on purpose)
            quantity=Decimal(1),
            key="k",
        )
    with pytest.raises(CreditError, match="credit_limit"):
        AccountRecord(id="a", customer="c", credit_limit=eur("-1"), balance=eur("0"))
    with pytest.raises(InvoicingError, match="period_end"):
        DocumentRecord(id="d", customer="c", kind="invoice", period_start=date(2026, 3, 1))
    with pytest.raises(ValidationError, match="payer"), store.transaction() as tx:
        tx.save_payer({"id": "p"})


# -------------------------------------------------------- subscriptions


def test_subscriptions_carry_optimistic_versions(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        first = tx.subscription("sub-1")
    assert first.version == 1
    with store.transaction() as tx:
        second = tx.update_subscription(
            SubscriptionRecord(**{**_fields(first), "status": "past_due"})
        )
    assert (second.version, second.status) == (2, "past_due")
    with (
        store.transaction() as tx,
        pytest.raises(StaleVersionError, match="version 2, the change was based on version 1"),
    ):
        tx.update_subscription(SubscriptionRecord(**{**_fields(first), "status": "cancelled"}))
    with store.transaction(readonly=True) as tx:
        assert tx.subscription("sub-1") == second


def test_subscriptions_refuse_duplicates_unknown_payers_and_unknown_ids(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
    new = SubscriptionRecord(id="sub-1", customer="acme", plan="pro", status="active")
    with store.transaction() as tx:
        with pytest.raises(DuplicateRecordError, match="sub-1"):
            tx.add_subscription(new)
        with pytest.raises(NotFoundError, match="payer 'ghost'"):
            tx.add_subscription(
                SubscriptionRecord(id="sub-2", customer="ghost", plan="p", status="a")
            )
        with pytest.raises(StaleVersionError):
            tx.add_subscription(
                SubscriptionRecord(id="sub-3", customer="acme", plan="p", status="a", version=4)
            )
        with pytest.raises(NotFoundError, match="subscription 'sub-9'"):
            tx.update_subscription(
                SubscriptionRecord(id="sub-9", customer="acme", plan="p", status="a", version=1)
            )
        with pytest.raises(NotFoundError):
            tx.subscription("sub-2")


IDS = ["a-1", "a-2", "B-1", "b-1", "z", "é-1", "ж-1", "0"]


def test_subscriptions_due_are_sharded_by_id_range_in_byte_order(store: Any) -> None:
    with store.transaction() as tx:
        tx.save_payer(PayerRecord(id="acme"))
        for i, sid in enumerate(IDS):
            day = date(2026, 3, 1) + timedelta(days=i % 3)  # 1st, 2nd or 3rd
            tx.add_subscription(
                SubscriptionRecord(
                    id=sid, customer="acme", plan="p", status="active", next_billing=day
                )
            )
        tx.add_subscription(
            SubscriptionRecord(id="never", customer="acme", plan="p", status="cancelled")
        )
    with store.transaction(readonly=True) as tx:
        due = [s.id for s in tx.subscriptions_due(date(2026, 3, 2))]
        # due on or before the 2nd: indexes 0,1,3,4,6,7 (i % 3 != 2), in UTF-8 byte order
        expected = sorted((IDS[i] for i in (0, 1, 3, 4, 6, 7)), key=lambda s: s.encode())
        assert due == expected == ["0", "a-1", "a-2", "b-1", "z", "ж-1"]
        shards = [(None, "a"), ("a", "b"), ("b", "é"), ("é", None)]
        parts = [
            [s.id for s in tx.subscriptions_due(date(2026, 3, 2), id_from=lo, id_to=hi)]
            for lo, hi in shards
        ]
        assert parts == [["0"], ["a-1", "a-2"], ["b-1", "z"], ["ж-1"]]
        assert [sid for part in parts for sid in part] == due
        with pytest.raises(ValidationError, match="on"):
            tx.subscriptions_due(T0)


# ------------------------------------------------------------------ usage


def test_usage_is_deduplicated_on_its_key(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        assert (
            tx.add_usage([event("u-1", "1.5"), event("u-2", "2", hours=1), event("u-1", "1.5")])
            == 2
        )
    with store.transaction() as tx:
        assert tx.add_usage([event("u-1", "1.5"), event("u-3", "0.25", hours=2)]) == 1
        assert tx.add_usage([]) == 0
    with store.transaction(readonly=True) as tx:
        # 1.5 + 2 + 0.25 = 3.75, exactly
        assert tx.usage_totals("sub-1", t(0), t(3)) == {"calls": Decimal("3.75")}


def test_a_conflicting_duplicate_event_refuses_the_whole_batch(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        tx.add_usage([event("u-1", "1")])
    with store.transaction() as tx:
        with pytest.raises(IdempotencyConflictError, match="'u-1'"):
            tx.add_usage([event("u-2", "1"), event("u-1", "1", hours=5)])
        with pytest.raises(NotFoundError, match="subscription 'sub-x'"):
            tx.add_usage([event("u-3", "1"), event("u-4", "1", sub="sub-x")])
        with pytest.raises(ValidationError, match=r"events\[1\]"):
            tx.add_usage([event("u-5", "1"), "u-6"])
    with store.transaction(readonly=True) as tx:
        assert [e.key for e in tx.usage_events("sub-1", t(-1), t(10))] == ["u-1"]


def test_usage_totals_per_metric_over_a_half_open_window(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        tx.add_usage(
            [
                event("u-1", "0.1", hours=0),
                event("u-2", "0.2", hours=1),
                event("u-3", "7", hours=1, metric="gb"),
                event("u-4", "100", hours=2),  # at the window's end: excluded
                event("u-5", "1000", hours=-0.5),  # before it: excluded
            ]
        )
    with store.transaction(readonly=True) as tx:
        # 0.1 + 0.2 = 0.3 exactly (a float sum would give 0.30000000000000004)
        assert tx.usage_totals("sub-1", t(0), t(2)) == {"calls": Decimal("0.3"), "gb": Decimal("7")}
        assert [e.key for e in tx.usage_events("sub-1", t(0), t(2))] == ["u-1", "u-2", "u-3"]
        assert [e.key for e in tx.usage_events("sub-1", t(0), t(2), metric="gb")] == ["u-3"]
        assert tx.usage_events("sub-1", t(0), t(2))[0] == event("u-1", "0.1")
        assert tx.usage_totals("sub-1", t(5), t(6)) == {}
        with pytest.raises(NotFoundError):
            tx.usage_totals("sub-x", t(0), t(1))


def test_event_times_keep_their_instant_in_any_zone(store: Any) -> None:
    tehran = timezone(timedelta(hours=3, minutes=30))
    local = datetime(2026, 3, 1, 3, 30, tzinfo=tehran)  # = T0
    with store.transaction() as tx:
        seed(tx)
        tx.add_usage(
            [UsageRecord(subscription="sub-1", metric="m", at=local, quantity=Decimal(1), key="u")]
        )
    with store.transaction(readonly=True) as tx:
        (stored,) = tx.usage_events("sub-1", T0, t(1))
        assert stored.at == T0
        assert stored.at.utcoffset() == timedelta(0)


# ----------------------------------------------------------------- ledger


def test_the_balance_is_the_sum_of_the_entries(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx, limit="100")
        tx.post(entry("pay-1", "90000.00", 0, kind="top_up"))
        tx.post(entry("exp-1", "-22.4137", 1))
        tx.post(entry("exp-2", "-0.0001", 2))
    with store.transaction(readonly=True) as tx:
        # 90000.00 - 22.4137 - 0.0001 = 89977.5862
        assert tx.balance("acme/main") == eur("89977.5862")
        assert sum((e.amount for e in tx.entries("acme/main")), eur("0")) == tx.balance("acme/main")
        account = tx.account("acme/main")
        assert (account.currency, account.credit_limit) == ("EUR", eur("100"))


def test_huge_and_tiny_amounts_are_exact(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        # The largest and finest figures billkit accepts (docs/limits.md): 18 digits
        # before the point, 12 after.
        tx.post(entry("big", "123456789012345678.123456789", kind="top_up"))
        tx.post(entry("tiny", "-0.000000000001", 1))
    with store.transaction(readonly=True) as tx:
        # 123456789012345678.123456789 - 0.000000000001 = ...678.123456788999
        assert tx.balance("acme/main").amount == Decimal("123456789012345678.123456788999")
        assert tx.balance_at("acme/main", t(1)).amount == Decimal("123456789012345678.123456789")


def test_posting_the_same_entry_again_counts_it_once(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        first = tx.post(entry("pay-1", "10", kind="top_up"))
        again = tx.post(entry("pay-1", "10", kind="top_up"))
    assert again == first
    assert again.seq == first.seq
    with store.transaction() as tx:
        with pytest.raises(IdempotencyConflictError, match="'pay-1'"):
            tx.post(entry("pay-1", "11", kind="top_up"))
        assert tx.balance("acme/main") == eur("10")


def test_post_all_posts_a_batch_in_order_all_or_nothing(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx, limit="10")
        tx.open_account(
            AccountRecord(id="acme/b", customer="acme", credit_limit=eur("0"), balance=eur("0"))
        )
        tx.post(entry("old", "5", kind="top_up"))
    b = EntryRecord(account="acme/b", key="b-1", amount=eur("3"), at=T0, kind="top_up")
    batch = [
        entry("old", "5", kind="top_up"),
        entry("e-1", "-12"),
        b,
        entry("e-2", "-3"),
        entry("e-1", "-12"),
    ]
    with store.transaction() as tx:
        posted = tx.post_all(batch)
        # 5 - 12 - 3 = -10: exactly the limit; 'old' and the second 'e-1' are replays
        assert [p.key for p in posted] == ["old", "e-1", "b-1", "e-2", "e-1"]
        assert posted[1].seq == posted[4].seq
        assert tx.balance("acme/main") == eur("-10")
        assert tx.balance("acme/b") == eur("3")
        assert tx.post_all(batch) == posted
        assert tx.post_all([]) == []
    # What post_all returns reads the same after the transaction, as a sequence
    # of stored entries (each with its seq), by index, from the end and by slice.
    assert posted == stored_as(store, posted)
    assert [p.key for p in posted[1:3]] == ["e-1", "b-1"]
    assert posted[-1] == posted[1]
    assert all(p.seq is not None and p.same_as(e) for p, e in zip(posted, batch, strict=True))
    with store.transaction() as tx:
        refused = [
            entry("ok-1", "1", kind="top_up"),
            entry("ok-2", "-1"),
            entry("too-much", "-0.01"),
        ]
        with pytest.raises(CreditLimitExceededError):
            tx.post_all(refused)
        with pytest.raises(NotFoundError, match="acme/none"):
            tx.post_all(
                [
                    entry("x-1", "1", kind="top_up"),
                    attrs_evolve(entry("x-2", "1"), account="acme/none"),
                ]
            )
        with pytest.raises(IdempotencyConflictError):
            tx.post_all([entry("x-3", "1", kind="top_up"), entry("e-2", "-4")])
        with pytest.raises(CurrencyMismatchError):
            tx.post_all(
                [
                    entry("x-4", "1", kind="top_up"),
                    attrs_evolve(b, key="b-2", amount=Money("1", "USD")),
                ]
            )
        with pytest.raises(ValidationError, match=r"entries\[1\]"):
            tx.post_all([entry("x-5", "1", kind="top_up"), "x-6"])
    with store.transaction(readonly=True) as tx:
        # nothing of the refused batches stayed
        assert [e.key for e in tx.entries("acme/main")] == ["old", "e-1", "e-2"]
        assert tx.balance("acme/main") == eur("-10")
        assert tx.balance("acme/b") == eur("3")


def test_post_all_replays_a_stored_debit_without_counting_it_again(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx, limit="10")
        tx.post(entry("debit", "-10"))  # 0 - 10 = -10: the whole credit limit used
    with store.transaction() as tx:
        # Counted again, the debit would take the balance to -20, beyond the limit;
        # it is a replay, so the batch posts only 'top' and 'after': -10 + 4 - 4 = -10.
        posted = tx.post_all(
            [entry("top", "4", kind="top_up"), entry("debit", "-10"), entry("after", "-4", 1)]
        )
        assert [p.key for p in posted] == ["top", "debit", "after"]
        assert tx.balance("acme/main") == eur("-10")
        # A new debit beyond the limit is still refused, with the stored replays around it.
        with pytest.raises(CreditLimitExceededError):
            tx.post_all([entry("debit", "-10"), entry("more", "-0.01", 2)])
        # Every key stored and one of them with another amount: the conflict.
        with pytest.raises(IdempotencyConflictError, match="'top'"):
            tx.post_all([entry("debit", "-10"), entry("top", "5", kind="top_up")])
    with store.transaction(readonly=True) as tx:
        assert [e.key for e in tx.entries("acme/main")] == ["debit", "top", "after"]
        # -10 + 4 - 4 = -10: the balance is the sum of the entries
        assert tx.balance("acme/main") == eur("-10")


def test_debits_stop_at_the_credit_limit(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx, limit="50")
        tx.post(entry("pay-1", "20", kind="top_up"))
        tx.post(entry("c-1", "-70"))  # 20 - 70 = -50: exactly the limit
    with store.transaction() as tx:
        with pytest.raises(CreditLimitExceededError, match="at most 0 EUR"):
            tx.post(entry("c-2", "-0.01", 1))
        tx.post(entry("pay-2", "30", 2, kind="top_up"))  # credits are always accepted
        tx.set_credit_limit("acme/main", eur("0"))
        with pytest.raises(CreditLimitExceededError):
            tx.post(entry("c-3", "-0.01", 3))
    with store.transaction(readonly=True) as tx:
        assert tx.balance("acme/main") == eur("-20")
        assert tx.account("acme/main").credit_limit == eur("0")


def test_ledger_refuses_other_currencies_and_unknown_accounts(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        with pytest.raises(CurrencyMismatchError, match="EUR"):
            tx.post(
                EntryRecord(
                    account="acme/main", key="k", amount=Money("1", "USD"), at=T0, kind="top_up"
                )
            )
        with pytest.raises(NotFoundError, match="account 'acme/usd'"):
            tx.post(
                EntryRecord(
                    account="acme/usd", key="k", amount=Money("1", "USD"), at=T0, kind="top_up"
                )
            )
        with pytest.raises(CurrencyMismatchError):
            tx.set_credit_limit("acme/main", Money("5", "USD"))
        with pytest.raises(CreditError):
            tx.set_credit_limit("acme/main", eur("-5"))
        with pytest.raises(DuplicateRecordError):
            tx.open_account(
                AccountRecord(
                    id="acme/main", customer="acme", credit_limit=eur("0"), balance=eur("0")
                )
            )
        with pytest.raises(CreditError, match="balance"):
            tx.open_account(
                AccountRecord(id="acme/b", customer="acme", credit_limit=eur("0"), balance=eur("5"))
            )
        with pytest.raises(NotFoundError, match="payer 'ghost'"):
            tx.open_account(
                AccountRecord(
                    id="ghost/main", customer="ghost", credit_limit=eur("0"), balance=eur("0")
                )
            )
        assert tx.entries("acme/main") == []
        assert tx.balance("acme/main") == eur("0")


def test_balance_at_a_moment_and_statement_rows(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx, limit="1000")
        tx.post(entry("e-3", "-30", 3))
        tx.post(entry("e-1", "100", 1, kind="top_up"))
        tx.post(entry("e-2", "-20", 2))
        tx.post(entry("e-2b", "-5", 2))
    with store.transaction(readonly=True) as tx:
        # entries strictly before the moment count: at 2h only e-1 (100)
        assert tx.balance_at("acme/main", t(2)) == eur("100")
        assert tx.balance_at("acme/main", t(2.5)) == eur("75")
        assert tx.balance_at("acme/main", t(0)) == eur("0")
        rows = tx.entries("acme/main", since=t(2), until=t(3))
        # by date then posting order; the statement: 100 opening, -25, 75 closing
        assert [e.key for e in rows] == ["e-2", "e-2b"]
        assert tx.balance_at("acme/main", t(2)) + sum(
            (e.amount for e in rows), eur("0")
        ) == tx.balance_at("acme/main", t(3))
        assert [e.key for e in tx.entries("acme/main")] == ["e-1", "e-2", "e-2b", "e-3"]


# ------------------------------------------------- series and documents


def draft(
    id: str = "inv-1",
    customer: str = "acme",
    start: date | None = date(2026, 3, 1),
    version: int = 0,
    total: str = "10.00",
) -> DocumentRecord:
    end = None if start is None else start + timedelta(days=31)
    return DocumentRecord(
        id=id,
        customer=customer,
        kind="invoice",
        period_start=start,
        period_end=end,
        total=eur(total),
        data={"lines": [{"code": "base", "amount": total}]},
        version=version,
    )


def test_numbers_come_from_the_series_without_gaps(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        tx.create_series(SeriesRecord(name="INV", prefix="INV-2026-", width=5))
        for i in range(1, 4):
            tx.save_draft(draft(f"inv-{i}"))
        a = tx.issue("inv-1", series="INV", at=t(1))
    assert (a.number, a.status, a.series, a.version) == ("INV-2026-00001", "issued", "INV", 2)

    def crash_after_numbering() -> None:
        with store.transaction(lock="series:INV") as tx:
            assert tx.issue("inv-2", series="INV", at=t(2)).number == "INV-2026-00002"
            raise RuntimeError("crash after numbering")  # the number goes back

    with pytest.raises(RuntimeError):
        crash_after_numbering()
    with store.transaction(lock="series:INV") as tx:
        assert tx.issue("inv-3", series="INV", at=t(3)).number == "INV-2026-00002"
        assert tx.take_number("INV") == 3
        assert tx.series("INV").next == 4
    with store.transaction(readonly=True) as tx:
        assert tx.document("inv-2").number is None


def test_a_number_taken_outside_the_series_is_refused_and_given_back(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        tx.create_series(SeriesRecord(name="INV", prefix="INV-"))
        tx.create_series(SeriesRecord(name="OLD", prefix="INV-"))  # the same prefix: a clash
        for i in range(1, 3):
            tx.save_draft(draft(f"inv-{i}"))
        assert tx.issue("inv-1", series="OLD", at=t(1)).number == "INV-1"
    with store.transaction() as tx:
        with pytest.raises(DuplicateRecordError, match="'INV-1' is already taken"):
            tx.issue("inv-2", series="INV", at=t(2))
        # Refused, nothing written: the counter still offers 1, the draft is a draft.
        assert tx.series("INV").next == 1
        assert tx.document("inv-2").number is None
        with pytest.raises(NotFoundError):
            tx.issue("inv-2", series="NONE", at=t(2))
        with pytest.raises(NotFoundError):
            tx.issue("inv-9", series="INV", at=t(2))
        assert tx.series("INV").next == 1


def test_issue_all_numbers_a_batch_in_order_all_or_nothing(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        tx.create_series(SeriesRecord(name="INV", prefix="INV-", width=3))
        tx.create_series(SeriesRecord(name="CN", prefix="CN-", width=3))
        batch = [(draft("a"), "INV"), (draft("b"), "CN"), (draft("c"), "INV")]
        issued = tx.issue_all(batch, at=t(1))
        # Each series numbers its drafts in the batch's order, from its counter.
        assert [(d.id, d.number, d.series, d.status, d.version) for d in issued] == [
            ("a", "INV-001", "INV", "issued", 2),
            ("b", "CN-001", "CN", "issued", 2),
            ("c", "INV-002", "INV", "issued", 2),
        ]
        assert tx.issue_all([], at=t(1)) == []
    with store.transaction(readonly=True) as tx:
        assert tx.document("c") == issued[2]
        assert [(e.event, e.status, e.at) for e in tx.document_events("b")] == [
            ("issue", "issued", t(1))
        ]
        assert (tx.series("INV").next, tx.series("CN").next) == (3, 2)
    with store.transaction() as tx:
        tx.create_series(SeriesRecord(name="OLD", prefix="INV-", width=3))  # a clashing prefix
        refusals: list[tuple[list[tuple[DocumentRecord, str]], type[BillkitError]]] = [
            ([(draft("d"), "INV"), (draft("a"), "INV")], ImmutableRecordError),  # issued already
            ([(draft("d"), "INV"), (draft("e", customer="nobody"), "INV")], NotFoundError),
            ([(draft("d"), "INV"), (draft("e"), "NONE")], NotFoundError),  # no such series
            ([(draft("d"), "INV"), (draft("e"), "OLD")], DuplicateRecordError),  # INV-001 taken
            ([(draft("d"), "INV"), (draft("d"), "INV")], ImmutableRecordError),  # twice
        ]
        for drafts, error in refusals:
            with pytest.raises(error):
                tx.issue_all(drafts, at=t(2))
            # Refused as a whole: no draft of the batch stays, no number is used.
            for id in ("d", "e"):
                with pytest.raises(NotFoundError):
                    tx.document(id)
            assert (tx.series("INV").next, tx.series("OLD").next) == (3, 1)
        assert tx.issue_all([(draft("d"), "INV")], at=t(3))[0].number == "INV-003"
    with store.transaction(readonly=True) as tx, pytest.raises(StoreError):
        tx.issue_all([(draft("f"), "INV")], at=t(4))


def test_change_status_all_records_each_change_all_or_nothing(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        tx.create_series(SeriesRecord(name="INV", prefix="INV-"))
        tx.issue_all([(draft("a"), "INV"), (draft("b"), "INV")], at=t(1))
        tx.save_draft(draft("c"))
        issued = tx.documents_by_id(["a", "b"])
        tx.change_status_all(
            [
                DocumentEvent(document="b", event="pay", status="paid", at=t(2), data={"r": "x"}),
                DocumentEvent(document="a", event="send", status="sent", at=t(2)),
            ]
        )
        changed = tx.documents_by_id(["a", "b"])
        # Issued at version 2 (saved, then issued); a status change is one version more.
        assert [(d.id, d.status, d.version) for d in changed.values()] == [
            ("a", "sent", 3),
            ("b", "paid", 3),
        ]
        # Nothing else of a document changes with its status.
        for id, doc in changed.items():
            assert attrs.evolve(doc, status="issued", version=2) == issued[id]
        tx.change_status_all([])
    with store.transaction(readonly=True) as tx:
        assert tx.document("b") == changed["b"]
        assert [(e.event, e.status, dict(e.data)) for e in tx.document_events("b")] == [
            ("issue", "issued", {}),
            ("pay", "paid", {"r": "x"}),
        ]
    with store.transaction() as tx:
        for other, error in [("c", ImmutableRecordError), ("zzz", NotFoundError)]:
            with pytest.raises(error):
                tx.change_status_all(
                    [
                        DocumentEvent(document="a", event="pay", status="paid", at=t(3)),
                        DocumentEvent(document=other, event="pay", status="paid", at=t(3)),
                    ]
                )
            # Refused as a whole: the first change is not kept.
            assert (tx.document("a").status, len(tx.document_events("a"))) == ("sent", 2)


# Data that JSON texts spell differently: key order, non-ASCII text, escapes,
# floats, big integers, nesting, empty containers.
AWKWARD_DATA: dict[str, Any] = {
    "z": "last key first",
    "é": ["naïve", "日本", "\t", 'quote " and \\ back'],  # no NUL: jsonb refuses it
    "float": [0.1, -2.5e-07, 12345.5],  # 1e300: jsonb gives back an int (its numeric)
    "int": [0, -1, 2**63 + 1],
    "nested": {"b": {"c": [True, False, None, {}]}, "a": []},
    "": "empty key",
}


def test_records_read_back_through_every_read_equal_what_was_written(store: Any) -> None:
    data = AWKWARD_DATA
    with store.transaction() as tx:
        seed(tx)
        payer = tx.save_payer(PayerRecord(id="acme", data=data))
        sub = tx.update_subscription(attrs.evolve(tx.subscription("sub-1"), data=data))
        tx.create_series(SeriesRecord(name="INV", prefix="INV-"))
        doc = attrs.evolve(draft("d"), data=data)
        (issued,) = tx.issue_all([(doc, "INV")], at=t(1))
        tx.change_status_all(
            [DocumentEvent(document="d", event="e", status="issued", at=t(2), data=data)]
        )
        issued = attrs.evolve(issued, version=issued.version + 1)
    with store.transaction(readonly=True) as tx:
        assert tx.payer("acme") == payer
        assert tx.payers_of(["acme"]) == {"acme": payer}
        assert tx.subscription("sub-1") == sub
        assert tx.subscriptions_of(["sub-1"]) == {"sub-1": sub}
        assert tx.subscriptions_due(date(2026, 3, 1)) == [sub]
        assert tx.document("d") == issued
        assert tx.documents(customer="acme") == [issued]
        assert tx.documents_by_id(["d"]) == {"d": issued}
        assert tx.documents_of(["acme"]) == {"acme": [issued]}
        assert tx.unpaid_invoices() == [issued]
        events = tx.document_events_of(["d"])["d"]
        assert events == tx.document_events("d")
        assert [dict(e.data) for e in events] == [{}, data]
        read = tx.documents_by_id(["d"])["d"]
    # What was read back, written again as it was read, reads back the same.
    with store.transaction() as tx:
        assert tx.update_subscriptions([tx.subscriptions_of(["sub-1"])["sub-1"]]) is None
        tx.save_payer(tx.payers_of(["acme"])["acme"])
        copy = attrs.evolve(
            read, id="d2", status="draft", number=None, series=None, issued_at=None, version=0
        )
        tx.issue_all([(copy, "INV")], at=t(3))
    with store.transaction(readonly=True) as tx:
        assert tx.subscription("sub-1") == attrs.evolve(sub, version=sub.version + 1)
        assert tx.payer("acme") == payer
        assert tx.document("d2").data == data == tx.documents_by_id(["d2"])["d2"].data


def test_batch_writes_keep_empty_fields_as_the_single_writes_do(store: Any) -> None:
    # Documents with no period and no total, a subscription never billed again: every
    # such field of a batch is empty (None) and reads back so.
    with store.transaction() as tx:
        seed(tx)
        tx.create_series(SeriesRecord(name="N", prefix="N-"))
        notes = [
            DocumentRecord(id=f"n-{i}", customer="acme", kind="note", data={"i": i}) for i in (1, 2)
        ]
        issued = tx.issue_all([(n, "N") for n in notes], at=t(1))
        sub = tx.subscription("sub-1")
        tx.update_subscriptions([attrs.evolve(sub, next_billing=None)])
        ended = attrs.evolve(sub, next_billing=None, version=sub.version + 1)
    with store.transaction(readonly=True) as tx:
        assert list(tx.documents_by_id(["n-1", "n-2"]).values()) == issued
        assert [(d.period_start, d.period_end, d.total) for d in issued] == [(None, None, None)] * 2
        assert tx.subscription("sub-1") == ended
        assert ended.next_billing is None
        assert tx.subscriptions_due(date(2030, 1, 1)) == []


def test_enqueue_all_keeps_one_message_per_key_all_or_nothing(store: Any) -> None:
    def message(key: str, topic: str = "invoice.issued") -> OutboxMessage:
        return OutboxMessage(id=0, key=key, topic=topic, payload={"id": key}, created_at=T0)

    with store.transaction() as tx:
        tx.enqueue(key="n-1", topic="invoice.issued", payload={"id": "n-1"}, at=T0)
        tx.enqueue_all([message("n-2"), message("n-3")])
        tx.enqueue_all([message("n-1"), message("n-4")])  # n-1 again: kept once
        tx.enqueue_all([])
        with pytest.raises(IdempotencyConflictError):
            tx.enqueue_all([message("n-5"), message("n-2", topic="invoice.paid")])
    with store.transaction() as tx:
        claimed = tx.claim("w1", now=T0, lease=timedelta(minutes=5), limit=10)
        # In the order enqueued; n-5, of the refused batch, is not there.
        assert [(m.key, m.topic, dict(m.payload)) for m in claimed] == [
            (k, "invoice.issued", {"id": k}) for k in ("n-1", "n-2", "n-3", "n-4")
        ]


def test_update_subscriptions_checks_every_version_all_or_nothing(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        two = tx.add_subscription(
            SubscriptionRecord(id="sub-2", customer="acme", plan="pro", status="active")
        )
        one = tx.subscription("sub-1")
        returned = tx.update_subscriptions(
            [
                attrs_evolve(one, status="frozen"),
                attrs_evolve(two, next_billing=date(2026, 4, 1)),
            ]
        )
        assert returned is None  # read back: each at its version + 1 (1 + 1 = 2)
        done = list(tx.subscriptions_of(["sub-1", "sub-2"]).values())
        assert [(s.id, s.version, s.status, s.next_billing) for s in done] == [
            ("sub-1", 2, "frozen", date(2026, 3, 1)),
            ("sub-2", 2, "active", date(2026, 4, 1)),
        ]
        assert tx.update_subscriptions([]) is None
    with store.transaction() as tx:
        assert tx.subscription("sub-2") == done[1]
        with pytest.raises(StaleVersionError):  # sub-1 changed from version 1: stale
            tx.update_subscriptions(
                [attrs_evolve(done[1], plan="max"), attrs_evolve(one, status="active")]
            )
        with pytest.raises(NotFoundError):
            tx.update_subscriptions(
                [attrs_evolve(done[1], plan="max"), attrs_evolve(one, id="sub-9")]
            )
        assert tx.subscription("sub-2").plan == "pro"  # refused as a whole


def test_documents_by_id_reads_the_known_ones(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        tx.save_draft(draft("a"))
        tx.save_draft(draft("b"))
        found = tx.documents_by_id(["b", "zzz", "a", "b"])
        assert found == {"a": tx.document("a"), "b": tx.document("b")}
        assert tx.documents_by_id([]) == {}


def test_document_events_of_reads_only_the_kinds_asked_for(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        tx.create_series(SeriesRecord(name="INV"))
        for id in ("inv-a", "inv-b", "inv-c"):
            tx.save_draft(draft(id))
            tx.issue(id, series="INV", at=t(1))
        tx.change_status("inv-a", event="payment_failed", status="issued", at=t(2), data={"n": 1})
        tx.change_status("inv-a", event="dunning", status="issued", at=t(3))
        tx.change_status("inv-a", event="payment_failed", status="issued", at=t(4), data={"n": 2})
        tx.change_status("inv-b", event="pay", status="paid", at=t(2))
    with store.transaction(readonly=True) as tx:
        ids = ["inv-c", "inv-a", "nothing", "inv-b"]
        every = tx.document_events_of(ids)
        for kinds in ({"payment_failed"}, ("payment_failed", "dunning"), ["pay"], set()):
            only = tx.document_events_of(ids, events=kinds)
            # every id asked for is a key; each list the full one filtered, in its order
            assert only == {id: [e for e in evs if e.event in kinds] for id, evs in every.items()}
        failed = tx.document_events_of(ids, events={"payment_failed"})["inv-a"]
        assert [e.data["n"] for e in failed] == [1, 2]  # oldest first
        assert tx.document_events_of(ids, events=None) == every
        with pytest.raises(ValidationError, match="events"):
            tx.document_events_of(ids, events="pay")  # one name, not a collection of them
        with pytest.raises(ValidationError, match="events"):
            tx.document_events_of(ids, events=[""])


def test_document_versions_move_with_every_change(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        tx.create_series(SeriesRecord(name="INV"))
        tx.save_draft(draft("a"))
        tx.save_draft(draft("b"))
        seen = [tx.document_versions(["a", "b", "zzz"])]
        tx.save_draft(attrs_evolve(tx.document("a"), data={"note": "again"}))
        seen.append(tx.document_versions(["a", "b"]))
        tx.issue("a", series="INV", at=t(1))
        seen.append(tx.document_versions(["a", "b"]))
        tx.change_status("a", event="payment_failed", status="issued", at=t(2))
        seen.append(tx.document_versions(["a", "b"]))
        tx.change_status_all(
            [DocumentEvent(document="a", event="pay", status="paid", at=t(3), data={})]
        )
        seen.append(tx.document_versions(["a"]))
        assert tx.document_versions([]) == {}
    # unknown ids left out; each version the one the document is read with
    with store.transaction(readonly=True) as tx:
        assert seen[-1] == {"a": tx.document("a").version}
        assert seen[0] == {"a": 1, "b": 1}
    # each change of "a" gave it a version it never had before; "b" never changed
    versions = [v["a"] for v in seen]
    assert len(set(versions)) == len(versions), versions
    assert {v["b"] for v in seen if "b" in v} == {1}


def test_payer_versions_move_with_every_save(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)  # saves "acme" once: version 1
        tx.save_payer(PayerRecord(id="bolt", data={"email": "a@bolt.example"}))
        seen = [tx.payer_versions(["acme", "bolt", "zzz"])]
        tx.save_payer(PayerRecord(id="bolt", data={"email": "b@bolt.example"}))
        seen.append(tx.payer_versions(["bolt", "acme"]))
        tx.save_payer(tx.payer("bolt"))  # saved as it is: still a save, a new version
        seen.append(tx.payer_versions(["bolt"]))
        assert tx.payer_versions([]) == {}
    with contextlib.suppress(RuntimeError), store.transaction() as tx:  # a save rolled back
        tx.save_payer(PayerRecord(id="bolt", data={"email": "c@bolt.example"}))
        raise RuntimeError("undone")
    with store.transaction(readonly=True) as tx:
        # unknown ids left out; the rolled-back save left the version as it was
        assert seen[0] == {"acme": 1, "bolt": 1}
        assert (
            tx.payer_versions(["bolt", "acme"]) == {"acme": 1, "bolt": 3} == {**seen[1], **seen[2]}
        )
        assert tx.payer("bolt").data == {"email": "b@bolt.example"}
        with pytest.raises(ValidationError, match="ids"):
            tx.payer_versions([" bolt"])
    # each save of "bolt" gave it a version it never had before, higher than the last
    versions = [v["bolt"] for v in seen]
    assert versions == sorted(set(versions)), versions


def test_batch_reads_give_what_the_single_reads_give(store: Any) -> None:
    # Each batch read is checked against the per-record reads of the same store.
    with store.transaction() as tx:
        seed(tx)
        tx.save_payer(PayerRecord(id="bolt"))
        tx.add_subscription(
            SubscriptionRecord(id="sub-2", customer="bolt", plan="pro", status="active")
        )
        tx.add_usage(
            [
                event("u1", "2", 1),
                event("u2", "3.5", 2),
                event("u3", "1", 2, metric="gb"),
                event("u4", "7", 30),  # after the period asked for
                event("u5", "4", 1, sub="sub-2"),
            ]
        )
        tx.create_series(SeriesRecord(name="INV"))
        for id in ("inv-a", "inv-b", "inv-c", "inv-d"):
            tx.save_draft(draft(id))
        for id in ("inv-a", "inv-b", "inv-c"):
            tx.issue(id, series="INV", at=t(1))
        tx.change_status("inv-b", event="pay", status="paid", at=t(2))
        tx.change_status("inv-c", event="payment_pending", status="pending", at=t(2))
    with store.transaction(readonly=True) as tx:
        totals = tx.usage_totals_for(["sub-2", "sub-1", "sub-9"], t(0), t(24))
        assert totals == {
            "sub-1": {"calls": Decimal("5.5"), "gb": Decimal(1)},  # 2 + 3.5; u4 is outside
            "sub-2": {"calls": Decimal(4)},
            "sub-9": {},
        }
        assert totals["sub-1"] == tx.usage_totals("sub-1", t(0), t(24))
        # issued and pending invoices (a draft and a paid one are not unpaid), by id
        assert [d.id for d in tx.unpaid_invoices()] == ["inv-a", "inv-c"]
        assert [d.id for d in tx.unpaid_invoices(id_from="inv-b")] == ["inv-c"]
        assert [d.id for d in tx.unpaid_invoices(id_to="inv-c")] == ["inv-a"]
        assert tx.unpaid_invoices()[0] == tx.document("inv-a")
        # documents of a kind in the statuses asked, by id, sharded as unpaid_invoices
        assert [d.id for d in tx.documents_in_status("invoice", ["paid", "pending"])] == [
            "inv-b",
            "inv-c",
        ]
        assert [d.id for d in tx.documents_in_status("invoice", {"issued"}, id_from="inv-b")] == []
        assert [d.id for d in tx.documents_in_status("invoice", ("draft",), id_to="inv-d")] == []
        assert [d.id for d in tx.documents_in_status("invoice", ("pending",), id_to="inv-d")] == [
            "inv-c"
        ]
        assert tx.documents_in_status("invoice", ["paid"]) == [tx.document("inv-b")]
        assert tx.documents_in_status("proforma", ["paid", "pending", "issued"]) == []
        assert tx.documents_in_status("invoice", []) == []
        with pytest.raises(ValidationError, match="statuses"):
            tx.documents_in_status("invoice", "paid")
        events = tx.document_events_of(["inv-c", "inv-d", "nothing"])
        assert events == {
            "inv-c": tx.document_events("inv-c"),
            "inv-d": [],
            "nothing": [],
        }
        assert [e.event for e in events["inv-c"]] == ["issue", "payment_pending"]
        assert tx.payers_of(["bolt", "acme", "nobody"]) == {
            "acme": tx.payer("acme"),
            "bolt": tx.payer("bolt"),
        }
        assert tx.accounts_of(["acme/main", "bolt/main"]) == {"acme/main": tx.account("acme/main")}
        assert tx.subscriptions_of(["sub-2", "sub-1", "sub-9"]) == {
            "sub-1": tx.subscription("sub-1"),
            "sub-2": tx.subscription("sub-2"),
        }
        # every customer asked for is a key; each list is documents(customer=...)
        assert tx.documents_of(["bolt", "acme", "nobody"]) == {
            "acme": tx.documents(customer="acme"),
            "bolt": [],
            "nobody": [],
        }
        assert [d.id for d in tx.documents_of(["acme"])["acme"]] == [
            "inv-a",
            "inv-b",
            "inv-c",
            "inv-d",
        ]


def test_a_savepoint_undoes_only_its_own_writes(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        tx.create_series(SeriesRecord(name="INV", prefix="INV-"))
        for id in ("inv-1", "inv-2", "inv-3"):
            tx.save_draft(draft(id))

    def fails_half_way(tx: Any) -> None:
        with tx.savepoint():
            tx.post(entry("e2", "20", kind="top_up"))
            assert tx.issue("inv-2", series="INV", at=t(2)).number == "INV-2"
            raise RuntimeError("this customer failed")  # its entry and number go back

    def refused(tx: Any) -> None:
        with tx.savepoint():
            tx.post(entry("e3", "5", kind="top_up"))
            tx.create_series(SeriesRecord(name="INV"))  # refused: a store error

    with store.transaction(lock=["account:acme/main", "series:INV"]) as tx:
        with tx.savepoint():
            tx.post(entry("e1", "50", kind="top_up"))
            tx.issue("inv-1", series="INV", at=t(1))
        with pytest.raises(RuntimeError):
            fails_half_way(tx)
        with pytest.raises(DuplicateRecordError):
            refused(tx)
        # the transaction goes on after both: the number refused above is given again
        assert tx.issue("inv-3", series="INV", at=t(3)).number == "INV-2"
    with store.transaction(readonly=True) as tx:
        # 50 kept; 20 and 5 were undone with their savepoints
        assert tx.balance("acme/main") == eur("50")
        assert [e.key for e in tx.entries("acme/main")] == ["e1"]
        assert [tx.document(i).number for i in ("inv-1", "inv-2", "inv-3")] == [
            "INV-1",
            None,
            "INV-2",
        ]


def test_issued_documents_never_change(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        tx.create_series(SeriesRecord(name="INV"))
        stored = tx.save_draft(draft())
        stored = tx.save_draft(
            DocumentRecord(**{**_fields(draft(version=stored.version)), "total": eur("12.00")})
        )
        issued = tx.issue("inv-1", series="INV", at=t(1))
    with store.transaction() as tx:
        with pytest.raises(ImmutableRecordError, match="issued as '1'"):
            tx.save_draft(
                DocumentRecord(**{**_fields(draft(version=issued.version)), "total": eur("1")})
            )
        with pytest.raises(ImmutableRecordError):
            tx.issue("inv-1", series="INV", at=t(2))
        paid = tx.change_status(
            "inv-1", event="pay", status="paid", at=t(5), data={"payment": "p-1"}
        )
    assert (paid.status, paid.version, paid.number, paid.total) == ("paid", 4, "1", eur("12.00"))
    with store.transaction(readonly=True) as tx:
        assert tx.document("inv-1") == paid
        assert tx.document_events("inv-1") == [
            DocumentEvent(document="inv-1", event="issue", status="issued", at=t(1)),
            DocumentEvent(
                document="inv-1", event="pay", status="paid", at=t(5), data={"payment": "p-1"}
            ),
        ]
        assert tx.series("INV").next == 2


def test_drafts_are_versioned_and_checked(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        tx.create_series(SeriesRecord(name="INV"))
        tx.save_draft(draft())
        with pytest.raises(StaleVersionError):
            tx.save_draft(draft())  # version 0 again: someone saved it meanwhile
        with pytest.raises(ImmutableRecordError, match="draft"):
            tx.change_status("inv-1", event="pay", status="paid", at=t(1))
        with pytest.raises(InvoicingError, match="number"):
            tx.save_draft(DocumentRecord(**{**_fields(draft("inv-2")), "number": "X-1"}))
        with pytest.raises(NotFoundError, match="payer 'ghost'"):
            tx.save_draft(draft("inv-3", customer="ghost"))
        with pytest.raises(NotFoundError, match="number series 'ACT'"):
            tx.issue("inv-1", series="ACT", at=t(1))
        with pytest.raises(NotFoundError, match="document 'inv-9'"):
            tx.issue("inv-9", series="INV", at=t(1))
        with pytest.raises(DuplicateRecordError):
            tx.create_series(SeriesRecord(name="INV"))
        assert tx.document("inv-1").version == 1
        assert tx.document_events("inv-1") == []


def test_documents_of_a_customer_or_a_period(store: Any) -> None:
    with store.transaction() as tx:
        seed(tx)
        tx.save_payer(PayerRecord(id="beta"))
        tx.save_draft(draft("d-mar", start=date(2026, 3, 1)))
        tx.save_draft(draft("d-apr", start=date(2026, 4, 1)))
        tx.save_draft(draft("d-beta", customer="beta", start=date(2026, 3, 15)))
        tx.save_draft(draft("d-none", start=None))
    with store.transaction(readonly=True) as tx:
        assert [d.id for d in tx.documents(customer="acme")] == ["d-apr", "d-mar", "d-none"]
        march = tx.documents(since=date(2026, 3, 1), until=date(2026, 4, 1))
        assert [d.id for d in march] == ["d-beta", "d-mar"]
        assert [d.id for d in tx.documents(customer="beta", since=date(2026, 4, 1))] == []
        assert tx.documents(customer="acme", since=date(2026, 4, 1))[0] == draft(
            "d-apr", start=date(2026, 4, 1), version=1
        )


# ------------------------------------------------------------ idempotency


def test_idempotency_replays_the_same_request_and_refuses_another(store: Any) -> None:
    request = {"op": "charge", "account": "acme/main", "amount": "10.00"}
    with store.transaction() as tx:
        assert tx.recall("charge-1", request) is None
        tx.remember("charge-1", request, {"entry": 1}, at=T0)
    with store.transaction() as tx:
        assert tx.recall("charge-1", dict(reversed(request.items()))) == {"entry": 1}
        assert tx.remember("charge-1", request, {"entry": 1}, at=t(1)).at == T0
        with pytest.raises(IdempotencyConflictError, match="'charge-1'"):
            tx.recall("charge-1", {**request, "amount": "11.00"})
        with pytest.raises(IdempotencyConflictError):
            tx.remember("charge-1", {**request, "amount": "11.00"}, {"entry": 2}, at=t(1))
        with pytest.raises(IdempotencyConflictError, match="another result"):
            tx.remember("charge-1", request, {"entry": 2}, at=t(1))
        with pytest.raises(ValidationError, match="request"):
            tx.recall("charge-2", {"amount": Decimal("1")})
    assert issubclass(IdempotencyConflictError, ConflictError)


# ----------------------------------------------------------------- outbox


def test_outbox_claims_with_a_lease_and_acknowledges(store: Any) -> None:
    lease = timedelta(minutes=5)
    with store.transaction() as tx:
        m1 = tx.enqueue(key="n-1", topic="invoice.issued", payload={"id": "inv-1"}, at=T0)
        m2 = tx.enqueue(key="n-2", topic="invoice.issued", payload={"id": "inv-2"}, at=T0)
        assert tx.enqueue(key="n-1", topic="invoice.issued", payload={"id": "inv-1"}, at=t(1)) == m1
        with pytest.raises(IdempotencyConflictError):
            tx.enqueue(key="n-1", topic="invoice.paid", payload={"id": "inv-1"}, at=t(1))
    with store.transaction() as tx:
        claimed = tx.claim("w1", now=T0, lease=lease, limit=1)
        assert [(m.key, m.attempts, m.claimed_by) for m in claimed] == [("n-1", 1, "w1")]
        assert [m.key for m in tx.claim("w2", now=T0, lease=lease)] == ["n-2"]
        assert tx.claim("w3", now=T0 + timedelta(minutes=4), lease=lease) == []
        with pytest.raises(LeaseLostError, match="leased to 'w2'"):
            tx.acknowledge(m2.id, "w1", now=T0)
        done = tx.acknowledge(m2.id, "w2", now=t(0.01))
        assert done.acknowledged_at == t(0.01)
        assert tx.acknowledge(m2.id, "w2", now=t(1)) == done
    with store.transaction() as tx:
        # w1's lease ran out unacknowledged: claimed again, a second attempt
        again = tx.claim("w3", now=T0 + lease, lease=lease)
        assert [(m.key, m.attempts, m.claimed_by) for m in again] == [("n-1", 2, "w3")]
        with pytest.raises(LeaseLostError):
            tx.acknowledge(m1.id, "w1", now=t(1))
        with pytest.raises(NotFoundError):
            tx.message(999)
        with pytest.raises(ValidationError, match="lease"):
            tx.claim("w1", now=T0, lease=timedelta(0))
    with store.transaction(readonly=True) as tx:
        assert tx.message(m1.id).claimed_by == "w3"


def test_every_error_is_a_billkit_error() -> None:
    for error in (
        ConflictError,
        StaleVersionError,
        NotFoundError,
        LeaseLostError,
        ImmutableRecordError,
        DuplicateRecordError,
    ):
        assert issubclass(error, StoreError)
        assert issubclass(error, BillkitError)
    assert issubclass(NotFoundError, LookupError)


def attrs_evolve(record: Any, **changes: Any) -> Any:
    import attrs

    return attrs.evolve(record, **changes)


def _fields(record: Any) -> dict[str, Any]:
    import attrs

    return attrs.asdict(record, recurse=False)


def stored_as(store: Store, posted: Sequence[EntryRecord]) -> list[EntryRecord]:
    """The stored entries, in the order ``posted`` names them (a list to compare with)."""
    with store.transaction() as tx:
        stored = {(e.account, e.key): e for a in {p.account for p in posted} for e in tx.entries(a)}
    return [stored[(p.account, p.key)] for p in posted]


def test_payers_paying_with_finds_the_payers_naming_a_method(store: Any) -> None:
    # Of four payers, two name "card" and one "wire" (one "card/eu", a name
    # that only starts like it); the settings record names none.
    with store.transaction() as tx:
        for id, pays_with in [
            ("zeta", "card"),
            ("acme", "card"),
            ("bolt", "wire"),
            ("cora", "card/eu"),
            ("dune", None),
        ]:
            tx.save_payer(PayerRecord(id=id, data={"pays_with": pays_with, "email": ""}))
        tx.save_payer(PayerRecord(id="_settings", data={"methods": {"card": {}}}))
    with store.transaction(readonly=True) as tx:
        found = tx.payers_paying_with(["card"], business=None)
        assert list(found) == ["acme", "zeta"]  # in id order
        assert found["acme"] == tx.payer("acme")
        assert list(tx.payers_paying_with(["wire", "card", "cash"], business=None)) == [
            "acme",
            "bolt",
            "zeta",
        ]
        assert tx.payers_paying_with([], business=None) == {}
        assert tx.payers_paying_with(["cash"], business="chat") == {}


def test_payers_paying_with_counts_the_business_named_and_payers_naming_none(
    store: Any,
) -> None:
    # Five payers with the card: two of business "chat", one of "hosting", one of the
    # unnamed business (its data's business is null), one naming no business (kept before
    # the engine wrote it: it counts for every business).
    with store.transaction() as tx:
        for id, business in [
            ("c1", "chat"),
            ("c2", "chat"),
            ("h1", "hosting"),
            ("u1", None),
        ]:
            data = {"pays_with": "card", "business": business}
            tx.save_payer(PayerRecord(id=id, data=data))
        tx.save_payer(PayerRecord(id="old", data={"pays_with": "card"}))
    with store.transaction(readonly=True) as tx:
        assert list(tx.payers_paying_with(["card"], business="chat")) == ["c1", "c2", "old"]
        assert list(tx.payers_paying_with(["card"], business="hosting")) == ["h1", "old"]
        assert list(tx.payers_paying_with(["card"], business=None)) == ["old", "u1"]
        assert list(tx.payers_paying_with(["card"], business="shop")) == ["old"]
