"""alerts(): dated alerts at 90% and 100% of an allowance, once per crossing."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from billkit.errors import MoneyError, UsageError, ValidationError
from billkit.periods import MONTHLY, BillingCycle, Period
from billkit.usage import Alert, AlertRule, EventFiles, Meter, MeterSum, UsageEvent, alerts
from billkit.usage.thresholds import Trigger

UTC = timezone.utc
CALENDAR = BillingCycle.calendar(MONTHLY)
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
MAC = Meter(code="mac", aggregation="unique_count", metrics=("message", "call"), field="contact_id")


def message(key: str, when: datetime, contact: str, customer: str = "org-1") -> UsageEvent:
    return UsageEvent(
        customer=customer,
        metric="message",
        timestamp=when,
        idempotency_key=key,
        properties={"contact_id": contact},
    )


def contacts_over_march(count: int, customer: str = "org-1") -> list[UsageEvent]:
    """Contact n first writes at 00:00 UTC + n hours from March 1st, then twice more."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    events = []
    for n in range(count):
        first = start + timedelta(hours=n)
        for repeat in range(3):
            events.append(
                message(
                    f"{customer}-{n}-{repeat}", first + timedelta(minutes=repeat), f"c{n}", customer
                )
            )
    return events


def test_mac_alerts_at_90_and_100_percent_once_each() -> None:
    # REQUIREMENTS 4: admins are alerted at 90% and 100% of the MAC limit.
    # Limit 500: 90% is the 450th contact (n = 449, 449 hours after March 1st
    # 00:00 UTC = March 19th 17:00), 100% the 500th (n = 499, March 21st 19:00).
    found = alerts(
        contacts_over_march(600), MAC, AlertRule(meter="mac", limit=500), billing=CALENDAR, tz="UTC"
    )
    assert [(a.level, a.threshold, a.value, a.at, a.day) for a in found] == [
        (
            Decimal("0.9"),
            Decimal(450),
            Decimal(450),
            datetime(2026, 3, 19, 17, tzinfo=UTC),
            date(2026, 3, 19),
        ),
        (
            Decimal(1),
            Decimal(500),
            Decimal(500),
            datetime(2026, 3, 21, 19, tzinfo=UTC),
            date(2026, 3, 21),
        ),
    ]
    assert [a.idempotency_key for a in found] == ["org-1-449-0", "org-1-499-0"]
    assert all(a.crossing == 1 and a.period == MARCH for a in found)


def test_alerts_are_dated_in_the_billing_calendar() -> None:
    # The 450th contact writes at 17:00 UTC on March 19th: 02:00 on the 20th in Tokyo
    # (UTC+9), but 20:30 on the 19th in Tehran (UTC+3:30).
    found = alerts(
        contacts_over_march(450),
        MAC,
        AlertRule(meter="mac", limit=500, levels="90%"),
        billing=CALENDAR,
        tz="Asia/Tokyo",
    )
    assert [(a.at, a.day) for a in found] == [
        (datetime(2026, 3, 19, 17, tzinfo=UTC), date(2026, 3, 20))
    ]
    in_tehran = alerts(
        contacts_over_march(450),
        MAC,
        AlertRule(meter="mac", limit=500, levels="90%"),
        billing=CALENDAR,
        tz="Asia/Tehran",
    )
    assert [a.day for a in in_tehran] == [date(2026, 3, 19)]


def test_no_alert_below_the_first_level() -> None:
    assert (
        alerts(
            contacts_over_march(449),
            MAC,
            AlertRule(meter="mac", limit=500),
            billing=CALENDAR,
            tz="UTC",
        )
        == ()
    )


