"""Overage, composed usage, the cheapest plan, automatic upgrades and upgrade advice.

A plan's allowance is a :class:`~billkit.pricing.Charge` with ``included``
units; usage above it is billed on its own quote line, per unit or in blocks
(:func:`overage_charge`). On top of :func:`~billkit.pricing.quote`:

* :class:`CompositeMetric`: billable units summed from several counters
  (attributions = non-organic installs + re-attributions + rejected installs);
* :func:`measure_overage`: how far usage went over a plan's allowance, and its cost;
* :func:`cheapest_plan`: which plan bills a usage the least, with every
  candidate's total;
* :func:`auto_upgrade`: when the overage reaches a threshold, bill the usage
  on a higher plan if that comes out lower, and say what the customer saved;
* :func:`upgrade_advice`: is changing plan now, with proration, cheaper than
  paying the overage, and by how much.

>>> from datetime import date
>>> from billkit.money import Money
>>> from billkit.periods import Period
>>> from billkit.pricing import Plan
>>> eur = lambda amount: Money(amount, "EUR")
>>> plans = [
...     Plan(code="start", name="Start", currency="EUR", base_fee=eur("49.00"),
...          charges=[overage_charge("over", "contacts", included=1000, price=eur("20.00"), block=100)]),
...     Plan(code="grow", name="Grow", currency="EUR", base_fee=eur("99.00"),
...          charges=[overage_charge("over", "contacts", included=3000, price=eur("15.00"), block=100)]),
... ]
>>> best = cheapest_plan(plans, {"contacts": 1450}, Period(date(2026, 3, 1), date(2026, 4, 1)))
>>> best.plan.code, best.total     # 49.00 + 5 blocks x 20.00 = 149.00 against 99.00
('grow', Money('99.00', 'EUR'))
"""

from __future__ import annotations

import decimal
import functools
import itertools
import operator
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Final

import attrs
from moneyed import Money

import billkit._checks as checks
from billkit.errors import PricingError, ValidationError
from billkit.money import CONTEXT, DecimalLike, to_decimal
from billkit.periods import Period
from billkit.pricing.models import Package, PerUnit, PricingCurrencyError
from billkit.pricing.plans import Charge, Plan
from billkit.pricing.proration import (
    DEFAULT_PRORATION,
    ChangeTiming,
    PlanChange,
    ProrationPolicy,
    change_plan,
    fixed_fee,
)
from billkit.pricing.quote import Quote, Usage, _fast_totals, _quote_totals, quote

__all__ = [
    "AutoUpgrade",
    "CompositeMetric",
    "Overage",
    "PlanComparison",
    "UpgradeAdvice",
    "auto_upgrade",
    "cheapest_plan",
    "measure_overage",
    "overage_charge",
    "upgrade_advice",
]

_ZERO: Final = Decimal(0)


def _fmt(value: Decimal) -> str:
    return format(value, "f")


def overage_charge(
    code: str,
    metric: str,
    *,
    included: DecimalLike,
    price: Money,
    block: DecimalLike | None = None,
    description: str = "",
) -> Charge:
    """A charge for usage of ``metric`` above ``included`` units, on its own quote line.

    Each unit over costs ``price``; with ``block``, every started block of
    that many units costs ``price`` (the messaging business bills contacts
    over the limit in on-demand blocks of 100).

    >>> from billkit.money import Money
    >>> overage_charge("overage", "attributions", included=10_000, price=Money("52000", "IRR")).model
    PerUnit(unit_price=Money('52000', 'IRR'))
    >>> overage_charge("blocks", "contacts", included=1000, price=Money("20.00", "EUR"), block=100).model
    Package(size=Decimal('100'), price_per_package=Money('20.00', 'EUR'), included=Decimal('0'))
    """
    model = PerUnit(unit_price=price) if block is None else Package(size=block, price=price)
    return Charge(code=code, metric=metric, model=model, included=included, description=description)


# ---------------------------------------------------------------- composed usage


