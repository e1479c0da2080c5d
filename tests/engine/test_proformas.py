"""Billing by proforma: a request to pay first, the invoice once it is paid.

The attribution business issues a proforma at the end of each period; the
official invoice follows when the customer pays. With ``proforma=`` the
engine issues a proforma (series ``PF``) for each due period, collects it as
it would an invoice (balance, saved method, webhook, :meth:`Billing.pay`),
and in the transaction that records the payment issues the invoice made
from it (series ``INV``, gap-free), already paid. A rerun, a retried
webhook or a crash at any point never issues it twice.

The Pro plan of ``tests/engine/support.py``: 20.00 EUR a month, 100 calls
included, then 0.01 a call; 22 % Italian VAT.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from billkit.engine import Billing
from billkit.errors import BillingError, WebhookError
from billkit.money import Money
from billkit.notify import MemoryNotifier
from billkit.parties.party import Party
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock, PaymentGateway, Store
from billkit.serialize import from_data
from billkit.storage import MemoryStore, SqlStore
from tests.engine import support
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

ACME = Party(kind="legal_entity", country="IT", name="Acme S.p.A.")
PROFORMA_0 = "acme-pro|2026-03-01|2026-04-01|proforma|0"
INVOICE_0 = "acme-pro|2026-03-01|2026-04-01|invoice|0"


def _billing(store: Any, gateway: PaymentGateway, clock: FixedClock, **options: Any) -> Billing:
    return Billing(
        store,
        gateway,
        MemoryNotifier(),
        clock,
        [support.PRO, support.TEAM],
        seller=support.SELLER,
        **{"proforma": True, **options},
    )


def _setup(
    store: Any, method: str | None = "tok_visa", duplicates: str = "0", **options: Any
) -> tuple[Billing, FixedClock]:
    clock = FixedClock(support.START)
    gateway = SandboxGateway(clock=clock, duplicates=duplicates)
    engine = _billing(store, gateway, clock, **options)
    engine.add_customer("acme", ACME, currency="EUR", method=method)
    engine.subscribe("acme-pro", "acme", "pro")
    engine.record_usage("acme-pro", "calls", 600, key="e1")
    clock.set(support.MONTH_END)
    return engine, clock


def _docs(store: Any) -> list[tuple[str, str | None, str, str]]:
    with store.transaction(readonly=True) as tx:
        return [(d.id, d.number, d.status, str(d.total.amount)) for d in tx.documents()]


def test_a_proforma_first_then_the_invoice_when_paid(store: Store) -> None:
    engine, _ = _setup(store)
    report = engine.run()
    # 20.00 + (600 - 100) x 0.01 = 25.00 net; 22 % VAT: 30.50, asked for and charged once.
    # The invoice its payment issued is in the report too, its money counted once.
    assert report.issued == (PROFORMA_0, INVOICE_0)
    assert report.invoiced == (("EUR", Decimal("30.50")),)
    assert (report.paid, report.failed_payments) == (1, 0)
    assert _docs(store) == [
        (INVOICE_0, "INV-000001", "paid", "30.50"),
        (PROFORMA_0, "PF-000001", "paid", "30.50"),
    ]
    with store.transaction(readonly=True) as tx:
        invoice = from_data(tx.document(INVOICE_0).data)
        proforma = from_data(tx.document(PROFORMA_0).data)
        assert invoice.kind.value == "invoice"
        assert [r.number for r in invoice.references] == ["PF-000001"]
        assert (invoice.lines, invoice.totals) == (proforma.lines, proforma.totals)
        # One payment, one charge: the invoice is paid by the proforma's payment.
        assert [(e.kind, e.amount) for e in tx.entries("acme/main")] == [
            ("payment", Money("30.50", "EUR")),
            ("charge", Money("-30.50", "EUR")),
        ]
        assert [e.event for e in tx.document_events(INVOICE_0)] == ["issue", "pay"]
    # A rerun (the same day, and a day later) issues nothing and charges nothing.
    assert engine.run().issued == ()
    engine.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    assert (engine.run().issued, engine.run().paid) == ((), 0)
    assert len(_docs(store)) == 2
    engine.deliver()
    told = [(m.topic, m.payload.get("number")) for m in engine.notifier.messages]  # type: ignore[attr-defined]
    assert told == [
        ("usage.threshold", None),
        ("usage.threshold", None),
        ("proforma.issued", "PF-000001"),
        ("payment.received", "PF-000001"),
        ("invoice.issued", "INV-000001"),
    ]
    assert engine.notifier.messages[2].payload["kind"] == "proforma"  # type: ignore[attr-defined]


def test_a_proforma_paid_from_the_balance() -> None:
    store = MemoryStore()
    engine, _ = _setup(store, method=None)
    engine.top_up("acme", Money("100.00", "EUR"), key="t1")  # fails: no saved method
    assert engine.run().paid == 0
    assert _docs(store) == [(PROFORMA_0, "PF-000001", "issued", "30.50")]
    # The customer pays 50.00 in; the proforma is paid from the balance by pay().
    with store.transaction() as tx:
        from billkit.storage.records import EntryRecord

        tx.post(
            EntryRecord(
                account="acme/main",
                key="wire-1",
                amount=Money("50.00", "EUR"),
                at=engine.clock.now(),
                kind="payment",
            )
        )
    assert engine.pay(PROFORMA_0) == "paid"
    assert engine.pay(PROFORMA_0) == "skipped"
    assert _docs(store) == [
        (INVOICE_0, "INV-000001", "paid", "30.50"),
        (PROFORMA_0, "PF-000001", "paid", "30.50"),
    ]
    with store.transaction(readonly=True) as tx:
        assert tx.balance("acme/main") == Money("19.50", "EUR")  # 50.00 - 30.50


def test_a_bank_transfer_settles_the_proforma_by_webhook_once() -> None:
    store = MemoryStore()
    engine, clock = _setup(store, method="tok_bank_transfer")
    assert engine.run().paid == 0
    assert _docs(store) == [(PROFORMA_0, "PF-000001", "pending", "30.50")]
    clock.advance(timedelta(days=3, minutes=1))
    gateway = engine.gateway
    assert isinstance(gateway, SandboxGateway)
    deliveries = gateway.deliveries()
    assert sum(engine.handle_webhook(d.headers, d.body) for d in deliveries) == 1
    with pytest.raises(WebhookError):  # a replayed delivery is refused before anything
        engine.handle_webhook(deliveries[-1].headers, deliveries[-1].body)
    assert _docs(store) == [
        (INVOICE_0, "INV-000001", "paid", "30.50"),
        (PROFORMA_0, "PF-000001", "paid", "30.50"),
    ]
    assert engine.run().issued == ()


def test_numbers_are_gap_free_per_series_in_the_order_of_payment() -> None:
    store = MemoryStore()
    clock = FixedClock(support.START)
    engine = _billing(store, SandboxGateway(clock=clock), clock)
    for n in range(3):
        engine.add_customer(f"c{n}", ACME, currency="EUR", method=None)
        engine.subscribe(f"s{n}", f"c{n}", "pro")
    clock.set(support.MONTH_END)
    engine.run()
    for who in ("c2", "c0"):  # c2 pays first, c1 never
        engine.top_up(who, Money("24.40", "EUR"), key="t", via=None)  # no method: refused
        with store.transaction() as tx:
            from billkit.storage.records import EntryRecord

            tx.post(
                EntryRecord(
                    account=f"{who}/main",
                    key="wire",
                    amount=Money("24.40", "EUR"),  # 20.00 + 22 %
                    at=clock.now(),
                    kind="payment",
                )
            )
        assert engine.pay(f"s{who[1]}|2026-03-01|2026-04-01|proforma|0") == "paid"
    numbers = {d[0].split("|")[0] + "/" + d[0].split("|")[3]: d[1] for d in _docs(store)}
    assert numbers == {
        "s0/proforma": "PF-000001",
        "s1/proforma": "PF-000002",
        "s2/proforma": "PF-000003",
        "s2/invoice": "INV-000001",
        "s0/invoice": "INV-000002",
    }


def test_proformas_for_some_plans_only() -> None:
    store = MemoryStore()
    engine, _ = _setup(store, proforma=["team"])
    engine.run()
    # Pro is not billed by proforma: its invoice is issued and paid at once.
    assert _docs(store) == [(INVOICE_0, "INV-000001", "paid", "30.50")]


def test_late_usage_replaces_an_unpaid_proforma_and_credits_a_paid_invoice() -> None:
    store = MemoryStore()
    engine, clock = _setup(store, method=None)
    engine.run()
    # 100 more calls for March arrive late: (20.00 + 600 x 0.01) x 1.22 = 31.72.
    engine.record_usage("acme-pro", "calls", 100, key="late", at=support.START)
    clock.set(datetime(2026, 5, 1, 2, tzinfo=timezone.utc))
    report = engine.run()
    assert report.issued == (
        "acme-pro|2026-03-01|2026-04-01|proforma|1",
        "acme-pro|2026-04-01|2026-05-01|proforma|0",
    )
    with store.transaction(readonly=True) as tx:
        statuses = {d.id: (d.number, d.status, str(d.total.amount)) for d in tx.documents()}
        refs = [r.number for r in from_data(tx.document(report.issued[0]).data).references]
    # The unpaid proforma is withdrawn (no credit note: it is not a tax document).
    assert statuses == {
        PROFORMA_0: ("PF-000001", "withdrawn", "30.50"),
        "acme-pro|2026-03-01|2026-04-01|proforma|1": ("PF-000002", "issued", "31.72"),
        "acme-pro|2026-04-01|2026-05-01|proforma|0": ("PF-000003", "issued", "24.40"),
    }
    assert refs == ["PF-000001"]
    # Paid: its invoice is of its revision. More late usage then credits that invoice
    # (paid: the 31.72 goes back to the balance) and asks again by a proforma.
    with store.transaction() as tx:
        from billkit.storage.records import EntryRecord

        tx.post(
            EntryRecord(
                account="acme/main",
                key="wire",
                amount=Money("31.72", "EUR"),
                at=clock.now(),
                kind="payment",
            )
        )
    assert engine.pay("acme-pro|2026-03-01|2026-04-01|proforma|1") == "paid"
    engine.record_usage("acme-pro", "calls", 100, key="later", at=support.START)
    clock.set(datetime(2026, 6, 1, 2, tzinfo=timezone.utc))
    report = engine.run()
    assert report.issued == (
        "acme-pro|2026-03-01|2026-04-01|credit_note|2",
        "acme-pro|2026-03-01|2026-04-01|proforma|2",
        "acme-pro|2026-05-01|2026-06-01|proforma|0",
        "acme-pro|2026-04-01|2026-05-01|invoice|0",  # April's proforma paid (below)
    )
    # (20.00 + 700 x 0.01) x 1.22 = 32.94 for March now; May: 24.40; and the invoice
    # of April's proforma (issued by an earlier run) for 24.40, issued by this one.
    assert report.invoiced == (
        ("EUR", Decimal("-31.72") + Decimal("32.94") + Decimal("24.40") + Decimal("24.40")),
    )
    with store.transaction(readonly=True) as tx:
        assert tx.document("acme-pro|2026-03-01|2026-04-01|invoice|1").status == "paid"
        assert tx.document("acme-pro|2026-03-01|2026-04-01|proforma|2").total == Money(
            "32.94", "EUR"
        )
        # The credit note gave the paid 31.72 back to the balance; collecting in id
        # order, March's 32.94 is more than that, April's 24.40 is paid from it
        # (and its invoice made): 31.72 - 24.40 = 7.32 left.
        assert tx.document("acme-pro|2026-03-01|2026-04-01|proforma|2").status == "issued"
        assert tx.document("acme-pro|2026-04-01|2026-05-01|invoice|0").status == "paid"
        assert tx.balance("acme/main") == Money("7.32", "EUR")


# ---------------------------------------------------------------- crash safety

CUSTOMERS = 8  # visa, a declined card (c0003), a bank transfer (c0005)


def _month_end(store_factory: Any, at: int) -> tuple[dict[str, Any], int, int]:
    """Populate, run month end failing at call ``at``, rerun until done: (snapshot, calls, crashes)."""
    clock = FixedClock(support.START)
    real_store = store_factory()
    gateway = SandboxGateway(clock=clock)
    support.populate(_billing(real_store, gateway, clock), CUSTOMERS)
    clock.set(support.MONTH_END)
    faults = support.Faults()
    engine = _billing(
        support.FaultyStore(real_store, faults), support.FaultyGateway(gateway, faults), clock
    )
    faults.calls, faults.at = 0, at
    crashes = 0
    while True:
        try:
            engine.run()
            break
        except support.Crash:
            crashes += 1
            faults.at = 0
    calls = faults.calls
    engine.run()  # and once more: nothing changes
    snap = support.snapshot(real_store, CUSTOMERS)
    real_store.close()
    return snap, calls, crashes


def _check_crash_points(store_factory: Any, step: int = 1) -> int:
    clean, calls, _ = _month_end(store_factory, 0)
    numbers = sorted(d[1] for d in clean["documents"])
    # 8 proformas; 6 paid at once (c0003's card is declined, c0005's transfer pending),
    # so 6 invoices, numbered without gaps.
    assert numbers == sorted(
        [f"PF-{n:06d}" for n in range(1, 9)] + [f"INV-{n:06d}" for n in range(1, 7)]
    )
    points = range(1, calls + 1, step)
    for at in points:
        snap, _, crashes = _month_end(store_factory, at)
        assert crashes == 1, at
        assert snap == clean, f"crash at call {at} changed the outcome"
    return len(points)


def test_every_crash_point_of_a_proforma_month_end_on_the_memory_store() -> None:
    assert _check_crash_points(MemoryStore) > 50


def test_crash_points_of_a_proforma_month_end_on_sqlite(tmp_path: Any) -> None:
    template = tmp_path / "template.sqlite"
    SqlStore(f"sqlite:///{template}", upgrade=True).close()
    made = iter(range(10_000))

    def fresh() -> SqlStore:
        path = tmp_path / f"db{next(made)}.sqlite"
        shutil.copy(template, path)
        return SqlStore(f"sqlite:///{path}")

    assert _check_crash_points(fresh, step=5) > 10


# ---------------------------------------------------------------- concurrency


def _pay_at_once(url: str, schema: str | None, workers: int = 4) -> list[str]:
    """``workers`` threads, each on its own store, pay the one proforma at the same moment."""
    import threading

    barrier = threading.Barrier(workers)
    answers: list[str] = []

    def pay() -> None:
        store = SqlStore(url, schema=schema) if schema else SqlStore(url)
        try:
            clock = FixedClock(support.MONTH_END + timedelta(hours=1))
            engine = _billing(store, SandboxGateway(clock=clock), clock)
            barrier.wait()
            answers.append(engine.pay(PROFORMA_0))
        finally:
            store.close()

    threads = [threading.Thread(target=pay) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(answers)


def _prepared(store: Any) -> None:
    """acme's March proforma issued (no saved method), and 30.50 paid in to the balance."""
    from billkit.storage.records import EntryRecord

    engine, clock = _setup(store, method=None)
    engine.run()
    with store.transaction() as tx:
        tx.post(
            EntryRecord(
                account="acme/main",
                key="wire",
                amount=Money("30.50", "EUR"),
                at=clock.now(),
                kind="payment",
            )
        )


