"""Tests for billkit.money and billkit.errors: worked examples, then properties.

Every expected number comes from REQUIREMENTS.md, from a published rule
(ISO 4217 minor units, the definitions of the :mod:`decimal` rounding modes)
or from arithmetic written next to it. Properties check results with exact
rational arithmetic (``fractions.Fraction``) wherever they need an expected value.
"""

from __future__ import annotations

import contextlib
import decimal
import math
import pickle
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal, localcontext
from fractions import Fraction

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from billkit.errors import (
    BillkitError,
    CatalogError,
    CurrencyMismatchError,
    MoneyError,
    PeriodError,
    PricingError,
    UnknownCurrencyError,
    UnknownMetricError,
    UnknownPlanError,
    ValidationError,
)
from billkit.money import (
    DEFAULT_ROUNDING,
    DecimalLike,
    Money,
    RoundingMode,
    RoundingPolicy,
    TaxSplit,
    allocate,
    currency_of,
    minor_units,
    quantize,
    split_evenly,
    sum_money,
    tax_from_gross,
    tax_from_net,
    to_decimal,
    to_money,
    to_rate,
    zero,
)
from tests.strategies import (
    CURRENCIES_BY_DIGITS,
    HALF_MODES,
    currency_codes,
    exact_halves,
    money,
    money_lists,
    rates,
    rounding_modes,
    rounding_policies,
    unrounded_money,
    weights,
)

IRR_WHOLE = RoundingPolicy(minor_units={"IRR": 0})


def amounts(parts: Sequence[Money]) -> list[str]:
    """The amounts as strings: compares value *and* number of decimals."""
    return [str(m.amount) for m in parts]


def codes(parts: Sequence[Money]) -> set[str]:
    return {m.currency.code for m in parts}


def frac(m: Money) -> Fraction:
    """The exact rational value of an amount."""
    return Fraction(m.amount)


def quantum_of(currency: str, policy: RoundingPolicy = DEFAULT_ROUNDING) -> Fraction:
    """One minor unit as an exact fraction: 1/100 for EUR, 1 for JPY."""
    return Fraction(1, 10 ** policy.digits(currency))


def is_whole_minor_units(m: Money, policy: RoundingPolicy = DEFAULT_ROUNDING) -> bool:
    return (frac(m) / quantum_of(m.currency.code, policy)).denominator == 1


# ================================================================ errors


class TestErrorTree:
    # The tree drawn in billkit.errors' docstring, edge by edge.
    @pytest.mark.parametrize(
        ("child", "parent"),
        [
            (ValidationError, BillkitError),
            (ValidationError, ValueError),
            (MoneyError, ValidationError),
            (CurrencyMismatchError, MoneyError),
            (UnknownCurrencyError, MoneyError),
            (PeriodError, ValidationError),
            (PricingError, ValidationError),
            (UnknownMetricError, PricingError),
            (CatalogError, ValidationError),
            (UnknownPlanError, CatalogError),
            (UnknownPlanError, LookupError),
        ],
    )
    def test_edges(self, child: type[Exception], parent: type[Exception]) -> None:
        assert issubclass(child, parent)

    def test_currency_mismatch_is_billkit_and_value_error(self) -> None:
        with pytest.raises(CurrencyMismatchError) as info:
            sum_money([Money("1.00", "EUR"), Money("1.00", "USD")])
        error = info.value
        assert isinstance(error, BillkitError)
        assert isinstance(error, ValueError)
        assert isinstance(error, MoneyError)
        # A generic ``except ValueError`` (or ``except BillkitError``) handler catches it.
        with pytest.raises(ValueError, match=r"amounts\[1\] = ") as generic:
            sum_money([Money("1.00", "EUR"), Money("1.00", "USD")])
        assert type(generic.value) is CurrencyMismatchError
        with pytest.raises(BillkitError) as root:
            sum_money([Money("1.00", "EUR"), Money("1.00", "USD")])
        assert type(root.value) is CurrencyMismatchError

    def test_message_names_field_value_and_expected(self) -> None:
        error = MoneyError("lines[2].unit_price", "abc", "a decimal number")
        assert str(error) == "lines[2].unit_price = 'abc': expected a decimal number"
        assert (error.field, error.value, error.expected) == (
            "lines[2].unit_price",
            "abc",
            "a decimal number",
        )

    def test_pickle_round_trip_keeps_type_and_details(self) -> None:
        error = CurrencyMismatchError("amounts[1]", "x", "an amount in EUR")
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is CurrencyMismatchError
        assert (copy.field, copy.value, copy.expected) == ("amounts[1]", "x", "an amount in EUR")
        assert str(copy) == str(error)


# ================================================================ minor units


class TestMinorUnits:
    # ISO 4217's published minor units (the "minor unit" column of list one).
    @pytest.mark.parametrize(
        ("code", "digits"),
        [
            ("EUR", 2),
            ("USD", 2),
            ("RUB", 2),
            ("UAH", 2),
            ("JPY", 0),
            ("KRW", 0),
            ("CLP", 0),
            ("ISK", 0),
            ("VND", 0),
            ("KWD", 3),
            ("BHD", 3),
            ("OMR", 3),
            ("TND", 3),
            ("IRR", 2),
            ("CLF", 4),
            ("UYW", 4),
        ],
    )
    def test_iso_4217(self, code: str, digits: int) -> None:
        assert minor_units(code) == digits

    def test_strategy_table_matches(self) -> None:
        # The shared strategies rely on this table; keep them honest.
        for digits, currency_list in CURRENCIES_BY_DIGITS.items():
            for code in currency_list:
                assert minor_units(code) == digits

    def test_source_is_py_moneyed_registry(self) -> None:
        # minor_units reads py-moneyed's ``sub_unit`` (minor units per major
        # unit): 10 ** digits == sub_unit for every registered currency.
        from moneyed import CURRENCIES

        for code, currency in CURRENCIES.items():
            assert 10 ** minor_units(code) == currency.sub_unit, code

    def test_iso_not_cldr(self) -> None:
        # The documented decision: ISO 4217 wins over CLDR (babel), which
        # gives the Iranian rial no decimals; an override follows local practice.
        from babel.numbers import get_currency_precision

        assert get_currency_precision("IRR") == 0
        assert minor_units("IRR") == 2
        assert minor_units("IRR", {"IRR": 0}) == 0

    def test_case_and_currency_objects(self) -> None:
        assert minor_units("kwd") == 3
        assert minor_units(currency_of("JPY")) == 0
        assert currency_of("rub").code == "RUB"

    def test_override_touches_only_its_currency(self) -> None:
        assert minor_units("EUR", {"IRR": 0}) == 2
        assert minor_units("IRR", {}) == 2
        assert minor_units("IRR", None) == 2

    @pytest.mark.parametrize("code", ["XYZ", "EURO", "", "E"])
    def test_unknown_code(self, code: str) -> None:
        with pytest.raises(UnknownCurrencyError) as info:
            minor_units(code)
        assert info.value.field == "currency"
        assert info.value.value == code
        assert str(info.value).startswith(f"currency = {code!r}: expected an ISO 4217")

    @pytest.mark.parametrize("value", [978, None, b"EUR"])
    def test_not_a_code(self, value: object) -> None:
        with pytest.raises(UnknownCurrencyError) as info:
            currency_of(value)  # type: ignore[arg-type]
        assert info.value.field == "currency"
        assert info.value.value == value

    def test_unknown_currency_is_money_error(self) -> None:
        with pytest.raises(MoneyError):
            minor_units("XYZ")

    def test_zero(self) -> None:
        assert zero("eur") == Money("0", "EUR")
        assert zero("EUR").currency.code == "EUR"
        with pytest.raises(UnknownCurrencyError):
            zero("XYZ")


