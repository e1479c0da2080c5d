"""Meters: which events they read, and the refusals that keep bills right."""

from __future__ import annotations

import pytest

from billkit.errors import UsageError
from billkit.usage import Aggregation, Meter, MeterSum
from billkit.usage.meters import check_meters

MAC = Meter(
    code="mac",
    aggregation="unique_count",
    metrics=("message", "call"),
    field="contact_id",
    exclude={"kind": "broadcast"},
)


def test_metrics_default_to_the_code() -> None:
    assert Meter(code="api_calls", aggregation="count").metrics == ("api_calls",)
    assert Meter(code="gb", aggregation=Aggregation.SUM, metrics="storage").metrics == ("storage",)


def test_mac_reads_messages_and_calls_but_not_broadcasts() -> None:
    # REQUIREMENTS 4 / seed 003: contacts that send or receive messages (broadcasts
    # excluded) or make or receive calls in the billing month.
    assert MAC.matches("message", {"contact_id": "c1"})
    assert MAC.matches("call", {"contact_id": "c1", "kind": "inbound"})
    assert not MAC.matches("message", {"contact_id": "c1", "kind": "broadcast"})
    assert not MAC.matches("email", {"contact_id": "c1"})


def test_where_needs_the_property_and_exclude_does_not() -> None:
    installs = Meter(
        code="billable_attributions",
        aggregation="count",
        metrics="install",
        where={"install_type": {"non_organic", "reattribution", "rejected"}},
    )
    assert installs.matches("install", {"install_type": "rejected"})
    assert not installs.matches("install", {"install_type": "organic"})
    assert not installs.matches("install", {})  # no install_type: not billable


def test_meters_are_hashable_values() -> None:
    again = Meter(
        code="mac",
        aggregation="unique_count",
        metrics=["message", "call"],
        field="contact_id",
        exclude={"kind": ["broadcast"]},
    )
    assert again == MAC
    assert hash(again) == hash(MAC)
    assert (
        Meter(
            code="mac", aggregation="unique_count", metrics=("message", "call"), field="contact_id"
        )
        != MAC
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"aggregation": "median"}, "aggregation"),
        ({"aggregation": "unique_count"}, "field"),
        ({"aggregation": "sum", "field": "contact_id"}, "field"),
        ({"code": ""}, "code"),
        ({"code": " mac"}, "code"),
        ({"metrics": ()}, "metrics"),
        ({"metrics": ("a", "a")}, "metrics"),
        ({"where": {"channel": ""}}, "where['channel']"),
        ({"where": {"channel": set()}}, "where['channel']"),
        ({"exclude": ["kind"]}, "exclude"),
    ],
)
def test_bad_meters_are_refused(changes: dict[str, object], field: str) -> None:
    fields: dict[str, object] = {"code": "m", "aggregation": "count"}
    fields.update(changes)
    with pytest.raises(UsageError) as caught:
        Meter(**fields)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_sums_add_only_counting_meters_listed_before_them() -> None:
    installs = Meter(code="installs", aggregation="count")
    seats = Meter(code="seats", aggregation="latest")
    total = MeterSum(code="total", meters=("installs",))
    assert check_meters([installs, total]) == (installs, total)
    with pytest.raises(UsageError, match="count or sum meter"):
        check_meters([seats, MeterSum(code="bad", meters=("seats",))])
    with pytest.raises(UsageError, match="count or sum meter"):
        check_meters([MAC, MeterSum(code="bad", meters=("mac",))])
    with pytest.raises(UsageError, match="listed before"):
        check_meters([total, installs])


def test_meter_lists_are_checked() -> None:
    with pytest.raises(UsageError, match="no other meter"):
        check_meters([MAC, MAC])
    with pytest.raises(UsageError):
        check_meters([])
    with pytest.raises(UsageError):
        check_meters(["mac"])
    assert check_meters(MAC) == (MAC,)
