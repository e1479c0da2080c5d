"""A usage report's notebook display and repr: compact, escaped, the figures first."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from billkit import _display
from billkit.periods import MONTHLY, BillingCycle
from billkit.usage import Meter, UsageEvent, aggregate

HOSTILE = "<script>alert('x')</script> & Co"
CALENDAR = BillingCycle.calendar(MONTHLY)


def _event(customer: str, key: str, day: int, value: int = 1, **extra: object) -> UsageEvent:
    at = datetime(2026, 3, day, 12, tzinfo=timezone.utc)
    return UsageEvent(
        customer=customer,
        metric="call",
        idempotency_key=key,
        value=value,
        timestamp=at,
        **extra,  # type: ignore[arg-type]
    )


def test_figures_and_hostile_text_are_escaped() -> None:
    events = [
        _event(HOSTILE, "a", 2, 3, properties={"region": HOSTILE}),
        _event(HOSTILE, "b", 3, 4, properties={"region": HOSTILE}),
        _event("org-2", "c", 4, 5, properties={"region": "eu"}),
        _event("org-2", "c", 4, 5, properties={"region": "eu"}),  # a repeat: dropped
    ]
    meter = Meter(code="calls", aggregation="sum", metrics="call")
    report = aggregate(events, meter, billing=CALENDAR, tz="UTC", by=["region"])
    html = report._repr_html_()
    assert "<script>" not in html
    assert html.count("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co") == 2
    # the hostile customer's calls: 3 + 4 = 7; org-2's: 5 (the repeat dropped)
    assert "<td style='text-align:right'>7</td>" in html
    assert "<td style='text-align:right'>5</td>" in html
    assert "2 rows, 2 customers" in html
    assert "1 duplicate dropped" in html
    text = repr(report)
    assert text == (
        "<UsageReport: 2 rows, 2 customers, meters ['calls'], 2026-03-01..2026-04-01; 1 duplicate>"
    )


def test_late_events_are_named() -> None:
    sent = datetime(2026, 3, 31, 22, tzinfo=timezone.utc)
    late = UsageEvent(
        customer="org-1",
        metric="call",
        idempotency_key="k9",
        timestamp=sent,
        received_at=sent + timedelta(days=3),
    )
    meter = Meter(code="calls", aggregation="count", metrics="call")
    report = aggregate([late], meter, billing=CALENDAR, tz="UTC", close_after=timedelta(days=1))
    assert (
        repr(report) == "<UsageReport: 0 rows, 0 customers, meters ['calls'], no periods; 1 late>"
    )
    html = report._repr_html_()
    assert "1 late event left out; 1 correction" in html


def test_a_long_report_shows_its_first_rows() -> None:
    n = _display.USAGE_ROWS + 5
    events = [_event(f"org-{i:03d}", f"k{i}", 2) for i in range(n)]
    report = aggregate(
        events, Meter(code="calls", aggregation="count", metrics="call"), billing=CALENDAR, tz="UTC"
    )
    html = report._repr_html_()
    assert f"first {_display.USAGE_ROWS} of {n} rows" in html
    assert html.count("<tr>") == 1 + _display.USAGE_ROWS  # the head and the rows shown
    assert "org-000" in html
    assert f"org-{n - 1:03d}" not in html


@given(
    st.text(st.characters(categories=("L", "N", "P", "S")), min_size=1, max_size=30).filter(
        lambda s: s == s.strip()
    )
)
def test_any_customer_text_is_escaped(name: str) -> None:
    report = aggregate(
        [_event(name, "k", 2)],
        Meter(code="calls", aggregation="count", metrics="call"),
        billing=CALENDAR,
        tz="UTC",
    )
    html = report._repr_html_()
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    cell = body.split("<td>")[1].split("</td>")[0]
    assert "<" not in cell
    assert ">" not in cell
    assert "\n" not in repr(report)
