"""Quotes: what a plan bills for one period's usage, line by line.

:func:`quote` is a pure function: the same plan, usage and period give the
same :class:`Quote`, to the last digit. Inside, amounts keep full precision;
each line is rounded once, under the plan's rounding policy, and the total
is the sum of the rounded lines, so a quote always adds up on paper.

>>> from datetime import date
>>> from billkit.money import Money
>>> from billkit.periods import Period
>>> from billkit.pricing import Charge, Plan, PerUnit
>>> plan = Plan(
...     code="email-start", name="Email Start", currency="UAH",
...     base_fee=Money("300.00", "UAH"),
...     charges=[Charge(code="emails", metric="emails_sent", included=2500,
...                     description="Promotional emails",
...                     model=PerUnit(unit_price=Money("0.125", "UAH")))],
... )
>>> q = quote(plan, {"emails_sent": 4001}, Period(date(2026, 3, 1), date(2026, 4, 1)))
>>> q.total   # 300.00 + (4001 - 2500) x 0.125 = 300.00 + 187.625 -> 187.63
Money('487.63', 'UAH')
>>> print(q)
Email Start (email-start), 2026-03-01..2026-04-01, UAH
  base    Email Start                             1 x 300.00     300.00
  emails  Promotional emails                      4001 - 2500 included = 1501
            per unit: 1501 x 0.125 = 187.625                     187.63
  total                                                          487.63
"""

from __future__ import annotations

import decimal
import functools
import html
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Final, TypeAlias, cast

import attrs
from moneyed import Currency, Money

import billkit._checks as checks
from billkit.errors import PricingError, UnknownMetricError
from billkit.money import (
    _FINEST,
    CONTEXT,
    LIMIT,
    RANGE_CHECK,
    RoundingPolicy,
    in_range,
    local_context,
)
from billkit.periods import Period
from billkit.pricing._compiled import (
    LINE_FIELDS,
    CompiledPlan,
    LineFigures,
    breakdown,
    cached_slot,
    compiled_totals,
    explained_lines,
    explained_quote,
    filler,
    totals_in_context,
    unit_price,
)
from billkit.pricing.models import (
    AnyModel,
    Breakdown,
    Capacity,
    Percentage,
    Presence,
    Prorated,
    Step,
)
from billkit.pricing.plans import BASE_FEE_CODE, PercentOf, Plan

__all__ = ["Quote", "QuoteLine", "Usage", "quote"]

Usage = Mapping[str, object]
"""Usage for a period: metric -> quantity (or a list of event amounts for a
:class:`~billkit.pricing.Percentage` charge, or a
:class:`~billkit.pricing.models.Presence` for a
:class:`~billkit.pricing.models.Prorated` one). Missing metrics count as zero."""

_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)
# Left out of saved data while unset (billkit.serialize._OMIT_IF_DEFAULT).
_OMIT: Final = "billkit.serialize.omit_if_default"


def _fmt(value: Decimal) -> str:
    return format(value, "f")


