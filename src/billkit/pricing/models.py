"""Price models: how a quantity becomes an amount, with the reason shown.

Every model is a frozen value with two methods:

* ``price(quantity) -> Money``: the exact amount, never rounded (a quote
  rounds each line once, under the plan's rounding policy);
* ``explain(quantity) -> Breakdown``: the same amount with its steps (tier by
  tier: units, unit price, flat fee, subtotal).

Quantities are exact numbers (``str``, ``int`` or ``Decimal``; fractions such
as 1.5 GB or 0.25 hours are fine); floats, negatives and NaN are refused.

>>> from billkit.money import Money
>>> eur = lambda amount: Money(amount, "EUR")
>>> api_calls = Graduated(tiers=[
...     Tier(up_to=1000, unit_price=eur("0.01")),
...     Tier(up_to=None, unit_price=eur("0.008")),
... ])
>>> api_calls.price(1500)   # 1 000 x 0.01 + 500 x 0.008 = 10 + 4
Money('14.000', 'EUR')
>>> print(api_calls.explain(1500))
graduated, quantity 1500: 14.000 EUR
  tier 1 (0 to 1000): 1000 x 0.01 = 10.00
  tier 2 (above 1000): 500 x 0.008 = 4.000
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import ClassVar, Final, Literal, Protocol, TypeAlias, runtime_checkable

import attrs
from moneyed import Currency, Money

import billkit._checks as checks
from billkit.errors import PricingCurrencyError, PricingError, ValidationError
from billkit.money import CONTEXT
from billkit.periods import Period

__all__ = [
    "Breakdown",
    "Capacity",
    "CapacityTier",
    "Flat",
    "Graduated",
    "GraduatedPercentage",
    "Package",
    "PerUnit",
    "PercentTier",
    "Percentage",
    "Presence",
    "PriceModel",
    "PricingCurrencyError",
    "Prorated",
    "Step",
    "Tier",
    "Volume",
]

_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)


def _fmt(value: Decimal) -> str:
    """A Decimal as plain digits, never in exponent notation."""
    text = format(value, "f")
    return text


# Fields added after values were first saved: left out of saved data while unset
# (billkit.serialize._OMIT_IF_DEFAULT; not imported: the core never loads cattrs).
_OMIT: Final = "billkit.serialize.omit_if_default"

_QUANTITY: Final = functools.partial(checks.decimal, low=0, noun="quantity", error=PricingError)
"""Checks a quantity: ``_QUANTITY(field, value)``, an exact number of zero or more."""

_PRICE: Final = checks.options(sign="zero_or_more")


@attrs.frozen(kw_only=True)
class Step:
    """One line of a breakdown: ``units x unit_price + flat_fee = amount``.

    ``tier`` is the 1-based tier number where the step comes from a tier.
    """

    label: str
    units: Decimal
    unit_price: Money
    flat_fee: Money
    amount: Money
    tier: int | None = None

    def __str__(self) -> str:
        text = f"{self.label}: {_fmt(self.units)} x {_fmt(self.unit_price.amount)}"
        if self.flat_fee.amount:
            text += f" + {_fmt(self.flat_fee.amount)}"
        return f"{text} = {_fmt(self.amount.amount)}"


@attrs.frozen(kw_only=True)
class Breakdown:
    """How a model priced a quantity: its steps add up to ``amount``."""

    model: str
    quantity: Decimal
    steps: tuple[Step, ...]
    amount: Money
    note: str = ""
    events: int | None = attrs.field(default=None, metadata={_OMIT: True})
    """How many events were priced (percentage models; ``None`` for the others)."""
    charged_events: int | None = attrs.field(default=None, metadata={_OMIT: True})
    """How many of them paid (were not wholly free)."""
    free_events: int | None = attrs.field(default=None, metadata={_OMIT: True})
    """How many were wholly free (the free events and free amount)."""

    def __str__(self) -> str:
        head = f"{self.model}, quantity {_fmt(self.quantity)}: {_fmt(self.amount.amount)}"
        lines = [f"{head} {self.amount.currency.code}"]
        if self.note:
            lines.append(f"  {self.note}")
        lines.extend(f"  {step}" for step in self.steps)
        return "\n".join(lines)


@runtime_checkable
class PriceModel(Protocol):
    """What every price model provides."""

    kind: ClassVar[str]

    @property
    def currency(self) -> Currency:
        """The currency every amount of this model is in."""
        ...

    def price(self, quantity: object) -> Money:
        """The exact, unrounded amount for ``quantity``."""
        ...

    def explain(self, quantity: object) -> Breakdown:
        """The amount for ``quantity`` with the steps that make it up."""
        ...

    def _amount(self, q: Decimal) -> Decimal:
        """The exact amount for a quantity already checked, under billkit's context.

        The fast path a quote uses; ``price`` is this plus validation.
        """
        ...


def _amount_in(amount: Decimal, currency: Currency) -> Money:
    return Money(amount, currency)


@attrs.frozen(kw_only=True)
class Flat:
    """A fixed amount, whatever the quantity (a monthly fee, a setup fee).

    >>> Flat(amount=Money("490.00", "USD")).price(0)
    Money('490.00', 'USD')
    """

    kind: ClassVar[str] = "flat"
    _error_class: ClassVar[type[ValidationError]] = PricingError
    amount: Money = attrs.field(converter=checks.MONEY, metadata=_PRICE)

    @property
    def currency(self) -> Currency:
        return self.amount.currency

    def _amount(self, q: Decimal) -> Decimal:
        return self.amount.amount

    def price(self, quantity: object = 1) -> Money:
        _QUANTITY("quantity", quantity)
        return self.amount

    def explain(self, quantity: object = 1) -> Breakdown:
        q = _QUANTITY("quantity", quantity)
        zero = _amount_in(_ZERO, self.currency)
        step = Step(
            label="flat", units=_ONE, unit_price=self.amount, flat_fee=zero, amount=self.amount
        )
        return Breakdown(model=self.kind, quantity=q, steps=(step,), amount=self.amount)


@attrs.frozen(kw_only=True)
class PerUnit:
    """The same price for every unit: ``quantity x unit_price``.

    >>> PerUnit(unit_price=Money("0.05", "EUR")).price("2.5")  # 2.5 GB x 0.05
    Money('0.125', 'EUR')
    """

    kind: ClassVar[str] = "per_unit"
    _error_class: ClassVar[type[ValidationError]] = PricingError
    unit_price: Money = attrs.field(converter=checks.MONEY, metadata=_PRICE)

    @property
    def currency(self) -> Currency:
        return self.unit_price.currency

    def _amount(self, q: Decimal) -> Decimal:
        return q * self.unit_price.amount

    def price(self, quantity: object) -> Money:
        q = _QUANTITY("quantity", quantity)
        return _amount_in(CONTEXT.multiply(q, self.unit_price.amount), self.currency)

    def explain(self, quantity: object) -> Breakdown:
        q = _QUANTITY("quantity", quantity)
        amount = _amount_in(CONTEXT.multiply(q, self.unit_price.amount), self.currency)
        step = Step(
            label="per unit",
            units=q,
            unit_price=self.unit_price,
            flat_fee=_amount_in(_ZERO, self.currency),
            amount=amount,
        )
        return Breakdown(model=self.kind, quantity=q, steps=(step,), amount=amount)


@attrs.frozen(kw_only=True)
class Tier:
    """One tier: units up to and including ``up_to`` (``None``: no upper bound).

    A tier covers quantities above the previous tier's ``up_to`` and up to its
    own. ``flat_fee`` is charged once for the tier (by default in the same
    currency as ``unit_price``, zero).

    ``block_size`` sells the tier's units in whole blocks (Kill Bill's tiered
    blocks): the units that fall in the tier are rounded up to whole blocks of
    ``block_size`` and ``unit_price`` is then the price of one block. A bounded
    tier must hold a whole number of blocks. Unset (the default), every unit is
    priced on its own.

    >>> Tier(up_to=100, unit_price=Money("1.00", "EUR"), flat_fee=Money("5.00", "EUR"))
    Tier(up_to=Decimal('100'), unit_price=Money('1.00', 'EUR'), flat_fee=Money('5.00', 'EUR'))
    """

    _error_class: ClassVar[type[ValidationError]] = PricingError

    up_to: Decimal | None = attrs.field(
        default=None, converter=checks.DECIMAL, metadata=checks.options(above=0, noun="bound")
    )
    unit_price: Money = attrs.field(converter=checks.MONEY, metadata=_PRICE)
    flat_fee: Money = attrs.field(converter=checks.MONEY, metadata=_PRICE)
    block_size: Decimal | None = attrs.field(
        default=None,
        converter=checks.DECIMAL,
        metadata={**checks.options(above=0, noun="size"), _OMIT: True},
    )

    @flat_fee.default
    def _zero_fee(self) -> Money:
        return _amount_in(_ZERO, self.unit_price.currency)

    @flat_fee.validator
    def _same_currency(self, _: object, value: Money) -> None:
        checks.same_currency("flat_fee", value, self.unit_price.currency, error=PricingError)

    def __repr__(self) -> str:
        # block_size is left out while unset, so a plain tier reads as it always did.
        text = f"Tier(up_to={self.up_to!r}, unit_price={self.unit_price!r}, "
        text += f"flat_fee={self.flat_fee!r}"
        if self.block_size is not None:
            text += f", block_size={self.block_size!r}"
        return text + ")"


def _tiers(value: Sequence[Tier]) -> tuple[Tier, ...]:
    tiers = checks.tuple_of("tiers", value, Tier, error=PricingError)
    if not tiers:
        raise PricingError("tiers", [], "at least one Tier")
    previous: Decimal = _ZERO
    currency = None
    for i, tier in enumerate(tiers):
        if currency is None:
            currency = tier.unit_price.currency
        else:
            checks.same_currency(
                f"tiers[{i}].unit_price", tier.unit_price, currency, error=PricingError
            )
        last = i == len(tiers) - 1
        if tier.up_to is None:
            if not last:
                raise PricingError(
                    f"tiers[{i}].up_to", None, "a bound: only the last tier may be unbounded"
                )
        else:
            if last:
                raise PricingError(
                    f"tiers[{i}].up_to",
                    tier.up_to,
                    "None: the last tier must be unbounded, or larger quantities have no price",
                )
            if tier.up_to <= previous:
                raise PricingError(
                    f"tiers[{i}].up_to",
                    tier.up_to,
                    f"a bound above the previous tier's ({_fmt(previous)})",
                )
            width = tier.up_to - previous
            if tier.block_size is not None and width % tier.block_size:
                raise PricingError(
                    f"tiers[{i}].block_size",
                    tier.block_size,
                    f"a size that divides the tier's {_fmt(width)} units into whole blocks",
                )
            previous = tier.up_to
    return tiers


def _tier_label(index: int, lower: Decimal, upper: Decimal | None, block: Decimal | None) -> str:
    blocks = "" if block is None else f", blocks of {_fmt(block)}"
    if upper is None:
        return f"tier {index + 1} (above {_fmt(lower)}{blocks})"
    return f"tier {index + 1} ({_fmt(lower)} to {_fmt(upper)}{blocks})"


def _blocks(units: Decimal, block: Decimal | None) -> Decimal:
    """``units`` rounded up to whole blocks of ``block`` (the block count), or as is."""
    if block is None:
        return units
    return (units / block).to_integral_value(rounding=decimal.ROUND_CEILING)


@attrs.frozen(kw_only=True)
class _Tiered:
    """Shared by :class:`Graduated` and :class:`Volume`."""

    kind: ClassVar[str] = "tiered"
    _error_class: ClassVar[type[ValidationError]] = PricingError
    tiers: tuple[Tier, ...] = attrs.field(converter=_tiers)
    flat_fee_at_zero: bool = attrs.field(default=False, converter=checks.FLAG)
    # Precomputed plain Decimals for the hot path: (lower, upper, price, fee).
    _table: tuple[tuple[Decimal, Decimal | None, Decimal, Decimal], ...] = attrs.field(
        init=False, repr=False, eq=False
    )
    # Each tier's label for explanations ("tier 2 (1000 to 5000)"), made once.
    _labels: tuple[str, ...] = attrs.field(init=False, repr=False, eq=False)

    # Each tier's block size (None: priced unit by unit), and whether any tier has one.
    _block_sizes: tuple[Decimal | None, ...] = attrs.field(init=False, repr=False, eq=False)
    _has_blocks: bool = attrs.field(init=False, repr=False, eq=False)

    @_labels.default
    def _make_labels(self) -> tuple[str, ...]:
        return tuple(
            _tier_label(i, row[0], row[1], self.tiers[i].block_size)
            for i, row in enumerate(self._table)
        )

    @_block_sizes.default
    def _find_blocks(self) -> tuple[Decimal | None, ...]:
        return tuple(tier.block_size for tier in self.tiers)

    @_has_blocks.default
    def _any_blocks(self) -> bool:
        return any(size is not None for size in self._block_sizes)

    @_table.default
    def _make_table(self) -> tuple[tuple[Decimal, Decimal | None, Decimal, Decimal], ...]:
        rows = []
        lower = _ZERO
        for tier in self.tiers:
            rows.append((lower, tier.up_to, tier.unit_price.amount, tier.flat_fee.amount))
            lower = tier.up_to if tier.up_to is not None else lower
        return tuple(rows)

    @property
    def currency(self) -> Currency:
        return self.tiers[0].unit_price.currency


@attrs.frozen(kw_only=True)
class Graduated(_Tiered):
    """Each tier's units at that tier's price, plus each entered tier's flat fee.

    A tier is *entered* when the quantity is above its lower bound. At zero
    quantity no tier is entered, so nothing is charged; billing systems differ
    here (some charge the first tier's flat fee even with no usage, as a
    minimum), so ``flat_fee_at_zero=True`` charges it.

    >>> usd = lambda amount: Money(amount, "USD")
    >>> gb = Graduated(tiers=[
    ...     Tier(up_to=10, unit_price=usd("0"), flat_fee=usd("5")),
    ...     Tier(up_to=None, unit_price=usd("0.50")),
    ... ])
    >>> gb.price(0), gb.price("2.5"), gb.price(12)   # 0; 5; 5 + 2 x 0.50
    (Money('0', 'USD'), Money('5.0', 'USD'), Money('6.00', 'USD'))
    >>> Graduated(tiers=gb.tiers, flat_fee_at_zero=True).price(0)
    Money('5', 'USD')

    With :attr:`Tier.block_size` each tier's units are rounded up to whole
    blocks, at ``unit_price`` a block (Kill Bill's tiered blocks):

    >>> blocks = Graduated(tiers=[
    ...     Tier(up_to=1000, unit_price=usd("1"), block_size=100),
    ...     Tier(up_to=None, unit_price=usd("1"), block_size=1000),
    ... ])
    >>> print(blocks.explain(5325))   # 1000 / 100 = 10 blocks; ceil(4325 / 1000) = 5 blocks
    graduated, quantity 5325: 15 USD
      tier 1 (0 to 1000, blocks of 100): 10 x 1 = 10
      tier 2 (above 1000, blocks of 1000): 5 x 1 = 5
    """

    kind: ClassVar[str] = "graduated"

    def _compute(self, q: Decimal) -> tuple[Decimal, list[tuple[int, Decimal]]]:
        # hit: (tier index, units priced: the units, or the blocks of a tier with blocks).
        total = _ZERO
        hit: list[tuple[int, Decimal]] = []
        for i, (lower, upper, price, fee) in enumerate(self._table):
            if q <= lower and not (i == 0 and q == 0 and self.flat_fee_at_zero):
                break
            units = _blocks(
                (q if upper is None or q < upper else upper) - lower, self._block_sizes[i]
            )
            total += units * price + fee
            hit.append((i, units))
        return total, hit

    def _amount(self, q: Decimal) -> Decimal:
        if q == 0:
            return self._table[0][3] if self.flat_fee_at_zero else _ZERO
        if self._has_blocks:
            return self._compute(q)[0]
        total = _ZERO
        for lower, upper, price, fee in self._table:
            if q <= lower:
                break
            total += ((q if upper is None or q < upper else upper) - lower) * price + fee
        return total

    def price(self, quantity: object) -> Money:
        q = _QUANTITY("quantity", quantity)
        with decimal.localcontext(CONTEXT):
            total = self._amount(q)
        return _amount_in(total, self.currency)

    def explain(self, quantity: object) -> Breakdown:
        q = _QUANTITY("quantity", quantity)
        currency = self.currency
        with decimal.localcontext(CONTEXT):
            total, hit = self._compute(q)
            steps = tuple(
                Step(
                    label=self._labels[i],
                    units=units,
                    unit_price=self.tiers[i].unit_price,
                    flat_fee=self.tiers[i].flat_fee,
                    amount=_amount_in(units * self._table[i][2] + self._table[i][3], currency),
                    tier=i + 1,
                )
                for i, units in hit
            )
        return Breakdown(
            model=self.kind, quantity=q, steps=steps, amount=_amount_in(total, currency)
        )


@attrs.frozen(kw_only=True)
class Volume(_Tiered):
    """All units at the price of the tier the quantity falls in, plus its flat fee.

    At zero quantity the first tier applies to no units; its flat fee is
    charged only with ``flat_fee_at_zero=True`` (see :class:`Graduated`).

    >>> eur = lambda amount: Money(amount, "EUR")
    >>> seats = Volume(tiers=[
    ...     Tier(up_to=10, unit_price=eur("10")),
    ...     Tier(up_to=None, unit_price=eur("8")),
    ... ])
    >>> seats.price(10), seats.price(11)   # 10 x 10; 11 x 8
    (Money('100', 'EUR'), Money('88', 'EUR'))

    With :attr:`Tier.block_size` all units are rounded up to whole blocks of the
    tier they fall in (Kill Bill's ``TOP_TIER`` block policy):

    >>> storage = Volume(tiers=[
    ...     Tier(up_to=1000, unit_price=eur("1"), block_size=100),
    ...     Tier(up_to=None, unit_price=eur("0.5"), block_size=1000),
    ... ])
    >>> storage.price(1000), storage.price(1001)   # 10 blocks x 1; ceil(1001 / 1000) x 0.5
    (Money('10', 'EUR'), Money('1.0', 'EUR'))
    """

    kind: ClassVar[str] = "volume"

    def _find(self, q: Decimal) -> int:
        for i, (_, upper, _, _) in enumerate(self._table):
            if upper is None or q <= upper:
                return i
        raise AssertionError("the last tier is unbounded")  # pragma: no cover

    def _amount(self, q: Decimal) -> Decimal:
        if q == 0 and not self.flat_fee_at_zero:
            return _ZERO
        if self._has_blocks:
            return self._tier_amount(q, self._find(q))
        for _, upper, price, fee in self._table:
            if upper is None or q <= upper:
                return q * price + fee
        raise AssertionError("the last tier is unbounded")  # pragma: no cover

    def _tier_amount(self, q: Decimal, i: int) -> Decimal:
        _, _, price, fee = self._table[i]
        if q == 0 and not self.flat_fee_at_zero:
            return _ZERO
        return _blocks(q, self._block_sizes[i]) * price + fee

    def price(self, quantity: object) -> Money:
        q = _QUANTITY("quantity", quantity)
        with decimal.localcontext(CONTEXT):
            total = self._amount(q)
        return _amount_in(total, self.currency)

    def explain(self, quantity: object) -> Breakdown:
        q = _QUANTITY("quantity", quantity)
        currency = self.currency
        with decimal.localcontext(CONTEXT):
            i = self._find(q)
            total = self._tier_amount(q, i)
            units = _blocks(q, self._block_sizes[i])
        tier = self.tiers[i]
        charged_fee = tier.flat_fee if (q or self.flat_fee_at_zero) else _amount_in(_ZERO, currency)
        step = Step(
            label=self._labels[i],
            units=units,
            unit_price=tier.unit_price,
            flat_fee=charged_fee,
            amount=_amount_in(total, currency),
            tier=i + 1,
        )
        return Breakdown(model=self.kind, quantity=q, steps=(step,), amount=step.amount)


_INCLUDED: Final = checks.options(low=0)


@attrs.frozen(kw_only=True)
class Package:
    """Whole packages of ``size`` units at ``price`` each, rounded up.

    The first ``included`` units are free. The messaging business bills contacts
    beyond the plan in on-demand blocks of 100: 250 contacts over the limit
    are 3 blocks.

    >>> blocks = Package(size=100, price=Money("20.00", "EUR"))
    >>> blocks.price(250)   # ceil(250 / 100) = 3 blocks x 20.00
    Money('60.00', 'EUR')
    >>> Package(size=100, price=Money("20.00", "EUR"), included=50).price(250)  # ceil(200/100)
    Money('40.00', 'EUR')
    """

    kind: ClassVar[str] = "package"
    _error_class: ClassVar[type[ValidationError]] = PricingError
    size: Decimal = attrs.field(converter=checks.DECIMAL, metadata=checks.options(above=0))
    price_per_package: Money = attrs.field(alias="price", converter=checks.MONEY, metadata=_PRICE)
    included: Decimal = attrs.field(default=_ZERO, converter=checks.DECIMAL, metadata=_INCLUDED)

    @property
    def currency(self) -> Currency:
        return self.price_per_package.currency

    def _packages(self, q: Decimal) -> Decimal:
        billable = q - self.included
        if billable <= 0:
            return _ZERO
        return (billable / self.size).to_integral_value(rounding=decimal.ROUND_CEILING)

    def _amount(self, q: Decimal) -> Decimal:
        return self._packages(q) * self.price_per_package.amount

    def packages(self, quantity: object) -> int:
        """How many packages ``quantity`` needs after the free units."""
        q = _QUANTITY("quantity", quantity)
        with decimal.localcontext(CONTEXT):
            return int(self._packages(q))

    def price(self, quantity: object) -> Money:
        n = self.packages(quantity)
        return _amount_in(CONTEXT.multiply(n, self.price_per_package.amount), self.currency)

    def explain(self, quantity: object) -> Breakdown:
        q = _QUANTITY("quantity", quantity)
        with decimal.localcontext(CONTEXT):
            n = int(self._packages(q))
        amount = _amount_in(CONTEXT.multiply(n, self.price_per_package.amount), self.currency)
        label = f"{n} package{'s' if n != 1 else ''} of {_fmt(self.size)}"
        note = f"{_fmt(self.included)} free units" if self.included else ""
        step = Step(
            label=label,
            units=Decimal(n),
            unit_price=self.price_per_package,
            flat_fee=_amount_in(_ZERO, self.currency),
            amount=amount,
        )
        return Breakdown(model=self.kind, quantity=q, steps=(step,), amount=amount, note=note)


@attrs.frozen(kw_only=True)
class Percentage:
    """A percentage of transaction amounts, with optional per-event terms.

    For each event, in order: the free allowance is used first (the first
    ``free_events`` events and the first ``included`` of amount; when both
    are set, the free allowance ends with whichever runs out first, and an
    event that crosses the free amount pays on the part above it). Every event
    that is not wholly free pays ``rate x charged part + fixed`` (a fixed fee per event),
    then raised to ``min_per_event`` or lowered to ``max_per_event``.

    ``price(total)`` takes one total (per-event terms then need the events:
    use ``price_events``).

    Every paying event pays ``fixed``, even when all the events add up to zero
    (billkit's default). ``fixed_fee_at_zero_total=False`` bills no fixed fee
    when the events' total is zero (Lago's rule; the per-event minimum still
    applies). The breakdown counts the events in ``events``,
    ``charged_events`` and ``free_events``.

    >>> card = Percentage(rate="2.9%", currency="EUR", fixed=Money("0.30", "EUR"))
    >>> card.price_events(["100.00", "10.00"])   # (2.90 + 0.30) + (0.29 + 0.30)
    Money('3.79000', 'EUR')
    >>> Percentage(rate="10%", currency="USD").price("490.00")
    Money('49.0000', 'USD')
    >>> card.explain_events(["100.00", "10.00"]).charged_events
    2
    >>> lago = Percentage(rate="2.9%", currency="EUR", fixed=Money("0.30", "EUR"),
    ...                   fixed_fee_at_zero_total=False)
    >>> card.price_events(["0", "0"]), lago.price_events(["0", "0"])   # 2 x 0.30; nothing
    (Money('0.600', 'EUR'), Money('0.000', 'EUR'))
    """

    kind: ClassVar[str] = "percentage"
    _error_class: ClassVar[type[ValidationError]] = PricingError
    rate: Decimal = attrs.field(converter=checks.RATE)
    currency: Currency = attrs.field(converter=checks.CURRENCY)
    fixed: Money | None = attrs.field(default=None, converter=checks.MONEY, metadata=_PRICE)
    min_per_event: Money | None = attrs.field(default=None, converter=checks.MONEY, metadata=_PRICE)
    max_per_event: Money | None = attrs.field(default=None, converter=checks.MONEY, metadata=_PRICE)
    included: Decimal = attrs.field(default=_ZERO, converter=checks.DECIMAL, metadata=_INCLUDED)
    free_events: int = attrs.field(default=0, converter=checks.WHOLE)
    fixed_fee_at_zero_total: bool = attrs.field(default=True, converter=checks.FLAG)

    def __attrs_post_init__(self) -> None:
        for name in ("fixed", "min_per_event", "max_per_event"):
            if getattr(self, name) is not None:
                checks.same_currency(name, getattr(self, name), self.currency, error=PricingError)
        lo, hi = self.min_per_event, self.max_per_event
        if lo is not None and hi is not None and lo.amount > hi.amount:
            raise PricingError("min_per_event", lo, f"at most max_per_event ({hi.amount})")

    @property
    def _per_event_terms(self) -> bool:
        return (
            self.fixed is not None
            or self.min_per_event is not None
            or self.max_per_event is not None
            or self.free_events > 0
        )

    def _events(self, amounts: Sequence[object]) -> list[Decimal]:
        if isinstance(amounts, (str, bytes)) or not isinstance(amounts, Sequence):
            raise PricingError("amounts", amounts, "a list of event amounts")
        out = []
        for i, a in enumerate(amounts):
            if isinstance(a, Money):
                checks.same_currency(f"amounts[{i}]", a, self.currency, error=PricingError)
                a = a.amount
            out.append(_QUANTITY(f"amounts[{i}]", a))
        return out

    def _compute(self, events: list[Decimal]) -> tuple[Decimal, list[Step], tuple[int, int]]:
        # -> (total, steps, (charged events, wholly free events))
        cur = self.currency
        zero = _amount_in(_ZERO, cur)
        free_left_events = self.free_events if self.free_events else None
        free_left_amount = self.included if self.included else None
        has_free = free_left_events is not None or free_left_amount is not None
        # "is not None": a zero Money is falsy, and a maximum of 0 is still a maximum.
        fixed = self.fixed.amount if self.fixed is not None else _ZERO
        if fixed and not self.fixed_fee_at_zero_total and not any(events):
            fixed = _ZERO  # Lago: a zero total bills no per-event fixed fee
        lo = self.min_per_event.amount if self.min_per_event is not None else None
        hi = self.max_per_event.amount if self.max_per_event is not None else None
        total = _ZERO
        free_events = charged_events = 0
        free_amount = charged_amount = _ZERO
        raised = lowered = 0
        adjust = _ZERO
        for amount in events:
            charged = amount
            if (
                has_free
                and (free_left_events is None or free_left_events > 0)
                and (free_left_amount is None or free_left_amount > 0)
            ):
                free_part = amount if free_left_amount is None else min(amount, free_left_amount)
                if free_left_amount is not None:
                    free_left_amount -= free_part
                if free_left_events is not None:
                    free_left_events -= 1
                free_amount += free_part
                charged = amount - free_part
                if charged == 0:
                    free_events += 1
                    continue
            charged_events += 1
            charged_amount += charged
            fee = charged * self.rate + fixed
            if lo is not None and fee < lo:
                adjust += lo - fee
                fee = lo
                raised += 1
            elif hi is not None and fee > hi:
                adjust -= fee - hi
                fee = hi
                lowered += 1
            total += fee
        steps = []
        if free_amount or free_events:
            steps.append(
                Step(
                    label=f"free: {free_events} event{'' if free_events == 1 else 's'} wholly free",
                    units=free_amount,
                    unit_price=zero,
                    flat_fee=zero,
                    amount=zero,
                )
            )
        pct = _fmt((self.rate * 100).normalize())
        steps.append(
            Step(
                label=f"{pct}% of {charged_events} event{'' if charged_events == 1 else 's'}",
                units=charged_amount,
                unit_price=_amount_in(self.rate, cur),
                flat_fee=zero,
                amount=_amount_in(charged_amount * self.rate, cur),
            )
        )
        if fixed:
            steps.append(
                Step(
                    label="fixed fee per event",
                    units=Decimal(charged_events),
                    unit_price=self.fixed or zero,
                    flat_fee=zero,
                    amount=_amount_in(fixed * charged_events, cur),
                )
            )
        if raised or lowered:
            steps.append(
                Step(
                    label=f"per-event minimum ({raised}) / maximum ({lowered})",
                    units=_ONE,
                    unit_price=_amount_in(adjust, cur),
                    flat_fee=zero,
                    amount=_amount_in(adjust, cur),
                )
            )
        return total, steps, (charged_events, free_events)

    def price_events(self, amounts: Sequence[object]) -> Money:
        """The fee over a list of event (transaction) amounts."""
        with decimal.localcontext(CONTEXT):
            total = self._compute(self._events(amounts))[0]
        return _amount_in(total, self.currency)

    def explain_events(self, amounts: Sequence[object]) -> Breakdown:
        """:meth:`price_events` with its steps."""
        events = self._events(amounts)
        with decimal.localcontext(CONTEXT):
            total, steps, (charged, free) = self._compute(events)
            base = sum(events, _ZERO)
        return Breakdown(
            model=self.kind,
            quantity=base,
            steps=tuple(steps),
            amount=_amount_in(total, self.currency),
            note=f"{len(events)} event{'' if len(events) == 1 else 's'}",
            events=len(events),
            charged_events=charged,
            free_events=free,
        )

    def _total_only(self, quantity: object) -> list[Decimal]:
        if self._per_event_terms:
            raise PricingError(
                "quantity",
                quantity,
                "event amounts (a list): per-event terms (fixed, min, max, free events) "
                "need each event",
            )
        if isinstance(quantity, Money):
            return self._events([quantity])
        return [_QUANTITY("quantity", quantity)]

    def _amount(self, q: Decimal) -> Decimal:
        return self._compute([q])[0]

    def price(self, quantity: object) -> Money:
        """The fee over one total amount (``quantity`` is the total)."""
        return self.price_events(self._total_only(quantity))

    def explain(self, quantity: object) -> Breakdown:
        """:meth:`price` with its steps."""
        return self.explain_events(self._total_only(quantity))


def _upper_bounds(field: str, bounds: Sequence[Decimal | None]) -> None:
    """Each bound above the one before; only the last one is ``None`` (unbounded)."""
    previous = _ZERO
    for i, bound in enumerate(bounds):
        last = i == len(bounds) - 1
        if bound is None:
            if not last:
                raise PricingError(
                    f"{field}[{i}].up_to", None, "a bound: only the last tier may be unbounded"
                )
        elif last:
            raise PricingError(
                f"{field}[{i}].up_to", bound, "None: the last tier must be unbounded"
            )
        elif bound <= previous:
            raise PricingError(
                f"{field}[{i}].up_to",
                bound,
                f"a bound above the previous tier's ({_fmt(previous)})",
            )
        else:
            previous = bound


@attrs.frozen(kw_only=True)
class PercentTier:
    """One tier of :class:`GraduatedPercentage`: amounts up to ``up_to`` at ``rate``.

    ``flat_fee`` (optional) is charged once when the tier is entered.

    >>> PercentTier(up_to=10, rate="1%").rate
    Decimal('0.01')
    """

    _error_class: ClassVar[type[ValidationError]] = PricingError
    up_to: Decimal | None = attrs.field(
        default=None, converter=checks.DECIMAL, metadata=checks.options(above=0, noun="bound")
    )
    rate: Decimal = attrs.field(converter=checks.RATE)
    flat_fee: Money | None = attrs.field(default=None, converter=checks.MONEY, metadata=_PRICE)


def _percent_tiers(value: Sequence[PercentTier]) -> tuple[PercentTier, ...]:
    tiers = checks.tuple_of("tiers", value, PercentTier, error=PricingError)
    if not tiers:
        raise PricingError("tiers", [], "at least one PercentTier")
    _upper_bounds("tiers", [tier.up_to for tier in tiers])
    return tiers


@attrs.frozen(kw_only=True)
class GraduatedPercentage:
    """Rates by tiers of amount: each tier's part of the total at that tier's rate.

    Lago's ``graduated_percentage`` model. The quantity is an amount of money
    (the total of the transactions); the part of it within each tier pays
    that tier's rate, plus the tier's ``flat_fee`` once the tier is entered.
    As with :class:`Graduated`, a zero total enters no tier, unless
    ``flat_fee_at_zero=True`` (Lago's rule: the first tier's flat fee is
    charged even with nothing to price).

    >>> eur = lambda amount: Money(amount, "EUR")
    >>> fees = GraduatedPercentage(currency="EUR", tiers=[
    ...     PercentTier(up_to=10, rate="1%", flat_fee=eur("200")),
    ...     PercentTier(up_to=20, rate="2%", flat_fee=eur("300")),
    ...     PercentTier(rate="3%", flat_fee=eur("400")),
    ... ])
    >>> fees.price(12)   # 200 + 300 + 10 x 1% + 2 x 2% = 500.14
    Money('500.14', 'EUR')
    >>> print(fees.explain(12))
    graduated_percentage, quantity 12: 500.14 EUR
      tier 1 (0 to 10): 10 x 0.01 + 200 = 200.10
      tier 2 (10 to 20): 2 x 0.02 + 300 = 300.04
    """

    kind: ClassVar[str] = "graduated_percentage"
    _error_class: ClassVar[type[ValidationError]] = PricingError
    tiers: tuple[PercentTier, ...] = attrs.field(converter=_percent_tiers)
    currency: Currency = attrs.field(converter=checks.CURRENCY)
    flat_fee_at_zero: bool = attrs.field(default=False, converter=checks.FLAG)

    def __attrs_post_init__(self) -> None:
        for i, tier in enumerate(self.tiers):
            if tier.flat_fee is not None:
                checks.same_currency(
                    f"tiers[{i}].flat_fee", tier.flat_fee, self.currency, error=PricingError
                )

    def _compute(self, q: Decimal) -> tuple[Decimal, list[Step]]:
        cur = self.currency
        total = _ZERO
        steps: list[Step] = []
        lower = _ZERO
        for i, tier in enumerate(self.tiers):
            if q <= lower and not (i == 0 and q == 0 and self.flat_fee_at_zero):
                break
            upper = tier.up_to
            part = (q if upper is None or q < upper else upper) - lower
            fee = tier.flat_fee.amount if tier.flat_fee is not None else _ZERO
            amount = part * tier.rate + fee
            total += amount
            steps.append(
                Step(
                    label=_tier_label(i, lower, upper, None),
                    units=part,
                    unit_price=_amount_in(tier.rate, cur),
                    flat_fee=_amount_in(fee, cur),
                    amount=_amount_in(amount, cur),
                    tier=i + 1,
                )
            )
            lower = upper if upper is not None else lower
        return total, steps

    def _amount(self, q: Decimal) -> Decimal:
        return self._compute(q)[0]

    def _total(self, quantity: object) -> Decimal:
        if isinstance(quantity, Money):
            checks.same_currency("quantity", quantity, self.currency, error=PricingError)
            quantity = quantity.amount
        return _QUANTITY("quantity", quantity)

    def price(self, quantity: object) -> Money:
        """The fee over one total amount."""
        q = self._total(quantity)
        with decimal.localcontext(CONTEXT):
            total = self._amount(q)
        return _amount_in(total, self.currency)

    def explain(self, quantity: object) -> Breakdown:
        """:meth:`price` with each tier's part, rate and flat fee."""
        q = self._total(quantity)
        with decimal.localcontext(CONTEXT):
            total, steps = self._compute(q)
        return Breakdown(
            model=self.kind, quantity=q, steps=tuple(steps), amount=_amount_in(total, self.currency)
        )


def _limits(value: object) -> checks.FrozenMap[str, Decimal]:
    limits = checks.mapping(
        "limits",
        value,
        checks.text,
        functools.partial(checks.decimal, low=0, noun="limit", error=PricingError),
        error=PricingError,
    )
    return limits


@attrs.frozen(kw_only=True)
class CapacityTier:
    """One tier of :class:`Capacity`: the most of each metric it allows, and its price.

    A metric the tier does not name has no limit in it.

    >>> CapacityTier(limits={"seats": 10}, price=Money("10", "USD")).limits
    FrozenMap({'seats': Decimal('10')})
    """

    _error_class: ClassVar[type[ValidationError]] = PricingError
    limits: checks.FrozenMap[str, Decimal] = attrs.field(converter=_limits)
    price: Money = attrs.field(converter=checks.MONEY, metadata=_PRICE)

    def fits(self, peaks: Mapping[str, Decimal]) -> bool:
        """Whether every metric's peak is within this tier's limit for it."""
        return all(peaks.get(metric, _ZERO) <= limit for metric, limit in self.limits.items())


def _capacity_tiers(value: Sequence[CapacityTier]) -> tuple[CapacityTier, ...]:
    tiers = checks.tuple_of("tiers", value, CapacityTier, error=PricingError)
    if not tiers:
        raise PricingError("tiers", [], "at least one CapacityTier")
    currency = tiers[0].price.currency
    for i, tier in enumerate(tiers):
        checks.same_currency(f"tiers[{i}].price", tier.price, currency, error=PricingError)
    return tiers


@attrs.frozen(kw_only=True)
class Capacity:
    """One tier chosen by the peaks of several metrics together; its whole price applies.

    Kill Bill's ``CAPACITY`` usage: the first tier whose limits every metric
    fits in (each peak at most the tier's limit) is billed at its ``price``,
    whatever the usage inside it. The quantity is a mapping of metric to peak
    (a missing metric is zero); usage beyond every tier is refused.
    In a plan, a :class:`~billkit.pricing.Charge` with a ``Capacity`` model
    reads each of :attr:`metrics` from the usage (its own ``metric`` only
    names the line).

    >>> usd = lambda amount: Money(amount, "USD")
    >>> hosting = Capacity(tiers=[
    ...     CapacityTier(limits={"cpus": 100, "gb": 1000}, price=usd("10")),
    ...     CapacityTier(limits={"cpus": 200, "gb": 2000}, price=usd("20")),
    ...     CapacityTier(limits={}, price=usd("30")),
    ... ])
    >>> hosting.price({"cpus": 100, "gb": 1001})   # gb is over tier 1's 1000
    Money('20', 'USD')
    >>> print(hosting.explain({"cpus": 10, "gb": 2001}))
    capacity, quantity 2001: 30 USD
      peaks cpus 10, gb 2001
      tier 3 (tier 2: gb 2001 over 2000): 1 x 30 = 30

    Tiers are chosen by their maxima alone: Kill Bill's limits also carry a
    ``min``, which its billing ignores ("We ignore the min and only look at
    the max Limit as the tiers should be contiguous",
    ``ContiguousIntervalCapacityUsageInArrear``); its ``max`` of ``-1`` (no
    limit) is a metric the tier does not name here.

    ``price_at_zero``: whether the first tier's price is billed when every
    metric is zero (billkit's default: yes, the tier holds the usage). Kill
    Bill bills nothing then ("Support for $0 Usage item":
    ``allUnitAmountToZero ? BigDecimal.ZERO : curTierPrice``); the
    ``KILL_BILL`` conventions set ``capacity_price_at_zero=False``.

    >>> hosting.price({"cpus": 0, "gb": 0}), attrs.evolve(hosting, price_at_zero=False).price({})
    (Money('10', 'USD'), Money('0', 'USD'))
    """

    kind: ClassVar[str] = "capacity"
    _error_class: ClassVar[type[ValidationError]] = PricingError
    tiers: tuple[CapacityTier, ...] = attrs.field(converter=_capacity_tiers)
    price_at_zero: bool = attrs.field(default=True, converter=checks.FLAG, metadata={_OMIT: True})

    @property
    def currency(self) -> Currency:
        return self.tiers[0].price.currency

    @property
    def metrics(self) -> tuple[str, ...]:
        """Every metric a tier limits, sorted: what a quote reads from the usage."""
        return tuple(sorted({m for tier in self.tiers for m in tier.limits}))

    def _peaks(self, quantity: object) -> dict[str, Decimal]:
        if not isinstance(quantity, Mapping):
            raise PricingError("quantity", quantity, "a mapping of metric to peak")
        known = set(self.metrics)
        peaks = {}
        for metric, value in quantity.items():
            if metric not in known:
                raise PricingError("quantity", metric, f"one of the metrics {sorted(known)}")
            peaks[metric] = _QUANTITY(f"quantity[{metric!r}]", value)
        return peaks

    def _find(self, peaks: Mapping[str, Decimal]) -> int:
        for i, tier in enumerate(self.tiers):
            if tier.fits(peaks):
                return i
        raise PricingError(
            "quantity",
            {m: _fmt(v) for m, v in peaks.items()},
            "peaks within the limits of one tier (the last tier allows at most "
            + ", ".join(f"{m} {_fmt(v)}" for m, v in self.tiers[-1].limits.items())
            + ")",
        )

    def _priced(self, peaks: Mapping[str, Decimal]) -> Decimal:
        """The amount billed for ``peaks``: the chosen tier's price, or nothing at zero
        usage when ``price_at_zero`` is off."""
        price = self.tiers[self._find(peaks)].price.amount
        if not self.price_at_zero and all(v <= 0 for v in peaks.values()):
            return _ZERO
        return price

    def _amount(self, q: Decimal) -> Decimal:
        # A single number is the peak of every metric (the plan's fast path never calls
        # this: a quote reads each metric).
        return self._priced(dict.fromkeys(self.metrics, q))

    def tier_for(self, quantity: object) -> int:
        """The 1-based number of the tier ``quantity`` (metric -> peak) is billed at."""
        return self._find(self._peaks(quantity)) + 1

    def price(self, quantity: object) -> Money:
        """The price of the first tier every peak fits in (see ``price_at_zero``)."""
        return _amount_in(self._priced(self._peaks(quantity)), self.currency)

    def explain(self, quantity: object) -> Breakdown:
        """:meth:`price` with the peaks and why earlier tiers were passed over."""
        peaks = self._peaks(quantity)
        i = self._find(peaks)
        tier = self.tiers[i]
        # Why the tier before was passed over: the metrics above its limits.
        label = f"tier {i + 1}"
        if i:
            over = [
                f"{m} {_fmt(peaks[m])} over {_fmt(limit)}"
                for m, limit in self.tiers[i - 1].limits.items()
                if peaks.get(m, _ZERO) > limit
            ]
            label += f" (tier {i}: {', '.join(over)})"
        amount = _amount_in(self._priced(peaks), self.currency)
        if amount.amount != tier.price.amount:
            label += ", nothing used: not billed"
        step = Step(
            label=label,
            units=_ONE if amount.amount else _ZERO,
            unit_price=tier.price,
            flat_fee=_amount_in(_ZERO, self.currency),
            amount=amount,
            tier=i + 1,
        )
        shown = ", ".join(f"{m} {_fmt(peaks.get(m, _ZERO))}" for m in self.metrics)
        top = max(peaks.values(), default=_ZERO)
        return Breakdown(
            model=self.kind, quantity=top, steps=(step,), amount=amount, note=f"peaks {shown}"
        )


def _changes(value: object) -> tuple[tuple[date, Decimal], ...]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise PricingError("changes", value, "a list of (day, change) pairs")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, Sequence) or isinstance(item, (str, bytes)) or len(item) != 2:
            raise PricingError(f"changes[{i}]", item, "a (day, change) pair")
        day = checks.day(f"changes[{i}][0]", item[0], error=PricingError)
        change = checks.decimal(f"changes[{i}][1]", item[1], noun="change", error=PricingError)
        out.append((day, change))
    return tuple(out)


@attrs.frozen(kw_only=True)
class Presence:
    """How much of a persistent metric (seats, licences, provisioned GB) was held
    over one billing period: ``opening`` units at its start, then each
    ``(day, change)``, such as ``(date(2026, 6, 9), 1)`` for a seat added on
    9 June or ``-2`` for two removed.

    A change takes effect at the start of its day: a unit added on the 9th
    counts for the 9th, a unit removed on the 20th does not count for the 20th
    (Lago counts days so). Changes are in day order, within the period, and
    never take the quantity below zero.

    >>> from datetime import date
    >>> june = Period(date(2026, 6, 1), date(2026, 7, 1))
    >>> seats = Presence(period=june, opening=2, changes=[(date(2026, 6, 9), 1)])
    >>> seats.segments   # (days, quantity): 8 days at 2, then 22 days at 3
    ((8, Decimal('2')), (22, Decimal('3')))
    """

    _error_class: ClassVar[type[ValidationError]] = PricingError
    period: Period = attrs.field(converter=checks.INSTANCE)
    opening: Decimal = attrs.field(
        default=_ZERO, converter=checks.DECIMAL, metadata=checks.options(low=0, noun="quantity")
    )
    changes: tuple[tuple[date, Decimal], ...] = attrs.field(default=(), converter=_changes)

    def __attrs_post_init__(self) -> None:
        held = self.opening
        previous = self.period.start
        for i, (day, change) in enumerate(self.changes):
            if not self.period.start <= day < self.period.end:
                raise PricingError(f"changes[{i}][0]", day, f"a day within {self.period}")
            if day < previous:
                raise PricingError(f"changes[{i}][0]", day, f"a day on or after {previous}")
            previous = day
            held += change
            if held < 0:
                raise PricingError(
                    f"changes[{i}][1]", change, f"a change leaving zero or more units (held {held})"
                )

    @property
    def segments(self) -> tuple[tuple[int, Decimal], ...]:
        """The stretches of the period at one quantity, as ``(days, quantity)``, in order."""
        out: list[tuple[int, Decimal]] = []
        held = self.opening
        since = self.period.start
        for day, change in self.changes:
            if day > since:
                out.append(((day - since).days, held))
                since = day
            held += change
        out.append(((self.period.end - since).days, held))
        return tuple(out)

    @classmethod
    def from_intervals(cls, period: Period, intervals: Sequence[tuple[object, object]]) -> Presence:
        """The presence of units each held from a first day to an end day (exclusive;
        ``None``: still held), such as seats with the days they were added and removed.

        Days outside ``period`` are clipped to it; a unit held only outside it adds
        nothing.

        >>> from datetime import date
        >>> june = Period(date(2026, 6, 1), date(2026, 7, 1))
        >>> seats = Presence.from_intervals(june, [
        ...     (date(2026, 5, 3), None),                  # held all June
        ...     (date(2026, 6, 9), date(2026, 6, 21)),     # 12 days
        ... ])
        >>> seats.opening, seats.changes
        (Decimal('1'), ((datetime.date(2026, 6, 9), Decimal('1')), (datetime.date(2026, 6, 21), Decimal('-1'))))
        """
        if isinstance(intervals, (str, bytes)) or not isinstance(intervals, Sequence):
            raise PricingError("intervals", intervals, "a list of (first day, end day) pairs")
        opening = _ZERO
        moves: dict[date, Decimal] = {}
        for i, item in enumerate(intervals):
            if not isinstance(item, Sequence) or isinstance(item, (str, bytes)) or len(item) != 2:
                raise PricingError(f"intervals[{i}]", item, "a (first day, end day) pair")
            first = checks.day(f"intervals[{i}][0]", item[0], error=PricingError)
            end = (
                None
                if item[1] is None
                else checks.day(f"intervals[{i}][1]", item[1], error=PricingError)
            )
            if end is not None and end < first:
                raise PricingError(f"intervals[{i}][1]", end, f"a day on or after {first}")
            start = max(first, period.start)
            stop = period.end if end is None else min(end, period.end)
            if start >= stop:
                continue  # held only outside the period
            if start == period.start:
                opening += 1
            else:
                moves[start] = moves.get(start, _ZERO) + 1
            if stop < period.end:
                moves[stop] = moves.get(stop, _ZERO) - 1
        changes = [(day, n) for day, n in sorted(moves.items()) if n]
        return cls(period=period, opening=opening, changes=changes)

    @property
    def closing(self) -> Decimal:
        """The quantity held at the end of the period."""
        return self.opening + sum((change for _, change in self.changes), _ZERO)


def _prorated_model(value: object) -> PerUnit | Volume | Graduated:
    if not isinstance(value, (PerUnit, Volume, Graduated)):
        raise PricingError("model", value, "a PerUnit, Volume or Graduated model")
    if isinstance(value, (Volume, Graduated)) and value._has_blocks:
        raise PricingError("model", value, "tiers without block_size (blocks are not prorated)")
    return value


def _segments(quantity: object) -> tuple[tuple[int, Decimal], ...]:
    if isinstance(quantity, Presence):
        return quantity.segments
    return ((1, _QUANTITY("quantity", quantity)),)  # held the whole period


@attrs.frozen(kw_only=True)
class Prorated:
    """A charge for a persistent metric, prorated by the days each unit was held.

    Lago's prorated charges (``prorated: true`` on a recurring ``sum`` or
    ``unique_count`` metric). ``model`` is a :class:`PerUnit`, :class:`Volume`
    or :class:`Graduated` model; the quantity is a :class:`Presence` (a plain
    quantity counts as held the whole period, priced as ``model`` would).
    Amounts are unit-days: each unit pays its price for the share of the
    period's days it was held, and the sum is divided by the period's days
    once, at the end.

    * per unit: ``unit-days x unit_price / days``;
    * volume: every unit-day at the price of one tier, chosen by the quantity
      at the end of the period (``volume_tier="closing"``, Lago's rule) or by
      the most held at once (``"peak"``), plus that tier's flat fee in full;
    * graduated: units stack in the order they came (the last added is the
      first removed); each tier's unit-days are priced at its rate, plus the
      flat fee of every tier the peak entered, in full.

    >>> from datetime import date
    >>> june = Period(date(2026, 6, 1), date(2026, 7, 1))
    >>> seat = Prorated(model=PerUnit(unit_price=Money("10", "USD")))
    >>> held = Presence(period=june, changes=[(date(2026, 6, 9), 1)])   # 22 of 30 days
    >>> round(seat.price(held).amount, 2)   # 22 unit-days x 10 / 30 = 7.333...
    Decimal('7.33')
    >>> print(seat.explain(held).steps[0].label)
    per unit (unit-days x price / 30 days)
    >>> seat.price(3) == PerUnit(unit_price=Money("10", "USD")).price(3)   # held all period
    True

    ``prorated_unit_decimals``: for a per-unit or volume model, the prorated
    units (unit-days / days) rounded *up* to this many decimals before they
    are priced, as Lago does (``BillableMetrics::ProratedAggregations``:
    ``compute_aggregation.ceil(5)``; the ``LAGO`` conventions set 5). ``None``
    (billkit's default) keeps them exact. A graduated model prices each
    tier's unit-days exactly either way (Lago's ``ProratedGraduatedService``
    works on each event's prorated value and rounds no units).

    >>> lago_seat = Prorated(model=PerUnit(unit_price=Money("10", "USD")), prorated_unit_decimals=5)
    >>> lago_seat.price(held).amount       # 22 / 30 = 0.733333..., up to 0.73334; x 10
    Decimal('7.33340')
    >>> print(lago_seat.explain(held).steps[0])
    per unit (unit-days / 30 days rounded up to 5 decimals): 0.73334 x 10 = 7.33340
    """

    kind: ClassVar[str] = "prorated"
    _error_class: ClassVar[type[ValidationError]] = PricingError
    model: AnyModel = attrs.field(converter=_prorated_model)
    volume_tier: Literal["closing", "peak"] = attrs.field(default="closing")
    prorated_unit_decimals: int | None = attrs.field(
        default=None,
        converter=checks.WHOLE,
        metadata={**checks.options(low=0, high=12), _OMIT: True},
    )

    @volume_tier.validator
    def _check_volume_tier(self, _: object, value: object) -> None:
        if value not in ("closing", "peak"):
            raise PricingError("volume_tier", value, "'closing' or 'peak'")

    @property
    def currency(self) -> Currency:
        return self.model.currency

    def _compute(self, segments: tuple[tuple[int, Decimal], ...]) -> tuple[Decimal, list[Step]]:
        cur = self.currency
        zero = _amount_in(_ZERO, cur)
        days = sum(d for d, _ in segments)
        unit_days = sum((d * q for d, q in segments), _ZERO)
        peak = max(q for _, q in segments)
        model = self.model
        steps: list[Step] = []
        per = "" if days == 1 else f", unit-days x price / {days} days"
        units = self._units(unit_days, days)
        if units is not None and days != 1:
            per = f", unit-days / {days} days rounded up to {self.prorated_unit_decimals} decimals"
        if isinstance(model, PerUnit):
            if units is None:
                total = unit_days * model.unit_price.amount / days
            else:
                total = units * model.unit_price.amount
            steps.append(
                Step(
                    label=f"per unit ({per[2:]})" if per else "per unit",
                    units=unit_days if units is None else units,
                    unit_price=model.unit_price,
                    flat_fee=zero,
                    amount=_amount_in(total, cur),
                )
            )
            return total, steps
        if isinstance(model, Volume):
            basis = segments[-1][1] if self.volume_tier == "closing" else peak
            i = model._find(basis)
            _, _, price, fee = model._table[i]
            charged = fee if (basis or model.flat_fee_at_zero) else _ZERO
            held = unit_days * price / days if units is None else units * price
            total = held + charged
            steps.append(
                Step(
                    label=model._labels[i][:-1] + per + ")",
                    units=unit_days if units is None else units,
                    unit_price=_amount_in(price, cur),
                    flat_fee=_amount_in(charged, cur),
                    amount=_amount_in(total, cur),
                    tier=i + 1,
                )
            )
            return total, steps
        assert isinstance(model, Graduated)
        priced = fees = _ZERO  # sum of unit-days x price, divided by the days once
        for i, (lower, upper, price, fee) in enumerate(model._table):
            entered = peak > lower or (i == 0 and model.flat_fee_at_zero)
            if not entered:
                break
            width = None if upper is None else upper - lower
            tier_days = _ZERO
            for d, q in segments:
                inside = q - lower if width is None or q - lower < width else width
                if inside > 0:
                    tier_days += d * inside
            priced += tier_days * price
            fees += fee
            amount = tier_days * price / days + fee
            steps.append(
                Step(
                    label=model._labels[i][:-1] + per + ")",
                    units=tier_days,
                    unit_price=_amount_in(price, cur),
                    flat_fee=_amount_in(fee, cur),
                    amount=_amount_in(amount, cur),
                    tier=i + 1,
                )
            )
        return priced / days + fees, steps

    def _units(self, unit_days: Decimal, days: int) -> Decimal | None:
        """The prorated units rounded up to ``prorated_unit_decimals`` (``None``: kept exact)."""
        places = self.prorated_unit_decimals
        if places is None or isinstance(self.model, Graduated):
            return None
        step = Decimal(1).scaleb(-places)
        return (unit_days / days).quantize(step, rounding=decimal.ROUND_CEILING)

    def _amount(self, q: Decimal) -> Decimal:
        return self._compute(((1, q),))[0]

    def price(self, quantity: object) -> Money:
        """The prorated amount for a :class:`Presence` (or a quantity held all period)."""
        segments = _segments(quantity)
        with decimal.localcontext(CONTEXT):
            total = self._compute(segments)[0]
        return _amount_in(total, self.currency)

    def explain(self, quantity: object) -> Breakdown:
        """:meth:`price` with the unit-days of each tier."""
        return self._explain(_segments(quantity))

    def _explain(self, segments: tuple[tuple[int, Decimal], ...]) -> Breakdown:
        with decimal.localcontext(CONTEXT):
            total, steps = self._compute(segments)
            days = sum(d for d, _ in segments)
            unit_days = sum((d * q for d, q in segments), _ZERO)
        return Breakdown(
            model=self.kind,
            quantity=segments[-1][1],
            steps=tuple(steps),
            amount=_amount_in(total, self.currency),
            note=f"{_fmt(unit_days)} unit-days of {days} days",
        )


AnyModel: TypeAlias = (
    Flat
    | PerUnit
    | Graduated
    | Volume
    | Package
    | Percentage
    | GraduatedPercentage
    | Capacity
    | Prorated
)
"""The concrete price models, for type annotations and catalogs."""