# ================================================================ rounding policy


class TestRoundingPolicy:
    def test_default_is_half_up_iso(self) -> None:
        assert RoundingPolicy() == DEFAULT_ROUNDING
        assert DEFAULT_ROUNDING.mode is RoundingMode.HALF_UP
        assert dict(DEFAULT_ROUNDING.minor_units) == {}

    def test_mode_from_string(self) -> None:
        assert RoundingPolicy(mode="half_even").mode is RoundingMode.HALF_EVEN
        assert RoundingPolicy(mode=RoundingMode.DOWN).mode is RoundingMode.DOWN

    @pytest.mark.parametrize(
        ("mode", "constant"),
        [
            (RoundingMode.HALF_UP, decimal.ROUND_HALF_UP),
            (RoundingMode.HALF_EVEN, decimal.ROUND_HALF_EVEN),
            (RoundingMode.UP, decimal.ROUND_UP),
            (RoundingMode.DOWN, decimal.ROUND_DOWN),
            (RoundingMode.CEILING, decimal.ROUND_CEILING),
            (RoundingMode.FLOOR, decimal.ROUND_FLOOR),
        ],
    )
    def test_decimal_rounding(self, mode: RoundingMode, constant: str) -> None:
        assert mode.decimal_rounding == constant

    def test_digits_and_quantum(self) -> None:
        assert IRR_WHOLE.digits("IRR") == 0
        assert IRR_WHOLE.digits("EUR") == 2
        assert IRR_WHOLE.quantum("IRR") == Decimal(1)
        assert str(IRR_WHOLE.quantum("KWD")) == "0.001"
        assert str(DEFAULT_ROUNDING.quantum("EUR")) == "0.01"
        assert str(DEFAULT_ROUNDING.quantum("JPY")) == "1"

    def test_equality_and_hash_include_minor_units(self) -> None:
        a = RoundingPolicy(minor_units={"IRR": 0, "KWD": 2})
        b = RoundingPolicy(minor_units={"kwd": 2, "irr": 0})  # other order and case
        assert a == b
        assert hash(a) == hash(b)
        assert len({a, b}) == 1
        assert a != RoundingPolicy()
        assert a != RoundingPolicy(minor_units={"IRR": 0})
        assert a != RoundingPolicy(mode="half_even", minor_units={"IRR": 0, "KWD": 2})
        assert RoundingPolicy(minor_units={"IRR": 0}) != RoundingPolicy(minor_units={"IRR": 1})
        assert {a: "x"}[b] == "x"

    def test_overrides_are_copied_and_read_only(self) -> None:
        source = {"IRR": 0}
        policy = RoundingPolicy(minor_units=source)
        source["IRR"] = 3
        assert policy.digits("IRR") == 0
        with pytest.raises(TypeError):
            policy.minor_units["IRR"] = 1  # type: ignore[index]

    def test_frozen_and_evolve(self) -> None:
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            IRR_WHOLE.mode = RoundingMode.DOWN  # type: ignore[misc]
        down = attrs.evolve(IRR_WHOLE, mode="down")
        assert down.mode is RoundingMode.DOWN
        assert down.digits("IRR") == 0
        assert down == RoundingPolicy(mode="down", minor_units={"IRR": 0})
        assert hash(down) == hash(RoundingPolicy(mode="down", minor_units={"IRR": 0}))

    def test_repr(self) -> None:
        assert repr(RoundingPolicy()) == "RoundingPolicy(mode='half_up')"
        assert (
            repr(RoundingPolicy(mode="floor", minor_units={"IRR": 0}))
            == "RoundingPolicy(mode='floor', minor_units={'IRR': 0})"
        )

    @pytest.mark.parametrize("mode", ["bogus", "HALF_UP", "half-up", "", None, 1])
    def test_bad_mode(self, mode: object) -> None:
        with pytest.raises(MoneyError) as info:
            RoundingPolicy(mode=mode)  # type: ignore[arg-type]
        assert info.value.field == "rounding.mode"
        assert info.value.value == mode
        assert "'half_up', 'half_even', 'up', 'down', 'ceiling', 'floor'" in str(info.value)
        assert str(info.value).startswith(f"rounding.mode = {mode!r}: expected one of")

    @pytest.mark.parametrize("digits", [-1, 9, True, "0", Decimal(2), 2.0, None])
    def test_bad_minor_units(self, digits: object) -> None:
        with pytest.raises(MoneyError) as info:
            RoundingPolicy(minor_units={"IRR": digits})  # type: ignore[dict-item]
        assert info.value.field == "rounding.minor_units['IRR']"
        assert info.value.value is digits
        kind = "" if type(digits) is int else " (an int, not a bool)"
        assert info.value.expected == f"a whole number from 0 to 8{kind}"

    @pytest.mark.parametrize("digits", [0, 8])
    def test_minor_units_bounds_accepted(self, digits: int) -> None:
        assert RoundingPolicy(minor_units={"EUR": digits}).digits("EUR") == digits

    def test_unknown_currency_in_overrides(self) -> None:
        with pytest.raises(UnknownCurrencyError) as info:
            RoundingPolicy(minor_units={"XYZ": 0})
        assert info.value.field == "rounding.minor_units"
        assert info.value.value == "XYZ"


# ================================================================ quantize


