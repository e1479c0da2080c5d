"""Money: exact amounts, minor units, rounding, allocation and tax splits.

billkit's :class:`Money` *is* py-moneyed's ``Money`` (re-exported), so values
interoperate with django-money and every other user of py-moneyed. billkit
adds what py-moneyed leaves out:

* :func:`minor_units`: how many decimal places a currency has, from one source
  of truth (py-moneyed's ISO 4217 registry) with per-policy overrides;
* :class:`RoundingPolicy` and :func:`quantize`: rounding at named points only,
  with an explicit mode (half-up by default), never the process-wide decimal
  context and never py-moneyed's own half-even ``round``;
* :func:`allocate`: splits that add back up to the total, to the minor unit;
* :func:`tax_from_net` / :func:`tax_from_gross`: tax splits whose parts always
  add up;
* :func:`to_decimal`, :func:`to_money`, :func:`to_rate`: converters that refuse
  floats, booleans, NaN and infinities with an error naming the field.

>>> from billkit.money import Money, tax_from_gross, allocate
>>> tax_from_gross(Money("250.00", "RUB"), "20%").tax
Money('41.67', 'RUB')
>>> allocate(Money("100.00", "EUR"), [1, 1, 1])
[Money('33.34', 'EUR'), Money('33.33', 'EUR'), Money('33.33', 'EUR')]
"""

from __future__ import annotations

import decimal
import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import ClassVar, Final, TypeAlias

import attrs
from moneyed import Currency, CurrencyDoesNotExist, Money, get_currency

import billkit._checks as checks
from billkit.errors import CurrencyMismatchError, MoneyError, UnknownCurrencyError, ValidationError

__all__ = [
    "Money",
    "RoundingMode",
    "RoundingPolicy",
    "TaxSplit",
    "allocate",
    "minor_units",
    "quantize",
    "tax_from_gross",
    "tax_from_net",
    "to_decimal",
    "to_money",
    "to_rate",
]
# Also importable from here, outside the one-screen surface: Currency, DecimalLike,
# DEFAULT_ROUNDING, CONTEXT, LIMIT, PLACES, in_range (the range of docs/limits.md),
# currency_of, local_context, split_evenly, sum_money, zero.

DecimalLike: TypeAlias = Decimal | int | str
"""What billkit accepts where it needs an exact number: never a ``float``."""