@attrs.frozen(kw_only=True)
class QuoteLine:
    """One line of a quote, with how its amount was reached.

    ``quantity`` is the usage reported, ``included`` the free units taken off
    it and ``billable`` what the price model priced. ``exact`` is the amount
    before rounding and ``amount`` the line's rounded figure. ``unit_price``
    is set when one price applies to every billable unit (flat, per unit,
    volume, package), ``None`` for graduated and percentage lines.
    ``events`` holds a percentage line's event amounts, a
    :class:`~billkit.pricing.models.Capacity` line's peaks (in the order of
    its ``metrics``; its quantity is then 1, the one tier billed), or a
    :class:`~billkit.pricing.models.Prorated` line's stretches as ``days,
    quantity, days, quantity...`` (its quantity is then the closing quantity).
    ``breakdown`` shows each step (tier by tier); it is derived from the
    line's ``source`` (the price model or the ``PercentOf`` charge) when first
    read, so quoting stays fast when nobody looks.
    """

    code: str
    description: str
    kind: str
    metric: str | None
    quantity: Decimal
    included: Decimal
    billable: Decimal
    unit_price: Money | None
    amount: Money
    exact: Money
    source: AnyModel | PercentOf | None = None
    events: tuple[Decimal, ...] | None = None

    @functools.cached_property
    def breakdown(self) -> Breakdown:
        """The steps that make up ``exact``: tiers hit, packages, percentages."""
        source = self.source
        if self.events is None and source is not None:
            # The common models, from the line's figures (pricing/_compiled.py).
            fast = breakdown(source, self.billable, self.exact)
            if fast is not None:
                return fast
        with decimal.localcontext(CONTEXT):
            if isinstance(source, PercentOf):
                return _percent_breakdown(source, self.quantity, self.exact)
            if source is None:  # the base fee
                zero = Money(_ZERO, self.exact.currency)
                step = Step(
                    label="base fee",
                    units=_ONE,
                    unit_price=self.exact,
                    flat_fee=zero,
                    amount=self.exact,
                )
                return Breakdown(model="flat", quantity=_ONE, steps=(step,), amount=self.exact)
            if self.events is not None and isinstance(source, Percentage):
                return source.explain_events(self.events)
            if self.events is not None and isinstance(source, Capacity):
                return source.explain(dict(zip(source.metrics, self.events, strict=True)))
            if self.events is not None and isinstance(source, Prorated):
                pairs = self.events
                return source._explain(
                    tuple((int(pairs[i]), pairs[i + 1]) for i in range(0, len(pairs), 2))
                )
            return source.explain(self.billable)

    @property
    def steps(self) -> tuple[Step, ...]:
        """The tiers or steps that make up the line (from its breakdown)."""
        return self.breakdown.steps


def _pad(text: str, width: int) -> str:
    return text if len(text) >= width else text + " " * (width - len(text))


# A line's figures as saved (billkit.serialize): the fields of LineFigures, in order.
_SavedRow: TypeAlias = tuple[
    str,
    str,
    str,
    str | None,
    Decimal,
    Decimal,
    Decimal,
    Decimal,
    Decimal,
    AnyModel | PercentOf | None,
    tuple[Decimal, ...] | None,
]


def _line_figures(rows: Sequence[Sequence[object]] | None) -> tuple[LineFigures, ...] | None:
    """Rows as :class:`LineFigures` (rows loaded from saved data are plain tuples)."""
    if rows is None:
        return None
    return tuple(row if type(row) is LineFigures else LineFigures._make(row) for row in rows)