class TestQuantize:
    # The decimal module's published definitions: HALF_UP rounds a half away
    # from zero, HALF_EVEN to the even neighbour, UP away from zero, DOWN
    # towards zero, CEILING towards +infinity, FLOOR towards -infinity.
    @pytest.mark.parametrize(
        ("mode", "value", "expected"),
        [
            # 0.125 lies half-way between 0.12 and 0.13; 2 is even.
            ("half_up", "0.125", "0.13"),
            ("half_even", "0.125", "0.12"),
            ("up", "0.125", "0.13"),
            ("down", "0.125", "0.12"),
            ("ceiling", "0.125", "0.13"),
            ("floor", "0.125", "0.12"),
            # -0.125 lies between -0.13 and -0.12: away from zero is -0.13,
            # towards +infinity is -0.12.
            ("half_up", "-0.125", "-0.13"),
            ("half_even", "-0.125", "-0.12"),
            ("up", "-0.125", "-0.13"),
            ("down", "-0.125", "-0.12"),
            ("ceiling", "-0.125", "-0.12"),
            ("floor", "-0.125", "-0.13"),
            # 0.135 lies between 0.13 and 0.14; 4 is even, so both half modes
            # go up.
            ("half_up", "0.135", "0.14"),
            ("half_even", "0.135", "0.14"),
            ("up", "0.135", "0.14"),
            ("down", "0.135", "0.13"),
            ("ceiling", "0.135", "0.14"),
            ("floor", "0.135", "0.13"),
            # Not a half: every nearest mode agrees, directed modes differ.
            ("half_up", "0.1249", "0.12"),
            ("half_even", "0.1251", "0.13"),
            ("up", "0.1201", "0.13"),
            ("down", "0.1299", "0.12"),
        ],
    )
    def test_modes_eur(self, mode: str, value: str, expected: str) -> None:
        result = quantize(Money(value, "EUR"), RoundingPolicy(mode=mode))
        assert str(result.amount) == expected
        assert result.currency.code == "EUR"

    def test_default_is_half_up(self) -> None:
        assert str(quantize(Money("2.675", "USD")).amount) == "2.68"
        assert str(quantize(Money("-2.675", "USD")).amount) == "-2.68"

    @pytest.mark.parametrize(
        ("mode", "value", "expected"),
        [
            # JPY has no decimals (ISO 4217): 1234.5 is half-way, 1234 is even.
            ("half_up", "1234.5", "1235"),
            ("half_even", "1234.5", "1234"),
            ("half_even", "1235.5", "1236"),
            ("down", "1234.99", "1234"),
            ("half_up", "-0.5", "-1"),
            ("half_up", "1234", "1234"),
        ],
    )
    def test_jpy_zero_digits(self, mode: str, value: str, expected: str) -> None:
        assert str(quantize(Money(value, "JPY"), RoundingPolicy(mode=mode)).amount) == expected

    @pytest.mark.parametrize(
        ("mode", "value", "expected"),
        [
            # KWD has 3 decimals (fils): 1.2345 is half-way, 4 is even.
            ("half_up", "1.2345", "1.235"),
            ("half_even", "1.2345", "1.234"),
            ("half_up", "0.0005", "0.001"),
            ("half_up", "7", "7.000"),
            ("floor", "-0.0001", "-0.001"),
        ],
    )
    def test_kwd_three_digits(self, mode: str, value: str, expected: str) -> None:
        assert str(quantize(Money(value, "KWD"), RoundingPolicy(mode=mode)).amount) == expected

    def test_irr_iso_two_digits(self) -> None:
        # ISO 4217 gives the rial 2 decimals: 1234.505 -> 1234.51 half-up.
        assert str(quantize(Money("1234.505", "IRR")).amount) == "1234.51"

    def test_irr_override_whole_rials(self) -> None:
        # With the override, 1234.50 is half-way between 1234 and 1235.
        assert str(quantize(Money("1234.50", "IRR"), IRR_WHOLE).amount) == "1235"
        half_even_irr = RoundingPolicy(mode="half_even", minor_units={"IRR": 0})
        assert str(quantize(Money("1234.50", "IRR"), half_even_irr).amount) == "1234"
        # The override leaves other currencies alone.
        assert str(quantize(Money("1.005", "EUR"), IRR_WHOLE).amount) == "1.01"

    def test_pads_to_minor_unit(self) -> None:
        assert str(quantize(Money("5", "EUR")).amount) == "5.00"
        assert str(quantize(Money("5.1", "EUR")).amount) == "5.10"

    def test_round_amount_on_bare_decimal(self) -> None:
        assert DEFAULT_ROUNDING.round_amount(Decimal("0.125"), "EUR") == Decimal("0.13")
        assert IRR_WHOLE.round_amount(Decimal("0.5"), "IRR") == Decimal(1)

    def test_quantize_does_not_use_half_even_of_the_thread(self) -> None:
        # The thread's context rounds half-even by default; quantize must not.
        with localcontext() as ctx:
            ctx.rounding = decimal.ROUND_HALF_EVEN
            assert str(quantize(Money("0.125", "EUR")).amount) == "0.13"


# ================================================================ converters


class TestToDecimal:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("19.90", "19.90"),  # the scale is kept
            (" 19.90\n", "19.90"),
            ("1_000.50", "1000.50"),
            ("-0.01", "-0.01"),
            ("1e3", "1E+3"),
            (7, "7"),
            (-12, "-12"),
            (10**18 - 1, "999999999999999999"),
            (Decimal("0.1"), "0.1"),
        ],
    )
    def test_accepts(self, value: object, expected: str) -> None:
        result = to_decimal(value)
        assert isinstance(result, Decimal)
        assert str(result) == expected

    def test_keeps_every_digit(self) -> None:
        # 30 significant digits (18 before the point, 12 after): more than the
        # thread's default 28; converting a string must not round.
        text = "1" * 18 + "." + "5" * 12
        assert str(to_decimal(text)) == text

    @pytest.mark.parametrize(
        "text", ["1" * 69 + ".5", "1e18", "1e1000000", "0." + "0" * 12 + "1", "-1e19"]
    )
    def test_refuses_numbers_no_bill_needs(self, text: str) -> None:
        # Below 10**18 with at most 12 decimals (30 digits): the product of two
        # inputs then fits 60 digits, and sums of them the 80-digit context.
        with pytest.raises(MoneyError, match=r"below 10\*\*18") as info:
            to_decimal(text, "price")
        assert info.value.field == "price"

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (0.1, "a str, int or Decimal (floats are inexact: write '0.1')"),
            (19.9, "a str, int or Decimal (floats are inexact: write '19.9')"),
            (1.0, "a str, int or Decimal (floats are inexact: write '1.0')"),
            (True, "a number, not a bool"),
            (False, "a number, not a bool"),
            (Decimal("NaN"), "a finite number"),
            (Decimal("sNaN"), "a finite number"),
            (Decimal("Infinity"), "a finite number"),
            (Decimal("-Infinity"), "a finite number"),
            ("NaN", "a finite number"),
            ("nan", "a finite number"),
            ("Infinity", "a finite number"),
            ("-inf", "a finite number"),
            ("", "a decimal number such as '19.90'"),
            ("abc", "a decimal number such as '19.90'"),
            ("12,50", "a decimal number such as '19.90'"),
            ("12.50 EUR", "a decimal number such as '19.90'"),
            ("1.2.3", "a decimal number such as '19.90'"),
            ("0x10", "a decimal number such as '19.90'"),
            ("1/2", "a decimal number such as '19.90'"),
            (None, "a str, int or Decimal"),
            (b"12", "a str, int or Decimal"),
            ([1], "a str, int or Decimal"),
            (Fraction(1, 2), "a str, int or Decimal"),
        ],
    )
    def test_refuses_naming_field_and_value(self, value: object, expected: str) -> None:
        with pytest.raises(MoneyError) as info:
            to_decimal(value, "unit_price")
        error = info.value
        assert error.field == "unit_price"
        assert error.value is value
        assert error.expected == expected
        assert str(error) == f"unit_price = {value!r}: expected {expected}"

    @pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
    def test_refuses_float_nan_and_infinity(self, value: float) -> None:
        with pytest.raises(MoneyError) as info:
            to_decimal(value, "quantity")
        assert info.value.field == "quantity"
        assert info.value.value is value
        assert str(info.value).startswith(f"quantity = {value!r}: expected")

    def test_default_field_is_amount(self) -> None:
        with pytest.raises(MoneyError) as info:
            to_decimal(0.5)
        assert info.value.field == "amount"

    def test_garbage_refused_the_same_when_the_thread_traps_nothing(self) -> None:
        # Without a trap on InvalidOperation, Decimal("abc") quietly returns NaN;
        # billkit must still report a malformed number, not "a finite number".
        with localcontext() as ctx:
            ctx.traps[decimal.InvalidOperation] = False
            with pytest.raises(MoneyError) as info:
                to_decimal("abc", "price")
        assert info.value.expected == "a decimal number such as '19.90'"