def _check_paid_once(store: Any) -> None:
    assert _docs(store) == [
        (INVOICE_0, "INV-000001", "paid", "30.50"),
        (PROFORMA_0, "PF-000001", "paid", "30.50"),
    ]
    with store.transaction(readonly=True) as tx:
        assert tx.balance("acme/main") == Money("0", "EUR")  # 30.50 - 30.50, charged once


def test_workers_paying_one_proforma_at_once_issue_one_invoice_on_sqlite(tmp_path: Any) -> None:
    from tests.storage.support import migrated_sqlite

    url = migrated_sqlite(tmp_path)
    store = SqlStore(url)
    _prepared(store)
    assert _pay_at_once(url, None) == ["paid", "skipped", "skipped", "skipped"]
    _check_paid_once(store)
    store.close()


def test_workers_paying_one_proforma_at_once_issue_one_invoice_on_postgres(
    postgres_schema: Any,
) -> None:
    postgres_schema.empty()
    store = SqlStore(postgres_schema.url, schema=postgres_schema.name)
    _prepared(store)
    assert _pay_at_once(postgres_schema.url, postgres_schema.name) == [
        "paid",
        "skipped",
        "skipped",
        "skipped",
    ]
    _check_paid_once(store)
    store.close()


# ---------------------------------------------------------------- dunning


