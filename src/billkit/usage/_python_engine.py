"""The pure-Python aggregation engine: a :class:`~billkit.usage.report.Spec`
over an iterable of events in, a :class:`~billkit.usage.report.Raw` out.

Private: :func:`billkit.usage.aggregate` chooses it for lists of events.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timezone
from decimal import Decimal
from typing import Any, Final, cast

from billkit.errors import UsageError
from billkit.money import CONTEXT
from billkit.usage._calendar import missing_cycle
from billkit.usage.events import UsageEvent, content, from_micros, micros
from billkit.usage.meters import Aggregation, Meter
from billkit.usage.report import (
    GroupKey,
    LateEvent,
    Raw,
    Spec,
    completer,
    conflict_error,
    missing_field_error,
    missing_received_error,
    row_maker,
    sort_key,
)

_ZERO: Final = Decimal(0)


def _first_received(event: UsageEvent, kept: UsageEvent) -> bool:
    """Whether ``event`` was received before ``kept`` (an unknown time counts as earliest)."""
    if kept.received_at is None:
        return False
    if event.received_at is None:
        return True
    return event.received_at < kept.received_at


def deduplicate(events: Iterable[UsageEvent]) -> tuple[dict[str, UsageEvent], int]:
    """Events by key (the copy received first) and the number of repeats dropped."""
    kept: dict[str, UsageEvent] = {}
    conflicts: set[str] = set()
    total = 0
    for i, event in enumerate(events):
        if not isinstance(event, UsageEvent):
            raise UsageError(f"events[{i}]", event, "a UsageEvent")
        total += 1
        key = event.idempotency_key
        prior = kept.get(key)
        if prior is None:
            kept[key] = event
        elif content(prior) != content(event):
            conflicts.add(key)
        elif _first_received(event, prior):
            kept[key] = event
    if conflicts:
        raise conflict_error(min(conflicts))
    return kept, total - len(kept)


# An accumulator is [events, payload]; payload per aggregation:
# COUNT None; SUM Decimal; MAX Decimal | None; UNIQUE_COUNT set; LATEST (us, key, value) | None.


def new_state(base: tuple[Meter, ...]) -> list[list[Any]]:
    return [
        [
            0,
            set()
            if m.aggregation is Aggregation.UNIQUE_COUNT
            else (_ZERO if m.aggregation is Aggregation.SUM else None),
        ]
        for m in base
    ]


def figure(meter: Meter, acc: list[Any]) -> Decimal:
    kind = meter.aggregation
    payload = acc[1]
    if kind is Aggregation.COUNT:
        return Decimal(acc[0])
    if kind is Aggregation.UNIQUE_COUNT:
        return Decimal(len(payload))
    if kind is Aggregation.LATEST:
        return _ZERO if payload is None else payload[2]
    return _ZERO if payload is None else cast(Decimal, payload)


def update(meter: Meter, acc: list[Any], event: UsageEvent, us: int, key: str) -> None:
    """Count ``event`` (at ``us``, with ``key``) in ``meter``'s accumulator."""
    kind = meter.aggregation
    if kind is Aggregation.UNIQUE_COUNT:
        assert meter.field is not None
        acc[1].add(event.properties[meter.field])
    elif kind is Aggregation.SUM:
        acc[1] = CONTEXT.add(acc[1], event.value)
    elif kind is Aggregation.MAX:
        if acc[1] is None or event.value > acc[1]:
            acc[1] = event.value
    elif kind is Aggregation.LATEST and (acc[1] is None or (us, key) > acc[1][:2]):
        acc[1] = (us, key, event.value)
    acc[0] += 1


def _merge(meter: Meter, a: list[Any], b: list[Any]) -> list[Any]:
    kind = meter.aggregation
    x, y = a[1], b[1]
    if kind is Aggregation.COUNT:
        payload = None
    elif kind is Aggregation.SUM:
        payload = CONTEXT.add(x, y)
    elif kind is Aggregation.UNIQUE_COUNT:
        payload = x | y
    else:  # MAX and LATEST: the larger; None is empty
        payload = y if x is None else x if y is None else max(x, y)
    return [a[0] + b[0], payload]


