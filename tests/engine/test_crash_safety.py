"""Crash safety: a month-end run that fails at any store or gateway call, rerun, equals one clean run.

Each crash point N makes the N-th call of the run raise (a transaction's
start, any store method, its commit, or a gateway call before it is sent or
after the provider acted but before the answer came back). The run is then
repeated without faults until it completes; the store must then hold exactly
what one uninterrupted run leaves: the same documents with gap-free numbers,
the same ledger entries and balances, the same subscriptions and outbox, and
the sandbox must have charged each invoice once.
"""

from __future__ import annotations

import shutil

from billkit.payments.sandbox import SandboxGateway
from billkit.payments.types import PaymentStatus
from billkit.ports import FixedClock
from billkit.storage import MemoryStore, SqlStore
from tests.engine import support

CUSTOMERS = 8  # visa, a declined card (c0003), a bank transfer (c0005)


def _month_end(store_factory, at: int) -> tuple[dict, SandboxGateway, int, int]:
    """Populate, then run month end failing at call ``at``; rerun until done. (snapshot, gateway, calls, crashes)"""
    clock = FixedClock(support.START)
    real_store = store_factory()
    gateway = SandboxGateway(clock=clock)
    support.populate(support.billing(real_store, gateway, clock), CUSTOMERS)
    clock.set(support.MONTH_END)
    faults = support.Faults()
    engine = support.billing(
        support.FaultyStore(real_store, faults), support.FaultyGateway(gateway, faults), clock
    )
    faults.calls, faults.at = 0, at  # count the run's calls only
    crashes = 0
    while True:
        try:
            engine.run()
            break
        except support.Crash:
            crashes += 1
            faults.at = 0  # the rerun goes through
    calls = faults.calls
    snap = support.snapshot(real_store, CUSTOMERS)
    real_store.close()
    return snap, gateway, calls, crashes


def _charged(gateway: SandboxGateway) -> dict[str, int]:
    """Succeeded or pending payments per document, as the provider sees them."""
    out: dict[str, int] = {}
    for n in range(1, 100):
        try:
            result = gateway.get_payment(f"pay_{n:04d}")
        except Exception:
            break
        if result.status in (PaymentStatus.SUCCEEDED, PaymentStatus.PENDING):
            out[result.reference] = out.get(result.reference, 0) + 1
    return out


def _check_crash_points(store_factory, step: int = 1) -> int:
    clean, clean_gateway, calls, _ = _month_end(store_factory, 0)
    numbers = sorted(d[1] for d in clean["documents"])
    assert numbers == [f"INV-{n:06d}" for n in range(1, CUSTOMERS + 1)]
    statuses = sorted(d[2] for d in clean["documents"])
    # 8 invoices: c0003 declined (issued), c0005 bank transfer (pending), 6 paid.
    assert statuses == ["issued", "paid", "paid", "paid", "paid", "paid", "paid", "pending"]
    points = range(1, calls + 1, step)
    for at in points:
        snap, gateway, _, crashes = _month_end(store_factory, at)
        assert crashes == 1, at
        assert snap == clean, f"crash at call {at} changed the outcome"
        assert _charged(gateway) == _charged(clean_gateway), at
    return len(points)


def test_every_crash_point_of_a_month_end_on_the_memory_store() -> None:
    # Every store and gateway call of the run: 8 customers, 8 charges, a
    # batch's writes one call per table (56 calls in all).
    assert _check_crash_points(MemoryStore) > 50


def test_crash_points_on_sqlite(tmp_path) -> None:
    # SQLite: every 4th crash point, each on a copy of one migrated database file.
    template = tmp_path / "template.sqlite"
    SqlStore(f"sqlite:///{template}", upgrade=True).close()
    made = iter(range(10_000))

    def fresh() -> SqlStore:
        path = tmp_path / f"db{next(made)}.sqlite"
        shutil.copy(template, path)
        return SqlStore(f"sqlite:///{path}")

    assert _check_crash_points(fresh, step=4) > 12