@attrs.frozen(kw_only=True, eq=False)
class Quote:
    """What ``plan`` bills for ``period``: explained lines and their total.

    ``total`` is the sum of the lines' rounded amounts. ``lines`` (with their
    breakdowns) are built from the computed figures when first read. Two quotes
    are equal when their plan, period, total and lines are.
    """

    plan: Plan = attrs.field(repr=lambda plan: repr(plan.code))
    period: Period
    total: Money
    # The usage quoted (a copy): the lines are priced from it when first read.
    # Never saved: a quote saves its lines (_saved_form).
    _usage: Mapping[str, object] | None = attrs.field(
        alias="usage", default=None, repr=False, metadata={_OMIT: True}
    )
    # The lines' figures, when computed already (by the general path, or loaded:
    # then plain tuples, named as LineFigures when first read).
    _rows: tuple[_SavedRow, ...] | None = attrs.field(alias="rows", default=None, repr=False)

    @functools.cached_property
    def _figures(self) -> tuple[LineFigures, ...]:
        rows = _line_figures(self._rows)
        if rows is not None:
            return rows
        assert self._usage is not None
        # Priced by the compiled fast path: its figures, as the general path's.
        rows = self.plan._compiled.figures(self._usage)
        if rows is not None:
            return rows
        return tuple(_general(self.plan, self._usage, self.period)[1])

    def _saved_form(self) -> Quote:
        """The quote as billkit saves it (billkit.serialize): its lines' figures, not
        the usage they were priced from."""
        if self._usage is None:
            return self
        return Quote(plan=self.plan, period=self.period, total=self.total, rows=self._figures)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Quote)
        return (self.plan, self.period, self.total, self._figures) == (
            other.plan,
            other.period,
            other.total,
            other._figures,
        )

    def __hash__(self) -> int:
        return hash((self.plan.code, self.period, self.total))

    @property
    def currency(self) -> Currency:
        """The plan's currency: every amount of the quote is in it."""
        return self.plan.currency

    @property
    def rounding(self) -> RoundingPolicy:
        """The plan's rounding policy, applied once to each line."""
        return self.plan.rounding

    @functools.cached_property
    def lines(self) -> tuple[QuoteLine, ...]:
        """The quote's lines, in plan order: base fee first, then each charge."""
        # Made from the figures billkit computed, with their breakdowns on the
        # common models, without re-running constructors (pricing/_compiled.py).
        compiled = self.plan._compiled
        if self._rows is None and self._usage is not None:
            # Priced from usage: the figures and lines in one pass; the figures
            # then fill _figures' cache (the same value it would compute).
            made = explained_quote(compiled, self._usage, _LINE, _EXPLAINED_LINE)
            if made is not None:
                rows, lines = made
                _FIGURES(self, rows)
                return cast("tuple[QuoteLine, ...]", lines)
        lines = explained_lines(compiled, self._figures, _LINE, _EXPLAINED_LINE)
        return cast("tuple[QuoteLine, ...]", lines)

    def line(self, code: str) -> QuoteLine:
        """The line with ``code``; a PricingError naming the codes if absent."""
        for line in self.lines:
            if line.code == code:
                return line
        raise PricingError("code", code, f"one of {[ln.code for ln in self.lines]}")

    def explain(self) -> str:
        """The quote as a plain-text table, each line with its steps."""
        width = max([len(ln.code) for ln in self.lines] + [5])
        out = [f"{self.plan.name} ({self.plan.code}), {self.period}, {self.currency.code}"]
        for ln in self.lines:
            head = f"  {_pad(ln.code, width)}  {_pad(ln.description, 38)}"
            amount = _fmt(ln.amount.amount)
            if ln.kind == "base":
                out.append(_pad(f"{head}  1 x {amount}", 62) + f" {amount:>10}")
                continue
            if ln.included:
                out.append(
                    f"{head}  {_fmt(ln.quantity)} - {_fmt(ln.included)} included"
                    f" = {_fmt(ln.billable)}"
                )
            else:
                out.append(head.rstrip())
            steps = [str(s) for s in ln.steps] or ["nothing to bill"]
            if ln.breakdown.note:
                steps.insert(0, ln.breakdown.note)
            indent = " " * (width + 4)
            for text in steps[:-1]:
                out.append(f"{indent}{text}")
            out.append(_pad(f"{indent}{steps[-1]}", 62) + f" {amount:>10}")
        out.append(_pad(f"  {_pad('total', width)}", 62) + f" {_fmt(self.total.amount):>10}")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.explain()

    def _repr_html_(self) -> str:
        """A table for notebooks; every text is escaped."""
        e = html.escape
        rows = []
        for ln in self.lines:
            steps = [str(s) for s in ln.steps]
            if ln.breakdown.note:
                steps.insert(0, ln.breakdown.note)
            if ln.kind != "base" and ln.included:  # as explain() shows it
                steps.insert(
                    0, f"{_fmt(ln.quantity)} - {_fmt(ln.included)} included = {_fmt(ln.billable)}"
                )
            detail = "<br>".join(e(s) for s in steps)
            qty = "" if ln.kind == "base" else e(_fmt(ln.quantity))
            rows.append(
                f"<tr><td>{e(ln.code)}</td><td>{e(ln.description)}</td>"
                f"<td style='text-align:right'>{qty}</td><td>{detail}</td>"
                f"<td style='text-align:right'>{e(_fmt(ln.amount.amount))}</td></tr>"
            )
        return (
            f"<table><caption>{e(self.plan.name)} ({e(self.plan.code)}), {e(str(self.period))}, "
            f"{e(self.currency.code)}</caption><thead><tr><th>line</th><th>description</th>"
            "<th>quantity</th><th>how</th><th>amount</th></tr></thead><tbody>"
            + "".join(rows)
            + f"</tbody><tfoot><tr><th colspan='4'>total</th><th style='text-align:right'>"
            f"{e(_fmt(self.total.amount))}</th></tr></tfoot></table>"
        )