class TestToMoney:
    def test_amount_and_currency(self) -> None:
        assert str(to_money("12.50", "EUR").amount) == "12.50"
        assert to_money("12.50", "eur").currency.code == "EUR"
        assert to_money(12, "JPY") == Money(12, "JPY")
        assert to_money(Decimal("0.1"), "USD") == Money("0.1", "USD")

    @pytest.mark.parametrize("text", ["12.50 EUR", "12.50 eur", "  12.50   EUR ", "12.50\tEUR"])
    def test_parses_amount_with_code(self, text: str) -> None:
        result = to_money(text)
        assert str(result.amount) == "12.50"
        assert result.currency.code == "EUR"

    def test_money_passes_through(self) -> None:
        fee = Money("10.00", "RUB")
        assert to_money(fee) is fee
        assert to_money(fee, "rub") is fee

    def test_money_in_another_currency(self) -> None:
        with pytest.raises(CurrencyMismatchError) as info:
            to_money(Money("1", "USD"), "EUR", field="base_fee")
        error = info.value
        assert error.field == "base_fee"
        assert error.value == Money("1", "USD")
        assert str(error) == "base_fee = Money('1', 'USD'): expected an amount in EUR"
        assert isinstance(error, BillkitError)
        assert isinstance(error, ValueError)

    def test_money_with_nan_amount(self) -> None:
        with pytest.raises(MoneyError) as info:
            to_money(Money(Decimal("NaN"), "EUR"), field="price")
        assert info.value.field == "price"
        assert info.value.expected == "a finite number"

    @pytest.mark.parametrize("value", ["12.50", 12, Decimal("12.50"), "12.50EUR", "1 2 EUR"])
    def test_needs_a_currency(self, value: object) -> None:
        with pytest.raises(MoneyError) as info:
            to_money(value, field="deposit")
        assert info.value.field == "deposit"
        assert info.value.value == value
        assert "such as '12.50 EUR'" in str(info.value)

    @pytest.mark.parametrize("value", [12.5, True, "abc", None, math.nan])
    def test_bad_amount_names_field(self, value: object) -> None:
        with pytest.raises(MoneyError) as info:
            to_money(value, "EUR", field="deposit")
        assert info.value.field == "deposit"
        assert str(info.value).startswith(f"deposit = {value!r}: expected")

    def test_unknown_currency_names_field(self) -> None:
        with pytest.raises(UnknownCurrencyError) as info:
            to_money("12.50", "XYZ", field="deposit")
        assert (info.value.field, info.value.value) == ("deposit", "XYZ")
        with pytest.raises(UnknownCurrencyError) as info:
            to_money("12.50 XYZ", field="deposit")
        assert (info.value.field, info.value.value) == ("deposit", "XYZ")

    def test_nan_text_with_code_refused(self) -> None:
        with pytest.raises(MoneyError) as info:
            to_money("NaN EUR", field="deposit")
        assert info.value.field == "deposit"


class TestToRate:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("20%", "0.20"),  # 20 / 100
            (" 20 % ", "0.20"),
            ("22%", "0.22"),  # Russia's VAT from 2026-01-01
            ("3.9%", "0.039"),  # the payment provider's commission (REQUIREMENTS section 1)
            ("5%", "0.05"),  # the hosting provider's method commission (section 3)
            ("150%", "1.50"),  # above 100 % is allowed: a markup
            ("0%", "0.00"),
            ("0.2", "0.2"),
            (Decimal("0.039"), "0.039"),
            (0, "0"),
            (1, "1"),
        ],
    )
    def test_accepts(self, value: object, expected: str) -> None:
        result = to_rate(value)
        assert isinstance(result, Decimal)
        assert str(result) == expected

    def test_percent_and_fraction_agree(self) -> None:
        assert to_rate("20%") == to_rate("0.2") == to_rate(Decimal("0.20")) == Decimal("0.2")

    @pytest.mark.parametrize("value", ["-5%", "-0.01", Decimal("-0.2"), -1])
    def test_negative_refused(self, value: object) -> None:
        with pytest.raises(MoneyError) as info:
            to_rate(value, "vat_rate")
        error = info.value
        assert error.field == "vat_rate"
        assert error.value == value
        assert str(error) == f"vat_rate = {value!r}: expected a rate of zero or more"

    @pytest.mark.parametrize("value", [0.2, True, None, math.nan, "NaN", "abc", "Infinity%"])
    def test_not_a_number_refused(self, value: object) -> None:
        with pytest.raises(MoneyError) as info:
            to_rate(value, "vat_rate")
        assert info.value.field == "vat_rate"

    def test_default_field_is_rate(self) -> None:
        with pytest.raises(MoneyError) as info:
            to_rate(0.2)
        assert info.value.field == "rate"


# ================================================================ tax