CONTEXT: Final = decimal.Context(
    prec=80,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=999_999,
    Emin=-999_999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
"""billkit's decimal context: 80 significant digits, so no sum or product of
amounts loses a digit, whatever the caller set on the thread's context."""

_ZERO: Final = Decimal(0)
# The range of numbers billkit accepts (docs/limits.md): below 10**18 in size
# with at most 12 decimal places, so a number spans at most 30 digits, the
# product of two spans at most 60, and sums of up to 10**20 such products fit
# CONTEXT's 80 digits exactly.
_MAX_ADJUSTED: Final = 17
_MIN_EXPONENT: Final = -12
LIMIT: Final = Decimal(10) ** (_MAX_ADJUSTED + 1)
"""Every number billkit accepts or computes is below this in size (10**18)."""
_FINEST: Final = Decimal(1).scaleb(_MIN_EXPONENT)
RANGE_CHECK: Final = decimal.Context(
    prec=_MAX_ADJUSTED + 1 - _MIN_EXPONENT,
    Emax=999_999,
    Emin=-999_999,
    traps=[decimal.InvalidOperation, decimal.Rounded, decimal.Overflow],
)
"""A context that only checks: ``value.quantize(_FINEST, None, RANGE_CHECK)``
raises for a finite ``value`` outside billkit's range (a place below 10**-12 is
``Rounded``; 10**18 or more needs a 31st digit, ``InvalidOperation``), and
returns for one inside it; :func:`in_range` and quote()'s fast path
(``pricing/_compiled.py``) use it. Only its sticky flags ever change."""
PLACES: Final = -_MIN_EXPONENT
"""Every number billkit accepts has at most this many decimal places (12)."""
_RANGE: Final = (
    f"a number below 10**{_MAX_ADJUSTED + 1} in size with at most {PLACES} decimal places"
)


def in_range(value: Decimal) -> bool:
    """Whether the ``Decimal`` ``value`` is finite and within billkit's range
    (below 10**18 in size, at most 12 decimal places; see docs/limits.md).

    >>> in_range(Decimal("999999999999999999.999999999999")), in_range(Decimal("1e18"))
    (True, False)
    >>> in_range(Decimal("0.0000000000001")), in_range(Decimal("NaN"))
    (False, False)
    """
    if not value.is_finite():
        return False
    try:
        # Rounding to the finest place allowed needs at most 30 digits for a number in
        # range; RANGE_CHECK traps a lost place (Rounded) or a 31st digit (Invalid).
        value.quantize(_FINEST, None, RANGE_CHECK)
    except decimal.DecimalException:
        return False
    return True


def _policy(value: object) -> RoundingPolicy:
    if not isinstance(value, RoundingPolicy):
        raise MoneyError("policy", value, "a RoundingPolicy")
    return value


def _result(field: str, value: object, amount: Decimal, what: str) -> Decimal:
    """``amount`` (computed from ``value``) if it is within range, else a MoneyError."""
    if not (-LIMIT < amount < LIMIT):
        raise MoneyError(field, value, f"{what} below 10**{_MAX_ADJUSTED + 1} in size")
    return amount


def local_context(
    mode: RoundingMode | str | decimal.Context | None = None,
) -> AbstractContextManager[decimal.Context]:
    """A private copy of billkit's :data:`CONTEXT` (with ``mode`` as its
    rounding, if given; or of a context :func:`rounding_context` made) as the current thread's decimal context for a
    ``with`` block: the one way billkit's core computes in its own context.

    It never changes the caller's context, nor another thread's (the banned
    ``decimal.setcontext`` would), so pure functions stay safe to run in many
    threads at once.

    >>> import decimal
    >>> with local_context("up") as ctx:
    ...     Decimal("0.121").quantize(Decimal("0.01")), ctx.prec
    (Decimal('0.13'), 80)
    >>> decimal.getcontext().rounding == decimal.ROUND_HALF_EVEN   # the caller's, untouched
    True
    """
    if mode is None:
        return decimal.localcontext(CONTEXT)
    if type(mode) is decimal.Context:
        return decimal.localcontext(mode)
    return decimal.localcontext(rounding_context(mode))  # type: ignore[arg-type]


def rounding_context(mode: RoundingMode | str) -> decimal.Context:
    """billkit's :data:`CONTEXT` with ``mode`` as its rounding: for code that
    quantizes many amounts under one policy (``amount.quantize(quantum)``)."""
    return _MODE_CONTEXTS[checks.member("mode", mode, RoundingMode, error=MoneyError).value]


class RoundingMode(str, enum.Enum):
    """How a value is rounded to a currency's minor unit.

    ``HALF_UP`` rounds halves away from zero (0.125 -> 0.13, -0.125 -> -0.13),
    the rule of most invoices and tax authorities. ``HALF_EVEN`` is banker's
    rounding. ``UP`` and ``DOWN`` round away from / towards zero; ``CEILING``
    and ``FLOOR`` towards positive / negative infinity.
    """

    HALF_UP = "half_up"
    HALF_EVEN = "half_even"
    UP = "up"
    DOWN = "down"
    CEILING = "ceiling"
    FLOOR = "floor"

    @property
    def decimal_rounding(self) -> str:
        """The :mod:`decimal` constant for this mode."""
        return _DECIMAL_ROUNDING[self.value]


_DECIMAL_ROUNDING: Final = {
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "up": decimal.ROUND_UP,
    "down": decimal.ROUND_DOWN,
    "ceiling": decimal.ROUND_CEILING,
    "floor": decimal.ROUND_FLOOR,
}


def _to_minor_units(value: Mapping[str, int]) -> Mapping[str, int]:
    result: dict[str, int] = {}
    for code, digits in value.items():
        currency = _lookup_currency(code, field="rounding.minor_units")
        field = f"rounding.minor_units[{code!r}]"
        result[currency.code] = checks.whole(field, digits, low=0, high=8, error=MoneyError)
    return checks.FrozenMap(sorted(result.items()))


@attrs.frozen(kw_only=True)
class RoundingPolicy:
    """Where a computed amount is rounded to, and how.

    ``mode`` is the rounding rule; ``minor_units`` overrides the number of
    decimal places for some currencies (the default is the ISO 4217 minor unit
    from py-moneyed's registry, see :func:`minor_units`).

    >>> RoundingPolicy().round(Money("0.125", "EUR"))
    Money('0.13', 'EUR')
    >>> RoundingPolicy(mode="half_even").round(Money("0.125", "EUR"))
    Money('0.12', 'EUR')
    >>> RoundingPolicy(minor_units={"IRR": 0}).round(Money("1234.50", "IRR"))
    Money('1235', 'IRR')
    """

    _error_class: ClassVar[type[ValidationError]] = MoneyError
    _field_prefix: ClassVar[str] = "rounding."

    mode: RoundingMode = attrs.field(default=RoundingMode.HALF_UP, converter=checks.MEMBER)
    minor_units: Mapping[str, int] = attrs.field(
        factory=dict, converter=_to_minor_units, eq=False, hash=False, repr=False
    )
    # Mappings are not hashable: compare and hash the sorted items instead.
    _key: tuple[tuple[str, int], ...] = attrs.field(init=False, repr=False)

    @_key.default
    def _make_key(self) -> tuple[tuple[str, int], ...]:
        return tuple(self.minor_units.items())

    def __repr__(self) -> str:
        extra = f", minor_units={dict(self.minor_units)!r}" if self.minor_units else ""
        return f"RoundingPolicy(mode={self.mode.value!r}{extra})"

    def digits(self, currency: Currency | str) -> int:
        """Decimal places for ``currency`` under this policy."""
        return minor_units(currency, self.minor_units)

    def quantum(self, currency: Currency | str) -> Decimal:
        """The smallest amount of ``currency`` under this policy (0.01 for EUR)."""
        return _QUANTA[self.digits(currency)]

    def round(self, money: Money) -> Money:
        """``money`` rounded to its currency's minor unit under this policy."""
        return Money(self.round_amount(money.amount, money.currency), money.currency)

    def round_amount(self, amount: Decimal, currency: Currency | str) -> Decimal:
        """A bare ``Decimal`` amount of ``currency`` rounded under this policy."""
        return amount.quantize(
            _QUANTA[self.digits(currency)],
            rounding=_DECIMAL_ROUNDING[self.mode.value],
            context=CONTEXT,
        )


_MODE_CONTEXTS: Final = {mode.value: CONTEXT.copy() for mode in RoundingMode}
for _mode, _ctx in _MODE_CONTEXTS.items():
    _ctx.rounding = _DECIMAL_ROUNDING[_mode]

_QUANTA: Final = tuple(Decimal(1).scaleb(-n) for n in range(9))

DEFAULT_ROUNDING: Final = RoundingPolicy()
"""Half-up to the currency's ISO 4217 minor unit."""


def _lookup_currency(value: Currency | str, *, field: str = "currency") -> Currency:
    if isinstance(value, Currency):
        return value
    if not isinstance(value, str):
        raise UnknownCurrencyError(field, value, "an ISO 4217 currency code such as 'EUR'")
    try:
        return get_currency(value.upper())
    except CurrencyDoesNotExist:
        raise UnknownCurrencyError(
            field, value, "an ISO 4217 currency code known to py-moneyed, such as 'EUR'"
        ) from None


def currency_of(value: Currency | str) -> Currency:
    """The py-moneyed :class:`Currency` for a code, or :class:`UnknownCurrencyError`.

    >>> currency_of("rub").code
    'RUB'
    """
    return _lookup_currency(value)


def minor_units(currency: Currency | str, overrides: Mapping[str, int] | None = None) -> int:
    """Decimal places of ``currency``: its ISO 4217 minor unit, unless overridden.

    The one source of truth is py-moneyed's currency registry, which follows
    ISO 4217 (``sub_unit``). CLDR, and so babel, disagrees for about a dozen
    currencies: ISO gives the Iranian rial 2 decimals, CLDR 0, and Iranian
    invoices are written in whole rials. Pass ``overrides`` (or set
    ``RoundingPolicy(minor_units=...)``) to follow local practice.

    >>> minor_units("EUR"), minor_units("JPY"), minor_units("KWD"), minor_units("IRR")
    (2, 0, 3, 2)
    >>> minor_units("IRR", {"IRR": 0})
    0
    """
    cur = _lookup_currency(currency)
    if overrides:
        if not isinstance(overrides, checks.FrozenMap):  # not checked by a RoundingPolicy
            overrides = _to_minor_units(overrides)
        found = overrides.get(cur.code)
        if found is not None:
            return found
    digits = _DIGITS.get(cur.code)
    if digits is None:
        digits = len(str(cur.sub_unit)) - 1 if cur.sub_unit > 0 else 0
        _DIGITS[cur.code] = digits
    return digits


_DIGITS: dict[str, int] = {}  # cache of registry lookups: a pure function of the code


def quantize(money: Money, policy: RoundingPolicy = DEFAULT_ROUNDING) -> Money:
    """Round ``money`` to its currency's minor unit under ``policy``.

    Use this, not ``Money.round()``: py-moneyed rounds with the thread's
    decimal context (half-even) and no way to choose.

    >>> quantize(Money("2.675", "USD"))
    Money('2.68', 'USD')
    >>> quantize(Money("2.675", "USD"), RoundingPolicy(mode="down"))
    Money('2.67', 'USD')
    """
    return _policy(policy).round(
        checks.money(
            "money", checks.instance("money", money, Money, error=MoneyError), error=MoneyError
        )
    )


def to_decimal(value: object, field: str = "amount") -> Decimal:
    """``value`` as an exact ``Decimal``: str, int or Decimal; never float.

    Floats are refused because ``0.1`` is not one tenth; booleans, NaN and
    infinities are refused because they are never amounts.

    >>> to_decimal("19.90")
    Decimal('19.90')
    >>> to_decimal(0.1, "unit_price")
    Traceback (most recent call last):
    ...
    billkit.errors.MoneyError: unit_price = 0.1: expected a str, int or Decimal (floats are inexact: write '0.1')
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise MoneyError(field, value, "a number, not a bool")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            # CONTEXT traps malformed strings whatever the thread's traps (else: NaN).
            if len(value) > _LONGEST:  # never a number in range: don't parse megabytes
                raise MoneyError(field, value[:40] + "...", _RANGE)
            result = Decimal(value.strip().replace("_", ""), CONTEXT)
        except (decimal.InvalidOperation, decimal.Overflow):
            raise MoneyError(field, value, "a decimal number such as '19.90'") from None
    elif isinstance(value, float):
        hint = (  # float(): numpy.float64 is a float whose repr names numpy
            f"floats are inexact: write '{float(value)!r}'"
            if math.isfinite(value)
            else "never a float"
        )
        raise MoneyError(field, value, f"a str, int or Decimal ({hint})")
    else:
        raise MoneyError(field, value, "a str, int or Decimal")
    if not result.is_finite():
        raise MoneyError(field, value, "a finite number")
    if not in_range(result):
        raise MoneyError(field, value, _RANGE)
    return result


_LONGEST: Final = 200  # characters: 30 digits with spaces, underscores and a sign fit


def to_money(value: object, currency: Currency | str | None = None, field: str = "amount") -> Money:
    """``value`` as :class:`Money`, refusing floats and foreign currencies.

    ``value`` may be a Money (its currency must equal ``currency`` if given),
    or an exact number with ``currency``. A string ``"12.50 EUR"`` is read too.

    >>> to_money("12.50", "EUR")
    Money('12.50', 'EUR')
    >>> to_money("12.50 eur")
    Money('12.50', 'EUR')
    >>> to_money(Money("1", "USD"), "EUR", field="base_fee")
    Traceback (most recent call last):
    ...
    billkit.errors.CurrencyMismatchError: base_fee = Money('1', 'USD'): expected an amount in EUR
    """
    if isinstance(value, Money):
        if currency is not None and value.currency != _lookup_currency(currency, field=field):
            raise CurrencyMismatchError(
                field, value, f"an amount in {_lookup_currency(currency).code}"
            )
        to_decimal(value.amount, field=field)  # finite and within the range billkit accepts
        return value
    if currency is None:
        if isinstance(value, str) and len(parts := value.split()) == 2:
            return Money(to_decimal(parts[0], field=field), _lookup_currency(parts[1], field=field))
        raise MoneyError(field, value, "a Money, or an amount with a currency such as '12.50 EUR'")
    return Money(to_decimal(value, field=field), _lookup_currency(currency, field=field))


def to_rate(value: object, field: str = "rate") -> Decimal:
    """A rate as a fraction: ``"20%"`` and ``"0.20"`` both give ``Decimal('0.20')``.

    Negative rates are refused; rates above 100% are allowed (a 150% markup).

    >>> to_rate("20%"), to_rate("0.2"), to_rate(Decimal("0.039"))
    (Decimal('0.20'), Decimal('0.2'), Decimal('0.039'))
    """
    if isinstance(value, str) and value.strip().endswith("%"):
        rate = to_decimal(value.strip()[:-1], field=field).scaleb(-2, CONTEXT)
        if not in_range(rate):
            raise MoneyError(field, value, f"a percentage with at most {PLACES - 2} decimal places")
    else:
        rate = to_decimal(value, field=field)
    if rate < 0:
        raise MoneyError(field, value, "a rate of zero or more")
    return rate


def zero(currency: Currency | str) -> Money:
    """Zero in ``currency``."""
    return Money(_ZERO, _lookup_currency(currency))


def _one_currency(amounts: Iterable[Money], field: str) -> Currency | None:
    currency: Currency | None = None
    for i, m in enumerate(amounts):
        checks.instance(f"{field}[{i}]", m, Money, error=MoneyError)
        checks.money(f"{field}[{i}]", m, error=MoneyError)
        if currency is None:
            currency = m.currency
        elif m.currency != currency:
            raise CurrencyMismatchError(f"{field}[{i}]", m, f"an amount in {currency.code}")
    return currency


def sum_money(amounts: Iterable[Money], currency: Currency | str | None = None) -> Money:
    """The exact sum of ``amounts``; all in one currency.

    ``currency`` names the currency of an empty sum (and is checked otherwise).

    >>> sum_money([Money("1.10", "EUR"), Money("2.20", "EUR")])
    Money('3.30', 'EUR')
    >>> sum_money([], "EUR")
    Money('0', 'EUR')
    """
    if isinstance(amounts, (str, bytes, Money)) or not isinstance(amounts, Iterable):
        raise MoneyError("amounts", amounts, "an iterable of Money")
    items = list(amounts)
    found = _one_currency(items, "amounts")
    if currency is not None:
        expected = _lookup_currency(currency)
        if found is not None and found != expected:
            raise CurrencyMismatchError("amounts", items, f"amounts in {expected.code}")
        found = expected
    if found is None:
        raise MoneyError("currency", None, "a currency for an empty sum")
    total = _ZERO
    for m in items:
        total = CONTEXT.add(total, m.amount)
    return Money(_result("amounts", "...", total, "a sum"), found)


def allocate(
    total: Money, weights: Sequence[DecimalLike], policy: RoundingPolicy = DEFAULT_ROUNDING
) -> list[Money]:
    """Split ``total`` in proportion to ``weights`` so the parts add up exactly.

    Each part is its exact share rounded towards zero to the minor unit; the
    minor units left over go one each to the parts with the largest dropped
    remainders, the earlier part first on a tie (the *largest remainder*
    method). Zero weights always get zero. A negative total is split as its
    absolute value and negated, so signs never mix.

    ``total`` must already be a whole number of minor units under ``policy``:
    a split cannot conserve digits it cannot represent.

    >>> allocate(Money("10.00", "EUR"), [1, 2])
    [Money('3.33', 'EUR'), Money('6.67', 'EUR')]
    >>> allocate(Money("0.05", "EUR"), ["0.3", "0.3", "0.4"])
    [Money('0.02', 'EUR'), Money('0.01', 'EUR'), Money('0.02', 'EUR')]
    """
    checks.instance("total", total, Money, error=MoneyError)
    checks.money("total", total, error=MoneyError)
    policy = _policy(policy)
    if isinstance(weights, (str, bytes)) or not isinstance(weights, Sequence):
        raise MoneyError("weights", weights, "a list of weights (numbers of zero or more)")
    ws = [to_decimal(w, field=f"weights[{i}]") for i, w in enumerate(weights)]
    if not ws:
        raise MoneyError("weights", list(weights), "at least one weight")
    for i, w in enumerate(ws):
        if w < 0:
            raise MoneyError(f"weights[{i}]", weights[i], "a weight of zero or more")
    # Weights have at most PLACES decimals: scaled, they are exact ints, and the
    # split below is integer arithmetic, exact whatever the sizes.
    scaled = [int(w.scaleb(PLACES, CONTEXT)) for w in ws]
    weight_sum = sum(scaled)
    if weight_sum == 0:
        raise MoneyError("weights", list(weights), "at least one weight above zero")
    digits = policy.digits(total.currency)
    quantum = _QUANTA[digits]
    units = total.amount.scaleb(digits, CONTEXT)
    if units != units.to_integral_value(context=CONTEXT):
        raise MoneyError(
            "total",
            total,
            f"a whole number of minor units ({digits} decimal places); round it first",
        )
    sign = -1 if units < 0 else 1
    whole = int(units.copy_abs())  # exact; abs() would round to the thread's context
    floors: list[int] = []
    remainders: list[int] = []
    for part in scaled:
        share, rest = divmod(whole * part, weight_sum)
        floors.append(share)
        remainders.append(rest)
    left = whole - sum(floors)
    # Largest remainder first, then the earlier part.
    order = sorted(range(len(ws)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    currency = total.currency
    return [Money(CONTEXT.multiply(sign * n, quantum), currency) for n in floors]


def split_evenly(
    total: Money, parts: int, policy: RoundingPolicy = DEFAULT_ROUNDING
) -> list[Money]:
    """Split ``total`` into ``parts`` near-equal amounts that add up exactly.

    >>> split_evenly(Money("100.00", "RUB"), 3)
    [Money('33.34', 'RUB'), Money('33.33', 'RUB'), Money('33.33', 'RUB')]
    """
    checks.whole("parts", parts, low=1, error=MoneyError)
    return allocate(total, [1] * parts, policy)


@attrs.frozen(kw_only=True)
class TaxSplit:
    """An amount split into net, tax and gross, with ``net + tax == gross``.

    ``rate`` is the fraction applied (``Decimal('0.20')`` for 20 %).
    """

    net: Money
    tax: Money
    gross: Money
    rate: Decimal


def tax_from_net(
    net: Money, rate: DecimalLike, policy: RoundingPolicy = DEFAULT_ROUNDING
) -> TaxSplit:
    """Tax and gross for a net (tax-exclusive) amount.

    This is a rounding point: the net is first rounded to the minor unit under
    ``policy`` (the split's ``net`` shows the figure used), the tax is
    ``net x rate`` rounded once, and the gross is their sum.

    >>> tax_from_net(Money("100.00", "RUB"), "22%")
    TaxSplit(net=Money('100.00', 'RUB'), tax=Money('22.00', 'RUB'), gross=Money('122.00', 'RUB'), rate=Decimal('0.22'))
    """
    policy = _policy(policy)
    net = policy.round(
        checks.money("net", checks.instance("net", net, Money, error=MoneyError), error=MoneyError)
    )
    r = to_rate(rate)
    tax = policy.round_amount(CONTEXT.multiply(net.amount, r), net.currency)
    gross = CONTEXT.add(net.amount, tax)
    _result("rate", rate, gross, f"a rate whose gross on {net.amount} stays")
    tax_money, gross_money = Money(tax, net.currency), Money(gross, net.currency)
    return TaxSplit(net=net, tax=tax_money, gross=gross_money, rate=r)


def tax_from_gross(
    gross: Money, rate: DecimalLike, policy: RoundingPolicy = DEFAULT_ROUNDING
) -> TaxSplit:
    """Net and tax inside a gross (tax-inclusive) amount.

    This is a rounding point: the gross is first rounded to the minor unit
    under ``policy`` (the split's ``gross`` shows the figure used: 22.4137 RUB
    becomes 22.41), the tax is ``gross x rate / (1 + rate)`` rounded once, and
    the net is ``gross - tax``, so the parts always add back up to the gross.
    250.00 RUB including 20 % VAT holds 250 x 20 / 120 = 41.666... -> 41.67
    of tax and 208.33 net (the hosting provider's cart):

    >>> split = tax_from_gross(Money("250.00", "RUB"), "20%")
    >>> split.net, split.tax
    (Money('208.33', 'RUB'), Money('41.67', 'RUB'))
    """
    policy = _policy(policy)
    gross = policy.round(
        checks.money(
            "gross", checks.instance("gross", gross, Money, error=MoneyError), error=MoneyError
        )
    )
    r = to_rate(rate)
    exact = CONTEXT.divide(CONTEXT.multiply(gross.amount, r), CONTEXT.add(1, r))
    tax = Money(policy.round_amount(exact, gross.currency), gross.currency)
    net = Money(CONTEXT.subtract(gross.amount, tax.amount), gross.currency)
    return TaxSplit(net=net, tax=tax, gross=gross, rate=r)
