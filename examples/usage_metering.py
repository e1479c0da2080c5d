"""Usage metering for two example businesses (docs/examples-businesses.md): events to bill.

1. The messaging business: a month of messages and calls of
   one organisation become Monthly Active Contacts (broadcasts excluded,
   retries counted once), a breakdown per workspace, the 90% and 100% alerts,
   and the on-demand usage invoice; a message received after the cycle closed
   is reported with its correction.
2. The attribution business: installs become billable
   attributions (non-organic + re-attributions + rejected) over a 30-day
   cycle, priced by the demo catalog's Starter plan.
3. The same messaging events through the DuckDB engine, when duckdb is
   installed: the same report.

Every figure is asserted, with its arithmetic beside it.

Run: python examples/usage_metering.py
"""

from __future__ import annotations

import csv
import tempfile
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from billkit import Money, Period, quote
from billkit.demo import demo_catalog
from billkit.periods import MONTHLY, BillingCycle, Cycle
from billkit.usage import (
    AlertRule,
    EventFiles,
    Meter,
    MeterSum,
    UsageEvent,
    aggregate,
    alerts,
)

UTC = timezone.utc
catalog = demo_catalog()


def show(title: str, text: str) -> None:
    print(f"\n{title}\n{'-' * len(title)}\n{text}")


# 1. The messaging business -----------------------------------------------------------

MAC = "monthly_active_contacts"  # the metric the demo catalog's plans price
mac = Meter(
    code=MAC,
    aggregation="unique_count",
    metrics=("message", "call"),
    field="contact_id",
    exclude={"kind": "broadcast"},
)
billing = BillingCycle.anniversary(MONTHLY, date(2026, 3, 14))  # subscribed on March 14th
cycle = billing.period(0)
assert cycle == Period(date(2026, 3, 14), date(2026, 4, 14))
opens = datetime(2026, 3, 14, 8, tzinfo=UTC)


def message(key: str, minute: int, contact: str, workspace: str, **extra: str) -> UsageEvent:
    when = opens + timedelta(minutes=minute)
    return UsageEvent(
        customer="org-7",
        metric=extra.pop("metric", "message"),
        idempotency_key=key,
        timestamp=when,
        received_at=when + timedelta(seconds=2),
        properties={"contact_id": contact, "workspace": workspace, **extra},
    )


events: list[UsageEvent] = []
# Sales talks to contacts 0..799, support to 680..1179: 120 contacts talk to both,
# so 800 + 500 - 120 = 1 180 distinct contacts, one new contact every 30 minutes.
for n in range(1180):
    if n < 800:
        events.append(message(f"s-{n}", 30 * n, f"c{n}", "sales", kind="inbound"))
    if n >= 680:
        events.append(message(f"p-{n}", 30 * n + 1, f"c{n}", "support", kind="outbound"))
    if n % 10 == 0:  # every tenth contact also calls, in its own workspace
        place = "sales" if n < 800 else "support"
        events.append(message(f"call-{n}", 30 * n + 2, f"c{n}", place, metric="call"))
# A broadcast to 2 000 subscribers makes none of them active.
events += [message(f"b-{n}", 60, f"sub{n}", "marketing", kind="broadcast") for n in range(2000)]
# The message queue delivered every twentieth event twice.
repeats = events[::20]
events += repeats

report = aggregate(events, mac, billing=billing, tz="Europe/Rome")
assert report.usage("org-7", cycle) == {MAC: Decimal(1180)}
assert report.duplicates == len(repeats)

per_workspace = aggregate(events, mac, billing=billing, tz="Europe/Rome", by=("workspace",))
workspaces = {row.group["workspace"]: row.usage[MAC] for row in per_workspace.rows}
assert workspaces == {"sales": Decimal(800), "support": Decimal(500)}  # 1 300 > 1 180
show("MAC per workspace, March cycle", str(per_workspace))

# Admins are alerted at 90% and 100% of the plan's 1 000 contacts. The 900th
# contact, c899, talks only to support: first at 899 x 30 + 1 minutes after
# 08:00 UTC on March 14th, that is 18 days 17 h 31 min later: April 2nd, 01:31 UTC
# (03:31 in Rome). The 1 000th, c999, 100 x 30 minutes later: 51:31 -> April 4th, 03:31 UTC.
found = alerts(events, mac, AlertRule(meter=MAC, limit=1000), billing=billing, tz="Europe/Rome")
assert [(a.level, a.at, a.day) for a in found] == [
    (Decimal("0.9"), datetime(2026, 4, 2, 1, 31, tzinfo=UTC), date(2026, 4, 2)),
    (Decimal(1), datetime(2026, 4, 4, 3, 31, tzinfo=UTC), date(2026, 4, 4)),
]
assert [a.idempotency_key for a in found] == ["p-899", "p-999"]
show(
    "Alerts",
    "\n".join(f"{a.day}  {a.level:.0%} of {a.limit}: {a.value} contacts  ({a.key})" for a in found),
)

