"""Meters: how events become the usage figures a plan prices.

A :class:`Meter` picks events (by metric and properties) and aggregates them
per billing period: count them, sum or take the maximum of their values,
count the distinct values of a property, or keep the latest value. Its
``code`` is the name of the figure, the metric a plan's charge prices, so a
report's usage feeds :func:`billkit.pricing.quote` directly. A
:class:`MeterSum` adds up the figures of several counting meters.

>>> mac = Meter(code="mac", aggregation="unique_count", metrics=("message", "call"),
...             field="contact_id", exclude={"kind": "broadcast"})
>>> mac.aggregation
<Aggregation.UNIQUE_COUNT: 'unique_count'>
>>> billable = MeterSum(code="billable_attributions",
...                     meters=("non_organic_installs", "reattributions", "rejected_installs"))
>>> billable.meters
('non_organic_installs', 'reattributions', 'rejected_installs')
>>> all(isinstance(meter, AnyMeter) for meter in (mac, billable))
True
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeAlias

import attrs

from billkit._frozen import FrozenDict
from billkit.errors import UsageError

__all__ = ["Aggregation", "AnyMeter", "Meter", "MeterSum", "check_meters"]


class Aggregation(str, enum.Enum):
    """How a meter turns a period's events into one figure.

    - ``COUNT``: the number of events (their values are ignored).
    - ``SUM``: the sum of their values.
    - ``MAX``: the largest value.
    - ``UNIQUE_COUNT``: the number of distinct values of the meter's ``field``
      property, such as Monthly Active Contacts (distinct ``contact_id``).
    - ``LATEST``: the value of the last event: the latest ``timestamp``, and
      on equal timestamps the greatest ``idempotency_key``, so the result never
      depends on the order events are given in.

    A period with no matching event gives zero for every aggregation.

    >>> Aggregation("unique_count") is Aggregation.UNIQUE_COUNT
    True
    """

    COUNT = "count"
    SUM = "sum"
    MAX = "max"
    UNIQUE_COUNT = "unique_count"
    LATEST = "latest"


def _aggregation(value: object) -> Aggregation:
    if isinstance(value, Aggregation):
        return value
    if isinstance(value, str):
        try:
            return Aggregation(value)
        except ValueError:
            pass
    raise UsageError(
        "aggregation", value, f"one of {', '.join(repr(a.value) for a in Aggregation)}"
    )


def _code(field: str, value: object) -> str:
    if not isinstance(value, str) or not value or value != value.strip():
        raise UsageError(field, value, "a non-empty str without surrounding spaces")
    return value


def _names(field: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable):
        raise UsageError(field, value, "a str or a sequence of str")
    names = tuple(value)
    if not names:
        raise UsageError(field, value, "at least one name")
    for i, name in enumerate(names):
        _code(f"{field}[{i}]", name)
    if len(set(names)) != len(names):
        raise UsageError(field, value, "names without repeats")
    return names


def _filter(field: str, value: object) -> Mapping[str, frozenset[str]]:
    if not isinstance(value, Mapping):
        raise UsageError(field, value, "a mapping of property name to a str or a set of str")
    result: dict[str, frozenset[str]] = {}
    for name, allowed in value.items():
        _code(f"{field} key", name)
        items = (allowed,) if isinstance(allowed, str) else allowed
        if not isinstance(items, Iterable):
            raise UsageError(f"{field}[{name!r}]", allowed, "a str or a set of str")
        values = frozenset(items)
        if not values or not all(isinstance(v, str) and v for v in values):
            raise UsageError(f"{field}[{name!r}]", allowed, "one or more non-empty str values")
        result[name] = values
    return FrozenDict(dict(sorted(result.items())))


def _code_of(value: object) -> str:
    return _code("code", value)


def _metrics(value: object) -> tuple[str, ...]:
    return _names("metrics", value)


def _meter_codes(value: object) -> tuple[str, ...]:
    return _names("meters", value)


def _where(value: object) -> Mapping[str, frozenset[str]]:
    return _filter("where", value)


def _exclude(value: object) -> Mapping[str, frozenset[str]]:
    return _filter("exclude", value)


def _filter_key(value: Mapping[str, frozenset[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((name, tuple(sorted(values))) for name, values in value.items())


@attrs.frozen(kw_only=True)
class Meter:
    """Which events count towards a usage figure, and how they aggregate.

    - ``code``: the figure's name, the metric a plan's charge prices.
    - ``aggregation``: an :class:`Aggregation` or its value (``"count"``...).
    - ``metrics``: the event metrics the meter reads (default: ``(code,)``).
      Several metrics are read as one stream: MAC counts contacts of both
      ``"message"`` and ``"call"`` events.
    - ``field``: the property whose distinct values ``unique_count`` counts;
      required for ``unique_count`` and refused otherwise. An event the meter
      reads that lacks this property is an error, not silently skipped.
    - ``where``: property -> value(s) an event must have (one of them); an
      event without the property does not match.
    - ``exclude``: property -> value(s) an event must not have; an event
      without the property matches.

    >>> Meter(code="api_calls", aggregation="count").metrics
    ('api_calls',)
    >>> attributions = Meter(code="billable_attributions", aggregation="count",
    ...     metrics=("install",),
    ...     where={"install_type": {"non_organic", "reattribution", "rejected"}})
    >>> sorted(attributions.where["install_type"])
    ['non_organic', 'reattribution', 'rejected']
    >>> Meter(code="mac", aggregation="unique_count")
    Traceback (most recent call last):
    ...
    billkit.errors.UsageError: field = None: expected the property whose distinct values a unique_count meter counts, such as 'contact_id'
    """

    code: str = attrs.field(converter=_code_of)
    aggregation: Aggregation = attrs.field(converter=_aggregation)
    metrics: tuple[str, ...] = attrs.field(
        default=attrs.Factory(lambda self: (self.code,), takes_self=True),
        converter=_metrics,
    )
    field: str | None = None
    where: Mapping[str, frozenset[str]] = attrs.field(
        factory=dict, converter=_where, eq=False, hash=False, repr=False
    )
    exclude: Mapping[str, frozenset[str]] = attrs.field(
        factory=dict, converter=_exclude, eq=False, hash=False, repr=False
    )
    # Mappings are not hashable: compare and hash the sorted filters instead.
    _key: tuple[object, ...] = attrs.field(init=False, repr=False)

    @_key.default
    def _make_key(self) -> tuple[object, ...]:
        return (_filter_key(self.where), _filter_key(self.exclude))

    def __attrs_post_init__(self) -> None:
        if self.aggregation is Aggregation.UNIQUE_COUNT:
            if self.field is None:
                raise UsageError(
                    "field",
                    None,
                    "the property whose distinct values a unique_count meter counts, "
                    "such as 'contact_id'",
                )
            _code("field", self.field)
        elif self.field is not None:
            raise UsageError(
                "field",
                self.field,
                f"None: only unique_count meters read a field, not {self.aggregation.value}",
            )

    def matches(self, metric: str, properties: Mapping[str, str]) -> bool:
        """Whether an event with this ``metric`` and ``properties`` counts towards the meter.

        >>> meter = Meter(code="mac", aggregation="unique_count", metrics=("message", "call"),
        ...               field="contact_id", exclude={"kind": "broadcast"})
        >>> meter.matches("message", {"contact_id": "c1", "kind": "broadcast"})
        False
        >>> meter.matches("call", {"contact_id": "c1"})
        True
        """
        if metric not in self.metrics:
            return False
        for name, allowed in self.where.items():
            if properties.get(name) not in allowed:
                return False
        return all(properties.get(name) not in refused for name, refused in self.exclude.items())


_SUMMABLE = (Aggregation.COUNT, Aggregation.SUM)


@attrs.frozen(kw_only=True)
class MeterSum:
    """A figure that adds up the figures of other meters, period by period.

    Billable attributions = non-organic installs + re-attributions + rejected
    installs: three counting meters (each also reported on its own) and their
    sum. Only ``count`` and ``sum`` meters may be added: unique counts would
    count a contact twice, and maxima or latest values do not add.

    >>> MeterSum(code="billable_attributions", meters=("installs", "reattributions")).code
    'billable_attributions'
    """

    code: str = attrs.field(converter=_code_of)
    meters: tuple[str, ...] = attrs.field(converter=_meter_codes)


AnyMeter: TypeAlias = Meter | MeterSum
"""A meter or a sum of meters: what a request's ``meters`` list holds."""


