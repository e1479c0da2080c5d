"""Model-based test: random sequences of operations on SqlStore (SQLite) and
MemoryStore side by side; they must agree on every answer and every refusal,
and the invariants hold after every step:

- each account's balance is the sum of its entries;
- each number series is contiguous from its start (numbers 1..next-1, one per
  issued document);
- an issued document never changes (only its status and version move on);
- an idempotent call replays the stored result.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from moneyed import Money

from billkit.errors import BillkitError
from billkit.storage import (
    AccountRecord,
    DocumentRecord,
    EntryRecord,
    MemoryStore,
    PayerRecord,
    SeriesRecord,
    SqlStore,
    SubscriptionRecord,
    UsageRecord,
)
from tests.storage.support import migrated_sqlite

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
ACCOUNTS = ["a-1", "a-2"]
SERIES = {"INV": "INV-", "ACT": "ACT-"}
DOCS = ["d-1", "d-2", "d-3", "d-4"]

amounts = st.decimals(min_value=-200, max_value=200, places=2, allow_nan=False).filter(bool)
moments = st.integers(0, 5).map(lambda h: T0 + timedelta(hours=h))
keys = st.sampled_from([f"k-{i}" for i in range(6)])


class StoresAgree(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="billkit-model-"))
        self.sql = SqlStore(migrated_sqlite(self.folder))
        self.memory = MemoryStore()
        self.issued: dict[str, DocumentRecord] = {}
        self.remembered: dict[str, Any] = {}
        for store in (self.sql, self.memory):
            with store.transaction() as tx:
                tx.save_payer(PayerRecord(id="payer"))
                for account in ACCOUNTS:
                    tx.open_account(
                        AccountRecord(
                            id=account,
                            customer="payer",
                            credit_limit=Money("100", "EUR"),
                            balance=Money("0", "EUR"),
                        )
                    )
                for name, prefix in SERIES.items():
                    tx.create_series(SeriesRecord(name=name, prefix=prefix))
                tx.add_subscription(
                    SubscriptionRecord(id="sub", customer="payer", plan="p", status="active")
                )

    def teardown(self) -> None:
        self.sql.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def both(self, work: Callable[[Any], Any], *, fail: bool = False) -> Any:
        """``work`` in a transaction of each store: the same answer, or the same refusal."""
        outcomes = []
        for store in (self.memory, self.sql):
            try:
                with store.transaction(lock="scope") as tx:
                    result = work(tx)
                    if fail:
                        raise _Abort
                outcomes.append(("ok", result))
            except BillkitError as error:
                outcomes.append(("refused", type(error).__name__))
            except _Abort:
                outcomes.append(("aborted", None))
        assert outcomes[0] == outcomes[1]
        return outcomes[0]

    # ------------------------------------------------------------- rules
    @rule(account=st.sampled_from(ACCOUNTS), key=keys, amount=amounts, at=moments)
    def post(self, account: str, key: str, amount: Decimal, at: datetime) -> None:
        entry = EntryRecord(account=account, key=key, amount=Money(amount, "EUR"), at=at, kind="x")
        self.both(lambda tx: tx.post(entry))

    @rule(
        batch=st.lists(
            st.tuples(st.sampled_from([*ACCOUNTS, "a-none"]), keys, amounts, moments), max_size=5
        )
    )
    def post_all(self, batch: list[tuple[str, str, Decimal, datetime]]) -> None:
        entries = [
            EntryRecord(account=a, key=k, amount=Money(x, "EUR"), at=at, kind="x")
            for a, k, x, at in batch
        ]
        self.both(lambda tx: tx.post_all(entries))

    @rule(account=st.sampled_from(ACCOUNTS), limit=st.integers(0, 300))
    def set_limit(self, account: str, limit: int) -> None:
        self.both(lambda tx: tx.set_credit_limit(account, Money(limit, "EUR")))

    @rule(
        events=st.lists(
            st.tuples(keys, st.sampled_from(["calls", "gb"]), st.integers(1, 5), moments),
            max_size=4,
        )
    )
    def add_usage(self, events: list[tuple[str, str, int, datetime]]) -> None:
        batch = [
            UsageRecord(subscription="sub", metric=m, at=at, quantity=Decimal(q), key=f"u-{k}")
            for k, m, q, at in events
        ]
        self.both(lambda tx: tx.add_usage(batch))

    @rule(doc=st.sampled_from(DOCS), total=st.integers(1, 50), stale=st.booleans())
    def save_draft(self, doc: str, total: int, stale: bool) -> None:
        with self.memory.transaction(readonly=True) as tx:
            try:
                version = tx.document(doc).version
            except BillkitError:
                version = 0
        record = DocumentRecord(
            id=doc,
            customer="payer",
            kind="invoice",
            total=Money(total, "EUR"),
            data={"total": str(total)},
            version=version + 1 if stale else version,
        )
        self.both(lambda tx: tx.save_draft(record))

    @rule(doc=st.sampled_from(DOCS), series=st.sampled_from(sorted(SERIES)), at=moments)
    def issue(self, doc: str, series: str, at: datetime) -> None:
        kind, result = self.both(lambda tx: tx.issue(doc, series=series, at=at))
        if kind == "ok":
            self.issued[doc] = result

    @rule(doc=st.sampled_from(DOCS), status=st.sampled_from(["paid", "void"]), at=moments)
    def change_status(self, doc: str, status: str, at: datetime) -> None:
        self.both(lambda tx: tx.change_status(doc, event=status, status=status, at=at))

    @rule(
        account=st.sampled_from(ACCOUNTS),
        doc=st.sampled_from(DOCS),
        series=st.sampled_from(sorted(SERIES)),
        amount=amounts,
        key=keys,
    )
    def fail_half_way(self, account: str, doc: str, series: str, amount: Decimal, key: str) -> None:
        """Number a document and post an entry, then crash: nothing of it stays."""

        def work(tx: Any) -> None:
            tx.issue(doc, series=series, at=T0)
            tx.post(
                EntryRecord(account=account, key=key, amount=Money(amount, "EUR"), at=T0, kind="y")
            )

        self.both(work, fail=True)

    @rule(key=keys, request=st.sampled_from([{"a": 1}, {"a": 2}]), result=st.integers(0, 3))
    def idempotent(self, key: str, request: dict[str, int], result: int) -> None:
        def work(tx: Any) -> Any:
            stored = tx.recall(key, request)
            if stored is None:
                tx.remember(key, request, {"result": result}, at=T0)
                return {"result": result}
            return stored

        kind, answer = self.both(work)
        if kind == "ok":
            # a replay gives what the first call stored
            assert answer == self.remembered.setdefault(key, answer)

    @rule(stale=st.booleans(), status=st.sampled_from(["active", "past_due"]))
    def update_subscription(self, stale: bool, status: str) -> None:
        with self.memory.transaction(readonly=True) as tx:
            current = tx.subscription("sub")
        change = attrs.evolve(
            current, status=status, version=current.version - 1 if stale else current.version
        )
        self.both(lambda tx: tx.update_subscription(change))

    # -------------------------------------------------------- invariants
    @invariant()
    def balances_are_sums_and_agree(self) -> None:
        seen = []
        for store in (self.memory, self.sql):
            with store.transaction(readonly=True) as tx:
                state = []
                for account in ACCOUNTS:
                    entries = tx.entries(account)
                    balance = tx.balance(account)
                    assert balance.amount == sum((e.amount.amount for e in entries), Decimal(0))
                    state.append(
                        (balance, entries, tx.balance_at(account, T0 + timedelta(hours=3)))
                    )
                usage = tx.usage_totals("sub", T0, T0 + timedelta(days=1))
                seen.append((state, usage, tx.subscription("sub")))
        assert seen[0] == seen[1]

    @invariant()
    def series_are_contiguous_and_issued_documents_unchanged(self) -> None:
        for store in (self.memory, self.sql):
            with store.transaction(readonly=True) as tx:
                documents = tx.documents(customer="payer")
                for name, prefix in SERIES.items():
                    numbers = sorted(
                        int(d.number.removeprefix(prefix))
                        for d in documents
                        if d.series == name and d.number
                    )
                    assert numbers == list(range(1, tx.series(name).next))
                for doc in documents:
                    if doc.id in self.issued:
                        first = self.issued[doc.id]
                        assert (
                            attrs.evolve(doc, status=first.status, version=first.version) == first
                        )


class _Abort(Exception):
    pass


StoresAgree.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_sql_store_agrees_with_memory_store = StoresAgree.TestCase