# The on-demand usage invoice: 1 180 - 1 000 = 180 over = 2 blocks of 100 x 20.00.
usage_plan = catalog["growth-annual-usage"]  # the monthly usage invoice of the annual plan
usage_bill = quote(usage_plan, report.usage("org-7", cycle), cycle)
assert usage_bill.total == Money("40.00", "EUR")
show("On-demand usage invoice", str(usage_bill))

# A message sent on the cycle's last evening reaches billing after the cycle closed
# (one day after midnight, Rome time, on April 14th).
straggler = UsageEvent(
    customer="org-7",
    metric="message",
    idempotency_key="late-1",
    timestamp=datetime(2026, 4, 13, 19, tzinfo=UTC),
    received_at=datetime(2026, 4, 16, 9, tzinfo=UTC),
    properties={"contact_id": "c-new", "workspace": "support"},
)
closed = aggregate(
    [*events, straggler], mac, billing=billing, tz="Europe/Rome", close_after=timedelta(days=1)
)
assert closed.usage("org-7", cycle) == {MAC: Decimal(1180)}  # as invoiced
assert [e.idempotency_key for e in closed.late] == ["late-1"]
(correction,) = closed.corrections
assert (correction.closed, correction.revised, correction.delta) == (
    Decimal(1180),
    Decimal(1181),
    Decimal(1),
)
# 181 over is still 2 blocks: the correction changes the figure, not the invoice.
revised_bill = quote(usage_plan, {MAC: correction.revised}, cycle)
assert revised_bill.total == usage_bill.total
show(
    "Late event",
    f"{closed.late[0].idempotency_key}: sent {closed.late[0].timestamp:%Y-%m-%d %H:%M} UTC, "
    f"cycle closed {closed.late[0].closed_at:%Y-%m-%d %H:%M} UTC; MAC {correction.closed} -> "
    f"{correction.revised}, invoice unchanged at {revised_bill.total.amount} EUR",
)


# 2. The attribution business -----------------------------------------------------------

starter = catalog["attribution-starter"]
attribution_billing = BillingCycle.anniversary(Cycle("day", 30), date(2026, 2, 10))
period = attribution_billing.period(1)
assert period == Period(date(2026, 3, 12), date(2026, 4, 11))
counts = {"non_organic": 9400, "reattribution": 700, "rejected": 300, "organic": 20000}
installs = [
    UsageEvent(
        customer="app-42",
        metric="install",
        idempotency_key=f"{kind}-{n}",
        timestamp=datetime(2026, 3, 12, tzinfo=UTC) + timedelta(seconds=60 * n),
        properties={"install_type": kind},
    )
    for kind, count in counts.items()
    for n in range(count)
]
kinds = ("non_organic", "reattribution", "rejected")
attribution_meters = [
    *(
        Meter(code=kind, aggregation="count", metrics="install", where={"install_type": kind})
        for kind in kinds
    ),
    MeterSum(code="attributions", meters=kinds),
]
attributions = aggregate(
    installs, attribution_meters, billing=attribution_billing, tz="Asia/Tehran"
)
usage = attributions.usage("app-42", period)
assert usage["attributions"] == Decimal(9400 + 700 + 300)  # organic installs are free
bill = quote(starter, {"attributions": usage["attributions"]}, period)
# 450 000 000 + 400 over x 52 000 = 20 800 000 + cohorts 10% and fraud 15% of the fee
assert bill.total == Money(450_000_000 + 20_800_000 + 45_000_000 + 67_500_000, "IRR")
show("Attribution bill, 30 days from March 12th", str(bill))


# 3. The same events through DuckDB -------------------------------------------------------

try:
    import duckdb  # noqa: F401
except ImportError:
    print("\nduckdb is not installed: pip install 'py-billkit[duckdb]' to try the DuckDB engine")
else:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            names = ["contact_id", "workspace", "kind"]
            writer.writerow(["customer", "metric", "timestamp", "idempotency_key", "value", *names])
            for e in events:
                writer.writerow(
                    [e.customer, e.metric, e.timestamp.isoformat(), e.idempotency_key, e.value]
                    + [e.properties.get(name, "") for name in names]
                )
        from_files = aggregate(
            EventFiles(paths=path, received_at=None), mac, billing=billing, tz="Europe/Rome"
        )
        assert from_files == report
        print(
            f"\nDuckDB engine on {len(events)} CSV rows: the same report ({from_files.rows[0].usage})"
        )