def run_python(events: Iterable[UsageEvent], spec: Spec) -> Raw:
    """The pure-Python engine."""
    kept, duplicates = deduplicate(events)
    calendar = spec.calendar()
    base = spec.base
    tz = spec.tz
    by = spec.by
    daily = spec.daily
    closing = spec.close_after is not None
    # metric -> the meters reading it: (index, meter, whether it filters on properties)
    readers: dict[str, list[tuple[int, Meter, bool]]] = {}
    for j, meter in enumerate(base):
        for metric in meter.metrics:
            readers.setdefault(metric, []).append((j, meter, bool(meter.where or meter.exclude)))
    needs_instant = any(m.aggregation is Aggregation.LATEST for m in base)
    no_values: tuple[str | None, ...] = ()

    closed: dict[GroupKey, list[list[Any]]] = {}
    late_states: dict[GroupKey, list[list[Any]]] = {}
    late: list[LateEvent] = []
    no_cycle: set[str] = set()
    no_field: dict[str, Meter] = {}
    no_received: set[str] = set()
    outside = 0
    for key, event in kept.items():
        try:
            phase = calendar.phase(event.customer)
        except UsageError:
            no_cycle.add(event.customer)
            continue
        day = event.timestamp.astimezone(tz).date()
        period = calendar.period(phase, day)
        if period is None:
            outside += 1
            continue
        candidates = readers.get(event.metric)
        if not candidates:
            continue
        props = event.properties
        metric = event.metric
        matched = [
            j for j, meter, filtered in candidates if not filtered or meter.matches(metric, props)
        ]
        if not matched:
            continue
        is_late = False
        if closing:
            if event.received_at is None:
                no_received.add(key)
                continue
            closes = calendar.close_micros(period)
            is_late = micros(event.received_at) >= closes
        group: GroupKey = (
            event.customer,
            period,
            day if daily else None,
            tuple([props.get(name) for name in by]) if by else no_values,
        )
        target = late_states if is_late else closed
        state = target.get(group)
        if state is None:
            state = target[group] = new_state(base)
        us = micros(event.timestamp) if needs_instant else 0
        for j in matched:
            meter = base[j]
            if meter.field is not None and meter.field not in props:
                if key not in no_field:
                    no_field[key] = meter
                continue
            update(meter, state[j], event, us, key)
        if is_late:
            assert event.received_at is not None
            late.append(
                LateEvent(
                    customer=event.customer,
                    metric=event.metric,
                    idempotency_key=key,
                    timestamp=event.timestamp.astimezone(timezone.utc),
                    received_at=event.received_at.astimezone(timezone.utc),
                    day=day,
                    period=period,
                    closed_at=from_micros(calendar.close_micros(period)),
                    meters=tuple(base[j].code for j in matched),
                )
            )
    if no_cycle:
        raise missing_cycle(min(no_cycle))
    if no_field:
        first = min(no_field)
        raise missing_field_error(first, no_field[first])
    if no_received:
        raise missing_received_error(min(no_received))

    complete = completer(spec)
    make_row = row_maker(spec)
    rows = []
    for group in sorted(closed, key=sort_key):
        state = closed[group]
        figures, counts = complete(
            [figure(m, acc) for m, acc in zip(base, state, strict=True)], [a[0] for a in state]
        )
        rows.append(make_row(*group, figures, counts))
    revised = []
    no_counts = [0] * len(base)
    for group in sorted(late_states, key=sort_key):
        late_state = late_states[group]
        on_time = closed.get(group) or new_state(base)
        both = [_merge(m, a, b) for m, a, b in zip(base, on_time, late_state, strict=True)]
        before, _ = complete([figure(m, a) for m, a in zip(base, on_time, strict=True)], no_counts)
        after, _ = complete([figure(m, a) for m, a in zip(base, both, strict=True)], no_counts)
        _, late_counts = complete([_ZERO] * len(base), [b[0] for b in late_state])
        revised.append((group, before, after, late_counts))
    return Raw(rows=rows, revised=revised, late=late, duplicates=duplicates, outside=outside)
