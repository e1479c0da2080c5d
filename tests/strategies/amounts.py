"""Shared hypothesis strategies for the money room: amounts, currencies, rates, rounding.

Import them from any test module::

    from tests.strategies import money, rates, weights

Every value here is built exactly, from integers and strings, never from a
``float`` and never through the thread's decimal context, so a test may check
it with exact arithmetic (``fractions.Fraction``) and may run billkit inside a
deliberately hostile ``decimal.localcontext`` without disturbing its inputs.

Amounts are drawn as a whole number of *units* of ``10 ** -places`` and turned
into ``Decimal(f"{units}E-{places}")``: ``places`` is then exactly the number
of digits after the point (``Decimal("1250E-2") == Decimal("12.50")``).

The currencies cover every minor-unit width billkit meets (ISO 4217): 0
decimals (JPY, KRW), 2 (EUR, USD, RUB, and IRR, whose ISO minor unit is 2
although Iranian invoices are in whole rials), 3 (KWD, BHD) and 4 (CLF).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Final

from hypothesis import strategies as st

from billkit.money import (
    DEFAULT_ROUNDING,
    DecimalLike,
    Money,
    RoundingMode,
    RoundingPolicy,
)

__all__ = [
    "CURRENCIES_BY_DIGITS",
    "CURRENCY_CODES",
    "HALF_MODES",
    "MAX_MAJOR_UNITS",
    "currency_codes",
    "exact_decimal",
    "exact_halves",
    "money",
    "money_lists",
    "rates",
    "rounding_modes",
    "rounding_policies",
    "scaled_decimals",
    "unrounded_money",
    "weights",
]

CURRENCIES_BY_DIGITS: Final[dict[int, tuple[str, ...]]] = {
    0: ("JPY", "KRW"),
    2: ("EUR", "USD", "RUB", "IRR"),
    3: ("KWD", "BHD"),
    4: ("CLF",),
}
"""Currency codes by their ISO 4217 minor unit (the published table)."""

CURRENCY_CODES: Final[tuple[str, ...]] = tuple(
    code for codes in CURRENCIES_BY_DIGITS.values() for code in codes
)
"""Every code in :data:`CURRENCIES_BY_DIGITS`."""

MAX_MAJOR_UNITS: Final = 10**12
"""Default bound on generated amounts, in major units (a trillion)."""

HALF_MODES: Final = (RoundingMode.HALF_UP, RoundingMode.HALF_EVEN)
"""The modes that round to the nearest minor unit."""


def exact_decimal(units: int, places: int) -> Decimal:
    """``units * 10 ** -places`` as a Decimal with exactly ``places`` decimals.

    Parsed from a string, so no decimal context is involved.
    """
    return Decimal(f"{units}E-{places}")


def currency_codes(digits: Iterable[int] | None = None) -> st.SearchStrategy[str]:
    """Currency codes, optionally only those with the given ISO minor units.

    ``currency_codes([0, 3])`` draws from JPY, KRW, KWD and BHD.
    """
    if digits is None:
        return st.sampled_from(CURRENCY_CODES)
    return st.sampled_from([code for d in digits for code in CURRENCIES_BY_DIGITS[d]])


def scaled_decimals(
    places: int,
    *,
    max_abs: int = MAX_MAJOR_UNITS,
    allow_negative: bool = True,
    allow_zero: bool = True,
) -> st.SearchStrategy[Decimal]:
    """Decimals with exactly ``places`` digits after the point, ``|x| <= max_abs``."""
    bound = max_abs * 10**places
    low = -bound if allow_negative else 0
    units = st.integers(low, bound)
    if not allow_zero:
        units = units.filter(bool)
    return units.map(lambda n: exact_decimal(n, places))


def rounding_modes() -> st.SearchStrategy[RoundingMode]:
    """Any :class:`RoundingMode`."""
    return st.sampled_from(RoundingMode)


def rounding_policies(
    modes: Sequence[RoundingMode] | None = None,
) -> st.SearchStrategy[RoundingPolicy]:
    """Rounding policies: any mode (or one of ``modes``), with or without
    overrides of the minor unit (IRR in whole rials, KWD in two decimals,
    EUR in four), so code under test cannot assume the ISO digits."""
    overrides = st.sampled_from([{}, {"IRR": 0}, {"IRR": 0, "KWD": 2}, {"EUR": 4}])
    return st.builds(
        RoundingPolicy,
        mode=st.sampled_from(modes) if modes is not None else rounding_modes(),
        minor_units=overrides,
    )


@st.composite
def money(
    draw: st.DrawFn,
    currencies: st.SearchStrategy[str] | None = None,
    *,
    policy: RoundingPolicy = DEFAULT_ROUNDING,
    extra_places: int = 0,
    max_abs: int = MAX_MAJOR_UNITS,
    allow_negative: bool = True,
    allow_zero: bool = True,
) -> Money:
    """A :class:`Money` whose amount has exactly the currency's decimals.

    The decimals are ``policy.digits(currency) + extra_places``: with the
    default ``extra_places=0`` the amount is already a whole number of minor
    units under ``policy`` (what :func:`billkit.money.allocate` requires).
    """
    code = draw(currencies if currencies is not None else currency_codes())
    places = policy.digits(code) + extra_places
    amount = draw(
        scaled_decimals(
            places, max_abs=max_abs, allow_negative=allow_negative, allow_zero=allow_zero
        )
    )
    return Money(amount, code)


@st.composite
def unrounded_money(
    draw: st.DrawFn,
    currencies: st.SearchStrategy[str] | None = None,
    *,
    policy: RoundingPolicy = DEFAULT_ROUNDING,
    max_abs: int = MAX_MAJOR_UNITS,
    allow_negative: bool = True,
) -> Money:
    """A :class:`Money` with 1 to 4 more decimals than its minor unit
    (``Money('22.4137', 'RUB')``): what a usage price times a quantity gives
    before it is rounded at a named point."""
    extra = draw(st.integers(1, 4))
    return draw(
        money(
            currencies,
            policy=policy,
            extra_places=extra,
            max_abs=max_abs,
            allow_negative=allow_negative,
        )
    )


@st.composite
def exact_halves(
    draw: st.DrawFn,
    currencies: st.SearchStrategy[str] | None = None,
    *,
    policy: RoundingPolicy = DEFAULT_ROUNDING,
    max_abs: int = 10**6,
) -> Money:
    """A :class:`Money` exactly half-way between two minor units
    (``0.125 EUR``, ``-2.5 JPY``): where the half-rounding modes differ.

    Built as ``(2n + 1) * 5`` units of one more decimal than the minor unit,
    i.e. ``(n + 1/2)`` minor units.
    """
    code = draw(currencies if currencies is not None else currency_codes())
    places = policy.digits(code)
    n = draw(st.integers(-max_abs * 10**places, max_abs * 10**places))
    return Money(exact_decimal((2 * n + 1) * 5, places + 1), code)


def rates(*, max_percent: int = 200) -> st.SearchStrategy[Decimal]:
    """Non-negative rates as fractions (``Decimal('0.2')`` is 20 %), up to
    ``max_percent``, with up to four decimals of a percent; real VAT rates
    (0, 5, 10, 20 and 22 %) and the 3.9 % provider commission come up often."""
    common = st.sampled_from(["0", "0.05", "0.10", "0.20", "0.22", "0.039"]).map(Decimal)
    # n / 10**6 with n up to max_percent * 10**4: four decimals of a percent.
    arbitrary = st.integers(0, max_percent * 10**4).map(lambda n: exact_decimal(n, 6))
    return st.one_of(common, arbitrary)


def _weight_forms(value: Decimal) -> st.SearchStrategy[DecimalLike]:
    """``value`` as a Decimal, a str, or an int when it is whole."""
    forms: list[DecimalLike] = [value, str(value)]
    if value == value.to_integral_value():
        forms.append(int(value))
    return st.sampled_from(forms)


@st.composite
def weights(
    draw: st.DrawFn, *, min_size: int = 1, max_size: int = 12, zeros: bool = True
) -> list[DecimalLike]:
    """Allocation weights: non-negative, at least one above zero.

    Each weight is an int, a Decimal with up to four decimals, or such a
    number as a string (every ``DecimalLike`` form :func:`allocate` accepts).
    With ``zeros`` (the default) zero weights come up often.
    """
    positive = st.one_of(
        st.integers(1, 1000).map(Decimal),
        st.integers(1, 10**8).map(lambda n: exact_decimal(n, 4)),
    )
    one = st.one_of(st.just(Decimal(0)), positive) if zeros else positive
    values = draw(st.lists(one, min_size=min_size, max_size=max_size))
    if all(v == 0 for v in values):
        values[draw(st.integers(0, len(values) - 1))] = draw(positive)
    return [draw(_weight_forms(v)) for v in values]


@st.composite
def money_lists(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    min_size: int = 0,
    max_size: int = 10,
    extra_places: int = 0,
) -> list[Money]:
    """Lists of :class:`Money` all in one currency (``currency`` or a drawn one)."""
    code = currency if currency is not None else draw(currency_codes())
    return draw(
        st.lists(
            money(st.just(code), extra_places=extra_places),
            min_size=min_size,
            max_size=max_size,
        )
    )
