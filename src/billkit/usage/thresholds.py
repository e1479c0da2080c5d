"""Thresholds and alerts: the moments usage reached a share of an allowance.

:func:`alerts` replays a period's events in time order and emits a dated
:class:`Alert` each time a meter's running figure crosses a level of a limit:
90% and 100% of the Monthly Active Contacts a plan includes, or going over a
contact limit. Each level fires once per crossing: once per period for
figures that only grow (count, sum, max, unique count), and again after a
drop below for a ``latest`` figure. The figures restart with each billing
period, as MAC does.

The function is pure: the same events give the same alerts, each with a
stable :attr:`Alert.key`, so a caller that runs it again after new events
arrive sends only the alerts whose keys it has not sent before.

>>> from datetime import datetime, timezone
>>> from billkit.periods import MONTHLY, BillingCycle
>>> from billkit.usage import Meter, UsageEvent
>>> mac = Meter(code="mac", aggregation="unique_count", metrics="message", field="contact_id")
>>> events = [UsageEvent(customer="org-1", metric="message", idempotency_key=f"m{n}",
...                      timestamp=datetime(2026, 3, n, 9, tzinfo=timezone.utc),
...                      properties={"contact_id": f"c{n}"}) for n in range(1, 11)]
>>> found = alerts(events, [mac], AlertRule(meter="mac", limit=10),
...                billing=BillingCycle.calendar(MONTHLY), tz="Europe/Rome")
>>> [(str(a.level), a.day.isoformat(), str(a.value)) for a in found]   # 90% of 10 = 9
[('0.9', '2026-03-09', '9'), ('1', '2026-03-10', '10')]
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timezone, tzinfo
from decimal import Decimal
from typing import Any

import attrs

from billkit._frozen import FrozenDict
from billkit.errors import BillkitError, UsageError
from billkit.money import CONTEXT, to_decimal, to_rate
from billkit.periods import BillingCycle, Period
from billkit.usage._calendar import check_billing, check_window, missing_cycle
from billkit.usage.aggregation import (
    Spec,
    canonical,
    deduplicate,
    figure,
    missing_field_error,
    new_state,
    update,
)
from billkit.usage.events import UsageEvent, micros, to_timezone
from billkit.usage.files import EventFiles
from billkit.usage.meters import AnyMeter, Meter, check_meters

__all__ = ["Alert", "AlertRule", "Trigger", "alerts"]


class Trigger(str, enum.Enum):
    """When a level counts as crossed: ``REACHED`` (figure >= threshold, "reaches
    90% of its limit") or ``EXCEEDED`` (figure > threshold, "goes over the limit").

    >>> Trigger("exceeded") is Trigger.EXCEEDED
    True
    """

    REACHED = "reached"
    EXCEEDED = "exceeded"


def _trigger(value: object) -> Trigger:
    if isinstance(value, Trigger):
        return value
    if isinstance(value, str):
        try:
            return Trigger(value)
        except ValueError:
            pass
    raise UsageError("when", value, "'reached' or 'exceeded'")


def _amount(field: str, value: object) -> Decimal:
    try:
        amount = to_decimal(value, field)
    except BillkitError:
        raise UsageError(field, value, "a str, int or Decimal (never a float)") from None
    if amount <= 0:
        raise UsageError(field, value, "a limit above zero")
    return amount


def _limit(value: object) -> Decimal | Mapping[str, Decimal]:
    if isinstance(value, Mapping):
        limits = {}
        for customer, amount in value.items():
            if not isinstance(customer, str):
                raise UsageError("limit", customer, "str customer ids as keys")
            limits[customer] = _amount(f"limit[{customer!r}]", amount)
        return FrozenDict(limits)
    return _amount("limit", value)


def _levels(value: object) -> tuple[Decimal, ...]:
    if isinstance(value, (str, Decimal, int)):
        value = (value,)
    if not isinstance(value, Iterable):
        raise UsageError("levels", value, "a sequence of shares such as ('90%', '100%')")
    levels = []
    for i, level in enumerate(value):
        try:
            share = to_rate(level, f"levels[{i}]")
        except BillkitError:
            raise UsageError(f"levels[{i}]", level, "a share such as '90%' or '0.9'") from None
        if share <= 0:
            raise UsageError(f"levels[{i}]", level, "a share above zero")
        levels.append(share)
    if not levels or len(set(levels)) != len(levels):
        raise UsageError("levels", value, "one or more distinct shares")
    return tuple(sorted(levels))


@attrs.frozen(kw_only=True)
class AlertRule:
    """Alert when meter ``meter`` crosses ``levels`` of ``limit``.

    - ``limit``: the allowance, one for every customer or a mapping of
      customer to limit (a customer with events but no limit is an error).
    - ``levels``: shares of the limit, ``("90%", "100%")`` by default (the
      messaging SaaS alerts its admins at 90% and 100% of the MAC limit).
    - ``when``: ``"reached"`` (figure >= level x limit, the default) or
      ``"exceeded"`` (figure > level x limit: "went over the contact limit").

    >>> rule = AlertRule(meter="contacts", limit=5000, levels="100%", when="exceeded")
    >>> rule.levels, rule.when
    ((Decimal('1.00'),), <Trigger.EXCEEDED: 'exceeded'>)
    """

    meter: str
    limit: Decimal | Mapping[str, Decimal] = attrs.field(converter=_limit, hash=False)
    levels: tuple[Decimal, ...] = attrs.field(default=("90%", "100%"), converter=_levels)
    when: Trigger = attrs.field(default=Trigger.REACHED, converter=_trigger)

    def limit_for(self, customer: str) -> Decimal:
        """The limit of ``customer``.

        >>> AlertRule(meter="mac", limit={"org-1": 1000}).limit_for("org-1")
        Decimal('1000')
        """
        if isinstance(self.limit, Decimal):
            return self.limit
        found = self.limit.get(customer)
        if found is None:
            raise UsageError(
                f"limit[{customer!r}]",
                None,
                f"a limit for every customer meter {self.meter!r} counts events of",
            )
        return found


@attrs.frozen(kw_only=True)
class Alert:
    """A level of a limit crossed: who, which meter, when, and the figure then.

    ``at`` is the (UTC) timestamp of the event that crossed the level and
    ``day`` its billing day; ``idempotency_key`` names that event. ``value`` is
    the meter's figure right after it, ``threshold`` is ``level x limit``.
    ``crossing`` counts the crossings of this level in this period (always 1
    for figures that only grow).
    """

    customer: str
    meter: str
    period: Period
    level: Decimal
    limit: Decimal
    threshold: Decimal
    value: Decimal
    at: datetime
    day: date
    idempotency_key: str
    crossing: int

    @property
    def key(self) -> str:
        """A stable name for the alert, to send each one once.

        It leaves out when and by which event the level was crossed, which a
        late event received afterwards may move.

        >>> from datetime import date, datetime, timezone
        >>> from decimal import Decimal
        >>> Alert(customer="org-1", meter="mac", period=Period(date(2026, 3, 1), date(2026, 4, 1)),
        ...       level=Decimal("0.9"), limit=Decimal(1000), threshold=Decimal(900),
        ...       value=Decimal(900), at=datetime(2026, 3, 9, tzinfo=timezone.utc),
        ...       day=date(2026, 3, 9), idempotency_key="m900", crossing=1).key
        'org-1/mac/2026-03-01..2026-04-01/0.9x1000/1'
        """
        level = format(canonical(self.level), "f")
        limit = format(canonical(self.limit), "f")
        return f"{self.customer}/{self.meter}/{self.period}/{level}x{limit}/{self.crossing}"


def _check_rules(rules: object, meters: tuple[AnyMeter, ...]) -> tuple[AlertRule, ...]:
    if isinstance(rules, AlertRule):
        rules = (rules,)
    if not isinstance(rules, Sequence) or not rules:
        raise UsageError("rules", rules, "an AlertRule or a non-empty sequence of them")
    codes = {m.code for m in meters}
    for i, rule in enumerate(rules):
        if not isinstance(rule, AlertRule):
            raise UsageError(f"rules[{i}]", rule, "an AlertRule")
        if rule.meter not in codes:
            raise UsageError(f"rules[{i}].meter", rule.meter, f"one of the meters {sorted(codes)}")
    return tuple(rules)


def alerts(
    events: Iterable[UsageEvent],
    meters: Sequence[AnyMeter] | AnyMeter,
    rules: Sequence[AlertRule] | AlertRule,
    *,
    billing: BillingCycle | Mapping[str, BillingCycle],
    tz: str | tzinfo,
    window: Period | None = None,
) -> tuple[Alert, ...]:
    """The dated alerts of ``rules`` over ``events``, in time order.

    Events are deduplicated and placed in billing days and periods exactly as
    :func:`~billkit.usage.aggregate` does (same ``billing``, ``tz`` and
    ``window``), then replayed per customer and period in timestamp order
    (equal timestamps: by idempotency key). After each event, every level of
    every rule on a meter the event counts towards is compared with the
    running figure; a level fires when it becomes crossed.

    >>> from datetime import datetime, timezone
    >>> from billkit.periods import MONTHLY, BillingCycle
    >>> contacts = Meter(code="contacts", aggregation="latest", metrics="contact_count")
    >>> def count(n, day):
    ...     return UsageEvent(customer="shop", metric="contact_count", value=n,
    ...                       idempotency_key=f"count-{day}",
    ...                       timestamp=datetime(2026, 5, day, tzinfo=timezone.utc))
    >>> over = AlertRule(meter="contacts", limit=1000, levels="100%", when="exceeded")
    >>> found = alerts([count(1000, 1), count(1001, 2), count(990, 3), count(1200, 4)],
    ...                contacts, over, billing=BillingCycle.calendar(MONTHLY), tz="UTC")
    >>> [(a.day.day, str(a.value), a.crossing) for a in found]   # 1000 is not over 1000
    [(2, '1001', 1), (4, '1200', 2)]
    """
    if isinstance(events, (EventFiles, str, bytes, UsageEvent)) or not isinstance(events, Iterable):
        raise UsageError(
            "events",
            events,
            "an iterable of UsageEvent (alerts are computed in Python: read the events of "
            "the customers and periods to check, then call alerts())",
        )
    checked = check_meters(meters)
    rule_list = _check_rules(rules, checked)
    zone = to_timezone(tz)
    base = tuple(m for m in checked if isinstance(m, Meter))
    spec = Spec(
        meters=checked,
        base=base,
        tz=zone,
        billing=check_billing(billing),
        window=check_window(window),
        by=(),
        daily=False,
        close_after=None,
    )
    index = {m.code: j for j, m in enumerate(base)}
    parts: dict[str, tuple[int, ...]] = {
        m.code: (index[m.code],) if isinstance(m, Meter) else tuple(index[c] for c in m.meters)
        for m in checked
    }
    calendar = spec.calendar()
    kept, _ = deduplicate(events)

    placed: list[tuple[str, Period, int, str, date, UsageEvent, list[int]]] = []
    no_field: dict[str, Meter] = {}
    no_cycle: set[str] = set()
    for key, event in kept.items():
        try:
            phase = calendar.phase(event.customer)
        except UsageError:
            no_cycle.add(event.customer)
            continue
        day = event.timestamp.astimezone(zone).date()
        period = calendar.period(phase, day)
        if period is None:
            continue
        matched = [j for j, m in enumerate(base) if m.matches(event.metric, event.properties)]
        if not matched:
            continue
        for j in matched:
            field = base[j].field
            if field is not None and field not in event.properties and key not in no_field:
                no_field[key] = base[j]
        placed.append((event.customer, period, micros(event.timestamp), key, day, event, matched))
    if no_cycle:
        raise missing_cycle(min(no_cycle))
    if no_field:
        first = min(no_field)
        raise missing_field_error(first, no_field[first])
    placed.sort(key=lambda item: (item[0], item[1].start, item[2], item[3]))

    found: list[Alert] = []
    state: list[list[Any]] = []
    above: dict[tuple[int, Decimal], bool] = {}
    crossings: dict[tuple[int, Decimal], int] = {}
    current: tuple[str, Period] | None = None
    for customer, period, us, key, day, event, matched in placed:
        if (customer, period) != current:
            current = (customer, period)
            state = new_state(base)
            above.clear()
            crossings.clear()
        for j in matched:
            update(base[j], state[j], event, us, key)
        hit = set(matched)
        for r, rule in enumerate(rule_list):
            if hit.isdisjoint(parts[rule.meter]):
                continue
            limit = rule.limit_for(customer)
            value = _value(base, state, parts[rule.meter])
            for level in rule.levels:
                threshold = CONTEXT.multiply(level, limit)
                crossed = value > threshold if rule.when is Trigger.EXCEEDED else value >= threshold
                mark = (r, level)
                if crossed and not above.get(mark, False):
                    crossings[mark] = crossings.get(mark, 0) + 1
                    found.append(
                        Alert(
                            customer=customer,
                            meter=rule.meter,
                            period=period,
                            level=canonical(level),
                            limit=canonical(limit),
                            threshold=canonical(threshold),
                            value=canonical(value),
                            at=event.timestamp.astimezone(timezone.utc),
                            day=day,
                            idempotency_key=key,
                            crossing=crossings[mark],
                        )
                    )
                above[mark] = crossed
    found.sort(key=lambda a: (a.at, a.customer, a.meter, a.level, a.limit))
    return tuple(found)


def _value(base: tuple[Meter, ...], state: list[list[Any]], parts: tuple[int, ...]) -> Decimal:
    total = Decimal(0)
    for j in parts:
        total = CONTEXT.add(total, figure(base[j], state[j]))
    return total
