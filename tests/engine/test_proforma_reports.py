"""A run's report lists the invoices (or acts) its proformas' payments issue.

The Pro plan of ``tests/engine/support.py`` with no usage: 20.00 EUR a month
plus 22 % VAT, 20.00 x 1.22 = 24.40 EUR. Acme pays by card, so its proforma
is paid in the run and its invoice (or act) issued; Bolt pays by transfer
(no saved method), so its proforma waits.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from billkit.engine import Billing, RunReport
from billkit.notify import MemoryNotifier
from billkit.parties.party import Party
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock, Store
from billkit.storage import MemoryStore
from tests.engine import support
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

ACME = Party(kind="legal_entity", country="IT", name="Acme S.p.A.")
MARCH = "2026-03-01|2026-04-01"


def _run(final: str) -> RunReport:
    clock = FixedClock(support.START)
    engine = support.pro_in_memory(
        clock,
        proforma=True,
        proforma_final=final,
    )
    engine.add_customer("acme", ACME, currency="EUR", method="tok_visa")
    engine.add_customer("bolt", ACME, currency="EUR")
    engine.subscribe("acme-pro", "acme", "pro")
    engine.subscribe("bolt-pro", "bolt", "pro")
    clock.set(support.MONTH_END)
    return engine.run()


@pytest.mark.parametrize("final", ["invoice", "act"])
def test_the_report_lists_what_the_payments_issued(final: str) -> None:
    report = _run(final)
    assert report.issued == (
        f"acme-pro|{MARCH}|proforma|0",
        f"bolt-pro|{MARCH}|proforma|0",
        f"acme-pro|{MARCH}|{final}|0",
    )
    assert report.documents == (
        (f"acme-pro|{MARCH}|proforma|0", "acme", "EUR", Decimal("24.40")),
        (f"bolt-pro|{MARCH}|proforma|0", "bolt", "EUR", Decimal("24.40")),
        (f"acme-pro|{MARCH}|{final}|0", "acme", "EUR", Decimal("24.40")),
    )
    assert (report.billed, report.paid, report.failed_payments) == (2, 1, 0)
    # Two proformas of 24.40 asked for 48.80; Acme's invoice is its proforma's money.
    assert report.invoiced == (("EUR", Decimal("48.80")),)
    assert report.to_table().to_records() == [
        {
            "account": "acme",
            "status": "billed",
            "documents": 2,
            "total": Decimal("24.40"),
            "currency": "EUR",
            "reason": "",
        },
        {
            "account": "bolt",
            "status": "billed",
            "documents": 1,
            "total": Decimal("24.40"),
            "currency": "EUR",
            "reason": "",
        },
    ]


def test_a_report_without_proformas_is_as_before() -> None:
    clock = FixedClock(support.START)
    engine = support.pro_in_memory(clock)
    engine.add_customer("acme", ACME, currency="EUR", method="tok_visa")
    engine.subscribe("acme-pro", "acme", "pro")
    clock.set(support.MONTH_END)
    report = engine.run()
    assert report.issued == (f"acme-pro|{MARCH}|invoice|0",)
    assert report.invoiced == (("EUR", Decimal("24.40")),)


# ------------------------------------------------ rejected periods, on every run

REJECTED = "the calls are not ours"


class _CountingStore:
    """The real store, counting each transaction method called (by name)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.calls: Counter[str] = Counter()

    @contextlib.contextmanager
    def transaction(self, **options: Any) -> Iterator[Any]:
        with self.store.transaction(**options) as tx:
            yield _Counting(tx, self.calls)

    def close(self) -> None:
        self.store.close()


class _Counting:
    def __init__(self, tx: Any, calls: Counter[str]) -> None:
        self._tx, self._calls = tx, calls

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._tx, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self._calls[name] += 1
            return real(*args, **kwargs)

        return call


def _approving(store: Any, clock: FixedClock) -> Billing:
    return Billing(store, SandboxGateway(clock=clock), MemoryNotifier(), clock, [support.PRO],
                   seller=support.SELLER, proforma=True, proforma_approval=True)  # fmt: skip


def _march_rejected(store: Any, customers: int, rejected: int) -> tuple[Billing, FixedClock]:
    """``customers`` on the Pro plan, March billed by proforma (1 April), the first
    ``rejected`` proformas rejected on 3 April."""
    clock = FixedClock(support.START)
    engine = _approving(store, clock)
    support.populate(engine, customers)
    clock.set(support.MONTH_END)
    engine.run()
    clock.set(datetime(2026, 4, 3, 10, tzinfo=timezone.utc))
    for n in range(rejected):
        engine.reject(f"s{n:04d}|{MARCH}|proforma|0", reason=REJECTED)
    return engine, clock


def test_every_run_reports_the_periods_standing_rejected_in_its_shard(store: Store) -> None:
    engine, clock = _march_rejected(store, 6, 3)
    first, second, third = (f"s{n:04d}|{MARCH}|proforma|0" for n in range(3))
    # 4 April: nothing is due, nothing billed; the three periods are reported all
    # the same, each shard its own, in the order of their ids.
    clock.set(datetime(2026, 4, 4, 2, tzinfo=timezone.utc))
    report = engine.run()
    assert (report.billed, report.issued, report.rejected) == (0, (), (first, second, third))
    assert engine.run(id_from="s0001", id_to="s0002").rejected == (second,)
    assert engine.run(id_from="s0002").rejected == (third,)
    assert engine.run(id_to="s0001").rejected == (first,)
    assert engine.run(id_from="s0003").rejected == ()
    # Asked again (reissue) or replaced by a changed bill: no longer reported.
    engine.reissue(first)
    engine.record_usage("s0001", "calls", 100_000, key="late", at=support.START)
    assert engine.run().rejected == (second, third)
    clock.set(support.MONTH_END + timedelta(days=30))  # 1 May: March's bill of s0001 changed
    report = engine.run()
    assert f"s0001|{MARCH}|proforma|1" in report.issued
    assert report.rejected == (third,)


def test_the_rejected_periods_are_read_once_whatever_their_number() -> None:
    # On a day nothing is due, a run makes the same store calls for one rejected
    # period as for five: one read of the rejected proformas, one of their events
    # (the collection reads events of its own too).
    calls = []
    for rejected in (1, 5):
        store = MemoryStore()
        _engine, clock = _march_rejected(store, 6, rejected)
        counting = _CountingStore(store)
        clock.set(datetime(2026, 4, 4, 2, tzinfo=timezone.utc))
        assert len(_approving(counting, clock).run().rejected) == rejected
        calls.append(counting.calls)
    assert calls[0] == calls[1]
    assert calls[0]["documents_in_status"] == 1
    assert not {"document", "document_events", "documents", "documents_of"} & set(calls[0])


def test_a_business_without_approval_reads_nothing_for_it() -> None:
    clock = FixedClock(support.START)
    counting = _CountingStore(MemoryStore())
    engine = Billing(counting, SandboxGateway(clock=clock), MemoryNotifier(), clock,
                     [support.PRO], seller=support.SELLER, proforma=True)  # fmt: skip
    support.populate(engine, 3)
    clock.set(support.MONTH_END)
    assert engine.run().rejected == ()
    assert counting.calls["documents_in_status"] == 0