def _line(row: LineFigures, currency: Currency) -> QuoteLine:
    """A line made through QuoteLine's constructor, its breakdown left to be
    made when first read: the eager reference the lines of
    :attr:`Quote.lines` must equal (``tests/pricing/test_compiled.py``)."""
    exact = Money(row.exact, currency)
    return QuoteLine(
        code=row.code,
        description=row.description,
        kind=row.kind,
        metric=row.metric,
        quantity=row.quantity,
        included=row.included,
        billable=row.billable,
        unit_price=unit_price(row.source, row.billable, exact),
        amount=Money(row.amount, currency),
        exact=exact,
        source=row.source,
        events=row.events,
    )


# Trusted construction (pricing/_compiled.py's filler) of values billkit computed:
# a quote from quote()'s fast path, its lines (with or without their breakdowns).
_QUOTE: Final = filler(Quote, ("plan", "period", "total", "_usage", "_rows"))
_LINE: Final = filler(QuoteLine, LINE_FIELDS)
_EXPLAINED_LINE: Final = filler(QuoteLine, LINE_FIELDS, ("breakdown",))
_FIGURES: Final = cached_slot(Quote, "_figures")


def quote(plan: Plan, usage: Usage, period: Period) -> Quote:
    """Price ``usage`` over ``period`` under ``plan``.

    ``period`` must be one whole billing cycle of the plan (prorating part of
    a cycle is a separate, explicit step). Usage for a metric the plan does
    not price is refused with :class:`~billkit.UnknownMetricError`, never
    ignored: a misspelt metric would otherwise bill nothing. A metric with no
    usage counts as zero.
    """
    if type(plan) is Plan and type(usage) is dict:
        compiled = plan._compiled
        made = compiled.fast_quote  # the whole fast path, generated (pricing/_compiled.py)
        if made is not None and period is compiled._last_period:
            # A Quote when usage reports exactly the plan's metrics, each accepted,
            # and its total is below 10**18 (else _within_range refuses it below).
            result = made(usage, period)
            if result is not None:
                return result  # type: ignore[return-value]  # a Quote (no cast: hot path)
    compiled = _checked(plan, usage, period)  # refuses, naming what is wrong
    fast = compiled.fast_total  # the fast path (pricing/_compiled.py)
    # fast: checks each quantity and computes in the plan's context, named by
    # every operation (no context to enter, the thread's never used); else
    # PercentOf lines, or the general path (None).
    total = fast(usage) if fast is not None else compiled.total(usage)
    if total is not None:
        _within_range(total)
        # Every field billkit's own: the Quote filled without its constructor.
        return _QUOTE(plan, period, Money(total, compiled.currency), dict(usage), None)
    total, rows = _general(plan, usage, period)
    _within_range(total)
    return Quote(
        plan=plan,
        period=period,
        total=Money(total, compiled.currency),
        usage=dict(usage),
        rows=tuple(rows),
    )


def _within_range(total: Decimal) -> None:
    """Refuse a quote whose total reaches 10**18 (every price and line is zero or
    more, so every line is then within range too): rounding a line up can carry
    an amount just below the limit onto it, and billkit never makes an amount it
    would refuse to read back."""
    if not total < LIMIT:
        raise PricingError(
            "usage",
            f"a total of {total}",
            "usage whose quote stays below 10**18 in size (billkit's range, docs/limits.md)",
        )


def _checked(plan: Plan, usage: Usage, period: Period) -> CompiledPlan:
    """quote()'s refusals (its arguments, a whole cycle, only the plan's metrics),
    then the plan compiled."""
    # Inline type checks (the hot path): the same refusals as _checks.instance.
    if not isinstance(plan, Plan):
        raise PricingError("plan", plan, "a Plan")
    if not isinstance(period, Period):
        raise PricingError("period", period, "a Period")
    if type(usage) is not dict and not isinstance(usage, Mapping):
        raise PricingError("usage", usage, "a mapping of metric to quantity")
    compiled = plan._compiled
    if not compiled.is_whole(period):
        raise PricingError(
            "period",
            str(period),
            f"one whole billing cycle of plan {plan.code!r} ({plan.cycle}); "
            "prorate partial periods explicitly",
        )
    metrics = compiled.metrics
    if not metrics.issuperset(usage):
        name = next(name for name in usage if name not in metrics)
        raise UnknownMetricError(
            f"usage[{name!r}]",
            usage[name],
            f"a metric of plan {plan.code!r}: one of {sorted(metrics)}",
        )

    return compiled