def check_meters(meters: object) -> tuple[AnyMeter, ...]:
    """Validate a list of meters: unique codes, and sums over counting meters of the list.

    >>> check_meters([Meter(code="a", aggregation="max"), MeterSum(code="b", meters=("a",))])
    Traceback (most recent call last):
    ...
    billkit.errors.UsageError: meters[1].meters[0] = 'a': expected a count or sum meter listed before this sum (sums of max, unique_count or latest figures mean nothing)
    """
    if isinstance(meters, (Meter, MeterSum)):
        meters = (meters,)
    if not isinstance(meters, Sequence) or isinstance(meters, str) or not meters:
        raise UsageError("meters", meters, "a non-empty sequence of Meter and MeterSum")
    result: list[AnyMeter] = []
    seen: dict[str, AnyMeter] = {}
    for i, meter in enumerate(meters):
        if not isinstance(meter, (Meter, MeterSum)):
            raise UsageError(f"meters[{i}]", meter, "a Meter or a MeterSum")
        if meter.code in seen:
            raise UsageError(f"meters[{i}].code", meter.code, "a code no other meter has")
        if isinstance(meter, MeterSum):
            for j, code in enumerate(meter.meters):
                part = seen.get(code)
                if not isinstance(part, Meter) or part.aggregation not in _SUMMABLE:
                    raise UsageError(
                        f"meters[{i}].meters[{j}]",
                        code,
                        "a count or sum meter listed before this sum "
                        "(sums of max, unique_count or latest figures mean nothing)",
                    )
        seen[meter.code] = meter
        result.append(meter)
    return tuple(result)
