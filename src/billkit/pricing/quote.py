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
import html
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Final

import attrs
from moneyed import Currency, Money

from billkit.errors import PricingError, UnknownMetricError
from billkit.money import CONTEXT, RoundingPolicy, to_decimal
from billkit.periods import Period
from billkit.pricing.models import (
    Breakdown,
    Flat,
    Package,
    Percentage,
    PerUnit,
    Step,
    Volume,
)
from billkit.pricing.plans import BASE_FEE_CODE, Charge, PercentOf, Plan

__all__ = ["Quote", "QuoteLine", "Usage", "quote"]

Usage = Mapping[str, object]
"""Usage for a period: metric -> quantity (or a list of event amounts for a
:class:`~billkit.pricing.Percentage` charge). Missing metrics count as zero."""

_ZERO: Final = Decimal(0)


def _fmt(value: Decimal) -> str:
    return format(value, "f")


@attrs.frozen(kw_only=True)
class QuoteLine:
    """One line of a quote, with how its amount was reached.

    ``quantity`` is the usage reported, ``included`` the free units taken off
    it and ``billable`` what the price model priced. ``exact`` is the amount
    before rounding and ``amount`` the line's rounded figure. ``unit_price``
    is set when one price applies to every billable unit (flat, per unit,
    volume, package), ``None`` for graduated and percentage lines, whose
    ``breakdown`` shows each step.
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
    breakdown: Breakdown

    @property
    def steps(self) -> tuple[Step, ...]:
        """The tiers or steps that make up the line (from its breakdown)."""
        return self.breakdown.steps


def _pad(text: str, width: int) -> str:
    return text if len(text) >= width else text + " " * (width - len(text))


@attrs.frozen(kw_only=True)
class Quote:
    """What ``plan`` bills for ``period``: explained lines and their total."""

    plan: str
    plan_name: str
    period: Period
    currency: Currency
    lines: tuple[QuoteLine, ...]
    total: Money
    rounding: RoundingPolicy

    def line(self, code: str) -> QuoteLine:
        """The line with ``code``; a PricingError naming the codes if absent."""
        for line in self.lines:
            if line.code == code:
                return line
        raise PricingError("code", code, f"one of {[ln.code for ln in self.lines]}")

    def explain(self) -> str:
        """The quote as a plain-text table, each line with its steps."""
        width = max([len(ln.code) for ln in self.lines] + [5])
        out = [f"{self.plan_name} ({self.plan}), {self.period}, {self.currency.code}"]
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
            detail = "<br>".join(e(str(s)) for s in ln.steps)
            qty = "" if ln.kind == "base" else e(_fmt(ln.quantity))
            rows.append(
                f"<tr><td>{e(ln.code)}</td><td>{e(ln.description)}</td>"
                f"<td style='text-align:right'>{qty}</td><td>{detail}</td>"
                f"<td style='text-align:right'>{e(_fmt(ln.amount.amount))}</td></tr>"
            )
        return (
            f"<table><caption>{e(self.plan_name)} ({e(self.plan)}), {e(str(self.period))}, "
            f"{e(self.currency.code)}</caption><thead><tr><th>line</th><th>description</th>"
            "<th>quantity</th><th>how</th><th>amount</th></tr></thead><tbody>"
            + "".join(rows)
            + f"</tbody><tfoot><tr><th colspan='4'>total</th><th style='text-align:right'>"
            f"{e(_fmt(self.total.amount))}</th></tr></tfoot></table>"
        )


def _unit_price(charge: Charge, breakdown: Breakdown) -> Money | None:
    model = charge.model
    if isinstance(model, PerUnit):
        return model.unit_price
    if isinstance(model, Flat):
        return model.amount
    if isinstance(model, Package):
        return model.price_per_package
    if isinstance(model, Volume):
        return breakdown.steps[0].unit_price
    return None


def _usage_value(charge: Charge, value: object) -> tuple[Decimal, Breakdown, Decimal]:
    """(quantity, breakdown of the billable part, billable) for one charge."""
    model = charge.model
    field = f"usage[{charge.metric!r}]"
    if isinstance(model, Percentage):
        if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
            breakdown = model.explain_events(value)
            return breakdown.quantity, breakdown, breakdown.quantity
        q = to_decimal(value, field)
        if q < 0:
            raise PricingError(field, value, "an amount of zero or more")
        breakdown = model.explain(q)
        return q, breakdown, q
    q = to_decimal(value, field)
    if q < 0:
        raise PricingError(field, value, "a quantity of zero or more")
    billable = q - charge.included
    if billable < 0:
        billable = _ZERO
    return q, model.explain(billable), billable


def quote(plan: Plan, usage: Usage, period: Period) -> Quote:
    """Price ``usage`` over ``period`` under ``plan``.

    ``period`` must be one whole billing cycle of the plan (prorating part of
    a cycle is a separate, explicit step). Usage for a metric the plan does
    not price is refused with :class:`~billkit.UnknownMetricError`, never
    ignored: a misspelt metric would otherwise bill nothing.
    """
    if not isinstance(plan, Plan):
        raise PricingError("plan", plan, "a Plan")
    if not isinstance(period, Period):
        raise PricingError("period", period, "a Period")
    if not isinstance(usage, Mapping):
        raise PricingError("usage", usage, "a mapping of metric to quantity")
    if not plan.cycle.is_whole_period(period):
        raise PricingError(
            "period",
            str(period),
            f"one whole billing cycle of plan {plan.code!r} ({plan.cycle}); "
            "prorate partial periods explicitly",
        )
    metrics = plan.metrics
    for metric in usage:
        if metric not in metrics:
            raise UnknownMetricError(
                f"usage[{metric!r}]",
                usage[metric],
                f"a metric of plan {plan.code!r}: one of {sorted(metrics)}",
            )

    currency = plan.currency
    rounding = plan.rounding
    lines: list[QuoteLine] = []
    rounded: dict[str, Decimal] = {}
    with decimal.localcontext(CONTEXT):
        if plan.base_fee is not None:
            fee = plan.base_fee
            amount = Money(rounding.round_amount(fee.amount, currency), currency)
            zero = Money(_ZERO, currency)
            step = Step(
                label="base fee", units=Decimal(1), unit_price=fee, flat_fee=zero, amount=fee
            )
            lines.append(
                QuoteLine(
                    code=BASE_FEE_CODE,
                    description=plan.name,
                    kind="base",
                    metric=None,
                    quantity=Decimal(1),
                    included=_ZERO,
                    billable=Decimal(1),
                    unit_price=fee,
                    amount=amount,
                    exact=fee,
                    breakdown=Breakdown(
                        model="flat", quantity=Decimal(1), steps=(step,), amount=fee
                    ),
                )
            )
            rounded[BASE_FEE_CODE] = amount.amount
        for charge in plan.charges:
            if isinstance(charge, PercentOf):
                line = _percent_line(charge, rounded, currency, rounding)
            else:
                quantity, breakdown, billable = _usage_value(
                    charge, usage.get(charge.metric, _ZERO)
                )
                exact = breakdown.amount
                line = QuoteLine(
                    code=charge.code,
                    description=charge.label,
                    kind="usage",
                    metric=charge.metric,
                    quantity=quantity,
                    included=charge.included,
                    billable=billable,
                    unit_price=_unit_price(charge, breakdown),
                    amount=Money(rounding.round_amount(exact.amount, currency), currency),
                    exact=exact,
                    breakdown=breakdown,
                )
            lines.append(line)
            rounded[line.code] = line.amount.amount
        total = sum(rounded.values(), _ZERO)
    return Quote(
        plan=plan.code,
        plan_name=plan.name,
        period=period,
        currency=currency,
        lines=tuple(lines),
        total=Money(total, currency),
        rounding=rounding,
    )


def _percent_line(
    charge: PercentOf, rounded: Mapping[str, Decimal], currency: Currency, rounding: RoundingPolicy
) -> QuoteLine:
    base = sum((rounded[ref] for ref in charge.of), _ZERO)
    exact = Money(base * charge.rate, currency)
    pct = _fmt((charge.rate * 100).normalize())
    zero = Money(_ZERO, currency)
    step = Step(
        label=f"{pct}% of {' + '.join(charge.of)}",
        units=base,
        unit_price=Money(charge.rate, currency),
        flat_fee=zero,
        amount=exact,
    )
    return QuoteLine(
        code=charge.code,
        description=charge.label,
        kind="percent_of",
        metric=None,
        quantity=base,
        included=_ZERO,
        billable=base,
        unit_price=None,
        amount=Money(rounding.round_amount(exact.amount, currency), currency),
        exact=exact,
        breakdown=Breakdown(model="percent_of", quantity=base, steps=(step,), amount=exact),
    )