def _fast_totals(plans: object, usage: object, period: object) -> tuple[Decimal, ...] | None:
    """:func:`~billkit.pricing.cheapest_plan`'s common case in one pass: a list or
    tuple of Plans (one currency, distinct codes) whose compiled totals take a
    dict of quantities as it is, for a period each plan has been checked for.
    Each total is ``quote(plan, usage, period).total.amount``; ``None`` when
    anything needs the careful path, which also names every error."""
    if (
        (type(plans) is not list and type(plans) is not tuple)
        or not plans
        or type(usage) is not dict
        or type(period) is not Period
    ):
        return None
    for value in usage.values():  # each quantity checked once for all the plans
        if type(value) is not Decimal or not value.is_finite():
            return None
        try:
            value.quantize(_FINEST, None, RANGE_CHECK)  # in_range, inline
        except decimal.DecimalException:
            return None
        if value < 0:
            return None
    first = plans[0]
    if type(first) is not Plan:
        return None
    # One context for all the plans (their unchecked totals use plain operators).
    with decimal.localcontext(first._compiled.context):
        return compiled_totals(plans, usage, period)


def _quote_totals(plans: Sequence[Plan], usage: Usage, period: Period) -> tuple[Decimal, ...]:
    """``quote(plan, usage, period).total.amount`` for each plan, without building
    the quotes (:func:`~billkit.pricing.cheapest_plan` compares totals only).

    The usage is checked once for all the plans, and plans with one rounding
    mode share one rounding context (the same object), so their fast paths run
    in one ``local_context``."""
    if not isinstance(period, Period) or (
        type(usage) is not dict and not isinstance(usage, Mapping)
    ):
        _checked(plans[0], usage, period)  # refuses, naming what is wrong
    # Each quantity checked once for all the plans (as each fast path would).
    checked = all(type(v) is Decimal and in_range(v) and v >= 0 for v in usage.values())
    compiled = []
    context = plans[0]._compiled.context
    same = True  # every plan rounds in the same context (the same object)
    for plan in plans:
        c = plan._compiled
        if not (c.is_whole(period) and c.metrics.issuperset(usage)):
            c = _checked(plan, usage, period)  # refuses, naming what is wrong
        same = same and c.context is context
        compiled.append(c)
    totals: list[Decimal | None]
    if same:
        with decimal.localcontext(context):
            totals = totals_in_context(compiled, usage, checked=checked)
    else:
        totals = [c.total(usage) for c in compiled]
    if not any(total is None for total in totals):
        return tuple(totals)  # type: ignore[arg-type]
    return tuple(
        _general(plan, usage, period)[0] if total is None else total
        for plan, total in zip(plans, totals, strict=True)
    )


