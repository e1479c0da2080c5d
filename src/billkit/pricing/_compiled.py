"""A plan compiled once into quote()'s fast path (private; issue 10).

:class:`CompiledPlan` is derived purely from a :class:`~billkit.pricing.Plan`:
the base fee already rounded, the plan's quantum and rounding context, and one
:class:`_ChargeSpec` per charge holding what pricing it needs. A plan compiles
on its first quote and keeps the result in one named place, ``Plan._compiled``
(a cached property: a frozen plan never changes, so neither does its compiled
form). Every number a compiled plan holds was checked by the plan's own
constructors; nothing here builds a value around its constructor.

Three things are compiled, each proven equal to the general path
(``quote._general`` and the models' ``explain``) by
``tests/pricing/test_compiled.py`` on generated plans and usage:

* :meth:`CompiledPlan.total` (quote(); :func:`compiled_totals` for
  cheapest_plan()): the total only. For a plan without PercentOf lines it is
  one function generated when the plan compiles (:func:`_total_of`, with and
  without the quantities' checks): per metered charge, statements over plain
  Decimals bound as names that take the reported quantity, included units
  folded into the tier bounds, and give a number *equal* to the model's exact
  amount (the tiers below the quantity's and the fees summed once, when the
  plan compiles), rounded once, as the general path rounds it. The code is
  made of fixed text and generated names only, never of a plan's own text.
  Every operation names the plan's rounding context (``q.fma(price, c, C)``,
  ``a.quantize(quantum, None, C)``), whose 80 digits keep every sum and
  product of numbers in billkit's range exact (money.py), so equal numbers
  round alike, no context is entered and the thread's is never read.
  :attr:`CompiledPlan.fast_quote` is quote()'s whole fast path generated the
  same way: the quantities checked once, the total, and the Quote. A whole
  quantity in exponent 0 (the usual count) is checked by one cheaper test
  (``q.same_quantum(ONE, C) and q < LIMIT``: finite, no decimal places, below
  10**18; its negatives refused in the branch they fall in), and its amount,
  whose exponent is then known when the plan compiles, is not rounded again
  where that exponent is already the quantum's (quantize would keep it digit
  for digit); constant amounts are rounded once, when the plan compiles.
* :meth:`CompiledPlan.figures` (a quote's lines, when first read): each line's
  :class:`LineFigures`, with the exact amount computed by the same Decimal
  operations, in the same order, as the model's ``_amount`` (so the same
  Decimal, exponent included).
* :func:`breakdown` (a line's steps, when first read): ``model.explain`` for
  the common models, from a line's figures.
* :func:`explained_quote` / :func:`explained_lines` (a quote's lines, when
  first read): the figures and the explained lines, their breakdowns made
  along (``model.explain`` for the common models, from the line's figures).
  Per charge, an explainer (:func:`_explainer`) gives the exact amount and
  the breakdown, and one helper (:func:`_line_of`) ends every model: the
  rounded amount, the figures and the QuoteLine. A graduated model's steps
  for the tiers used whole are made once per plan and shared (values are
  immutable), as are its sums of the tiers below (:func:`_graduated_rows`);
  an exact amount already in the quantum's exponent is the line's amount
  too (one Money).

Values billkit computed here (a Quote, its lines, steps and breakdowns) are
filled by :func:`filler`: the trusted construction, refused for any class
whose constructor would do more than store the values.

For anything rarer (a :class:`Capacity`, :class:`Prorated` or per-event
:class:`Percentage` charge anywhere in the plan, event lists,
:class:`Presence` values, quantities that need converting or are refused) the
total and the figures are ``None`` and quote() takes the general path, which
also names every error.
"""

from __future__ import annotations

import decimal
import importlib
import types
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Final, NamedTuple, TypeVar, cast

import attrs
from moneyed import Currency, Money

# plans.py imports this module last (for Plan._compiled): its names are read when
# a plan compiles, not at import.
import billkit.pricing.plans as _plans
from billkit.money import _FINEST, CONTEXT, LIMIT, RANGE_CHECK, local_context
from billkit.pricing.models import (
    AnyModel,
    Breakdown,
    Capacity,
    Flat,
    Graduated,
    Package,
    Percentage,
    PerUnit,
    Prorated,
    Step,
    Volume,
)

if TYPE_CHECKING:
    from billkit.periods import Period
    from billkit.pricing.plans import Charge, PercentOf, Plan

__all__ = ["CompiledPlan", "LineFigures", "breakdown", "compiled_totals", "totals_in_context"]

_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)
_CEILING: Final = decimal.ROUND_CEILING
_Amount = Callable[[Decimal], Decimal]
_T = TypeVar("_T")


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
    amount_of: _Amount | None
    """The model's exact amount for billable units (``None``: a PercentOf line)."""
    value_of: _Amount | None
    """For the reported quantity: a number equal to the model's exact amount for
    the billable units (``None``: a PercentOf line)."""
    general_only: bool
    """Priced only by the general path (Capacity, Prorated, per-event Percentage)."""


def _amount_of(model: AnyModel) -> _Amount:
    """``model._amount`` as a closure over the model's plain Decimals, for the
    common models: the same operations in the same order (so the same Decimal,
    exponent included), with fewer lookups and no keyword arguments; a graduated
    model's sum of the tiers below the quantity's done once
    (:func:`_graduated_rows`)."""
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
        tiers = _graduated_rows(model)
        at_zero = model._table[0][3] if model.flat_fee_at_zero else _ZERO

        def graduated(q: Decimal) -> Decimal:
            if q == 0:
                return at_zero
            for lower, upper, price, fee, before, after in tiers:
                if upper is None or q < upper:  # the tier q ends in
                    return before + ((q - lower) * price + fee)
                if q == upper:  # used whole
                    return after
            raise AssertionError("the last tier is unbounded")  # pragma: no cover

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


