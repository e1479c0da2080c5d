"""Failed charge answers are recorded as succeeded ones are: with their batch, per table.

Thirty customers whose cards are all declined, billed on 1 May: every
answer is a failure. The store is wrapped to count its calls (the real
store does the work); the failures must be written in the batch's one
``change_status_all``, not one ``change_status`` each, and, under a dunning
schedule, the day's moves (the overdue notice) done in the same
transaction rather than one more transaction per invoice.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from billkit.engine import Billing
from billkit.notify import MemoryNotifier
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock
from billkit.subscriptions import DunningSchedule
from tests.engine import support
from tests.engine.test_dunning import ACME, SCHEDULE
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

CUSTOMERS = 30


class _Counted:
    def __init__(self, tx: Any, calls: Counter[str]) -> None:
        self._tx, self._calls = tx, calls

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._tx, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self._calls[name] += 1
            return real(*args, **kwargs)

        return call


class CountingStore:
    """The real store; counts transactions (``begin``) and each method called in them."""

    def __init__(self, store: Any) -> None:
        self.store, self.calls = store, Counter[str]()

    @contextlib.contextmanager
    def transaction(self, **options: Any) -> Iterator[Any]:
        self.calls["begin"] += 1
        with self.store.transaction(**options) as tx:
            yield _Counted(tx, self.calls)

    def close(self) -> None:
        self.store.close()


def _month_end(store: Any, dunning: DunningSchedule | None) -> tuple[Counter[str], Billing]:
    clock = FixedClock(datetime(2026, 4, 1, 9, tzinfo=timezone.utc))
    setup = Billing(
        store,
        SandboxGateway(clock=clock),
        MemoryNotifier(),
        clock,
        [support.PRO],
        seller=support.SELLER,
        dunning=dunning,
    )
    for n in range(CUSTOMERS):
        setup.add_customer(f"c{n:02d}", ACME, currency="EUR", method="tok_insufficient_funds")
        setup.subscribe(f"s{n:02d}", f"c{n:02d}", "pro")
    clock.set(datetime(2026, 5, 1, 2, tzinfo=timezone.utc))
    counting = CountingStore(store)
    # A second Billing on the counted store: seller and dunning come from the store.
    engine = Billing(counting, setup.gateway, setup.notifier, clock)  # type: ignore[arg-type]
    counting.calls.clear()
    report = engine.run()
    assert (report.billed, report.paid, report.failed_payments) == (CUSTOMERS, 0, CUSTOMERS)
    assert report.failures == ()
    return counting.calls, engine


@pytest.mark.parametrize("dunning", [None, SCHEDULE], ids=["attempts", "schedule"])
def test_failed_answers_are_written_with_their_batch(store: Any, dunning: Any) -> None:
    calls, engine = _month_end(store, dunning)
    assert calls["change_status"] == 0  # no failure (nor dunning move) written on its own
    # All 30 failures in the batch's write; under SCHEDULE, the 30 overdue notices'
    # dunning moves in one more.
    assert calls["change_status_all"] == (1 if dunning is None else 2)
    # The run's transactions: the due subscriptions read, the pass's mark before its
    # billing, the billing batch, the credit-line book read, the services book read, the
    # shard's unpaid invoices read, the answers' batch, the pass's mark after its
    # payments: eight, whatever the number of failures (with one more per failed
    # invoice when its dunning had its own transaction).
    assert calls["begin"] == 8
    with store.transaction(readonly=True) as tx:
        for n in range(CUSTOMERS):
            doc = f"s{n:02d}|2026-04-01|2026-05-01|invoice|0"
            failed = [e for e in tx.document_events_of([doc])[doc] if e.event == "payment_failed"]
            assert [e.data["key"] for e in failed] == [f"pay|{doc}|0"]
    engine.deliver()
    topics = Counter(m.topic for m in engine.notifier.messages)  # type: ignore[attr-defined]
    assert topics["payment.failed"] == CUSTOMERS
    # SCHEDULE tells an invoice's customer on the day it falls overdue (day 0).
    assert topics["payment.overdue"] == (CUSTOMERS if dunning is not None else 0)
