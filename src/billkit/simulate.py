"""Pricing scenarios over a population: who pays more, who pays less, revenue per plan.

A *population* is a list of :class:`Customer` (a key, the plan they are on
and their usage for a period), read by :func:`population` from records, a
mapping, or a pandas/polars/Arrow table, or drawn by :func:`synthetic` from
seeded distributions. :func:`simulate` prices it under several
:class:`Scenario` (a catalog, plan moves, grandfathering rules) over one or
more periods, against a baseline scenario, and gives a :class:`Simulation`
whose tables say, per customer and scenario, the total, the difference
against the baseline and whether the customer pays more or less, and, per
scenario, the revenue per plan. :func:`break_even` finds where one plan
becomes cheaper than another as usage grows.

Everything is exact (``Decimal``) and pure: the same population, scenarios
and periods give the same tables; :func:`synthetic` gives the same
population for the same seed. Plots (``.plot()``) need matplotlib
(``pip install 'py-billkit[plot]'``), imported only when asked for.

The messaging business (see the example businesses) raises its Growth fee
from 99.00 to 119.00 EUR; three customers with 800, 1 250 and 4 000
contacts pay 99.00, 99.00 + 3 x 20.00 = 159.00 and 99.00 + 30 x 20.00 =
699.00 today, each 20.00 more afterwards:

>>> import attrs
>>> from datetime import date
>>> from billkit.demo import demo_catalog
>>> from billkit.money import Money
>>> from billkit.periods import Period
>>> today = demo_catalog()
>>> dearer = attrs.evolve(today["growth-monthly"], base_fee=Money("119.00", "EUR"))
>>> people = population({"org-1": {"plan": "growth-monthly", "monthly_active_contacts": 800},
...                      "org-2": {"plan": "growth-monthly", "monthly_active_contacts": 1250},
...                      "org-3": {"plan": "growth-monthly", "monthly_active_contacts": 4000}})
>>> march = Period(date(2026, 3, 1), date(2026, 4, 1))
>>> result = simulate(people, [Scenario(name="today", catalog=today),
...                            Scenario(name="119", catalog=[dearer])], march)
>>> [(r["customer"], r["baseline"], r["total"], r["difference"], r["change"])
...  for r in result.by_customer().to_records() if r["scenario"] == "119"]
[('org-1', Decimal('99.00'), Decimal('119.00'), Decimal('20.00'), 'more'), ('org-2', Decimal('159.00'), Decimal('179.00'), Decimal('20.00'), 'more'), ('org-3', Decimal('699.00'), Decimal('719.00'), Decimal('20.00'), 'more')]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_FLOOR, Decimal
from random import Random  # noqa: TID251 -- only a generator seeded by the caller, never the global one
from typing import Any, Literal, NamedTuple

import attrs

from billkit import _checks as checks
from billkit.errors import MissingDependencyError, ValidationError
from billkit.money import CONTEXT
from billkit.periods import Period
from billkit.pricing.catalog import Catalog
from billkit.pricing.plans import Plan
from billkit.pricing.quote import quote
from billkit.tables import Table

__all__ = [
    "BreakEven",
    "Customer",
    "Scenario",
    "Simulation",
    "break_even",
    "population",
    "simulate",
    "synthetic",
]

_ZERO = Decimal(0)
Change = Literal["more", "less", "same"]


def _quantity(field: str, value: object) -> Decimal:
    return checks.decimal(field, value, low=0, noun="quantity")


def _usage_field(value: object) -> checks.FrozenMap[str, Decimal]:
    if isinstance(value, Mapping):  # a missing cell in a table: no usage of that metric
        value = {k: v for k, v in value.items() if v is not None}
    return checks.mapping("usage", value, checks.text, _quantity)


@attrs.frozen(kw_only=True)
class Customer:
    """One customer of a population: ``key``, the ``plan`` code they are on and
    their ``usage`` per period (metric -> exact quantity; floats are refused).

    >>> Customer(key="org-1", plan="growth-monthly", usage={"monthly_active_contacts": 1250})
    Customer(key='org-1', plan='growth-monthly', usage=FrozenMap({'monthly_active_contacts': Decimal('1250')}))
    """

    key: str = attrs.field(converter=checks.TEXT)
    plan: str = attrs.field(converter=checks.TEXT)
    usage: checks.FrozenMap[str, Decimal] = attrs.field(
        factory=checks.FrozenMap, converter=_usage_field
    )


def _records(data: object) -> list[Mapping[str, Any]]:
    return checks.table_rows(
        "population",
        data,
        purpose="reading a population table",
        expected="records, a mapping of key to record, or a pandas/polars/Arrow table",
    )


def population(data: object, *, key: str = "customer", plan: str = "plan") -> tuple[Customer, ...]:
    """Customers from ``data``: :class:`Customer` values, records (dicts), a
    mapping of key -> record, or a table (pandas, polars or anything with the
    Arrow PyCapsule interface, read with pyarrow). A record names its customer
    in column ``key`` and its plan in column ``plan``; every other column is a
    metric's usage (an empty cell is no usage). Quantities stay exact; numpy
    and Arrow integers and decimals are accepted, floats refused.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"customer": ["org-1", "org-2"], "plan": ["growth-monthly"] * 2,
    ...                       "monthly_active_contacts": [800, 1250]})
    >>> [(c.key, c.usage["monthly_active_contacts"]) for c in population(frame)]
    [('org-1', Decimal('800')), ('org-2', Decimal('1250'))]
    """
    if isinstance(data, Mapping):
        records: list[Any] = []
        for name, record in data.items():
            if not isinstance(record, Mapping):
                raise ValidationError(f"population[{name!r}]", record, "a record (a mapping)")
            records.append({**record, key: name})
    else:
        records = _records(data)
    people: list[Customer] = []
    seen: set[str] = set()
    for n, record in enumerate(records):
        if isinstance(record, Customer):
            person = record
        else:
            if not isinstance(record, Mapping):
                raise ValidationError(f"population[{n}]", record, "a Customer or a record")
            for column in (key, plan):
                if column not in record:
                    raise ValidationError(f"population[{n}]", record, f"a {column!r} column")
            usage = {k: v for k, v in record.items() if k not in (key, plan)}
            person = Customer(key=record[key], plan=record[plan], usage=usage)
        if person.key in seen:
            raise ValidationError(f"population[{n}].{key}", person.key, "a key used only once")
        seen.add(person.key)
        people.append(person)
    return tuple(people)


Distribution = tuple[int, int] | Callable[[Random], object]


def synthetic(
    size: int,
    *,
    seed: int,
    plans: Mapping[str, int] | Sequence[str],
    usage: Mapping[str, Distribution],
    prefix: str = "c",
) -> tuple[Customer, ...]:
    """``size`` customers drawn with ``random.Random(seed)``: the same seed gives
    the same population. ``plans`` are plan codes, or codes -> whole weights;
    ``usage`` maps each metric to ``(low, high)`` (a whole number drawn
    uniformly, both ends included) or to a function of the generator that
    returns an exact quantity. Keys are ``prefix`` + a number.

    >>> people = synthetic(3, seed=7, plans={"growth-monthly": 3, "growth-annual-usage": 1},
    ...                    usage={"monthly_active_contacts": (500, 5000)})
    >>> people == synthetic(3, seed=7, plans={"growth-monthly": 3, "growth-annual-usage": 1},
    ...                     usage={"monthly_active_contacts": (500, 5000)})
    True
    >>> [c.key for c in people]
    ['c0001', 'c0002', 'c0003']
    """
    size = checks.whole("size", size, low=0)
    seed = checks.whole("seed", seed)
    if isinstance(plans, Mapping):
        codes = [checks.text("plans key", code) for code in plans]
        weights = [checks.whole(f"plans[{c!r}]", w, low=1) for c, w in plans.items()]
    else:
        codes = [checks.text("plans", code) for code in plans]
        weights = [1] * len(codes)
    if not codes:
        raise ValidationError("plans", plans, "at least one plan code")
    for metric, spec in usage.items():
        if not callable(spec):
            low, high = spec
            checks.whole(f"usage[{metric!r}] low", low, low=0)
            checks.whole(f"usage[{metric!r}] high", high, low=low)
    rng = Random(seed)
    width = max(4, len(str(size)))
    people = []
    for n in range(1, size + 1):
        code = rng.choices(codes, weights)[0]
        drawn = {
            metric: spec(rng) if callable(spec) else rng.randint(*spec)
            for metric, spec in usage.items()
        }
        people.append(Customer(key=f"{prefix}{n:0{width}d}", plan=code, usage=drawn))
    return tuple(people)


def _catalog(value: object) -> Catalog:
    return value if isinstance(value, Catalog) else Catalog(value)  # type: ignore[arg-type]


def _moves(value: object) -> checks.FrozenMap[str, str]:
    return checks.mapping("moves", value, checks.text, checks.text)


@attrs.frozen(kw_only=True)
class Scenario:
    """One way of pricing the population.

    ``catalog`` holds the plans (a :class:`~billkit.pricing.Catalog` or a
    list of plans); a customer is billed under the plan with their plan's
    code, or under ``moves[code]`` when their plan moves (a price
    migration). Grandfathering protects customers whose bill would rise:
    for the first ``keep_periods`` periods they pay at most the baseline's
    bill, and afterwards at most the baseline's bill plus ``cap`` (a
    fraction: ``"0.10"`` is 10 %), rounded down to the currency's minor
    unit. Grandfathering never raises a bill and never lowers one below
    the baseline (so a customer whose baseline bill is zero stays at zero
    under a cap: any increase from nothing is more than ``cap``).

    >>> Scenario(name="cap 10 %", catalog=[], cap="0.10").cap
    Decimal('0.10')
    """

    name: str = attrs.field(converter=checks.TEXT)
    catalog: Catalog = attrs.field(converter=_catalog)
    moves: checks.FrozenMap[str, str] = attrs.field(factory=checks.FrozenMap, converter=_moves)
    keep_periods: int = attrs.field(
        default=0, converter=checks.WHOLE, metadata=checks.options(low=0)
    )
    cap: Decimal | None = attrs.field(
        default=None, converter=checks.DECIMAL, metadata=checks.options(low=0, noun="fraction")
    )

    @property
    def grandfathers(self) -> bool:
        """Whether the scenario has a grandfathering rule."""
        return self.keep_periods > 0 or self.cap is not None


class _Bill(NamedTuple):  # a tuple: a simulation holds one per customer, scenario and period
    customer: str
    scenario: str
    period: int
    plan: str
    quoted: Decimal
    total: Decimal
    baseline: Decimal
    currency: str


def _change(difference: Decimal) -> Change:
    return "more" if difference > 0 else "less" if difference < 0 else "same"


def _import_pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingDependencyError("matplotlib", "plots", "plot") from None
    return plt


def _axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    return _import_pyplot().subplots()[1]


@attrs.frozen(kw_only=True)
class Simulation:
    """What :func:`simulate` found: one bill per customer, scenario and period.

    Tables: :meth:`details` (per period), :meth:`by_customer` (periods
    added up), :meth:`summary` (per scenario) and :meth:`revenue` (per
    scenario and plan). ``total`` is what the customer is billed (after
    grandfathering), ``quoted`` the new plan's own price, ``difference``
    is ``total - baseline``.
    """

    baseline: str
    scenarios: tuple[str, ...]
    periods: tuple[Period, ...]
    bills: tuple[_Bill, ...] = attrs.field(repr=lambda b: f"<{len(b)} bills>")

    def details(self) -> Table:
        """One row per customer, scenario and period: customer, scenario, plan,
        period_start, period_end, quoted, total, baseline, difference, currency."""
        rows = tuple(
            (
                b.customer,
                b.scenario,
                b.plan,
                self.periods[b.period].start,
                self.periods[b.period].end,
                b.quoted,
                b.total,
                b.baseline,
                b.total - b.baseline,
                b.currency,
            )
            for b in self.bills
        )
        columns = (
            "customer",
            "scenario",
            "plan",
            "period_start",
            "period_end",
            "quoted",
            "total",
            "baseline",
            "difference",
            "currency",
        )
        money = ("quoted", "total", "baseline", "difference")
        return Table(columns=columns, rows=rows, money=money, currency="currency")

    def _per_customer(self) -> dict[tuple[str, str], list[Any]]:
        sums: dict[tuple[str, str], list[Any]] = {}
        for b in self.bills:
            row = sums.setdefault((b.scenario, b.customer), [b.plan, _ZERO, _ZERO, b.currency])
            row[1] += b.total
            row[2] += b.baseline
        return sums

    def by_customer(self) -> Table:
        """One row per customer and scenario, over all periods: customer,
        scenario, plan, total, baseline, difference, change (``"more"``,
        ``"less"`` or ``"same"``), currency."""
        rows = tuple(
            (customer, scenario, plan, total, base, total - base, _change(total - base), code)
            for (scenario, customer), (plan, total, base, code) in self._per_customer().items()
        )
        columns = (
            "customer",
            "scenario",
            "plan",
            "total",
            "baseline",
            "difference",
            "change",
            "currency",
        )
        money = ("total", "baseline", "difference")
        return Table(columns=columns, rows=rows, money=money, currency="currency")

    def summary(self) -> Table:
        """One row per scenario and currency: scenario, currency, customers,
        total, baseline, difference, pays_more, pays_less, same."""
        groups: dict[tuple[str, str], list[Any]] = {}
        for (scenario, _), (_, total, base, code) in self._per_customer().items():
            row = groups.setdefault((scenario, code), [0, _ZERO, _ZERO, 0, 0, 0])
            row[0] += 1
            row[1] += total
            row[2] += base
            row[3 + ("more", "less", "same").index(_change(total - base))] += 1
        rows = tuple(
            (scenario, code, n, total, base, total - base, more, less, same)
            for (scenario, code), (n, total, base, more, less, same) in groups.items()
        )
        columns = (
            "scenario",
            "currency",
            "customers",
            "total",
            "baseline",
            "difference",
            "pays_more",
            "pays_less",
            "same",
        )
        money = ("total", "baseline", "difference")
        return Table(columns=columns, rows=rows, money=money, currency="currency")

    def revenue(self) -> Table:
        """One row per scenario and plan billed: scenario, plan, customers,
        total, currency (over all periods)."""
        groups: dict[tuple[str, str, str], list[Any]] = {}
        for (scenario, _), (plan, total, _, code) in self._per_customer().items():
            row = groups.setdefault((scenario, plan, code), [0, _ZERO])
            row[0] += 1
            row[1] += total
        rows = tuple(
            (scenario, plan, n, total, code)
            for (scenario, plan, code), (n, total) in groups.items()
        )
        columns = ("scenario", "plan", "customers", "total", "currency")
        return Table(columns=columns, rows=rows, money=("total",), currency="currency")

    def __repr__(self) -> str:
        customers = len({b.customer for b in self.bills})
        return (
            f"<Simulation: {customers} customers, scenarios {list(self.scenarios)} "
            f"against {self.baseline!r}, {len(self.periods)} period(s)>"
        )

    def _repr_html_(self) -> str:
        from html import escape

        head = "".join(f"<th>{escape(c)}</th>" for c in self.summary().columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>"
            for row in self.summary().rows
        )
        title = escape(repr(self))
        return f"<div><p>{title}</p><table><tr>{head}</tr>{body}</table></div>"

    def plot(self, kind: Literal["revenue", "changes"] = "revenue", ax: Any = None) -> Any:
        """A matplotlib chart: ``"revenue"`` (bars of revenue per scenario,
        one per currency) or ``"changes"`` (a histogram of the bill changes
        against the baseline per scenario). Returns the axes; amounts become
        floats only here, for drawing. Needs ``py-billkit[plot]``.

        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from billkit.demo import demo_catalog
        >>> from billkit.periods import Period
        >>> from datetime import date
        >>> people = [Customer(key="a", plan="growth-monthly", usage={})]
        >>> march = Period(date(2026, 3, 1), date(2026, 4, 1))
        >>> sim = simulate(people, [Scenario(name="now", catalog=demo_catalog())], march)
        >>> [t.get_text() for t in sim.plot("revenue").get_xticklabels()]
        ['now (EUR)']
        """
        ax = _axes(ax)
        if kind == "revenue":
            summary = self.summary().to_records()
            labels = [f"{r['scenario']} ({r['currency']})" for r in summary]
            ax.bar(labels, [float(r["total"]) for r in summary])
            ax.set_ylabel("revenue")
        elif kind == "changes":
            changes: dict[str, list[float]] = defaultdict(list)
            for r in self.by_customer().to_records():
                if r["scenario"] != self.baseline:
                    changes[r["scenario"]].append(float(r["difference"]))
            for name, values in changes.items():
                ax.hist(values, bins=30, alpha=0.6, label=name)
            ax.set_xlabel("bill change against the baseline")
            ax.set_ylabel("customers")
            ax.legend()
        else:
            raise ValidationError("kind", kind, "'revenue' or 'changes'")
        return ax


def _periods(value: object) -> tuple[Period, ...]:
    if isinstance(value, Period):
        return (value,)
    periods = checks.tuple_of("periods", value, Period)
    if not periods:
        raise ValidationError("periods", value, "at least one period")
    return periods


def simulate(
    customers: Iterable[Customer] | object,
    scenarios: Sequence[Scenario],
    periods: Period | Sequence[Period],
    *,
    baseline: str | None = None,
) -> Simulation:
    """Price ``customers`` (a population, or anything :func:`population` reads)
    under each scenario for each period (the same usage each period; usage
    of a metric a plan does not price is left out of its quote). Each period
    must be one whole billing cycle of the plans.

    ``baseline`` names the scenario the others are compared with (the first
    one when omitted); it must not grandfather. A customer's plan (or where
    it moves) must be in each scenario's catalog, in the same currency as
    under the baseline.

    A price migration preview: move Growth customers to a dearer plan over
    three months, keeping today's price for the first month and capping the
    increase at 10 % afterwards. org-2 pays 159.00 now; the new plan quotes
    179.00; the cap allows 159.00 x 1.10 = 174.90:

    >>> import attrs
    >>> from datetime import date
    >>> from billkit.demo import demo_catalog
    >>> from billkit.money import Money
    >>> from billkit.periods import Period
    >>> today = demo_catalog()
    >>> growth2 = attrs.evolve(today["growth-monthly"], code="growth-2026",
    ...                        base_fee=Money("119.00", "EUR"))
    >>> move = Scenario(name="migrate", catalog=[growth2], moves={"growth-monthly": "growth-2026"},
    ...                 keep_periods=1, cap="0.10")
    >>> months = [Period(date(2026, m, 1), date(2026, m + 1, 1)) for m in (3, 4, 5)]
    >>> people = [Customer(key="org-2", plan="growth-monthly", usage={"monthly_active_contacts": 1250})]
    >>> preview = simulate(people, [Scenario(name="today", catalog=today), move], months)
    >>> [(r["period_start"].month, r["quoted"], r["total"])
    ...  for r in preview.details().to_records() if r["scenario"] == "migrate"]
    [(3, Decimal('179.00'), Decimal('159.00')), (4, Decimal('179.00'), Decimal('174.90')), (5, Decimal('179.00'), Decimal('174.90'))]
    >>> [(r["scenario"], r["plan"], r["total"]) for r in preview.revenue().to_records()]
    [('today', 'growth-monthly', Decimal('477.00')), ('migrate', 'growth-2026', Decimal('508.80'))]
    """
    people = (
        tuple(customers)
        if isinstance(customers, (list, tuple)) and all(isinstance(c, Customer) for c in customers)
        else population(customers)
    )
    spans = _periods(periods)
    chosen = tuple(checks.instance(f"scenarios[{n}]", s, Scenario) for n, s in enumerate(scenarios))
    if not chosen:
        raise ValidationError("scenarios", scenarios, "at least one scenario")
    names = [s.name for s in chosen]
    if len(set(names)) != len(names):
        raise ValidationError("scenarios", names, "scenarios with different names")
    base_name = names[0] if baseline is None else checks.text("baseline", baseline)
    if base_name not in names:
        raise ValidationError("baseline", base_name, f"one of {names}")
    base = chosen[names.index(base_name)]
    if base.grandfathers:
        raise ValidationError("baseline", base_name, "a scenario without grandfathering")
    ordered = (base, *(s for s in chosen if s is not base))
    baseline_bills: dict[tuple[str, int], tuple[Decimal, str]] = {}
    bills: list[_Bill] = []
    for scenario in ordered:
        plans = {plan.code: plan for plan in scenario.catalog}
        for person in people:
            code = scenario.moves.get(person.plan, person.plan)
            plan: Plan | None = plans.get(code)
            if plan is None:
                raise ValidationError(
                    f"scenarios[{scenario.name!r}].catalog", code, f"a plan for {person.key!r}"
                )
            currency = plan.currency.code
            metrics = plan.metrics
            usage = {m: q for m, q in person.usage.items() if m in metrics}
            for n, span in enumerate(spans):
                quoted = quote(plan, usage, span).total.amount
                if scenario is base:
                    baseline_bills[person.key, n] = (quoted, currency)
                    old = quoted
                else:
                    old, old_currency = baseline_bills[person.key, n]
                    if old_currency != currency:
                        raise ValidationError(
                            f"scenarios[{scenario.name!r}]",
                            code,
                            f"a plan in {old_currency}, the currency {person.key!r} pays in",
                        )
                total = _grandfathered(scenario, n, quoted, old)
                bills.append(
                    _Bill(person.key, scenario.name, n, code, quoted, total, old, currency)
                )
    return Simulation(
        baseline=base.name,
        scenarios=tuple(s.name for s in ordered),
        periods=spans,
        bills=tuple(bills),
    )


def _grandfathered(scenario: Scenario, period: int, quoted: Decimal, old: Decimal) -> Decimal:
    if quoted <= old or not scenario.grandfathers:
        return quoted
    if period < scenario.keep_periods:
        return old
    if scenario.cap is None:
        return quoted
    limit = CONTEXT.multiply(old, CONTEXT.add(Decimal(1), scenario.cap))
    unit = Decimal(1).scaleb(min(old.as_tuple().exponent, quoted.as_tuple().exponent))  # type: ignore[arg-type]
    return min(quoted, limit.quantize(unit, rounding=ROUND_FLOOR, context=CONTEXT))


@attrs.frozen(kw_only=True)
class BreakEven:
    """Two plans' totals as one metric grows (see :func:`break_even`)."""

    plans: tuple[Plan, Plan] = attrs.field(repr=lambda plans: repr([p.code for p in plans]))
    metric: str
    quantities: tuple[Decimal, ...] = attrs.field(repr=lambda q: f"<{len(q)} quantities>")
    totals: tuple[tuple[Decimal, Decimal], ...] = attrs.field(repr=False)

    @property
    def crossings(self) -> tuple[Decimal, ...]:
        """The quantities at which the cheaper plan changes (the first quantity
        where the other plan costs less, or where they cost the same)."""
        found = []
        for n in range(1, len(self.quantities)):
            before = self.totals[n - 1][0] - self.totals[n - 1][1]
            now = self.totals[n][0] - self.totals[n][1]
            if (before < 0 <= now) or (before > 0 >= now):
                found.append(self.quantities[n])
        return tuple(found)

    def table(self) -> Table:
        """quantity, the first plan's total, the second plan's total, currency."""
        a, b = (plan.code for plan in self.plans)
        code = self.plans[0].currency.code
        rows = tuple(
            (q, x, y, code) for q, (x, y) in zip(self.quantities, self.totals, strict=True)
        )
        return Table(
            columns=("quantity", a, b, "currency"), rows=rows, money=(a, b), currency="currency"
        )

    def plot(self, ax: Any = None) -> Any:
        """Both plans' totals against the quantity, the crossings marked
        (matplotlib; ``py-billkit[plot]``). Returns the axes."""
        ax = _axes(ax)
        xs = [float(q) for q in self.quantities]
        for n, plan in enumerate(self.plans):
            ax.plot(xs, [float(t[n]) for t in self.totals], label=plan.code)
        for q in self.crossings:
            ax.axvline(float(q), linestyle="--", color="grey")
        ax.set_xlabel(self.metric)
        ax.set_ylabel(self.plans[0].currency.code)
        ax.legend()
        return ax