def _parts(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise PricingError("parts", value, "a list of one or more counter names")
    value = checks.texts("parts", value, error=PricingError, required=True)
    if len(set(value)) != len(value):
        raise PricingError("parts", list(value), "counter names without repeats")
    return tuple(value)


@attrs.frozen(kw_only=True)
class CompositeMetric:
    """A billable metric summed from several counters.

    Every counter in ``parts`` must be reported, even as zero: a counter left
    out is an error, not a silent zero, because a missing counter would
    under-bill.

    >>> attributions = CompositeMetric(
    ...     metric="attributions",
    ...     parts=["non_organic_installs", "reattributions", "rejected_installs"])
    >>> counters = {"non_organic_installs": 9200, "reattributions": 1400, "rejected_installs": 650}
    >>> attributions.total(counters)
    Decimal('11250')
    >>> print(attributions.explain(counters))
    attributions = 9200 non_organic_installs + 1400 reattributions + 650 rejected_installs = 11250
    >>> attributions.apply({**counters, "sms": 3})
    {'sms': 3, 'attributions': Decimal('11250')}
    """

    _error_class: ClassVar[type[ValidationError]] = PricingError

    metric: str = attrs.field(converter=checks.TEXT)
    parts: tuple[str, ...] = attrs.field(converter=_parts)

    def _values(self, counters: Mapping[str, object]) -> list[Decimal]:
        if not isinstance(counters, Mapping):
            raise PricingError("counters", counters, "a mapping of counter name to quantity")
        out = []
        for part in self.parts:
            if part not in counters:
                raise PricingError(
                    f"counters[{part!r}]",
                    None,
                    f"a quantity for every part of {self.metric!r} ({', '.join(self.parts)}); "
                    "report zero explicitly",
                )
            q = to_decimal(counters[part], field=f"counters[{part!r}]")
            if q < 0:
                raise PricingError(f"counters[{part!r}]", counters[part], "a quantity of 0 or more")
            out.append(q)
        return out

    def total(self, counters: Mapping[str, object]) -> Decimal:
        """The sum of the parts."""
        total = _ZERO
        for q in self._values(counters):
            total = CONTEXT.add(total, q)
        return total

    def apply(self, counters: Mapping[str, object]) -> dict[str, object]:
        """``counters`` with the parts replaced by their sum, ready for a quote."""
        if self.metric in counters:
            raise PricingError(
                f"counters[{self.metric!r}]",
                counters[self.metric],
                f"no value: {self.metric!r} is computed from {', '.join(self.parts)}",
            )
        total = self.total(counters)
        out = {k: v for k, v in counters.items() if k not in self.parts}
        out[self.metric] = total
        return out

    def explain(self, counters: Mapping[str, object]) -> str:
        """The sum written out."""
        values = self._values(counters)
        terms = " + ".join(f"{_fmt(q)} {p}" for q, p in zip(values, self.parts, strict=True))
        return f"{self.metric} = {terms} = {_fmt(self.total(counters))}"


# ---------------------------------------------------------------- overage


@attrs.frozen(kw_only=True)
class Overage:
    """How far usage of ``metric`` went over ``plan``'s allowance.

    ``over`` is ``used - included`` (zero when within it) and ``amount``
    what the plan bills for it: the total of its lines on ``metric``.
    """

    plan: Plan = attrs.field(repr=lambda plan: repr(plan.code))
    metric: str
    used: Decimal
    included: Decimal
    over: Decimal
    amount: Money
    lines: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"{self.plan.code}: {_fmt(self.used)} {self.metric}, {_fmt(self.included)} included, "
            f"{_fmt(self.over)} over, billed {_fmt(self.amount.amount)} "
            f"{self.amount.currency.code}"
        )


def _allowance_metric(plan: Plan, metric: str | None) -> tuple[str, list[Charge]]:
    charges = [c for c in plan.charges if isinstance(c, Charge)]
    if metric is None:
        # The metric with an allowance; or, when none has one, the plan's only metric.
        allowances = sorted({c.metric for c in charges if c.included > 0})
        found = allowances or sorted(plan.metrics)
        if len(found) != 1:
            raise PricingError(
                "metric",
                None,
                f"the metric to measure: plan {plan.code!r} has allowances on "
                f"{allowances or 'no metric'}; name one of {sorted(plan.metrics)}",
            )
        metric = found[0]
    on_metric = [c for c in charges if c.metric == metric]
    if not on_metric:
        raise PricingError(
            "metric", metric, f"a metric of plan {plan.code!r}: one of {sorted(plan.metrics)}"
        )
    return metric, on_metric