def _exponent(value: Decimal) -> int:
    """The exponent of a finite Decimal (``Decimal('1.50')``: -2)."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return exponent


class _Rounding(NamedTuple):
    """How :func:`_value_code` rounds the amount it computes (``None``: it does not)."""

    quantum: Decimal
    context: decimal.Context
    whole: bool
    """The quantity ``q`` is known to be a whole number in exponent 0 (checked by
    ``q.same_quantum(ONE, C)``): an amount computed in the quantum's exponent is
    then rounded already, and is not rounded again."""


def _value_code(
    model: AnyModel,
    free: Decimal,
    n: int,
    names: dict[str, object],
    explicit: bool = True,
    rounding: _Rounding | None = None,
) -> list[str]:
    """Python statements that set ``a`` to a number equal to ``model._amount(billable)``
    for a reported quantity ``q``, with ``billable = q - free if q > free else 0``;
    with ``rounding``, statements that set ``r`` to that number rounded to the
    plan's quantum instead (``a.quantize(quantum)``, the same Decimal).

    The constants the statements read are put in ``names`` under names ending in
    ``_n`` (the charge's position); the statements are made of those names and
    fixed text only, never of a plan's own text. Tiers are found by the
    reported quantity (bounds shifted by ``free``), and ``billable x price + fee``
    is ``q x price + (fee - free x price)``, the constants summed once, here,
    in billkit's :data:`CONTEXT`.

    Every operation names its context: ``C``, the plan's rounding context
    (80 digits), bound by the function's scope, never the thread's; so the code
    runs without entering a context. In 80 digits these sums and products of
    numbers in range are exact: equal to the model's amount, though not always
    in the same exponent (rounding makes that difference vanish). A model the
    statements do not spell out is priced by its own ``_amount`` in a local
    copy of ``C``.

    Rounding: an amount that is a constant (a tier's fees at zero, a flat
    amount, nothing to bill) is rounded here, once, in the plan's context. For
    a whole ``q`` (``rounding.whole``) an amount computed exactly is the sum or
    product of ``q`` (exponent 0) and constants: its exponent is known here, and
    when it is the quantum's, the amount is its own rounding (quantize keeps
    such a number digit for digit) and is not rounded again. The negative
    quantities a whole ``q`` may still be are refused (``None``) in the branch
    they fall in: the lowest (``q <= free``).

    Without ``explicit``, the same statements with plain operators, for a
    caller that runs them in a local copy of ``C`` it entered once for many
    plans (cheapest_plan: one context for twenty plans costs less than naming
    it in every operation)."""
    names[f"free_{n}"] = free
    whole = rounding is not None and rounding.whole
    refuse_negative = ["    if q < ZERO:", "        return None"] if whole else []

    def amount(expression: str, exponent: int | None) -> str:
        """The amount computed by ``expression``, whose exponent for a whole ``q``
        is ``exponent`` (``None``: unknown), rounded as asked."""
        if rounding is None:
            return f"a = {expression}"
        if whole and exponent == _exponent(rounding.quantum):
            return f"r = {expression}"  # in the quantum's exponent: rounded already
        quantized = "quantize(quantum, None, C)" if explicit else "quantize(quantum)"
        return f"r = ({expression}).{quantized}"

    def constant(name: str, value: Decimal) -> str:
        """A constant amount (rounded here, once, when asked)."""
        if rounding is None:
            names[name] = value
            return f"a = {name}"
        names[f"{name}_rounded"] = value.quantize(rounding.quantum, None, rounding.context)
        return f"r = {name}_rounded"

    with decimal.localcontext(CONTEXT):
        if isinstance(model, Flat):
            code = ["if q < ZERO:", "    return None"] if whole else []
            return [*code, constant(f"fixed_{n}", model.amount.amount)]
        if isinstance(model, PerUnit):
            price = model.unit_price.amount
            names[f"price_{n}"] = price
            offset = names[f"offset_{n}"] = -(free * price)
            exponent: int | None
            if not offset:  # q x price + 0 is q x price (a +0: no sign to keep)
                value = f"MUL(q, price_{n})" if explicit else f"q * price_{n}"
                exponent = _exponent(price)
            else:
                value = (
                    f"q.fma(price_{n}, offset_{n}, C)"
                    if explicit
                    else f"q * price_{n} + offset_{n}"
                )
                exponent = min(_exponent(price), _exponent(offset))
            return [
                f"if q > free_{n}:",
                f"    {amount(value, exponent)}",
                "else:",
                *refuse_negative,
                f"    {constant(f'nothing_{n}', _ZERO)}",
            ]
        if isinstance(model, Package):
            start = names[f"start_{n}"] = free + model.included  # billable - included
            size = names[f"size_{n}"] = model.size
            names[f"price_{n}"] = model.price_per_package.amount
            # q - 0 is q (the quotient's exponent may differ: rounding erases it)
            if explicit:
                over = f"SUB(q, start_{n})" if start else "q"
                packages = f"DIV({over}, size_{n}).to_integral_value(CEILING, C)"
                value = f"MUL({packages}, price_{n})"
            else:
                over = f"(q - start_{n})" if start else "q"
                value = f"({over} / size_{n}).to_integral_value(CEILING) * price_{n}"
            # For a whole q, over has an exponent of 0 or less, so with a size in
            # exponent 0 or more the quotient's is 0 or less, and the packages
            # (a whole number) are in exponent 0: the amount is in the price's.
            exponent = _exponent(model.price_per_package.amount) if _exponent(size) >= 0 else None
            return [
                f"if q <= start_{n}:",
                *refuse_negative,
                f"    {constant(f'nothing_{n}', _ZERO)}",
                "else:",
                f"    {amount(value, exponent)}",
            ]
        if isinstance(model, (Graduated, Volume)) and not model._has_blocks:
            table = model._table
            at_zero = table[0][3] if model.flat_fee_at_zero else _ZERO
            code = [
                f"if q <= free_{n}:",
                *refuse_negative,
                f"    {constant(f'at_zero_{n}', at_zero)}",
            ]
            below = _ZERO  # graduated: the whole tiers below, with their fees
            for i, (lower, upper, price, fee) in enumerate(table):
                if isinstance(model, Graduated):
                    constant_value = below + fee - (lower + free) * price
                    if upper is not None:
                        below += (upper - lower) * price + fee
                else:
                    constant_value = fee - free * price
                names[f"price_{n}_{i}"] = price
                names[f"constant_{n}_{i}"] = constant_value
                if upper is None:
                    code.append("else:")
                else:
                    names[f"top_{n}_{i}"] = upper + free
                    code.append(f"elif q <= top_{n}_{i}:")
                if constant_value:
                    value = (
                        f"q.fma(price_{n}_{i}, constant_{n}_{i}, C)"
                        if explicit
                        else f"q * price_{n}_{i} + constant_{n}_{i}"
                    )
                    exponent = min(_exponent(price), _exponent(constant_value))
                else:
                    value = f"MUL(q, price_{n}_{i})" if explicit else f"q * price_{n}_{i}"
                    exponent = _exponent(price)
                code.append(f"    {amount(value, exponent)}")
            return code
    names[f"amount_{n}"] = model._amount
    value = f"amount_{n}(q - free_{n} if q > free_{n} else ZERO)"
    code = ["if q < ZERO:", "    return None"] if whole else []
    if not explicit:
        return [*code, amount(value, None)]
    if rounding is None:
        return [*code, "with LOCAL(C):", f"    a = {value}"]
    return [*code, "with LOCAL(C):", f"    a = {value}", amount("a", None)]


def _function(
    name: str, code: list[str], names: dict[str, object], context: decimal.Context = CONTEXT
) -> Callable[..., Decimal | None]:
    """The function ``name`` defined by ``code`` over ``names`` (and the few
    constants every compiled function reads), its arithmetic in ``context``."""
    scope: dict[str, object] = {
        "C": context,
        "ADD": context.add,
        "SUB": context.subtract,
        "MUL": context.multiply,
        "DIV": context.divide,
        "LOCAL": decimal.localcontext,
        "ZERO": _ZERO,
        "CEILING": _CEILING,
        "Decimal": Decimal,
        "DecimalException": decimal.DecimalException,
        "FINEST": _FINEST,
        "RANGE_CHECK": RANGE_CHECK,
        "ONE": _ONE,
        "LIMIT": LIMIT,
        **names,
    }
    exec(compile("\n".join(code), f"<billkit compiled {name}>", "exec"), scope)
    return cast("Callable[..., Decimal | None]", scope[name])


def _indent(code: list[str], by: int = 1) -> list[str]:
    return ["    " * by + line for line in code]


def _value_of(model: AnyModel, free: Decimal, context: decimal.Context) -> _Amount:
    """:func:`_value_code` as a function of the reported quantity."""
    names: dict[str, object] = {}
    code = ["def value_of(q):", *_indent(_value_code(model, free, 0, names)), "    return a"]
    return cast("_Amount", _function("value_of", code, names, context))


_CHECK: Final = [
    "try:",
    "    q.quantize(FINEST, None, RANGE_CHECK)",  # billkit's range (money.py)
    # A quiet NaN passes quantize; it is refused before any comparison (which
    # would signal in the thread's context, not billkit's).
    "    if q.is_nan() or q < ZERO:",
    "        return None",
    "except DecimalException:",
    "    return None",
]
"""The range check of a Decimal ``q`` (:func:`_accepted`, inline)."""

_Total = Callable[[Mapping[str, object]], "Decimal | None"]
_QuoteOf = Callable[[Mapping[str, object], "Period"], object]


def _total_of(
    start: Decimal,
    quantum: Decimal,
    context: decimal.Context,
    metered: list[tuple[str, AnyModel, Decimal]],
    *,
    checks: bool,
    made: Mapping[str, object] | None = None,
) -> _Total:
    """The total of a plan without PercentOf lines, as one function of the usage,
    ``total(usage)``: ``None`` when a quantity needs the general path. Without
    ``checks``, for usage whose every value is already known to be a Decimal in
    range and not negative (see :meth:`CompiledPlan.total_in_context`), run in
    a local copy of ``context`` the caller entered (plain operators).

    With ``checks``, the function checks the usage once, at the boundary (each
    quantity a Decimal in billkit's range, not negative, as the general path
    accepts it), and computes in ``context`` (the plan's rounding, 80 digits)
    named by every operation, so it needs no context entered and ignores the
    thread's.

    ``made``: the function is quote()'s whole fast path instead,
    ``total(usage, period)``, returning the Quote (``made["FILL"]``, the
    Quote's trusted filler, with ``made["PLAN"]`` and the usage's copy) rather
    than its total. It takes a usage that reports every metric of the plan and
    no other (as many keys as the plan has metrics, each one found), and leaves
    any other usage to quote()'s careful path (``None``), which refuses an
    unknown metric and counts a missing one as zero."""
    names: dict[str, object] = {"start": start, "quantum": quantum, **(made or {})}
    if made:
        names["COUNT"] = len({metric for metric, _, _ in metered})
        code = [
            "def total(usage, period):",
            "    if len(usage) != COUNT:",
            "        return None",
        ]
    else:
        code = ["def total(usage):"]
    code += ["    get = usage.get", "    total = start"]
    for n, (metric, model, free) in enumerate(metered):
        names[f"metric_{n}"] = metric
        # quote()'s: a missing metric (None) is left to the careful path
        code.append(f"    q = get(metric_{n})" if made else f"    q = get(metric_{n}, ZERO)")
        if checks:
            whole = _Rounding(quantum, context, whole=True)
            other = _Rounding(quantum, context, whole=False)
            code += _indent(
                [
                    "if type(q) is not Decimal:",
                    "    return None",  # converted, or refused, by the general path
                    # A whole number in exponent 0 below 10**18 is finite and in
                    # billkit's range (no decimal places, at most 18 digits): one
                    # cheaper check (no NaN reaches the comparison); its negatives
                    # are refused where they fall (_value_code).
                    "if q.same_quantum(ONE, C) and q < LIMIT:",
                    *_indent(_value_code(model, free, n, names, True, whole)),
                    "else:",
                    *_indent(_CHECK),
                    *_indent(_value_code(model, free, n, names, True, other)),
                    "total = ADD(total, r)",
                ]
            )
        else:
            rounding = _Rounding(quantum, context, whole=False)
            code += _indent([*_value_code(model, free, n, names, False, rounding), "total += r"])
    if made:
        code += [
            # at 10**18 or more: quote()'s careful path refuses it (_within_range)
            "    if total >= LIMIT:",
            "        return None",
            "    return FILL(PLAN, period, MONEY(total, CURRENCY), usage.copy(), None)",
        ]
    else:
        code.append("    return total")
    return cast("_Total", _function("total", code, names, context))


def _spec(charge: Charge | PercentOf, context: decimal.Context) -> _ChargeSpec:
    if isinstance(charge, _plans.PercentOf):
        return _ChargeSpec(charge.code, charge.label, None, charge, _ZERO, None, None, False)
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
        None if general_only else _value_of(model, charge.included, context),
        general_only,
    )


def _quoting() -> types.ModuleType:
    """billkit.pricing.quote (it imports this module: read when a plan compiles;
    the package's ``quote`` attribute is the function, hence import_module)."""
    return importlib.import_module("billkit.pricing.quote")


def _accepted_whole(q: object) -> bool:
    """Whether ``q`` is a whole-number Decimal in exponent 0, below 10**18 and not
    negative: accepted (:func:`_accepted`), by a cheaper check (no NaN reaches
    the comparisons), as quote()'s generated fast path checks it."""
    return type(q) is Decimal and q.same_quantum(_ONE, RANGE_CHECK) and _ZERO <= q < LIMIT


def _accepted(q: object) -> bool:
    """Whether the general path takes ``q`` as it is (a Decimal in range, not negative)."""
    if type(q) is not Decimal or not q.is_finite():
        return False
    try:
        q.quantize(_FINEST, None, RANGE_CHECK)  # billkit's range (money.py)
    except decimal.DecimalException:
        return False
    return not q < 0


class CompiledPlan:
    """A plan prepared for quoting many usages: see the module docstring."""

    __slots__ = (
        "_last_period",
        "base",
        "base_line",
        "base_row",
        "context",
        "currency",
        "fast_key",
        "fast_quote",
        "fast_total",
        "fast_total_checked",
        "floor",
        "general_only",
        "has_percent_of",
        "line_makers",
        "metrics",
        "plan",
        "quantum",
        "specs",
        "start",
        "zero",
    )

    def __init__(self, plan: Plan) -> None:
        self.plan: Final = plan
        self.currency: Final[Currency] = plan.currency
        self.quantum: Final[Decimal] = plan._quantum
        self.context: Final[decimal.Context] = plan._context
        self.metrics: Final[frozenset[str]] = plan.metrics
        self.floor: Final = self.context.rounding == decimal.ROUND_FLOOR
        """Whether the plan rounds toward minus infinity (see :func:`explained_quote`)."""
        self.line_makers: tuple[tuple[str, _LineOf], ...] | None = None
        """Per metered charge, its metric and its explained line's maker
        (:func:`explained_quote`), prepared when a quote's lines are first read."""
        self.zero: Final = Money(_ZERO, self.currency)
        """Zero in the plan's currency, shared by the lines' steps (immutable)."""
        base: Decimal | None = None
        base_row: LineFigures | None = None
        if plan.base_fee is not None:
            exact = plan.base_fee.amount
            with local_context(self.context):
                base = exact.quantize(self.quantum)
            base_row = LineFigures(
                _plans.BASE_FEE_CODE,
                plan.name,
                "base",
                None,
                _ONE,
                _ZERO,
                _ONE,
                base,
                exact,
                None,
                None,
            )
        self.base: Final = base
        """The base fee rounded (``None``: no base fee)."""
        self.base_row: Final = base_row
        """The base fee's line figures, the same for every quote of the plan."""
        self.base_line: object = None
        """The base fee's QuoteLine, made by quote.py when first read (immutable,
        so shared by every quote of the plan)."""
        self.start: Final = _ZERO if base is None else base
        self.specs: Final = tuple(_spec(c, self.context) for c in plan.charges)
        self.general_only: Final = any(s.general_only for s in self.specs)
        self.has_percent_of: Final = any(s.amount_of is None for s in self.specs)
        # The total as one generated function, for the common plan without
        # PercentOf lines, with and without checking the quantities (see
        # total_in_context).
        fast = not (self.general_only or self.has_percent_of)
        metered = [(s.metric, s.source, s.included) for s in self.specs]
        self.fast_total: Final = (
            _total_of(self.start, self.quantum, self.context, metered, checks=True)  # type: ignore[arg-type]
            if fast
            else None
        )
        self.fast_total_checked: Final = (
            _total_of(self.start, self.quantum, self.context, metered, checks=False)  # type: ignore[arg-type]
            if fast
            else None
        )
        # quote()'s whole fast path: the checked total, then the Quote filled
        # (quote.py's trusted filler: every field is billkit's own).
        self.fast_quote: Final[_QuoteOf | None] = (
            cast(
                "_QuoteOf",
                _total_of(
                    self.start,
                    self.quantum,
                    self.context,
                    metered,  # type: ignore[arg-type]
                    checks=True,
                    made={
                        "FILL": _quoting()._QUOTE,
                        "PLAN": plan,
                        "MONEY": Money,
                        "CURRENCY": self.currency,
                    },
                ),
            )
            if fast
            else None
        )
        """``fast_quote(usage, period)``: the Quote of ``usage`` (a dict holding only
        the plan's metrics, for a period known to be one whole cycle), or ``None``
        when a quantity needs the general path."""
        # What cheapest_plan's loop reads of each plan, in one attribute.
        self.fast_key: Final = (
            self.fast_total_checked,
            self.currency,
            self.context,
            self.metrics,
            plan.code,
        )
        # The last period found to be one whole cycle of the plan (most runs quote
        # one period many times): the same answer as plan._is_whole, sooner.
        self._last_period: Period | None = None

    def base_quote_line(self, fill: Callable[..., object]) -> object:
        """The base fee's QuoteLine (made by ``fill`` from its fields the first
        time), shared by every quote of the plan: immutable."""
        line = self.base_line
        if line is None:
            row = self.base_row
            assert row is not None
            exact = Money(row.exact, self.currency)
            amount = Money(row.amount, self.currency)
            line = self.base_line = fill(*row[:7], exact, amount, exact, None, None)
        return line

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
        with decimal.localcontext(self.context):
            return self.total_in_context(usage)

    def total_in_context(
        self, usage: Mapping[str, object], *, checked: bool = False
    ) -> Decimal | None:
        """:meth:`total`, in a ``local_context(self.context)`` the caller entered
        (one context for many plans with the same rounding). ``checked``: every
        value of ``usage`` is a Decimal :func:`~billkit.money.in_range` and not
        negative (checked once for many plans)."""
        fast = self.fast_total_checked if checked else self.fast_total
        if fast is None:
            return None if self.general_only else self._total_with_percent_of(usage, checked)
        return fast(usage)

    def _total_with_percent_of(self, usage: Mapping[str, object], checked: bool) -> Decimal | None:
        quantum = self.quantum
        total = self.start
        rounded: dict[str, Decimal] = {}
        if self.base is not None:
            rounded[_plans.BASE_FEE_CODE] = total
        for code, _, metric, source, _, _, value_of, _ in self.specs:
            if value_of is None:  # a PercentOf line
                assert isinstance(source, _plans.PercentOf)
                base = _ZERO
                for ref in source.of:
                    base += rounded[ref]
                amount = (base * source.rate).quantize(quantum)
            else:
                q = usage.get(metric, _ZERO)  # type: ignore[arg-type]
                if not checked and not _accepted(q):
                    return None
                amount = value_of(q).quantize(quantum)  # type: ignore[arg-type]
            rounded[code] = amount
            total += amount
        return total

    def figures(self, usage: Mapping[str, object]) -> tuple[LineFigures, ...] | None:
        """The lines of a quote of ``usage`` as the general path computes them (the
        same Decimals, exponents included), or ``None`` when the general path
        must price it (as for :meth:`total`)."""
        if self.general_only:
            return None
        quantum = self.quantum
        get = usage.get
        new = tuple.__new__
        rows: list[LineFigures] = []
        # The rounded lines, for PercentOf lines to refer to (only when there are).
        rounded: dict[str, Decimal] | None = {} if self.has_percent_of else None
        if self.base_row is not None:
            rows.append(self.base_row)
            if rounded is not None:
                rounded[_plans.BASE_FEE_CODE] = self.base_row.amount
        with decimal.localcontext(self.context):
            for code, label, metric, source, included, amount_of, _, _ in self.specs:
                if amount_of is None:  # a PercentOf line
                    assert isinstance(source, _plans.PercentOf)
                    assert rounded is not None
                    base = _ZERO
                    for ref in source.of:
                        base += rounded[ref]
                    exact = base * source.rate
                    amount = exact.quantize(quantum)
                    row = LineFigures(
                        code,
                        label,
                        "percent_of",
                        None,
                        base,
                        _ZERO,
                        base,
                        amount,
                        exact,
                        source,
                        None,
                    )
                else:
                    q = get(metric, _ZERO)  # type: ignore[arg-type]
                    if not _accepted_whole(q) and not _accepted(q):
                        return None
                    assert isinstance(q, Decimal)
                    billable = q - included if q > included else _ZERO
                    exact = amount_of(billable)
                    # in the quantum's exponent, an amount is its own rounding
                    amount = exact if exact.same_quantum(quantum) else exact.quantize(quantum)
                    # A LineFigures, made as its own constructor makes it (a tuple).
                    row = new(
                        LineFigures,
                        (
                            code,
                            label,
                            "usage",
                            metric,
                            q,
                            included,
                            billable,
                            amount,
                            exact,
                            source,
                            None,
                        ),
                    )
                rows.append(row)
                if rounded is not None:
                    rounded[code] = amount
        return tuple(rows)


def totals_in_context(
    plans: Sequence[CompiledPlan], usage: Mapping[str, object], *, checked: bool
) -> list[Decimal | None]:
    """:meth:`CompiledPlan.total_in_context` for each of ``plans`` (one rounding
    context, entered by the caller), in one loop: cheapest_plan's many plans."""
    if not checked:
        return [c.total_in_context(usage) for c in plans]
    totals: list[Decimal | None] = []
    append = totals.append
    for c in plans:
        fast = c.fast_total_checked
        append(c.total_in_context(usage, checked=True) if fast is None else fast(usage))
    return totals


def compiled_totals(
    plans: Sequence[object], usage: Mapping[str, object], period: Period
) -> tuple[Decimal, ...] | None:
    """Each plan's total for ``usage`` by its generated function, in one loop:
    :func:`~billkit.pricing.cheapest_plan` in the common case. ``None`` if any
    plan needs more: cheapest_plan's own checks (Plans with one currency and
    distinct codes), quote()'s (``period`` not yet known to be one whole cycle
    of the plan, metrics of ``usage`` it does not price), another rounding
    context, or the general path.

    The caller has checked ``usage``'s values (Decimals in range, not negative)
    and entered the first plan's rounding context (every plan's: checked here)."""
    plan_class = _plans.Plan
    first = plans[0]
    if type(first) is not plan_class:
        return None
    context, currency, known = first._compiled.context, first.currency, first.metrics
    if not known.issuperset(usage):
        return None
    codes: set[str] = set()
    add = codes.add
    totals: list[Decimal] = []
    append = totals.append
    for plan in plans:
        if type(plan) is not plan_class:
            return None
        c = plan._compiled
        fast, plan_currency, plan_context, metrics, code = c.fast_key
        if (
            fast is None
            or plan_currency is not currency
            or plan_context is not context
            or period is not c._last_period
            # the first plan's metrics (often the same set) hold the usage's
            or (metrics != known and not metrics.issuperset(usage))
        ):
            return None
        append(fast(usage))  # type: ignore[arg-type]  # checked: never None
        add(code)
    if len(codes) != len(totals):
        return None
    return tuple(totals)


# ------------------------------------------------------------------ explanations


def breakdown(source: object, q: Decimal, exact: Money) -> Breakdown | None:
    """``source.explain(q)`` for a flat, per-unit, package, graduated or volume
    model (tiers without blocks), built from a line's figures: ``q`` is the
    line's billable quantity and ``exact`` its exact amount. The same steps,
    labels and Decimals as the model's own ``explain`` (the same operations in
    billkit's :data:`CONTEXT`). ``None`` for another model, or for a ``q`` the
    model's ``explain`` would refuse (a line loaded from saved data): the
    model then names the error."""
    kind = type(source)
    if not _accepted(q):
        return None
    currency = exact.currency
    if kind is Graduated or kind is Volume or kind is PerUnit:
        # the same steps as a trusted line's (one home: _explained), from figures
        # checked here (q accepted), in billkit's context
        with decimal.localcontext(CONTEXT):
            return _explained(source, q, exact, Money(_ZERO, currency), False)[0]
    if kind is Package:
        assert isinstance(source, Package)
        billable = CONTEXT.subtract(q, source.included)
        if billable <= 0:
            n = 0
        else:
            n = int(CONTEXT.divide(billable, source.size).to_integral_value(_CEILING, CONTEXT))
        amount = Money(CONTEXT.multiply(n, source.price_per_package.amount), currency)
        size = format(source.size, "f")
        step = Step(
            label=f"{n} package{'s' if n != 1 else ''} of {size}",
            units=Decimal(n),
            unit_price=source.price_per_package,
            flat_fee=Money(_ZERO, currency),
            amount=amount,
        )
        note = f"{format(source.included, 'f')} free units" if source.included else ""
        return Breakdown(model=source.kind, quantity=q, steps=(step,), amount=amount, note=note)
    if kind is Flat:
        assert isinstance(source, Flat)
        step = Step(
            label="flat",
            units=_ONE,
            unit_price=source.amount,
            flat_fee=Money(_ZERO, currency),
            amount=source.amount,
        )
        return Breakdown(model=source.kind, quantity=q, steps=(step,), amount=source.amount)
    return None


# ------------------------------------------------------------------ trusted values


def _slot_setter(cls: type, name: str) -> Callable[[object, object], None]:
    """The ``__set__`` of slot ``name`` of ``cls`` (or a base)."""
    for klass in cls.__mro__:
        found = klass.__dict__.get(name)
        if found is not None:
            assert isinstance(found, types.MemberDescriptorType), (cls, name)
            return cast("Callable[[object, object], None]", found.__set__)
    raise AssertionError(f"{cls.__name__} has no slot {name}")  # pragma: no cover


def filler(cls: type[_T], fields: Sequence[str], derived: Sequence[str] = ()) -> Callable[..., _T]:
    """A function ``fill(*values)`` making a ``cls`` from its ``fields`` (every
    attrs field of the frozen, slotted ``cls``, in this order) and then its
    ``derived`` cached slots (a ``functools.cached_property`` filled ahead),
    for values billkit itself computed: the trusted construction of quote()'s
    fast path, as ``invoicing/_made.py`` builds documents.

    ``cls``'s own constructor would only store the same values: this is
    refused (``TypeError``, when the filler is made) for a class with any
    converter, validator, ``__attrs_post_init__`` or a field not given, so a
    value made here equals the one the constructor makes (proven by
    ``tests/pricing/test_compiled.py``). Generated once per class from field
    names (``exec``, as attrs makes ``__init__``); each slot is set through its
    own descriptor."""
    declared = [f.name for f in attrs.fields(cls)]  # type: ignore[arg-type]
    if sorted(declared) != sorted(fields):
        raise TypeError(f"{cls.__name__}: fields {declared}, given {list(fields)}")
    for field in attrs.fields(cls):  # type: ignore[arg-type]
        if field.converter is not None or field.validator is not None:
            raise TypeError(f"{cls.__name__}.{field.name} converts or validates")
    if hasattr(cls, "__attrs_post_init__"):
        raise TypeError(f"{cls.__name__} has invariants to check")
    scope: dict[str, object] = {"_new": object.__new__, "_cls": cls}
    body = []
    every = [*fields, *derived]
    for i, name in enumerate(every):
        scope[f"_s{i}"] = _slot_setter(cls, name)
        body.append(f"    _s{i}(self, v{i})")
    source = (
        f"def fill({', '.join(f'v{i}' for i in range(len(every)))}):\n"
        "    self = _new(_cls)\n" + "\n".join(body) + "\n    return self\n"
    )
    exec(compile(source, f"<billkit filled {cls.__qualname__}>", "exec"), scope)
    return cast("Callable[..., _T]", scope["fill"])


_STEP: Final = filler(Step, ("label", "units", "unit_price", "flat_fee", "amount", "tier"))
_BREAKDOWN: Final = filler(
    Breakdown,
    ("model", "quantity", "steps", "amount", "note", "events", "charged_events", "free_events"),
)
LINE_FIELDS: Final = (
    "code",
    "description",
    "kind",
    "metric",
    "quantity",
    "included",
    "billable",
    "unit_price",
    "amount",
    "exact",
    "source",
    "events",
)
"""QuoteLine's fields, in the order quote.py's line fillers take them."""


def unit_price(source: object, billable: Decimal, exact: Money) -> Money | None:
    """A quote line's ``unit_price``: the one price every billable unit pays
    (flat, per unit, package, volume without blocks; the base fee's amount),
    else ``None``."""
    if source is None:  # the base fee: one unit at the fee
        return exact
    kind = type(source)
    if kind is PerUnit:
        return source.unit_price  # type: ignore[attr-defined, no-any-return]
    if kind is Flat:
        return source.amount  # type: ignore[attr-defined, no-any-return]
    if kind is Package:
        return source.price_per_package  # type: ignore[attr-defined, no-any-return]
    if kind is Volume:
        assert isinstance(source, Volume)
        tier = source.tiers[source._find(billable)]
        return tier.unit_price if tier.block_size is None else None  # blocks: a price per block
    return None


def _explained(
    source: object, q: Decimal, exact: Money, zero: Money, trusted: bool
) -> tuple[Breakdown | None, Money | None]:
    """A line's breakdown and unit price from its figures: :func:`breakdown`
    and :func:`unit_price`, each value filled without its constructor
    (:func:`filler`). Runs in the caller's local 80-digit context (every
    operation here is exact in it). The breakdown is ``None`` for another model
    or a ``q`` a model's ``explain`` would refuse (the line's breakdown then
    stays lazy, made by the model).

    ``trusted``: the figures are the ones :meth:`CompiledPlan.figures` computes
    (``q`` accepted, ``exact`` the model's amount by the same operations as its
    ``explain``), so where the breakdown's amount is that same Decimal
    (graduated above zero, volume, per unit) the line's ``exact`` is shared
    rather than made again. ``zero`` is the plan's zero (shared, immutable)."""
    kind = type(source)
    if kind is Graduated:
        assert isinstance(source, Graduated)
        if source._has_blocks or not (trusted or _accepted(q)):
            return None, None
        currency = exact.currency
        table, tiers, labels = source._table, source.tiers, source._labels
        at_zero = q == 0 and source.flat_fee_at_zero
        steps = []
        total = _ZERO
        for i, (lower, upper, price, fee) in enumerate(table):
            if q <= lower and not (i == 0 and at_zero):
                break
            units = (q if upper is None or q < upper else upper) - lower
            subtotal = units * price + fee
            total += subtotal
            tier = tiers[i]
            steps.append(
                _STEP(
                    labels[i],
                    units,
                    tier.unit_price,
                    tier.flat_fee,
                    Money(subtotal, currency),
                    i + 1,
                )
            )
        # Above zero, model._amount is this very sum (the same operations, in order).
        amount = exact if trusted and q else Money(total, currency)
        return _BREAKDOWN(source.kind, q, tuple(steps), amount, "", None, None, None), None
    if kind is Volume:
        assert isinstance(source, Volume)
        if source._has_blocks or not (trusted or _accepted(q)):
            return None, unit_price(source, q, exact)
        i = source._find(q)
        _, _, price, fee = source._table[i]
        tier = source.tiers[i]
        charged = bool(q) or source.flat_fee_at_zero
        # trusted: the line's exact amount is model._amount, q x price + fee (or zero)
        amount = exact if trusted else Money(q * price + fee if charged else _ZERO, exact.currency)
        step = _STEP(
            source._labels[i], q, tier.unit_price, tier.flat_fee if charged else zero, amount, i + 1
        )
        return _BREAKDOWN(source.kind, q, (step,), amount, "", None, None, None), tier.unit_price
    if kind is PerUnit:
        assert isinstance(source, PerUnit)
        if not (trusted or _accepted(q)):
            return None, source.unit_price
        each = source.unit_price
        amount = exact if trusted else Money(q * each.amount, exact.currency)  # model._amount
        step = _STEP("per unit", q, each, zero, amount, None)
        return _BREAKDOWN(source.kind, q, (step,), amount, "", None, None, None), each
    if kind is Package or kind is Flat:
        return breakdown(source, q, exact), unit_price(source, q, exact)
    return None, unit_price(source, q, exact)


def explained_lines(
    compiled: CompiledPlan,
    rows: Sequence[LineFigures],
    fill: Callable[..., object],
    fill_explained: Callable[..., object],
) -> tuple[object, ...]:
    """A quote's lines from its figures, whatever made them (loaded, or the
    general path): ``fill`` makes a QuoteLine from its fields
    (:data:`LINE_FIELDS`), ``fill_explained`` from its fields and its
    breakdown. Lines on the common models come with their breakdowns
    (:func:`_explained`); the others' breakdowns stay lazy (the model's
    ``explain``, when first read)."""
    currency = compiled.currency
    zero = compiled.zero
    lines: list[object] = []
    append = lines.append
    with decimal.localcontext(CONTEXT):
        for row in rows:
            if row is compiled.base_row:
                append(compiled.base_quote_line(fill))
                continue
            code, description, kind, metric, quantity, included, billable, amount, exact_d = row[:9]
            source, events = row[9], row[10]
            exact = Money(exact_d, currency)
            if events is None and source is not None:
                explained, price = _explained(source, billable, exact, zero, False)
            else:
                explained, price = None, unit_price(source, billable, exact)
            fields = (
                code,
                description,
                kind,
                metric,
                quantity,
                included,
                billable,
                price,
                Money(amount, currency),
                exact,
                source,
                events,
            )
            append(fill(*fields) if explained is None else fill_explained(*fields, explained))
    return tuple(lines)


_LineOf = Callable[[Decimal], "tuple[LineFigures, object]"]
_Explain = Callable[[Decimal], "tuple[Decimal, Money, Money | None, Breakdown | None]"]
"""A charge's ``explain(b)``: for billable units ``b``, the line's exact amount
(a Decimal, and as Money), its unit price and its breakdown (``None``: left
lazy, to the model)."""


def _graduated_rows(
    model: Graduated,
) -> tuple[tuple[Decimal, Decimal | None, Decimal, Decimal, Decimal, Decimal], ...]:
    """Per tier of a graduated model without blocks: its lower and upper bound,
    price and fee, then ``before``, the exact amount of every tier below it, and
    ``after``, with this one used whole (an unbounded tier: ``before``).

    Each is the model's own running sum (``_amount``: ``total = 0``, then
    ``total += (upper - lower) x price + fee`` tier by tier), the same exact
    operations in the same order, done once here: so ``before + (the tier's
    part)`` is the very Decimal, exponent included, ``_amount`` reaches (the
    operations are exact in billkit's 80 digits; no sum of parts of zero or
    more is ever a negative zero)."""
    rows = []
    total = _ZERO
    with decimal.localcontext(CONTEXT):
        for lower, upper, price, fee in model._table:
            before = total
            if upper is not None:
                total = total + ((upper - lower) * price + fee)
            rows.append((lower, upper, price, fee, before, total))
    return tuple(rows)


def _explainer(spec: _ChargeSpec, compiled: CompiledPlan) -> _Explain:
    """For one metered charge: ``explain(b)`` (:data:`_Explain`) for billable units
    ``b`` (of an accepted quantity), run in a local copy of the plan's context
    (:func:`explained_quote`). A closure over what the charge's model needs (its
    tiers, labels, prices as Money), prepared once per plan: the exact amount by
    the same operations as :meth:`CompiledPlan.figures` (so the same Decimal),
    the breakdown by those of :func:`_explained` (so the model's ``explain``).

    A graduated line's steps for the tiers below its quantity's, used whole, are
    the same for every quote of the plan: made once here (values are
    immutable), shared by every breakdown that shows them."""
    source, amount_of = spec.source, spec.amount_of
    assert amount_of is not None
    currency, zero = compiled.currency, compiled.zero
    kind = type(source)
    if kind is Graduated and not source._has_blocks:  # type: ignore[union-attr]
        assert isinstance(source, Graduated)
        model, fee_at_zero, labels = source.kind, source.flat_fee_at_zero, source._labels
        # per tier: its bounds, price and fee, the exact amount below it, the steps
        # below it, its own step when used whole, and what its steps show
        tiers = []
        shown: list[Step] = []
        for i, ((lower, upper, price, fee, before, after), tier) in enumerate(
            zip(_graduated_rows(source), source.tiers, strict=True)
        ):
            below = tuple(shown)
            if upper is not None:
                with decimal.localcontext(CONTEXT):
                    units = upper - lower
                    whole = units * price + fee
                shown.append(
                    _STEP(
                        labels[i],
                        units,
                        tier.unit_price,
                        tier.flat_fee,
                        Money(whole, currency),
                        i + 1,
                    )
                )
            tiers.append(
                (
                    lower,
                    upper,
                    price,
                    fee,
                    before,
                    after,
                    below,
                    tuple(shown),
                    labels[i],
                    tier,
                    i + 1,
                )
            )
        graduated_tiers = tuple(tiers)

        def graduated(b: Decimal) -> tuple[Decimal, Money, Money | None, Breakdown | None]:
            if not b:  # at zero: the model's own way (a fee at zero, or nothing)
                exact = Money(amount_of(b), currency)
                explained, _ = _explained(source, b, exact, zero, True)
                return exact.amount, exact, None, explained
            for (
                lower,
                upper,
                price,
                fee,
                before,
                after,
                below,
                full,
                name,
                tier,
                number,
            ) in graduated_tiers:
                if upper is None or b < upper:  # the tier b ends in
                    units = b - lower
                    part = units * price + fee
                    exact_d = before + part  # the model's running sum (_graduated_rows)
                    step = _STEP(
                        name, units, tier.unit_price, tier.flat_fee, Money(part, currency), number
                    )
                    steps = (*below, step)
                    break
                if b == upper:  # the tier used whole: its step is the plan's own
                    exact_d, steps = after, full
                    break
            exact = Money(exact_d, currency)
            return exact_d, exact, None, _BREAKDOWN(model, b, steps, exact, "", None, None, None)

        return graduated
    if kind is Volume and not source._has_blocks:  # type: ignore[union-attr]
        assert isinstance(source, Volume)
        volume_tiers = tuple(
            (upper, price, fee, source._labels[i], t.unit_price, t.flat_fee, i + 1)
            for i, ((_, upper, price, fee), t) in enumerate(
                zip(source._table, source.tiers, strict=True)
            )
        )
        fee_at_zero, model = source.flat_fee_at_zero, source.kind

        def volume(b: Decimal) -> tuple[Decimal, Money, Money | None, Breakdown | None]:
            for tier in volume_tiers:  # source._find(b)
                if tier[0] is None or b <= tier[0]:
                    break
            _, price, fee, name, unit, flat, number = tier
            if b or fee_at_zero:
                exact_d = b * price + fee  # the model's _amount
            else:
                exact_d, flat = _ZERO, zero
            exact = Money(exact_d, currency)
            # The step's amount is the line's exact amount: q x price + fee, or zero.
            step = _STEP(name, b, unit, flat, exact, number)
            return exact_d, exact, unit, _BREAKDOWN(model, b, (step,), exact, "", None, None, None)

        return volume
    if kind is PerUnit:
        assert isinstance(source, PerUnit)
        each, each_d, model = source.unit_price, source.unit_price.amount, source.kind

        def per_unit(b: Decimal) -> tuple[Decimal, Money, Money | None, Breakdown | None]:
            exact_d = b * each_d  # the model's _amount
            exact = Money(exact_d, currency)
            step = _STEP("per unit", b, each, zero, exact, None)
            return exact_d, exact, each, _BREAKDOWN(model, b, (step,), exact, "", None, None, None)

        return per_unit
    if kind is Package:
        assert isinstance(source, Package)
        free, size, per = source.included, source.size, source.price_per_package
        per_d, model = per.amount, source.kind
        none = _ZERO * per_d  # amount_of's nothing to bill
        size_text = format(size, "f")
        note = f"{format(free, 'f')} free units" if free else ""

        def package(b: Decimal) -> tuple[Decimal, Money, Money | None, Breakdown | None]:
            # The packages as the model's _packages counts them (in the plan's
            # context; explain counts in billkit's CONTEXT: the same whole number,
            # as a quotient of numbers in range is never within 10**-30 of a whole
            # number without being one, while 80 digits round it by at most
            # 10**-49), and the exact amount as _amount makes it from them.
            over = b - free
            packs = (over / size).to_integral_value(_CEILING) if over > 0 else _ZERO
            exact_d = packs * per_d if over > 0 else none
            exact = Money(exact_d, currency)
            n = int(packs)
            if packs.same_quantum(_ONE):  # packs is Decimal(n): explain's amount is exact's
                units, whole = packs, exact
            else:
                units, whole = Decimal(n), Money(CONTEXT.multiply(n, per_d), currency)
            step = _STEP(
                f"{n} package{'s' if n != 1 else ''} of {size_text}", units, per, zero, whole, None
            )
            explained = _BREAKDOWN(model, b, (step,), whole, note, None, None, None)
            return exact_d, exact, per, explained

        return package

    def other(b: Decimal) -> tuple[Decimal, Money, Money | None, Breakdown | None]:
        exact_d = amount_of(b)
        exact = Money(exact_d, currency)
        explained, price = _explained(source, b, exact, zero, True)
        return exact_d, exact, price, explained

    return other


def _line_of(
    spec: _ChargeSpec,
    compiled: CompiledPlan,
    fill: Callable[..., object],
    fill_explained: Callable[..., object],
) -> _LineOf:
    """For one metered charge: ``line_of(q)``, the figures and the explained
    QuoteLine for an accepted quantity ``q``, run in a local copy of the plan's
    context (:func:`explained_quote`): the billable units, then the charge's
    :func:`_explainer`, then the line's rounded amount, its figures (the same
    Decimals as :meth:`CompiledPlan.figures`) and its QuoteLine, made here for
    every model. An exact amount already in the quantum's exponent is its own
    rounding (quantize keeps it digit for digit): the line's ``amount`` and
    ``exact`` are then one Money (values are immutable)."""
    code, label, metric, source, included, _, _, _ = spec
    explain = _explainer(spec, compiled)
    currency, quantum = compiled.currency, compiled.quantum
    new = tuple.__new__
    figures = LineFigures

    def line_of(q: Decimal) -> tuple[LineFigures, object]:
        b = q - included if q > included else _ZERO
        exact_d, exact, unit, explained = explain(b)
        if exact_d.same_quantum(quantum):
            amount_d, amount = exact_d, exact
        else:
            amount_d = exact_d.quantize(quantum)
            amount = Money(amount_d, currency)
        # A LineFigures, made as its own constructor makes it (a tuple).
        row = new(
            figures,
            (code, label, "usage", metric, q, included, b, amount_d, exact_d, source, None),
        )
        if explained is None:  # its breakdown left to the model, when first read
            return row, fill(
                code, label, "usage", metric, q, included, b, unit, amount, exact, source, None
            )
        return row, fill_explained(
            code,
            label,
            "usage",
            metric,
            q,
            included,
            b,
            unit,
            amount,
            exact,
            source,
            None,
            explained,
        )

    return line_of


def explained_quote(
    compiled: CompiledPlan,
    usage: Mapping[str, object],
    fill: Callable[..., object],
    fill_explained: Callable[..., object],
) -> tuple[tuple[LineFigures, ...], tuple[object, ...]] | None:
    """A quote's figures (:meth:`CompiledPlan.figures`) and its lines, with
    their breakdowns, in one pass (``Quote.lines`` for a quote priced from
    ``usage``): each line made from figures just computed, by its charge's
    :func:`_line_of`, in one local context. ``None`` when
    :meth:`CompiledPlan.figures` would be, or for a plan with PercentOf lines
    (then :func:`explained_lines`).

    The figures and the breakdowns share one context, the plan's: the
    breakdowns' operations are exact, and an exact result is the same in every
    rounding mode but one: rounding toward minus infinity makes ``x - x`` a
    negative zero (``-0``, which a step would show). A plan rounding ``floor``
    is therefore explained by :func:`explained_lines`, in billkit's
    :data:`CONTEXT`, as the models explain."""
    if compiled.general_only or compiled.has_percent_of or compiled.floor:
        return None
    makers = compiled.line_makers
    if makers is None:  # prepared once per plan (one tuple, replaced whole)
        makers = compiled.line_makers = tuple(
            (cast("str", spec.metric), _line_of(spec, compiled, fill, fill_explained))
            for spec in compiled.specs
        )
    get = usage.get
    rows: list[LineFigures] = []
    lines: list[object] = []
    if compiled.base_row is not None:
        rows.append(compiled.base_row)
        lines.append(compiled.base_quote_line(fill))
    with decimal.localcontext(compiled.context):
        for metric, line_of in makers:
            q = get(metric, _ZERO)
            # accepted: a whole number in exponent 0 below 10**18, not negative
            # (as quote()'s fast path checks it), or as _accepted finds it
            if not _accepted_whole(q) and not _accepted(q):
                return None
            row, line = line_of(cast("Decimal", q))
            rows.append(row)
            lines.append(line)
    return tuple(rows), tuple(lines)


def cached_slot(cls: type, name: str) -> Callable[[object, object], None]:
    """``fill(value, result)``: sets the ``functools.cached_property`` ``name`` of
    a frozen, slotted attrs ``cls`` (attrs keeps it in a slot of that name) to
    ``result``, for a result billkit computed along the way, equal to what the
    property would compute. Refused (``TypeError``) for a field of ``cls``."""
    if name in {f.name for f in attrs.fields(cls)}:
        raise TypeError(f"{cls.__name__}.{name} is a field, not a cached property")
    return _slot_setter(cls, name)
