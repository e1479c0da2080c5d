"""Hypothesis strategies for billkit.usage: events, billing cycles, meters, windows.

Shared by the pure-engine properties (tests/usage/test_properties.py) and the
DuckDB engine's agreement tests (tests/usage/test_duckdb.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from billkit.periods import MONTHLY, BillingCycle, Cycle, Period
from billkit.usage import Meter, MeterSum, UsageEvent

__all__ = [
    "COUNT_ALL",
    "METERS",
    "OFFSETS",
    "SPAN_SECONDS",
    "START",
    "ZONES",
    "billings",
    "bys",
    "close_afters",
    "event_lists",
    "usage_events",
    "windows",
]

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
SPAN_SECONDS = 100 * 86_400  # about three months, across Rome's daylight-saving change
OFFSETS = [timezone.utc, timezone(timedelta(hours=5, minutes=30)), ZoneInfo("America/Sao_Paulo")]
ZONES = ["UTC", "Europe/Rome", "Asia/Tehran", "Pacific/Kiritimati", "America/St_Johns"]

COUNT_ALL = Meter(code="events", aggregation="count", metrics=("message", "call", "gb", "install"))
METERS = (
    Meter(code="messages", aggregation="count", metrics="message"),
    Meter(
        code="mac",
        aggregation="unique_count",
        metrics=("message", "call"),
        field="contact_id",
        exclude={"kind": "broadcast"},
    ),
    Meter(
        code="mac_events",
        aggregation="count",
        metrics=("message", "call"),
        exclude={"kind": "broadcast"},
    ),
    Meter(code="gb", aggregation="sum"),
    Meter(code="gb_peak", aggregation="max", metrics="gb"),
    Meter(code="gb_last", aggregation="latest", metrics="gb"),
    Meter(
        code="paid_installs",
        aggregation="count",
        metrics="install",
        where={"install_type": {"non_organic", "reattribution", "rejected"}},
    ),
    MeterSum(code="billable", meters=("messages", "paid_installs")),
)


@st.composite
def usage_events(draw: st.DrawFn, key: str) -> UsageEvent:
    metric = draw(st.sampled_from(["message", "call", "gb", "install"]))
    instant = START + timedelta(seconds=draw(st.integers(0, SPAN_SECONDS)))
    properties: dict[str, str] = {}
    if metric in ("message", "call"):
        properties["contact_id"] = draw(st.sampled_from(["c1", "c2", "c3", "c4", "c5"]))
        if draw(st.booleans()):
            properties["kind"] = draw(st.sampled_from(["inbound", "broadcast"]))
    if metric == "install":
        properties["install_type"] = draw(
            st.sampled_from(["organic", "non_organic", "reattribution", "rejected"])
        )
    if draw(st.booleans()):
        properties["workspace"] = draw(st.sampled_from(["sales", "support"]))
    if draw(st.booleans()):
        properties["channel"] = draw(st.sampled_from(["email", "sms", "whatsapp"]))
    value = Decimal(draw(st.integers(0, 10**7))).scaleb(-draw(st.integers(0, 4)))
    delay = draw(st.integers(0, 40 * 86_400))
    return UsageEvent(
        customer=draw(st.sampled_from(["org-1", "org-2", "org-3"])),
        metric=metric,
        timestamp=instant.astimezone(draw(st.sampled_from(OFFSETS))),
        idempotency_key=key,
        value=value,
        properties=properties,
        received_at=instant + timedelta(seconds=delay),
    )


@st.composite
def event_lists(draw: st.DrawFn, max_size: int = 30) -> list[UsageEvent]:
    """Events with distinct keys, some sent again (same content, received later)."""
    n = draw(st.integers(0, max_size))
    events = [draw(usage_events(f"k{i:03d}")) for i in range(n)]
    repeats = draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=5)) if n else []
    for i in repeats:
        original = events[i]
        assert original.received_at is not None
        events.append(
            UsageEvent(
                customer=original.customer,
                metric=original.metric,
                timestamp=original.timestamp.astimezone(timezone.utc),
                idempotency_key=original.idempotency_key,
                value=original.value,
                properties=original.properties,
                received_at=original.received_at + timedelta(hours=1),
            )
        )
    return events


billings = st.sampled_from(
    [
        BillingCycle.calendar(MONTHLY),
        BillingCycle.anniversary(MONTHLY, date(2025, 12, 31)),
        BillingCycle.anniversary(Cycle("day", 30), date(2026, 1, 7)),
        {
            "org-1": BillingCycle.calendar(MONTHLY),
            "org-2": BillingCycle.anniversary(MONTHLY, date(2026, 1, 15)),
            "org-3": BillingCycle.anniversary(Cycle("week", 2), date(2026, 1, 5)),
        },
    ]
)
windows = st.sampled_from([None, Period(date(2026, 1, 10), date(2026, 3, 20))])
close_afters = st.sampled_from([None, timedelta(0), timedelta(days=3)])
bys = st.sampled_from([(), ("workspace",), ("channel", "workspace")])