def _overage(plan: Plan, bill: Quote, metric: str | None) -> Overage:
    metric, charges = _allowance_metric(plan, metric)
    included = max(c.included for c in charges)
    codes = tuple(c.code for c in charges)
    lines = [bill.line(code) for code in codes]
    used = lines[0].quantity
    amount = Money(sum((ln.amount.amount for ln in lines), _ZERO), plan.currency)
    over = used - included if used > included else _ZERO
    return Overage(
        plan=plan,
        metric=metric,
        used=used,
        included=included,
        over=over,
        amount=amount,
        lines=codes,
    )


def measure_overage(plan: Plan, usage: Usage, period: Period, metric: str | None = None) -> Overage:
    """How far ``usage`` went over ``plan``'s allowance on ``metric``, and what it costs.

    ``metric`` may be left out when the plan has an allowance on one metric
    only (or, without allowances, prices one metric). When several charges
    price the metric, the allowance is the largest
    of their ``included`` units and the amount the sum of their lines.

    >>> from datetime import date
    >>> from billkit.money import Money, RoundingPolicy
    >>> starter = Plan(code="starter", name="Starter", currency="IRR", cycle="30 days",
    ...                rounding=RoundingPolicy(minor_units={"IRR": 0}),
    ...                base_fee=Money("450000000", "IRR"),
    ...                charges=[overage_charge("overage", "attributions", included=10_000,
    ...                                        price=Money("52000", "IRR"))])
    >>> period = Period(date(2026, 3, 21), date(2026, 4, 20))   # 30 days
    >>> print(measure_overage(starter, {"attributions": 11250}, period))   # 1 250 x 52 000
    starter: 11250 attributions, 10000 included, 1250 over, billed 65000000 IRR
    """
    plan = checks.instance("plan", plan, Plan, error=PricingError)
    return _overage(plan, quote(plan, usage, period), metric)


# ---------------------------------------------------------------- cheapest plan


def _frozen_usage(usage: Usage) -> Usage:
    """A private copy of ``usage``, so a comparison's lazy quotes see what was compared."""
    if type(usage) is not dict and not isinstance(usage, Mapping):
        raise PricingError("usage", usage, "a mapping of metric to quantity")
    if not any(map(isinstance, usage.values(), itertools.repeat(list))):  # nothing to copy
        return checks.FrozenMap(usage)
    return checks.FrozenMap({k: tuple(v) if isinstance(v, list) else v for k, v in usage.items()})


@attrs.frozen(kw_only=True)
class PlanComparison:
    """Every candidate's total for one usage, and the cheapest.

    ``plans`` and ``amounts`` (each plan's total) are in the order given;
    ``index`` is the cheapest's position, the earliest on a tie. The quotes
    themselves (``quotes``, ``best``) are rebuilt when first read: quoting is
    pure, so they are the quotes that were compared, and comparing many
    usages keeps only the totals.
    """

    plans: tuple[Plan, ...] = attrs.field(repr=lambda plans: repr([p.code for p in plans]))
    usage: Usage = attrs.field(repr=False)
    period: Period
    amounts: tuple[Decimal, ...] = attrs.field(repr=False)
    index: int

    @property
    def plan(self) -> Plan:
        """The cheapest plan."""
        return self.plans[self.index]

    @property
    def total(self) -> Money:
        """The cheapest plan's total."""
        return Money(self.amounts[self.index], self.plans[0].currency)

    @functools.cached_property
    def quotes(self) -> tuple[Quote, ...]:
        """Every candidate's quote, in the order given."""
        return tuple(quote(plan, self.usage, self.period) for plan in self.plans)

    @property
    def best(self) -> Quote:
        """The cheapest plan's quote."""
        return self.quotes[self.index]

    def totals(self) -> dict[str, Money]:
        """Plan code -> total, in the order given."""
        currency = self.plans[0].currency
        return {p.code: Money(a, currency) for p, a in zip(self.plans, self.amounts, strict=True)}

    def saving(self, code: str) -> Money:
        """How much less the cheapest plan bills than plan ``code``."""
        for plan, amount in zip(self.plans, self.amounts, strict=True):
            if plan.code == code:
                return Money(amount - self.amounts[self.index], plan.currency)
        raise PricingError("code", code, f"one of {[p.code for p in self.plans]}")

    def explain(self) -> str:
        """A table of the candidates, cheapest marked."""
        width = max(len(p.code) for p in self.plans)
        out = []
        for i, (plan, amount) in enumerate(zip(self.plans, self.amounts, strict=True)):
            mark = "  <- cheapest" if i == self.index else ""
            out.append(f"{plan.code:<{width}}  {_fmt(amount):>16}{mark}")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.explain()

    def _repr_html_(self) -> str:
        """A table for notebooks: each candidate's total and how much more than
        the cheapest it bills, the cheapest marked; every text is escaped."""
        from html import escape as e

        best = self.amounts[self.index]
        bold = " style='font-weight:bold'"
        rows = "".join(
            f"<tr{bold if i == self.index else ''}>"
            f"<td>{e(p.code)}</td><td>{e(p.name)}</td>"
            f"<td style='text-align:right'>{e(_fmt(a))}</td>"
            f"<td style='text-align:right'>{e(_fmt(a - best))}</td>"
            f"<td>{'cheapest' if i == self.index else ''}</td></tr>"
            for i, (p, a) in enumerate(zip(self.plans, self.amounts, strict=True))
        )
        return (
            f"<table><caption>{len(self.plans)} plans, {e(str(self.period))}, "
            f"{e(self.plans[0].currency.code)}</caption><thead><tr><th>plan</th><th>name</th>"
            f"<th>total</th><th>over the cheapest</th><th></th></tr></thead><tbody>{rows}"
            "</tbody></table>"
        )


