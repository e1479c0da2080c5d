"""Ledger entries, history groups and documents as tables: exact through pandas, polars, Arrow."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.credit import Ledger, Wallet
from billkit.credit.history import group_entries
from billkit.errors import ValidationError
from billkit.invoicing import DocumentTerms, Invoice, Item, build_invoice
from billkit.money import Money
from billkit.parties import Party
from billkit.tables import documents_table, entries_table, history_table

from .test_tables import _round_trips

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")

T0 = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)


def _ledger() -> Ledger:
    # The analytics SaaS: a 90 000.00 RUB payment, then the 10 000.00 RUB tariff each month.
    ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
    ledger = ledger.top_up("main", "90000.00", at=T0, key="p1")
    for n in range(3):
        ledger = ledger.charge(
            "main",
            "10000.00",
            at=T0 + timedelta(days=31 * n + 1),
            key=f"c{n}",
            tags={"product": "analytics"},
        )
    return ledger


def test_entries_keep_amounts_times_and_tags() -> None:
    table = entries_table(_ledger())
    records = table.to_records()
    assert [r["key"] for r in records] == ["p1", "c0", "c1", "c2"]
    # 90 000.00 - 3 x 10 000.00 = 60 000.00 left.
    assert sum(r["amount"] for r in records) == Decimal("60000.00")
    assert records[1]["tags"] == "product=analytics"
    assert records[1]["at"] == datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
    assert str(table.to_arrow().schema.field("at").type) == "timestamp[us, tz=UTC]"
    assert table.to_pandas()["amount"].sum() == Decimal("60000.00")
    assert str(table.to_arrow().schema.field("amount").type) == "decimal128(38, 2)"
    _round_trips(table)


def test_a_time_zone_other_than_utc_keeps_its_instant() -> None:
    tehran = timezone(timedelta(hours=3, minutes=30))
    ledger = Ledger(wallets=[Wallet(name="main", currency="IRR")])
    ledger = ledger.top_up("main", "450000000", at=datetime(2026, 3, 1, 12, tzinfo=tehran), key="p")
    (row,) = entries_table(ledger).to_arrow().to_pylist()
    assert row["at"] == datetime(2026, 3, 1, 8, 30, tzinfo=timezone.utc)  # 12:00 at +03:30
    assert row["amount"] == Decimal("450000000")


def test_history_groups_by_month() -> None:
    groups = group_entries(_ledger().history(), "month")
    table = history_table(groups, by=["month"])
    # March: +90 000.00 and -10 000.00; April and May: -10 000.00 each.
    assert [(r["month"], r["credits"], r["debits"], r["net"]) for r in table.to_records()] == [
        ("2026-03", Decimal("90000.00"), Decimal("10000.00"), Decimal("80000.00")),
        ("2026-04", Decimal("0"), Decimal("10000.00"), Decimal("-10000.00")),
        ("2026-05", Decimal("0"), Decimal("10000.00"), Decimal("-10000.00")),
    ]
    assert history_table(groups).columns[0] == "key_1"
    with pytest.raises(ValidationError, match="one per part of the key"):
        history_table(groups, by=["month", "tag"])
    _round_trips(table)


def _invoice(number: str, *prices: str) -> Invoice:
    terms = DocumentTerms(
        seller=Party(kind="legal_entity", country="RU", name="Host"),
        buyer=Party(kind="legal_entity", country="RU", name="Client <b>"),
        rules=None,
    )
    items = [
        Item(description=f"VPS {n}", quantity=3, unit="month", unit_price=Money(p, "RUB"))
        for n, p in enumerate(prices, 1)
    ]
    return build_invoice(items, terms, number=number, issue_date=date(2026, 1, 12), payment_days=10)


def test_documents_and_their_lines() -> None:
    # 3 x 33.33 = 99.99 net; 22 % Russian VAT (2026) = 21.9978 -> 22.00; gross 121.99.
    docs = {"org-1": _invoice("INV-1", "33.33"), "org-2": _invoice("INV-2", "33.33", "0.01")}
    table = documents_table(docs)
    first = table.to_records()[0]
    assert (first["key"], first["kind"], first["number"], first["buyer"]) == (
        "org-1",
        "invoice",
        "INV-1",
        "Client <b>",
    )
    assert (first["net"], first["tax"], first["gross"]) == (
        Decimal("99.99"),
        Decimal("22.00"),
        Decimal("121.99"),
    )
    assert first["due_date"] == date(2026, 1, 22)  # 12 January + 10 days
    lines = documents_table(docs, lines=True)
    assert [(r["key"], r["position"], r["net"]) for r in lines.to_records()] == [
        ("org-1", 1, Decimal("99.99")),
        ("org-2", 1, Decimal("99.99")),
        ("org-2", 2, Decimal("0.03")),  # 3 x 0.01
    ]
    _round_trips(table)
    _round_trips(lines)
    with pytest.raises(ValidationError, match="Invoice or Proforma"):
        documents_table(3)  # type: ignore[arg-type]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2),
        min_size=1,
        max_size=6,
    )
)
def test_ledger_sums_survive_every_round_trip(amounts: list[Decimal]) -> None:
    ledger = Ledger(wallets=[Wallet(name="main", currency="EUR")])
    for n, amount in enumerate(amounts):
        ledger = ledger.top_up("main", amount, at=T0 + timedelta(hours=n), key=f"p{n}")
    table = entries_table(ledger)
    assert table.to_pandas()["amount"].sum() == ledger.balance("main").amount
    assert table.to_polars()["amount"].sum() == ledger.balance("main").amount
    _round_trips(table)