def test_an_unpaid_proforma_is_dunned_on_the_schedule_then_paid_late() -> None:
    from billkit.storage.records import EntryRecord
    from billkit.subscriptions import DunningSchedule, DunningStep

    schedule = DunningSchedule(
        steps=[
            DunningStep(move="retry", days=1),
            DunningStep(move="retry", days=2),
            DunningStep(move="freeze", days=2),
            DunningStep(move="cancel", anchor="cycle_end"),
        ]
    )
    store = MemoryStore()
    engine, clock = _setup(store, method="tok_insufficient_funds", dunning=schedule)
    failed = []
    for _ in range(4):  # 1 to 4 April: overdue on the 1st, retried on the 2nd and 3rd
        failed.append(engine.run().failed_payments)
        clock.advance(timedelta(days=1))
    assert failed == [1, 1, 1, 0]
    with store.transaction(readonly=True) as tx:
        sub = tx.subscription("acme-pro")
        assert (sub.status, sub.data["frozen_on"]) == ("frozen", "2026-04-03")
    # A late transfer pays the proforma: its invoice is issued, the subscription unfrozen.
    with store.transaction() as tx:
        tx.post(
            EntryRecord(
                account="acme/main",
                key="wire",
                amount=Money("30.50", "EUR"),
                at=clock.now(),
                kind="payment",
            )
        )
    assert engine.pay(PROFORMA_0) == "paid"
    assert _docs(store) == [
        (INVOICE_0, "INV-000001", "paid", "30.50"),
        (PROFORMA_0, "PF-000001", "paid", "30.50"),
    ]
    with store.transaction(readonly=True) as tx:
        assert tx.subscription("acme-pro").status == "active"


