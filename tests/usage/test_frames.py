"""events_from_table: usage events from pandas, polars and Arrow tables, exact."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from billkit.errors import UsageError
from billkit.periods import MONTHLY, BillingCycle
from billkit.usage import Meter, aggregate
from billkit.usage.frames import events_from_table

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")

UTC = timezone.utc
COLUMNS = {
    "customer": ["org-1", "org-1", "org-2"],
    "metric": ["gb", "gb", "gb"],
    "at": [datetime(2026, 3, d, 10, tzinfo=UTC) for d in (1, 2, 3)],
    "key": ["e1", "e2", "e3"],
}


def _frame(quantity: list[object]) -> object:
    return pd.DataFrame({**COLUMNS, "quantity": quantity})


def test_decimals_stay_exact_through_pandas_and_arrow() -> None:
    # 0.1 + 0.2 is 0.3 exactly in decimals (0.30000000000000004 in floats)
    quantities = [Decimal("0.1"), Decimal("0.2"), Decimal("7")]
    for table in (_frame(quantities), pa.table({**COLUMNS, "quantity": quantities})):
        events = events_from_table(table)
        assert [e.value for e in events] == [Decimal("0.1"), Decimal("0.2"), Decimal("7")]
        assert events[0].value + events[1].value == Decimal("0.3")
        assert [e.timestamp for e in events] == COLUMNS["at"]
        assert [e.idempotency_key for e in events] == ["e1", "e2", "e3"]


def test_numpy_integers_are_accepted() -> None:
    events = events_from_table(_frame([3, 4, 5]))  # an int64 column
    assert [e.value for e in events] == [Decimal(3), Decimal(4), Decimal(5)]


def test_polars() -> None:
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({**COLUMNS, "quantity": [Decimal("1.5"), Decimal("2.5"), Decimal("1")]})
    assert [e.value for e in events_from_table(frame)] == [
        Decimal("1.5"),
        Decimal("2.5"),
        Decimal("1"),
    ]


def test_floats_are_refused_with_how_to_pass_them() -> None:
    with pytest.raises(UsageError) as caught:
        events_from_table(_frame([1.5, 2.0, 3.0]))
    assert caught.value.field == "events[0].quantity"
    assert "Decimal(str(x))" in str(caught.value)


def test_subscription_column_and_counted_events() -> None:
    # events naming subscriptions, without quantities: each counts as 1
    frame = pd.DataFrame({**COLUMNS, "subscription": ["s-1", "s-1", "s-2"]})
    events = events_from_table(frame, customer="subscription", quantity=None)
    assert [(e.customer, e.value) for e in events] == [
        ("s-1", Decimal(1)),
        ("s-1", Decimal(1)),
        ("s-2", Decimal(1)),
    ]


def test_a_missing_column_is_named() -> None:
    with pytest.raises(UsageError, match="'key' column"):
        events_from_table(pd.DataFrame({k: v for k, v in COLUMNS.items() if k != "key"}))


def test_the_events_aggregate_like_the_hand_made_ones() -> None:
    # org-1: 0.1 + 0.2 = 0.3 GB in March; org-2: 7
    events = events_from_table(_frame([Decimal("0.1"), Decimal("0.2"), Decimal("7")]))
    meter = Meter(code="gb", aggregation="sum", metrics="gb")
    report = aggregate(events, meter, billing=BillingCycle.calendar(MONTHLY), tz="UTC")
    assert [(r.customer, r.figures[0]) for r in report.rows] == [
        ("org-1", Decimal("0.3")),
        ("org-2", Decimal("7")),
    ]


def test_the_module_imports_no_dataframe_library() -> None:
    code = (
        "import sys, billkit.usage.frames; "
        "print(sorted(m for m in ('pandas', 'polars', 'pyarrow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