class TestTaxWorkedExamples:
    def test_250_including_20_percent_vat(self) -> None:
        # REQUIREMENTS section 3: 250.00 RUB including 20 % VAT -> tax 41.67.
        # Tax inside a gross G at rate r is G * r / (1 + r):
        # 250 * 20 / 120 = 41.666... -> 41.67 (half-up), net 250.00 - 41.67 = 208.33.
        split = tax_from_gross(Money("250.00", "RUB"), "20%")
        assert str(split.tax.amount) == "41.67"
        assert str(split.net.amount) == "208.33"
        assert str(split.gross.amount) == "250.00"
        assert split.rate == Decimal("0.2")
        assert codes([split.net, split.tax, split.gross]) == {"RUB"}

    @pytest.mark.parametrize("rate", ["20%", "0.2", "0.20", Decimal("0.2")])
    def test_rate_forms_agree(self, rate: DecimalLike) -> None:
        assert tax_from_gross(Money("250.00", "RUB"), rate).tax == Money("41.67", "RUB")

    def test_credit_note_mirrors_the_invoice(self) -> None:
        # A refund of the same cart: -250 * 20 / 120 = -41.666... -> -41.67
        # (half-up rounds away from zero), net -250.00 + 41.67 = -208.33.
        split = tax_from_gross(Money("-250.00", "RUB"), "20%")
        assert (str(split.tax.amount), str(split.net.amount)) == ("-41.67", "-208.33")

    def test_tax_from_net_22_percent(self) -> None:
        # Russia's VAT is 22 % from 2026-01-01: 100.00 * 0.22 = 22.00,
        # gross 100.00 + 22.00 = 122.00.
        split = tax_from_net(Money("100.00", "RUB"), "22%")
        assert split == TaxSplit(
            net=Money("100.00", "RUB"),
            tax=Money("22.00", "RUB"),
            gross=Money("122.00", "RUB"),
            rate=Decimal("0.22"),
        )
        assert (str(split.tax.amount), str(split.gross.amount)) == ("22.00", "122.00")

    def test_tax_from_net_rounds_net_first(self) -> None:
        # 10.005 -> 10.01 (half-up); 10.01 * 0.2 = 2.002 -> 2.00; gross 12.01.
        split = tax_from_net(Money("10.005", "EUR"), "20%")
        assert amounts([split.net, split.tax, split.gross]) == ["10.01", "2.00", "12.01"]

    def test_tax_from_net_rounds_tax_once(self) -> None:
        # 0.99 * 0.22 = 0.2178 -> 0.22; 0.99 + 0.22 = 1.21.
        split = tax_from_net(Money("0.99", "EUR"), "22%")
        assert amounts([split.tax, split.gross]) == ["0.22", "1.21"]

    @pytest.mark.parametrize(
        ("gross", "rounded_gross", "tax", "net"),
        [
            # REQUIREMENTS section 3, the hosting provider's expense rows:
            # "22.4137 RUB with tax 3.74; 34.4827 with 5.75". The tax is 1/6 of
            # the amount (3.74 / 22.4137 = 0.1669, 20 / 120 = 0.1667): VAT at 20 %
            # inside the amount. tax_from_gross first rounds the gross to
            # kopecks (22.4137 -> 22.41, 34.4827 -> 34.48, half-up), then:
            #   22.41 * 20 / 120 = 3.735 exactly -> 3.74 half-up; net 18.67;
            #   34.48 * 20 / 120 = 5.74666...    -> 5.75;         net 28.73.
            # Both match the provider's rows. They would also match without
            # rounding the gross first: 22.4137 / 6 = 3.73561..., 34.4827 / 6 =
            # 5.74711..., both round to the same kopecks.
            ("22.4137", "22.41", "3.74", "18.67"),
            ("34.4827", "34.48", "5.75", "28.73"),
        ],
    )
    def test_hosting_expense_rows(self, gross: str, rounded_gross: str, tax: str, net: str) -> None:
        split = tax_from_gross(Money(gross, "RUB"), "20%")
        assert amounts([split.gross, split.tax, split.net]) == [rounded_gross, tax, net]

    def test_exact_half_of_a_kopeck_depends_on_the_mode(self) -> None:
        # 22.41 * 20 / 120 = 3.735: an exact half. Half-up gives 3.74; half-even
        # also 3.74 (3 is odd, 4 is even); down gives 3.73, net 18.68.
        gross = Money("22.41", "RUB")
        assert str(tax_from_gross(gross, "20%", RoundingPolicy(mode="half_even")).tax.amount) == (
            "3.74"
        )
        down = tax_from_gross(gross, "20%", RoundingPolicy(mode="down"))
        assert amounts([down.tax, down.net]) == ["3.73", "18.68"]

    def test_zero_rate(self) -> None:
        split = tax_from_gross(Money("99.99", "EUR"), "0%")
        assert amounts([split.net, split.tax]) == ["99.99", "0.00"]

    def test_jpy_and_irr_override(self) -> None:
        # 1000 JPY incl. 10 %: 1000 * 10 / 110 = 90.909... -> 91, net 909.
        split = tax_from_gross(Money("1000", "JPY"), "10%")
        assert amounts([split.tax, split.net]) == ["91", "909"]
        # 1 000 000 IRR in whole rials incl. 10 %: 1000000 / 11 = 90909.09... -> 90909.
        irr = tax_from_gross(Money("1000000", "IRR"), "10%", IRR_WHOLE)
        assert amounts([irr.tax, irr.net]) == ["90909", "909091"]

    def test_refusals(self) -> None:
        with pytest.raises(MoneyError) as info:
            tax_from_gross(Decimal("250.00"), "20%")  # type: ignore[arg-type]
        assert info.value.field == "gross"
        with pytest.raises(MoneyError) as info:
            tax_from_net("100.00", "20%")  # type: ignore[arg-type]
        assert info.value.field == "net"
        with pytest.raises(MoneyError) as info:
            tax_from_gross(Money("250.00", "RUB"), "-20%")
        assert (info.value.field, info.value.value) == ("rate", "-20%")
        with pytest.raises(MoneyError) as info:
            tax_from_net(Money("250.00", "RUB"), 0.2)  # type: ignore[arg-type]
        assert info.value.field == "rate"

    def test_split_is_frozen(self) -> None:
        split = tax_from_net(Money("100.00", "RUB"), "22%")
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            split.tax = Money("0.00", "RUB")  # type: ignore[misc]


# ================================================================ allocate


class TestAllocate:
    def test_100_into_three(self) -> None:
        # 10000 kopecks / 3 = 3333.33 each; floors 3 x 3333 = 9999, 1 left over;
        # the remainders tie (0.33 each), so the earliest part gets it.
        parts = allocate(Money("100.00", "EUR"), [1, 1, 1])
        assert amounts(parts) == ["33.34", "33.33", "33.33"]
        assert codes(parts) == {"EUR"}

    def test_largest_remainder_wins(self) -> None:
        # 1000 cents in 1:2 -> 333.33 and 666.67; floors 333 + 666 = 999; the
        # one left goes to the larger remainder (0.67), the second part.
        assert amounts(allocate(Money("10.00", "EUR"), [1, 2])) == ["3.33", "6.67"]

    def test_more_remainders(self) -> None:
        # 100 cents in 1:1:4 -> 16.67, 16.67, 66.67; floors 16 + 16 + 66 = 98;
        # two left: all three remainders tie at 0.666..., the first two get them.
        assert amounts(allocate(Money("1.00", "EUR"), [1, 1, 4])) == ["0.17", "0.17", "0.66"]
        # 100 cents in 3:3:4 -> 30, 30, 40 exactly: nothing left over.
        assert amounts(allocate(Money("1.00", "EUR"), [3, 3, 4])) == ["0.30", "0.30", "0.40"]
        # 10 cents in 0.35:0.65 -> 3.5 and 6.5; 1 left, tie -> the earlier part.
        assert amounts(allocate(Money("0.10", "EUR"), ["0.35", "0.65"])) == ["0.04", "0.06"]
        # 10 cents in 0.34:0.66 -> 3.4 and 6.6; the later remainder is larger.
        assert amounts(allocate(Money("0.10", "EUR"), ["0.34", "0.66"])) == ["0.03", "0.07"]

    def test_ties_go_to_earlier_parts(self) -> None:
        # 5 cents in 0.3:0.3:0.4 -> 1.5, 1.5, 2; floors 1 + 1 + 2 = 4; the tie
        # between the two halves goes to the first.
        result = allocate(Money("0.05", "EUR"), ["0.3", "0.3", "0.4"])
        assert amounts(result) == ["0.02", "0.01", "0.02"]
        # 2 cents in four equal parts: 0.5 each, two left, the first two get them.
        assert amounts(allocate(Money("0.02", "EUR"), [1, 1, 1, 1])) == [
            "0.01",
            "0.01",
            "0.00",
            "0.00",
        ]

    def test_zero_weights_get_zero(self) -> None:
        # 1000 cents in 0:1:0:1 -> 0, 500, 0, 500.
        parts = allocate(Money("10.00", "EUR"), [0, 1, 0, 1])
        assert amounts(parts) == ["0.00", "5.00", "0.00", "5.00"]
        # 1 cent in 0:1:1 -> 0, 0.5, 0.5: the leftover cent goes to the first
        # *weighted* part, never to the earlier zero-weight one.
        assert amounts(allocate(Money("0.01", "EUR"), [0, 1, 1])) == ["0.00", "0.01", "0.00"]

    def test_negative_total(self) -> None:
        # Split |-100.00| like 100.00 above, then negate: signs never mix.
        parts = allocate(Money("-100.00", "EUR"), [1, 1, 1])
        assert amounts(parts) == ["-33.34", "-33.33", "-33.33"]
        # A zero-weight part of a negative total is zero, not "-0.00".
        assert amounts(allocate(Money("-0.01", "EUR"), [0, 1])) == ["0.00", "-0.01"]

    def test_zero_total(self) -> None:
        assert amounts(allocate(Money("0.00", "EUR"), [1, 2])) == ["0.00", "0.00"]

    def test_jpy(self) -> None:
        # 100 yen / 3 = 33.33...; floors 99, one yen left, to the first part.
        assert amounts(allocate(Money("100", "JPY"), [1, 1, 1])) == ["34", "33", "33"]
        # 1000 yen in 1:2:3:4 -> exactly 100, 200, 300, 400.
        assert amounts(allocate(Money("1000", "JPY"), [1, 2, 3, 4])) == [
            "100",
            "200",
            "300",
            "400",
        ]

    def test_kwd(self) -> None:
        # 1000 fils / 3 = 333.33...; 334, 333, 333 fils.
        assert amounts(allocate(Money("1.000", "KWD"), [1, 1, 1])) == ["0.334", "0.333", "0.333"]

    def test_irr_whole_rials(self) -> None:
        # Under the whole-rial policy 1000 IRR / 3 -> 334, 333, 333 rials.
        assert amounts(allocate(Money("1000", "IRR"), [1, 1, 1], IRR_WHOLE)) == [
            "334",
            "333",
            "333",
        ]

    def test_bonus_program_ratio(self) -> None:
        # REQUIREMENTS section 1: pay 9 months of 10 000 RUB (90 000) and get a
        # 30 000 RUB bonus; balance 120 000. Splitting the balance 9:3 back into
        # paid and bonus money gives 120000 * 9/12 = 90000 and 120000 * 3/12 = 30000.
        parts = allocate(Money("120000.00", "RUB"), [9, 3])
        assert amounts(parts) == ["90000.00", "30000.00"]

    def test_weight_forms_agree(self) -> None:
        as_ints = allocate(Money("10.00", "EUR"), [1, 2, 3])
        assert allocate(Money("10.00", "EUR"), ["1", "2", "3"]) == as_ints
        assert allocate(Money("10.00", "EUR"), [Decimal("0.1"), "0.2", Decimal("0.3")]) == as_ints

    def test_total_with_trailing_zeros_is_whole(self) -> None:
        # 10.000 EUR is 1000 whole cents; 5.0 JPY is 5 whole yen.
        assert amounts(allocate(Money("10.000", "EUR"), [1, 1])) == ["5.00", "5.00"]
        assert amounts(allocate(Money("5.0", "JPY"), [1, 1])) == ["3", "2"]

    @pytest.mark.parametrize(
        ("total", "policy", "digits"),
        [
            (Money("10.005", "EUR"), DEFAULT_ROUNDING, 2),
            (Money("10.5", "JPY"), DEFAULT_ROUNDING, 0),
            (Money("0.0001", "KWD"), DEFAULT_ROUNDING, 3),
            (Money("1000.50", "IRR"), IRR_WHOLE, 0),
        ],
    )
    def test_total_finer_than_the_currency(
        self, total: Money, policy: RoundingPolicy, digits: int
    ) -> None:
        with pytest.raises(MoneyError) as info:
            allocate(total, [1, 1], policy)
        error = info.value
        assert error.field == "total"
        assert error.value == total
        assert f"({digits} decimal places)" in str(error)

    def test_empty_weights(self) -> None:
        with pytest.raises(MoneyError) as info:
            allocate(Money("1.00", "EUR"), [])
        assert info.value.field == "weights"
        assert info.value.expected == "at least one weight"

    def test_negative_weight(self) -> None:
        with pytest.raises(MoneyError) as info:
            allocate(Money("1.00", "EUR"), [1, "-0.5", 2])
        assert (info.value.field, info.value.value) == ("weights[1]", "-0.5")
        assert info.value.expected == "a weight of zero or more"

    def test_all_zero_weights(self) -> None:
        with pytest.raises(MoneyError) as info:
            allocate(Money("1.00", "EUR"), [0, "0", Decimal("0.00")])
        assert info.value.field == "weights"
        assert info.value.expected == "at least one weight above zero"

    @pytest.mark.parametrize("bad", [0.5, True, "abc", None, Decimal("NaN")])
    def test_bad_weight_names_its_index(self, bad: object) -> None:
        with pytest.raises(MoneyError) as info:
            allocate(Money("1.00", "EUR"), [1, bad])  # type: ignore[list-item]
        assert info.value.field == "weights[1]"

    def test_total_must_be_money(self) -> None:
        with pytest.raises(MoneyError) as info:
            allocate(Decimal("1.00"), [1])  # type: ignore[arg-type]
        assert info.value.field == "total"


