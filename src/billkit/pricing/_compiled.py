"""A plan compiled once into quote()'s fast path (private; issue 10).

:class:`CompiledPlan` is derived purely from a :class:`~billkit.pricing.Plan`:
the base fee already rounded, the plan's quantum and rounding context, and one
:class:`_ChargeSpec` per charge holding what pricing it needs (the charge's
code, label, metric and included units, and the model's exact amount as a
closure over its plain Decimal prices and tier table, the same operations as
the model's ``_amount``). A plan compiles on its first quote and keeps the result in one
named place, ``Plan._compiled`` (a cached property: a frozen plan never
changes, so neither does its compiled form).

:meth:`CompiledPlan.total` prices the usual usage (quantities for flat, per
unit, graduated, volume, package, graduated-percentage and total-only
percentage charges, and ``PercentOf`` lines) with the same Decimal operations,
in the same order and context, as the general path in
:mod:`billkit.pricing.quote`; for anything rarer (a :class:`Capacity`,
:class:`Prorated` or per-event :class:`Percentage` charge anywhere in the
plan, event lists, :class:`Presence` values, quantities that need converting
or are refused) it returns ``None`` and quote() takes the general path, which also names every
error. ``tests/pricing/test_compiled.py`` checks that both paths give the same
quote on generated plans and usage.

The fast path computes the total only. A quote keeps a copy of the usage and
prices its lines with the general path when they are first read, as
:class:`LineFigures` (a named tuple) turned into explained
:class:`~billkit.pricing.QuoteLine` values: quoting stays fast when nobody
reads the lines, and the lines are exactly the general path's.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Final, NamedTuple, cast

from moneyed import Currency

# plans.py imports this module last (for Plan._compiled): its names are read when
# a plan compiles, not at import.
import billkit.pricing.plans as _plans
from billkit.money import _FINEST, RANGE_CHECK, local_context
from billkit.pricing.models import (
    AnyModel,
    Capacity,
    Flat,
    Graduated,
    Package,
    Percentage,
    PerUnit,
    Prorated,
    Volume,
)

if TYPE_CHECKING:
    from billkit.periods import Period
    from billkit.pricing.plans import Charge, PercentOf, Plan

__all__ = ["CompiledPlan", "LineFigures"]

_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)
_CEILING: Final = decimal.ROUND_CEILING


class LineFigures(NamedTuple):
    """One line of a quote as computed, before it is explained (a QuoteLine)."""

    code: str
    description: str
    kind: str
    metric: str | None
    quantity: Decimal
    included: Decimal
    billable: Decimal
    amount: Decimal
    """The rounded amount."""
    exact: Decimal
    """The amount before rounding."""
    source: AnyModel | PercentOf | None
    """The price model or PercentOf charge; ``None`` for the base fee."""
    events: tuple[Decimal, ...] | None


class _ChargeSpec(NamedTuple):
    """One charge of a plan, prepared for the fast path."""

    code: str
    label: str
    metric: str | None
    """``None`` for a PercentOf line."""
    source: AnyModel | PercentOf
    included: Decimal
    amount_of: Callable[[Decimal], Decimal] | None
    """The model's exact amount for billable units (``None``: a PercentOf line)."""
    general_only: bool
    """Priced only by the general path (Capacity, Prorated, per-event Percentage)."""


def _amount_of(model: AnyModel) -> Callable[[Decimal], Decimal]:
    """``model._amount`` as a closure over the model's plain Decimals, for the
    common models: the same operations in the same order (so the same Decimal,
    exponent included), with fewer lookups and no keyword arguments."""
    if isinstance(model, Flat):
        fixed = model.amount.amount
        return lambda q: fixed
    if isinstance(model, PerUnit):
        unit_price = model.unit_price.amount
        return lambda q: q * unit_price
    if isinstance(model, Package):
        size, price, free = model.size, model.price_per_package.amount, model.included
        none = _ZERO * price

        def package(q: Decimal) -> Decimal:
            billable = q - free
            if billable <= 0:
                return none
            return (billable / size).to_integral_value(_CEILING) * price

        return package
    if isinstance(model, Graduated) and not model._has_blocks:
        table = model._table
        at_zero = table[0][3] if model.flat_fee_at_zero else _ZERO

        def graduated(q: Decimal) -> Decimal:
            if q == 0:
                return at_zero
            total = _ZERO
            for lower, upper, price, fee in table:
                if q <= lower:
                    break
                total += ((q if upper is None or q < upper else upper) - lower) * price + fee
            return total

        return graduated
    if isinstance(model, Volume) and not model._has_blocks:
        rows = model._table
        fee_at_zero = model.flat_fee_at_zero

        def volume(q: Decimal) -> Decimal:
            if q == 0 and not fee_at_zero:
                return _ZERO
            for _, upper, price, fee in rows:
                if upper is None or q <= upper:
                    return q * price + fee
            raise AssertionError("the last tier is unbounded")  # pragma: no cover

        return volume
    return model._amount