def test_counts_restart_each_period_and_alert_again() -> None:
    april = [
        message(f"apr-{n}", datetime(2026, 4, 2, tzinfo=UTC) + timedelta(minutes=n), f"c{n}")
        for n in range(10)
    ]
    found = alerts(
        contacts_over_march(10) + april,
        MAC,
        AlertRule(meter="mac", limit=10),
        billing=CALENDAR,
        tz="UTC",
    )
    assert [(str(a.period), a.level, a.crossing) for a in found] == [
        ("2026-03-01..2026-04-01", Decimal("0.9"), 1),
        ("2026-03-01..2026-04-01", Decimal(1), 1),
        ("2026-04-01..2026-05-01", Decimal("0.9"), 1),
        ("2026-04-01..2026-05-01", Decimal(1), 1),
    ]
    assert len({a.key for a in found}) == 4


def test_one_event_can_cross_both_levels() -> None:
    storage = Meter(code="gb", aggregation="sum")
    events = [
        UsageEvent(customer="org-1", metric="gb", value=v, idempotency_key=k, timestamp=t)
        for k, v, t in [
            ("a", "50", datetime(2026, 3, 2, tzinfo=UTC)),
            ("b", "60", datetime(2026, 3, 3, tzinfo=UTC)),  # 50 -> 110: over 90 and 100
        ]
    ]
    found = alerts(events, storage, AlertRule(meter="gb", limit=100), billing=CALENDAR, tz="UTC")
    assert [(a.level, a.value, a.idempotency_key) for a in found] == [
        (Decimal("0.9"), Decimal(110), "b"),
        (Decimal(1), Decimal(110), "b"),
    ]


def test_over_the_contact_limit_means_strictly_over() -> None:
    # REQUIREMENTS 2: notify when the contact base goes over the plan's limit.
    contacts = Meter(code="contacts", aggregation="latest", metrics="contact_count")

    def reading(day: int, count: int) -> UsageEvent:
        return UsageEvent(
            customer="shop",
            metric="contact_count",
            value=count,
            idempotency_key=f"d{day}",
            timestamp=datetime(2026, 3, day, tzinfo=UTC),
        )

    rule = AlertRule(meter="contacts", limit=5000, levels="100%", when="exceeded")
    readings = [
        reading(1, 4990),
        reading(2, 5000),
        reading(3, 5001),
        reading(4, 5200),
        reading(5, 4800),
        reading(6, 5300),
    ]
    found = alerts(readings, contacts, rule, billing=CALENDAR, tz="UTC")
    # 5000 is the limit, not over it; 5001 crosses; 5200 stays over; back under at
    # 4800; 5300 crosses again: two crossings, one alert each.
    assert [(a.day.day, a.value, a.crossing) for a in found] == [
        (3, Decimal(5001), 1),
        (6, Decimal(5300), 2),
    ]
    assert found[0].key != found[1].key
    reached = alerts(
        readings,
        contacts,
        AlertRule(meter="contacts", limit=5000, levels="100%"),
        billing=CALENDAR,
        tz="UTC",
    )
    assert [a.day.day for a in reached] == [2, 6]


def test_limits_per_customer() -> None:
    events = contacts_over_march(10, "small") + contacts_over_march(10, "large")
    rule = AlertRule(meter="mac", limit={"small": 10, "large": 1000})
    found = alerts(events, MAC, rule, billing=CALENDAR, tz="UTC")
    assert {a.customer for a in found} == {"small"}
    with pytest.raises(UsageError) as caught:
        alerts(events, MAC, AlertRule(meter="mac", limit={"small": 10}), billing=CALENDAR, tz="UTC")
    assert caught.value.field == "limit['large']"


def test_alerts_on_a_sum_of_meters() -> None:
    meters = [
        Meter(
            code="non_organic",
            aggregation="count",
            metrics="install",
            where={"install_type": "non_organic"},
        ),
        Meter(
            code="rejected",
            aggregation="count",
            metrics="install",
            where={"install_type": "rejected"},
        ),
        MeterSum(code="billable", meters=("non_organic", "rejected")),
    ]
    events = [
        UsageEvent(
            customer="app",
            metric="install",
            idempotency_key=f"i{n}",
            timestamp=datetime(2026, 3, 1, tzinfo=UTC) + timedelta(hours=n),
            properties={"install_type": kind},
        )
        for n, kind in enumerate(["non_organic", "organic", "rejected", "organic", "non_organic"])
    ]
    found = alerts(
        events,
        meters,
        AlertRule(meter="billable", limit=3, levels="100%"),
        billing=CALENDAR,
        tz="UTC",
    )
    # billable: 1 (i0), 2 (i2), 3 (i4): the third billable install reaches the limit.
    assert [(a.idempotency_key, a.value) for a in found] == [("i4", Decimal(3))]


