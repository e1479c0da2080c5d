"""aggregate(): the usage figures of the businesses in REQUIREMENTS.md, by hand-checked numbers."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from billkit.errors import BillkitError, UsageError
from billkit.money import Money
from billkit.periods import MONTHLY, BillingCycle, Cycle, Period
from billkit.pricing import Charge, Package, Plan, quote
from billkit.usage import EventFiles, Meter, MeterSum, UsageEvent, UsageReport, aggregate
from billkit.usage.report import Correction

UTC = timezone.utc
CALENDAR = BillingCycle.calendar(MONTHLY)
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
APRIL = Period(date(2026, 4, 1), date(2026, 5, 1))


def at(day: int, hour: int = 12, month: int = 3, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def ev(
    key: str,
    when: datetime,
    metric: str = "message",
    customer: str = "org-1",
    value: object = 1,
    received: datetime | None = None,
    **properties: str,
) -> UsageEvent:
    return UsageEvent(
        customer=customer,
        metric=metric,
        timestamp=when,
        idempotency_key=key,
        value=value,  # type: ignore[arg-type]
        properties=properties,
        received_at=received,
    )


MAC = Meter(
    code="mac",
    aggregation="unique_count",
    metrics=("message", "call"),
    field="contact_id",
    exclude={"kind": "broadcast"},
)


# --- Messaging SaaS (REQUIREMENTS 4): Monthly Active Contacts --------------------------


def messaging_month(start: date, contacts: range, prefix: str) -> list[UsageEvent]:
    """Each contact sends a message and gets a reply; every third one also calls."""
    events = []
    for n in contacts:
        when = datetime(start.year, start.month, start.day, 10, tzinfo=UTC) + timedelta(minutes=n)
        contact = f"c{n}"
        events.append(ev(f"{prefix}-in-{n}", when, contact_id=contact, kind="inbound"))
        events.append(ev(f"{prefix}-out-{n}", when, contact_id=contact, kind="outbound"))
        if n % 3 == 0:
            events.append(ev(f"{prefix}-call-{n}", when, metric="call", contact_id=contact))
    return events


def test_mac_counts_each_contact_once_and_leaves_out_broadcasts() -> None:
    # Subscription started on January 15th: billing months run 15th to 15th.
    billing = BillingCycle.anniversary(MONTHLY, date(2026, 1, 15))
    cycle = Period(date(2026, 3, 15), date(2026, 4, 15))
    events = messaging_month(date(2026, 3, 15), range(1250), "a")
    # A broadcast to 500 other contacts does not make them active.
    events += [ev(f"bc-{n}", at(20), contact_id=f"b{n}", kind="broadcast") for n in range(500)]
    report = aggregate(events, MAC, billing=billing, tz="Europe/Rome")
    usage = report.usage("org-1", cycle)
    assert usage == {"mac": Decimal(1250)}
    # 1250 contacts x 2 messages + 417 calls (n = 0, 3, ..., 1248) counted towards MAC.
    assert report.rows[0].events == {"mac": 1250 * 2 + 417}


def test_mac_feeds_the_quote_for_on_demand_blocks_of_100() -> None:
    # Plan with 1000 MAC included; beyond it, blocks of 100 contacts at 20.00 each.
    plan = Plan(
        code="growth",
        name="Growth",
        currency="USD",
        base_fee=Money("159.00", "USD"),
        charges=[
            Charge(
                code="mac",
                metric="mac",
                included=1000,
                model=Package(size=100, price=Money("20.00", "USD")),
            )
        ],
    )
    billing = BillingCycle.anniversary(MONTHLY, date(2026, 1, 15))
    cycle = Period(date(2026, 3, 15), date(2026, 4, 15))
    report = aggregate(
        messaging_month(date(2026, 3, 15), range(1250), "a"), MAC, billing=billing, tz="UTC"
    )
    bill = quote(plan, report.usage("org-1", cycle), cycle)
    # 1250 - 1000 = 250 over the limit -> ceil(250 / 100) = 3 blocks x 20.00 = 60.00.
    assert bill.total == Money("219.00", "USD")  # 159.00 + 60.00


def test_mac_resets_each_billing_cycle() -> None:
    billing = BillingCycle.anniversary(MONTHLY, date(2026, 1, 15))
    # The same 10 contacts are active in two cycles: 10 MAC in each, not 10 in total.
    events = messaging_month(date(2026, 3, 15), range(10), "a")
    events += messaging_month(date(2026, 4, 20), range(10), "b")
    report = aggregate(events, MAC, billing=billing, tz="UTC")
    assert [(str(r.period), r.usage["mac"]) for r in report.rows] == [
        ("2026-03-15..2026-04-15", Decimal(10)),
        ("2026-04-15..2026-05-15", Decimal(10)),
    ]


def test_mac_per_workspace_does_not_add_up_to_the_organisation() -> None:
    # c1 talks to both workspaces: one MAC for the organisation, one in each workspace.
    events = [
        ev("1", at(2), contact_id="c1", workspace="sales"),
        ev("2", at(3), contact_id="c1", workspace="support"),
        ev("3", at(3), contact_id="c2", workspace="support"),
        ev("4", at(4), metric="call", contact_id="c3"),  # no workspace
    ]
    total = aggregate(events, MAC, billing=CALENDAR, tz="UTC")
    per_workspace = aggregate(events, MAC, billing=CALENDAR, tz="UTC", by=["workspace"])
    assert total.usage("org-1", MARCH) == {"mac": Decimal(3)}
    assert [(r.group["workspace"], r.usage["mac"]) for r in per_workspace.rows] == [
        (None, Decimal(1)),  # events without the property come first
        ("sales", Decimal(1)),
        ("support", Decimal(2)),
    ]
    assert per_workspace.usage("org-1", MARCH, group={"workspace": "support"}) == {
        "mac": Decimal(2)
    }


# --- Mobile attribution SaaS (REQUIREMENTS 5): billable attributions ----------------


INSTALL_TYPES = {"non_organic": 120, "reattribution": 30, "rejected": 7, "organic": 500}


def installs(start: datetime) -> list[UsageEvent]:
    events = []
    for kind, count in INSTALL_TYPES.items():
        for n in range(count):
            events.append(
                ev(
                    f"{kind}-{n}",
                    start + timedelta(minutes=n),
                    metric="install",
                    customer="app-1",
                    install_type=kind,
                )
            )
    return events


def test_billable_attributions_are_non_organic_plus_reattributions_plus_rejected() -> None:
    # Billing every 30 days from the day the customer chose its plan.
    billing = BillingCycle.anniversary(Cycle("day", 30), date(2026, 2, 10))
    period = Period(date(2026, 3, 12), date(2026, 4, 11))
    events = installs(at(20))
    filtered = Meter(
        code="billable_attributions",
        aggregation="count",
        metrics="install",
        where={"install_type": {"non_organic", "reattribution", "rejected"}},
    )
    report = aggregate(events, filtered, billing=billing, tz="Asia/Tehran")
    assert report.usage("app-1", period) == {"billable_attributions": Decimal(120 + 30 + 7)}


def test_sums_of_counters_equal_the_filtered_count_and_keep_each_counter() -> None:
    billing = BillingCycle.anniversary(Cycle("day", 30), date(2026, 2, 10))
    period = Period(date(2026, 3, 12), date(2026, 4, 11))
    counters = [
        Meter(
            code=kind,
            aggregation="count",
            metrics="install",
            where={"install_type": kind},
        )
        for kind in ("non_organic", "reattribution", "rejected")
    ]
    meters = [
        *counters,
        MeterSum(code="billable", meters=("non_organic", "reattribution", "rejected")),
    ]
    report = aggregate(installs(at(20)), meters, billing=billing, tz="Asia/Tehran")
    assert report.usage("app-1", period) == {
        "non_organic": Decimal(120),
        "reattribution": Decimal(30),
        "rejected": Decimal(7),
        "billable": Decimal(157),
    }
    assert report.rows[0].events["billable"] == 157


# --- Marketing SaaS (REQUIREMENTS 2): billing history by day and media channel -------


def test_billing_history_by_day_and_channel() -> None:
    sent = Meter(code="sent", aggregation="sum", metrics="send")
    events = [
        ev("e1", at(1, 9), "send", "shop", "1200", channel="email"),
        ev("e2", at(1, 18), "send", "shop", "800", channel="email"),
        ev("s1", at(1, 10), "send", "shop", "150", channel="sms"),
        ev("e3", at(2, 9), "send", "shop", "2500", channel="email"),
        ev("v1", at(2, 23, minute=30), "send", "shop", "40", channel="viber"),
    ]
    # Kyiv is UTC+2 in March (before March 29th): 23:30 UTC on the 2nd is the 3rd.
    history = aggregate(
        events, sent, billing=CALENDAR, tz="Europe/Kyiv", by=("channel",), daily=True
    )
    assert [(r.day, r.group["channel"], r.usage["sent"]) for r in history.rows] == [
        (date(2026, 3, 1), "email", Decimal(2000)),  # 1200 + 800
        (date(2026, 3, 1), "sms", Decimal(150)),
        (date(2026, 3, 2), "email", Decimal(2500)),
        (date(2026, 3, 3), "viber", Decimal(40)),
    ]
    total = aggregate(events, sent, billing=CALENDAR, tz="Europe/Kyiv")
    assert total.usage("shop", MARCH) == {"sent": Decimal(4690)}
    assert sum(r.usage["sent"] for r in history.rows) == Decimal(4690)
    assert history.usage("shop", MARCH, day=date(2026, 3, 1), group={"channel": "sms"}) == {
        "sent": Decimal(150)
    }
    assert history.to_records()[0] == {
        "customer": "shop",
        "period_start": date(2026, 3, 1),
        "period_end": date(2026, 4, 1),
        "day": date(2026, 3, 1),
        "channel": "email",
        "sent": Decimal(2000),
    }


# --- aggregations -------------------------------------------------------------------


def test_each_aggregation_by_hand() -> None:
    meters = [
        Meter(code="n", aggregation="count", metrics="gb"),
        Meter(code="total", aggregation="sum", metrics="gb"),
        Meter(code="peak", aggregation="max", metrics="gb"),
        Meter(code="last", aggregation="latest", metrics="gb"),
    ]
    events = [
        ev("a", at(5), "gb", value="0.1"),
        ev("b", at(9), "gb", value="0.2"),
        ev("c", at(7), "gb", value="7.50"),
        ev("d", at(1), "gb", value="3"),
    ]
    report = aggregate(events, meters, billing=CALENDAR, tz="UTC")
    assert report.usage("org-1", MARCH) == {
        "n": Decimal(4),
        "total": Decimal("10.8"),  # 0.1 + 0.2 + 7.50 + 3, exactly: no float 10.799999
        "peak": Decimal("7.5"),
        "last": Decimal("0.2"),  # the event of March 9th is the latest
    }


def test_figures_are_written_one_way() -> None:
    # 1.50 + 2.50 = 4.00 is written 4; 1E+2 is written 100.
    events = [ev("a", at(1), "gb", value="1.50"), ev("b", at(2), "gb", value="2.50")]
    big = [ev("c", at(1), "gb", value=Decimal("1E+2"))]
    total = Meter(code="total", aggregation="sum", metrics="gb")
    peak = Meter(code="peak", aggregation="max", metrics="gb")
    assert str(aggregate(events, total, billing=CALENDAR, tz="UTC").rows[0].figures[0]) == "4"
    assert str(aggregate(big, peak, billing=CALENDAR, tz="UTC").rows[0].figures[0]) == "100"


def test_latest_on_equal_timestamps_takes_the_greatest_key() -> None:
    seats = Meter(code="seats", aggregation="latest")
    events = [ev("b", at(3), "seats", value=5), ev("a", at(3), "seats", value=9)]
    for order in (events, events[::-1]):
        assert aggregate(order, seats, billing=CALENDAR, tz="UTC").usage("org-1", MARCH) == {
            "seats": Decimal(5)
        }


def test_meters_without_events_in_a_period_are_zero() -> None:
    meters = [MAC, Meter(code="peak", aggregation="max", metrics="gb")]
    report = aggregate([ev("1", at(2), contact_id="c1")], meters, billing=CALENDAR, tz="UTC")
    assert report.usage("org-1", MARCH) == {"mac": Decimal(1), "peak": Decimal(0)}
    assert report.rows[0].events == {"mac": 1, "peak": 0}
    assert report.usage("org-1", APRIL) == {"mac": Decimal(0), "peak": Decimal(0)}
    assert report.usage("nobody", MARCH) == {"mac": Decimal(0), "peak": Decimal(0)}


def test_usage_is_only_given_for_billing_periods() -> None:
    # A customer billed from the 15th has no "March": asking for it is an error,
    # not a zero that would become a zero bill.
    billing = BillingCycle.anniversary(MONTHLY, date(2026, 1, 15))
    report = aggregate([ev("1", at(20), contact_id="c1")], MAC, billing=billing, tz="UTC")
    with pytest.raises(UsageError, match=r"such as 2026-02-15\.\.2026-03-15") as caught:
        report.usage("org-1", MARCH)
    assert caught.value.field == "period"
    assert report.usage("org-1", Period(date(2026, 3, 15), date(2026, 4, 15))) == {
        "mac": Decimal(1)
    }
    per_customer = aggregate(
        [ev("1", at(20), contact_id="c1")], MAC, billing={"org-1": CALENDAR}, tz="UTC"
    )
    with pytest.raises(UsageError) as caught:
        per_customer.usage("org-2", MARCH)
    assert caught.value.field == "billing['org-2']"
    windowed = aggregate(
        [ev("1", at(20), contact_id="c1")],
        MAC,
        billing=CALENDAR,
        tz="UTC",
        window=Period(date(2026, 3, 10), date(2026, 6, 1)),
    )
    with pytest.raises(UsageError):
        windowed.usage("org-1", MARCH)  # cut by the window: March 10th to April 1st
    assert windowed.usage("org-1", Period(date(2026, 3, 10), date(2026, 4, 1))) == {
        "mac": Decimal(1)
    }


def test_events_no_meter_counts_make_no_row() -> None:
    report = aggregate(
        [ev("1", at(2), "email"), ev("2", at(2), contact_id="c1", kind="broadcast")],
        MAC,
        billing=CALENDAR,
        tz="UTC",
    )
    assert report.rows == ()


def test_no_events() -> None:
    report = aggregate([], MAC, billing=CALENDAR, tz="UTC")
    assert (report.rows, report.late, report.duplicates, report.outside) == ((), (), 0, 0)


def test_report_as_text() -> None:
    events = [ev("1", at(2), contact_id="c1"), ev("2", at(3, month=4), contact_id="c1")]
    report = aggregate(events, MAC, billing=CALENDAR, tz="UTC")
    assert str(report).splitlines() == [
        "customer  period                  mac",
        "org-1     2026-03-01..2026-04-01    1",
        "org-1     2026-04-01..2026-05-01    1",
    ]


# --- duplicates ---------------------------------------------------------------------


def test_repeats_are_counted_once() -> None:
    first = ev("k1", at(2), "gb", value="2.5")
    same_instant_other_offset = ev(
        "k1", at(2).astimezone(timezone(timedelta(hours=5))), "gb", value="2.50"
    )
    meters = [
        Meter(code="gb", aggregation="sum"),
        Meter(code="n", aggregation="count", metrics="gb"),
    ]
    report = aggregate(
        [first, first, same_instant_other_offset], meters, billing=CALENDAR, tz="UTC"
    )
    assert report.usage("org-1", MARCH) == {"gb": Decimal("2.5"), "n": Decimal(1)}
    assert report.duplicates == 2


@pytest.mark.parametrize(
    "other",
    [
        {"value": "3"},
        {"customer": "org-2"},
        {"metric": "call"},
        {"when": at(2, 13)},
        {"contact_id": "c2"},
        {"workspace": "sales"},
    ],
)
def test_same_key_different_content_is_refused(other: dict[str, object]) -> None:
    fields: dict[str, object] = {"key": "k1", "when": at(2), "contact_id": "c1"}
    fields.update(other)
    clash = ev(**fields)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="one content per key") as caught:
        aggregate(
            [ev("k0", at(1), contact_id="c0"), ev("k1", at(2), contact_id="c1"), clash],
            MAC,
            billing=CALENDAR,
            tz="UTC",
        )
    assert (caught.value.field, caught.value.value) == ("idempotency_key", "k1")


def test_the_copy_received_first_decides_whether_a_repeat_is_late() -> None:
    # Sent at 23:00 on March 31st, received in time; a retry arrives in April.
    sent = at(31, 23)
    on_time = ev("k1", sent, "gb", received=at(31, 23, minute=1))
    retry = ev("k1", sent, "gb", received=at(3, month=4))
    meter = Meter(code="gb", aggregation="count")
    for order in ([on_time, retry], [retry, on_time]):
        report = aggregate(order, meter, billing=CALENDAR, tz="UTC", close_after=timedelta(hours=6))
        assert report.late == ()
        assert report.usage("org-1", MARCH) == {"gb": Decimal(1)}


# --- periods and calendars ----------------------------------------------------------


def test_the_billing_time_zone_moves_events_between_periods() -> None:
    # 23:30 UTC on March 31st is 01:30 on April 1st in Rome (UTC+2 in summer time).
    events = [ev("1", at(31, 23, minute=30), contact_id="c1")]
    in_utc = aggregate(events, MAC, billing=CALENDAR, tz="UTC")
    in_rome = aggregate(events, MAC, billing=CALENDAR, tz="Europe/Rome")
    assert [r.period for r in in_utc.rows] == [MARCH]
    assert [r.period for r in in_rome.rows] == [APRIL]


def test_each_customer_on_its_own_anniversary() -> None:
    billing = {
        "org-1": BillingCycle.anniversary(MONTHLY, date(2026, 1, 31)),
        "org-2": BillingCycle.calendar(MONTHLY),
    }
    events = [
        ev("1", at(2, month=3), contact_id="c1"),
        ev("2", at(2, month=3), contact_id="c1", customer="org-2"),
    ]
    report = aggregate(events, MAC, billing=billing, tz="UTC")
    # Jan 31 anchor: Feb 28 .. Mar 31 (clamped), then Mar 31 .. Apr 30.
    assert [(r.customer, str(r.period)) for r in report.rows] == [
        ("org-1", "2026-02-28..2026-03-31"),
        ("org-2", "2026-03-01..2026-04-01"),
    ]


def test_a_customer_without_a_cycle_is_refused() -> None:
    billing = {"org-1": CALENDAR}
    events = [ev("1", at(2), contact_id="c1"), ev("2", at(2), customer="org-9", contact_id="c")]
    with pytest.raises(UsageError) as caught:
        aggregate(events, MAC, billing=billing, tz="UTC")
    assert caught.value.field == "billing['org-9']"


def test_a_window_cuts_periods_for_a_cycle_restarted_by_an_upgrade() -> None:
    # Upgrade on March 10th: the cycle restarts that day (REQUIREMENTS 4). The
    # old cycle's last period is March 1st to 10th; the new one runs from the 10th.
    events = [
        ev("1", at(5), contact_id="c1"),
        ev("2", at(9, 23), contact_id="c2"),
        ev("3", at(10, 1), contact_id="c1"),
        ev("4", at(20), contact_id="c3"),
    ]
    before = aggregate(
        events, MAC, billing=CALENDAR, tz="UTC", window=Period(date(2026, 3, 1), date(2026, 3, 10))
    )
    after = aggregate(
        events,
        MAC,
        billing=BillingCycle.anniversary(MONTHLY, date(2026, 3, 10)),
        tz="UTC",
        window=Period(date(2026, 3, 10), date(2026, 6, 1)),
    )
    assert [(str(r.period), r.usage["mac"]) for r in before.rows] == [
        ("2026-03-01..2026-03-10", Decimal(2))
    ]
    assert before.outside == 2
    assert [(str(r.period), r.usage["mac"]) for r in after.rows] == [
        ("2026-03-10..2026-04-10", Decimal(2))  # c1 again (a new cycle) and c3
    ]
    assert after.outside == 2


# --- late events --------------------------------------------------------------------


def test_late_events_are_reported_not_folded_into_the_closed_period() -> None:
    # March closes at 06:00 UTC on April 1st (close_after = 6 hours after midnight).
    closes = datetime(2026, 4, 1, 6, tzinfo=UTC)
    events = [
        ev("1", at(2), contact_id="c1", received=at(2)),
        ev("2", at(30), contact_id="c2", received=at(30)),
        # Sent in March, received after March closed: c2 again and a new contact c3.
        ev("3", at(31, 20), contact_id="c2", received=closes),
        ev("4", at(31, 21), contact_id="c3", received=closes + timedelta(days=2)),
        # Sent and received in April: April's business.
        ev("5", at(1, 9, month=4), contact_id="c1", received=at(1, 9, month=4)),
    ]
    messages = Meter(code="messages", aggregation="count", metrics="message")
    report = aggregate(
        events, [MAC, messages], billing=CALENDAR, tz="UTC", close_after=timedelta(hours=6)
    )
    assert report.usage("org-1", MARCH) == {"mac": Decimal(2), "messages": Decimal(2)}
    assert report.usage("org-1", APRIL) == {"mac": Decimal(1), "messages": Decimal(1)}
    assert [(e.idempotency_key, e.period, e.closed_at) for e in report.late] == [
        ("3", MARCH, closes),
        ("4", MARCH, closes),
    ]
    assert report.late[0].meters == ("mac", "messages")
    assert report.corrections == (
        # c2 was already counted: the MAC does not change; c3 adds one.
        Correction(
            customer="org-1",
            period=MARCH,
            meter="mac",
            closed=Decimal(2),
            revised=Decimal(3),
            late_events=2,
        ),
        Correction(
            customer="org-1",
            period=MARCH,
            meter="messages",
            closed=Decimal(2),
            revised=Decimal(4),
            late_events=2,
        ),
    )
    assert [c.delta for c in report.corrections] == [Decimal(1), Decimal(2)]


def test_a_late_event_already_counted_changes_nothing() -> None:
    events = [
        ev("1", at(2), contact_id="c1", received=at(2)),
        ev("2", at(3), contact_id="c1", received=at(5, month=4)),
    ]
    report = aggregate(events, MAC, billing=CALENDAR, tz="UTC", close_after=timedelta(0))
    assert [c.delta for c in report.corrections] == [Decimal(0)]


def test_a_period_with_only_late_events_has_no_row_but_a_correction() -> None:
    events = [ev("1", at(2), contact_id="c1", received=at(2, month=4))]
    report = aggregate(events, MAC, billing=CALENDAR, tz="UTC", close_after=timedelta(days=1))
    assert report.rows == ()
    assert [(c.closed, c.revised) for c in report.corrections] == [(Decimal(0), Decimal(1))]


def test_an_event_received_exactly_at_closing_is_late() -> None:
    closes = datetime(2026, 4, 2, tzinfo=UTC)  # a day after midnight starting April 1st
    just_before = ev("1", at(31), contact_id="c1", received=closes - timedelta(microseconds=1))
    exactly = ev("2", at(31), contact_id="c2", received=closes)
    report = aggregate(
        [just_before, exactly], MAC, billing=CALENDAR, tz="UTC", close_after=timedelta(days=1)
    )
    assert [e.idempotency_key for e in report.late] == ["2"]


def test_closing_follows_the_billing_time_zone() -> None:
    # March closes at midnight starting April 1st in Rome: 22:00 UTC on March 31st.
    received = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
    report = aggregate(
        [ev("1", at(30), contact_id="c1", received=received)],
        MAC,
        billing=CALENDAR,
        tz="Europe/Rome",
        close_after=timedelta(0),
    )
    assert [e.closed_at for e in report.late] == [datetime(2026, 3, 31, 22, tzinfo=UTC)]


def test_closing_periods_needs_the_arrival_of_every_counted_event() -> None:
    with pytest.raises(UsageError, match="received_at") as caught:
        aggregate(
            [ev("1", at(2), contact_id="c1")],
            MAC,
            billing=CALENDAR,
            tz="UTC",
            close_after=timedelta(days=1),
        )
    assert caught.value.field == "received_at"


# --- refusals -----------------------------------------------------------------------


def test_unique_count_refuses_events_without_the_field() -> None:
    with pytest.raises(UsageError, match="event '2' has none") as caught:
        aggregate(
            [ev("1", at(2), contact_id="c1"), ev("2", at(3))], MAC, billing=CALENDAR, tz="UTC"
        )
    assert caught.value.field == "properties['contact_id']"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"billing": MONTHLY}, "billing"),
        ({"tz": None}, "tz"),
        ({"window": (date(2026, 3, 1), date(2026, 4, 1))}, "window"),
        ({"by": [""]}, "by[0]"),
        ({"by": ["a", "a"]}, "by"),
        ({"daily": "yes"}, "daily"),
        ({"close_after": 3600}, "close_after"),
        ({"close_after": timedelta(hours=-1)}, "close_after"),
    ],
)
def test_bad_requests_are_refused(arguments: dict[str, object], field: str) -> None:
    request: dict[str, object] = {"billing": CALENDAR, "tz": "UTC"}
    request.update(arguments)
    with pytest.raises(UsageError) as caught:
        aggregate([], MAC, **request)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_events_must_be_usage_events() -> None:
    with pytest.raises(UsageError) as caught:
        aggregate(
            [ev("1", at(2), contact_id="c1"), {"customer": "x"}], MAC, billing=CALENDAR, tz="UTC"
        )  # type: ignore[list-item]
    assert caught.value.field == "events[1]"
    with pytest.raises(UsageError):
        aggregate(ev("1", at(2)), MAC, billing=CALENDAR, tz="UTC")  # type: ignore[arg-type]


def test_report_lookups_check_their_keys() -> None:
    daily = aggregate(
        [ev("1", at(2), contact_id="c1")], MAC, billing=CALENDAR, tz="UTC", daily=True
    )
    with pytest.raises(UsageError):
        daily.usage("org-1", MARCH)
    with pytest.raises(UsageError):
        daily.usage("org-1", MARCH, day=date(2026, 3, 2), group={"workspace": "x"})
    assert daily.usage("org-1", MARCH, day=date(2026, 3, 2)) == {"mac": Decimal(1)}
    assert isinstance(daily, UsageReport)


# --- the optional DuckDB engine -----------------------------------------------------


def test_importing_billkit_usage_does_not_import_duckdb() -> None:
    code = (
        "import sys, billkit, billkit.usage\n"
        "from billkit.usage import EventFiles\n"
        "EventFiles(paths='events.parquet')\n"
        "print('duckdb' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert done.stdout.strip() == "False"


def test_without_duckdb_the_engine_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "duckdb", None)  # import duckdb now fails
    with pytest.raises(BillkitError, match=r"pip install 'py-billkit\[duckdb\]'"):
        aggregate(EventFiles(paths="events.parquet"), MAC, billing=CALENDAR, tz="UTC")
    # The pure-Python engine needs nothing.
    assert aggregate([ev("1", at(2), contact_id="c1")], MAC, billing=CALENDAR, tz="UTC").rows