def _spec(charge: Charge | PercentOf) -> _ChargeSpec:
    if isinstance(charge, _plans.PercentOf):
        return _ChargeSpec(charge.code, charge.label, None, charge, _ZERO, None, False)
    model = charge.model
    general_only = isinstance(model, (Capacity, Prorated)) or (
        isinstance(model, Percentage) and model._per_event_terms
    )
    return _ChargeSpec(
        charge.code,
        charge.label,
        charge.metric,
        model,
        charge.included,
        _amount_of(model),
        general_only,
    )


class CompiledPlan:
    """A plan prepared for quoting many usages: see the module docstring."""

    __slots__ = (
        "_last_period",
        "base",
        "context",
        "currency",
        "general_only",
        "has_percent_of",
        "metrics",
        "plan",
        "quantum",
        "specs",
    )

    def __init__(self, plan: Plan) -> None:
        self.plan: Final = plan
        self.currency: Final[Currency] = plan.currency
        self.quantum: Final[Decimal] = plan._quantum
        self.context: Final[decimal.Context] = plan._context
        self.metrics: Final[frozenset[str]] = plan.metrics
        base: Decimal | None = None
        if plan.base_fee is not None:
            with local_context(self.context):
                base = plan.base_fee.amount.quantize(self.quantum)
        self.base: Final = base
        """The base fee rounded (``None``: no base fee)."""
        self.specs: Final = tuple(_spec(c) for c in plan.charges)
        self.general_only: Final = any(s.general_only for s in self.specs)
        self.has_percent_of: Final = any(s.amount_of is None for s in self.specs)
        # The last period found to be one whole cycle of the plan (most runs quote
        # one period many times): the same answer as plan._is_whole, sooner.
        self._last_period: Period | None = None

    def is_whole(self, period: Period) -> bool:
        """Whether ``period`` is one whole cycle of the plan."""
        if period is self._last_period:
            return True
        whole = self.plan._is_whole(period)
        if whole:
            self._last_period = period  # one reference, replaced whole: safe across threads
        return whole

    def total(self, usage: Mapping[str, object]) -> Decimal | None:
        """The total of a quote of ``usage`` (already checked against the plan's
        metrics): the sum of each line rounded once, or ``None`` when the general
        path must price it."""
        if self.general_only:
            return None
        # billkit's own context with the plan's rounding, so quantize() rounds by
        # the policy: a local copy for this call only (as in the general path).
        with local_context(self.context):
            return self.total_in_context(usage)

    def total_in_context(
        self, usage: Mapping[str, object], *, checked: bool = False
    ) -> Decimal | None:
        """:meth:`total`, in a ``local_context(self.context)`` the caller entered
        (one context for many plans with the same rounding). ``checked``: every
        value of ``usage`` is a Decimal :func:`~billkit.money.in_range` and not
        negative (checked once for many plans)."""
        if self.general_only:
            return None
        get = usage.get
        quantum = self.quantum
        total = _ZERO
        rounded: dict[str, Decimal] | None = {} if self.has_percent_of else None
        if self.base is not None:
            total = self.base
            if rounded is not None:
                rounded[_plans.BASE_FEE_CODE] = total
        for code, _, metric, source, included, amount_of, _ in self.specs:
            if amount_of is None:  # a PercentOf line
                assert isinstance(source, _plans.PercentOf)
                assert rounded is not None
                base = _ZERO
                for ref in source.of:
                    base += rounded[ref]
                amount = (base * source.rate).quantize(quantum)
            else:
                q = cast("Decimal", get(metric, _ZERO))  # type: ignore[arg-type]
                if not checked:
                    if type(q) is not Decimal or not q.is_finite() or q < 0:
                        return None  # converted, or refused, by the general path
                    try:
                        q.quantize(_FINEST, None, RANGE_CHECK)  # billkit's range (money.py)
                    except decimal.DecimalException:
                        return None
                amount = amount_of(q - included if q > included else _ZERO).quantize(quantum)
            if rounded is not None:
                rounded[code] = amount
            total += amount
        return total