def test_repeats_and_order_change_nothing() -> None:
    events = contacts_over_march(50)
    rule = AlertRule(meter="mac", limit=40)
    expected = alerts(events, MAC, rule, billing=CALENDAR, tz="UTC")
    shuffled = events + events[:20]
    random.Random(7).shuffle(shuffled)
    assert alerts(shuffled, MAC, rule, billing=CALENDAR, tz="UTC") == expected


def test_the_key_survives_a_late_event_that_moves_the_crossing() -> None:
    events = contacts_over_march(10)
    rule = AlertRule(meter="mac", limit=10, levels="100%")
    before = alerts(events, MAC, rule, billing=CALENDAR, tz="UTC")
    # A late-arriving message from a new contact, sent early in March: the 10th
    # contact is now reached earlier, by another event.
    late = message("late", datetime(2026, 3, 1, 0, 30, tzinfo=UTC), "c-new")
    after = alerts([*events, late], MAC, rule, billing=CALENDAR, tz="UTC")
    assert before[0].at != after[0].at
    assert before[0].key == after[0].key == "org-1/mac/2026-03-01..2026-04-01/1x10/1"


def test_window_limits_the_alerts() -> None:
    found = alerts(
        contacts_over_march(600),
        MAC,
        AlertRule(meter="mac", limit=500),
        billing=CALENDAR,
        tz="UTC",
        window=Period(date(2026, 3, 1), date(2026, 3, 20)),
    )
    assert [a.level for a in found] == [Decimal("0.9")]
    assert found[0].period == Period(date(2026, 3, 1), date(2026, 3, 20))


@pytest.mark.parametrize(
    ("arguments", "field", "kind"),
    [
        ({"limit": 0}, "limit", UsageError),
        # Not an exact number, not a rate: billkit.money's MoneyError (errors by kind).
        ({"limit": 0.5}, "limit", MoneyError),
        ({"limit": 10, "levels": ()}, "levels", UsageError),
        ({"limit": 10, "levels": ("90%", "0.9")}, "levels", UsageError),
        ({"limit": 10, "levels": ("-5%",)}, "levels[0]", MoneyError),
        ({"limit": 10, "when": "over"}, "when", UsageError),
    ],
)
def test_bad_rules_are_refused(
    arguments: dict[str, object], field: str, kind: type[ValidationError]
) -> None:
    with pytest.raises(kind) as caught:
        AlertRule(meter="mac", **arguments)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_rules_must_name_a_meter_of_the_request() -> None:
    with pytest.raises(UsageError) as caught:
        alerts([], MAC, AlertRule(meter="contacts", limit=5), billing=CALENDAR, tz="UTC")
    assert caught.value.field == "rules[0].meter"
    with pytest.raises(UsageError):
        alerts([], MAC, [], billing=CALENDAR, tz="UTC")


def test_alerts_take_events_not_files() -> None:
    with pytest.raises(UsageError) as caught:
        alerts(
            EventFiles(paths="events.parquet"),
            MAC,
            AlertRule(meter="mac", limit=5),
            billing=CALENDAR,
            tz="UTC",
        )  # type: ignore[arg-type]
    assert caught.value.field == "events"


def test_alert_values() -> None:
    rule = AlertRule(meter="mac", limit=1000)
    assert rule.levels == (Decimal("0.90"), Decimal("1.00"))
    assert rule.when is Trigger.REACHED
    alert = alerts(
        contacts_over_march(1),
        MAC,
        AlertRule(meter="mac", limit=1, levels="100%"),
        billing=CALENDAR,
        tz="UTC",
    )[0]
    assert isinstance(alert, Alert)
    assert alert.limit == Decimal(1)