def break_even(
    first: Plan,
    second: Plan,
    metric: str,
    quantities: Iterable[object],
    period: Period,
    usage: Mapping[str, object] | None = None,
) -> BreakEven:
    """Quote both plans at each quantity of ``metric`` (other usage from
    ``usage``) and find where the cheaper one changes.

    The attribution business: Starter bills 450 000 000 IRR for 10 000
    attributions, 25 % on top for analytics (562 500 000) and 52 000 per
    attribution beyond; Growth bills 1 050 000 000 + 20 % = 1 260 000 000
    for 30 000. They meet where 52 000 x (n - 10 000) = 697 500 000, at
    n = 23 413.46: at 23 413 Starter costs 1 259 976 000, at 23 414
    1 260 028 000, more than Growth.

    >>> from datetime import date
    >>> from billkit.demo import demo_catalog
    >>> from billkit.periods import Period
    >>> catalog = demo_catalog()
    >>> days = Period(date(2026, 3, 21), date(2026, 4, 20))
    >>> found = break_even(catalog["attribution-starter"], catalog["attribution-growth"],
    ...                    "attributions", range(23400, 23420), days)
    >>> found
    BreakEven(plans=['attribution-starter', 'attribution-growth'], metric='attributions', quantities=<20 quantities>)
    >>> found.crossings
    (Decimal('23414'),)
    >>> found.table().to_records()[13]["attribution-starter"]
    Decimal('1259976000')
    """
    checks.instance("first", first, Plan)
    checks.instance("second", second, Plan)
    if first.currency != second.currency:
        raise ValidationError("second", second.code, f"a plan in {first.currency.code}")
    name = checks.text("metric", metric)
    steps = tuple(
        checks.decimal(f"quantities[{n}]", q, low=0, noun="quantity")
        for n, q in enumerate(quantities)
    )
    rest = dict(usage or {})
    totals = []
    for q in steps:
        counts = {**rest, name: q}
        totals.append(
            (quote(first, counts, period).total.amount, quote(second, counts, period).total.amount)
        )
    return BreakEven(plans=(first, second), metric=name, quantities=steps, totals=tuple(totals))
