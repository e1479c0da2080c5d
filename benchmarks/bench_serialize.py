"""How fast does billkit.serialize save and read values, compared with pickle?

Three values: a ledger of 2 000 entries, an invoice of 300 lines and a
subscription. For each, ``dumps`` then ``loads`` is timed against
``pickle.dumps`` then ``pickle.loads`` of the same value, in the same process,
in alternating rounds, in CPU time (medians of the rounds' best); ``dumps``
alone (what a bill run's manifest hashes) is timed in the same rounds. Both
read paths rebuild through constructors for the ledger (a ledger pickles as its
constructor arguments and is replayed); for the others pickle copies the fields
without checking them, which is the floor.
Every round trip is checked to give an equal value before anything is timed.

Run: ``python benchmarks/bench_serialize.py``
"""

from __future__ import annotations

import pickle
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

from billkit.credit import Ledger, Wallet
from billkit.invoicing import DocumentTerms, Item, build_invoice
from billkit.money import Money
from billkit.parties import Party
from billkit.pricing import Plan
from billkit.serialize import dumps, loads
from billkit.subscriptions import PaymentSucceeded, Subscribe, apply, start_trial

ROUNDS = 5


def _ledger() -> Ledger:
    ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for i in range(1_000):
        at = start + timedelta(hours=i)
        ledger = ledger.top_up("main", "100.00", at=at, key=f"p{i}")
        ledger = ledger.charge("main", "99.99", at=at + timedelta(minutes=1), key=f"c{i}")
    return ledger


def _invoice() -> object:
    items = [
        Item(
            description=f"VPS-{i}",
            quantity=i % 7 + 1,
            unit="month",
            unit_price=Money(f"{i % 90 + 10}.33", "RUB"),
        )
        for i in range(300)
    ]
    terms = DocumentTerms(
        seller=Party(kind="legal_entity", country="RU", name="ООО Хостинг"),
        buyer=Party(kind="legal_entity", country="RU", name="ООО Клиент"),
        rules=None,
    )
    return build_invoice(
        items, terms, number="INV-1", issue_date=date(2026, 1, 12), payment_days=10
    )


def _subscription() -> object:
    plan = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    sub = start_trial("org-1", plan=plan, on=date(2026, 1, 1)).subscription
    sub = apply(sub, Subscribe(on=date(2026, 1, 1), role="org_admin", plan=plan)).subscription
    return apply(sub, PaymentSucceeded(on=date(2026, 1, 1), invoice_id="org-1/0001")).subscription


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.process_time()
        fn()
        times.append(time.process_time() - started)
    return min(times)


def main() -> None:
    values = {
        "ledger (2 000 entries)": _ledger(),
        "invoice (300 lines)": _invoice(),
        "subscription": _subscription(),
    }
    print(
        f"{'value':<24}{'json bytes':>12}{'dumps ms':>10}{'serialize ms':>14}"
        f"{'pickle ms':>11}{'ratio':>8}"
    )
    for name, value in values.items():
        text = dumps(value)
        assert loads(text) == value
        assert pickle.loads(pickle.dumps(value)) == value
        repeat = 3 if "ledger" in name else 50
        ours, theirs, hashing = [], [], []
        for _ in range(ROUNDS):
            hashing.append(_best(lambda v=value: dumps(v), repeat))
            ours.append(_best(lambda v=value: loads(dumps(v)), repeat))
            theirs.append(_best(lambda v=value: pickle.loads(pickle.dumps(v)), repeat))
        a, b = statistics.median(ours) * 1000, statistics.median(theirs) * 1000
        h = statistics.median(hashing) * 1000
        print(f"{name:<24}{len(text.encode()):>12,}{h:>10.2f}{a:>14.2f}{b:>11.2f}{a / b:>8.1f}")


if __name__ == "__main__":
    main()