_currency: Final = operator.attrgetter("currency")
_code: Final = operator.attrgetter("code")


def _candidates(plans: object) -> tuple[Plan, ...]:
    if isinstance(plans, (str, bytes)) or not isinstance(plans, Sequence) or not plans:
        raise PricingError("plans", plans, "a list of one or more Plans")
    out = tuple(plans)
    # The common case, each test one pass in C: Plans, one currency object, unique codes.
    if (
        set(map(type, out)) == {Plan}
        and all(map(operator.is_, map(_currency, out), itertools.repeat(out[0].currency)))
        and len(set(map(_code, out))) == len(out)
    ):
        return out
    seen: set[str] = set()
    for i, plan in enumerate(out):
        if not isinstance(plan, Plan):
            raise PricingError(f"plans[{i}]", plan, "a Plan")
        if plan.code in seen:
            raise PricingError(f"plans[{i}].code", plan.code, "a code not used by another plan")
        seen.add(plan.code)
        if plan.currency != out[0].currency:
            raise PricingCurrencyError(
                f"plans[{i}].currency",
                plan.currency.code,
                f"{out[0].currency.code}: totals in different currencies cannot be compared",
            )
    return out


def _lowest(amounts: Sequence[Decimal]) -> int:
    """The position of the lowest amount, the earliest on a tie."""
    return amounts.index(min(amounts))


def cheapest_plan(plans: Sequence[Plan], usage: Usage, period: Period) -> PlanComparison:
    """Which of ``plans`` bills ``usage`` over ``period`` the least, with every total.

    The plans share one currency and ``period`` must be one whole cycle of
    each (as for :func:`~billkit.pricing.quote`). A plan that does not price
    a metric of ``usage`` is refused rather than assumed free. On a tie the
    earlier plan wins.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> small = Plan(code="small", name="S", currency="EUR", base_fee=Money("10.00", "EUR"))
    >>> same = Plan(code="same", name="S2", currency="EUR", base_fee=Money("10.00", "EUR"))
    >>> print(cheapest_plan([small, same], {}, Period(date(2026, 1, 1), date(2026, 2, 1))))
    small             10.00  <- cheapest
    same              10.00
    """
    amounts = _fast_totals(plans, usage, period)  # the common case, in one pass
    if amounts is None:
        candidates = _candidates(plans)
        amounts = _quote_totals(candidates, usage, period)
    else:
        candidates = tuple(plans)  # checked by _fast_totals
    return PlanComparison(
        plans=candidates,
        usage=_frozen_usage(usage),
        period=period,
        amounts=amounts,
        index=_lowest(amounts),
    )


