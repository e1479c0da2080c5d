"""RunReport.to_table: one row per account and currency, exact totals that
survive pandas and Arrow."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from billkit import Money
from billkit.engine import Billing, RunReport
from billkit.errors import BillingError
from billkit.notify import MemoryNotifier
from billkit.parties import Party
from billkit.payments import SandboxGateway
from billkit.ports import FixedClock
from billkit.pricing import Charge, PerUnit, Plan
from billkit.storage import MemoryStore

COLUMNS = ("account", "status", "documents", "total", "currency", "reason")


def _run() -> tuple[RunReport, MemoryStore]:
    # The chat business of docs/engine.md: Pro is 20.00 EUR a month with 100
    # calls included, then 0.01 EUR a call; Italian VAT 22 %.
    clock = FixedClock(datetime(2026, 3, 1, 9, tzinfo=timezone.utc))
    pro = Plan(
        code="pro",
        name="Pro",
        currency="EUR",
        base_fee=Money("20.00", "EUR"),
        charges=[
            Charge(
                code="calls",
                metric="calls",
                included=100,
                model=PerUnit(unit_price=Money("0.01", "EUR")),
            )
        ],
    )
    store = MemoryStore()
    billing = Billing(
        store,
        SandboxGateway(clock=clock),
        MemoryNotifier(),
        clock,
        [pro],
        seller=Party(kind="legal_entity", country="IT", name="Chat S.r.l."),
    )
    for name in ("acme", "bolt"):
        billing.add_customer(
            name,
            Party(kind="legal_entity", country="IT", name=name.title()),
            currency="EUR",
            method="tok_visa",
        )
        billing.subscribe(f"{name}-pro", name, "pro")
    billing.record_usage("acme-pro", "calls", 600, key="evt-1")
    clock.set(datetime(2026, 4, 1, 2, tzinfo=timezone.utc))
    return billing.run(), store


# acme: (20.00 + (600 - 100) x 0.01) x 1.22 = 25.00 x 1.22 = 30.50
# bolt: 20.00 x 1.22 = 24.40
EXPECTED = [
    ("acme", "billed", 1, Decimal("30.50"), "EUR", ""),
    ("bolt", "billed", 1, Decimal("24.40"), "EUR", ""),
]


def test_one_row_per_account_with_exact_totals() -> None:
    report, store = _run()
    table = report.to_table(store)
    assert table.columns == COLUMNS
    assert [tuple(r.values()) for r in table.to_records()] == EXPECTED
    # the rows add up to what the report says was invoiced: 30.50 + 24.40 = 54.90
    assert report.invoiced == (("EUR", Decimal("54.90")),)


def test_a_run_report_needs_no_store() -> None:
    # The report of Billing.run carries each document's customer and total:
    # the same rows as with the store, without it (30.50 and 24.40, above).
    report, _ = _run()
    assert [tuple(r.values()) for r in report.to_table().to_records()] == EXPECTED
    # A report made by hand with ids only needs the store, and says so.
    bare = RunReport(as_of=report.as_of, issued=report.issued)
    with pytest.raises(BillingError, match="store"):
        bare.to_table()


def test_failures_are_rows_with_their_reason() -> None:
    report = RunReport(
        as_of=date(2026, 4, 1),
        failures=(("bolt", "CreditError: over the limit <5000.00>"),),
    )
    assert report.to_table(MemoryStore()).to_records() == [
        {
            "account": "bolt",
            "status": "failed",
            "documents": 0,
            "total": None,
            "currency": None,
            "reason": "CreditError: over the limit <5000.00>",
        }
    ]


def test_totals_survive_pandas_and_arrow() -> None:
    pa = pytest.importorskip("pyarrow")
    pytest.importorskip("pandas")
    report, store = _run()
    report = RunReport(
        as_of=report.as_of,
        issued=report.issued,
        invoiced=report.invoiced,
        failures=(("zeta", "InvoicingError: no party"),),
    )
    table = report.to_table(store)
    arrow = pa.table(table)
    assert arrow.schema.field("total").type == pa.decimal128(
        arrow.schema.field("total").type.precision, 2
    )
    assert arrow.column("total").to_pylist() == [Decimal("30.50"), Decimal("24.40"), None]
    frame = table.to_pandas()
    assert list(frame["account"]) == ["acme", "bolt", "zeta"]
    assert frame["total"].iloc[0] == Decimal("30.50")
    assert str(frame["total"].iloc[1]) == "24.40"
    assert list(frame["status"]) == ["billed", "billed", "failed"]