class TestSplitEvenly:
    def test_100_rub_into_three(self) -> None:
        # As allocate with equal weights: 33.34, 33.33, 33.33.
        parts = split_evenly(Money("100.00", "RUB"), 3)
        assert amounts(parts) == ["33.34", "33.33", "33.33"]

    def test_one_cent_into_three(self) -> None:
        assert amounts(split_evenly(Money("0.01", "EUR"), 3)) == ["0.01", "0.00", "0.00"]

    def test_one_part(self) -> None:
        assert amounts(split_evenly(Money("7.77", "EUR"), 1)) == ["7.77"]

    @pytest.mark.parametrize("parts", [0, -1, True, 2.0, "3", None])
    def test_bad_parts(self, parts: object) -> None:
        with pytest.raises(MoneyError) as info:
            split_evenly(Money("1.00", "EUR"), parts)  # type: ignore[arg-type]
        assert (info.value.field, info.value.value) == ("parts", parts)


# ================================================================ sum_money


class TestSumMoney:
    def test_exact(self) -> None:
        # 0.10 + 0.20 = 0.30 exactly (a float sum would give 0.30000000000000004).
        assert str(sum_money([Money("0.10", "EUR"), Money("0.20", "EUR")]).amount) == "0.30"

    def test_keeps_full_precision(self) -> None:
        # No rounding at a sum: 22.4137 + 34.4827 = 56.8964 (the expense rows).
        total = sum_money([Money("22.4137", "RUB"), Money("34.4827", "RUB")])
        assert str(total.amount) == "56.8964"

    def test_empty_with_currency(self) -> None:
        assert sum_money([], "eur") == Money("0", "EUR")
        assert sum_money([], "EUR").currency.code == "EUR"

    def test_empty_without_currency(self) -> None:
        with pytest.raises(MoneyError) as info:
            sum_money([])
        assert info.value.field == "currency"

    def test_currency_checked(self) -> None:
        assert sum_money([Money("1.00", "EUR")], "EUR") == Money("1.00", "EUR")
        with pytest.raises(CurrencyMismatchError) as info:
            sum_money([Money("1.00", "EUR")], "USD")
        assert info.value.field == "amounts"
        assert "amounts in USD" in str(info.value)

    def test_mismatch_names_the_first_foreign_item(self) -> None:
        items = [Money("1.00", "EUR"), Money("2.00", "EUR"), Money("3.00", "USD")]
        with pytest.raises(CurrencyMismatchError) as info:
            sum_money(items)
        error = info.value
        assert (error.field, error.value) == ("amounts[2]", Money("3.00", "USD"))
        assert str(error).endswith("expected an amount in EUR")

    def test_non_money_item(self) -> None:
        with pytest.raises(MoneyError) as info:
            sum_money([Money("1.00", "EUR"), Decimal("2.00")])  # type: ignore[list-item]
        assert (info.value.field, info.value.value) == ("amounts[1]", Decimal("2.00"))

    def test_accepts_any_iterable(self) -> None:
        total = sum_money(Money(n, "JPY") for n in (1, 2, 3))
        assert total == Money(6, "JPY")


# ================================================================ properties


def exact_share(total: Money, ws: Sequence[DecimalLike], i: int) -> Fraction:
    weight_sum = sum((Fraction(Decimal(w)) for w in ws), Fraction(0))
    return frac(total) * Fraction(Decimal(ws[i])) / weight_sum