# ---------------------------------------------------------------- automatic upgrade


@attrs.frozen(kw_only=True)
class AutoUpgrade:
    """Which plan a period's usage was billed on, and why.

    ``original`` is the plan the customer chose, ``billed`` the plan the
    usage is billed on (a higher one when ``upgraded``); ``saved`` is how
    much less that bills than the original plan would have. ``overage`` is
    measured on the original plan; ``comparison`` holds the quotes of the
    original and every higher plan when the threshold was reached.
    """

    original: Plan = attrs.field(repr=lambda plan: repr(plan.code))
    billed: Plan = attrs.field(repr=lambda plan: repr(plan.code))
    quote: Quote = attrs.field(repr=False)
    original_quote: Quote = attrs.field(repr=False)
    upgraded: bool
    overage: Overage
    threshold: Decimal
    saved: Money
    reason: str
    comparison: PlanComparison | None = attrs.field(repr=False)

    def explain(self) -> str:
        """The decision and the figures behind it."""
        out = [
            f"billed on {self.billed.code}: {_fmt(self.quote.total.amount)} "
            f"{self.quote.currency.code}",
            f"  why: {self.reason}",
        ]
        if self.upgraded:
            out.append(
                f"  {self.original.code} would have billed "
                f"{_fmt(self.original_quote.total.amount)}; saved {_fmt(self.saved.amount)}"
            )
        return "\n".join(out)

    def __str__(self) -> str:
        return self.explain()


def auto_upgrade(
    plan: Plan,
    usage: Usage,
    period: Period,
    *,
    ladder: Sequence[Plan],
    threshold: DecimalLike,
    metric: str | None = None,
) -> AutoUpgrade:
    """Bill ``usage`` on a higher plan of ``ladder`` when the overage makes that cheaper.

    ``ladder`` lists plans from lowest to highest and contains ``plan`` (by
    code). When the usage over ``plan``'s allowance on ``metric`` reaches
    ``threshold`` units, every plan above it is quoted for the same usage;
    the cheapest of them is billed if its total is lower than ``plan``'s
    (on a tie, the lower plan). Otherwise ``plan`` is billed. Nothing here
    moves the customer for later periods: the caller records the result.

    >>> from datetime import date
    >>> from billkit.money import Money, RoundingPolicy
    >>> irr = lambda amount: Money(amount, "IRR")
    >>> rials = RoundingPolicy(minor_units={"IRR": 0})       # Iranian invoices: whole rials
    >>> starter = Plan(code="starter", name="Starter", currency="IRR", cycle="30 days",
    ...                rounding=rials, base_fee=irr("450000000"),
    ...                charges=[overage_charge("overage", "attributions", included=10_000,
    ...                                        price=irr("52000"))])
    >>> growth = Plan(code="growth", name="Growth", currency="IRR", cycle="30 days",
    ...               rounding=rials, base_fee=irr("1050000000"),
    ...               charges=[overage_charge("overage", "attributions", included=30_000,
    ...                                       price=irr("38000"))])
    >>> period = Period(date(2026, 3, 21), date(2026, 4, 20))   # 30 days
    >>> result = auto_upgrade(starter, {"attributions": 25_000}, period,
    ...                       ladder=[starter, growth], threshold=10_000)
    >>> print(result)   # starter: 450 000 000 + 15 000 x 52 000 = 1 230 000 000
    billed on growth: 1050000000 IRR
      why: 15000 attributions over starter's 10000 reached the threshold of 10000; growth bills less
      starter would have billed 1230000000; saved 180000000
    """
    plan = checks.instance("plan", plan, Plan, error=PricingError)
    steps = _candidates(ladder)
    codes = [p.code for p in steps]
    if plan.code not in codes:
        raise PricingError("plan", plan.code, f"a plan of the ladder ({codes})")
    if steps[codes.index(plan.code)] != plan:
        raise PricingError("ladder", plan.code, f"the same plan {plan.code!r} as given in plan")
    limit = checks.decimal("threshold", threshold, low=0, error=PricingError)
    current = quote(plan, usage, period)
    over = _overage(plan, current, metric)
    higher = steps[codes.index(plan.code) + 1 :]
    unit = over.metric
    head = f"{_fmt(over.over)} {unit} over {plan.code}'s {_fmt(over.included)}"
    zero = Money(plan.rounding.round_amount(_ZERO, plan.currency), plan.currency)
    if over.over < limit or over.over == 0:
        reason = f"{head}: below the threshold of {_fmt(limit)}"
        if over.over == 0:
            reason = f"{_fmt(over.used)} {unit} within {plan.code}'s {_fmt(over.included)}"
        return AutoUpgrade(
            original=plan,
            billed=plan,
            quote=current,
            original_quote=current,
            upgraded=False,
            overage=over,
            threshold=limit,
            saved=zero,
            reason=reason,
            comparison=None,
        )
    head = f"{head} reached the threshold of {_fmt(limit)}"
    if not higher:
        return AutoUpgrade(
            original=plan,
            billed=plan,
            quote=current,
            original_quote=current,
            upgraded=False,
            overage=over,
            threshold=limit,
            saved=zero,
            reason=f"{head}; no higher plan in the ladder",
            comparison=None,
        )
    quotes = (current, *(quote(p, usage, period) for p in higher))
    amounts = tuple(q.total.amount for q in quotes)
    best_higher = quotes[1 + _lowest(amounts[1:])]
    comparison = PlanComparison(
        plans=(plan, *higher),
        usage=_frozen_usage(usage),
        period=period,
        amounts=amounts,
        index=_lowest(amounts),
    )
    if best_higher.total.amount < current.total.amount:
        return AutoUpgrade(
            original=plan,
            billed=best_higher.plan,
            quote=best_higher,
            original_quote=current,
            upgraded=True,
            overage=over,
            threshold=limit,
            saved=current.total - best_higher.total,
            reason=f"{head}; {best_higher.plan.code} bills less",
            comparison=comparison,
        )
    return AutoUpgrade(
        original=plan,
        billed=plan,
        quote=current,
        original_quote=current,
        upgraded=False,
        overage=over,
        threshold=limit,
        saved=zero,
        reason=f"{head}; no higher plan bills less",
        comparison=comparison,
    )