# ---------------------------------------------------------------- an act on payment


def test_the_hosting_business_issues_an_act_when_its_proforma_is_paid() -> None:
    from billkit.pricing.models import PerUnit
    from billkit.pricing.plans import Charge, Plan

    # 250.00 RUB a month and 1.00 RUB a GB of traffic, prices including 22 % VAT.
    vps = Plan(
        code="vps",
        name="VPS Start",
        currency="RUB",
        base_fee=Money("250.00", "RUB"),
        charges=[
            Charge(
                code="traffic", metric="traffic_gb", model=PerUnit(unit_price=Money("1.00", "RUB"))
            )
        ],
    )
    store = MemoryStore()
    clock = FixedClock(support.START)
    engine = Billing(
        store,
        SandboxGateway(clock=clock),
        MemoryNotifier(),
        clock,
        [vps],
        seller=Party(kind="legal_entity", country="RU", name='ООО "Хостинг"'),
        locale="ru_RU",
        prices_include_tax=True,
        proforma=True,
        proforma_final="act",
    )
    engine.add_customer("olga", Party(kind="individual", country="RU", name="Olga Ivanova"),
                        currency="RUB", method="tok_visa")  # fmt: skip
    engine.subscribe("olga-vps", "olga", "vps")
    engine.record_usage("olga-vps", "traffic_gb", 50, key="t1")
    clock.set(support.MONTH_END)
    assert engine.run().issued == (
        "olga-vps|2026-03-01|2026-04-01|proforma|0",
        "olga-vps|2026-03-01|2026-04-01|act|0",
    )
    with store.transaction(readonly=True) as tx:
        act = from_data(tx.document("olga-vps|2026-03-01|2026-04-01|act|0").data)
        proforma = from_data(tx.document("olga-vps|2026-03-01|2026-04-01|proforma|0").data)
    # 250.00 + 50 x 1.00 = 300.00 with VAT: 250 x 22/122 = 45.08 and 50 x 22/122 = 9.02.
    assert act.kind.value == "act"
    assert (act.totals.net, act.totals.tax, act.totals.gross) == (
        Money("245.90", "RUB"),
        Money("54.10", "RUB"),
        Money("300.00", "RUB"),
    )
    assert (act.lines, act.references[0].number) == (proforma.lines, "PF-000001")
    # 10 GB more of March arrive late: the act is credited (paid: 300.00 back to the
    # balance) and a proforma of the next revision asks for 310.00; the card pays it
    # (more than the balance) and its act follows; April's 250.00 is paid from the balance.
    engine.record_usage("olga-vps", "traffic_gb", 10, key="t2", at=support.START)
    clock.set(datetime(2026, 5, 1, 2, tzinfo=timezone.utc))
    engine.run()
    with store.transaction(readonly=True) as tx:
        numbers = {
            d.id.split("|", 1)[1]: (d.number, d.status, str(d.total.amount)) for d in tx.documents()
        }
        entries = [(e.kind, str(e.amount.amount)) for e in tx.entries("olga/main")]
    assert numbers == {
        "2026-03-01|2026-04-01|act|0": ("ACT-000001", "paid", "300.00"),
        "2026-03-01|2026-04-01|proforma|0": ("PF-000001", "paid", "300.00"),
        "2026-03-01|2026-04-01|credit_note|1": ("CN-000001", "issued", "300.00"),
        "2026-03-01|2026-04-01|proforma|1": ("PF-000002", "paid", "310.00"),
        "2026-03-01|2026-04-01|act|1": ("ACT-000002", "paid", "310.00"),
        "2026-04-01|2026-05-01|proforma|0": ("PF-000003", "paid", "250.00"),
        "2026-04-01|2026-05-01|act|0": ("ACT-000003", "paid", "250.00"),
    }
    assert entries == [
        ("payment", "300.00"),
        ("charge", "-300.00"),
        ("refund", "300.00"),
        ("payment", "310.00"),
        ("charge", "-310.00"),
        ("charge", "-250.00"),
    ]
    assert engine.run().issued == ()