@st.composite
def allocations(draw: st.DrawFn) -> tuple[Money, list[DecimalLike], RoundingPolicy]:
    """A total that is whole in minor units under a drawn policy, with weights."""
    policy = draw(rounding_policies())
    total = draw(money(policy=policy))
    return total, draw(weights()), policy


class TestAllocateProperties:
    @given(allocations())
    def test_conserves_the_total(
        self, case: tuple[Money, list[DecimalLike], RoundingPolicy]
    ) -> None:
        total, ws, policy = case
        parts = allocate(total, ws, policy)
        assert len(parts) == len(ws)
        assert codes(parts) == {total.currency.code}
        assert sum((frac(p) for p in parts), Fraction(0)) == frac(total)
        assert all(is_whole_minor_units(p, policy) for p in parts)

    @given(allocations())
    def test_each_part_within_one_minor_unit_of_its_share(
        self, case: tuple[Money, list[DecimalLike], RoundingPolicy]
    ) -> None:
        total, ws, policy = case
        q = quantum_of(total.currency.code, policy)
        for i, part in enumerate(allocate(total, ws, policy)):
            assert abs(frac(part) - exact_share(total, ws, i)) < q

    @given(allocations())
    def test_zero_weights_get_zero_and_signs_never_mix(
        self, case: tuple[Money, list[DecimalLike], RoundingPolicy]
    ) -> None:
        total, ws, policy = case
        parts = allocate(total, ws, policy)
        for w, part in zip(ws, parts, strict=True):
            if Decimal(w) == 0:
                assert part.amount == 0
                assert not part.amount.is_signed()  # never "-0.00"
        if total.amount >= 0:
            assert all(p.amount >= 0 for p in parts)
        if total.amount <= 0:
            assert all(p.amount <= 0 for p in parts)

    @given(allocations())
    def test_deterministic_and_independent_of_weight_form(
        self, case: tuple[Money, list[DecimalLike], RoundingPolicy]
    ) -> None:
        total, ws, policy = case
        first = allocate(total, ws, policy)
        assert amounts(allocate(total, ws, policy)) == amounts(first)
        assert amounts(allocate(total, [str(w) for w in ws], policy)) == amounts(first)
        assert amounts(allocate(total, [Decimal(w) for w in ws], policy)) == amounts(first)

    @given(allocations())
    def test_negating_the_total_negates_the_parts(
        self, case: tuple[Money, list[DecimalLike], RoundingPolicy]
    ) -> None:
        total, ws, policy = case
        parts = allocate(total, ws, policy)
        mirrored = allocate(Money(total.amount.copy_negate(), total.currency), ws, policy)
        assert [-frac(p) for p in mirrored] == [frac(p) for p in parts]

    @given(money(), st.integers(1, 30))
    def test_split_evenly_parts_differ_by_at_most_one_unit_earlier_first(
        self, total: Money, n: int
    ) -> None:
        parts = split_evenly(total, n)
        q = quantum_of(total.currency.code)
        magnitudes = [abs(frac(p)) for p in parts]
        assert sum((frac(p) for p in parts), Fraction(0)) == frac(total)
        assert max(magnitudes) - min(magnitudes) <= q
        assert magnitudes == sorted(magnitudes, reverse=True)  # ties to earlier parts


class TestTaxProperties:
    @given(unrounded_money() | money(), rates(), rounding_policies())
    def test_gross_split_adds_up(self, gross: Money, rate: Decimal, policy: RoundingPolicy) -> None:
        split = tax_from_gross(gross, rate, policy)
        assert split.gross == quantize(gross, policy)
        assert frac(split.net) + frac(split.tax) == frac(split.gross)
        assert codes([split.net, split.tax, split.gross]) == {gross.currency.code}
        assert is_whole_minor_units(split.tax, policy)
        assert is_whole_minor_units(split.net, policy)
        assert split.rate == rate

    @given(unrounded_money() | money(), rates(), rounding_policies(HALF_MODES))
    def test_gross_tax_within_half_a_minor_unit(
        self, gross: Money, rate: Decimal, policy: RoundingPolicy
    ) -> None:
        split = tax_from_gross(gross, rate, policy)
        r = Fraction(rate)
        exact = frac(split.gross) * r / (1 + r)
        assert abs(frac(split.tax) - exact) <= quantum_of(gross.currency.code, policy) / 2

    @given(unrounded_money() | money(), rates(), rounding_policies(HALF_MODES))
    def test_gross_parts_share_its_sign(
        self, gross: Money, rate: Decimal, policy: RoundingPolicy
    ) -> None:
        # 0 <= r / (1 + r) < 1, and the gross is a whole number of minor units,
        # so the rounded tax lies between zero and the gross.
        split = tax_from_gross(gross, rate, policy)
        g, t, n = frac(split.gross), frac(split.tax), frac(split.net)
        if g >= 0:
            assert 0 <= t <= g
            assert 0 <= n <= g
        else:
            assert g <= t <= 0
            assert g <= n <= 0

    @given(unrounded_money() | money(), rates(), rounding_policies())
    def test_net_split_adds_up(self, net: Money, rate: Decimal, policy: RoundingPolicy) -> None:
        split = tax_from_net(net, rate, policy)
        assert split.net == quantize(net, policy)
        assert frac(split.gross) == frac(split.net) + frac(split.tax)
        assert is_whole_minor_units(split.tax, policy)
        assert codes([split.net, split.tax, split.gross]) == {net.currency.code}

    @given(unrounded_money() | money(), rates(), rounding_policies(HALF_MODES))
    def test_net_tax_within_half_a_minor_unit(
        self, net: Money, rate: Decimal, policy: RoundingPolicy
    ) -> None:
        split = tax_from_net(net, rate, policy)
        exact = frac(split.net) * Fraction(rate)
        assert abs(frac(split.tax) - exact) <= quantum_of(net.currency.code, policy) / 2

    @given(money(), st.integers(0, 200))
    def test_percent_string_equals_fraction(self, amount: Money, percent: int) -> None:
        as_text = tax_from_gross(amount, f"{percent}%")
        # "20%" is the fraction 20 / 100 = 0.20.
        as_fraction = tax_from_gross(amount, Decimal(f"{percent}E-2"))
        assert as_text == as_fraction


class TestQuantizeProperties:
    @given(unrounded_money() | money(), rounding_policies())
    def test_idempotent_and_within_one_minor_unit(
        self, amount: Money, policy: RoundingPolicy
    ) -> None:
        once = quantize(amount, policy)
        twice = quantize(once, policy)
        assert str(twice.amount) == str(once.amount)
        q = quantum_of(amount.currency.code, policy)
        assert abs(frac(once) - frac(amount)) < q
        assert once.amount.as_tuple().exponent == -policy.digits(amount.currency)
        assert once.currency == amount.currency

    @given(unrounded_money() | money(), rounding_policies())
    def test_direction_of_each_mode(self, amount: Money, policy: RoundingPolicy) -> None:
        result, value = frac(quantize(amount, policy)), frac(amount)
        q = quantum_of(amount.currency.code, policy)
        mode = policy.mode
        if mode is RoundingMode.DOWN:
            assert abs(result) <= abs(value)
        elif mode is RoundingMode.UP:
            assert abs(result) >= abs(value)
        elif mode is RoundingMode.CEILING:
            assert result >= value
        elif mode is RoundingMode.FLOOR:
            assert result <= value
        else:
            assert abs(result - value) <= q / 2

    @given(unrounded_money() | money())
    def test_half_up_and_half_even_agree_except_on_exact_halves(self, amount: Money) -> None:
        q = quantum_of(amount.currency.code)
        units = frac(amount) / q
        assume(units - math.floor(units) != Fraction(1, 2))
        up = quantize(amount, RoundingPolicy(mode="half_up"))
        even = quantize(amount, RoundingPolicy(mode="half_even"))
        assert str(up.amount) == str(even.amount)

    @given(exact_halves())
    def test_on_exact_halves(self, amount: Money) -> None:
        q = quantum_of(amount.currency.code)
        up = frac(quantize(amount, RoundingPolicy(mode="half_up")))
        even = frac(quantize(amount, RoundingPolicy(mode="half_even")))
        # Half-up moves half a unit away from zero.
        assert abs(up) - abs(frac(amount)) == q / 2
        # Half-even lands on the neighbour with an even number of units.
        assert abs(even - frac(amount)) == q / 2
        assert (even / q).denominator == 1
        assert (even / q).numerator % 2 == 0
        # So they differ by one unit exactly when half-up's neighbour is odd.
        assert abs(up - even) in (0, q)

    @given(rounding_modes())
    def test_policy_round_is_quantize(self, mode: RoundingMode) -> None:
        policy = RoundingPolicy(mode=mode)
        m = Money("-1234.5678", "EUR")
        assert quantize(m, policy) == policy.round(m)