# ---------------------------------------------------------------- upgrade advice


@attrs.frozen(kw_only=True)
class UpgradeAdvice:
    """Whether changing to ``candidate`` now costs less than staying, for this period.

    ``stay`` is what the rest of the period costs on ``current`` beyond its
    fixed fee (already paid): the overage for the projected usage.
    ``switch`` is what changing now costs instead: the new fee pro rata
    less the credit for the unused old fee, the usage so far billed on the
    old plan at once, and the remaining usage on the candidate.
    ``saving = stay - switch``; ``worth_it`` when it is above zero.
    """

    current: Plan = attrs.field(repr=lambda plan: repr(plan.code))
    candidate: Plan = attrs.field(repr=lambda plan: repr(plan.code))
    change: PlanChange = attrs.field(repr=False)
    stay: Money
    switch: Money
    saving: Money
    stay_quote: Quote = attrs.field(repr=False)
    remaining_quote: Quote = attrs.field(repr=False)

    @property
    def worth_it(self) -> bool:
        """Whether switching now saves money."""
        return self.saving.amount > 0

    def explain(self) -> str:
        """The two costs side by side."""
        c = self.change
        cur = self.current.currency.code
        credit = c.credit.amount.amount if c.credit is not None else _ZERO
        charge = c.charge.amount.amount if c.charge is not None else _ZERO
        remaining = self.switch.amount - (charge - credit) - c.usage_charge.amount
        verdict = "switch now" if self.worth_it else "stay"
        return "\n".join(
            [
                f"{self.current.code} -> {self.candidate.code} on {c.requested_on}: {verdict}",
                f"  stay: overage on {self.current.code} {_fmt(self.stay.amount)} {cur}",
                f"  switch: {_fmt(charge)} charge - {_fmt(credit)} credit"
                f" + {_fmt(c.usage_charge.amount)} usage so far"
                f" + {_fmt(remaining)} remaining usage = {_fmt(self.switch.amount)} {cur}",
                f"  saving: {_fmt(self.saving.amount)} {cur}",
            ]
        )

    def __str__(self) -> str:
        return self.explain()