def test_bad_proforma_settings_are_refused_by_name() -> None:
    clock = FixedClock(support.START)
    with pytest.raises(BillingError, match="proforma_final = 'receipt'"):
        _billing(MemoryStore(), SandboxGateway(clock=clock), clock, proforma_final="receipt")
    with pytest.raises(BillingError, match=r"proforma\[0\] = ''"):
        _billing(MemoryStore(), SandboxGateway(clock=clock), clock, proforma=[""])
    with pytest.raises(BillingError, match="proforma_series = ''"):
        _billing(MemoryStore(), SandboxGateway(clock=clock), clock, proforma_series="")


def _transfer_settled(at: int) -> tuple[dict[str, Any], int, int]:
    """A month end, then the bank transfer's webhook failing at call ``at`` and a run the
    next day: (snapshot, calls, crashes). A crash loses the webhook (its id was seen:
    the provider's retry would be refused as a replay), so the next run's collection,
    asking the provider again under the payment's own key, settles it."""
    clock = FixedClock(support.START)
    store = MemoryStore()
    gateway = SandboxGateway(clock=clock)
    support.populate(_billing(store, gateway, clock), CUSTOMERS)
    clock.set(support.MONTH_END)
    _billing(store, gateway, clock).run()
    clock.advance(timedelta(days=3, minutes=1))
    deliveries = gateway.deliveries()
    faults = support.Faults()
    engine = _billing(
        support.FaultyStore(store, faults), support.FaultyGateway(gateway, faults), clock
    )
    faults.calls, faults.at = 0, at
    crashes = 0
    try:
        for delivery in deliveries:
            engine.handle_webhook(delivery.headers, delivery.body)
    except support.Crash:
        crashes += 1
        faults.at = 0
    calls = faults.calls
    clock.advance(timedelta(days=1))
    engine.run()
    return support.snapshot(store, CUSTOMERS), calls, crashes


def _undated(document: tuple[Any, ...]) -> tuple[Any, ...]:
    data = {k: v for k, v in document[4].items() if k not in ("issue_date", "due_date")}
    return (*document[:4], data, document[5])


def test_a_crash_while_a_webhook_settles_a_proforma_issues_its_invoice_once() -> None:
    clean, calls, _ = _transfer_settled(0)
    c0005 = [d for d in clean["documents"] if d[0].startswith("s0005|")]
    # The bank transfer's proforma is paid and its invoice made, numbered after the six
    # invoices of the month end: INV-000007.
    assert [(d[0].split("|")[3], d[1], d[2]) for d in c0005] == [
        ("invoice", "INV-000007", "paid"),
        ("proforma", "PF-000006", "paid"),
    ]
    assert calls > 5
    for at in range(1, calls + 1):
        snap, _, crashes = _transfer_settled(at)
        assert crashes == 1, at
        # The same documents, numbers, statuses, totals and events; a crash that lost
        # the webhook dates the invoice the next day, when the run settles it.
        assert [_undated(d) for d in snap["documents"]] == [
            _undated(d) for d in clean["documents"]
        ], f"crash at call {at}"
        assert snap["entries"] == clean["entries"], at
        assert snap["balances"] == clean["balances"], at