class TestCurrencyMixing:
    @given(
        st.lists(money(currency_codes()), min_size=2, max_size=8).filter(
            lambda items: len(codes(items)) > 1
        )
    )
    def test_sum_money_refuses_mixed_currencies(self, items: list[Money]) -> None:
        first = items[0].currency
        foreign = next(i for i, m in enumerate(items) if m.currency != first)
        with pytest.raises(CurrencyMismatchError) as info:
            sum_money(items)
        assert info.value.field == f"amounts[{foreign}]"
        assert isinstance(info.value, BillkitError)
        assert isinstance(info.value, ValueError)

    @given(money_lists(), currency_codes())
    def test_sum_money_with_currency(self, items: list[Money], code: str) -> None:
        if items and items[0].currency.code != code:
            with pytest.raises(CurrencyMismatchError):
                sum_money(items, code)
        else:
            total = sum_money(items, code)
            assert total.currency.code == code
            assert frac(total) == sum((frac(m) for m in items), Fraction(0))

    @given(money(), currency_codes())
    def test_to_money_refuses_another_currency(self, amount: Money, code: str) -> None:
        assume(amount.currency.code != code)
        with pytest.raises(CurrencyMismatchError) as info:
            to_money(amount, code, field="price")
        assert info.value.field == "price"


# ================================================================ decimal context


@contextlib.contextmanager
def hostile_context() -> Iterator[None]:
    """``localcontext(prec=3, rounding=ROUND_DOWN)``, spelled so that Python
    3.10 (whose localcontext takes no keywords) runs it too: a thread context
    that visibly damages any computation relying on it."""
    with localcontext() as ctx:
        ctx.prec = 3
        ctx.rounding = decimal.ROUND_DOWN
        yield


def same_in_hostile_context(compute: Callable[[], object]) -> None:
    outside = compute()
    with hostile_context():
        inside = compute()
    # repr compares values *and* the number of decimals of every amount.
    assert repr(inside) == repr(outside)


class TestDecimalContextIndependence:
    def test_hostile_context_would_hurt(self) -> None:
        # The guard is real: under it, plain Decimal arithmetic loses digits.
        with hostile_context():
            assert Decimal("123456.78") + 0 == Decimal("123000")

    def test_worked_examples(self) -> None:
        # The examples above, recomputed under the hostile context.
        with hostile_context():
            # 12345678 cents / 3 = 4115226 exactly: no rounding involved.
            assert amounts(allocate(Money("123456.78", "EUR"), [1, 1, 1])) == ["41152.26"] * 3
            # 10000 cents in 1:1:1000 -> 9.98..., 9.98..., 9980.04...:
            # floors 9 + 9 + 9980 = 9998, the two cents left go to the larger
            # remainders (0.98, 0.98 against 0.04): 10, 10, 9980.
            assert amounts(allocate(Money("100.00", "EUR"), [1, 1, 1000])) == [
                "0.10",
                "0.10",
                "99.80",
            ]
            split = tax_from_gross(Money("250.00", "RUB"), "20%")
            assert amounts([split.tax, split.net]) == ["41.67", "208.33"]
            assert str(quantize(Money("2.675", "USD")).amount) == "2.68"
            assert str(sum_money([Money("1234.56", "EUR"), Money("0.01", "EUR")]).amount) == (
                "1234.57"
            )
            assert str(to_rate("12.345%")) == "0.12345"

    @given(allocations())
    def test_allocate(self, case: tuple[Money, list[DecimalLike], RoundingPolicy]) -> None:
        total, ws, policy = case
        same_in_hostile_context(lambda: allocate(total, ws, policy))

    @given(unrounded_money() | money(), rates(), rounding_policies())
    def test_tax_splits(self, amount: Money, rate: Decimal, policy: RoundingPolicy) -> None:
        same_in_hostile_context(lambda: tax_from_gross(amount, rate, policy))
        same_in_hostile_context(lambda: tax_from_net(amount, rate, policy))

    @given(unrounded_money() | money(), rounding_policies())
    def test_quantize(self, amount: Money, policy: RoundingPolicy) -> None:
        same_in_hostile_context(lambda: quantize(amount, policy))

    @given(money_lists(min_size=1, extra_places=2))
    def test_sum_money(self, items: list[Money]) -> None:
        same_in_hostile_context(lambda: sum_money(items))

    @given(unrounded_money(), st.integers(1, 20))
    def test_converters(self, amount: Money, percent: int) -> None:
        text = f"{amount.amount} {amount.currency.code}"
        same_in_hostile_context(lambda: to_money(text))
        same_in_hostile_context(lambda: to_decimal(str(amount.amount)))
        same_in_hostile_context(lambda: to_rate(f"{amount.amount.copy_abs()}%"))
        same_in_hostile_context(lambda: to_rate(f"{percent}%"))


class TestInputsRefusedAfterReview:
    """Cases found questionable in review and now refused or normalised."""

    def test_minor_unit_overrides_are_checked_like_a_policy(self) -> None:
        # A plain dict is checked as RoundingPolicy(minor_units=...) checks it:
        # codes are normalised ("irr" is IRR), digits must be ints from 0 to 8.
        assert minor_units("IRR", {"irr": 0}) == 0
        with pytest.raises(MoneyError, match="minor_units") as info:
            minor_units("EUR", {"EUR": -1})
        assert info.value.value == -1
        with pytest.raises(MoneyError):
            minor_units("EUR", {"EUR": "0"})  # type: ignore[dict-item]

    def test_sum_money_refuses_nan_inside_money(self) -> None:
        nan = Money(Decimal("NaN"), "EUR")
        with pytest.raises(MoneyError, match=r"amounts\[1\]"):
            sum_money([Money("1.00", "EUR"), nan])

    def test_to_money_names_the_callers_field_for_a_bad_currency(self) -> None:
        with pytest.raises(UnknownCurrencyError) as info:
            to_money(Money("1.00", "EUR"), "XYZ", field="fee")
        assert info.value.field == "fee"

    def test_float_nan_hint_does_not_suggest_writing_nan(self) -> None:
        with pytest.raises(MoneyError, match="never a float"):
            to_decimal(float("nan"), "quantity")