def _general(plan: Plan, usage: Usage, period: Period) -> tuple[Decimal, list[LineFigures]]:
    """The general path: every model and usage value quote() accepts, priced charge by
    charge (the reference the compiled fast path must equal); ``usage`` holds only
    the plan's metrics."""
    quantum = plan._quantum
    rows: list[LineFigures] = []
    rounded: dict[str, Decimal] = {}  # line amounts PercentOf lines may refer to
    total = _ZERO
    # billkit's own decimal context, never the caller's, with the plan's rounding
    # so that quantize() rounds by the policy: a local copy for this call only.
    with local_context(plan._context):
        if plan.base_fee is not None:
            exact = plan.base_fee.amount
            amount = exact.quantize(quantum)
            rows.append(
                LineFigures(
                    code=BASE_FEE_CODE,
                    description=plan.name,
                    kind="base",
                    metric=None,
                    quantity=_ONE,
                    included=_ZERO,
                    billable=_ONE,
                    amount=amount,
                    exact=exact,
                    source=None,
                    events=None,
                )
            )
            rounded[BASE_FEE_CODE] = total = amount
        for charge in plan.charges:
            code, label = charge.code, charge.label
            if isinstance(charge, PercentOf):
                source: AnyModel | PercentOf = charge
                base = _ZERO
                for ref in charge.of:
                    base += rounded[ref]
                exact = base * charge.rate
                amount = exact.quantize(quantum)
                rows.append(
                    LineFigures(
                        code=code,
                        description=label,
                        kind="percent_of",
                        metric=None,
                        quantity=base,
                        included=_ZERO,
                        billable=base,
                        amount=amount,
                        exact=exact,
                        source=charge,
                        events=None,
                    )
                )
            elif type(charge.model) is Capacity:
                source = charge.model
                # One tier for the peaks of all its metrics: the line is that one tier.
                peaks = tuple(
                    checks.decimal(
                        f"usage[{name!r}]",
                        usage.get(name, _ZERO),
                        low=0,
                        noun="quantity",
                        error=PricingError,
                    )
                    for name in source.metrics
                )
                exact = source._priced(dict(zip(source.metrics, peaks, strict=True)))
                amount = exact.quantize(quantum)
                rows.append(
                    LineFigures(
                        code=code,
                        description=label,
                        kind="usage",
                        metric=charge.metric,
                        quantity=_ONE,
                        included=_ZERO,
                        billable=_ONE,
                        amount=amount,
                        exact=exact,
                        source=source,
                        events=peaks,
                    )
                )
            else:
                source, metric, included = charge.model, charge.metric, charge.included
                value = usage.get(metric, _ZERO)
                events: tuple[Decimal, ...] | None = None
                if type(value) is Decimal and in_range(value) and value >= 0:
                    q = value
                elif isinstance(value, Presence):
                    if not isinstance(source, Prorated):
                        raise PricingError(
                            f"usage[{metric!r}]",
                            value,
                            "a quantity (a Presence is for Prorated charges)",
                        )
                    if value.period != period:
                        raise PricingError(
                            f"usage[{metric!r}].period", str(value.period), f"the quoted {period}"
                        )
                    segments = value.segments
                    events = tuple(x for pair in segments for x in (Decimal(pair[0]), pair[1]))
                    q = value.closing
                elif isinstance(value, (list, tuple)):
                    if not isinstance(source, Percentage):
                        raise PricingError(
                            f"usage[{metric!r}]",
                            value,
                            "a quantity (event lists are for Percentage charges)",
                        )
                    events = tuple(source._events(value))
                    q = sum(events, _ZERO)
                else:
                    q = checks.decimal(
                        f"usage[{metric!r}]", value, low=0, noun="quantity", error=PricingError
                    )
                billable = q - included if q > included else _ZERO
                if events is not None and isinstance(source, Percentage):
                    exact = source._compute(list(events))[0]
                elif events is not None and isinstance(source, Prorated):
                    exact = source._compute(segments)[0]
                elif isinstance(source, Percentage) and source._per_event_terms:
                    # Per-event terms (fixed, min, max, free events) need the events;
                    # a missing metric or a zero total means there were none.
                    if q != 0:
                        raise PricingError(
                            f"usage[{metric!r}]",
                            value,
                            "event amounts (a list): per-event terms "
                            "(fixed, min, max, free events) need each event",
                        )
                    events = ()  # no events, nothing to bill
                    exact = _ZERO
                else:
                    exact = source._amount(billable)
                amount = exact.quantize(quantum)
                rows.append(
                    LineFigures(
                        code=code,
                        description=label,
                        kind="usage",
                        metric=metric,
                        quantity=q,
                        included=included,
                        billable=billable,
                        amount=amount,
                        exact=exact,
                        source=source,
                        events=events,
                    )
                )
            rounded[code] = amount
            total += amount
    return total, rows


def _percent_breakdown(charge: PercentOf, base: Decimal, exact: Money) -> Breakdown:
    currency = exact.currency
    pct = _fmt((charge.rate * 100).normalize())
    zero = Money(_ZERO, currency)
    step = Step(
        label=f"{pct}% of {' + '.join(charge.of)}",
        units=base,
        unit_price=Money(charge.rate, currency),
        flat_fee=zero,
        amount=exact,
    )
    return Breakdown(model="percent_of", quantity=base, steps=(step,), amount=exact)