def _quantities(usage: Usage, field: str) -> dict[str, Decimal]:
    if not isinstance(usage, Mapping):
        raise PricingError(field, usage, "a mapping of metric to quantity")
    out = {}
    for metric, value in usage.items():
        if isinstance(value, (list, tuple)):
            raise PricingError(
                f"{field}[{metric!r}]", value, "a quantity (advice needs totals, not events)"
            )
        where = f"{field}[{metric!r}]"
        out[metric] = checks.decimal(where, value, low=0, noun="quantity", error=PricingError)
    return out


def upgrade_advice(
    current: Plan,
    candidate: Plan,
    usage: Usage,
    period: Period,
    on: date | datetime,
    *,
    projected: Usage | None = None,
    policy: ProrationPolicy = DEFAULT_PRORATION,
) -> UpgradeAdvice:
    """Is moving from ``current`` to ``candidate`` on ``on`` cheaper than paying the overage?

    ``usage`` is the usage so far in ``period`` (the current plan's billing
    period, one whole cycle, whose fixed fee was paid in advance);
    ``projected`` the usage expected for the whole period (default: none
    beyond what is used so far). The switch is priced as
    :func:`~billkit.pricing.change_plan` does it, keeping the anchor: the
    usage so far stays billed on the current plan, the rest of the projected
    usage goes on the candidate with its whole allowance (allowances are not
    prorated). Both plans must share a billing cycle, so both costs cover the
    same days.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> eur = lambda amount: Money(amount, "EUR")
    >>> growth = Plan(code="growth", name="Growth", currency="EUR", base_fee=eur("99.00"),
    ...               charges=[overage_charge("blocks", "contacts", included=1000,
    ...                                       price=eur("20.00"), block=100)])
    >>> advanced = Plan(code="advanced", name="Advanced", currency="EUR", base_fee=eur("189.00"),
    ...                 charges=[overage_charge("blocks", "contacts", included=3000,
    ...                                         price=eur("15.00"), block=100)])
    >>> advice = upgrade_advice(growth, advanced, {"contacts": 1200},
    ...                         Period(date(2026, 4, 1), date(2026, 5, 1)), date(2026, 4, 11),
    ...                         projected={"contacts": 2800})
    >>> print(advice)
    growth -> advanced on 2026-04-11: switch now
      stay: overage on growth 360.00 EUR
      switch: 126.00 charge - 66.00 credit + 40.00 usage so far + 0.00 remaining usage = 100.00 EUR
      saving: 260.00 EUR
    """
    current = checks.instance("current", current, Plan, error=PricingError)
    candidate = checks.instance("candidate", candidate, Plan, error=PricingError)
    if candidate.cycle != current.cycle:
        raise PricingError(
            "candidate.cycle",
            str(candidate.cycle),
            f"{current.cycle}, the current plan's cycle: advice compares the same days",
        )
    so_far = _quantities(usage, "usage")
    expected = dict(so_far) if projected is None else _quantities(projected, "projected")
    remaining: dict[str, Decimal] = {}
    for metric in sorted(set(so_far) | set(expected)):
        before = so_far.get(metric, _ZERO)
        after = expected.get(metric, _ZERO)
        if after < before:
            raise PricingError(
                f"projected[{metric!r}]",
                after,
                f"at least the usage so far ({_fmt(before)})",
            )
        if after > before:
            with decimal.localcontext(CONTEXT):
                remaining[metric] = after - before
    change = change_plan(
        current,
        candidate,
        period=period,
        on=on,
        timing=ChangeTiming.IMMEDIATELY_KEEP_ANCHOR,
        usage=so_far,
        policy=policy,
    )
    stay_quote = quote(current, expected, period)
    stay = stay_quote.total - fixed_fee(current, period)
    assert change.new_period is not None
    assert change.charge is not None
    assert change.credit is not None
    remaining_quote = quote(candidate, remaining, change.new_period)
    later = remaining_quote.total - fixed_fee(candidate, change.new_period)
    switch = change.charge.amount - change.credit.amount + change.usage_charge + later
    return UpgradeAdvice(
        current=current,
        candidate=candidate,
        change=change,
        stay=stay,
        switch=switch,
        saving=stay - switch,
        stay_quote=stay_quote,
        remaining_quote=remaining_quote,
    )
