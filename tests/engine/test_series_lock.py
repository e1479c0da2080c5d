"""A bill batch locks its customers from its start and the number series only
for its numbering and commit (docs/architecture.md, "Numbers and locks").

Twelve Pro customers subscribed on 1 March are billed on 1 April, in one
batch. The store is wrapped to record each transaction's lock scopes and the
calls made in it, in order (the real store does the work). On PostgreSQL a
second transaction holds the invoice series while the run bills: the batch
reads and computes everything, then waits at its ``lock`` call, holding only
its customers' scopes.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from billkit.engine import Billing
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock
from tests.engine import support
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

CUSTOMERS = 12


class _Recorded:
    def __init__(self, tx: Any, calls: list[tuple[str, tuple[Any, ...]]]) -> None:
        self._tx, self._calls = tx, calls

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._tx, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self._calls.append((name, args))  # before the call: a waiting call is the last
            return real(*args, **kwargs)

        return call


class RecordingStore:
    """The real store; records each transaction's lock scopes and its calls, in order."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.transactions: list[tuple[list[str], list[tuple[str, tuple[Any, ...]]]]] = []

    @contextlib.contextmanager
    def transaction(self, **options: Any) -> Iterator[Any]:
        lock = options.get("lock")
        calls: list[tuple[str, tuple[Any, ...]]] = []
        self.transactions.append(([lock] if isinstance(lock, str) else list(lock or ()), calls))
        with self.store.transaction(**options) as tx:
            yield _Recorded(tx, calls)

    def close(self) -> None:
        self.store.close()


def _business(store: Any) -> tuple[Billing, RecordingStore, FixedClock]:
    clock = FixedClock(support.START)
    setup = support.billing(store, SandboxGateway(clock=clock), clock)
    support.populate(setup, CUSTOMERS)
    clock.set(support.MONTH_END)
    recording = RecordingStore(store)
    engine = Billing(recording, setup.gateway, setup.notifier, clock, [support.PRO, support.TEAM])  # type: ignore[arg-type]
    return engine, recording, clock


def _the_bill_batch(
    recording: RecordingStore,
) -> tuple[list[str], list[tuple[str, tuple[Any, ...]]]]:
    (batch,) = [t for t in recording.transactions if any(n == "issue_all" for n, _ in t[1])]
    return batch


def _numbers(store: Any, series: str) -> list[str]:
    with store.transaction(readonly=True) as tx:
        docs = [d for c in range(CUSTOMERS) for d in tx.documents(customer=f"c{c:04d}")]
    return sorted(d.number for d in docs if d.series == series)  # type: ignore[misc]


def test_a_bill_batch_takes_the_series_only_to_number(store: Any) -> None:
    engine, recording, _ = _business(store)
    report = engine.run()
    assert report.billed == CUSTOMERS
    assert report.failures == ()
    lock, calls = _the_bill_batch(recording)
    # From the start: the twelve customers' scopes alone, no series.
    assert sorted(lock) == [f"account:c{n:04d}" for n in range(CUSTOMERS)]
    names = [n for n, _ in calls]
    # The series taken once, all at once, sorted, right before the numbering: after
    # every read and every document computed.
    assert names.count("lock") == 1
    at = names.index("lock")
    assert names[at + 1] == "issue_all"
    assert calls[at][1] == (tuple(sorted({f"series:{s}" for s in engine.series.values()})),)
    assert {"payers_of", "subscriptions_of", "documents_of", "usage_totals_for"} <= set(names[:at])
    # Twelve invoices numbered 1 to 12 of the invoice series: no gap, no duplicate.
    invoices = engine.series["invoice"]
    with store.transaction(readonly=True) as tx:
        kept = tx.series(invoices)
    assert _numbers(store, invoices) == sorted(kept.format(n) for n in range(1, CUSTOMERS + 1))


@pytest.mark.postgres
@pytest.mark.parametrize("store", ["postgres"], indirect=True)
def test_a_bill_batch_computes_while_another_holds_the_series(store: Any) -> None:
    import sqlalchemy as sa

    from billkit.storage.sql import lock_key

    engine, recording, _ = _business(store)
    invoices = engine.series["invoice"]
    key = lock_key(f"series:{invoices}", store._schema)
    holding, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    reports: list[Any] = []

    def holder() -> None:
        try:
            with store.transaction(lock=f"series:{invoices}"):
                holding.set()
                release.wait(60)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    def runner() -> None:
        try:
            reports.append(engine.run())
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    first, second = threading.Thread(target=holder), threading.Thread(target=runner)
    first.start()
    assert holding.wait(30)
    second.start()
    admin = sa.create_engine(store.url)
    try:
        waiting = None
        deadline = time.monotonic() + 60
        with admin.connect() as conn:
            while waiting is None and time.monotonic() < deadline:
                waiting = conn.execute(
                    sa.text(
                        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                        " AND classid::bigint = :hi AND objid::bigint = :lo"
                    ),
                    {"hi": (key >> 32) & 0xFFFFFFFF, "lo": key & 0xFFFFFFFF},
                ).scalar()
                time.sleep(0.02)
        assert waiting is not None, "the run never waited for the held series"
        # It waits in its `lock` call, having read and computed the whole batch
        # (its documents held for the one issue_all after it).
        lock, calls = next(
            t for t in reversed(recording.transactions) if any(n == "lock" for n, _ in t[1])
        )
        assert all(scope.startswith("account:") for scope in lock)
        assert len(lock) == CUSTOMERS
        assert calls[-1][0] == "lock"
        assert "documents_of" in [n for n, _ in calls]
    finally:
        release.set()
        first.join(60)
        second.join(60)
        admin.dispose()
    assert not errors
    assert reports[0].billed == CUSTOMERS
    with store.transaction(readonly=True) as tx:
        kept = tx.series(invoices)
    assert _numbers(store, invoices) == sorted(kept.format(n) for n in range(1, CUSTOMERS + 1))
